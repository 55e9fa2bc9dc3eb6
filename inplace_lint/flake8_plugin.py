"""A flake8 plugin running the same rules: ``flake8 --select IPL`` (registered as the ``IPL`` entry point in the
``flake8.extension`` group by pyproject.toml; installing inplace-lint is enough).

flake8 owns selection, ``# noqa`` and per-file-ignores in this mode, so every diagnostic of the analyzer is yielded
unfiltered, as ``(line, column from 0, "IPL001 message", type)``. ``[tool.inplace-lint]`` settings do not apply here.
"""
from __future__ import annotations

import ast
from typing import Iterator, List, Optional, Sequence, Tuple, Type

from . import __version__

Flake8Error = Tuple[int, int, str, Type["Plugin"]]


class Plugin:
    name = "inplace-lint"
    version = __version__

    def __init__(self, tree: Optional[ast.AST] = None, filename: str = "<unknown>",
                 lines: Optional[Sequence[str]] = None):
        self.filename = filename
        self.lines: List[str] = list(lines) if lines is not None else []

    def _source(self) -> str:
        if self.lines:
            return "".join(self.lines)
        if self.filename not in ("-", "stdin", "<unknown>"):
            from .engine import read_python_source
            from pathlib import Path

            return read_python_source(Path(self.filename))
        return ""

    def run(self) -> Iterator[Flake8Error]:
        from .registry import analyze_source
        from .rules.ipl900_syntax_error import CODE as SYNTAX_ERROR

        source = self._source()
        if "torch" not in source:  # every rule needs torch: skip parsing (flake8 calls us for every file)
            return
        for d in analyze_source(source, self.filename):
            if d.code == SYNTAX_ERROR:  # flake8 reports syntax errors itself (E999)
                continue
            yield d.line, max(0, d.col - 1), f"{d.code} {d.message}", type(self)
