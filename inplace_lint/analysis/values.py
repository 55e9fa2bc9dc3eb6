"""Abstract values of the interpreter.

A name maps to a *value*: a frozenset of abstract objects (``Obj``), the objects it may hold. Objects are identified by
their allocation site (the CST node that created them) plus a few flat facts, so the domain is finite and loops reach
a fixed point. Facts that change over time (does this tensor require grad now?) live in the ``State``, not in objects.
"""
from __future__ import annotations

from itertools import repeat
from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple

# Object kinds
LEAF = "leaf"            # a fresh tensor with no autograd history: factory, Parameter, detach()
DERIVED = "derived"      # the result of an op (a non-leaf when any input required grad)
VIEW = "view"            # a view (slice, view(), t(), ...) of ``base``
DATA = "data"            # ``base.data``: same storage, no autograd tracking
DETACHED = "detached"    # ``base.detach()``: a leaf sharing the version counter of ``base``
GRAD = "grad"            # ``base.grad``: never requires grad
MODULE = "module"        # an nn.Module instance (``cls`` is its qualified or local class name)
PARAM = "param"          # a parameter of a module or from ``.parameters()``: a leaf that requires grad
PARAMS = "params"        # an iterable of parameters (``.parameters()``, ``group["params"]``)
NAMED_PARAMS = "named_params"  # ``.named_parameters()``: yields (name, PARAM)
PARAM_GROUPS = "param_groups"  # ``optimizer.param_groups``
PARAM_GROUP = "param_group"    # one dict of ``param_groups``
SEQ = "seq"              # a list/tuple literal; ``elems`` is the union of its elements
CLASS = "class"          # a class defined in this module
FUNC = "func"            # a function defined in this module
OPTIMIZER = "optimizer"  # a torch.optim optimizer; ``extra[0]``: the sites of the modules whose parameters it updates
INT = "int"              # a Python int (an element of ``range(...)``): an index that takes a view
UNKNOWN = "unknown"      # anything else; ``site`` tells unknowns of different origin apart

TENSOR_KINDS = frozenset({LEAF, DERIVED, VIEW, DATA, DETACHED, GRAD, PARAM})

# ``Obj.meta``: for a VIEW, how autograd saw it created (its ``CreationMeta``); an in-place write into such a view
# raises when it requires grad and grad mode is on. Views of views keep the first non-default meta, as torch does.
MULTI_OUTPUT = "multi-output"      # an output of unbind/split/chunk/split_with_sizes, or of iterating a tensor
NO_GRAD_VIEW = "no_grad"           # made while grad mode was off
INFERENCE_VIEW = "inference_mode"  # made in inference mode, of a normal tensor
CUSTOM_FUNCTION = "custom-function"  # returned by a custom autograd.Function, or by a module with a full backward hook
# For a LEAF/DERIVED/UNKNOWN: made in inference mode (an inference tensor, if it is a tensor at all).
INFERENCE = "inference"
# For a DERIVED: an input of ``nn.Module.forward`` assumed to require grad, as activations do, or a result that
# requires grad only because of such an input (``how`` names the input).
ASSUMED = "assumed-activation"
# ``Obj.extra`` of a view that torch makes only for some shapes (``reshape`` of a ``chunk`` output)
MAYBE_VIEW = "maybe-view"
# ``Obj.extra`` of a VIEW taken through ``reshape``/``flatten`` of an op's result: a view of that result when it is
# contiguous (the usual case), else a copy, which shares nothing with it (``TorchSemantics.reshape_view``)
RESHAPED = "reshaped"
VIEW_METAS = frozenset({MULTI_OUTPUT, NO_GRAD_VIEW, INFERENCE_VIEW, CUSTOM_FUNCTION})
# ``Obj.extra`` of a VIEW that stands for the tuple of views an op returned (``t.split(2)``): indexing it picks a view
TUPLE_OF_VIEWS = "tuple-of-views"
# ``Obj.meta`` of a SEQ whose elements are known only as a set (``elems``), not position by position (``extra``):
# grown in a loop, or where what was added is not known one by one
UNORDERED = "unordered"
MAX_SEQ_PARTS = 40  # a list grown past this many known positions is kept as a set of elements


