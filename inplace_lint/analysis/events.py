"""Facts the interpreter observes, as immutable events. It knows no rule: every check (``inplace_lint/rules/``)
subscribes to the facts it needs by defining a method named after the event's ``HOOK``, called as
``hook(event, context)`` with a ``context.RuleContext``.

``state`` in an event is the abstract state at that point: opaque to rules, which pass it to the context's queries
(``context.is_rg(o, ev.state)``, ...). ``grad`` is grad mode there (True on, False off, None unknown); ``stmt`` the
statement the fact belongs to.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional, Tuple

import libcst as cst

from .values import Obj, State, Value


@dataclass(frozen=True, eq=False)
class InplaceWrite:
    """A tensor is about to be written in place.

    via: "method" (``x.add_()``), "augassign" (``x += y``), "setitem" (``x[i] = v``), "setdata" (``x.data = v``),
         "out" (``torch.add(a, b, out=x)``), "function" (``torch.relu_(x)``), "inplace_kwarg"
         (``F.relu(x, inplace=True)``), "module" (``nn.ReLU(inplace=True)`` applied to x).
    ``index_is_advanced``: for "setitem", the index is a mask or an index tensor (the write is not through a view).
    ``operand``: what is written in, when known (the assigned value, the right-hand side, the method's arguments).
    """

    HOOK: ClassVar[str] = "on_inplace_write"
    node: cst.CSTNode
    target: cst.BaseExpression
    value: Value
    via: str
    op: str
    state: State
    stmt: Optional[cst.CSTNode]
    index_is_advanced: bool = False
    operand: Value = frozenset()
    # seen on a loop's extra pass from the end of a pass (``Interpreter._run_loop``): what a save it breaks was made
    # by the pass before
    next_pass: bool = False
    # the innermost loop of the function whose body makes the write, when it is in one
    loop: Optional[cst.CSTNode] = None

    @property
    def grad(self) -> Optional[bool]:
        return self.state.grad


@dataclass(frozen=True, eq=False)
class InplaceWriteOnGradUser(InplaceWrite):
    """An in-place method call on something of unknown type whose ``.grad`` the same function computes with: it
    is then a leaf that requires grad (grad mode was on at the write). Observed at the end of the function."""

    HOOK: ClassVar[str] = "on_inplace_write_on_grad_user"


@dataclass(frozen=True, eq=False)
class GradRead:
    """``x.grad`` is read (not assigned or deleted). ``tensor_use``: the read value is computed with."""

    HOOK: ClassVar[str] = "on_grad_read"
    node: cst.Attribute
    target: cst.BaseExpression
    value: Value
    state: State
    stmt: Optional[cst.CSTNode]
    tensor_use: bool
    # the statement of the reading function that bound the name, when the tensor was computed in a function it
    # called (``x = attack.perturb(...)``; then ``x.grad``): where a finding about that binding goes
    bound_at: Optional[cst.CSTNode] = None


@dataclass(frozen=True, eq=False)
class TensorsGivenToOptimizer:
    """Tensors are handed to a ``torch.optim`` optimizer (``params`` is the value of the first argument ``arg``)."""

    HOOK: ClassVar[str] = "on_tensors_given_to_optimizer"
    node: cst.Call
    arg: cst.BaseExpression
    params: Value
    state: State
    stmt: Optional[cst.CSTNode]


@dataclass(frozen=True, eq=False)
class LayersInSequence:
    """``nn.Sequential(a, b, ...)``: layers applied one after the other; ``layers`` are the (argument node, value)
    pairs of the positional arguments, in order."""

    HOOK: ClassVar[str] = "on_layers_in_sequence"
    node: cst.Call
    layers: Tuple[Tuple[cst.BaseExpression, Value], ...]
    # set when a later ``m.inplace = True`` (``flip[1]``, the statement) made the layer ``flip[0]`` in place:
    # only that layer is in question, and the statement is where the finding goes
    flip: Optional[Tuple[Obj, cst.CSTNode]] = None


@dataclass(frozen=True, eq=False)
class StepBetweenGraphAndBackward:
    """``backward`` (``node``) through a graph that an optimizer step or a ``load_state_dict`` (``step``;
    ``optimizer`` says what it does: "`opt.step()` updates parameters") made stale: it wrote in place parameters
    the graph saved, after the graph was built."""

    HOOK: ClassVar[str] = "on_step_between_graph_and_backward"
    node: cst.Call
    value: Value
    step: cst.Call
    optimizer: str
    # the branch conditions under which the step ran (``(test text, value)``, outermost first); () on every path
    when: Tuple[Tuple[str, bool], ...] = ()


@dataclass(frozen=True, eq=False)
class OverwrittenInputRead:
    """A call (``call``, to the module object ``module``) wrote in place into its argument, and the caller reads
    that tensor again at ``read`` (a name, or an expression computed from it)."""

    HOOK: ClassVar[str] = "on_overwritten_input_read"
    read: cst.CSTNode
    call: cst.Call
    module: Obj
    state: State


@dataclass(frozen=True, eq=False)
class HookKeptOverwritten:
    """An in-place write (``write``, an ``InplaceWrite``) overwrites, before the module call that ran a forward hook
    returns, the output of the hooked module ``module`` that the hook keeps (``store``: the hook's statement that
    stores it, ``output`` or a view or ``.detach()`` of it, in an attribute, a container or an outer name)."""

    HOOK: ClassVar[str] = "on_hook_kept_overwritten"
    write: "InplaceWrite"
    store: cst.CSTNode
    module: Obj
    state: State


@dataclass(frozen=True, eq=False)
class BackwardCall:
    """``loss.backward()`` / ``torch.autograd.grad(...)`` / ``torch.autograd.backward(...)`` on ``value``."""

    HOOK: ClassVar[str] = "on_backward"
    node: cst.Call
    value: Value
    state: State


@dataclass(frozen=True, eq=False)
class RequiresGradSet:
    """Tensors are made to require grad (``flag`` True) or not (False; None: unknown): ``t.requires_grad_()``
    (via "method"), ``t.requires_grad = flag`` ("attribute"), ``nn.Parameter(t)`` ("parameter")."""

    HOOK: ClassVar[str] = "on_requires_grad_set"
    node: cst.CSTNode
    target: cst.BaseExpression
    value: Value
    flag: Optional[bool]
    via: str
    state: State
    stmt: Optional[cst.CSTNode]


@dataclass(frozen=True, eq=False)
class TensorSavedForBackward:
    """An op recorded by autograd saves argument tensors for backward (the op table says which): ``value`` is what
    argument ``arg`` (a position, or the keyword) may hold, ``label`` describes the op."""

    HOOK: ClassVar[str] = "on_tensor_saved"
    node: cst.CSTNode
    arg: object
    value: Value
    label: str
    state: State
    stmt: Optional[cst.CSTNode]
