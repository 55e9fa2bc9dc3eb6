"""Qualified names without LibCST's (slow) metadata providers: a per-scope import map and alias canonicalisation.

``import torch as th`` makes ``th.randn`` resolve to ``torch.randn``; ``from torch.nn import functional as F`` makes
``F.relu`` resolve to ``torch.nn.functional.relu``. A local binding of the same name shadows the import.
"""
from __future__ import annotations

import re
from typing import Dict, Optional

import libcst as cst

# Internal module paths users may import from, mapped to the public name the op table uses.
_PREFIX_ALIASES = (
    ("torch.nn.modules.", "torch.nn."),
    ("torch.nn.parameter.", "torch.nn."),
    ("torch.autograd.function.", "torch.autograd."),
    ("torch.autograd.grad_mode.", "torch."),
    ("torch._C._nn.", "torch.nn.functional."),
    ("torch.functional.", "torch."),
    ("torch.optim.optimizer.", "torch.optim."),
)
_EXACT_ALIASES = {
    "torch.autograd.no_grad": "torch.no_grad",
    "torch.autograd.enable_grad": "torch.enable_grad",
    "torch.autograd.set_grad_enabled": "torch.set_grad_enabled",
    "torch.autograd.inference_mode": "torch.inference_mode",
    "torch.autograd.Variable": "torch.autograd.Variable",
    "torch.Tensor.requires_grad_": "Tensor.requires_grad_",
}
_MODULE_FILE = re.compile(r"^torch\.nn\.([a-z_]+)\.([A-Z]\w*)$")  # torch.nn.linear.Linear -> torch.nn.Linear


def canonical(qualname: str) -> str:
    q = _EXACT_ALIASES.get(qualname)
    if q is not None:
        return q
    for old, new in _PREFIX_ALIASES:
        if qualname.startswith(old):
            rest = qualname[len(old):]
            if new == "torch.nn.":
                # torch.nn.modules.activation.ReLU -> torch.nn.ReLU ; torch.nn.parameter.Parameter -> torch.nn.Parameter
                rest = rest.split(".")[-1] if rest[:1].islower() and "." in rest else rest
            return _EXACT_ALIASES.get(new + rest, new + rest)
    m = _MODULE_FILE.match(qualname)
    if m and m.group(1) not in ("functional", "init", "utils", "parallel", "attention", "backends"):
        return "torch.nn." + m.group(2)
    return qualname


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        parts.reverse()
        return ".".join(parts)
    return None


def _module_name(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


def record_import(stmt: cst.CSTNode, imports: Dict[str, str]) -> list:
    """Update ``imports`` (local name -> qualified name) from an Import/ImportFrom; return the bound local names."""
    bound = []
    if isinstance(stmt, cst.Import):
        for alias in stmt.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
                imports[local] = full
            else:
                local = full.split(".")[0]
                imports[local] = local
            bound.append(local)
    elif isinstance(stmt, cst.ImportFrom):
        if stmt.relative or stmt.module is None:
            if not isinstance(stmt.names, cst.ImportStar):
                for alias in stmt.names:
                    local = (
                        alias.asname.name.value
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                        else _module_name(alias.name)
                    )
                    imports.pop(local, None)
                    bound.append(local)
            return bound
        mod = _module_name(stmt.module)
        if isinstance(stmt.names, cst.ImportStar):
            return bound
        for alias in stmt.names:
            name = _module_name(alias.name)
            local = (
                alias.asname.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                else name
            )
            imports[local] = f"{mod}.{name}"
            bound.append(local)
    return bound


def resolve(node: cst.BaseExpression, imports: Dict[str, str], shadowed=()) -> Optional[str]:
    """The canonical qualified name ``node`` (a Name/Attribute chain) refers to through ``imports``, or None (not
    imported, or its head is a local name in ``shadowed``)."""
    d = dotted(node)
    if d is None:
        return None
    head, _, rest = d.partition(".")
    if head in shadowed:
        return None
    q = imports.get(head)
    if q is None:
        return None
    return canonical(q + ("." + rest if rest else ""))


# ---------------------------------------------------------------------------------------------------------------
# Grad mode: what a ``with`` item or decorator sets


GRAD_OFF = frozenset({"torch.no_grad", "torch.inference_mode"})


class _NoChange:
    def __repr__(self) -> str:
        return "NO_CHANGE"


NO_CHANGE = _NoChange()  # the expression does not set grad mode


def literal_bool(node: cst.BaseExpression) -> Optional[bool]:
    """True/False for the literals ``True``/``False`` and integer literals (``0`` is False), else None (unknown)."""
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    if isinstance(node, cst.Integer):
        return node.value != "0"
    return None


def grad_mode_set_by(expr: cst.BaseExpression, qualname) -> object:
    """The grad mode ``with expr:`` (or a decorator ``@expr``) sets: True, False, None (unknown: it depends on a
    value), or ``NO_CHANGE``. ``qualname(node)`` resolves a name through the imports in scope."""
    call = expr if isinstance(expr, cst.Call) else None
    q = qualname(call.func if call is not None else expr)
    if q is None:
        return NO_CHANGE
    if q in GRAD_OFF:
        if call is not None and call.args:
            v = literal_bool(call.args[0].value)  # inference_mode(False) changes nothing
            if v is False:
                return NO_CHANGE
            if v is None:
                return None
        return False
    if q == "torch.enable_grad":
        return True
    if q == "torch.set_grad_enabled":
        if call is not None and call.args:
            return literal_bool(call.args[0].value)
        return None
    return NO_CHANGE


def inference_mode_set_by(expr: cst.BaseExpression, qualname) -> object:
    """Whether ``with expr:`` (or ``@expr``) enters inference mode: True (``torch.inference_mode()``), None (it
    depends on a value), or ``NO_CHANGE`` (anything else, ``inference_mode(False)`` included)."""
    call = expr if isinstance(expr, cst.Call) else None
    if qualname(call.func if call is not None else expr) != "torch.inference_mode":
        return NO_CHANGE
    if call is not None and call.args:
        v = literal_bool(call.args[0].value)
        if v is False:
            return NO_CHANGE
        return v
    return True