class Obj:
    __slots__ = ("kind", "site", "base", "rg", "label", "node", "stmt", "origin", "elems", "cls", "extra", "meta", "how",
                 "_key", "_hash")

    def __init__(
        self,
        kind: str,
        site: object = None,
        *,
        base: "Optional[Obj]" = None,
        rg: Optional[bool] = None,
        label: str = "",
        node: object = None,
        stmt: object = None,
        origin: "FrozenSet[Obj]" = frozenset(),
        elems: "FrozenSet[Obj]" = frozenset(),
        cls: str = "",
        extra: Tuple = (),
        meta: str = "",
        how: str = "",
    ) -> None:
        self.kind = kind
        self.site = site          # hashable identity of the creating node (id) or a tuple
        self.base = base          # VIEW/DATA/DETACHED/GRAD: the object whose storage it shares
        self.rg = rg              # intrinsic requires_grad at creation: True / False / None (unknown)
        self.label = label        # how to describe where it came from ("torch.randn(..., requires_grad=True)")
        self.node = node          # CST node of the creation (for positions); not part of identity
        self.stmt = stmt          # statement that created it; not part of identity
        self.origin = origin      # DERIVED/DETACHED: the leaf objects it was computed from (flat)
        self.elems = elems        # SEQ: element objects
        self.cls = cls            # MODULE/CLASS/FUNC: class or function name
        self.extra = extra        # small hashable facts (e.g. disabled parameters of a module)
        self.meta = meta          # VIEW: its creation meta (``VIEW_METAS``); LEAF/DERIVED/UNKNOWN: INFERENCE or ""
        self.how = how            # with ``meta``: what made it ("unbind", "iteration", "torch.no_grad()", ...)
        self._key = (kind, site, base, rg, origin, elems, cls, extra, meta)
        self._hash = hash(self._key)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Obj) and self._hash == other._hash and self._key == other._key

    def __repr__(self) -> str:  # debugging aid
        inner = self.label or self.cls or ""
        return f"<{self.kind}{' ' + inner if inner else ''}{' of ' + repr(self.base) if self.base else ''}>"

    @property
    def is_tensor(self) -> bool:
        return self.kind in TENSOR_KINDS

    def root(self) -> "Obj":
        """The object owning the storage (and version counter): follows views, .data and detach()."""
        o = self
        while o.base is not None and o.kind in (VIEW, DATA, DETACHED):
            o = o.base
        return o


Value = FrozenSet[Obj]

UNKNOWN_OBJ = Obj(UNKNOWN, "unknown")
UNKNOWN_VALUE: Value = frozenset((UNKNOWN_OBJ,))
EMPTY: Value = frozenset()

# the most modules ``m.modules()`` is known to hold (each instance has its own: a model of a few blocks has dozens)
MAX_MODULE_TREE = 64
MAX_VALUE_SIZE = 12  # a value holding more possible objects than this degrades to UNKNOWN (keeps loops cheap)


def join_values(a: Value, b: Value) -> Value:
    if a is b or a == b:
        return a
    u = a | b
    if len(u) > MAX_VALUE_SIZE:
        return UNKNOWN_VALUE
    return u


def unknown(site: object) -> Value:
    return frozenset((Obj(UNKNOWN, site),))


Condition = Tuple[str, bool]  # a branch taken: the text of an ``if`` test (without a leading ``not``) and its value
SaveRecord = Tuple[str, object, Tuple[Condition, ...]]  # (op label, node, when): see ``State.saved``
MAX_CONDITIONS = 4  # a save known under more nested branch conditions than this is forgotten


