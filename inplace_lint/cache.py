"""The results cache: a second run over an unchanged tree reads the findings back instead of parsing anything.

Layout (like ruff's ``.ruff_cache``)::

    .inplace_lint_cache/            next to the config file (its root), else in the cwd; --cache-dir overrides
      .gitignore                    "*": git never sees the cache
      CACHEDIR.TAG                  backup tools skip it
      <salt>/<key[:2]>/<key>.json   one entry per (file path, file content) for one salt

The *salt* names everything besides the file that decides its findings: the tool version, the op table
(``ops.version()`` plus a hash of ``ops.json``), the code (a hash of every module of the package), the
analyzer entry point actually in use, and the effective settings (selection, per-file-ignores, severity, root). A
change to any of them starts a fresh folder; old folders are simply never read again (delete the cache to reclaim
the space).

An entry stores the file's *filtered* diagnostics as JSON (``to_cache`` / ``from_cache``), their fixes included:
a fix is plain data (applicability and text edits), so ``--fix`` reads it from the cache like any other run.

Concurrency: entries are written to a temporary file in the same folder, then moved into place with ``os.replace``
(atomic on POSIX and Windows), so a reader sees either no entry or a whole one, and two runs writing the same entry
just race to write identical bytes. An entry that does not parse or does not have the expected shape is ignored
(a miss) and rewritten. Every I/O error disables the affected operation, never the run.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import __version__
from .diagnostics import Diagnostic, Fix
from .fileio import write_atomic

CACHE_DIR_NAME = ".inplace_lint_cache"
CACHE_DIR_ENV = "INPLACE_LINT_CACHE_DIR"
FORMAT_VERSION = 3

_GITIGNORE = "# Automatically created by inplace-lint.\n*\n"
_CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                 "# This file is a cache directory tag created by inplace-lint.\n"
                 "# For information about cache directory tags see https://bford.info/cachedir/\n")


# ---------------------------------------------------------------------------------------------------------------
# What the findings of a file depend on, besides the file


def _hash_files(paths: Sequence[Path], h: "hashlib._Hash") -> None:
    for path in paths:
        h.update(path.name.encode())
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<unreadable>")


@lru_cache(maxsize=None)
def code_version() -> str:
    """Tool version + op table + rules + analysis source, hashed (computed once per process)."""
    from . import ops

    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    h.update(f"inplace-lint {__version__} cache v{FORMAT_VERSION} python {sys.version_info[:2]}".encode())
    try:
        h.update(f"ops {ops.version()}".encode())
    except Exception:  # noqa: BLE001 - a broken op table must not break caching decisions
        h.update(b"ops <unknown>")
    _hash_files([ops.DATA_PATH], h)
    # every module of the package: the analysis, the rules and the codemods that finish their fixes all decide
    # what an entry holds (reading ~60 small files once per process is cheaper than keeping a list right)
    _hash_files(sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts), h)
    return h.hexdigest()


def settings_fingerprint(settings: Any) -> str:
    """The parts of ``Settings`` that change what is reported for a file (not exclude: it decides *which* files)."""
    return settings.fingerprint


def analyzer_identity() -> str:
    """The analyzer the engine will call (tests swap in fakes; a fake must not read the real analyzer's cache)."""
    from . import engine

    fn = engine.analyze_for_fixes
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def make_salt(settings: Any) -> str:
    h = hashlib.sha256()
    for part in (code_version(), analyzer_identity(), settings_fingerprint(settings)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


# ---------------------------------------------------------------------------------------------------------------
# Serialising diagnostics


def to_cache(d: Diagnostic) -> Dict[str, Any]:
    """A JSON-able dict of every field of ``d`` (a finished fix: no ``Fix.edit`` payload)."""
    out: Dict[str, Any] = {
        "path": d.path, "line": d.line, "col": d.col, "end_line": d.end_line, "end_col": d.end_col,
        "code": d.code, "name": d.name, "severity": d.severity, "message": d.message,
        "related": [list(r) for r in d.related], "validation": d.validation,
        "related_files": [list(r) for r in d.related_files],
        "cell": list(d.cell) if d.cell is not None else None, "stmt_line": d.stmt_line,
        "fingerprint": d.fingerprint, "runtime": d.runtime, "fix": None,
    }
    if d.fix is not None:
        out["fix"] = d.fix.to_data()
    return out


def from_cache(data: Dict[str, Any]) -> Diagnostic:
    """The inverse of ``to_cache``; raises (KeyError, TypeError, ValueError) on a malformed entry."""
    fix = Fix.from_data(data["fix"]) if data["fix"] is not None else None
    cell = data["cell"]
    return Diagnostic(
        path=str(data["path"]), line=int(data["line"]), col=int(data["col"]), end_line=int(data["end_line"]),
        end_col=int(data["end_col"]), code=str(data["code"]), name=str(data["name"]),
        severity=str(data["severity"]), message=str(data["message"]), fix=fix,
        related=[(int(a), int(b), str(c)) for a, b, c in data["related"]], validation=data["validation"],
        related_files=[(str(p), int(a), int(b), str(c)) for p, a, b, c in data.get("related_files", [])],
        cell=(int(cell[0]), int(cell[1])) if cell is not None else None, stmt_line=data["stmt_line"],
        fingerprint=data["fingerprint"], runtime=bool(data["runtime"]))


# ---------------------------------------------------------------------------------------------------------------
# The store


def _digest(path: Path) -> Optional[str]:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# Digests of dependency files, per process, keyed by (path, size, mtime): the files of a project import the same few
# modules (transformers' 2,900 files import ``modeling_utils`` and friends), so each is hashed once per run, not once
# per importer (a warm run of the corpus took 12 s of hashing instead of 1 s).
_DIGESTS: Dict[str, Tuple[Tuple[int, int], Optional[str]]] = {}


def _dep_digest(path: str) -> Optional[str]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = (st.st_size, st.st_mtime_ns)
    known = _DIGESTS.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    digest = _digest(Path(path))
    _DIGESTS[path] = (stamp, digest)
    return digest


class CacheEntry:
    __slots__ = ("diagnostics",)

    def __init__(self, diagnostics: List[Diagnostic]):
        self.diagnostics = diagnostics


class Cache:
    """One run's view of the cache folder (a salt subfolder). Cheap to create; creates folders on first write."""

    def __init__(self, directory: Path, salt: str):
        self.directory = Path(directory)
        self.salt = salt
        self.folder = self.directory / salt
        self.hits = 0
        self.misses = 0
        self._prepared = False
        self._disabled = False

    @classmethod
    def for_settings(cls, settings: Any, cache_dir: Optional[str] = None) -> "Cache":
        return cls(resolve_cache_dir(settings, cache_dir), make_salt(settings))

    @staticmethod
    def key(path: str, data: bytes, settings: str = "") -> str:
        """The entry name for the file reported as ``path`` with content ``data`` under the settings with
        fingerprint ``settings`` (``Settings.fingerprint``: each file's own, from its nearest config file)."""
        h = hashlib.sha256(os.path.normcase(path).encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        h.update(settings.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        h.update(hashlib.sha256(data).digest())
        return h.hexdigest()

    def _entry_path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[CacheEntry]:
        """The entry, or None when missing, unreadable or malformed."""
        try:
            with open(self._entry_path(key), "rb") as fh:
                raw = json.loads(fh.read())
            if raw.get("v") != FORMAT_VERSION:
                raise ValueError("other format version")
            for dep, digest in raw.get("deps", {}).items():  # a file it imports helpers from changed: stale
                if _dep_digest(dep) != digest:
                    raise ValueError("a dependency changed")
            entry = CacheEntry([from_cache(d) for d in raw["diagnostics"]])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def put(self, key: str, diagnostics: Sequence[Diagnostic], dependencies: Sequence[Path] = ()) -> None:
        """Store the findings of one file (atomically: temp file + ``os.replace``), valid while the files it
        imports helpers from (``dependencies``) keep their content."""
        if self._disabled:
            return
        deps = {str(p): _dep_digest(str(p)) for p in dependencies}
        payload = json.dumps({"v": FORMAT_VERSION, "diagnostics": [to_cache(d) for d in diagnostics], "deps": deps},
                             ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        target = self._entry_path(key)
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, payload)
        except OSError:
            self._disabled = True  # read-only file system, full disk...: run uncached

    def _prepare(self) -> None:
        if self._prepared:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            marker = self.directory / name
            if not marker.exists():
                write_atomic(marker, text.encode())
        self._prepared = True


def resolve_cache_dir(settings: Any, cache_dir: Optional[str] = None) -> Path:
    """``--cache-dir``, else ``$INPLACE_LINT_CACHE_DIR``, else ``.inplace_lint_cache`` in the settings' root (the
    config file's folder, or the cwd without one)."""
    chosen = cache_dir or os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(os.path.abspath(chosen))
    return Path(settings.root) / CACHE_DIR_NAME


__all__ = ["CACHE_DIR_ENV", "CACHE_DIR_NAME", "Cache", "CacheEntry", "from_cache", "make_salt", "resolve_cache_dir",
           "to_cache"]
