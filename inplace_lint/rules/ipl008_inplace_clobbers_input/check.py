"""IPL008: the decision and its fixes."""
from __future__ import annotations

import libcst as cst

from ...analysis.values import FUNC
from ...diagnostics import UNSAFE, Fix
from . import CODE
from .._base import Check
from .._common import expr_text


class InplaceClobbersInput(Check):
    code = CODE

    def on_overwritten_input_read(self, event, ctx) -> None:
        read, call, mod = event.read, event.call, event.module
        callee = expr_text(call.func)
        name = read.value if isinstance(read, cst.Name) else expr_text(call.args[0].value if call.args else call)
        layer = mod.cls.split(".")[-1]
        how = (f"`{callee}` starts with an in-place layer" if "inplace_first" in mod.extra
               else f"`{callee}` ({layer}) writes its input in place" if mod.cls.startswith("torch.nn.")
               else f"`{callee}` writes its argument in place" if mod.kind == FUNC
               else f"`{callee}.forward` writes its input in place")

        def message(line_of) -> str:
            if isinstance(read, cst.Name):
                again = f"`{name}` is used again at line {line_of(read)}"
            else:  # (read through another name, in the caller or a function it calls: ``torch.cdist(emb, emb)``)
                again = f"the same tensor is read again at line {line_of(read)}"
            return (f"{how}, overwriting the tensor `{name}` holds; {again} and sees the modified values (no error, "
                    f"wrong results)")

        arg = call.args[0].value if call.args else call
        fix = Fix(f"Pass a copy (`{callee}({expr_text(arg)}.clone())`) or build the layer with `inplace=False`",
                  UNSAFE, edit={"kind": "clone_arg", "node": call})
        ctx.report(call, self.code, message, fix=fix, related=[(read, f"`{name}` used here" if isinstance(read, cst.Name)
                                                      else "read here")])

    def on_hook_kept_overwritten(self, event, ctx) -> None:
        write, store, mod = event.write, event.store, event.module
        layer = mod.cls.split(".")[-1]
        what = (f"`{write.op}`" if write.via == "module" else
                "Item assignment" if write.via == "setitem" else f"In-place `{write.op}`")

        def message(line_of) -> str:
            return (f"{what} overwrites the output of a `{layer}` that a forward hook keeps (line {line_of(store)}): "
                    f"what the hook kept holds the modified values, not the layer's output (no error, wrong results)")

        fix = Fix("Keep a copy in the hook (`output.detach().clone()`), or make this write out of place", UNSAFE,
                  edit={"kind": "drop_inplace", "node": write.node} if write.via == "module" else None)
        ctx.report(write.node, self.code, message, fix=fix, related=[(store, "kept here")])
