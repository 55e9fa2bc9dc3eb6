"""Settings: ``[tool.inplace-lint]`` in ``pyproject.toml`` (or a standalone TOML file) merged with the command line.

Each file gets the settings of the nearest ``.inplace-lint.toml``, ``inplace-lint.toml`` (top-level keys are the
options) or ``pyproject.toml`` with a ``[tool.inplace-lint]`` table at or above its folder, like ruff; a file with
none above it gets the current folder's (or the defaults). ``settings_for(path)`` is that resolution for one file
(for editors: the language server calls it); ``resolve_settings`` makes a run's, ``Settings.for_path`` then gives each
file its own. Keys::

    select = ["IPL0"]            # codes or prefixes; default ALL
    extend-select = ["IPL9"]
    ignore = ["IPL004"]
    exclude = ["legacy/", "*_pb2.py"]   # gitignore-style globs relative to the config file's folder
    extend-exclude = ["scratch/**"]     # same, added on top (both are added to the built-in excludes)
    per-file-ignores = { "tests/**" = ["IPL004"] }
    severity = { IPL004 = "error" }
    respect-gitignore = true            # skip what .gitignore files ignore (default true)

Rule selection follows ruff: within one layer (the config file, then the command line) the most specific selector wins
and ``ignore`` beats ``select`` at equal specificity; a layer that sets ``select`` starts afresh.
"""
from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import catalog

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on old interpreters
    try:
        import tomli as tomllib
    except ImportError:
        tomllib = None

SECTION = "inplace-lint"
STANDALONE_NAMES = (".inplace-lint.toml", "inplace-lint.toml")
LIST_KEYS = ("select", "extend-select", "ignore", "exclude", "extend-exclude")
TABLE_KEYS = ("per-file-ignores", "severity")
BOOL_KEYS = ("respect-gitignore",)
FIX_WITH_CHOICES = ("default", "function")  # fix-with: how --fix rewrites an in-place chain autograd refuses
KNOWN_KEYS = LIST_KEYS + TABLE_KEYS + BOOL_KEYS + ("fix-with",)
COMMAND_LINE = "command line"

# Folders never worth linting; matched by name at any depth. Any folder holding a pyvenv.cfg is a virtualenv too.
DEFAULT_EXCLUDES = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "build", "dist", "node_modules", "site-packages",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".inplace_lint_cache",
})


class ConfigError(Exception):
    """A bad option or config file; the message names the key or code and where it came from."""


# ---------------------------------------------------------------------------------------------------------------
# Rule selection


def _specificity(selector: str) -> int:
    return 0 if selector == catalog.ALL else len(selector)


def _best(selectors: Sequence[str], code: str) -> int:
    """The specificity of the most specific selector matching ``code``, or -1."""
    return max((_specificity(s) for s in selectors if s == catalog.ALL or code.startswith(s)), default=-1)


@dataclass(frozen=True)
class SelectionLayer:
    """One source of select/ignore options (the config file, or the command line)."""

    select: Optional[Tuple[str, ...]] = None  # None: keep what earlier layers chose
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()

    def decide(self, code: str, inherited: bool) -> bool:
        enabled = False if self.select is not None else inherited
        chosen = _best(tuple(self.select or ()) + self.extend_select, code)
        ignored = _best(self.ignore, code)
        if chosen < 0 and ignored < 0:
            return enabled
        return chosen > ignored


@dataclass(frozen=True)
class RuleSelection:
    """Which codes are on, from layers applied in order on top of the default ``select = ["ALL"]``."""

    layers: Tuple[SelectionLayer, ...] = ()

    def is_enabled(self, code: str) -> bool:
        return _is_enabled(self, code.upper())


@lru_cache(maxsize=4096)
def _is_enabled(selection: RuleSelection, code: str) -> bool:
    enabled = True
    for layer in selection.layers:
        enabled = layer.decide(code, enabled)
    return enabled


