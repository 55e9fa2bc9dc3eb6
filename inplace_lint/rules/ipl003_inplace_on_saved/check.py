"""IPL003: the decision and its fixes."""
from __future__ import annotations

import libcst as cst

from ... import ops
from ...analysis.values import DATA, DERIVED, MODULE, RESHAPED, VIEW_METAS
from ...diagnostics import SAFE, UNSAFE, WARNING, Fix
from . import CODE
from .._base import Check
from .._common import (assumption_note, contains, expr_text, first_record, reshape_called, write_action,
                       writes_view_with_meta)

_TORCH_MSG = '"one of the variables needed for gradient computation has been modified by an inplace operation"'
# an in-place dropout writes only in training, and only with a probability above 0
_DROPOUT_CONDITION = " when it trains with a dropout probability above 0"
# writes that can end a chain "op that saved -> in-place writes" taken over by an autograd.Function
_CHAIN_WRITES = ("method", "augassign", "inplace_kwarg", "function", "setitem")


def _by_label(record) -> tuple:
    return record[0], record[2]


def _condition_text(when) -> str:
    """The text of a branch condition (pairs of source text and truth value): `flag` is true and `mode` is false."""
    return " and ".join(f"`{text}` is {'true' if value else 'false'}" for text, value in when)


def _branch_condition(records) -> str:
    """`` when `self.resize_identity` is true`` for a tensor saved only in one branch of an ``if`` (``records`` of
    ``saved_by(..., maybe=True)``): torch raises on the paths that ran the save. "" when some save is certain."""
    if any(not when for _, _, when in records):
        return ""
    paths = sorted({_condition_text(when) for _, _, when in records})
    return " when " + " or ".join(paths)


def _aliased(ev, ctx) -> bool:
    """Does another name hold (a view of) the same storage? Then an out-of-place rewrite would not update it."""
    return ctx.aliased_elsewhere(expr_text(ev.target), ev.value, ev.state)


def _result_discarded(ev) -> bool:
    stmt = ev.stmt
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)
            and stmt.body[0].value is ev.node)


def _assigned_back(ev) -> bool:
    """``h = F.relu(h, inplace=True)``: the result goes back into the name it came from."""
    stmt = ev.stmt
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)):
        return False
    assign = stmt.body[0]
    return (assign.value is ev.node and len(assign.targets) == 1
            and expr_text(assign.targets[0].target) == expr_text(ev.target))


def saved_fix(ev, ctx, records=()) -> Fix:
    fix = _saved_fix(ev, ctx, records)
    if isinstance(fix.edit, dict):  # rebinding or copying a leaf would cut the name off the leaf: the fixer declines
        fix.edit["leaf"] = any(ctx.is_leaf_rg_or_view(o, ev.state) for o in ev.value)
    return fix