class State:
    """What is known at one program point. Immutable-by-convention; ``copy()`` before changing.

    env:     name (or dotted ``self.attr``) -> Value
    rg:      objects that definitely require grad because code called ``requires_grad_()`` on them
    norg:    objects that definitely do not (``requires_grad_(False)``, ``requires_grad = False``)
    used:    objects that may have been an input of a grad-recording op (may-set)
    retain:  objects that called ``retain_grad()``
    grad:    grad mode: True / False / None (unknown)
    infer:   inference mode: True / False / None (unknown); True implies grad is False
    saved:   root object -> frozenset of (op label, node, when) that saved it for a backward still to come; ``when``
             is () when the save happened on every path here, else the branch conditions under which it did, each
             ``(test text, polarity)``, outermost first (a save in one branch of an ``if``: ``join_states``)
    overwritten: name -> (call node, module object): the name's tensor was overwritten in place by that call, whose
             result went elsewhere; reading the name sees the new values
    clobbered: root object -> the write: the function being analysed at a call site (or one it called) surely wrote
             that tensor in place; when it is the caller's argument, the caller's later reads see the new values
    stale:   object -> ((step node, optimizer text, module site, when), ...): its graph saved parameters that
             ``optimizer.step()`` has since updated in place; backpropagating it raises (``when``: the branch
             conditions under which the step ran, () when on every path)
    renewed: object -> (names, records): its allocation site ran again (in a loop) while the old copy stayed
             reachable (``spo.append(sp)``): ``names`` hold the new copy, which the ``records`` of ``saved`` (made
             before, on the old copy) do not concern (``Interpreter.forget_old_copy``)
    """

    __slots__ = ("env", "rg", "norg", "grafted", "graft_modules", "used", "retain", "grad", "infer", "saved",
                 "overwritten", "clobbered", "stale", "renewed", "consts", "training")

    def __init__(self) -> None:
        self.env: Dict[str, Value] = {}
        self.rg: FrozenSet[Obj] = frozenset()
        self.norg: FrozenSet[Obj] = frozenset()
        # tensors that did not require grad until an in-place write of one that does (``buf[0] = x``,
        # ``buf.copy_(x)``): autograd recorded the write, so they require grad now, as non-leaves
        self.grafted: FrozenSet[Obj] = frozenset()
        # the sites of the modules whose parameters the graph of what an in-place write put into a tensor saved
        # (``V_n[H] = values[H]`` with ``values`` computed by a model): an optimizer step of those modules makes
        # the tensor's graph stale, as it does the graph of an op's result (``Interpreter.saved_modules``)
        self.graft_modules: Dict[Obj, FrozenSet[object]] = {}
        self.used: FrozenSet[Obj] = frozenset()
        self.retain: FrozenSet[Obj] = frozenset()
        self.grad: Optional[bool] = True
        self.infer: Optional[bool] = False
        self.saved: Dict[Obj, FrozenSet[SaveRecord]] = {}
        self.overwritten: Dict[str, Tuple[object, Obj]] = {}
        self.clobbered: Dict[Obj, object] = {}
        # graphs an optimizer step made stale: object -> ((step call, optimizer text, module site), ...), one per step
        self.stale: Dict[Obj, Tuple[Tuple[object, str, object], ...]] = {}
        self.renewed: Dict[Obj, Tuple[FrozenSet[str], FrozenSet[SaveRecord]]] = {}
        # local names bound to a Python constant (``num_layers = len(sizes) - 1``): replaced, never changed in place
        self.consts: Dict[str, object] = {}
        # the training flag of module instances, by site, where known: an instance of our classes is built
        # training; ``model.eval()`` / ``model.train(False)`` / ``model.train()`` set it for the whole tree
        self.training: Dict[object, bool] = {}

    def copy(self) -> "State":
        s = State.__new__(State)
        s.env = dict(self.env)
        s.rg = self.rg
        s.norg = self.norg
        s.grafted = self.grafted
        s.graft_modules = dict(self.graft_modules)
        s.used = self.used
        s.retain = self.retain
        s.grad = self.grad
        s.infer = self.infer
        s.saved = dict(self.saved)
        s.overwritten = dict(self.overwritten)
        s.clobbered = dict(self.clobbered)
        s.stale = dict(self.stale)
        s.renewed = dict(self.renewed)
        s.consts = self.consts
        s.training = self.training
        return s

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, State)
            and self.grad == other.grad
            and self.infer == other.infer
            and self.env == other.env
            and self.rg == other.rg
            and self.norg == other.norg
            and self.grafted == other.grafted
            and self.graft_modules == other.graft_modules
            and self.used == other.used
            and self.retain == other.retain
            and self.saved == other.saved
            and self.overwritten == other.overwritten
            and self.clobbered == other.clobbered
            and self.stale == other.stale
            and self.renewed == other.renewed
            and self.consts == other.consts
            and self.training == other.training
        )

    def stale_of(self, o: Obj):
        """What made the graph of ``o`` stale (``stale``), also when ``o`` is a view of a tensor whose graph is."""
        while True:
            fact = self.stale.get(o)
            if fact is not None or o.kind != VIEW or o.base is None:
                return fact
            o = o.base

    def bind(self, name: str, value: Value) -> None:
        """Rebind ``name``; facts about its attributes (``name.x``) die with the old object."""
        env = self.env
        env[name] = value
        if self.overwritten:
            self.overwritten.pop(name, None)
        if self.renewed:
            self.drop_renewed_name(name)
        prefix = name + "."
        if any(map(str.startswith, env, repeat(prefix))):  # (in C: this runs for every binding)
            for k in [k for k in env if k.startswith(prefix)]:
                del env[k]

    def drop_renewed_name(self, name: str) -> None:
        """``name`` no longer holds the new copy of any renewed object."""
        renewed: Dict[Obj, Tuple[FrozenSet[str], FrozenSet[SaveRecord]]] = {}
        for o, (names, records) in self.renewed.items():
            if name in names:
                names = names - {name}
            if names:
                renewed[o] = (names, records)
        self.renewed = renewed

    def unbind(self, name: str) -> None:
        self.env.pop(name, None)
        if self.overwritten:
            self.overwritten.pop(name, None)
        if self.renewed:
            self.drop_renewed_name(name)
        prefix = name + "."
        if any(map(str.startswith, self.env, repeat(prefix))):
            for k in [k for k in self.env if k.startswith(prefix)]:
                del self.env[k]


