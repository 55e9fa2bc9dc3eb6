"""Statements of a function or block, the way the interpreter walks them: the statements of a block, of every
block of a compound statement, and the ``ctx.mark_dirty`` names, returned values and ``@staticmethod`` of a
function."""
from __future__ import annotations

from typing import FrozenSet, List, Optional, Sequence, Set

import libcst as cst


def mark_dirty_names(fn: cst.FunctionDef) -> Set[str]:
    """Names passed to ``ctx.mark_dirty(...)`` anywhere in ``fn`` (top-level and nested blocks)."""
    return ctx_call_names(fn, "mark_dirty")


def ctx_call_names(fn: cst.FunctionDef, method: str, receiver: Optional[str] = None,
                   starred: bool = True) -> Set[str]:
    """Names passed to ``<receiver>.<method>(...)`` statements anywhere in ``fn`` (top-level and nested blocks, not
    nested functions): ``ctx.mark_dirty(x)``, ``ctx.save_for_backward(cos, sin)``. ``receiver``: only calls on
    that name; ``starred``: ``*names`` count too."""
    out: Set[str] = set()

    def visit(stmts) -> None:
        for st in stmts:
            if isinstance(st, (cst.SimpleStatementLine, SuiteLine)):
                for small in st.body:
                    v = small.value if type(small) is cst.Expr else None
                    if (type(v) is cst.Call and type(v.func) is cst.Attribute and v.func.attr.value == method
                            and (receiver is None or type(v.func.value) is cst.Name
                                 and v.func.value.value == receiver)):
                        out.update(a.value.value for a in v.args
                                   if type(a.value) is cst.Name and (starred or not a.star))
            elif type(st) not in (cst.FunctionDef, cst.ClassDef):
                visit(children_statements(st))

    visit(body_statements(fn.body))
    return out


def class_method(cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    """The ``def name`` in the body of ``cls``, if any."""
    return next((st for st in cls.body.body if type(st) is cst.FunctionDef and st.name.value == name), None)


def return_statements(fn: cst.FunctionDef) -> List[cst.Return]:
    """The ``return`` statements of ``fn``'s body, nested functions and classes aside."""
    out: List[cst.Return] = []

    def visit(stmts) -> None:
        for st in stmts:
            if isinstance(st, (cst.SimpleStatementLine, SuiteLine)):
                out.extend(small for small in st.body if type(small) is cst.Return)
            elif type(st) not in (cst.FunctionDef, cst.ClassDef):
                visit(children_statements(st))

    visit(body_statements(fn.body))
    return out


def returned_values(fn: cst.FunctionDef) -> List[cst.BaseExpression]:
    """The expressions ``fn`` returns, each item of a returned tuple or list apart (``return x, y``: ``x`` and ``y``),
    nested functions and classes aside."""
    out: List[cst.BaseExpression] = []
    for ret in return_statements(fn):
        if ret.value is None:
            continue
        if type(ret.value) in (cst.Tuple, cst.List):
            out.extend(e.value for e in ret.value.elements)
        else:
            out.append(ret.value)
    return out


def inputs_without_gradient(cls: cst.ClassDef) -> FrozenSet[str]:
    """The inputs of a ``torch.autograd.Function``'s ``forward`` (``ctx`` aside) whose gradient its ``backward``
    returns as a literal ``None`` on every ``return`` (a codebook, running statistics: state the Function updates,
    not an input it differentiates)."""
    forward, backward = class_method(cls, "forward"), class_method(cls, "backward")
    if forward is None or backward is None or class_method(cls, "setup_context") is not None:
        return frozenset()
    names = [p.name.value for p in forward.params.params][1:]
    returns = [ret.value for ret in return_statements(backward)]
    if not returns:
        return frozenset()
    out = set()
    for i, name in enumerate(names):
        nones = []
        for value in returns:
            items = [e.value for e in value.elements] if type(value) in (cst.Tuple, cst.List) else [value]
            nones.append(i < len(items) and type(items[i]) is cst.Name and items[i].value == "None")
        if all(nones):
            out.add(name)
    return frozenset(out)


def is_docstring(stmt: cst.CSTNode) -> bool:
    """``stmt`` is a string on a line of its own (a docstring where it comes first)."""
    return type(stmt) is cst.SimpleStatementLine and len(stmt.body) == 1 and type(stmt.body[0]) is cst.Expr \
        and type(stmt.body[0].value) in (cst.SimpleString, cst.ConcatenatedString)


def is_static(node: cst.FunctionDef) -> bool:
    return any(type(d.decorator) is cst.Name and d.decorator.value == "staticmethod" for d in node.decorators)


def is_classmethod(node: cst.FunctionDef) -> bool:
    return any(type(d.decorator) is cst.Name and d.decorator.value == "classmethod" for d in node.decorators)


def body_statements(body) -> Sequence[cst.CSTNode]:
    if type(body) is cst.IndentedBlock:
        return body.body
    if type(body) is cst.SimpleStatementSuite:
        return [SuiteLine(body)]
    if type(body) is cst.If:  # an ``elif``
        return [body]
    inner = getattr(body, "body", None)
    if type(inner) in (cst.IndentedBlock, cst.SimpleStatementSuite):
        return body_statements(inner)
    return inner if isinstance(inner, (list, tuple)) else ()


class SuiteLine:
    """Adapter so that ``if x: a; b`` (a SimpleStatementSuite) runs like a SimpleStatementLine."""

    __slots__ = ("body", "node")

    def __init__(self, suite: cst.SimpleStatementSuite) -> None:
        self.body = suite.body
        self.node = suite


def children_statements(stmt) -> List[cst.CSTNode]:
    out = []
    for name in ("body", "orelse", "finalbody", "handlers"):
        part = getattr(stmt, name, None)
        if part is None:
            continue
        if isinstance(part, (list, tuple)):
            for h in part:
                out.extend(body_statements(h.body))
        else:
            out.extend(body_statements(part))
    return out
