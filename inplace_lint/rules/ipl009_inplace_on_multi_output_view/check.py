"""IPL009: the decision and its fix."""
from __future__ import annotations

from ...analysis.values import MAYBE_VIEW, MULTI_OUTPUT
from ...diagnostics import WARNING
from . import CODE
from .._base import Check
from .._common import (copy_write_fix, expr_text, first_by_line, reshape_called, view_write, write_action,
                       writes_view_with_meta)

_SYMPTOM = ('"Output ... of ... is a view and is being modified inplace. This view is the output of a function that '
            'returns multiple views"')


_SYMPTOM_BASE = ('"Output ... of Unbind is a view and its base or another view of its base has been modified inplace. '
                 'This view is the output of a function that returns multiple views"')


class InplaceOnMultiOutputView(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        if not writes_view_with_meta(ev, ctx, (MULTI_OUTPUT,), rg_operand=True):
            self.writes_iterated_base(ev, ctx)
            return
        objs, target, rg_view, note = view_write(ev, ctx)
        of = "of a tensor that requires grad" if rg_view else "written with a value that requires grad"
        # through ``reshape``/``flatten`` of a split output: a view only when the new shape fits its strides
        maybe = next((o for o in objs if MAYBE_VIEW in o.extra), None)
        if maybe is not None:
            note += (f" (if `{reshape_called(maybe)}` returns a view of the split output here, as it does when the new shape only "
                     f"splits dimensions or the part is contiguous; otherwise it copies and nothing is raised)")

        def message(line_of) -> str:
            first = first_by_line(objs, line_of, node_of=lambda o: o.node)
            made = f" (made by {first.how})" if first.how else ""
            action = write_action(ev)
            return (f"{action} `{target}`, one of several views returned together{made}, {of}{note}: torch raises "
                    f"{_SYMPTOM} here")

        ctx.report(ev.node, self.code, message,
                   fix=copy_write_fix(ev, "the tensor it was split from is no longer changed"),
                   severity=WARNING if maybe is not None else None)

    def writes_iterated_base(self, ev, ctx) -> None:
        """``for i, d in enumerate(dist): dist[i] = ...``: the loop's rows are views of ``dist`` that one ``unbind``
        made; a write into ``dist`` in its body, with grad mode on and ``dist`` requiring grad, makes the next row
        raise when it is used."""
        objs = [o for o in ev.value if o.is_tensor]
        if ev.grad is not True or ev.via == "setdata" or not objs or len(objs) != len(ev.value) or not all(
                ctx.is_rg(o, ev.state) for o in objs):
            return
        loop = ctx.rows_iterated(objs[0])
        if loop is None or any(ctx.rows_iterated(o) is not loop for o in objs[1:]):
            return
        target = expr_text(ev.target)

        def message(line_of) -> str:
            action = write_action(ev)
            return (f"{action} `{target}` inside the loop at line {line_of(loop)} over its rows, views that one "
                    f"`unbind` made of it: the next row used raises {_SYMPTOM_BASE} (write the results into a new "
                    f"tensor, or iterate over `{target}.clone()`)")

        ctx.report(ev.node, self.code, message)
