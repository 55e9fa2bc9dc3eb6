"""``--format github``: one GitHub Actions workflow command per finding, which GitHub shows as an annotation on
the line in the pull request's diff and the run's summary::

    ::error file=train.py,line=3,col=1,endLine=3,endColumn=10,title=IPL001::In-place operation on leaf tensor `w`

``::warning`` for warning-severity findings. Escaping follows GitHub's toolkit (``@actions/core``): in the message
``%`` -> ``%25``, ``\\r`` -> ``%0D``, ``\\n`` -> ``%0A``; in property values also ``:`` -> ``%3A`` and ``,`` -> ``%2C``.
A fix hint becomes a second message line. For a notebook the message starts with ``cell N, line M:`` (``line`` is the
line of the notebook's program, which GitHub cannot map into the JSON file anyway).
"""
from __future__ import annotations

from typing import TextIO

from ..diagnostics import ERROR, Diagnostic
from .common import ReportOptions


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_annotation(d: Diagnostic) -> str:
    level = "error" if d.severity == ERROR else "warning"
    path = d.path.replace("\\", "/")
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in (
        ("file", path), ("line", d.line), ("col", d.col), ("endLine", d.end_line), ("endColumn", d.end_col),
        ("title", d.code)))
    message = d.message
    if d.cell is not None:
        message = f"cell {d.cell[0]}, line {d.cell[1]}: {message}"
    if d.fix is not None:
        message += f"\nhelp: {d.fix.description}"
    return f"::{level} {props}::{escape_data(message)}"


def write_github(result, out: TextIO, options: ReportOptions) -> None:
    for d in result.diagnostics:
        out.write(format_annotation(d) + "\n")
