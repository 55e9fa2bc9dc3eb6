"""Helpers the rules share to describe tensors and pick what a message names."""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .. import ops
from ..analysis.names import dotted
from ..analysis.values import DATA, DERIVED, DETACHED, GRAD, LEAF, PARAM, VIEW, Obj
from ..diagnostics import SAFE, UNSAFE, Fix


def expr_text(node: Optional[cst.CSTNode], limit: int = 40) -> str:
    """Short source text of an expression for messages."""
    if node is None:
        return "the tensor"
    d = dotted(node) if isinstance(node, cst.BaseExpression) else None
    if d is not None:
        return d
    try:
        text = cst.Module(body=[]).code_for_node(node)
    except Exception:  # pragma: no cover - defensive: never fail a message
        return "the tensor"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_leaf(o: Obj) -> str:
    """Where a leaf that requires grad came from, for a message."""
    if o.kind == PARAM:
        return o.label or "a parameter"
    if o.kind == DETACHED:
        return "a detached copy made to require grad"
    if o.kind == LEAF:
        if o.label.startswith("nn.Parameter"):
            return "an `nn.Parameter`"
        if o.label and "requires_grad=True" in o.label:
            return f"created by `{o.label}`"
        return "made to require grad with `requires_grad_()`"
    if o.kind in (VIEW, DATA, GRAD) and o.base is not None:
        return describe_leaf(o.base)
    if o.kind == DERIVED:
        return "a result of an operation"
    return "a tensor that requires grad"


def leaf_line(o: Obj):
    """The node where a leaf was created (for 'created at line N'), or None."""
    while o.kind in (VIEW, DATA, GRAD) and o.base is not None:
        o = o.base
    return o.node


def first_by_line(objs, line_of, node_of=None):
    """The object created first in the file: a deterministic choice among several possible objects (iteration
    order of a set depends on memory addresses and the hash seed)."""
    node_of = node_of or leaf_line

    def key(o):
        n = node_of(o)
        return (line_of(n) if n is not None else 0, o.kind, o.label)

    return min(objs, key=key)


def contains(tree: Optional[cst.CSTNode], node: cst.CSTNode) -> bool:
    """``node`` is ``tree`` or inside it."""
    if tree is None:
        return False
    found = []

    class _Find(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            if n is node:
                found.append(n)
            return not found

    tree.visit(_Find())
    return bool(found)


def first_record(records, line_of):
    """``(label, node)`` of the first (by line) of the ``(label, node, when)`` records of the ops that saved a
    tensor."""
    first = min(records, key=lambda r: (line_of(r[1]) or 0, r[0], r[2]))
    return first[0], first[1]


def no_grad_fix(ev, what: str = "the update") -> Fix:
    """Wrap the statement of an in-place write in ``with torch.no_grad():``."""
    return Fix(f"Wrap {what} in `with torch.no_grad():`", SAFE, edit={"kind": "wrap_no_grad", "stmt": ev.stmt})


def copy_write_fix(ev, why: str) -> Fix:
    """Write into a copy instead of the view (``h.mul_(2)`` -> ``h = h.mul(2)``; ``h[0] = v`` -> ``h = h.clone()``
    first): unsafe, the write no longer reaches the tensor the view was taken of (``why`` says what then)."""
    target = expr_text(ev.target)
    return Fix(f"Write into a copy of `{target}` instead ({why})", UNSAFE,
               edit={"kind": "out_of_place", "node": ev.node, "stmt": ev.stmt})


def writes_view_with_meta(ev, ctx, metas, rg_operand: bool = False) -> bool:
    """Every object the write may reach is a view whose creation meta is in ``metas`` and that requires grad,
    and grad mode is on: torch raises at the write. ``rg_operand``: writing a value that requires grad into such a
    view of a tensor that does not raises as well."""
    if ev.grad is not True or ev.via == "setdata" or chained_write(ev):
        return False
    objs = list(ev.value)
    if not objs or not all(o.kind == VIEW and o.meta in metas for o in objs):
        return False
    if all(ctx.is_rg(o, ev.state) for o in objs):
        return True
    return rg_operand and any(o.is_tensor and ctx.is_rg(o, ev.state) for o in ev.operand)


def assumption_note(value, ctx, inputs: bool = True) -> str:
    """`` (if `x` requires grad, as activations do)`` when the finding relies on a ``forward`` input requiring grad
    (``inputs``: as for ``RuleContext.assumption``)."""
    name = ctx.assumption(value, inputs)
    return f" (if `{name}` requires grad, as activations do)" if name else ""


def reshape_called(o) -> str:
    """The method that made ``o`` a maybe-view (``MAYBE_VIEW``, ``RESHAPED``): ``reshape``, ``flatten`` or
    ``reshape_as`` as written; for a view taken of such a view later (``.permute()``), "reshape": the reshape is what
    may copy."""
    func = getattr(o.node, "func", None)
    called = func.attr.value if isinstance(func, cst.Attribute) else "reshape"
    return called if called in ("reshape", "flatten", "reshape_as") else "reshape"


def chained_write(ev) -> bool:
    """``c.sub_(m).div_(s)``, ``torch.arange(n, out=p).mul_(pi)``: the second write is into the result of the first
    (an in-place method, or a call writing its ``out=``), which raised already."""
    t = ev.target
    if not isinstance(t, cst.Call):
        return False
    if isinstance(t.func, cst.Attribute) and ops.is_inplace_method(t.func.attr.value):
        return True
    return any(a.keyword is not None and a.keyword.value == "out" for a in t.args)


def write_action(ev) -> str:
    """How a message names the write ``ev``: "Item assignment into" or "In-place `op` on" (the target follows)."""
    return "Item assignment into" if ev.via == "setitem" else f"In-place `{ev.op}` on"


def view_write(ev, ctx):
    """For a write into views autograd refuses (``writes_view_with_meta``): the objects, the target's text, whether
    the views themselves require grad (else the written value does), and the assumption note."""
    objs = list(ev.value)
    rg_view = all(ctx.is_rg(o, ev.state) for o in objs)
    return objs, expr_text(ev.target), rg_view, assumption_note(objs if rg_view else ev.operand, ctx)
