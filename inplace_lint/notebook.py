"""Jupyter notebooks (``.ipynb``): the code cells are checked as one program, in order, like a kernel runs them.

``read_notebook(path)`` (registered in ``engine.READERS``) returns a ``NotebookSource``: a ``str`` holding every code
cell, each preceded by a marker comment line, with IPython syntax masked. So a tensor made a leaf in cell 2 and
mutated in cell 5 is caught like it would be in one script. ``NotebookSource.remap(diagnostics)`` then sets
``Diagnostic.cell = (cell number, line within the cell)``; cell numbers count every cell (markdown too), from 1, as
Jupyter's UI and ruff do. The text report prints ``nb.ipynb:cell 5:2:1: IPL001 ...``, JSON adds ``cell`` and
``cell_line``.

Masking keeps every line where it was (positions stay right):

- line magics, shell escapes and help (``%matplotlib inline``, ``!pip install x``, ``obj?``, ``??obj``) and the
  lines they continue with a trailing backslash become ``pass  # inplace-lint: magic N`` (same indentation);
- ``files = !ls`` / ``t = %time f()`` become ``files = ...  # inplace-lint: magic N`` (the name stays bound);
- a cell magic line (``%%time``) is masked; when the magic does not run Python (``%%bash``, ``%%writefile``...),
  the whole cell is;
- only lines that start a logical line are masked: a ``% b`` continuing an expression inside brackets, or a line
  inside a triple-quoted string, is left alone.

``--fix`` on a notebook: ``fix_notebook_text(text, fix_source)`` runs a source-to-source fixer on the program,
splits the result back into the cells at the marker lines, restores the masked lines, and rewrites only the
``source`` of the cells that changed: outputs, execution counts and metadata stay as they were, and an unchanged
notebook round-trips byte for byte (JSON indentation and key order are kept).

Malformed notebooks (invalid JSON, nbformat < 4, no ``cells`` list, a cell without a valid ``source``) raise
``UnreadableSource``, which the engine reports as unreadable. Notebooks whose kernel language is not Python are skipped
(their program is empty).
"""
from __future__ import annotations

import io
import json
import re
import tokenize
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .diagnostics import Diagnostic
from .sources import UnreadableSource, read_source_bytes

CELL_MARKER = "# inplace-lint: cell {}"
MAGIC_TAG = "# inplace-lint: magic {}"
_CELL_MARKER_RE = re.compile(r"^[ \t]*# inplace-lint: cell (\d+)[ \t]*$")
_MAGIC_TAG_RE = re.compile(r"^([ \t]*).*# inplace-lint: magic (\d+)[ \t]*$")

# Cell magics whose body is Python (the body is checked; only the %% line is masked). As ruff.
PYTHON_CELL_MAGICS = frozenset({"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"})

_LINE_ESCAPE = re.compile(r"^[ \t]*[%!]")
_HELP = re.compile(r"^[ \t]*(?:\?{1,2}[\w.*]+|[\w.*]+(?:\(\))?\?{1,2})[ \t]*$")
_ASSIGN_MAGIC = re.compile(r"^([ \t]*)([A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)[ \t]*=[ \t]*[%!]")
_LINE_REF = re.compile(r"\bline (\d+)\b")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_MIN_NBFORMAT = 4


def split_keepends(text: str) -> List[str]:
    """Lines with their endings, splitting only at \\r\\n, \\r and \\n (as Python and the engine count lines)."""
    return _LINE.findall(text)


@dataclass
class CodeCell:
    index: int  # position in the notebook's "cells" list, from 0
    number: int  # what users see: index + 1 (markdown cells count)
    source: str  # the cell's code as written
    masked: str  # the code with IPython syntax masked, ending with a newline (unless empty)
    first_line: int = 0  # line of the program where the cell's code starts (after its marker line)
    line_count: int = 0


