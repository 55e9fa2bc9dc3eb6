"""The rules: one package per rule, found by walking this package (nothing lists them by hand).

A rule is the folder ``inplace_lint/rules/<code>_<name>/`` plus its doc ``rules/<CODE>-<name>.md``:

- ``__init__.py``: ``CODE = "..."`` (the doc is the one source of its name, severity, summary and fix kind:
  ``inplace_lint/catalog.py`` reads it);
- ``check.py`` (absent for findings the engine makes itself, such as an unreadable file): one ``Check`` subclass,
  the decision, with the ``Fix`` objects it attaches;
- ``runtime.py`` (optional): ``RUNTIME = Runtime(...)``, what the validator must observe to confirm a finding of the
  rule, and any after-run inspection hook.

The analysis never imports this package: ``inplace_lint/registry.py`` finds the checks (``check_classes``) and
passes them to it. This module imports only the standard library (it never imports a ``check.py``), so the catalog
and the torch-free validator can read the declarations cheaply.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from functools import lru_cache
from types import ModuleType
from typing import Dict, List, Optional, Tuple


@lru_cache(maxsize=None)
def packages() -> Tuple[ModuleType, ...]:
    """Every rule package, in code order."""
    found = []
    for info in pkgutil.iter_modules(__path__, __name__ + "."):
        if info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_"):
            found.append(importlib.import_module(info.name))
    return tuple(sorted(found, key=lambda p: p.CODE))


def codes() -> List[str]:
    return [p.CODE for p in packages()]


def submodule(package: ModuleType, name: str) -> Optional[ModuleType]:
    full = f"{package.__name__}.{name}"
    if importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


def engine_codes() -> List[str]:
    """Codes of the rules without a decision: findings the engine makes itself (syntax errors, unreadable files)."""
    return [p.CODE for p in packages() if importlib.util.find_spec(f"{p.__name__}.check") is None]


@lru_cache(maxsize=None)
def runtimes() -> Dict[str, object]:
    """code -> ``Runtime`` declaration, for the rules that have one (``runtime.py``)."""
    out = {}
    for package in packages():
        module = submodule(package, "runtime")
        if module is not None:
            out[package.CODE] = module.RUNTIME
    return out


def runtime_of(code: str):
    """The rule's ``Runtime`` declaration, or None (nothing to run: engine-level findings, unknown codes)."""
    return runtimes().get(code)


@lru_cache(maxsize=None)
def rule_of_kind() -> Dict[str, str]:
    """Probe event kind -> the rule a runtime-only event of that kind is reported under."""
    out: Dict[str, str] = {}
    for code, runtime in runtimes().items():
        for kind in runtime.reports:
            if kind in out:
                raise ValueError(f"event kind {kind!r} is reported by both {out[kind]} and {code}")
            out[kind] = code
    return out


def rule_of_message(message: str) -> Optional[str]:
    """The rule whose ``Runtime.raises`` names a part of torch's exception ``message``, or None."""
    for code, runtime in runtimes().items():
        if any(part in message for part in runtime.raises):
            return code
    return None
