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
from pathlib import Path
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import libcst as cst

from .guard import quiet_parse

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
    """A parsed file of the project: its tree, text, import table and top-level functions."""

    __slots__ = ("path", "display", "text", "module", "imports", "functions", "_positions")

    def __init__(self, path: Path, text: str, module: cst.Module) -> None:
        from .names import record_import

        self.path = path
        self.display = display(path)
        self.text = text
        self.module = module
        self.imports: Dict[str, str] = {}
        self.functions: Dict[str, cst.FunctionDef] = {}
        for stmt in module.body:
            if isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        record_import(small, self.imports)
        self._positions = None

    def position(self, node: cst.CSTNode):
        """The code range of ``node`` in this file, or None (computed on first use)."""
        if self._positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            self._positions = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return self._positions.get(node)


class Project:
    """Resolves the imports of one linted file (``importer``) to files of its project, and parses them once."""

    def __init__(self, importer: str) -> None:
        self.importer = Path(importer).resolve() if importer and not importer.startswith("<") else None
        self.root = _project_root(self.importer.parent) if self.importer is not None else None
        self.modules: Dict[Path, Optional[ForeignModule]] = {}
        self.read: List[ForeignModule] = []  # every file read, in order (the results cache depends on them)

    def resolve(self, module: Optional[str], level: int, from_dir: Optional[Path] = None) -> Optional[Path]:
        """The file ``from <level dots><module> import ...`` means, if it is one of the project's."""
        if self.importer is None or self.root is None:
            return None
        parts = module.split(".") if module else []
        base_dir = from_dir or self.importer.parent
        if level:
            base = base_dir
            for _ in range(level - 1):
                base = base.parent
            candidates = [base]
        else:
            candidates = [base_dir, self.root, self.root / "src"]
        for base in candidates:
            target = base.joinpath(*parts) if parts else base
            for path in (target.with_suffix(".py") if parts else None, target / "__init__.py"):
                if path is not None and path.is_file() and _under(path, self.root) and "site-packages" not in path.parts:
                    return path
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
        foreign = _parse(path)
        if foreign is not None:
            self.modules[path] = foreign
            self.read.append(foreign)
        return foreign

    def function(self, module: Optional[str], level: int, name: str,
                 from_dir: Optional[Path] = None) -> Optional[Tuple[ForeignModule, cst.FunctionDef]]:
        """The top-level ``def name`` of the project file ``from <module> import name`` reads, if any (a file
        that has no such ``def`` is not parsed at all)."""
        path = self.resolve(module, level, from_dir)
        if path is None:
            return None
        text = _text(path)
        if text is None or not re.search(rf"^(?:async[ \t]+)?def[ \t]+{re.escape(name)}\b", text, re.M):
            return None
        foreign = self.load(path)
        if foreign is None or name not in foreign.functions:
            return None
        return foreign, foreign.functions[name]

    def dependencies(self) -> List[Tuple[str, str]]:
        """(absolute path, text) of every file read: what the importer's findings depend on."""
        return [(str(m.path), m.text) for m in self.read]


_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import\b", re.M)


def import_closure(importer: str, text: str) -> List[Path]:
    """The project files ``importer`` (with content ``text``) may read helpers from, and those they import in turn:
    what its findings depend on (a superset of what the analysis reads; found by a text scan, no parse)."""
    project = Project(importer)
    out: List[Path] = []
    todo = [(project.importer.parent if project.importer is not None else None, text)]
    seen = set()
    while todo and len(out) < MAX_MODULES:
        folder, body = todo.pop()
        for dots, module in _FROM_IMPORT.findall(body):
            path = project.resolve(module or None, len(dots), folder)
            if path is None or path in seen or path == project.importer:
                continue
            seen.add(path)
            out.append(path)
            try:
                if path.stat().st_size <= MAX_IMPORTED_BYTES:
                    todo.append((path.parent, path.read_bytes().decode("utf-8", "replace")))
            except OSError:
                pass
    return out


_PARSED: "OrderedDict[Tuple[str, int, int], Optional[ForeignModule]]" = OrderedDict()
_TEXTS: "OrderedDict[Tuple[str, int, int], Optional[str]]" = OrderedDict()
_KEEP = 128  # files kept parsed for the rest of the run


def _stamp(path: Path) -> Optional[Tuple[str, int, int]]:
    try:
        st = path.stat()
    except OSError:
        return None
    return str(path), st.st_size, st.st_mtime_ns


def _remember(cache: "OrderedDict", key, value) -> None:
    cache[key] = value
    if len(cache) > _KEEP:
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


def _parse(path: Path) -> Optional[ForeignModule]:
    key = _stamp(path)
    if key is None:
        return None
    if key in _PARSED:
        return _PARSED[key]
    text = _text(path)
    foreign = None
    if text is not None:
        try:
            quiet_parse(text)  # CPython first: LibCST never sees a file that does not parse
            foreign = ForeignModule(path, text, cst.parse_module(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
            foreign = None
    _remember(_PARSED, key, foreign)
    return foreign


def _under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _project_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    return start
