"""IPL001: the decision and its fixes."""
from __future__ import annotations

import libcst as cst

from ...diagnostics import UNSAFE, Fix
from . import CODE
from .._base import Check
from .._common import chained_write, describe_leaf, expr_text, first_by_line, leaf_line, no_grad_fix

_TORCH_LEAF = '"a leaf Variable that requires grad is being used in an in-place operation"'
_TORCH_OUT = "\"functions with out=... arguments don't support automatic differentiation\""


def _result_used(ev) -> bool:
    """``h = F.relu(w, inplace=True)``: the call's result is used (not ``F.relu(w, inplace=True)`` on its own)."""
    stmt = ev.stmt
    return not (isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
                and any(isinstance(s, cst.Expr) and s.value is ev.node for s in stmt.body))


def leaf_fix(ev) -> Fix:
    # On its own, `F.relu(w, inplace=True)` is an update of the leaf: wrapping keeps it (dropping `inplace=True`
    # would turn it into a no-op). When the result is used, the out-of-place form is what was meant.
    if ev.via in ("inplace_kwarg", "module") and _result_used(ev):
        return Fix("Use the out-of-place form (drop `inplace=True`)", UNSAFE,
                   edit={"kind": "drop_inplace", "node": ev.node})
    return no_grad_fix(ev)


class InplaceOnLeaf(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        if ev.via in ("setitem", "setdata") or ev.grad is not True or chained_write(ev):
            return  # (a write chained on one that raised never runs)
        objs = list(ev.value)
        if not objs or not all(ctx.is_leaf_rg(o, ev.state) for o in objs):
            return
        target = expr_text(ev.target)
        symptom = _TORCH_OUT if ev.via == "out" else _TORCH_LEAF

        def message(line_of) -> str:
            origin = first_by_line(objs, line_of)
            where = leaf_line(origin)
            what = describe_leaf(origin)
            at = f" at line {line_of(where)}" if where is not None and line_of(where) else ""
            return (f"In-place `{ev.op}` on `{target}`, a leaf tensor that requires grad ({what}{at}): "
                    f"torch raises {symptom} here")

        ctx.report(ev.node, self.code, message, fix=leaf_fix(ev))

    def on_inplace_write_on_grad_user(self, ev, ctx) -> None:
        if ev.grad is not True:
            return
        target = expr_text(ev.target)
        message = (f"In-place `{ev.op}` on `{target}` with grad mode on; `{target}.grad` is used, so `{target}` is a "
                   f"leaf that requires grad: torch raises {_TORCH_LEAF} unless every caller disables grad")
        ctx.report(ev.node, self.code, message, fix=leaf_fix(ev))
