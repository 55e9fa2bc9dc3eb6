"""IPL007: the decision and its fixes."""
from __future__ import annotations

import libcst as cst

from ...analysis.statements import returned_values
from ...diagnostics import SAFE, UNSAFE, Fix
from . import CODE
from .._base import Check
from .._common import expr_text


def _returns(fn: cst.FunctionDef, name: str) -> bool:
    """Does ``fn`` return ``name`` (alone or in a tuple)? Only then can ``ctx.mark_dirty(name)`` be used."""
    return any(expr_text(value) == name for value in returned_values(fn))


def _root_name(target: cst.BaseExpression) -> str:
    """The name a write's target writes through: ``x`` of ``x``, ``x[i]``, ``x.data``."""
    while type(target) in (cst.Subscript, cst.Attribute):
        target = target.value
    return target.value if type(target) is cst.Name else ""


class FunctionDirty(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        fn = ctx.function
        if fn is None or fn.role is None or ev.via == "setdata":
            return
        objs = ev.value
        if not objs:
            return
        roots = {o.root() for o in objs}
        target = expr_text(ev.target)
        if fn.role == "backward":
            if roots <= fn.inputs:
                message = (f"In-place write to `{target}`, a gradient `backward` received: it is not this Function's "
                           f"own tensor (after `.sum()` it is expanded; in a branch it is shared), so other gradients "
                           f"come out wrong; write into `{target}.clone()`")
                fix = Fix(f"Clone the gradient before writing: `{target} = {target}.clone()` first", SAFE,
                          edit={"kind": "clone_before", "stmt": ev.stmt, "name": target, "node": ev.node})
                ctx.report(ev.node, self.code, message, fix=fix)
            return
        records = ctx.saved_by(objs, ctx=True)
        if records:
            def message(line_of) -> str:
                line = min(line_of(node) for _, node, _ in records)
                return (f"In-place write to `{target}` after `ctx.save_for_backward` saved it at line {line}: "
                        f"`backward` computes with the modified values (silently wrong gradients)")

            fix = Fix(f"Write into a copy: `{target} = {target}.clone()` before the write (or save a copy)",
                      UNSAFE if roots <= fn.inputs else SAFE,
                      edit={"kind": "clone_before", "stmt": ev.stmt, "name": target, "node": ev.node})
            ctx.report(ev.node, self.code, message, fix=fix)
            return
        if roots <= fn.inputs and not roots <= fn.dirty:
            if _root_name(ev.target) in fn.without_gradient:
                return  # state the Function updates on purpose (a codebook): ``backward`` gives it no gradient
            message = (f"`forward` writes its input `{target}` in place without `ctx.mark_dirty({target})`: the "
                       f"caller's tensor changes behind autograd's back (silently wrong gradients)")
            if _returns(fn.node, target):
                fix = Fix(f"Tell autograd: `ctx.mark_dirty({target})` after the write", SAFE,
                          edit={"kind": "mark_dirty", "stmt": ev.stmt, "name": target})
            else:  # mark_dirty needs the input among the outputs
                fix = Fix(f"Work on a copy: `{target} = {target}.clone()` before the write", UNSAFE,
                          edit={"kind": "clone_before", "stmt": ev.stmt, "name": target, "node": ev.node})
            ctx.report(ev.node, self.code, message, fix=fix)