# ---------------------------------------------------------------------------------------------------------------
# Paths: gitignore-style globs


def glob_to_regex(pattern: str) -> Tuple["re.Pattern[str]", bool]:
    """Compile a gitignore-style glob to (regex over a '/'-separated relative path, matches folders only).

    A pattern with a ``/`` (other than a trailing one) is anchored at the root; otherwise it matches at any depth.
    ``*`` and ``?`` stay within one path segment, ``**`` spans segments, ``[...]`` is a character class.
    """
    dir_only = pattern.endswith("/")
    pat = pattern.rstrip("/")
    anchored = "/" in pat
    pat = pat.lstrip("/")
    out, i = [], 0
    while i < len(pat):
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        elif pat[i] == "[" and _class_end(pat, i) > 0:
            end = _class_end(pat, i)
            body = pat[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + "".join(out)), dir_only


def _class_end(pat: str, start: int) -> int:
    """The index of the ``]`` closing the character class opened at ``start``, or -1 (then ``[`` is literal)."""
    j = start + 1
    if pat.startswith("!", j):
        j += 1
    if pat.startswith("]", j):
        j += 1
    return pat.find("]", j)


class PathMatcher:
    """A set of gitignore-style globs rooted at one folder; a path matches if it or any parent folder does."""

    def __init__(self, patterns: Sequence[str], root: Path):
        self.patterns = list(patterns)
        self.root = root
        self._compiled = [glob_to_regex(p) for p in self.patterns]

    def __bool__(self) -> bool:
        return bool(self._compiled)

    def matches(self, path: Path, is_dir: bool = False, ancestors: bool = True) -> bool:
        """Whether a glob matches ``path`` (or, with ``ancestors``, one of the folders above it)."""
        parts = _relative_parts(path, self.root)
        for depth in range(1 if ancestors else len(parts), len(parts) + 1):
            rel = "/".join(parts[:depth])
            here_is_dir = is_dir or depth < len(parts)
            for regex, dir_only in self._compiled:
                if (here_is_dir or not dir_only) and regex.fullmatch(rel):
                    return True
        return False


def _relative_parts(path: Path, root: Path) -> List[str]:
    absolute = Path(os.path.abspath(path))
    try:
        return list(absolute.relative_to(root).parts)
    except ValueError:
        return [p for p in absolute.parts if p not in ("/", "\\") and not p.endswith(("/", "\\"))]


def is_default_excluded(path: Path, is_dir: bool) -> bool:
    """True for the built-in excludes: VCS, caches, build output, virtualenvs (any folder with a pyvenv.cfg)."""
    if path.name in DEFAULT_EXCLUDES:
        return True
    if not is_dir:
        return False
    try:
        return (path / "pyvenv.cfg").is_file()
    except OSError:  # a folder that cannot be searched is no virtualenv we can see: walking it reports it (IPL901)
        return False


# ---------------------------------------------------------------------------------------------------------------
# Settings


