"""The other files of the project a linted file imports from: found, read and parsed once, on demand.

``from helpers import sgd_step`` in ``train.py``: when ``helpers.py`` is a file of the project (next to the importer,
in a package above it, under the project root or its ``src/``), its top-level functions are analysed at each call
site of ``train.py`` with the call's arguments (``Interpreter.call_function``), whether or not ``helpers.py`` says
``torch`` or was given on the command line. What is found inside them is reported on their own lines, in their own
file, with the call site as a related location.

The project root is the nearest folder above the importer holding ``pyproject.toml``, ``setup.py``, ``setup.cfg``
or ``.git``; without one, the importer's own folder. Nothing outside the root is read, nor anything installed
(``site-packages``): a library's code is not the project's.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from collections import OrderedDict
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

import libcst as cst

from .guard import libcst_parse, quiet_parse
from .prefilter import relevant, string_lines, top_level_blocks

_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
MAX_IMPORTED_BYTES = 1_000_000  # a bigger file is not read for its helpers (generated code, data)
MAX_MODULES = 64  # files read per linted file


def display(path: Path) -> str:
    """``path`` relative to the cwd when it is under it (the engine shows paths that way)."""
    text = os.path.normpath(str(path))
    try:
        rel = os.path.relpath(text)
    except ValueError:
        return text
    return text if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel


class ForeignModule:
    """A file of the project, read but parsed only piecemeal, on demand: its import table (from its module-level
    lines alone) and each top-level function that is called with something known (from that ``def``'s lines alone;
    positions are shifted back to the file's lines). Parsing a 5,000-line module to analyse one 10-line helper is
    what this avoids."""

    __slots__ = ("path", "display", "text", "function_names", "_lines", "_spans", "_blocks", "_imports", "_trees")

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.display = display(path)
        self.text = text
        self._lines = lines = text.split("\n")
        self._spans: Dict[str, Tuple[int, int]] = {}
        self._blocks = blocks = top_level_blocks(lines, string_lines(text))
        for a, b in blocks:
            m = _TOP_DEF.match("\n".join(lines[a:min(b, a + 40)]))
            if m is not None:
                self._spans[m.group(1)] = (a, b)
        self.function_names = frozenset(self._spans)
        self._imports: Optional[Dict[str, str]] = None
        # name -> [module, the def, its first line - 1, positions (computed on first use)], or None
        self._trees: Dict[str, Optional[list]] = {}

    @property
    def imports(self) -> Dict[str, str]:
        """What the file's top-level imports bind (local name -> dotted origin)."""
        if self._imports is None:
            from .names import record_import

            self._imports = {}
            outside = [True] * len(self._lines)
            for a, b in self._blocks:
                outside[a:b] = [False] * (b - a)
            module = _parse_text("\n".join(t for t, keep in zip(self._lines, outside) if keep))
            for stmt in module.body if module is not None else ():
                if type(stmt) is cst.SimpleStatementLine:
                    for small in stmt.body:
                        if type(small) in (cst.Import, cst.ImportFrom):
                            record_import(small, self._imports)
        return self._imports

    def function(self, name: str) -> Optional[cst.FunctionDef]:
        """The top-level ``def name`` (None when the file has none or its text does not parse)."""
        if name not in self._trees:
            span = self._spans.get(name)
            module = _parse_text("\n".join(self._lines[span[0]:span[1]]) + "\n") if span is not None else None
            node = next((st for st in module.body if type(st) is cst.FunctionDef and st.name.value == name),
                        None) if module is not None else None
            self._trees[name] = [module, node, span[0], None] if module is not None else None
        entry = self._trees[name]
        return entry[1] if entry is not None else None

    def relevant(self, name: str) -> bool:
        """Whether the top-level ``def name`` has anything a finding can sit on (``prefilter.relevant``)."""
        span = self._spans.get(name)
        return span is not None and relevant("\n".join(self._lines[span[0]:span[1]]))

    def position(self, node: cst.CSTNode):
        """The code range of ``node`` (a node of one of the parsed functions) in this file, or None."""
        return _shifted_position(node, [entry for entry in self._trees.values() if entry is not None], 2, 3)


class LazyUnits:
    """The functions and methods of the linted file that the pre-filter left to LibCST as a stub (``def`` line and
    ``...``: ``prefilter.Plan.lazy``), parsed from their own lines the first time the analysis needs one (a call
    reaches it); positions are shifted back to the file's lines. Most are never needed."""

    __slots__ = ("_lines", "_spans", "_trees", "fix_lost")

    def __init__(self, lines: List[str], spans: Dict[str, Tuple[int, int, bool]]) -> None:
        self._lines = lines
        self._spans = spans  # qualified name -> (first line, end, is a method): 0-based, end exclusive
        self._trees: List[list] = []  # [module, line offset, positions or None]
        self.fix_lost = False  # a finding's fix would edit one of these units (``positions.to_diagnostics``)

    def __contains__(self, qual: str) -> bool:
        return qual in self._spans

    def function(self, qual: str) -> Optional[cst.FunctionDef]:
        """The real ``def`` of ``qual`` (None when its lines do not parse alone)."""
        first, end, method = self._spans[qual]
        text = "\n".join(self._lines[first:end]) + "\n"
        try:
            module = libcst_parse("class _:\n" + text if method else text)
        except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        body = module.body[0].body.body if method and module.body else module.body
        node = next((st for st in body if type(st) is cst.FunctionDef), None)
        if node is not None:
            self._trees.append([module, first - 1 if method else first, None])
        return node

    def position(self, node: cst.CSTNode):
        """The code range of ``node`` (a node of one of the parsed units) in the file, or None."""
        return _shifted_position(node, self._trees, 1, 2)


def _shifted_position(node: cst.CSTNode, entries: List[list], offset_at: int, positions_at: int):
    """The range of ``node`` in the file, looked up in ``entries`` (lists holding a module parsed from some of the
    file's lines at index 0, how many lines come before them at ``offset_at``, and the module's positions, computed
    on first use, at ``positions_at``); None when no module holds it."""
    from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

    for entry in entries:
        positions = entry[positions_at]
        if positions is None:
            positions = entry[positions_at] = MetadataWrapper(entry[0], unsafe_skip_copy=True).resolve(PositionProvider)
        found = positions.get(node)
        if found is not None:
            offset = entry[offset_at]
            return CodeRange(CodePosition(found.start.line + offset, found.start.column),
                             CodePosition(found.end.line + offset, found.end.column))
    return None


class Project:
    """Resolves the imports of one linted file (``importer``) to files of its project, and parses them once."""

    def __init__(self, importer: str) -> None:
        self.importer = Path(importer).resolve() if importer and not importer.startswith("<") else None
        self.root = _project_root(self.importer.parent) if self.importer is not None else None
        self.modules: Dict[Path, Optional[ForeignModule]] = {}

    def resolve(self, module: Optional[str], level: int, from_dir: Optional[Path] = None) -> Optional[Path]:
        """The file ``from <level dots><module> import ...`` means, if it is one of the project's."""
        if self.importer is None or self.root is None:
            return None
        parts = module.split(".") if module else []
        base_dir = str(from_dir or self.importer.parent)
        if level:
            base = base_dir
            for _ in range(level - 1):
                base = os.path.dirname(base)
            candidates = [base]
        else:
            candidates = [base_dir, str(self.root), os.path.join(str(self.root), "src")]
        root = str(self.root)
        for base in candidates:
            target = os.path.join(base, *parts) if parts else base
            for path in ((target + ".py") if parts else None, os.path.join(target, "__init__.py")):
                if path is not None and os.path.isfile(path) and _under(path, root) \
                        and "site-packages" not in path.split(os.sep):
                    return Path(path)
        return None

    def load(self, path: Path) -> Optional[ForeignModule]:
        """``path`` parsed (None when it cannot be read or parsed, or too much was read already). Parsed files are
        kept for the other files of the run (keyed by path, size and modification time)."""
        path = path.resolve()
        if path in self.modules:
            return self.modules[path]
        if path == self.importer or len(self.modules) >= MAX_MODULES:
            return None
        self.modules[path] = None
        foreign = self.modules[path] = _read(path)
        return foreign

    def relevant_functions(self, module: Optional[str], level: int, names: List[str]) -> Set[str]:
        """Which of ``from <level dots><module> import names`` are functions of a project file with something a
        finding can sit on (the file is then a dependency of the findings)."""
        path = self._imported_file(module, level)
        return {n for n in names if path is not None and (home := self._defining(path, n)) is not None
                and home.relevant(n)}

    def function(self, module: Optional[str], level: int, name: str,
                 from_dir: Optional[Path] = None) -> Optional[ForeignModule]:
        """The project file ``from <module> import name`` reads, if it has a top-level ``def name`` (nothing is
        parsed here: ``ForeignModule.function`` parses the function when it is first called)."""
        path = self._imported_file(module, level, from_dir)
        return self._defining(path, name) if path is not None else None

    def _imported_file(self, module: Optional[str], level: int, from_dir: Optional[Path] = None) -> Optional[Path]:
        """``resolve``, recording the file as a dependency of the findings (they now depend on its text)."""
        path = self.resolve(module, level, from_dir)
        if path is not None and _RECORDER is not None:
            _RECORDER.add(str(path))
        return path

    def _defining(self, path: Path, name: str) -> Optional[ForeignModule]:
        """``path`` loaded, if it has a top-level ``def name`` (a text scan first: most files are never loaded)."""
        if name not in _def_names(path):
            return None
        foreign = self.load(path)
        return foreign if foreign is not None and name in foreign.function_names else None


_TOP_DEF = re.compile(r"(?:@[^\n]*\n)*(?:async[ \t]+)?def[ \t]+(\w+)")
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import\b", re.M)


def import_closure(importer: str, text: str, memo: Optional[Dict] = None) -> List[Path]:
    """The project files ``importer`` (with content ``text``) may read helpers from, and those they import in turn:
    an upper bound of what its findings can depend on, by a text scan (the results cache keys an entry by what the
    analysis really consulted, ``recording``; ``bench/cache_bench.py --edit`` compares the two). ``memo``, shared
    by calls for many files of one tree, remembers each resolution and each file's imports."""
    memo = {} if memo is None else memo
    project = Project(importer)
    out: List[Path] = []
    todo = [(project.importer.parent if project.importer is not None else None, _FROM_IMPORT.findall(text))]
    seen = set()
    while todo and len(out) < MAX_MODULES:
        folder, imports = todo.pop()
        for dots, module in imports:
            key = (project.root, folder, module, len(dots))
            if key not in memo:
                memo[key] = project.resolve(module or None, len(dots), folder)
            path = memo[key]
            if path is None or path in seen or path == project.importer:
                continue
            seen.add(path)
            out.append(path)
            if path not in memo:
                memo[path] = _imports_of(path)
            if memo[path]:
                todo.append((path.parent, memo[path]))
    return out


_RECORDER: Optional[Set[str]] = None


@contextmanager
def recording() -> Iterator[Set[str]]:
    """``with recording() as deps:`` -- the project files whose text the analysis run inside consulted (a file it
    looked a helper up in, called or not): what its findings depend on, for the results cache."""
    global _RECORDER
    previous, _RECORDER = _RECORDER, set()
    try:
        yield _RECORDER
    finally:
        _RECORDER = previous


def _imports_of(path: Path) -> List[Tuple[str, str]]:
    """The ``from ... import`` statements of a file (a text scan; none for a file too big to be read)."""
    try:
        if path.stat().st_size > MAX_IMPORTED_BYTES:
            return []
        return _FROM_IMPORT.findall(path.read_bytes().decode("utf-8", "replace"))
    except OSError:
        return []


_PARSED: "OrderedDict[Tuple[str, int, int], Optional[ForeignModule]]" = OrderedDict()
_TEXTS: "OrderedDict[Tuple[str, int, int], Optional[str]]" = OrderedDict()
_KEEP = 128  # files kept parsed for the rest of the run


def _stamp(path: Path) -> Optional[Tuple[str, int, int]]:
    try:
        st = path.stat()
    except OSError:
        return None
    return str(path), st.st_size, st.st_mtime_ns


def _remember(cache: "OrderedDict", key, value, keep: int = _KEEP) -> None:
    cache[key] = value
    if len(cache) > keep:
        cache.popitem(last=False)


def _text(path: Path) -> Optional[str]:
    key = _stamp(path)
    if key is None or key[1] > MAX_IMPORTED_BYTES:
        return None
    if key in _TEXTS:
        return _TEXTS[key]
    try:
        text: Optional[str] = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    _remember(_TEXTS, key, text)
    return text


_DEF_AT_COLUMN_0 = re.compile(r"^(?:async[ \t]+)?def[ \t]+(\w+)", re.M)
_DEFS: "OrderedDict[Tuple[str, int, int], FrozenSet[str]]" = OrderedDict()


def _def_names(path: Path) -> FrozenSet[str]:
    """The names of the ``def`` lines at column 0 of a file (a text scan, once per file and run): a file that has
    no ``def name`` is never loaded for ``name``."""
    key = _stamp(path)
    if key is None:
        return frozenset()
    names = _DEFS.get(key)
    if names is None:
        text = _text(path)
        names = frozenset(_DEF_AT_COLUMN_0.findall(text)) if text is not None else frozenset()
        _remember(_DEFS, key, names, keep=8192)
    return names


def _read(path: Path) -> Optional[ForeignModule]:
    key = _stamp(path)
    if key is None:
        return None
    if key in _PARSED:
        return _PARSED[key]
    text = _text(path)
    foreign = ForeignModule(path, text) if text is not None else None
    _remember(_PARSED, key, foreign)
    return foreign


def _parse_text(text: str) -> Optional[cst.Module]:
    """``text`` parsed by LibCST, once CPython accepts it (LibCST never sees a text that does not parse)."""
    try:
        quiet_parse(text)
        return libcst_parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
        return None


_REAL_DIRS: Dict[str, str] = {}  # folder -> its real path (symlinks resolved), once per process


def _under(path: str, root: str) -> bool:
    """Whether the file ``path`` really is under the (resolved) folder ``root``."""
    folder = os.path.dirname(path)
    real = _REAL_DIRS.get(folder)
    if real is None:
        if len(_REAL_DIRS) > 50_000:
            _REAL_DIRS.clear()
        real = _REAL_DIRS[folder] = os.path.realpath(folder)
    real = os.path.join(real, os.path.basename(path))
    if os.path.islink(path):
        real = os.path.realpath(path)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


_ROOTS: Dict[str, Path] = {}  # folder -> its project root, once per process (a long-lived server: per start)


def _project_root(start: Path) -> Path:
    key = str(start)
    root = _ROOTS.get(key)
    if root is None:
        root = start
        for folder in (start, *start.parents):
            if any(os.path.exists(os.path.join(folder, marker)) for marker in _ROOT_MARKERS):
                root = folder
                break
        if len(_ROOTS) > 50_000:
            _ROOTS.clear()
        _ROOTS[key] = root
    return root
