"""``# noqa`` directives: which findings they suppress, and the ones that are wrong (the unused-noqa rule, like ruff's
RUF100).

* ``# noqa`` (blanket) suppresses every finding on its line; ``# noqa: IPL001, IPL003`` (commas or spaces) only
  those codes. A finding is suppressed by a directive on its line or on the first line of its statement.
* ``# inplace-lint: noqa`` anywhere in a file (a comment of its own) suppresses every finding in the file;
  ``# inplace-lint: noqa: IPL004`` only those codes.
* A directive whose colon is followed by no code (``# noqa: IPL-001``, ``# noqa: inplace-on-leaf``, ``# noqa:``)
  is malformed: it suppresses nothing, and is reported (``IPL902``), as ruff warns and ignores it.
* ``IPL902`` also reports, in a directive naming codes, each ``IPL`` code that suppressed nothing there (unused, or
  its rule is not enabled) or that no rule has (unknown), with a safe fix removing them (the whole comment when
  nothing else is left). Codes of other tools (``E501``, ``F401``) are theirs and left alone, and so is a blanket
  ``# noqa`` (it may be there for another tool). Not reported in a file that does not parse (IPL900): the rules
  did not run, so nothing can be said to be unused.

``add_noqa_edits`` is ``--add-noqa``: the edits that put a ``# noqa: CODES`` on each line with findings.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from .diagnostics import SAFE, Diagnostic, Edit, Fix
from .rules.ipl900_syntax_error import CODE as SYNTAX_ERROR
from .rules.ipl902_unused_noqa import CODE
from .sources import split_lines

OUR_PREFIX = "IPL"

_LINE = re.compile(r"#\s*noqa(?![\w-])(?P<colon>\s*:)?", re.IGNORECASE)
_FILE = re.compile(r"#\s*inplace-lint\s*:\s*noqa(?![\w-])(?P<colon>\s*:)?", re.IGNORECASE)
_CODES = re.compile(r"\s*(?P<codes>[A-Za-z]+[0-9]+(?:(?:\s*,\s*|\s+)[A-Za-z]+[0-9]+)*)")
_CODE_ITEM = re.compile(r"[A-Za-z]+[0-9]+")


@dataclass
class Directive:
    """One noqa directive. ``codes`` None: blanket; columns are 0-based offsets in the line, ``end`` past the codes."""

    line: int
    start: int
    end: int
    codes: Optional[Tuple[str, ...]]
    file_level: bool = False
    malformed: bool = False
    codes_span: Tuple[int, int] = (0, 0)
    used: Set[str] = field(default_factory=set)

    def suppresses(self, code: str) -> bool:
        if self.malformed:
            return False
        return self.codes is None or code.upper() in self.codes


def comments(text: str) -> List[Tuple[int, int, str]]:
    """(line, 0-based column, text) of every comment; a per-line fallback when the text does not tokenize."""
    try:
        return [(tok.start[0], tok.start[1], tok.string)
                for tok in tokenize.generate_tokens(io.StringIO(text).readline) if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        out = []
        for n, line in enumerate(split_lines(text), start=1):
            if "#" in line:
                out.append((n, line.index("#"), line[line.index("#"):]))
        return out


def parse_comment(line: int, col: int, comment: str) -> List[Directive]:
    """The directives in one comment token (file-level ones first: ``# inplace-lint: noqa`` is no line noqa)."""
    found: List[Directive] = []
    taken: List[Tuple[int, int]] = []
    for pattern, file_level in ((_FILE, True), (_LINE, False)):
        for m in pattern.finditer(comment):
            if any(a <= m.start() < b for a, b in taken):
                continue
            end = m.end()
            codes: Optional[Tuple[str, ...]] = None
            malformed = False
            span = (end, end)
            if m.group("colon"):
                c = _CODES.match(comment, end)
                if c is None:
                    malformed = True
                    end = len(comment.rstrip())
                else:
                    codes = tuple(x.upper() for x in _CODE_ITEM.findall(c.group("codes")))
                    span = (col + c.start("codes"), col + c.end("codes"))
                    end = c.end()
            taken.append((m.start(), end))
            found.append(Directive(line, col + m.start(), col + end, codes, file_level, malformed, span))
    return found


def directives(text: str) -> List[Directive]:
    """Every noqa directive of ``text`` (cheap when the text never says ``noqa``)."""
    if "noqa" not in text.lower():
        return []
    out: List[Directive] = []
    for line, col, comment in comments(text):
        out.extend(parse_comment(line, col, comment))
    return out


def apply(diagnostics: Sequence[Diagnostic], found: Sequence[Directive]) -> List[Diagnostic]:
    """The findings no directive suppresses; marks in each directive the codes it used."""
    by_line: Dict[int, List[Directive]] = {}
    file_level = [d for d in found if d.file_level and not d.malformed]
    for d in found:
        if not d.file_level and not d.malformed:
            by_line.setdefault(d.line, []).append(d)
    kept = []
    for diag in diagnostics:
        code = diag.code.upper()
        lines = [diag.line] if diag.stmt_line is None or diag.stmt_line == diag.line else [diag.line, diag.stmt_line]
        hits = [d for line in lines for d in by_line.get(line, ()) if d.suppresses(code)]
        hits += [d for d in file_level if d.suppresses(code)]
        for d in hits:
            d.used.add(code)
        if not hits:
            kept.append(diag)
    return kept


def hygiene(found: Sequence[Diagnostic], directives_: Sequence[Directive], text: str, path: str,
            known: Sequence[str], is_enabled: Callable[[str], bool], name: str,
            severity: str) -> List[Diagnostic]:
    """The IPL902 findings of a file whose findings before noqa were ``found`` (selection applied)."""
    if any(d.code == SYNTAX_ERROR for d in found):
        return []
    lines = split_lines(text)
    known_set = set(known)
    out: List[Diagnostic] = []
    for d in directives_:
        if d.malformed:
            kind = "file-level " if d.file_level else ""
            example = "# inplace-lint: noqa: CODE" if d.file_level else "# noqa: CODE1, CODE2"
            out.append(_diag(path, d, f"Malformed {kind}`noqa` directive: the colon must be followed by rule codes "
                                      f"(`{example}`); it suppresses nothing", name, severity, None))
            continue
        if d.codes is None or CODE in d.codes or CODE in d.used:
            continue
        ours = [c for c in d.codes if c.startswith(OUR_PREFIX)]
        unknown = [c for c in ours if c not in known_set]
        disabled = [c for c in ours if c in known_set and c not in d.used and not is_enabled(c)]
        unused = [c for c in ours if c in known_set and c not in d.used and is_enabled(c)]
        if not (unknown or disabled or unused):
            continue
        parts = []
        if unused:
            parts.append("unused: " + ", ".join(f"`{c}`" for c in unused))
        if disabled:
            parts.append("non-enabled: " + ", ".join(f"`{c}`" for c in disabled))
        if unknown:
            parts.append("unknown: " + ", ".join(f"`{c}`" for c in unknown))
        kind = "file-level `noqa`" if d.file_level else "`noqa`"
        drop = set(unknown + disabled + unused)
        fix = _removal(d, lines[d.line - 1] if d.line <= len(lines) else "", drop)
        out.append(_diag(path, d, f"Unused {kind} directive ({'; '.join(parts)})", name, severity, fix))
    return out


def _diag(path: str, d: Directive, message: str, name: str, severity: str, fix: Optional[Fix]) -> Diagnostic:
    return Diagnostic(path=path, line=d.line, col=d.start + 1, end_line=d.line, end_col=d.end + 1, code=CODE,
                      name=name, severity=severity, message=message, fix=fix, stmt_line=d.line)


def _removal(d: Directive, line: str, drop: Set[str]) -> Fix:
    keep = [c for c in d.codes or () if c not in drop]
    if keep:  # rewrite the code list
        a, b = d.codes_span
        return Fix("Remove the unused codes", SAFE, edits=(Edit(d.line, a + 1, d.line, b + 1, ", ".join(keep)),))
    start, end = d.start, d.end
    rest = line[end:].rstrip("\r\n")
    before = line[:start]
    description = "Remove the unused `noqa` directive"
    if not rest.strip():  # the directive ends the line: drop it with the spaces before it
        start = len(before.rstrip(" \t"))
        return Fix(description, SAFE, edits=(Edit(d.line, start + 1, d.line, end + 1, ""),))
    skip = len(rest) - len(rest.lstrip(" \t"))
    if "#" not in before:  # "# noqa: IPL001 reason" -> "# reason": the comment stays
        return Fix(description, SAFE, edits=(Edit(d.line, start + 2, d.line, end + skip + 1, " "),))
    return Fix(description, SAFE, edits=(Edit(d.line, start + 1, d.line, end + skip + 1, ""),))


def add_noqa_edits(text: str, diagnostics: Sequence[Diagnostic]) -> List[Edit]:
    """``--add-noqa``: for each line with findings, add its codes to the line's ``# noqa: ...`` (or append one).
    A finding is suppressed on its statement's first line (where the directive goes for a multi-line statement)."""
    by_line: Dict[int, Set[str]] = {}
    for d in diagnostics:
        if d.code in (SYNTAX_ERROR, CODE) or d.cell is not None:
            continue
        by_line.setdefault(d.stmt_line or d.line, set()).add(d.code.upper())
    if not by_line:
        return []
    existing: Dict[int, Directive] = {}
    for d in directives(text):
        if not d.file_level and not d.malformed and d.codes is not None:
            existing.setdefault(d.line, d)
    lines = split_lines(text)
    comment_at: Dict[int, int] = {line: col for line, col, _ in comments(text)}
    edits: List[Edit] = []
    for line, codes in sorted(by_line.items()):
        if line > len(lines):
            continue
        current = existing.get(line)
        if current is not None:
            merged = list(current.codes or ()) + sorted(codes - set(current.codes or ()))
            a, b = current.codes_span
            edits.append(Edit(line, a + 1, line, b + 1, ", ".join(merged)))
            continue
        directive = "# noqa: " + ", ".join(sorted(codes))
        body = lines[line - 1]
        if line in comment_at:  # a comment already ends the line: the directive goes in front of it
            col = comment_at[line]
            edits.append(Edit(line, col + 1, line, col + 1, directive + " "))
        else:
            end = len(body.rstrip(" \t"))
            edits.append(Edit(line, end + 1, line, len(body) + 1, "  " + directive))
    return edits