@dataclass
class Settings:
    """Everything the engine needs to decide what to lint and what to report, for the files under one config file.

    A run has one ``Settings`` per config file it meets: ``for_path(path)`` gives the settings that apply to a file
    (the nearest config file above it, like ruff), through the ``Resolver`` the run's settings carry.
    """

    root: Path = field(default_factory=Path.cwd)  # where exclude / per-file-ignores globs are rooted
    config_path: Optional[Path] = None
    selection: RuleSelection = field(default_factory=RuleSelection)
    exclude: Sequence[str] = ()
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    severity: Dict[str, str] = field(default_factory=dict)  # selector -> "error" | "warning"
    force_exclude: bool = False
    respect_gitignore: bool = True
    fix_with: str = "default"  # "function": in-place chains become autograd.Functions (docs/fixes.md)
    # --exclude/--extend-exclude and --per-file-ignores given on the command line: globs rooted at the cwd
    cli_exclude: Sequence[str] = ()
    cli_per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    cli_root: Path = field(default_factory=Path.cwd)
    resolver: Optional["Resolver"] = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        self.root = Path(os.path.abspath(self.root))
        self.cli_root = Path(os.path.abspath(self.cli_root))
        self._exclude = PathMatcher(self.exclude, self.root)
        self._cli_exclude = PathMatcher(self.cli_exclude, self.cli_root)
        self._per_file = [(PathMatcher([glob], self.root), codes) for glob, codes in self.per_file_ignores.items()]
        self._per_file += [(PathMatcher([glob], self.cli_root), codes)
                           for glob, codes in self.cli_per_file_ignores.items()]
        self._fingerprint: Optional[str] = None

    def for_path(self, path: "os.PathLike[str] | str") -> "Settings":
        """The settings that apply to ``path`` (a file or folder): those of the nearest config file above it."""
        if self.resolver is None:
            return self
        return self.resolver.settings_for(path)

    def is_enabled(self, code: str) -> bool:
        return self.selection.is_enabled(code)

    def _excluded_by_globs(self, path: Path, is_dir: bool, ancestors: bool) -> bool:
        return (self._exclude.matches(path, is_dir, ancestors=ancestors)
                or self._cli_exclude.matches(path, is_dir, ancestors=ancestors))

    def is_excluded(self, path: Path, is_dir: bool = False) -> bool:
        """Whether a folder walk skips ``path``. Only the entry itself is matched: the walk never enters an excluded
        folder, and a folder given explicitly is walked even when a folder above it is excluded."""
        return is_default_excluded(path, is_dir) or self._excluded_by_globs(path, is_dir, False)

    def is_excluded_anywhere(self, path: Path, is_dir: bool = False) -> bool:
        """Whether ``path`` or any folder above it (up to the root) is excluded: for ``--force-exclude``."""
        path = Path(os.path.abspath(path))
        if self._excluded_by_globs(path, is_dir, True) or is_default_excluded(path, is_dir):
            return True
        for parent in path.parents:
            if parent == self.root or parent == parent.parent:
                break
            if is_default_excluded(parent, True):
                return True
        return False

    def ignored_codes(self, path: Path) -> List[str]:
        """The selectors per-file-ignores switch off for ``path``."""
        return [code for matcher, codes in self._per_file if matcher.matches(path) for code in codes]

    def severity_for(self, code: str, default: str) -> str:
        best, chosen = -1, default
        for selector, severity in self.severity.items():
            spec = _best((selector,), code)
            if spec > best:
                best, chosen = spec, severity
        return chosen

    @property
    def fingerprint(self) -> str:
        """What changes the findings reported for a file (not which files are checked): the results cache's key."""
        if self._fingerprint is None:
            self._fingerprint = json.dumps({
                "root": str(self.root), "selection": repr(self.selection),
                "per_file_ignores": {k: list(v) for k, v in sorted(self.per_file_ignores.items())},
                "cli_per_file_ignores": {k: list(v) for k, v in sorted(self.cli_per_file_ignores.items())},
                "cli_root": str(self.cli_root), "severity": dict(sorted(self.severity.items())),
                "fix_with": self.fix_with,
            }, sort_keys=True)
        return self._fingerprint

    def describe(self) -> List[str]:
        """``--show-settings``: the resolved settings, one ``key = value`` line each (TOML-like)."""
        codes = [c for c in catalog.known_codes() if self.is_enabled(c)]
        lines = [f"config file = {json.dumps(str(self.config_path)) if self.config_path else 'none (defaults)'}",
                 f"root = {json.dumps(str(self.root))}",
                 f"enabled = {json.dumps(codes)}",
                 f"exclude = {json.dumps(list(self.exclude))}",
                 f"per-file-ignores = {json.dumps(self.per_file_ignores)}",
                 f"severity = {json.dumps(self.severity)}",
                 f"respect-gitignore = {str(self.respect_gitignore).lower()}",
                 f"force-exclude = {str(self.force_exclude).lower()}"]
        if self.cli_exclude:
            lines.append(f"command-line exclude = {json.dumps(list(self.cli_exclude))} (rooted at {self.cli_root})")
        if self.cli_per_file_ignores:
            lines.append(f"command-line per-file-ignores = {json.dumps(self.cli_per_file_ignores)} "
                         f"(rooted at {self.cli_root})")
        return lines


