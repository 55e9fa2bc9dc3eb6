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


class _LineElsewhere(int):
    """A line number of another file: printed as ``7 of `train.py```."""

    def __new__(cls, line: int, path: str) -> "_LineElsewhere":
        obj = super().__new__(cls, line)
        obj.path = path
        return obj

    def __format__(self, spec: str) -> str:
        return f"{int(self)} of `{self.path}`"

    __str__ = __repr__ = lambda self: format(self, "")


def to_diagnostics(module: cst.Module, reports: Sequence, path: str, checks: Sequence, lazy=None) -> List[Diagnostic]:
    """The reports as diagnostics. A report made inside a function of another project file (``rep.home``) is a
    diagnostic of that file, its related locations in the linted file listed with their path. ``lazy``
    (``project.LazyUnits``): the functions of the linted file parsed apart from ``module``."""
    meta = {c.code: c for c in checks}
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    homes = {id(rep.home): rep.home for rep in reports if getattr(rep, "home", None) is not None}

    def here(node):
        """The range of ``node`` in the linted file (in ``module`` or in a unit parsed apart), or None."""
        rng = positions.get(node)
        if rng is None and lazy is not None:
            rng = lazy.position(node)
        return rng

    def locate(node, home=None):
        """(path or None for the file of the report, range) of ``node``, looked up in the linted file and every
        other file a report is in."""
        rng = here(node)
        if rng is not None:
            return path, rng
        for other in homes.values():
            rng = other.position(node)
            if rng is not None:
                return other.display, rng
        return None, None

    def line_of_in(where: str):
        """``line_of(node)`` for a message of a finding in ``where``: a line of another file names that file."""
        def line_of(node) -> int:
            file, rng = locate(node)
            if rng is None:
                return 0
            return rng.start.line if file == where else _LineElsewhere(rng.start.line, file)
        return line_of

    main_lines = module.code.splitlines()
    out: List[Diagnostic] = []
    for rep in reports:
        home = getattr(rep, "home", None)
        if home is None:
            where, rng, lines = path, here(rep.node), main_lines
        else:
            where, rng, lines = home.display, home.position(rep.node), home.text.splitlines()
        if rng is None:
            continue
        check = meta[rep.code]
        message = rep.message(line_of_in(where)) if callable(rep.message) else rep.message
        stmt_rng = locate(rep.stmt)[1] if rep.stmt is not None else None
        stmt_line = stmt_rng.start.line if stmt_rng is not None and stmt_rng.start.line <= rng.start.line else \
            rng.start.line
        related, related_files = [], []
        for node, label in rep.related:
            file, r = locate(node)
            if r is None:
                continue
            if file == where:
                related.append((r.start.line, r.start.column + 1, label))
            else:
                related_files.append((file, r.start.line, r.start.column + 1, label))
        related.sort()
        text = lines[rng.start.line - 1] if 0 < rng.start.line <= len(lines) else ""
        fix = rep.fix
        if fix is not None and fix.edit is not None and (home is not None or (lazy is not None and any(
                isinstance(v, cst.CSTNode) and positions.get(v) is None for v in fix.edit.values()))):
            # a fix is applied to the file being fixed: one in another file is shown, not applied (and so is one
            # whose edit is in a unit parsed apart: the fixer sees only ``module``; the caller analyses again)
            fix = type(fix)(fix.description, "display-only")
            if home is None:
                lazy.fix_lost = True
        out.append(
            Diagnostic(
                path=where,
                line=rng.start.line,
                col=rng.start.column + 1,
                end_line=rng.end.line,
                end_col=rng.end.column + 1,
                code=rep.code,
                name=check.name,
                severity=rep.severity or check.severity,
                message=message,
                fix=fix,
                related=related,
                related_files=related_files,
                stmt_line=stmt_line,
                fingerprint=fingerprint(rep.code, text),
            )
        )
    out.sort(key=Diagnostic.sort_key)
    return out
