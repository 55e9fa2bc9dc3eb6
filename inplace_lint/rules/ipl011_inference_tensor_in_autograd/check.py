"""IPL011: the decision and its fixes."""
from __future__ import annotations

import libcst as cst

from ... import ops
from ...analysis.values import INFERENCE, UNKNOWN, VIEW
from ...diagnostics import SAFE, UNSAFE, WARNING, Fix
from . import CODE
from .._base import Check
from .._common import expr_text, first_by_line, write_action

_WRITE = '"Inplace update to inference tensor outside InferenceMode is not allowed"'
_SAVED = '"Inference tensors cannot be saved for backward"'
_RG = '"Setting requires_grad=True on inference tensor outside InferenceMode is not allowed"'
_NO_GRAPH = '"element 0 of tensors does not require grad and does not have a grad_fn"'


def _all_inference(value, ctx, unknown_ok: bool) -> bool:
    """Every object ``value`` may hold was made in inference mode; results of unknown callees count only when
    ``unknown_ok`` (the use itself says it is a tensor)."""
    objs = list(value)
    return bool(objs) and all(ctx.is_inference(o) and (o.is_tensor or (unknown_ok and o.kind == UNKNOWN))
                              for o in objs)


def _line(objs, line_of) -> int:
    made = []
    for o in objs:  # where the inference tensor was made (a view's base), and not an unknown callee's result
        while o.kind == VIEW and o.base is not None and o.meta != INFERENCE:
            o = o.base
        made.append(o)
    objs = [o for o in made if o.node is not None] or objs
    first = first_by_line(objs, line_of, node_of=lambda o: o.node)
    return line_of(first.node) if first.node is not None else 0


def _where(objs, line_of) -> str:
    line = _line(objs, line_of)
    return f" (made under `torch.inference_mode()` at line {line})" if line else " (made under `torch.inference_mode()`)"


def _assumption(objs) -> str:
    return "" if all(o.is_tensor for o in objs) else " if it is a tensor, as a model's output is"


def _clone_fix(target: cst.BaseExpression, node, stmt, safe: bool) -> Fix:
    name = expr_text(target)
    return Fix(f"Use a normal copy: `{name} = {name}.clone()` first", SAFE if safe else UNSAFE,
               edit={"kind": "clone_before", "stmt": stmt, "name": name, "node": node})


class InferenceTensorInAutograd(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        if ctx.inference_mode(ev.state) is not False or ev.via == "setdata":
            return
        # an unknown callee's result counts when the write is a tensor method (``feats.add_(1)``)
        tensor_method = ev.via in ("method", "function") and ops.is_inplace_method(ev.op)
        if not _all_inference(ev.value, ctx, unknown_ok=tensor_method):
            return
        objs = list(ev.value)
        target = expr_text(ev.target)

        def message(line_of) -> str:
            action = write_action(ev)
            return (f"{action} `{target}`, an inference tensor{_where(objs, line_of)}, outside inference mode: "
                    f"torch raises {_WRITE} here{_assumption(objs)}")

        simple = isinstance(ev.target, cst.Name)
        fix = _clone_fix(ev.target, ev.node, ev.stmt, safe=False) if simple else None
        ctx.report(ev.node, self.code, message, fix=fix)

    def on_tensor_saved(self, ev, ctx) -> None:
        if ctx.inference_mode(ev.state) is not False:  # (ops save only with grad mode on)
            return
        objs = list(ev.value)
        maybe = False
        # the first argument of a call (a module's input, the tensor a method runs on) is a tensor: an unknown
        # callee's result made in inference mode counts there
        first = ev.arg == 0 and isinstance(ev.node, cst.Call)
        if not _all_inference(ev.value, ctx, unknown_ok=first):
            # on some paths only (a cache an earlier call filled under inference_mode, recomputed when its test
            # says so): a warning
            objs = [o for o in objs if (o.is_tensor or first and o.kind == UNKNOWN) and ctx.is_inference(o)]
            if not objs:
                return
            maybe = True

        def message(line_of) -> str:
            what = "may save" if maybe else "saves"
            paths = " whenever it gets that tensor (on other paths it gets another one)" if maybe else ""
            return (f"{ev.label} {what} an inference tensor{_where(objs, line_of)} for backward: torch raises "
                    f"{_SAVED} here{paths}. Clone it outside inference mode, or compute it under `torch.no_grad()` "
                    f"instead of `torch.inference_mode()` when it is used for training")

        ctx.report(ev.node, self.code, message, severity=WARNING if maybe else None)

    def on_requires_grad_set(self, ev, ctx) -> None:
        if ev.flag is not True or ctx.inference_mode(ev.state) is not False:
            return
        if not _all_inference(ev.value, ctx, unknown_ok=ev.via == "method"):
            return
        objs = list(ev.value)
        target = expr_text(ev.target)
        how = {"method": f"`{target}.requires_grad_()`", "attribute": f"`{target}.requires_grad = True`",
               "parameter": f"`nn.Parameter({target})`"}[ev.via]

        def message(line_of) -> str:
            return (f"{how} on an inference tensor{_where(objs, line_of)} outside inference mode: torch raises "
                    f"{_RG} here{_assumption(objs)}")

        ctx.report(ev.node, self.code, message)

    def on_backward(self, ev, ctx) -> None:
        """``loss.backward()`` / ``torch.autograd.grad(loss, ...)`` on a result computed in inference mode (inside
        the block, or after it): autograd recorded nothing, even under ``torch.enable_grad()``."""
        objs = [o for o in ev.value]
        if not objs or not all(o.is_tensor and ctx.is_inference(o) for o in objs):
            return

        def message(line_of) -> str:
            line = _line(objs, line_of)
            at = f" (at line {line})" if line else ""
            return (f"Backward through a result computed under `torch.inference_mode()`{at}: autograd recorded no "
                    f"graph there (not even under `torch.enable_grad()`), and torch raises {_NO_GRAPH} here")

        ctx.report(ev.node, self.code, message)
