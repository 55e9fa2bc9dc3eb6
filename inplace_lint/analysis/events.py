"""What the interpreter tells the checks. Each check (``inplace_lint/checks/``) subscribes to these events."""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .values import State, Value


class InplaceEvent:
    """A tensor is about to be written in place.

    via: "method" (``x.add_()``), "augassign" (``x += y``), "setitem" (``x[i] = v``), "out" (``torch.add(a, b, out=x)``),
         "function" (``torch.relu_(x)``), "inplace_kwarg" (``F.relu(x, inplace=True)``), "module" (``nn.ReLU(inplace=True)``
         applied to x).
    """

    __slots__ = ("node", "target", "value", "via", "op", "state", "stmt", "index_is_advanced")

    def __init__(self, node: cst.CSTNode, target: cst.BaseExpression, value: Value, via: str, op: str,
                 state: State, stmt: Optional[cst.CSTNode], index_is_advanced: bool = False) -> None:
        self.node = node
        self.target = target
        self.value = value
        self.via = via
        self.op = op
        self.state = state
        self.stmt = stmt
        self.index_is_advanced = index_is_advanced


class GradReadEvent:
    """``x.grad`` is read (not assigned or deleted). ``tensor_use``: the read value is computed with."""

    __slots__ = ("node", "target", "value", "state", "stmt", "tensor_use")

    def __init__(self, node: cst.Attribute, target: cst.BaseExpression, value: Value, state: State,
                 stmt: Optional[cst.CSTNode], tensor_use: bool) -> None:
        self.node = node
        self.target = target
        self.value = value
        self.state = state
        self.stmt = stmt
        self.tensor_use = tensor_use


class OptimizerEvent:
    """Tensors are handed to a ``torch.optim`` optimizer (``params`` is the value of the first argument)."""

    __slots__ = ("node", "arg", "params", "state", "stmt")

    def __init__(self, node: cst.Call, arg: cst.BaseExpression, params: Value, state: State,
                 stmt: Optional[cst.CSTNode]) -> None:
        self.node = node
        self.arg = arg
        self.params = params
        self.state = state
        self.stmt = stmt
