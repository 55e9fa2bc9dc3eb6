"""The abstract interpreter over LibCST (see interp.py). Public entry points: ``analyze_source``, ``analyze_module``."""
from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from ..diagnostics import Diagnostic


def analyze_source(source: str, path: str = "<string>") -> List[Diagnostic]:
    """Parse ``source`` with LibCST and return every diagnostic of every rule, sorted by position.

    Never raises for bad user input: a syntax error comes back as one ``IPL900`` diagnostic.
    No select/ignore/noqa filtering happens here (that is the engine's job).
    """
    from .interp import analyze

    return analyze(source, path)


def analyze_module(source: str, path: str = "<string>") -> Tuple[Optional[cst.Module], List[Diagnostic]]:
    """Like ``analyze_source``, also returning the parsed module whose nodes ``Fix.edit`` payloads reference."""
    from .interp import analyze_module as _analyze_module

    return _analyze_module(source, path)
