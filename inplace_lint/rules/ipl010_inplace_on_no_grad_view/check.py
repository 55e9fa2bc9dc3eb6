"""IPL010: the decision and its fix."""
from __future__ import annotations

from ...analysis.values import INFERENCE_VIEW, NO_GRAD_VIEW
from . import CODE
from .._base import Check
from .._common import copy_write_fix, first_by_line, view_write, write_action, writes_view_with_meta

_NO_GRAD = '"A view was created in no_grad mode and is being modified inplace with grad mode enabled"'
_INFERENCE = '"A view was created in inference mode and is being modified inplace in normal mode"'


class InplaceOnNoGradView(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        if not writes_view_with_meta(ev, ctx, (NO_GRAD_VIEW, INFERENCE_VIEW), rg_operand=True):
            return
        objs, target, rg_view, note = view_write(ev, ctx)
        of = "of a tensor that requires grad" if rg_view else "(written with a value that requires grad)"

        def message(line_of) -> str:
            first = first_by_line(objs, line_of, node_of=lambda o: o.node)
            where = line_of(first.node) if first.node is not None else 0
            at = f" at line {where}" if where else ""
            inference = first.meta == INFERENCE_VIEW
            mode = "`torch.inference_mode()`" if inference else "grad mode off"
            action = write_action(ev)
            return (f"{action} `{target}`, a view made with {mode}{at} {of}, now written "
                    f"with grad mode on{note}: torch raises {_INFERENCE if inference else _NO_GRAD} here. Make the view "
                    f"and the write under the same mode")

        ctx.report(ev.node, self.code, message,
                   fix=copy_write_fix(ev, "the tensor the view was taken of is no longer changed"))