def join_states(a: "Optional[State]", b: "Optional[State]",
                branches: "Optional[Callable[[], Tuple[Condition, Condition]]]" = None,
                split: "Optional[State]" = None,
                held_outside: "Optional[Callable[[], Set[Obj]]]" = None) -> "Optional[State]":
    """Join at a control-flow merge. ``None`` is the unreachable state. ``branches``: the merge of the two branches
    of an ``if`` (``a`` the one taken when the test holds), giving the condition each branch stands for (called
    only when needed): a tensor saved on one path only stays saved, under that path's condition. ``split``: the
    state both paths started from (the ``if``'s, the loop's entry), to tell the tensors made on a path.
    ``held_outside``: the objects that code outside these states still holds (the callers of the function being
    analysed), called only when needed; with ``branches``, see ``_join_saved``."""
    if a is None:
        return b.copy() if b is not None else None
    if b is None:
        return a.copy()
    s = State.__new__(State)
    env: Dict[str, Value] = {}
    for k, v in a.env.items():
        w = b.env.get(k)
        if w is None:
            # bound on one path only: it may be unbound on the other; keep what it may hold
            env[k] = v
        else:
            env[k] = join_values(v, w)
    for k, w in b.env.items():
        if k not in env:
            env[k] = w
    s.env = env
    s.rg = a.rg & b.rg
    s.norg = a.norg | b.norg
    s.grafted, s.graft_modules = _join_grafts(a, b)
    s.used = a.used | b.used
    s.retain = a.retain | b.retain
    s.grad = a.grad if a.grad == b.grad else None
    s.infer = a.infer if a.infer == b.infer else None
    s.saved = _join_saved(a, b, branches, split, held_outside) if a.saved or b.saved else {}
    s.overwritten = {k: v for k, v in a.overwritten.items() if b.overwritten.get(k) == v}
    s.clobbered = {k: v for k, v in a.clobbered.items() if k in b.clobbered} if a.clobbered and b.clobbered else {}
    s.stale = _join_stale(a, b, branches, split, held_outside) if a.stale or b.stale else {}
    s.renewed = {}
    s.consts = a.consts if a.consts == b.consts else {
        k: v for k, v in a.consts.items() if k in b.consts and b.consts[k] == v and type(b.consts[k]) is type(v)}
    s.training = a.training if a.training == b.training else {
        k: v for k, v in a.training.items() if b.training.get(k) is v}
    for o, (names, records) in a.renewed.items():
        other = b.renewed.get(o)
        if other is not None and names & other[0]:  # a name holds the new copy only if it does on both paths
            s.renewed[o] = (names & other[0], records | other[1])
    for this, that in ((a, b), (b, a)):
        for o, (names, records) in this.renewed.items():
            if o not in that.renewed:
                # renewed on one path only: a name that holds no copy of it on the other path (``output`` rebound
                # there) holds it from this path alone, where it is the new copy
                alone = frozenset(n for n in names if o not in that.env.get(n, ()))
                if alone:
                    s.renewed[o] = (alone, records)
    return s


def seq_parts(o: Obj) -> Optional[Tuple[Value, ...]]:
    """What a list or tuple (a SEQ) holds position by position, or None when only the set of its elements is known."""
    if o.kind != SEQ or o.meta == UNORDERED or (not o.extra and o.elems):
        return None
    return o.extra


