"""What a rule may ask the analysis, and how it reports: the ``RuleContext`` every hook receives with its event.

Rules see the interpreter only through this: no environment, no function stack, no internal sets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Iterator, List, Optional, Tuple

import libcst as cst

from .values import DERIVED, UNKNOWN, VIEW, Obj, State, Value


@dataclass(frozen=True)
class FunctionFacts:
    """The function being analysed. In a ``torch.autograd.Function``, ``role`` is "forward" or "backward",
    ``inputs`` the objects of its tensor parameters (inputs of forward, incoming gradients of backward) and
    ``dirty`` those forward passed to ``ctx.mark_dirty``, ``without_gradient`` the names of the inputs of forward
    whose gradient backward always returns as ``None`` (``statements.inputs_without_gradient``); otherwise ``role``
    is None."""

    node: cst.FunctionDef
    role: Optional[str]
    inputs: FrozenSet[Obj]
    dirty: FrozenSet[Obj]
    without_gradient: FrozenSet[str] = frozenset()

    @property
    def name(self) -> str:
        return self.node.name.value


class RuleContext:
    __slots__ = ("_it",)

    def __init__(self, interpreter) -> None:
        self._it = interpreter

    # -- reporting
    def report(self, node: cst.CSTNode, code: str, message, fix=None, related=(), severity=None, stmt=None) -> None:
        """Record a finding at ``node``. ``message`` is a string or a callable taking ``line_of(node) -> int``
        (positions are computed only at the end); ``related``: (node, label) pairs; ``severity`` overrides the
        rule's; ``stmt``: the statement (default: the one being executed)."""
        self._it.report(node, code, message, fix=fix, related=related, severity=severity, stmt=stmt)

    # -- tensors
    def is_rg(self, o: Obj, state: Optional[State] = None) -> bool:
        """Does ``o`` definitely require grad (in ``state``; default: now)?"""
        return self._it.is_rg(o, state)

    def rows_iterated(self, o: Obj):
        """The running ``for`` loop that iterates over the rows of ``o``'s tensor (views one ``unbind`` made), or
        None."""
        return self._it.rows_iterated(o)

    def is_leaf_rg(self, o: Obj, state: Optional[State] = None) -> bool:
        """Is ``o`` a leaf that definitely requires grad?"""
        return self._it.is_leaf_rg(o, state)

    def is_leaf_rg_or_view(self, o: Obj, state: Optional[State] = None) -> bool:
        """A leaf that requires grad, or a view of one (an in-place write to it raises with grad mode on)."""
        return self._it.is_leaf_rg_or_view(o, state)

    def assumption(self, value, inputs: bool = True) -> str:
        """When some object of ``value`` requires grad only by the assumption that an input of ``forward`` does
        (as activations do): that input's name, else "". ``inputs=False``: only results computed from such an
        input count, not the input itself."""
        for o in value:
            name = self._it.assumed(o)
            root = o
            while root.kind == VIEW and root.base is not None:
                root = root.base
            if name and (inputs or not (isinstance(root.site, tuple) and root.site[:1] == ("param",))):
                return name
        return ""

    def is_inference(self, o: Obj) -> bool:
        """``o`` was made under ``torch.inference_mode()`` (an inference tensor, if it is a tensor), or is a view
        of such a tensor."""
        return self._it.is_inference(o)

    @staticmethod
    def inference_mode(state: State) -> Optional[bool]:
        """Inference mode at that point: True, False, or None (unknown)."""
        return state.infer

    def saved_by(self, value: Value, ctx: bool = False, maybe: bool = False, through=None) -> Optional[FrozenSet]:
        """The ``(label, node, when)`` records of the ops that surely saved every object of ``value`` for backward,
        or None; ``ctx``: those of ``ctx.save_for_backward`` in an autograd.Function instead; ``maybe``: saves made
        in one branch of an ``if`` count too, their ``when`` the branch conditions (``(test text, polarity)`` each,
        outermost first; () for a save made on every path); ``through``: the expression a write reaches ``value``
        by (``ev.target``): when that name holds the new copy of a tensor made anew in a loop while the old copy
        stays reachable (``spo.append(sp)``), the saves of the old copy do not count."""
        return self._it.saved_by(value, ctx=ctx, maybe=maybe, through=through)

    @staticmethod
    def names_holding(state: State, pred) -> List[Tuple[str, Obj]]:
        """The plain names bound in ``state`` and the objects they hold for which ``pred(obj)`` is true (a view a
        name still holds when its base is written)."""
        return [(name, o) for name, value in state.env.items() if "." not in name for o in value if pred(o)]

    def device_copy(self, o: Obj) -> bool:
        """``o`` is (a view of) the copy ``x.cpu()`` makes when ``x`` is not on the CPU (on the CPU: ``x`` itself)."""
        return self._it.device_copy(o)

    @staticmethod
    def requires_grad_set(o: Obj, state: State) -> bool:
        """Was ``o`` made to require grad (``requires_grad_()``) on the way to ``state``?"""
        return o in state.rg

    @staticmethod
    def requires_grad_by_writes(o: Obj, state: State) -> bool:
        """Did ``o`` (a buffer that did not require grad) come to require grad through in-place writes of tensors that
        do (``buf[0] = x``)?"""
        return o.root() in state.grafted

    @staticmethod
    def grad_retained(o: Obj, state: State) -> bool:
        """Was ``retain_grad()`` called on ``o``?"""
        return o in state.retain

    @staticmethod
    def used_directly(o: Obj, state: State) -> bool:
        """Did ``o`` itself, or a view of it (``w.transpose(-2, -1)`` given to a call), take part in a computation with
        grad mode possibly on?"""
        if o in state.used:
            return True
        for u in state.used:
            while u.kind == VIEW and u.base is not None:
                u = u.base
                if u == o:
                    return True
        return False

    @staticmethod
    def feeds_computation(o: Obj, state: State) -> bool:
        """Is ``o`` a leaf some computation that took part in another one was derived from?"""
        return any(o in u.origin for u in state.used if u.kind == DERIVED)

    @staticmethod
    def held_objects(state: State) -> Iterator[Obj]:
        """Every object some name holds in ``state`` (with repetitions)."""
        for value in state.env.values():
            yield from value

    @staticmethod
    def aliased_elsewhere(name: str, value: Value, state: State) -> bool:
        """Does a name other than ``name`` (and its attributes) hold the storage of ``value``, or a view of it?"""
        roots = {o.root() for o in value}
        for key, other in state.env.items():
            if key == name or key.startswith(name + "."):
                continue
            if any(o.root() in roots for o in other if o.is_tensor or o.kind == UNKNOWN):
                return True
        return False

    # -- where we are
    @property
    def function(self) -> Optional[FunctionFacts]:
        """The function being analysed (None at module level)."""
        fn = self._it.current
        if fn is None:
            return None
        return FunctionFacts(fn.node, fn.role, fn.inputs, fn.dirty, fn.without_gradient)

    def created_in_function(self, site) -> bool:
        """Was the object of allocation site ``site`` created in the function being analysed?"""
        return site in self._it.created_sites
