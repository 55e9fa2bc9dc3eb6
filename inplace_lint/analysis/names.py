"""Qualified names without LibCST's (slow) metadata providers: a per-scope import map and alias canonicalisation.

``import torch as th`` makes ``th.randn`` resolve to ``torch.randn``; ``from torch.nn import functional as F`` makes
``F.relu`` resolve to ``torch.nn.functional.relu``. A local binding of the same name shadows the import.
"""
from __future__ import annotations

import re
import warnings
from typing import Dict, Optional, Set

import libcst as cst

from .statements import SuiteLine, body_statements, children_statements

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
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is cst.Name:
        parts.append(node.value)
        parts.reverse()
        return ".".join(parts)
    return None


def _module_name(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


def record_import(stmt: cst.CSTNode, imports: Dict[str, str]) -> list:
    """Update ``imports`` (local name -> qualified name) from an Import/ImportFrom; return the bound local names."""
    bound = []
    if type(stmt) is cst.Import:
        for alias in stmt.names:
            full = _module_name(alias.name)
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                local = alias.asname.name.value
                imports[local] = full
            else:
                local = full.split(".")[0]
                imports[local] = local
            bound.append(local)
    elif type(stmt) is cst.ImportFrom:
        if stmt.relative or stmt.module is None:
            if type(stmt.names) is not cst.ImportStar:
                for alias in stmt.names:
                    local = (
                        alias.asname.name.value
                        if alias.asname is not None and type(alias.asname.name) is cst.Name
                        else _module_name(alias.name)
                    )
                    imports.pop(local, None)
                    bound.append(local)
            return bound
        mod = _module_name(stmt.module)
        if type(stmt.names) is cst.ImportStar:
            return bound
        for alias in stmt.names:
            name = _module_name(alias.name)
            local = (
                alias.asname.name.value
                if alias.asname is not None and type(alias.asname.name) is cst.Name
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
    if type(node) is cst.Name and node.value in ("True", "False"):
        return node.value == "True"
    if type(node) is cst.Integer:
        return node.value != "0"
    return None


def grad_mode_set_by(expr: cst.BaseExpression, qualname) -> object:
    """The grad mode ``with expr:`` (or a decorator ``@expr``) sets: True, False, None (unknown: it depends on a
    value), or ``NO_CHANGE``. ``qualname(node)`` resolves a name through the imports in scope."""
    call = expr if type(expr) is cst.Call else None
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
    """Whether ``with expr:`` (or ``@expr``) enters inference mode: True (``torch.inference_mode()``), False
    (``torch.inference_mode(False)``: leaves it, tensors made inside are normal ones), None (it depends on a
    value), or ``NO_CHANGE`` (anything else)."""
    call = expr if type(expr) is cst.Call else None
    if qualname(call.func if call is not None else expr) != "torch.inference_mode":
        return NO_CHANGE
    if call is not None and call.args:
        return literal_bool(call.args[0].value)
    return True


class _NotConstant:
    def __repr__(self) -> str:
        return "NOT_CONSTANT"


NOT_CONSTANT = _NotConstant()  # the expression's value is not a known constant


_KEYWORD_CONSTANTS = {"True": True, "False": False, "None": None}


MAX_CONSTANT_TUPLE = 24  # a tuple literal of at most this many literals is a constant


def literal_value(node: cst.BaseExpression) -> object:
    """The value of a literal ``True``/``False``/``None``, number or string (``-1`` too), else ``NOT_CONSTANT``.

    Hot (every condition and argument asks): a plain decimal integer and a string without prefix, escape or line
    break are read from their text; the rest goes through LibCST's ``evaluated_value`` (``ast.literal_eval``)."""
    kind = type(node)
    if kind is cst.Name:
        value = node.value
        return _KEYWORD_CONSTANTS[value] if value in _KEYWORD_CONSTANTS else NOT_CONSTANT
    if kind is cst.Integer and node.value.isdigit() and (node.value[0] != "0" or node.value.strip("0") == ""):
        return int(node.value)
    if kind is cst.SimpleString:
        text = node.value
        if text[0] in "'\"" and "\\" not in text and "\r" not in text:
            q = 3 if len(text) >= 6 and text[:3] in ('"""', "'''") else 1
            return text[q:-q]
    if kind in (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # CPython's about the user's code (``'\d'``): not ours to print
                value = node.evaluated_value
        except Exception:  # an f-string part, a malformed literal
            return NOT_CONSTANT
        return value if isinstance(value, (int, float, str)) else NOT_CONSTANT
    if kind is cst.UnaryOperation and type(node.operator) is cst.Minus:
        value = literal_value(node.expression)
        return -value if isinstance(value, (int, float)) and not isinstance(value, bool) else NOT_CONSTANT
    if kind is cst.Tuple and 0 < len(node.elements) <= MAX_CONSTANT_TUPLE:
        # ``channels=(0, 2, 4)``: a tuple of literals (not nested) is a constant too
        items = tuple(literal_value(el.value) if type(el) is cst.Element and type(el.value) is not cst.Tuple
                      else NOT_CONSTANT for el in node.elements)
        return NOT_CONSTANT if any(v is NOT_CONSTANT for v in items) else items
    return NOT_CONSTANT


def _bind(target: cst.BaseExpression, how: object, bound: Dict[str, list]) -> None:
    if type(target) is cst.Name:
        bound.setdefault(target.value, []).append(how)
    elif type(target) in (cst.Tuple, cst.List):
        for el in target.elements:
            _bind(el.value, None, bound)
    elif type(target) is cst.StarredElement:
        _bind(target.value, None, bound)


def scope_bindings(stmts, bound: Dict[str, list], declared: Set[str]) -> None:
    """The names the statements ``stmts`` of one scope bind (``bound``: name -> the ``Assign`` binding it, or None
    for any other binding), not looking into nested functions and classes but for their ``global``/``nonlocal``
    names (``declared``). A statement-level walk (no expression is visited: a ``:=`` is not seen)."""
    for st in stmts:
        if isinstance(st, (cst.SimpleStatementLine, SuiteLine)):
            for small in st.body:
                if type(small) is cst.Assign:
                    for t in small.targets:
                        _bind(t.target, small if len(small.targets) == 1 else None, bound)
                elif type(small) in (cst.AnnAssign, cst.AugAssign, cst.Del):
                    _bind(small.target, None, bound)
                elif type(small) in (cst.Import, cst.ImportFrom) and type(small.names) is not cst.ImportStar:
                    for alias in small.names:
                        name = alias.asname.name if alias.asname is not None else alias.name
                        while type(name) is cst.Attribute:
                            name = name.value
                        _bind(name, None, bound)
                elif type(small) in (cst.Global, cst.Nonlocal):
                    declared.update(n.name.value for n in small.names)
        elif type(st) in (cst.FunctionDef, cst.ClassDef):
            bound.setdefault(st.name.value, []).append(None)
            scope_bindings(body_statements(st.body), {}, declared)
        else:
            if type(st) is cst.For:
                _bind(st.target, None, bound)
            elif type(st) is cst.With:
                for item in st.items:
                    if item.asname is not None:
                        _bind(item.asname.name, None, bound)
            elif type(st) is cst.Try:
                for h in st.handlers:
                    if h.name is not None:
                        _bind(h.name.name, None, bound)
            scope_bindings(children_statements(st), bound, declared)


def bound_names(fn: cst.FunctionDef) -> Set[str]:
    """The names a function body binds itself, and those a function nested in it declares global or nonlocal
    (they may change)."""
    bound: Dict[str, list] = {}
    declared: Set[str] = set()
    scope_bindings(body_statements(fn.body), bound, declared)
    return set(bound) | declared


def assigned_only_names(fn: cst.FunctionDef) -> Set[str]:
    """The names a function body binds only by ``name = ...`` statements (one target, a name or a tuple of names),
    never by a loop, ``with``, ``+=``, ``import``, ``del``, ``except``, a nested ``def`` or ``class``, nor declared
    ``global``/``nonlocal`` by a nested function."""
    bound: Dict[str, list] = {}
    declared: Set[str] = set()
    scope_bindings(body_statements(fn.body), bound, declared)
    return {name for name, hows in bound.items() if hows and all(h is not None for h in hows)} - declared


def module_constants(module: cst.Module) -> Dict[str, object]:
    """Module-level names bound exactly once, by ``NAME = <literal>``, that no function declares global: their
    value everywhere in the module (``TRIGGER_BUG = True``)."""
    bound: Dict[str, list] = {}
    declared: Set[str] = set()
    scope_bindings(module.body, bound, declared)
    out: Dict[str, object] = {}
    for name, hows in bound.items():
        if len(hows) == 1 and type(hows[0]) is cst.Assign and name not in declared:
            value = literal_value(hows[0].value)
            if value is not NOT_CONSTANT:
                out[name] = value
    return out