@dataclass
class Notebook:
    """A parsed notebook and the program made of its code cells."""

    data: Dict[str, Any]  # the JSON document
    text: str  # the file's text as read
    cells: List[CodeCell] = field(default_factory=list)
    # magic id -> (original line without its newline, indentation of the masking line)
    magics: Dict[int, Tuple[str, str]] = field(default_factory=dict)
    source: str = ""  # the program: marker line + masked code, for each code cell

    @classmethod
    def parse(cls, text: str) -> "Notebook":
        """Parse the notebook JSON ``text``; raise ``UnreadableSource`` saying what is wrong with it."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UnreadableSource(f"invalid notebook: not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise UnreadableSource("invalid notebook: the top level is not a JSON object")
        version = data.get("nbformat")
        if not isinstance(version, int) or isinstance(version, bool):
            raise UnreadableSource("invalid notebook: no integer 'nbformat' field")
        if version < _MIN_NBFORMAT:
            raise UnreadableSource(f"unsupported notebook format nbformat {version} (need 4 or later; convert it with "
                              f"`jupyter nbconvert --to notebook --nbformat 4`)")
        cells = data.get("cells")
        if not isinstance(cells, list):
            raise UnreadableSource("invalid notebook: no 'cells' list")
        nb = cls(data=data, text=text)
        python = _is_python(data)
        for index, cell in enumerate(cells):
            if not isinstance(cell, dict):
                raise UnreadableSource(f"invalid notebook: cell {index + 1} is not a JSON object")
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(s, str) for s in source):
                source = "".join(source)
            elif not isinstance(source, str):
                raise UnreadableSource(f"invalid notebook: cell {index + 1} has a 'source' that is neither a string nor "
                                  f"a list of strings")
            if python:
                nb.cells.append(CodeCell(index=index, number=index + 1, source=source, masked=""))
        nb._build()
        return nb

    # -- the program ---------------------------------------------------------------------------------------------

    def _build(self) -> None:
        parts: List[str] = []
        line = 1
        for cell in self.cells:
            cell.masked = mask_magics(cell.source, self.magics)
            parts.append(CELL_MARKER.format(cell.number) + "\n")
            parts.append(cell.masked)
            cell.first_line = line + 1
            cell.line_count = len(split_keepends(cell.masked))
            line += 1 + cell.line_count
        self.source = "".join(parts)

    def locate(self, line: int) -> Optional[Tuple[int, int]]:
        """(cell number, line within the cell) of a line of the program; None for a marker line or past the end."""
        lo, hi = 0, len(self.cells) - 1
        while lo <= hi:  # cells are in line order: binary search
            mid = (lo + hi) // 2
            cell = self.cells[mid]
            if line < cell.first_line:
                hi = mid - 1
            elif line >= cell.first_line + cell.line_count:
                lo = mid + 1
            else:
                return cell.number, line - cell.first_line + 1
        return None

    # -- writing back --------------------------------------------------------------------------------------------

    def with_program(self, program: str) -> str:
        """The notebook's JSON text with each code cell's source taken from ``program`` (a rewritten ``source``).

        Raises ``ValueError`` when the cell marker lines of ``program`` are not those of ``source``, in order.
        """
        data = self.data
        changed = False
        for cell, new_source in zip(self.cells, self.cell_sources(program)):
            if new_source == cell.source:
                continue
            changed = True
            raw = data["cells"][cell.index]
            raw["source"] = split_keepends(new_source) if isinstance(raw.get("source"), list) else new_source
            cell.source = new_source
        if not changed:
            return self.text
        return _dump_like(data, self.text)

    def cell_sources(self, program: str) -> List[str]:
        """The source of each code cell (in ``cells`` order) as ``program`` (a rewritten ``source``) has it, IPython
        lines restored. Raises ``ValueError`` when the cell marker lines of ``program`` are not those of ``source``."""
        out = []
        for cell, segment in zip(self.cells, self._split_program(program)):
            new_source = self._unmask(segment)
            if not cell.source.endswith(("\n", "\r")) and new_source.endswith("\n"):
                new_source = new_source[:-1]  # the program added a newline to end the cell
            out.append(new_source)
        return out

    def _split_program(self, program: str) -> List[str]:
        segments: List[List[str]] = []
        numbers: List[int] = []
        before: List[str] = []  # lines a fixer put above the first cell (e.g. an added `import torch`)
        for line in split_keepends(program):
            m = _CELL_MARKER_RE.match(line.rstrip("\r\n"))
            if m:
                numbers.append(int(m.group(1)))
                segments.append([])
            elif segments:
                segments[-1].append(line)
            else:
                before.append(line)
        expected = [c.number for c in self.cells]
        if numbers != expected:
            raise ValueError(f"cell markers changed: expected cells {expected}, found {numbers}")
        if segments and any(line.strip() for line in before):
            segments[0][:0] = before
        return ["".join(s) for s in segments]

    def _unmask(self, segment: str) -> str:
        out = []
        for line in split_keepends(segment):
            body = line.rstrip("\r\n")
            m = _MAGIC_TAG_RE.match(body)
            if m and int(m.group(2)) in self.magics:
                original, old_indent = self.magics[int(m.group(2))]
                indent = m.group(1)
                if indent == old_indent:
                    restored = original
                elif original.startswith(old_indent):  # the fixer re-indented it (e.g. wrapped it in a block)
                    restored = indent + original[len(old_indent):]
                else:
                    restored = indent + original.lstrip(" \t")
                out.append(restored + line[len(body):])
            else:
                out.append(line)
        return "".join(out)


class NotebookSource(str):
    """The program of a notebook (a ``str``) that also knows how to map its lines back to cells."""

    notebook: Notebook

    def __new__(cls, notebook: Notebook) -> "NotebookSource":
        obj = super().__new__(cls, notebook.source)
        obj.notebook = notebook
        return obj

    def __reduce__(self):  # pickled across worker processes
        return (_rebuild_source, (self.notebook,))

    def locate(self, line: int) -> Optional[Tuple[int, int]]:
        return self.notebook.locate(line)

    def remap(self, diagnostics: Sequence[Diagnostic]) -> List[Diagnostic]:
        """The diagnostics with ``cell`` set to (cell number, line within the cell), and "line N" in messages
        (lines of the program) said as "cell C, line M"."""
        out = []
        for d in diagnostics:
            where = self.locate(d.line)
            if where is not None:
                d = replace(d, cell=where, message=self._retext(d.message),
                            related=[(line, col, self._retext(label)) for line, col, label in d.related])
            out.append(d)
        return out

    def _retext(self, text: str) -> str:
        def sub(m: "re.Match[str]") -> str:
            where = self.locate(int(m.group(1)))
            return f"cell {where[0]}, line {where[1]}" if where is not None else m.group(0)

        return _LINE_REF.sub(sub, text)


def _rebuild_source(notebook: Notebook) -> NotebookSource:
    return NotebookSource(notebook)


def _is_python(data: Dict[str, Any]) -> bool:
    """False only when the notebook says its kernel runs another language (R, Julia...)."""
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return True
    for holder, key in ((meta.get("kernelspec"), "language"), (meta.get("language_info"), "name")):
        if isinstance(holder, dict) and isinstance(holder.get(key), str) and holder[key]:
            return holder[key].strip().lower().startswith("python")
    return True


# ---------------------------------------------------------------------------------------------------------------
# Masking IPython syntax


def mask_magics(source: str, magics: Dict[int, Tuple[str, str]]) -> str:
    """``source`` with IPython-only lines replaced by same-line-count Python; originals recorded in ``magics``.

    The result ends with a newline unless it is empty (so the next cell's marker starts a line).
    """
    lines = [line.rstrip("\r\n") for line in split_keepends(source)]
    if not lines:
        return ""
    masked: Dict[int, str] = {}  # line index -> replacement
    first = lines[0].lstrip()
    if first.startswith("%%"):
        name = first[2:].split(None, 1)[0] if first[2:].strip() else ""
        whole_cell = name not in PYTHON_CELL_MAGICS
        for i in range(len(lines) if whole_cell else 1):
            masked[i] = _pass_line("", _new_id(magics, lines[i], ""))
        start = len(lines) if whole_cell else 1
    else:
        start = 0
    candidates = _candidates(lines, start)
    # Mask a candidate only where a logical line starts: decided top-down on the text above it, as masked so far.
    current = [masked.get(i, line) for i, line in enumerate(lines)]
    i = start
    while i < len(lines):
        if i not in candidates:
            i += 1
            continue
        kind, group = candidates[i]
        if kind != "continuation" and _starts_logical_line(current[:i]):
            indent = _indent(lines[i])
            for j in group:
                key = _new_id(magics, lines[j], indent)
                masked[j] = current[j] = _mask_line(lines[j], kind, key) if j == i else _pass_line(indent, key)
            i = group[-1] + 1
        else:
            i += 1
    out = [masked.get(i, line) for i, line in enumerate(lines)]
    return "\n".join(out) + "\n"


def _new_id(magics: Dict[int, Tuple[str, str]], original: str, indent: str) -> int:
    key = len(magics) + 1
    magics[key] = (original, indent)
    return key


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip(" \t"))]


def _pass_line(indent: str, key: int) -> str:
    return f"{indent}pass  {MAGIC_TAG.format(key)}"


def _mask_line(line: str, kind: str, key: int) -> str:
    indent = _indent(line)
    if kind == "assign":
        m = _ASSIGN_MAGIC.match(line)
        if m:
            return f"{m.group(1)}{m.group(2)} = ...  {MAGIC_TAG.format(key)}"
    return _pass_line(indent, key)


def _candidates(lines: List[str], start: int) -> Dict[int, Tuple[str, List[int]]]:
    """Line index -> (kind, the indexes of the line and its backslash continuations) for IPython-looking lines."""
    out: Dict[int, Tuple[str, List[int]]] = {}
    i = start
    while i < len(lines):
        line = lines[i]
        kind = None
        if _LINE_ESCAPE.match(line):
            kind = "escape"
        elif _ASSIGN_MAGIC.match(line):
            kind = "assign"
        elif _HELP.match(line):
            kind = "help"
        if kind is None:
            i += 1
            continue
        group = [i]
        while lines[group[-1]].endswith("\\") and group[-1] + 1 < len(lines):
            group.append(group[-1] + 1)
        out[i] = (kind, group)
        for j in group[1:]:
            out[j] = ("continuation", group)
        i = group[-1] + 1
    return out


def _starts_logical_line(above: List[str]) -> bool:
    """Whether the line after ``above`` starts a logical line (is not inside brackets, a string, a continuation)."""
    if not above:
        return True
    if above[-1].endswith("\\"):
        return False
    text = "\n".join(above) + "\n"
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text).readline):
            pass
    except tokenize.TokenError:  # EOF in a multi-line statement or string
        return False
    except (SyntaxError, ValueError):  # e.g. inconsistent dedent: not about nesting
        return True
    return True


# ---------------------------------------------------------------------------------------------------------------
# Reading and writing files


def load_notebook_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableSource(f"invalid notebook: not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def read_notebook(path: Path) -> NotebookSource:
    """The engine's reader for ``.ipynb`` files."""
    return decode_notebook(read_source_bytes(path))


def decode_notebook(data: bytes) -> NotebookSource:
    """A notebook's bytes (a file's, or standard input's with ``--stdin-filename nb.ipynb``) as its program."""
    return NotebookSource(Notebook.parse(load_notebook_text(data)))


def _dump_like(data: Dict[str, Any], original: str) -> str:
    """``data`` as JSON in the layout of ``original`` (indent width, trailing newline); nbformat's by default."""
    indent: Optional[int] = 1
    lines = original.split("\n", 2)
    if len(lines) >= 2:
        second = lines[1]
        width = len(second) - len(second.lstrip(" "))
        indent = width or 1
    elif original.strip():
        indent = None
    ascii_only = "\\u" in original and all(ord(c) < 128 for c in original)
    text = json.dumps(data, indent=indent, ensure_ascii=ascii_only)
    return text + ("\n" if original.endswith("\n") else "")


def fix_notebook_text(text: str, fix_source: Callable[[str], str]) -> Optional[str]:
    """Apply ``fix_source`` (program text -> fixed program text) to a notebook; the new JSON text, or None when
    nothing changed. Raises ``UnreadableSource`` for a malformed notebook and ``ValueError`` when the fixer moved a
    cell boundary (then nothing should be written)."""
    nb = Notebook.parse(text)
    program = fix_source(nb.source)
    if program == nb.source:
        return None
    new_text = nb.with_program(program)
    return None if new_text == text else new_text
