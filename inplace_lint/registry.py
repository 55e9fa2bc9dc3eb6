"""The analysis bound to the discovered rules: ``analyze_source`` / ``analyze_for_fixes`` / ``analyze_module`` as
the engine and the tests call them. (The analysis itself never imports ``inplace_lint.rules``.)"""
from __future__ import annotations

from functools import lru_cache
from typing import List, Optional, Tuple

import libcst as cst

from . import analysis, rules
from .diagnostics import Diagnostic
from .rules._base import Check, Rule
from .rules.ipl900_syntax_error import CODE as SYNTAX_ERROR


@lru_cache(maxsize=None)
def check_classes() -> Tuple[type, ...]:
    """The ``Check`` subclass of every rule that has a decision (``check.py``), in code order."""
    out = []
    for package in rules.packages():
        module = rules.submodule(package, "check")
        if module is None:
            continue
        classes = [v for v in vars(module).values()
                   if isinstance(v, type) and issubclass(v, Check) and v.__module__ == module.__name__]
        if len(classes) != 1:
            raise TypeError(f"{module.__name__} must define exactly one Check subclass, not {len(classes)}")
        cls = classes[0]
        if cls.code != package.CODE:
            raise TypeError(f"{cls.__qualname__}.code is {cls.code!r}, its folder's CODE is {package.CODE!r}")
        out.append(cls)
    return tuple(out)


def make_checks() -> list:
    """A fresh instance of every rule's check (what the analysis is given)."""
    return [cls() for cls in check_classes()]


def rule_set() -> analysis.RuleSet:
    """Fresh checks of every rule, and the rule a text that cannot be parsed is reported under."""
    return analysis.RuleSet(checks=make_checks(), syntax_error=Rule(SYNTAX_ERROR))


def analyze_source(source: str, path: str = "<string>") -> List[Diagnostic]:
    """Every diagnostic of every rule for ``source`` (``inplace_lint.analysis.analyze_source``)."""
    return analysis.analyze_source(source, path, rules=rule_set())


def analyze_for_fixes(source: str, path: str = "<string>") -> Tuple[Optional[cst.Module], str, List[Diagnostic]]:
    """``analyze_source``, also returning the module the fixes' payloads reference and the text it was parsed from
    (``inplace_lint.analysis.analyze_for_fixes``)."""
    return analysis.analyze_for_fixes(source, path, rules=rule_set())


def analyze_module(source: str, path: str = "<string>") -> Tuple[Optional[cst.Module], List[Diagnostic]]:
    """Like ``analyze_source``, also returning the parsed module (``inplace_lint.analysis.analyze_module``)."""
    return analysis.analyze_module(source, path, rules=rule_set())
