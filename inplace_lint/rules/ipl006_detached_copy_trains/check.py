"""IPL006: the decision and its fixes."""
from __future__ import annotations

import libcst as cst

from ...analysis.values import DETACHED, LEAF, PARAM
from ...diagnostics import UNSAFE, Fix
from . import CODE
from .._base import Check
from .._common import expr_text


def _asserts_none(ev) -> bool:
    """The read is ``assert x.grad is None``: the code expects no gradient there (a test checking that a copy is not
    connected to its source)."""
    stmt = ev.stmt
    if type(stmt) is not cst.SimpleStatementLine:
        return False
    for small in stmt.body:
        test = small.test if type(small) is cst.Assert else None
        if (type(test) is cst.Comparison and test.left is ev.node and len(test.comparisons) == 1
                and type(test.comparisons[0].operator) is cst.Is
                and type(test.comparisons[0].comparator) is cst.Name and test.comparisons[0].comparator.value == "None"):
            return True
    return False


class DetachedCopyTrains(Check):
    code = CODE

    def on_grad_read(self, ev, ctx) -> None:
        if _asserts_none(ev):
            return
        state = ev.state
        sources = [o for o in ev.value if o.kind in (LEAF, PARAM) and ctx.is_rg(o, state)]
        if not sources or len(sources) != len(ev.value):
            return
        for x in sources:
            if ctx.used_directly(x, state) or ctx.feeds_computation(x, state):
                continue  # x feeds some computation itself: its .grad may well be populated
            copies = {o for o in ctx.held_objects(state)
                      if o.kind in (DETACHED, LEAF) and x in o.origin and ctx.is_rg(o, state) and o.stmt is not None}
            for copy in sorted(copies, key=lambda o: str(o.site)):
                src = expr_text(ev.target)
                use = ev.node

                def message(line_of, src=src, use=use) -> str:
                    return (f"This detached copy of `{src}` is made to require grad, but gradients of a loss on it "
                            f"never reach `{src}`: `{src}.grad` read at line {line_of(use)} stays None")

                fix = Fix("Drop `.detach()` so that gradients flow back to the original tensor", UNSAFE,
                          edit={"kind": "drop_detach", "stmt": copy.stmt})
                ctx.report(copy.stmt, self.code, message, fix=fix, related=[(use, f"`{src}.grad` read here")],
                           stmt=copy.stmt)
