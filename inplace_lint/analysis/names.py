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
