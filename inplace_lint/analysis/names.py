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


class _NotConstant:
    def __repr__(self) -> str:
        return "NOT_CONSTANT"


NOT_CONSTANT = _NotConstant()  # the expression's value is not a known constant


def literal_value(node: cst.BaseExpression) -> object:
    """The value of a literal ``True``/``False``/``None``, number or string (``-1`` too), else ``NOT_CONSTANT``."""
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # an f-string part, a malformed literal
            return NOT_CONSTANT
        return value if isinstance(value, (int, float, str)) else NOT_CONSTANT
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = literal_value(node.expression)
        return -value if isinstance(value, (int, float)) and not isinstance(value, bool) else NOT_CONSTANT
    return NOT_CONSTANT


class _Bindings(cst.CSTVisitor):
    """The names a scope binds (not those of nested functions, classes, lambdas and comprehensions, but their own
    names), with the statements binding each; ``declared``: names some nested function declares global/nonlocal."""

    def __init__(self, root: cst.CSTNode) -> None:
        self.root = root
        self.bound: Dict[str, list] = {}
        self.declared: set = set()

    def _bind(self, target: cst.BaseExpression, how: object) -> None:
        if isinstance(target, cst.Name):
            self.bound.setdefault(target.value, []).append(how)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._bind(el.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node is self.root:
            return True
        self.bound.setdefault(node.name.value, []).append(None)
        node.visit(_Declared(self.declared))
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if node is self.root:
            return True
        self.bound.setdefault(node.name.value, []).append(None)
        node.visit(_Declared(self.declared))
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ListComp(self, node) -> bool:
        return False

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind(t.target, node if len(node.targets) == 1 else None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, None)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name, None)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target, None)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        name = node.asname.name if node.asname is not None else node.name
        while isinstance(name, cst.Attribute):
            name = name.value
        self._bind(name, None)

    def visit_Global(self, node: cst.Global) -> None:
        for n in node.names:
            self.declared.add(n.name.value)

    visit_Nonlocal = visit_Global


class _Declared(cst.CSTVisitor):
    def __init__(self, into: set) -> None:
        self.into = into

    def visit_Global(self, node: cst.Global) -> None:
        for n in node.names:
            self.into.add(n.name.value)

    visit_Nonlocal = visit_Global


def bound_names(scope: cst.CSTNode) -> set:
    """The names a function body (or module) binds itself, and those any nested function declares global or
    nonlocal (they may change)."""
    b = _Bindings(scope)
    scope.visit(b)
    return set(b.bound) | b.declared


def module_constants(module: cst.Module) -> Dict[str, object]:
    """Module-level names bound exactly once, by ``NAME = <literal>``, that no function declares global: their
    value everywhere in the module (``TRIGGER_BUG = True``)."""
    b = _Bindings(module)
    module.visit(b)
    out: Dict[str, object] = {}
    for name, hows in b.bound.items():
        if len(hows) == 1 and isinstance(hows[0], cst.Assign) and name not in b.declared:
            value = literal_value(hows[0].value)
            if value is not NOT_CONSTANT:
                out[name] = value
    return out