def collect_refs(value: Value, into: Set[Obj], depth: int = 0) -> None:
    """Every object ``value`` can reach storage through: its objects, their bases, a sequence's elements."""
    for o in value:
        while o is not None and o not in into:
            into.add(o)
            if o.kind == SEQ and depth < 8:
                collect_refs(o.elems, into, depth + 1)
                for part in o.extra if isinstance(o.extra, tuple) else ():
                    if isinstance(part, frozenset):
                        collect_refs(part, into, depth + 1)
            o = o.base


def _join_grafts(a: State, b: State) -> Tuple[FrozenSet[Obj], Dict[Obj, FrozenSet[object]]]:
    """``State.grafted`` and ``State.graft_modules`` at a merge: what both paths wrote into a tensor (errors need
    certainty), except for a buffer that on the other path is still a plain leaf with no graph, which no backward goes
    through (filled with a model's output in a loop that may run no pass): where a backward goes through it, it is
    the writing path's."""
    grafted = a.grafted & b.grafted
    modules: Dict[Obj, FrozenSet[object]] = {}
    for this, that in ((a, b), (b, a)):
        for k, mods in this.graft_modules.items():
            if k in that.graft_modules:
                both = mods & that.graft_modules[k]
                if both:
                    modules[k] = both
            elif k.kind == LEAF and k.rg is not True and k not in that.grafted and k not in that.rg:
                modules[k] = mods
                if k in this.grafted:
                    grafted = grafted | {k}
    return grafted, modules


def _reachable(state: State) -> Set[Obj]:
    """The objects some name of ``state`` can reach."""
    held: Set[Obj] = set()
    for value in state.env.values():
        collect_refs(value, held)
    return held


def certain(records: FrozenSet[SaveRecord]) -> bool:
    """Some op surely saved the tensor (on every path that reaches here)."""
    return any(not r[2] for r in records)


class _Reach:
    """At one merge: what each state's names reach (``_reachable``) and what ``held_outside`` holds, each computed
    once and only when asked."""

    def __init__(self, held_outside: Optional[Callable[[], Set[Obj]]]) -> None:
        self._by_state: Dict[int, Set[Obj]] = {}
        self._held_outside = held_outside
        self._outside: Optional[Set[Obj]] = None

    def within(self, st: State, k: Obj) -> bool:
        found = self._by_state.get(id(st))
        if found is None:
            found = self._by_state[id(st)] = _reachable(st)
        return k in found

    def outside(self, k: Obj) -> bool:
        """``held_outside`` holds ``k`` (False without ``held_outside``)."""
        if self._held_outside is None:
            return False
        if self._outside is None:
            self._outside = self._held_outside()
        return k in self._outside


def _join_saved(sa: State, sb: State, branches, split: Optional[State],
                held_outside: Optional[Callable[[], Set[Obj]]] = None) -> Dict[Obj, FrozenSet[SaveRecord]]:
    """A tensor surely saved on both paths stays surely saved; so does one saved on one path that did not exist
    where the paths split and that no name reaches on the other path (made on that path only: in a loop's body, in
    one branch). Otherwise, at the merge of an ``if`` (``branches``), each path's records go on under that path's
    condition; at any other merge (loops, calls, ``try``), only a tensor saved on both paths is kept (errors need
    certainty).

    At the merge of an ``if``, the records of a path on which no name (nor ``held_outside``) reaches the op result
    any more are dropped: on that path no later write can reach it, and a name that holds it after the merge holds
    it from the other path, where it was not saved. (``if clip: h = torch.clamp(h, lo, hi)`` saves the old ``h``
    and rebinds ``h``: after the ``if``, ``h`` is that old tensor only where the clamp did not run.)"""
    a, b = sa.saved, sb.saved
    saved: Dict[Obj, FrozenSet[SaveRecord]] = {}
    conds: Optional[Tuple[Condition, Condition]] = None
    reach = _Reach(held_outside)

    def unreachable(k: Obj, st: State) -> bool:
        if k.kind != DERIVED or held_outside is None or isinstance(k.site, tuple) and k.site[:1] == ("param",):
            return False  # leaves, parameters, a function's inputs: held where the analysis may not see
        return not reach.within(st, k) and not reach.outside(k)

    for k in set(a) | set(b):
        v, w = a.get(k, frozenset()), b.get(k, frozenset())
        if v and w and (branches is None or certain(v) and certain(w)):
            saved[k] = v | w
            continue
        if (not v or not w) and split is not None and k not in split.saved:
            other = sb if v else sa
            if not reach.within(other, k) and not reach.within(split, k):
                saved[k] = v or w
                continue
        if (not v or not w) and split is not None and k in split.saved:
            saving, other = (sa, sb) if v else (sb, sa)
            if not reach.within(saving, k) and reach.within(other, k):
                # saved where the paths split, then made anew on the other path (which dropped the old copy's
                # save, ``forget_old_copy``): a name that reaches it after the merge holds the new copy; the saved
                # old one no name reaches (``relative_buckets`` of a helper called twice, made in one branch)
                continue
        if branches is not None:
            if conds is None:
                conds = branches()
            if v and unreachable(k, sa):
                v = frozenset()
            if w and unreachable(k, sb):
                w = frozenset()
            out = frozenset((label, node, when if cond in when else (cond,) + when)
                            for records, cond in ((v, conds[0]), (w, conds[1]))
                            for label, node, when in records if len(when) < MAX_CONDITIONS)
            if out:
                saved[k] = out
    return saved