def _saved_fix(ev, ctx, records=()) -> Fix:
    target = expr_text(ev.target)
    simple_name = isinstance(ev.target, (cst.Name, cst.Attribute)) and not _aliased(ev, ctx)
    if ev.via == "hook":
        return Fix(f"Return a new tensor from the forward hook instead of writing into `{target}` (a forward hook's "
                   f"return value replaces the module's output)", "display-only")
    if ev.via == "renorm":
        return Fix("Give the op that saves the weight a copy (`emb.weight.clone() @ w`, as nn.Embedding's documentation "
                   "says for `max_norm`), or look the rows up before that op", "display-only")
    if ev.via == "method":
        op = ev.op[:-1]
        safe = simple_name and _result_discarded(ev)
        return Fix(f"Use the out-of-place form: `{target} = {target}.{op}(...)`", SAFE if safe else UNSAFE,
                   edit={"kind": "out_of_place", "node": ev.node, "stmt": ev.stmt})
    if ev.via == "augassign":
        return Fix(f"Use the out-of-place form: `{target} = {target} {ev.op[:-1]} ...`", SAFE if simple_name else UNSAFE,
                   edit={"kind": "out_of_place", "node": ev.node, "stmt": ev.stmt})
    if ev.via == "inplace_kwarg":
        return Fix("Use the out-of-place form (drop `inplace=True`)", SAFE if _assigned_back(ev) else UNSAFE,
                   edit={"kind": "drop_inplace", "node": ev.node, "stmt": ev.stmt})
    if ev.via == "module":
        return Fix("Construct the module without `inplace=True`", UNSAFE,
                   edit={"kind": "drop_inplace", "node": ev.node})
    if ev.via in ("function", "out"):
        safe = simple_name and _result_discarded(ev)
        return Fix(f"Use the out-of-place form: `{target} = ...`", SAFE if safe else UNSAFE,
                   edit={"kind": "out_of_place", "node": ev.node, "stmt": ev.stmt})
    if ev.via == "setitem" and (ev.next_pass or any(contains(ev.stmt, node) for _, node, _ in records)):
        # what the previous pass of the loop saved: a copy made before this write would be saved in turn next pass
        return Fix(f"Read the slots of `{target}` that the op saves as copies (`{target}[i].clone()`), or collect the "
                   f"results in a list and `torch.stack` them instead of writing into one tensor each pass",
                   "display-only")
    if ev.via == "setitem" and any(ctx.requires_grad_by_writes(o, ev.state) for o in ev.value):
        # a buffer filled slot by slot (``outs[t] = f(outs[t - 1])``): a copy of it made before each write would be
        # read and saved in turn; the slots read are what to copy
        return Fix(f"Read the slots of `{target}` that the op saves as copies (`{target}[i].clone()`), or collect the "
                   f"results in a list and `torch.stack` them instead of writing into one buffer", "display-only")
    if ev.via == "setitem" and isinstance(ev.target, cst.Subscript):
        # ``T[b][t] = f(T[b][t])``: ``T[b] = T[b].clone()`` would write into ``T`` in turn
        return Fix(f"Read the slots of `{target}` that the op saves as copies (`{target}[i].clone()`), or collect the "
                   f"results in a list and `torch.stack` them instead of writing into one tensor", "display-only")
    if ev.via == "setitem":
        return Fix(f"Write into a copy: `{target} = {target}.clone()` first", SAFE if simple_name else UNSAFE,
                   edit={"kind": "out_of_place", "node": ev.node, "stmt": ev.stmt})
    return Fix(f"Clone `{target}` before the op that saves it (e.g. `torch.sigmoid(x).clone()`), or write into a copy",
               "display-only")


