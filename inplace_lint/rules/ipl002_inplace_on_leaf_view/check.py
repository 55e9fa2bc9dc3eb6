"""IPL002: the decision and its fixes."""
from __future__ import annotations

from ...analysis.values import VIEW, VIEW_METAS
from . import CODE
from .._base import Check
from .._common import describe_leaf, expr_text, first_by_line, leaf_line, no_grad_fix

_VIEW_MSG = '"a view of a leaf Variable that requires grad is being used in an in-place operation"'
_LEAF_MSG = '"a leaf Variable that requires grad is being used in an in-place operation"'


class InplaceOnLeafView(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        if ev.grad is not True or ev.via == "setdata":
            return
        objs = list(ev.value)
        if not objs or any(o.kind == VIEW and o.meta in VIEW_METAS for o in objs):
            return  # a view made with grad mode off or by unbind/split/...: torch raises its own error (IPL009/010)
        if ev.via == "setitem":
            if not all(ctx.is_leaf_rg_or_view(o, ev.state) for o in objs):
                return
        elif not all(o.kind == VIEW and o.base is not None and ctx.is_leaf_rg(o.base, ev.state) for o in objs):
            return
        target = expr_text(ev.target)

        def message(line_of) -> str:
            first = first_by_line(objs, line_of)
            leaf = first.base if first.kind == VIEW else first
            if ev.via == "setitem":
                action = "Item assignment into"
                noun = "a view of a leaf tensor" if first.kind == VIEW else "a leaf tensor"
                symptom = _LEAF_MSG if ev.index_is_advanced and first.kind != VIEW else _VIEW_MSG
            else:
                action, noun, symptom = f"In-place `{ev.op}` on", "a view of a leaf tensor", _VIEW_MSG
            where = leaf_line(leaf)
            at = f" at line {line_of(where)}" if where is not None and line_of(where) else ""
            return (f"{action} `{target}`, {noun} that requires grad ({describe_leaf(leaf)}{at}): "
                    f"torch raises {symptom} here")

        ctx.report(ev.node, self.code, message, fix=no_grad_fix(ev, "the write"))