def _join_stale(sa: State, sb: State, branches, split: Optional[State],
                held_outside: Optional[Callable[[], Set[Obj]]] = None) -> Dict[Obj, Tuple]:
    """A graph made stale on both paths stays stale. At the merge of an ``if`` (``branches``), a graph stale on one
    path only stays stale when a name (or ``held_outside``) reaches it on that path: under that path's condition
    (the step of a discriminator under ``if i % n_critic == 0:``, then a backward through the old graph: torch
    raises on the passes that stepped), or unconditionally when it was made on that path (it exists only there).
    At any other merge, only what both paths agree on is kept (errors need certainty)."""
    a, b = sa.stale, sb.stale
    out: Dict[Obj, Tuple] = {}
    conds = None
    reach = _Reach(held_outside)

    def reaches(st: State, k: Obj) -> bool:
        return reach.within(st, k) or (st is not split and reach.outside(k))

    before: Optional[Set[Tuple]] = None
    for k in set(a) | set(b):
        v, w = a.get(k, ()), b.get(k, ())
        if v == w:
            out[k] = v
            continue
        common = tuple(e for e in v if e in w)
        rest: List[Tuple] = []
        if branches is not None and split is not None:
            if before is None:
                before = {e for entries in split.stale.values() for e in entries}
            for entries, st, side in ((v, sa, 0), (w, sb, 1)):
                # (only steps made on that path: a step made before the ``if`` is certain, and a graph stale on
                # one path only is then one computed afresh on the other, which only a name-by-name analysis
                # could follow)
                extra = [e for e in entries if e not in common]
                if not extra or not reaches(st, k):
                    continue
                made_here = k not in split.stale and not reaches(split, k)
                if not made_here:
                    extra = [e for e in extra if e not in before]
                if extra and not made_here and conds is None:
                    conds = branches()
                for step, what, site, when in extra:
                    if not made_here:
                        cond = conds[side]
                        if len(when) >= MAX_CONDITIONS:
                            continue
                        when = when if cond in when else (cond,) + when
                    if (step, what, site, when) not in rest:
                        rest.append((step, what, site, when))
        if rest:
            out[k] = common + tuple(rest)
    return out


def restrict_stale(state: State, cond: Condition) -> None:
    """Entering a branch where ``cond`` holds: a step made only under the opposite condition did not happen here."""
    text, polarity = cond
    stale: Dict[Obj, Tuple] = {}
    for k, entries in state.stale.items():
        kept = tuple(e for e in entries if (text, not polarity) not in e[3])
        if kept:
            stale[k] = kept
    state.stale = stale


def restrict_saves(state: State, cond: Condition) -> None:
    """Entering a branch where ``cond`` holds: a save made under the opposite condition is taken not to have happened
    on this path (as when the test reads the same value both times; if it does not, a finding is lost, none made)."""
    if not any(r[2] for records in state.saved.values() for r in records):
        return
    text, polarity = cond
    saved: Dict[Obj, FrozenSet[SaveRecord]] = {}
    for k, records in state.saved.items():
        kept = frozenset(r for r in records if (text, not polarity) not in r[2])
        if kept:
            saved[k] = kept
    state.saved = saved
