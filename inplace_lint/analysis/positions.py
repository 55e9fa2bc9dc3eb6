"""Turning the interpreter's reports into ``Diagnostic`` objects with positions.

Positions are resolved with LibCST's PositionProvider only for files that have findings (most files have none),
over the very tree the interpreter walked (``unsafe_skip_copy``), so node identities match.
"""
from __future__ import annotations

import re
from typing import List, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..diagnostics import Diagnostic, fingerprint
from .guard import quiet_parse


def syntax_error_diagnostic(exc: BaseException, source: str, path: str, rule) -> Diagnostic:
    """A finding of ``rule`` (the syntax-error rule) at the position CPython reports (its positions and messages
    are better than LibCST's)."""
    line, col = 1, 1
    if isinstance(exc, RecursionError):
        message = "the file is nested too deeply to be parsed; it was not checked"
    else:
        try:
            quiet_parse(source)
        except SyntaxError as err:
            line, col = err.lineno or 1, err.offset or 1
            message = f"syntax error: {err.msg}"
        except (ValueError, RecursionError, MemoryError) as err:
            message = f"the file cannot be parsed: {err}"
        else:
            detail = str(exc)
            if isinstance(exc, cst.ParserSyntaxError):
                line, col = max(1, exc.raw_line), exc.raw_column + 1
                detail = exc.message
                m = re.match(r"parser error: error at (\d+):(\d+): (.*)", detail, re.S)
                if m:
                    detail = m.group(3)
            message = f"LibCST cannot parse this file although Python can ({detail}); it was not checked"
    message = " ".join(message.split())
    return Diagnostic(path, line, col, line, col + 1, rule.code, rule.name, rule.severity, message, stmt_line=line)


def to_diagnostics(module: cst.Module, reports: Sequence, path: str, checks: Sequence) -> List[Diagnostic]:
    meta = {c.code: c for c in checks}
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)

    def line_of(node) -> int:
        rng = positions.get(node)
        return rng.start.line if rng is not None else 0

    lines = module.code.splitlines()
    out: List[Diagnostic] = []
    for rep in reports:
        rng = positions.get(rep.node)
        if rng is None:
            continue
        check = meta[rep.code]
        message = rep.message(line_of) if callable(rep.message) else rep.message
        stmt_rng = positions.get(rep.stmt) if rep.stmt is not None else None
        stmt_line = stmt_rng.start.line if stmt_rng is not None else rng.start.line
        related = []
        for node, label in rep.related:
            r = positions.get(node)
            if r is not None:
                related.append((r.start.line, r.start.column + 1, label))
        related.sort()
        text = lines[rng.start.line - 1] if 0 < rng.start.line <= len(lines) else ""
        out.append(
            Diagnostic(
                path=path,
                line=rng.start.line,
                col=rng.start.column + 1,
                end_line=rng.end.line,
                end_col=rng.end.column + 1,
                code=rep.code,
                name=check.name,
                severity=rep.severity or check.severity,
                message=message,
                fix=rep.fix,
                related=related,
                stmt_line=stmt_line,
                fingerprint=fingerprint(rep.code, text),
            )
        )
    out.sort(key=Diagnostic.sort_key)
    return out