class InplaceOnSaved(Check):
    code = CODE

    def on_inplace_write(self, ev, ctx) -> None:
        objs = ev.value
        if ev.via == "setdata" or any(o.kind == DATA for o in objs):
            return  # through .data torch raises nothing: IPL004
        if ev.grad is True and all(ctx.is_leaf_rg_or_view(o, ev.state) for o in objs):
            return  # IPL001/IPL002: torch raises at this very line
        if writes_view_with_meta(ev, ctx, VIEW_METAS):
            return  # IPL009/IPL010/...: torch raises at this very line
        if ctx.inference_mode(ev.state) is False and all(o.is_tensor and ctx.is_inference(o) for o in objs):
            return  # an inference tensor written outside inference mode: IPL011, torch raises at this line
        records = ctx.saved_by(objs, through=ev.target) or ctx.saved_by(objs, maybe=True, through=ev.target)
        if not records:
            return
        target = expr_text(ev.target)
        action = write_action(ev)

        condition = (_DROPOUT_CONDITION if "ropout" in ev.op else "") + assumption_note(objs, ctx, inputs=False) \
            + _branch_condition(records)
        # through ``reshape``/``flatten`` of an op's result: a view when that result is contiguous (the usual case;
        # an elementwise op on a transposed input keeps its layout, and then torch copies)
        maybe = next((o for o in objs if RESHAPED in o.extra), None)
        if maybe is not None:
            condition += (f" (if `{reshape_called(maybe)}` returns a view here, as it does for a contiguous tensor; for a "
                          f"non-contiguous one it copies and nothing is raised)")
        device = any(ctx.device_copy(o) for o in objs)
        if device:
            condition += (" (if the tensor is on the CPU, where `.cpu()` returns the tensor itself; on a GPU it copies "
                          "and nothing is raised)")

        def message(line_of) -> str:
            label, node = first_record(records, line_of)
            # saved further down the loop the write is in: by the loop's pass before this one
            when = " on the loop's previous pass" if ev.next_pass or (
                ev.loop is not None and line_of(node) > line_of(ev.node) and contains(ev.loop, node)) else ""
            return (f"{action} `{target}`, which {label} at line {line_of(node)} saved for backward{when}: "
                    f"backward will raise {_TORCH_MSG}{condition}")

        related = [(node, f"saved for backward by {label}") for label, node, _ in sorted(records, key=_by_label)]
        fix = saved_fix(ev, ctx, records)
        if isinstance(fix.edit, dict) and ev.via in _CHAIN_WRITES and not any(when for _, _, when in records):
            # the alternative the fixer offers (--fix-with function): the chain from the saving op to this write as
            # an autograd.Function that keeps the write in place (inplace_lint/function_fix.py decides if it can)
            # (a Function may write its input only if that is no view: torch refuses a dirty view input when the
            # Function has several outputs)
            fresh = all(o.kind == DERIVED for o in objs)
            fix.edit["function"] = {"write": ev.node, "saved": [node for _, node, _ in sorted(records, key=_by_label)],
                                    "fresh": fresh}
        ctx.report(ev.node, self.code, message, fix=fix, related=related[:3],
                   severity=WARNING if maybe is not None or device else None)

    def on_layers_in_sequence(self, event, ctx) -> None:
        """``nn.Sequential(..., nn.Sigmoid(), nn.ReLU(inplace=True), ...)``: the in-place layer overwrites the output
        the previous layer saved for backward."""
        layers = event.layers
        flip = event.flip
        for (_, prev), (arg, cur) in zip(layers, layers[1:]):
            prev_mod = next((o for o in prev if o.kind == MODULE), None)
            cur_mod = next((o for o in cur if o.kind == MODULE), None)
            if prev_mod is None or cur_mod is None:
                continue
            if (flip is None and "inplace" not in cur_mod.extra) or (flip is not None and cur_mod is not flip[0]):
                continue
            if not prev_mod.cls.startswith("torch.nn.") or not ops.saves_result(prev_mod.cls, "1"):
                continue
            prev_name = prev_mod.cls.split(".")[-1]
            layer = cur_mod.cls.split(".")[-1]
            condition = _DROPOUT_CONDITION if "ropout" in layer else ""
            if flip is None:
                message = (f"`{layer}(inplace=True)` overwrites the output of the `{prev_name}` before it, which "
                           f"`{prev_name}` saved for backward: backward will raise {_TORCH_MSG}{condition}")
                fix = Fix("Construct the layer without `inplace=True`", SAFE,
                          edit={"kind": "drop_inplace", "node": arg, "stmt": None})
                ctx.report(arg, self.code, message, fix=fix)
                continue

            def message(line_of, layer=layer, prev_name=prev_name, arg=arg, condition=condition) -> str:
                return (f"Setting `inplace = True` makes the `{layer}` at line {line_of(arg)} overwrite the output "
                        f"of the `{prev_name}` before it in its `nn.Sequential`, which `{prev_name}` saved for "
                        f"backward: backward will raise {_TORCH_MSG}{condition}")

            fix = Fix(f"Leave `inplace` off for a `{layer}` that follows a layer that saves its output "
                      f"(`{prev_name}`)", "display-only")
            ctx.report(flip[1], self.code, message, fix=fix,
                       related=[(arg, f"the `{layer}` made in place")])  # the validator knows this label

    def on_step_between_graph_and_backward(self, event, ctx) -> None:
        """``opt.step()`` between building a graph and backpropagating it (the classic GAN mistake)."""
        node, step, opt = event.node, event.step, event.optimizer
        loss = expr_text(node.func.value) if isinstance(node.func, cst.Attribute) else expr_text(node.args[0].value)

        condition = _condition_text(event.when)

        def message(line_of) -> str:
            when = " on the loop's next pass" if line_of(node) < line_of(step) else ""
            if condition:
                when += f" when {condition}"
            return (f"{opt} in place that the graph of `{loss}` saved (built before this write): "
                    f"`{loss}.backward()` at line {line_of(node)} will raise {_TORCH_MSG}{when}")

        fix = Fix("Compute the loss again after the step, or step only after every backward() through the old "
                  "graph (detach what the other model should not train on)", "display-only")
        ctx.report(step, self.code, message, fix=fix, related=[(node, "backward through the old graph")])