# ---------------------------------------------------------------------------------------------------------------
# Reading config files


def find_config(start: Path) -> Optional[Path]:
    """The nearest config file at or above ``start`` (a folder), or None."""
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents):
        for name in STANDALONE_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and SECTION in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def load_config(path: Path) -> Dict[str, Any]:
    """The options in ``path``: ``[tool.inplace-lint]`` of a pyproject.toml, else the file's top level."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get(SECTION, {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.{SECTION}] must be a table")
    return data


def _read_toml(path: Path) -> Dict[str, Any]:
    if tomllib is None:  # pragma: no cover
        raise ConfigError(f"{path}: reading TOML needs Python 3.11+ or the 'tomli' package (pip install tomli)")
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:  # TOML is UTF-8; tomllib decodes before parsing
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def _config_start(paths: Sequence[str], stdin_filename: Optional[str]) -> Path:
    """The folder discovery starts from: that of the first path (the stdin filename for ``-``), else the cwd."""
    first = paths[0] if paths else "."
    if first == "-" and stdin_filename:
        first = stdin_filename
    if first == "-":
        return Path.cwd()
    path = Path(os.path.abspath(first))
    while not _is_dir(path) and path != path.parent:
        path = path.parent
    return path


# ---------------------------------------------------------------------------------------------------------------
# Validation


def _string_list(value: Any, key: str, where: str) -> List[str]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def _selectors(values: Sequence[str], key: str, where: str) -> Tuple[str, ...]:
    codes = catalog.known_codes()
    out = []
    for value in values:
        sel = value.strip().upper()
        if not catalog.is_valid_selector(sel, codes):
            source = f"--{key}" if where == COMMAND_LINE else f"'{key}' of {where}"
            raise ConfigError(f"unknown rule code {value!r} in {source} (valid codes: {', '.join(codes)})")
        out.append(sel)
    return tuple(out)


def layer_from_options(select: Optional[Sequence[str]], extend_select: Sequence[str], ignore: Sequence[str],
                       where: str) -> SelectionLayer:
    """A validated selection layer; ``where`` names the source in error messages."""
    return SelectionLayer(
        select=None if select is None else _selectors(select, "select", where),
        extend_select=_selectors(extend_select, "extend-select", where),
        ignore=_selectors(ignore, "ignore", where),
    )


def settings_from_config(data: Dict[str, Any], where: str) -> Dict[str, Any]:
    """Validate a config table; return keyword arguments for ``Settings`` plus its selection layer."""
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}' (known keys: {', '.join(KNOWN_KEYS)})")
    lists = {key: _string_list(data[key], key, where) for key in LIST_KEYS if key in data}
    per_file = _table(data.get("per-file-ignores", {}), "per-file-ignores", where)
    severity = _table(data.get("severity", {}), "severity", where)
    for glob, codes in per_file.items():
        per_file[glob] = list(_selectors(_string_list(codes, f"per-file-ignores.{glob}", where),
                                         f"per-file-ignores.{glob}", where))
    checked_severity = {}
    for selector, level in severity.items():
        if level not in catalog.SEVERITIES:
            raise ConfigError(f"{where}: severity.{selector} must be 'error' or 'warning', not {level!r}")
        checked_severity[_selectors([selector], "severity", where)[0]] = level
    out = {
        "layer": layer_from_options(lists.get("select"), lists.get("extend-select", []), lists.get("ignore", []),
                                    where),
        "exclude": lists.get("exclude", []),
        "extend_exclude": lists.get("extend-exclude", []),
        "per_file_ignores": per_file,
        "severity": checked_severity,
    }
    if "fix-with" in data:
        if data["fix-with"] not in FIX_WITH_CHOICES:
            raise ConfigError(f"{where}: 'fix-with' must be one of {', '.join(map(repr, FIX_WITH_CHOICES))}, "
                              f"not {data['fix-with']!r}")
        out["fix_with"] = data["fix-with"]
    if "respect-gitignore" in data:
        if not isinstance(data["respect-gitignore"], bool):
            raise ConfigError(f"{where}: 'respect-gitignore' must be true or false")
        out["respect_gitignore"] = data["respect-gitignore"]
    return out


def _table(value: Any, key: str, where: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a table")
    return dict(value)


def parse_per_file_ignores(values: Sequence[str]) -> Dict[str, List[str]]:
    """``--per-file-ignores 'tests/*.py:IPL004,IPL005'`` (repeatable) -> {glob: selectors}."""
    out: Dict[str, List[str]] = {}
    for value in values:
        glob, sep, codes = value.rpartition(":")
        if not sep or not glob.strip() or not codes.strip():
            raise ConfigError(f"--per-file-ignores: expected GLOB:CODES (e.g. 'tests/*.py:CODE1,CODE2'), got {value!r}")
        selectors = [c.strip() for c in codes.split(",") if c.strip()]
        out.setdefault(glob.strip(), []).extend(_selectors(selectors, "per-file-ignores", COMMAND_LINE))
    return out


@dataclass
class Overrides:
    """What the command line sets on top of every config file (ruff's CLI overrides)."""

    layer: SelectionLayer = field(default_factory=SelectionLayer)
    force_exclude: bool = False
    respect_gitignore: Optional[bool] = None  # None: the config's, else true
    exclude: Optional[Sequence[str]] = None  # --exclude: replaces the config's exclude
    extend_exclude: Sequence[str] = ()
    per_file_ignores: Optional[Dict[str, List[str]]] = None  # --per-file-ignores: replaces the config's
    extend_per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    cwd: Path = field(default_factory=Path.cwd)
    fix_with: Optional[str] = None  # --fix-with: beats the config's fix-with


class Resolver:
    """Settings per config file, found for each path as ruff does: the nearest ``.inplace-lint.toml``,
    ``inplace-lint.toml`` or ``pyproject.toml`` with ``[tool.inplace-lint]`` at or above the path's folder; a path
    with none above it gets the settings of the current folder's config (or the defaults). With ``--config FILE`` or
    ``--no-config`` every path gets the same settings. The command-line options apply on top of each."""

    def __init__(self, overrides: Overrides, config: Optional[Path] = None, no_config: bool = False):
        self.overrides = overrides
        self.fixed: Optional[Settings] = None
        self._by_config: Dict[Optional[Path], Settings] = {}
        self._by_folder: Dict[str, Optional[Path]] = {}
        if config is not None or no_config:
            self.fixed = self._build(config)
            self.fallback = self.fixed
        else:
            self.fallback = self._for_config(find_config(overrides.cwd))

    def settings_for(self, path: "os.PathLike[str] | str") -> Settings:
        if self.fixed is not None:
            return self.fixed
        folder = Path(os.path.abspath(path))
        if not _is_dir(folder):
            folder = folder.parent
        config_path = self._nearest(folder)
        return self.fallback if config_path is None else self._for_config(config_path)

    def _nearest(self, folder: Path) -> Optional[Path]:
        key = str(folder)
        if key not in self._by_folder:
            found: Optional[Path] = None
            for name in STANDALONE_NAMES:
                if _is_file(folder / name):
                    found = folder / name
                    break
            else:
                pyproject = folder / "pyproject.toml"
                if _is_file(pyproject) and SECTION in _read_toml(pyproject).get("tool", {}):
                    found = pyproject
                elif folder.parent != folder:
                    found = self._nearest(folder.parent)
            self._by_folder[key] = found
        return self._by_folder[key]

    def _for_config(self, config_path: Optional[Path]) -> Settings:
        if config_path not in self._by_config:
            self._by_config[config_path] = self._build(config_path)
        return self._by_config[config_path]

    def _build(self, config_path: Optional[Path]) -> Settings:
        o = self.overrides
        layers: List[SelectionLayer] = []
        kwargs: Dict[str, Any] = {}
        root = o.cwd
        if config_path is not None:
            root = Path(os.path.abspath(config_path)).parent
            kwargs = settings_from_config(load_config(config_path), str(config_path))
            layers.append(kwargs.pop("layer"))
        layers.append(o.layer)
        config_exclude, config_extend = list(kwargs.pop("exclude", [])), list(kwargs.pop("extend_exclude", []))
        # --exclude replaces the config's exclude (its extend-exclude stays)
        exclude = (config_exclude if o.exclude is None else []) + config_extend
        per_file = kwargs.pop("per_file_ignores", {})
        if o.per_file_ignores is not None:
            per_file = {}
        respect = kwargs.pop("respect_gitignore", True)
        if o.respect_gitignore is not None:
            respect = o.respect_gitignore
        if o.fix_with is not None:
            kwargs["fix_with"] = o.fix_with
        cli_per_file = {**(o.per_file_ignores or {})}
        for glob, codes in o.extend_per_file_ignores.items():
            cli_per_file.setdefault(glob, []).extend(codes)
        return Settings(root=root, config_path=config_path, selection=RuleSelection(tuple(layers)),
                        force_exclude=o.force_exclude, exclude=exclude, per_file_ignores=per_file,
                        respect_gitignore=respect, cli_exclude=list(o.exclude or ()) + list(o.extend_exclude),
                        cli_per_file_ignores=cli_per_file, cli_root=o.cwd, resolver=self, **kwargs)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # an unreadable folder above: no config there
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def resolve_settings(paths: Sequence[str] = (), *, config: Optional[str] = None, no_config: bool = False,
                     select: Optional[Sequence[str]] = None, extend_select: Sequence[str] = (),
                     ignore: Sequence[str] = (), force_exclude: bool = False,
                     stdin_filename: Optional[str] = None, respect_gitignore: Optional[bool] = None,
                     exclude: Optional[Sequence[str]] = None, extend_exclude: Sequence[str] = (),
                     per_file_ignores: Optional[Sequence[str]] = None,
                     extend_per_file_ignores: Sequence[str] = (), fix_with: Optional[str] = None) -> Settings:
    """The settings for one run: those of the first path (its nearest config file, or ``config``, or none), with the
    command-line options on top. Every file then gets its own through ``Settings.for_path``."""
    config_path: Optional[Path] = None
    if config is not None:
        config_path = Path(config)
        if not config_path.is_file():
            raise ConfigError(f"config file not found: {config}")
    overrides = Overrides(
        layer=layer_from_options(select, extend_select, ignore, COMMAND_LINE), force_exclude=force_exclude,
        respect_gitignore=respect_gitignore, exclude=None if exclude is None else list(exclude),
        extend_exclude=list(extend_exclude),
        per_file_ignores=None if per_file_ignores is None else parse_per_file_ignores(per_file_ignores),
        extend_per_file_ignores=parse_per_file_ignores(extend_per_file_ignores), fix_with=fix_with)
    resolver = Resolver(overrides, config_path, no_config)
    return resolver.settings_for(_config_start(paths, stdin_filename))


def settings_for(path: "os.PathLike[str] | str", *, config: Optional[str] = None,
                 no_config: bool = False) -> Settings:
    """The settings that apply to one file, as a run over it would resolve them (the nearest config file above it;
    no command-line options). For editors and the language server; raises ``ConfigError`` for a bad config."""
    return resolve_settings([os.fspath(path)], config=config, no_config=no_config)
