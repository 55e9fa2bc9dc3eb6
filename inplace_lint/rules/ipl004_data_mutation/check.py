"""IPL004: the decision and its fixes."""
from __future__ import annotations

from ...analysis.values import DATA, PARAM
from ...diagnostics import ERROR, SAFE, Fix
from . import CODE
from .._base import Check
from .._common import expr_text, first_record


def _graph_may_hold(objs, ctx, state) -> bool:
    """Could a graph built by this code still hold the tensor? Only if it took part in a grad-recording computation
    earlier in this function (or it predates a ``forward``, whose caller builds the graph). Initialisation, resizing and
    checkpoint-loading code, which never computes with the tensor, is left alone."""
    fn = ctx.function
    for o in objs:
        base = o.base
        site = base.site[0] if base.kind == PARAM and isinstance(base.site, tuple) else base.site
        if fn is not None and fn.name == "forward" and not ctx.created_in_function(site):
            return True
        if (ctx.used_directly(base, state) or ctx.used_directly(base.root(), state)
                or ctx.feeds_computation(base, state)):
            return True
    return False


class DataMutation(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        objs = list(ev.value)
        if not objs or not all(o.kind == DATA and o.base is not None for o in objs):
            return
        target = expr_text(ev.target)
        base = target[:-5] if target.endswith(".data") else target
        op = "assignment" if ev.via in ("setitem", "setdata") else f"`{ev.op}`"
        fix = Fix("Drop `.data` and wrap the write in `with torch.no_grad():`", SAFE,
                  edit={"kind": "data_to_no_grad", "stmt": ev.stmt, "target": ev.target})
        records = ctx.saved_by(frozenset(o.base for o in objs))
        if records:
            # a live graph saved it: backward will use the new values without a word -- wrong gradients
            def message(line_of) -> str:
                label, node = first_record(records, line_of)
                return (f"In-place {op} through `{target}` changes `{base}`, which {label} at line {line_of(node)} "
                        f"saved for backward: `.data` hides the change from autograd, so backward silently computes "
                        f"wrong gradients")

            ctx.report(ev.node, self.code, message, fix=fix, severity=ERROR)
            return
        if ev.grad is False or not _graph_may_hold(objs, ctx, ev.state):
            return
        if not all(ctx.is_rg(o.base, ev.state) for o in objs):
            return
        message = (f"In-place {op} through `{target}` bypasses autograd's version check: if a graph saved "
                   f"`{base}`, backward silently uses the new values; write under `torch.no_grad()` instead")
        ctx.report(ev.node, self.code, message, fix=fix)
