"""``--format text`` (the default), shaped like ruff's output::

    train.py:3:1: IPL001 [*] In-place operation on leaf tensor `w` that requires grad
      |
    3 | w.add_(1)
      | ^^^^^^^^^
      |
      = help: Use an out-of-place op: `w = w.add(1)`

    Found 1 problem (1 error, 0 warnings).
    [*] 1 fixable with --fix
"""
from __future__ import annotations

from typing import List, Optional, TextIO

import click

from ..diagnostics import ERROR, Diagnostic, is_fixable
from ..sources import split_lines
from .common import ReportOptions, statistics

TAB_WIDTH = 4


def write_text(result, out: TextIO, options: ReportOptions) -> None:
    """The findings in full (``-q``: without the summary)."""
    style = _Styler(options.color)
    diagnostics = result.diagnostics
    if options.statistics:
        _write_statistics(diagnostics, out, style)
    else:
        for d in diagnostics:
            out.write(format_diagnostic(d, result.sources.get(d.path), options.show_source, style,
                                        unsafe_fixes=getattr(result, "unsafe_fixes", False)))
    if not options.quiet:
        out.write(_summary(result, style))


def write_concise(result, out: TextIO, options: ReportOptions) -> None:
    """``--output-format concise``: one ``path:line:col: CODE [*] message`` line per finding (``-q``: no summary)."""
    style = _Styler(options.color)
    if options.statistics:
        _write_statistics(result.diagnostics, out, style)
    else:
        unsafe = getattr(result, "unsafe_fixes", False)
        for d in result.diagnostics:
            fixable = " " + style.fixable("[*]") if _fixable(d, unsafe) else ""
            out.write(f"{_location(d, style)} {style.code(d)}{fixable} {d.message}\n")
    if not options.quiet:
        out.write(_summary(result, style))


def format_diagnostic(d: Diagnostic, source: Optional[str], show_source: bool = True,
                      style: Optional["_Styler"] = None, unsafe_fixes: bool = False) -> str:
    """One finding: the header line, the excerpt with a caret, the fix hint, related locations. ``[*]`` marks what
    ``--fix`` would apply (with ``unsafe_fixes``, unsafe fixes count too)."""
    style = style or _Styler(False)
    fixable = " " + style.fixable("[*]") if _fixable(d, unsafe_fixes) else ""
    lines = [f"{_location(d, style)} {style.code(d)}{fixable} {d.message}"]
    line_text = _source_line(source, d.line) if show_source else None
    shown_line = d.cell[1] if d.cell is not None else d.line  # notebooks: the line within the cell
    gutter = " " * len(str(shown_line))
    notes = _notes(d, source)
    if line_text is not None:
        lines += [style.gutter(f"{gutter} |"),
                  style.gutter(f"{shown_line} |") + (" " + _expand(line_text) if line_text else ""),
                  style.gutter(f"{gutter} |") + " " + style.caret(d, _caret(d, line_text))]
        if notes:
            lines.append(style.gutter(f"{gutter} |"))
    lines += [f"{gutter} {note}" for note in notes]
    return "\n".join(lines) + "\n\n"


def _notes(d: Diagnostic, source: Optional[str] = None) -> List[str]:
    notes = []
    locate = getattr(source, "locate", None)  # notebooks: program line -> (cell, line in cell)
    if d.fix is not None:
        notes.append(f"= help: {d.fix.description}")
        if d.fix.template:
            notes += ["    " + t if t else "" for t in d.fix.template.rstrip("\n").split("\n")]
    for line, col, label in d.related:
        where = locate(line) if locate is not None else None
        position = f"cell {where[0]}:{where[1]}" if where is not None else str(line)
        notes.append(f"= note: {d.path}:{position}:{col}: {label}")
    for path, line, col, label in d.related_files:
        notes.append(f"= note: {path}:{line}:{col}: {label}")
    if d.validation:  # --validate / inplace-lint run: the verdict and what the probe saw
        verdict = d.validation.get("verdict")
        if d.validation.get("caught"):
            verdict = f"{verdict} (caught by the code)"
        label = "runtime" if d.runtime else "validation"
        notes.append(f"= {label}: {verdict}: {d.validation.get('evidence', '')}".rstrip())
    return notes


