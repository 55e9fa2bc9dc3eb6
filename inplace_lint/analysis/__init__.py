"""The abstract interpreter over LibCST (see interp.py). Public entry point: ``analyze_source``."""
from __future__ import annotations

from typing import List

from ..diagnostics import Diagnostic


def analyze_source(source: str, path: str = "<string>") -> List[Diagnostic]:
    """Parse ``source`` with LibCST and return every diagnostic of every rule, sorted by position.

    Never raises for bad user input: a syntax error comes back as one ``IPL900`` diagnostic.
    No select/ignore/noqa filtering happens here (that is the engine's job).
    """
    from .interp import analyze  # placeholder until the interpreter lands

    return analyze(source, path)
