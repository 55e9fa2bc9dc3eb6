"""IPL005: the decision and its fixes."""
from __future__ import annotations

import libcst as cst

from ...analysis.values import DERIVED, LEAF, SEQ, VIEW
from ...diagnostics import DISPLAY_ONLY, SAFE, Fix
from . import CODE
from .._base import Check
from .._common import expr_text


def _lost_grad(o, ctx, state) -> bool:
    """Computed under ``torch.no_grad()`` from tensors that require grad: a leaf that does not."""
    return o.kind == LEAF and "nograd" in o.extra and not ctx.requires_grad_set(o, state)


def _non_leaf(o, ctx, state) -> bool:
    if ctx.grad_retained(o, state):
        return False
    if o.kind == DERIVED:
        return o.rg is True and bool(o.origin)
    if o.kind == VIEW:
        return o.base is not None and ctx.is_leaf_rg(o.base, state)
    return False


def _rebinding_update(stmt, o):
    """``w = w - expr`` / ``w = w + expr``: the shape the fix turns into an in-place update."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target = small.targets[0].target
    value = small.value
    if (isinstance(target, cst.Name) and isinstance(value, cst.BinaryOperation)
            and isinstance(value.operator, (cst.Subtract, cst.Add))
            and isinstance(value.left, cst.Name) and value.left.value == target.value and value is o.node):
        return target.value
    return None


class GradOfNonLeaf(Check):
    code = CODE

    def _report(self, ctx, o, use_node, use_text: str, consequence: str, bound_at=None) -> None:
        stmt = bound_at or o.stmt
        if stmt is None:
            return
        name = _rebinding_update(stmt, o)
        if name is not None:
            fix = Fix(f"Update `{name}` in place under `torch.no_grad()` and clear its gradient", SAFE,
                      edit={"kind": "rebind_to_inplace", "stmt": stmt})
        else:
            fix = Fix("Apply the operation before `requires_grad_()` (e.g. `(torch.tensor(5.0) * 0.1).requires_grad_()`)"
                      ", or call `retain_grad()` if the non-leaf's gradient is what you want", DISPLAY_ONLY)
        if o.kind == LEAF:
            what = "the result of an operation run under `torch.no_grad()`, which does not require grad"
        elif o.kind == VIEW:
            what = "a view of a leaf, which is not a leaf"
        else:
            what = "the result of an operation on a leaf, which is not a leaf"

        if bound_at is not None:
            what += " (computed in the function this line calls)"

        def message(line_of) -> str:
            return f"This binds {what}: {use_text} at line {line_of(use_node)} {consequence}"

        ctx.report(stmt, self.code, message, fix=fix, related=[(use_node, use_text)], stmt=stmt)

    def on_grad_read(self, ev, ctx) -> None:
        for o in ev.value:
            if _non_leaf(o, ctx, ev.state) or _lost_grad(o, ctx, ev.state):
                text = f"`{expr_text(ev.node)}`"
                self._report(ctx, o, ev.node, text, "is None (its gradient is never populated)", ev.bound_at)

    def on_tensors_given_to_optimizer(self, ev, ctx) -> None:
        objs = []
        for o in ev.params:
            objs.extend(o.elems if o.kind == SEQ else (o,))
        for o in objs:
            if _non_leaf(o, ctx, ev.state):
                self._report(ctx, o, ev.node, "the optimizer",
                             "raises \"ValueError: can't optimize a non-leaf Tensor\"")
