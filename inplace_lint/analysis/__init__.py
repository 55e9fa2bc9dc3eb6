"""The abstract interpreter over LibCST (see interp.py). Public entry points: ``analyze_source``,
``analyze_for_fixes``, ``analyze_module``."""
from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from ..diagnostics import Diagnostic


def analyze_source(source: str, path: str = "<string>") -> List[Diagnostic]:
    """Parse ``source`` with LibCST and return every diagnostic of every rule, sorted by position.

    Never raises for bad user input: a syntax error, or nesting too deep or a file too large to analyse
    (``guard.py``), comes back as one ``IPL900`` diagnostic.
    No select/ignore/noqa filtering happens here (that is the engine's job).
    """
    from .interp import analyze

    return analyze(source, path)


def analyze_for_fixes(source: str, path: str = "<string>") -> Tuple[Optional[cst.Module], str, List[Diagnostic]]:
    """``analyze_source``, also returning the LibCST module whose nodes the ``Fix.edit`` payloads reference and the
    text it was parsed from (the source, or the source with irrelevant blocks blanked: same line numbers)."""
    from .interp import analyze_for_fixes as _analyze_for_fixes

    return _analyze_for_fixes(source, path)


def analyze_module(source: str, path: str = "<string>") -> Tuple[Optional[cst.Module], List[Diagnostic]]:
    """Like ``analyze_source``, also returning the parsed module whose nodes ``Fix.edit`` payloads reference."""
    from .guard import guarded
    from .interp import analyze_module as _analyze_module

    return guarded(source, lambda verdict: _analyze_module(source, path),
                   lambda exc: (None, [_rejected(exc, source, path)]))


def _rejected(exc: BaseException, source: str, path: str) -> Diagnostic:
    """IPL900 for a text LibCST must not see: CPython's syntax error, or why it is too deep or too large."""
    from ..diagnostics import ERROR
    from .guard import Rejected
    from .positions import syntax_error_diagnostic

    if isinstance(exc, Rejected):
        return Diagnostic(path, exc.line, 1, exc.line, 2, "IPL900", "syntax-error", ERROR, str(exc), stmt_line=exc.line)
    return syntax_error_diagnostic(exc, source, path)
