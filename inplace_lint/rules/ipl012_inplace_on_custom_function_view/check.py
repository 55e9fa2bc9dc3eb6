"""IPL012: the decision and its fix."""
from __future__ import annotations

from ...analysis.values import CUSTOM_FUNCTION, MAYBE_VIEW, VIEW
from ...diagnostics import DISPLAY_ONLY, UNSAFE, WARNING, Fix
from . import CODE
from .._base import Check
from .._common import (chained_write, copy_write_fix, expr_text, first_by_line, view_write, write_action,
                       writes_view_with_meta)

_SYMPTOM = ('"Output 0 of ... is a view and is being modified inplace. This view was created inside a custom '
            'Function (or because an input was returned as-is)"')
# written under no_grad: the write passes, the view's next use raises
_SYMPTOM_BASE_MODIFIED = ('"Output 0 of ... is a view and its base or another view of its base has been modified '
                          'inplace. This view was created inside a custom Function (or because an input was returned '
                          'as-is)"')
# the view does not require grad (the Function's input did not), the value written does
_SYMPTOM_NO_GRAD_VIEW = ('"A view was created in no_grad mode and is being modified inplace with grad mode enabled. '
                         'This view was created inside a custom Function (or because an input was returned as-is)"')


class InplaceOnCustomFunctionView(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        if not writes_view_with_meta(ev, ctx, (CUSTOM_FUNCTION,), rg_operand=True):
            self.written_under_no_grad(ev, ctx)
            self.base_written(ev, ctx)
            return
        objs, target, rg_view, note = view_write(ev, ctx)
        symptom = _SYMPTOM if rg_view else _SYMPTOM_NO_GRAD_VIEW
        written = "" if rg_view else ", written with a value that requires grad"
        # ``F.linear(x, w, b)`` returned by the Function: a view of its 2-D product only when ``x`` is not 2-D
        maybe = any(MAYBE_VIEW in o.extra for o in objs)
        if maybe:
            note += (" (if the input of `F.linear` in it is not 2-D, as a transformer's hidden states: with a bias "
                     "`F.linear` then returns a view of its 2-D product)")

        def message(line_of) -> str:
            return f"{_written_view(ev, objs, target, line_of)}{written}{note}: torch raises {symptom} here"

        if ev.via == "module":
            fix = Fix("Construct the module without `inplace=True`", UNSAFE,
                      edit={"kind": "drop_inplace", "node": ev.node})
        else:
            fix = copy_write_fix(ev, "the tensor it is a view of is no longer changed")
        ctx.report(ev.node, self.code, message, fix=fix, severity=WARNING if maybe else None)

    def written_under_no_grad(self, ev, ctx) -> None:
        """The same view written with grad mode off: the write passes, and the view's next use raises (torch
        cannot rebuild its history through the custom Function)."""
        objs = list(ev.value)
        if ev.grad is not False or ev.via == "setdata" or chained_write(ev) or not objs or not all(
                o.kind == VIEW and o.meta == CUSTOM_FUNCTION and ctx.is_rg(o, ev.state) for o in objs):
            return
        _, target, _, note = view_write(ev, ctx)

        def message(line_of) -> str:
            return (f"{_written_view(ev, objs, target, line_of, ' under no_grad')}{note}: the write passes, but the "
                    f"next use of `{target}` raises {_SYMPTOM_BASE_MODIFIED}")

        ctx.report(ev.node, self.code, message, fix=copy_write_fix(ev, "the tensor it is a view of is no longer "
                                                                        "changed"))


    def base_written(self, ev, ctx) -> None:
        """The tensor a custom Function returned a view of (``x = Alias.apply(z)``, ``forward`` returning
        ``input[:]``) written in place while that view is still held by a name: the view's next use raises."""
        objs = list(ev.value)
        if ev.via == "setdata" or chained_write(ev) or not objs or any(o.kind == VIEW for o in objs):
            return
        roots = {o.root() for o in objs}
        held = ctx.names_holding(ev.state, lambda v: v.kind == VIEW and v.meta == CUSTOM_FUNCTION and v.base is not None
                                 and v.root() in roots and v not in objs and ctx.is_rg(v, ev.state))
        if not held:
            return
        name, view = min(held, key=lambda h: h[0])
        action = write_action(ev)

        def message(line_of) -> str:
            at = f" at line {line_of(view.node)}" if view.node is not None else ""
            return (f"{action} `{expr_text(ev.target)}`, the tensor `{name}` is a view of (returned by {view.how}"
                    f"{at}): the next use of `{name}` raises {_SYMPTOM_BASE_MODIFIED}")

        ctx.report(ev.node, self.code, message, related=[(view.node, f"`{name}` made here")] if view.node else (),
                   fix=Fix(f"Clone the custom Function's output (`{name} = ....apply(...).clone()`) or write into a "
                           f"copy", DISPLAY_ONLY))


def _written_view(ev, objs, target: str, line_of, mode: str = "") -> str:
    """"In-place `op` on `target`, a view returned by `F.apply` at line N" (``mode`` after the target)."""
    first = first_by_line(objs, line_of, node_of=lambda o: o.node)
    where = line_of(first.node) if first.node is not None else 0
    at = f" at line {where}" if where else ""
    action = write_action(ev)
    return f"{action} `{target}`{mode}, a view returned by {first.how}{at}"
