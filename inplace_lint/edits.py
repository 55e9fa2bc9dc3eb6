"""Text edits: made by diffing two texts, applied to a text, and checked for overlap.

Edits are line-granular (each replaces whole lines, or inserts whole lines): two fixes that touch the same line never
apply in the same round, which is what keeps independently planned fixes from interfering. Positions are those of
``diagnostics.Edit`` (1-based, exclusive end); an edit that reaches the end of a text with no final newline ends
at (last line, its length + 1).
"""
from __future__ import annotations

import difflib
from typing import Iterable, List, Optional, Sequence, Tuple

from .diagnostics import Edit


def _lines(text: str) -> List[str]:
    return text.splitlines(keepends=True)


def _position(lines: Sequence[str], index: int) -> Tuple[int, int]:
    """(line, col) of the start of line ``index`` (0-based); past the last line: the end of the text."""
    if index < len(lines):
        return index + 1, 1
    if lines and not lines[-1].endswith(("\n", "\r")):
        return len(lines), len(lines[-1]) + 1
    return len(lines) + 1, 1


def diff_edits(old: str, new: str) -> Tuple[Edit, ...]:
    """The line edits that turn ``old`` into ``new`` (empty when they are equal)."""
    if old == new:
        return ()
    a, b = _lines(old), _lines(new)
    head = 0  # the common first and last lines are cut before difflib sees the (usually short) middle
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle_a, middle_b = a[head:len(a) - tail], b[head:len(b) - tail]
    out: List[Edit] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        line, col = _position(a, head + i1)
        end_line, end_col = _position(a, head + i2)
        out.append(Edit(line, col, end_line, end_col, "".join(middle_b[j1:j2])))
    return tuple(out)


def _offsets(text: str) -> List[int]:
    """Offset of the start of each line, plus one past the end."""
    starts, pos = [0], 0
    for line in _lines(text):
        pos += len(line)
        starts.append(pos)
    return starts


def _offset(starts: List[int], text: str, line: int, col: int) -> Optional[int]:
    if line < 1 or col < 1:
        return None
    if line > len(starts) - 1:
        return len(text) if (line, col) == (len(starts), 1) and (not text or text.endswith(("\n", "\r"))) else None
    offset = starts[line - 1] + col - 1
    return offset if offset <= starts[line] else None


def apply_edits(text: str, edits: Iterable[Edit]) -> Optional[str]:
    """``text`` with ``edits`` applied (identical edits once); None when an edit does not fit the text or two
    edits overlap."""
    starts = _offsets(text)
    spans = []
    for e in sorted(set(edits), key=lambda e: (e.start, e.end)):
        start, end = _offset(starts, text, e.line, e.col), _offset(starts, text, e.end_line, e.end_col)
        if start is None or end is None or end < start:
            return None
        spans.append((start, end, e.content))
    out, pos = [], 0
    for start, end, content in spans:
        if start < pos:
            return None
        out.append(text[pos:start])
        out.append(content)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def conflicts(a: Edit, b: Edit) -> bool:
    """Do two different edits touch the same text? (Identical edits never conflict: they are applied once.)"""
    if a == b:
        return False
    if a.start == a.end and b.start == b.end:
        return a.start == b.start  # two insertions at one point: their order would be a guess
    return a.start < b.end and b.start < a.end or (a.start == a.end and b.start <= a.start < b.end) \
        or (b.start == b.end and a.start <= b.start < a.end)


def compatible(edits: Sequence[Edit], accepted: Sequence[Edit]) -> bool:
    return not any(conflicts(e, o) for e in edits for o in accepted)


def region_text(text: str, edit: Edit) -> Optional[str]:
    """The text an edit replaces (None when it does not fit ``text``)."""
    starts = _offsets(text)
    start, end = _offset(starts, text, edit.line, edit.col), _offset(starts, text, edit.end_line, edit.end_col)
    if start is None or end is None or end < start:
        return None
    return text[start:end]
