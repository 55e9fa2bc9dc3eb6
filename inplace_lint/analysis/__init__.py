"""The abstract interpreter over LibCST (see interp.py). Public entry points: ``analyze_source``,
``analyze_for_fixes``, ``analyze_module``.

The analysis knows no rule: the caller passes a ``RuleSet`` (``inplace_lint/registry.py`` builds the real one).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import libcst as cst

from ..diagnostics import Diagnostic


@dataclass(frozen=True)
class RuleSet:
    """What the analysis reports under. ``checks``: objects with ``code``, ``name``, ``severity`` and any of the
    hooks named after the facts of ``events.py`` (``on_inplace_write(event, ctx)``, ...), fed by the interpreter;
    ``syntax_error``: an object with ``code``, ``name`` and ``severity`` for a text that cannot be parsed (or is too
    deep or too large to analyse)."""

    checks: Sequence
    syntax_error: object


def analyze_source(source: str, path: str = "<string>", *, rules: RuleSet) -> List[Diagnostic]:
    """Parse ``source`` with LibCST and return every diagnostic of every check of ``rules``, sorted by position.

    Never raises for bad user input: a syntax error, or nesting too deep or a file too large to analyse
    (``guard.py``), comes back as one diagnostic of ``rules.syntax_error``.
    No select/ignore/noqa filtering happens here (that is the engine's job).
    """
    from .interp import analyze

    return analyze(source, path, rules)


def analyze_for_fixes(source: str, path: str = "<string>", *,
                      rules: RuleSet) -> Tuple[Optional[cst.Module], str, List[Diagnostic]]:
    """``analyze_source``, also returning the LibCST module whose nodes the ``Fix.edit`` payloads reference and the
    text it was parsed from (the source, or the source with irrelevant blocks blanked: same line numbers)."""
    from .interp import analyze_for_fixes as _analyze_for_fixes

    return _analyze_for_fixes(source, path, rules)


def analyze_module(source: str, path: str = "<string>", *,
                   rules: RuleSet) -> Tuple[Optional[cst.Module], List[Diagnostic]]:
    """Like ``analyze_source``, also returning the parsed module whose nodes ``Fix.edit`` payloads reference."""
    from .guard import guarded
    from .interp import analyze_module as _analyze_module

    return guarded(source, lambda verdict: _analyze_module(source, path, rules),
                   lambda exc: (None, [_rejected(exc, source, path, rules)]))


def _rejected(exc: BaseException, source: str, path: str, rules: RuleSet) -> Diagnostic:
    """A syntax-error finding for a text LibCST must not see: CPython's syntax error, or why it is too deep or too
    large."""
    from .guard import Rejected
    from .positions import syntax_error_diagnostic

    if isinstance(exc, Rejected):
        rule = rules.syntax_error
        return Diagnostic(path, exc.line, 1, exc.line, 2, rule.code, rule.name, rule.severity, str(exc),
                          stmt_line=exc.line)
    return syntax_error_diagnostic(exc, source, path, rules.syntax_error)
