"""Output formats. ``FORMATS`` maps an ``--output-format`` name to a writer ``(result, stream, ReportOptions) -> None``.

A new format (sarif, github, junit, ...) is a module here with one writer function, registered in ``FORMATS``.
Writers print findings only; the CLI prints errors (missing paths, internal errors) to stderr itself.
"""
from __future__ import annotations

from typing import Callable, Dict

from .common import ReportOptions, is_fixable, statistics
from .github import write_github
from .json_report import write_json
from .junit import write_junit
from .sarif import write_sarif
from .text import write_concise, write_text

Writer = Callable[..., None]

FORMATS: Dict[str, Writer] = {
    "text": write_text,
    "concise": write_concise,
    "json": write_json,
    "sarif": write_sarif,
    "github": write_github,
    "junit": write_junit,
}

__all__ = ["FORMATS", "ReportOptions", "Writer", "is_fixable", "statistics", "write_json", "write_text"]