def _location(d: Diagnostic, style: "_Styler") -> str:
    if d.cell is not None:  # like ruff: nb.ipynb:cell 5:2:1:
        return style.bold(f"{d.path}:cell {d.cell[0]}:{d.cell[1]}:{d.col}:")
    return style.bold(f"{d.path}:{d.line}:{d.col}:")


def _source_line(source: Optional[str], line: int) -> Optional[str]:
    if source is None:
        return None
    lines = split_lines(source)
    return lines[line - 1] if 1 <= line <= len(lines) else None


def _expand(text: str) -> str:
    return text.expandtabs(TAB_WIDTH)


def _caret(d: Diagnostic, line_text: str) -> str:
    """``^`` under the span, clipped to the first line; at least one."""
    start = len(_expand(line_text[:d.col - 1]))
    end_col = d.end_col if d.end_line == d.line else len(line_text) + 1
    end = len(_expand(line_text[:max(end_col - 1, d.col - 1)]))
    return " " * start + "^" * max(end - start, 1)


def _write_statistics(diagnostics: List[Diagnostic], out: TextIO, style: "_Styler") -> None:
    rows = statistics(diagnostics)
    if not rows:
        return
    width = max(len(str(r["count"])) for r in rows)
    code_width = max(len(str(r["code"])) for r in rows)
    any_fixable = any(r["fixable"] for r in rows)
    for r in rows:
        mark = ""
        if any_fixable:
            mark = style.fixable("[*]") + " " if r["fixable"] else "    "
        out.write(f"{r['count']:>{width}}  {r['code']:<{code_width}}  {mark}{r['name']}\n")
    out.write("\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _fixable(d: Diagnostic, unsafe_fixes: bool) -> bool:
    return is_fixable(d, unsafe_fixes)


def _has_unsafe_fix(d: Diagnostic) -> bool:
    return is_fixable(d, unsafe=True) and not is_fixable(d)


def _summary(result, style: "_Styler") -> str:
    fixed = getattr(result, "fixed", 0)
    text = f"Fixed {_plural(fixed, 'problem')}.\n" if fixed else ""
    return text + _findings_summary(result, style)


def _findings_summary(result, style: "_Styler") -> str:
    diagnostics = result.diagnostics
    if not diagnostics:
        checked = result.files_checked
        if result.errors and not checked:
            return f"Nothing was checked: {_plural(len(result.errors), 'path')} could not be checked.\n"
        if result.errors:
            return (f"{_plural(len(result.errors), 'path')} could not be checked; no problems found in the "
                    f"{_plural(checked, 'other file')}.\n")
        if not checked:
            return "Nothing was checked: no Python files found.\n"
        return style.success("All checks passed!") + "\n"
    errors = sum(1 for d in diagnostics if d.severity == ERROR)
    text = (f"Found {_plural(len(diagnostics), 'problem')} "
            f"({_plural(errors, 'error')}, {_plural(len(diagnostics) - errors, 'warning')}).\n")
    unsafe = getattr(result, "unsafe_fixes", False)
    fixable = sum(1 for d in diagnostics if _fixable(d, unsafe))
    hidden = 0 if unsafe else sum(1 for d in diagnostics if _has_unsafe_fix(d))
    command = "--fix --unsafe-fixes" if unsafe and any(_has_unsafe_fix(d) for d in diagnostics) else "--fix"
    if fixable:
        more = f" ({hidden} more with --fix --unsafe-fixes)" if hidden else ""
        text += f"{style.fixable('[*]')} {fixable} fixable with {command}{more}\n"
    elif hidden:
        text += f"{hidden} fixable with --fix --unsafe-fixes\n"
    return text


class _Styler:
    """ANSI styling through click, or plain text when colour is off."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def _s(self, text: str, **kw) -> str:
        return click.style(text, **kw) if self.enabled else text

    def bold(self, text: str) -> str:
        return self._s(text, bold=True)

    def code(self, d: Diagnostic) -> str:
        return self._s(d.code, fg="red" if d.severity == ERROR else "yellow", bold=True)

    def caret(self, d: Diagnostic, text: str) -> str:
        return self._s(text, fg="red" if d.severity == ERROR else "yellow")

    def fixable(self, text: str) -> str:
        return self._s(text, fg="cyan")

    def gutter(self, text: str) -> str:
        return self._s(text, fg="blue", bold=True)

    def success(self, text: str) -> str:
        return self._s(text, fg="green", bold=True)
