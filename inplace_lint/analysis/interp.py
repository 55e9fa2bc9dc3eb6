"""The abstract interpreter: one walk over a LibCST module that tracks, per name, what tensor it may hold.

For every statement it knows, flow-sensitively (branches join, loops iterate to a fixed point, rebinding kills):
which names hold leaf tensors that require grad, views of them, ``.data`` aliases, detached copies, module instances,
parameters; whether grad mode is on. It knows no rule: it reports the facts it observes as events (``events.py``) to
whatever checks it is given, with a ``context.RuleContext`` they may query; the checks decide what is a finding.
Unknown provenance never produces an error. What torch functions, methods and modules do is in torch_semantics.py;
this file is the generic part (statements, expressions, control flow, environment).

Speed matters (a pre-commit hook on big repositories): no LibCST metadata providers; positions are computed only
when a file has findings; the walk dispatches on node type through a dict and skips whitespace nodes.
"""
from __future__ import annotations

import operator
import re
from dataclasses import fields as dataclass_fields, replace
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

from .. import ops
from ..diagnostics import REACHED_FROM_CALL, Diagnostic
from .context import RuleContext
from .events import (
    GradRead, HookKeptOverwritten, InplaceWrite, InplaceWriteOnGradUser, OverwrittenInputRead, RequiresGradSet,
)
from .names import (
    GRAD_OFF, NO_CHANGE, NOT_CONSTANT, assigned_only_names, bound_names, canonical, dotted, inference_mode_set_by, literal_value,
    module_constants, record_import, scope_bindings,
)
from .prefilter import CALL_DEPTH, mentions_torch
from .statements import (
    SuiteLine, body_statements, children_statements, class_method, inputs_without_gradient, is_docstring, is_static,
    mark_dirty_names, returned_values,
)
from .torch_semantics import (
    _PARAM_ATTRS, _PARAM_MODULE_PREFIXES, _RECURRENT_LAYERS, TorchSemantics, _root_name, all_parameters_of,
)
from .values import (
    CLASS, DATA, DERIVED, DETACHED, EMPTY, FUNC, GRAD, INT, LEAF, MODULE, NAMED_PARAMS, OPTIMIZER, PARAM, PARAM_GROUP,
    PARAM_GROUPS, PARAMS, SEQ, UNKNOWN, UNKNOWN_VALUE, VIEW, Obj, State, Value, collect_refs, join_states, join_values,
    restrict_saves, restrict_stale, seq_parts, unknown,
)
from .values import MAX_MODULE_TREE, MAX_SEQ_PARTS, MAX_VALUE_SIZE, UNORDERED
from .values import ASSUMED, MAYBE_VIEW, RESHAPED, TUPLE_OF_VIEWS, CUSTOM_FUNCTION, INFERENCE, INFERENCE_VIEW, MULTI_OUTPUT, NO_GRAD_VIEW, VIEW_METAS  # noqa: F401

MAX_LOOP_ITERATIONS = 6
# expressions that may be constants for ``self.x = ...`` (a call is one only as a predicate: not evaluated there)
_CONST_FORMS = (cst.Name, cst.Attribute, cst.Integer, cst.Float, cst.SimpleString, cst.BinaryOperation,
                cst.UnaryOperation, cst.Comparison, cst.BooleanOperation)
MAX_ALIKE_CALLS = 4  # a call of one of this many modules of one class built alike runs each one's forward
MAX_UNROLLED_CONSTANTS = 24  # a ``for v in cfg`` loop over a list of constants written in the function (VGG's)
MAX_UNROLLED_PASSES = 8  # a ``for i in range(<constants>)`` loop of at most this many passes runs pass by pass
MAX_CALL_DEPTH = CALL_DEPTH  # calls analysed inside calls analysed (the pre-filter's reach: the same number)
MAX_CALLS_ANALYSED = 150  # call sites analysed per module (the rest return an unknown value, as before)
TINY_EXTRA_DEPTH = 1  # helpers of at most three statements (``add_if_not_none``) are followed one call deeper
DESCENT_EXTRA_DEPTH = 5  # a recursive walk down a module tree (``for c in m.children(): walk(c)``) is followed this much deeper
GETTER_EXTRA_DEPTH = 2  # getters (``return self.language_model.get_input_embeddings()``) are followed this much deeper
RECHECK_CALLS = 40  # calls followed (at least) by a method analysed again with built constants
SUMMARY_CALLS = 24  # calls the run that computes a summary analyses at their call sites (beyond: their summaries)

_AUTOGRAD_FUNCTION_BASES = {"torch.autograd.Function", "torch.autograd.function.InplaceFunction", "Function"}
_AUTOGRAD_FUNCTION_METHODS = {"forward", "backward", "setup_context", "jvp", "vjp"}
_SCALAR_BUILTINS = {"len", "isinstance", "issubclass", "hasattr", "callable", "id", "hash", "str", "repr", "format",
                    "bool", "int", "float"}
# (besides those) look at a tensor without putting it in a graph; their result is not known
_TENSOR_RETURNING_METHODS = {"detach", "clone", "contiguous", "float", "double", "half", "bfloat16", "to", "cpu",
                             "cuda", "type_as", "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor"}
_STR_METHODS = {"format", "lower", "upper", "capitalize", "title", "strip"}
_INSPECTING_BUILTINS = {"getattr", "setattr", "delattr", "print", "type", "vars", "dir", "range", "dict"}
# the int arithmetic constants are computed through (``num_layers - 1``, ``cur_step % self.n_critic``)
_INT_OPERATORS = {cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul,
                  cst.Modulo: operator.mod, cst.FloorDivide: operator.floordiv}
_INT_OPERATOR_TYPES = tuple(_INT_OPERATORS)
_STR_PREDICATES = frozenset({"startswith", "endswith"})
_CONST_BUILTINS = {"max": max, "min": min, "abs": abs, "int": int, "bool": bool}


class _Marker:
    """A fact kept among the constants that is not a value (``const`` never returns one)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# an instance attribute that is surely not None: a module ``__init__`` built for it (``init_constants``)
NOT_NONE = _Marker("NOT_NONE")
# torch layers whose truth is their length
_CONTAINER_CLASSES = frozenset(("torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict",
                                "torch.nn.ParameterList", "torch.nn.ParameterDict"))
# ``enumerate``'s index past the first pass of a peeled loop (``Interpreter._peeled_loop``): 1 or more
LATER_PASS = _Marker("LATER_PASS")
# what a local name bound to a constant can be bound to (``n = len(sizes) - 1``, ``last = n if final else n - 1``)
_LOCAL_CONST_FORMS = _CONST_FORMS + (cst.IfExp, cst.Call)
_ITER_PASSTHROUGH = {"list", "tuple", "sorted", "reversed", "iter", "set", "frozenset"}


class _Report:
    __slots__ = ("node", "code", "message", "fix", "stmt", "related", "func", "severity", "home")

    def __init__(self, node, code, message, fix, stmt, related, func, severity=None, home=None) -> None:
        self.home = home  # the project file (``project.ForeignModule``) the node is in; None: the linted file
        self.severity = severity
        self.node = node
        self.code = code
        self.message = message
        self.fix = fix
        self.stmt = stmt
        self.related = related
        self.func = func


class _ClassInfo:
    __slots__ = ("name", "node", "is_module", "is_autograd_function", "is_optimizer", "attrs", "assigned_elsewhere",
                 "clobbers_input", "frozen", "bases", "built_once")

    def __init__(self, name: str, node: cst.ClassDef) -> None:
        self.name = name
        self.node = node
        self.is_module = False
        self.is_autograd_function = False
        self.is_optimizer = False  # a ``torch.optim.Optimizer`` subclass: what its methods compute is never backpropagated
        self.attrs: Dict[str, Value] = {}
        self.assigned_elsewhere: Set[str] = set()
        self.clobbers_input = False  # ``forward`` overwrites its first argument in place before rebinding it
        # the parameters ``__init__`` (analysed on its own) leaves not requiring grad (``self.emb.weight.requires_grad
        # = False``): so they are when another method starts
        self.frozen: FrozenSet[Obj] = frozenset()
        self.bases: List[str] = []  # its base classes that are classes of this module, in order
        # attributes another method than ``__init__`` sets, once in the whole class, to a new module
        # (``self.net = WeightedMF(...)`` in ``_initialize``): the module (``Interpreter.modules_built_once``)
        self.built_once: Optional[Dict[str, Value]] = None


class _Summary:
    """What a function does to the tensors its parameters hold, from one run of its body in which each parameter
    that gets a tensor at the call holds a tensor of its own, a placeholder, as sure to require grad as the argument
    is (``Interpreter.summary_of``): the in-place writes into them (directly, through a view, ``.data``, an
    in-place module, in the helpers it calls); which of them a graph it returns saved for backward; and, when every
    object it may return is one of them, a view of one or the result of an op, what it returns (with what was saved
    of a result). Computed once per function and signature (which parameters get tensors that surely require grad,
    surely do not, or may) and reused at every call the call-site analysis does not follow (deeper than
    ``MAX_CALL_DEPTH``, recursive, past the budget): there the facts are replayed on the arguments' tensors, in the
    caller's state (``Interpreter.apply_summary``)."""

    __slots__ = ("params", "writes", "returns", "parts", "used", "saves", "fresh")

    def __init__(self, params: Dict[Obj, str]) -> None:
        self.params = params  # placeholder -> the name of the parameter it stands for
        # (the write, grad mode at it in the summary's run, the function whose body makes it)
        self.writes: List[Tuple[InplaceWrite, Optional[bool], "_Function"]] = []
        # placeholders, views of them and op results; None: something else, or not known
        self.returns: Optional[Value] = None
        # a tuple it returns (``return ch, cc``), position by position (each a set of such objects); ``returns``
        # then holds all of them
        self.parts: Optional[Tuple[Value, ...]] = None
        self.used: FrozenSet[str] = frozenset()  # the parameters whose tensors it computes with (``State.used``)
        # parameter -> the records of the ops that saved its tensor in the graph of what it returns
        self.saves: Dict[str, FrozenSet] = {}
        self.fresh: Dict[Obj, FrozenSet] = {}  # an op result it returns -> the records of the ops that saved it


class _Function:
    """A function body waiting to be analysed."""

    __slots__ = ("_node", "cls", "qualname", "grad", "forced_grad", "infer", "role", "inputs", "dirty",
                 "without_gradient", "home", "name", "decorators_read", "not_activations", "activation_lists",
                 "loader")

    def __init__(self, node: Optional[cst.FunctionDef], cls: Optional[_ClassInfo], qualname: str, grad: Optional[bool],
                 forced_grad: bool) -> None:
        self._node = node
        self.name = node.name.value if node is not None else qualname.rpartition(":")[2]
        self.cls = cls
        self.qualname = qualname
        self.grad = grad              # grad mode at entry
        self.forced_grad = forced_grad  # fixed by a decorator or by being autograd.Function.forward
        self.infer: Optional[bool] = False  # inference mode at entry (``@torch.inference_mode()``)
        # in a torch.autograd.Function: "forward"/"backward", the objects of its tensor parameters (inputs of
        # forward, incoming gradients of backward) and, for forward, those passed to ctx.mark_dirty
        self.role: Optional[str] = None
        self.inputs: FrozenSet[Obj] = frozenset()
        self.dirty: FrozenSet[Obj] = frozenset()
        # for forward, the names of its inputs whose gradient backward always returns as None
        self.without_gradient: FrozenSet[str] = frozenset()
        self.home = None  # the project file it is defined in (``project.ForeignModule``); None: this one
        self.decorators_read = False  # for a function of another file: grad and forced_grad set from its decorators
        # parameters of a ``forward`` that every call site in view fills with a list or tuple: not activations
        self.not_activations: FrozenSet[str] = frozenset()
        self.activation_lists: FrozenSet[str] = frozenset()  # (of them, lists of activations: ``recheck_sequence_inputs``)
        # for a function of this file LibCST saw as a stub (``prefilter.Plan.lazy``): parses the real ``def``
        self.loader: Optional[Callable[[], Optional[cst.FunctionDef]]] = None

    @property
    def node(self) -> Optional[cst.FunctionDef]:
        """The ``def``; a function of another file, or of this one left as a stub by the pre-filter, is parsed on
        first use (most are never used)."""
        if self.loader is not None:
            real, self.loader = self.loader(), None
            if real is not None:
                self._node = real
        if self._node is None and self.home is not None:
            self._node = self.home.function(self.name)
        return self._node


class Interpreter(TorchSemantics):
    """The generic abstract interpreter: statements, expressions, control flow, environment. What torch calls do
    is ``TorchSemantics`` (torch_semantics.py)."""

    def __init__(self, module: cst.Module, checks: Sequence, project=None) -> None:
        self.module = module
        self.project = project  # ``project.Project``: the files of the project this one imports from
        self.foreign_globals: Dict[object, Dict[str, Value]] = {}
        self.checks = checks
        self.context = RuleContext(self)
        self.mod_imports: Dict[str, str] = {}
        self.imports: Dict[str, str] = self.mod_imports
        self.state: Optional[State] = State()
        self.stmt: Optional[cst.CSTNode] = None
        self.reports: Dict[Tuple[int, str], _Report] = {}
        self.bw_hooked: Set[object] = set()  # sites of modules given a full backward hook (once, anywhere before)
        self.bw_hooked_all = False  # ``register_module_full_backward_hook``: every module has one
        self.fwd_hook_writes: Dict[object, List[Tuple]] = {}  # module site -> in-place writes its forward hooks make
        self.fwd_hook_keeps: Dict[object, List[cst.CSTNode]] = {}  # module site -> its hooks' stores of ``output``
        # the outputs forward hooks kept during the module call that is running (root -> (store, hooked module)),
        # and how many module calls are running (the kept outputs are forgotten when the outermost returns)
        self.hook_kept: Dict[Obj, Tuple[cst.CSTNode, Obj]] = {}
        self.module_depth = 0
        # an nn.ModuleList (one state of it) -> the modules at each position, when given and appended in order
        self.module_list_order: Dict[Obj, Tuple[Value, ...]] = {}
        self.params_modules: Dict[int, List[Obj]] = {}  # ``m.parameters()`` site -> the modules whose parameters it yields
        # call-site analysis of this module's functions (``call_function``): the calls being analysed (innermost
        # last), what the function returns there, and how many calls are left to analyse
        self.seq_layers: Dict[object, Tuple] = {}  # nn.Sequential site -> its (argument node, layer value)s
        # nn.Sequential site -> the layers it holds, order not known (``nn.Sequential(*layers)`` of a list filled
        # in a loop or in branches, ``add_module`` in a loop): what it may run, not in what order
        self.seq_unordered: Dict[object, Value] = {}
        # nn.ModuleDict site -> key (None: a key not known) -> the modules stored under it
        self.module_dicts: Dict[object, Dict[Optional[str], Value]] = {}
        self.loops_active = 0  # loops being run, in the function analysed and in its callers up the call stack
        self._synthetic: Dict[tuple, cst.Name] = {}  # (list site, position) -> a node standing for a layer there
        # module site -> the statement that set ``m.inplace = True`` on it after construction (a ``.modules()`` loop)
        self.inplace_flips: Dict[object, cst.CSTNode] = {}
        self.device_copies: Set[Obj] = set()  # the copies ``x.cpu()`` makes off the CPU (``device_copy``)
        self.inplace_off: Set[object] = set()  # module sites built with ``inplace=True`` and set back by ``m.inplace = False``
        self.fn_by_qual: Dict[str, _Function] = {}
        # instance site -> the parameters its ``__init__`` (run with its arguments) left not requiring grad
        self.instance_frozen: Dict[object, FrozenSet[Obj]] = {}
        self.dict_entries: Dict[object, Dict[Optional[str], Value]] = {}  # dict literal site -> key -> what it holds
        # graph liveness, for saves made inside a call analysed at its call site (``drop_dead_saves``): root object ->
        # the nodes of the ops that saved something in its graph (its history); the nodes whose saves are tracked
        # so; the nodes whose graph went where the analysis cannot follow (an argument of a call not analysed); the
        # results of calls not analysed made during each call being analysed (innermost last)
        self.graph_nodes: Dict[Obj, FrozenSet[int]] = {}
        self.tracked_saves: Set[int] = set()
        self.escaped_saves: Set[int] = set()
        self.opaque_made: List[Set[Obj]] = []
        # the call whose arguments were last evaluated, with them
        self._args_of: Tuple[int, List[Value], Dict[str, Value]] = (0, [], {})
        self._recv_of: Tuple[int, Value] = (0, EMPTY)  # the method call whose receiver was last evaluated
        # the call with a starred argument whose arguments were last evaluated, with each argument's own value
        self._star_args: Tuple[int, List[Value]] = (0, [])
        self.instance_attrs: Dict[object, Dict[str, Value]] = {}  # instance site -> attributes its __init__ set
        self.instance_consts: Dict[object, Dict[str, object]] = {}  # instance site -> constants __init__ stored
        # instance site -> attributes other methods set (``self.y = x`` in ``forward``), as the last call of one
        # analysed for that instance left them
        self.later_attrs: Dict[object, Dict[str, Value]] = {}
        self._getattr_nodes: Dict[Tuple[int, str], cst.Attribute] = {}  # ``getattr(nn, "ReLU")`` read as ``nn.ReLU``
        # (op node id, output saved) -> the tensors given to that op, for an output it saved (``record_saves``)
        self.result_save_inputs: Dict[Tuple[int, Obj], FrozenSet[Obj]] = {}
        # (function, call node, the environment of the code that made the outermost call)
        self.call_stack: List[Tuple[_Function, cst.Call, Dict[str, Value]]] = []
        self.caller_states: List[State] = []  # the state of each caller of the call being analysed, outermost first
        self.call_root: Optional[_Function] = None
        # what each ``return`` of the function being analysed gives, the state there, and whether it surely is not
        # None (``surely_not_none``)
        self.returns: Optional[List[Tuple[Value, State, bool]]] = None
        # calls analysed at their call site whose every exit returns something surely not None (``activ =
        # get_activation("relu")`` then ``if activ is not None:``), by call node
        self.not_none_calls: Set[int] = set()
        self.bound_stmts: Dict[str, cst.CSTNode] = {}  # the function running: name -> the statement that last bound it
        self.made_depth: Dict[object, int] = {}  # a result computed in a called function: site -> call depth there
        self.singletons: Set[object] = set()  # sites of instances built once (``straight_module_level``)
        self._top_level: Optional[Set[int]] = None
        # call node -> the positions of the tuple the call returns that are surely not None on every path
        self.not_none_parts: Dict[int, FrozenSet[int]] = {}
        self.call_budget = MAX_CALLS_ANALYSED
        # function summaries (``summary_of``): (``def`` node id, signature, constant arguments) -> its summary (None
        # while it is being computed: a recursive call learns nothing); the events of the summary being computed
        # (None: checks get them)
        self.summaries: Dict[tuple, Optional[_Summary]] = {}
        self.summarizing: List[_Function] = []  # the functions whose summaries are being computed (innermost last)
        self.summary_log: Optional[List[Tuple[InplaceWrite, Optional[bool], _Function]]] = None
        self.classes: Dict[str, _ClassInfo] = {}
        self.functions: List[_Function] = []
        self.calls: Dict[str, List[Tuple[Optional[_Function], Optional[bool]]]] = {}
        self.forward_args: Dict[str, List[List[Value]]] = {}  # forward -> the positional arguments of its calls
        self.current: Optional[_Function] = None
        self.small: Optional[cst.CSTNode] = None  # the small statement (Assign, Expr, ...) being executed
        self.current_cls: Optional[_ClassInfo] = None
        self.loop_exits: List[Tuple[List[State], List[State]]] = []  # (break states, continue states)
        self.loop_nodes: List[cst.CSTNode] = []  # the loops of the function being analysed that are running
        self.globals_env: Dict[str, Value] = {}
        self.defined_before_class: Dict[str, Value] = {}
        # constants: the parameters of the function being analysed for a call that passed a constant (or left a
        # constant default) and that it never rebinds; the module's (``module_constants``, computed when needed)
        self.consts: Dict[str, object] = {}
        self._module_consts: Optional[Dict[str, object]] = None
        # ``types.SimpleNamespace(a=..., b=...)`` objects (by site): the attributes given to the constructor;
        # and the attribute names the file ever stores (None: it calls ``setattr``/``vars`` or reads ``__dict__``)
        self.namespace_attrs: Dict[object, Dict[str, Value]] = {}
        self.type_aliases: Dict[str, str] = {}  # ``t = type(m)``: t -> m (until ``t`` is bound again)
        self._stored_attr_names: Optional[Set[str]] = None
        self._const_calls = 0  # ``predicate_const`` calls being evaluated (a helper calling a helper: two at most)
        # the instances whose ``__init__`` is running for a call (innermost last): modules built there are theirs
        # alone (two ``Mlp()`` hold different layers), so their sites carry the instance (``alloc_site``)
        self.alloc_ctx: List[object] = []
        self.next_passes = 0  # loops running their extra pass from the end of a pass (``_run_loop``)
        self._loop_writes: Dict[int, Set[str]] = {}  # loop node -> ``_inplace_written_names`` of its body
        # (loop node, its loop variables) -> its body can run pass by pass (``_unrollable_body``)
        self._unrollable: Dict[Tuple[int, Tuple[str, ...]], bool] = {}
        self._constant_lists: Dict[Tuple[int, str], Optional[cst.BaseExpression]] = {}
        self._first_pass_tests: Dict[int, bool] = {}  # loop node -> its body tests its first pass (``_peeled_loop``)
        # ``m.named_parameters()`` site -> what it yields name by name, when known (``named_parameter_list``)
        self.named_params_lists: Dict[int, Optional[List[Tuple[str, Obj]]]] = {}
        self.named_modules_lists: Dict[object, List[Tuple[str, Obj]]] = {}  # ``m.named_modules()`` site -> its pairs
        self._class_consts: Dict[str, Dict[str, object]] = {}  # class -> ``class_consts`` (without ``self.``)
        # class -> the constants each instance the program builds got from its ``__init__`` (``built_consts``)
        self.constructions: Dict[str, List[Dict[str, object]]] = {}
        self.custom_optimizer_owners: Dict[object, FrozenSet[object]] = {}  # instance -> modules its params are of
        self.row_loops: Dict[int, FrozenSet[Obj]] = {}  # for-loop -> the tensors whose rows it iterates
        # instance site -> index in ``caller_states`` of the state of its ``__init__`` while it runs for a call (a
        # helper it calls with ``self``, ``initialize_weights(self)``, sees what it has set so far)
        self.init_frames: Dict[object, int] = {}
        self._bound_names: Dict[int, Set[str]] = {}  # (module-level) classes and functions bound before it
        self.module_bindings: Dict[str, int] = {}
        self.grad_used: Set[Obj] = set()
        self.created_sites: Set[object] = set()  # sites of modules/tensors created in the function being analysed
        # modules of ours built and not called, nor handed to a call, since (``clone = Net(...)`` then
        # ``clone.load_state_dict(...)``: no graph can hold this instance's parameters yet, whatever an earlier
        # instance built at the same place did)
        self.fresh_modules: Set[object] = set()
        # top-level functions that code blanked by the pre-filter mentions: their callers' grad mode is unknown
        self.uncertain_callers: FrozenSet[str] = frozenset()
        # functions and methods that cannot report nor reach what can (``prefilter.plan``): analysed only where
        # they are called, never on their own
        self.callee_only: FrozenSet[str] = frozenset()
        self.blanked_assigned: Dict[str, Set[str]] = {}  # class -> ``self.x`` its blanked methods assign
        self.lazy_units = None  # ``project.LazyUnits``: the functions and methods LibCST saw as a stub
        self.pending: List[Tuple[Callable[[], None], FrozenSet[Obj]]] = []
        self._obj_cache: Dict[tuple, Obj] = {}
        self._rebinding: Optional[FrozenSet[str]] = None  # names the assignment being evaluated rebinds
        # objects the assignment being evaluated made anew while their old copies stay held, with the old copies'
        # saves; those of the assignment evaluated last, for ``renew``
        self._renewals: List[Tuple[Obj, FrozenSet]] = []
        self._expanded_stars: Set[int] = set()  # calls whose ``*args`` were all known element by element
        self._stale_marked: Set[Obj] = set()  # unknown results given a stale graph by ``stale_through_unknown``
        self._last_renewals: List[Tuple[Obj, FrozenSet]] = []
        self._renewal_state: Optional[State] = None  # the state of the assignment being evaluated
        self._eval = {
            cst.Name: self.ev_Name,
            cst.Attribute: self.ev_Attribute,
            cst.Call: self.ev_Call,
            cst.BinaryOperation: self.ev_BinaryOperation,
            cst.UnaryOperation: self.ev_UnaryOperation,
            cst.Subscript: self.ev_Subscript,
            cst.Tuple: self.ev_Sequence,
            cst.List: self.ev_Sequence,
            cst.Integer: self.ev_Constant,
            cst.Float: self.ev_Constant,
            cst.Imaginary: self.ev_Constant,
            cst.SimpleString: self.ev_Constant,
            cst.ConcatenatedString: self.ev_Constant,
            cst.Ellipsis: self.ev_Constant,
            cst.IfExp: self.ev_IfExp,
            cst.NamedExpr: self.ev_NamedExpr,
            cst.Lambda: self.ev_Lambda,
        }
        self._exec = {
            cst.SimpleStatementLine: self.ex_SimpleStatementLine,
            cst.If: self.ex_If,
            cst.For: self.ex_For,
            cst.While: self.ex_While,
            cst.With: self.ex_With,
            cst.Try: self.ex_Try,
            cst.FunctionDef: self.ex_FunctionDef,
            cst.ClassDef: self.ex_ClassDef,
            SuiteLine: self.ex_SimpleStatementLine,
        }
        self._small = {
            cst.Expr: self.sx_Expr,
            cst.Assign: self.sx_Assign,
            cst.AugAssign: self.sx_AugAssign,
            cst.AnnAssign: self.sx_AnnAssign,
            cst.Return: self.sx_Return,
            cst.Raise: self.sx_Raise,
            cst.Break: self.sx_Break,
            cst.Continue: self.sx_Continue,
            cst.Import: self.sx_Import,
            cst.ImportFrom: self.sx_Import,
            cst.Del: self.sx_Del,
            cst.Global: self.sx_Global,
            cst.Nonlocal: self.sx_Global,
            cst.Assert: self.sx_Assert,
        }

    # ------------------------------------------------------------------ driver
    def run(self) -> List[_Report]:
        self.exec_block(self.module.body)
        if self.state is not None:
            for name, count in self.module_bindings.items():
                if count == 1 and name in self.state.env:
                    self.globals_env[name] = self.state.env[name]
        i = 0
        while i < len(self.functions):  # functions may queue nested functions
            fn = self.functions[i]
            if fn.qualname not in self.callee_only:
                self.analyze_function(fn)
            i += 1
        self.recheck_sequence_inputs()
        self.recheck_grad_off_helpers()
        self.recheck_built_constants()
        return list(self.reports.values())

    def recheck_sequence_inputs(self) -> None:
        """A ``forward`` to which every call site in view passes a list or tuple for a parameter
        (``self.detector([f1, f2])``), or a module, an optimizer, a function, an instance of a class of ours
        (``self.text_encoder(self, names)``), does not take an activation tensor there: it is analysed on its own
        again without assuming one (the call sites decide when the program shows them)."""
        for fn in list(self.functions):
            sites = self.forward_args.get(fn.qualname)
            if not sites or fn.cls is None or fn.node is None or fn.node.name.value != "forward":
                continue
            params = list(fn.node.params.posonly_params) + list(fn.node.params.params)
            names, lists = set(), set()
            for i, p in enumerate(params[1:]):  # after ``self``
                values = [site[i] for site in sites if i < len(site)]
                if len(values) == len(sites) and all(v and (all(_not_a_tensor(o) for o in v) or any(
                        o.kind == SEQ for o in v)) for v in values):
                    # (or a list on some paths: ``x = y[m.f] if isinstance(m.f, int) else [y[j] for j in m.f]``
                    # before ``x = m(x)`` over YOLO's layers, where the detection head is the one given the list)
                    names.add(p.name.value)
                    if any(o.kind == SEQ for v in values for o in v):
                        lists.add(p.name.value)
            keys = [k for k, rep in self.reports.items() if rep.func is fn]
            if not names or not keys:
                continue
            fn.not_activations = frozenset(names)
            fn.activation_lists = frozenset(lists)
            self.analyze_again(fn, keys)

    def recheck_built_constants(self) -> None:
        """A method analysed on its own knows of ``self.inplace = inplace`` only what ``__init__`` alone decides. When
        the program builds instances of the class (``Model(inplace=False)`` passing it down to ``Detect(...,
        inplace=inplace)``), what all of them got alike is a constant of every instance in view: a method with
        findings is analysed again with those constants (the call sites decide when the program shows them)."""
        for cls_name, built in self.constructions.items():
            cls = self.classes.get(cls_name)
            if cls is None or not built:
                continue
            agreed = {attr: value for attr, value in _agreed_constants(built).items()
                      if not isinstance(value, _Marker)}
            redo = [fn for fn in self.functions if fn.cls is cls and fn.node is not None
                    and fn.node.name.value != "__init__" and fn.qualname not in self.callee_only
                    and any(rep.func is fn for rep in self.reports.values())]
            if not redo:
                continue
            self.class_consts(redo[0])  # (what ``__init__`` alone decides, computed once)
            known = self._class_consts.get(cls_name, {})
            extra = {attr: value for attr, value in agreed.items() if attr not in known}
            if not extra:
                continue
            self._class_consts[cls_name] = {**known, **extra}
            for fn in redo:
                # (with calls to follow as its first analysis had them, whatever the module's budget has left)
                budget, self.call_budget = self.call_budget, max(self.call_budget, RECHECK_CALLS)
                try:
                    self.analyze_again(fn, [k for k, rep in self.reports.items() if rep.func is fn])
                finally:
                    self.call_budget = budget

    def analyze_again(self, fn: _Function, keys: List[Tuple[int, str]]) -> None:
        """Drop the findings ``keys`` of ``fn``'s own analysis and analyse it on its own again (its entry facts
        changed: grad mode, which parameters are activations)."""
        for key in keys:
            del self.reports[key]
        self.analyze_function(fn)

    def _enter(self, fn: _Function, state: State, returns: Optional[List] = None,
               consts: Optional[Dict[str, object]] = None) -> Tuple:
        """Start on the body of ``fn`` in ``state`` (a function's own bookkeeping, fresh); what ``_leave`` restores."""
        prev = (self.state, self.imports, self.current, self.current_cls, self.loop_exits, self.grad_used,
                self.pending, self.created_sites, self.returns, self.stmt, self.small, self.consts, self.loop_nodes,
                self.bound_stmts)
        imports = fn.home.imports if fn.home is not None else self.mod_imports
        self.state, self.imports, self.current, self.current_cls = state, dict(imports), fn, fn.cls
        self.loop_exits, self.grad_used, self.pending, self.created_sites, self.returns = [], set(), [], set(), returns
        self.consts = consts or {}
        self.loop_nodes = []
        self.bound_stmts = {}
        return prev

    def _leave(self, prev: Tuple) -> None:
        (self.state, self.imports, self.current, self.current_cls, self.loop_exits, self.grad_used, self.pending,
         self.created_sites, self.returns, self.stmt, self.small, self.consts, self.loop_nodes, self.bound_stmts) = prev

    def _bind_self_attrs(self, env: Dict[str, Value], cls: _ClassInfo, instance_attrs: Dict[str, Value]) -> None:
        """``self.x`` for a method other than ``__init__``: what ``__init__`` set, for this instance when known, and
        the modules other methods set once (``modules_built_once``)."""
        for attr, value in cls.attrs.items():
            if attr not in cls.assigned_elsewhere:
                env["self." + attr] = value
        for attr, value in self.modules_built_once(cls).items():
            env.setdefault("self." + attr, value)
        for attr, value in instance_attrs.items():
            env["self." + attr] = value

    def modules_built_once(self, cls: _ClassInfo) -> Dict[str, Value]:
        """The attributes that a method other than ``__init__`` sets to a new module, by the only assignment of
        that attribute in the class (``self.net = WeightedMF(...)`` in ``_initialize``): any other method that reads
        it without an AttributeError reads that module (for no instance in particular: what its class's
        ``__init__`` sets, analysed on its own)."""
        if cls.built_once is not None:
            return cls.built_once
        counts: Dict[str, int] = {}
        calls: Dict[str, cst.Call] = {}
        for stmt in body_statements(cls.node.body):
            if type(stmt) is not cst.FunctionDef:
                continue
            params = _all_params(stmt)
            if not params or is_static(stmt):
                continue
            first = params[0].name.value
            for small in _assignments(stmt):
                for attr in _assigned_self_attrs(small, first):
                    counts[attr] = counts.get(attr, 0) + 1
                    if (stmt.name.value != "__init__" and type(small) is cst.Assign
                            and type(small.value) is cst.Call):
                        calls[attr] = small.value
        out: Dict[str, Value] = {}
        for attr, call in calls.items():
            if counts.get(attr) != 1:
                continue
            name = dotted(call.func)
            q = self.qualname(call.func)
            local = self.classes.get(name) if name is not None else None
            if local is not None and local.is_module:
                kind_cls = name
            elif q is not None and q.startswith("torch.nn.") and q.count(".") == 2 and q[9:10].isupper():
                kind_cls = q
            else:
                continue
            out[attr] = frozenset((self.obj(MODULE, ("built-once", cls.name, attr), cls=kind_cls, node=call),))
        cls.built_once = out
        return out

    @staticmethod
    def _self_attrs(env: Dict[str, Value]) -> Dict[str, Value]:
        """What an ``__init__`` left in ``self.x`` (one level deep)."""
        return {k[5:]: v for k, v in env.items() if k.startswith("self.") and k.count(".") == 1}

    def alloc_site(self, site: object) -> object:
        """The site of a module built at ``site`` (a node id): with the instance whose ``__init__`` builds it, when
        one runs for a call."""
        return (site, self.alloc_ctx[-1]) if self.alloc_ctx else site

    def property_of(self, cls: str, name: str) -> Optional[_Function]:
        """The getter of property ``name`` of our class ``cls`` (its own or a base's), or None."""
        fn = self.method_of(cls, name)
        return fn if fn is not None and fn.node is not None and _is_property(fn.node) else None

    def method_of(self, cls: str, name: str, skip_own: bool = False) -> Optional[_Function]:
        """The method ``name`` an instance of our class ``cls`` runs: its own, else the first one its base classes
        of this module define (depth first, as Python's MRO for single inheritance). ``skip_own``: from the bases
        only (``super().name``)."""
        todo = list(self.classes[cls].bases) if skip_own and cls in self.classes else [cls]
        seen: Set[str] = set()
        while todo:
            c = todo.pop(0)
            if c in seen:
                continue
            seen.add(c)
            fn = self.fn_by_qual.get(f"{c}.{name}")
            if fn is not None:
                return fn
            info = self.classes.get(c)
            if info is not None:
                todo[0:0] = info.bases
        return None

    def instance_attrs_of(self, cls: _ClassInfo, env: Dict[str, Value]) -> Dict[str, Value]:
        """What ``__init__``, run for one instance, left in ``self.x``; where that is only unknown (a call too deep
        to analyse) but what ``__init__`` stores for any instance is known (``self.out = Output()``), the latter."""
        own = self._self_attrs(env)
        for attr, value in own.items():
            general = cls.attrs.get(attr)
            if general and all(o.kind == UNKNOWN for o in value) and not all(o.kind == UNKNOWN for o in general):
                own[attr] = general
        return own

    def analyze_function(self, fn: _Function, globals_env: Optional[Dict[str, Value]] = None) -> None:
        """Analyse ``fn`` on its own (its parameters unknown), seeing ``globals_env`` (default: the module's names
        bound once)."""
        node = fn.node
        state = State()
        state.grad = fn.grad
        state.infer = fn.infer
        prev = self._enter(fn, state, consts=self.class_consts(fn))
        env = self.state.env
        for name, value in (self.globals_env if globals_env is None else globals_env).items():
            env[name] = value
        params = node.params
        all_params = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        if type(params.star_arg) is cst.Param:
            all_params.append(params.star_arg)
        if params.star_kwarg is not None:
            all_params.append(params.star_kwarg)
        role = None
        if fn.cls is not None and fn.cls.is_autograd_function and node.name.value in ("forward", "backward"):
            role = node.name.value
            has_setup = class_method(fn.cls.node, "setup_context") is not None
            skip = 0 if (role == "forward" and has_setup) else 1  # ctx comes first unless setup_context is used
            fn.role = role
        # the tensors ``nn.Module.forward`` receives are activations: they require grad in a realistic use (the
        # module sits after a layer with parameters); findings that rely on it say so
        assume_activations = (fn.cls is not None and fn.cls.is_module and node.name.value == "forward"
                              and fn.grad is True)
        for i, p in enumerate(all_params):
            name = p.name.value
            if i == 0 and fn.cls is not None and name in ("self", "cls") and not is_static(node):
                self._bind_own_self(fn, name)
            elif assume_activations and p is not params.star_arg and p is not params.star_kwarg \
                    and _maybe_activation(p) and (name not in fn.not_activations or name in fn.activation_lists):
                activation = frozenset((self.obj(
                    DERIVED, ("param", id(node), name), rg=True, label=f"the input `{name}` of `forward`", node=p.name,
                    meta=ASSUMED, how=name),))
                if name in fn.activation_lists:
                    # a list the call sites pass (``Detect.forward(x)`` given the feature maps): of activations
                    activation = frozenset((self.obj(SEQ, ("param-list", id(node), name), elems=activation,
                                                     meta=UNORDERED, node=p.name),))
                self.state.bind(name, activation)
            else:
                self.state.bind(name, unknown(("param", id(node), name)))
                if role is not None and i >= skip and p is not params.star_kwarg:
                    fn.inputs = fn.inputs | self.state.env[name]
        if role == "forward":
            dirty = mark_dirty_names(node)
            fn.dirty = frozenset(o for n in dirty for o in self.state.env.get(n, ()))
            fn.without_gradient = inputs_without_gradient(fn.cls.node)
        self.exec_block(body_statements(node.body))
        self.flush_pending()
        if node.name.value == "__init__" and fn.cls is not None and self.state is not None:
            fn.cls.attrs.update(self._self_attrs(self.state.env))
            fn.cls.frozen = frozenset(o for o in self.state.norg if o.kind == PARAM)
        self._leave(prev)

    def _bind_own_self(self, fn: _Function, name: str) -> None:
        """``self`` (or ``cls``) of a method analysed on its own: an instance of its class with what ``__init__``
        sets (for no instance in particular)."""
        self.state.bind(name, frozenset((self.obj(MODULE if fn.cls.is_module else UNKNOWN, ("self", fn.cls.name),
                                                  cls=fn.cls.name),)))
        if name == "self" and fn.node.name.value != "__init__":
            self._bind_self_attrs(self.state.env, fn.cls, {})
            if fn.cls.frozen:
                self.state.norg = self.state.norg | fn.cls.frozen

    def signature(self, fn: _Function, bound: Dict[str, Value]) -> Tuple[str, ...]:
        """For each parameter of ``fn``, what the call gives it: "1" tensors that surely require grad, "0" tensors
        that surely do not, "?" tensors that may, "-" anything else (``self``, a module, a list, nothing known):
        ``summary_of``'s key."""
        out = []
        for p in _all_params(fn.node):
            value = bound.get(p.name.value)
            if not value or not all(o.is_tensor for o in value):
                out.append("-")
            elif all(self.is_rg(o) for o in value):
                out.append("1")
            elif all(self.surely_no_grad(o) for o in value):
                out.append("0")
            else:
                out.append("?")
        return tuple(out)

    def callee_globals(self, fn: _Function) -> Dict[str, Value]:
        """The global names ``fn`` sees when called now: its own file's for a function of another file; while the
        module's code runs, the names it has bound so far (in an ``__init__`` run as its class is defined, the
        classes, functions and tables of them defined before the class); else the module's names bound once."""
        if fn.home is not None:
            return self.globals_of(fn.home)
        if self.call_root is None if self.call_stack else self.current is None:
            module_env = self.call_stack[0][2] if self.call_stack else self.state.env
            return {k: v for k, v in module_env.items() if "." not in k}
        # (an ``__init__`` analysed as its class is defined: what the module defined before the class)
        return self.globals_env or self.defined_before_class

    def summary_of(self, fn: _Function, sig: Tuple[str, ...], consts: Dict[str, object]) -> Optional[_Summary]:
        """``fn``'s summary (``_Summary``) for the signature ``sig`` and the constant arguments ``consts`` (as
        ``call_consts`` gives them: ``dim=None`` decides ``if dim is None:``), computed on first use by running its
        body on its own, nothing reported, with a placeholder tensor in each parameter ``sig`` gives a tensor (one
        that requires grad for "1", does not for "0", may for "?") and an unknown value in the others; None for a
        function being summarized (a recursive call) or that cannot be."""
        node = fn.node
        if node is None:
            return None
        if consts and any(f is fn for f in self.summarizing):
            consts = {}  # a recursion whose constants change each level (``f(t, n - 1)``): one summary for all
        key = (id(node), sig, repr(sorted(consts.items(), key=lambda kv: kv[0])))
        if key in self.summaries:
            return self.summaries[key]
        if len(self.summarizing) >= MAX_CALL_DEPTH:
            return None  # summaries computed for summaries being computed: as deep as calls are followed
        self.summaries[key] = None
        globals_env = self.callee_globals(fn)
        self.summarizing.append(fn)
        outer = (self.call_stack, self.caller_states, self.opaque_made, self.call_root, self.alloc_ctx, self.init_frames,
                 self.loops_active, self.next_passes, self.call_budget, self.summary_log, self._rebinding,
                 self._renewals, self._last_renewals, self._renewal_state, self._args_of, self._recv_of)
        self.call_stack, self.caller_states, self.opaque_made, self.alloc_ctx, self.init_frames = [], [], [], [], {}
        self.call_root, self.loops_active, self.next_passes = None, 0, 0
        self.call_budget = min(self.call_budget, SUMMARY_CALLS)
        self._rebinding, self._renewals = None, []
        log: List[Tuple[InplaceWrite, Optional[bool], _Function]] = []
        self.summary_log = log
        state = State()
        state.grad = fn.grad if fn.forced_grad else True
        state.infer = fn.infer
        returns: List[Tuple[Value, State, bool]] = []
        placeholders: Dict[Obj, str] = {}
        prev = self._enter(fn, state, returns=returns, consts={**self.class_consts(fn), **consts})
        try:
            self.state.env.update(globals_env)
            for i, (p, given) in enumerate(zip(_all_params(node), sig)):
                name = p.name.value
                if i == 0 and fn.cls is not None and name in ("self", "cls") and not is_static(node):
                    self._bind_own_self(fn, name)
                elif given == "-":
                    self.state.bind(name, unknown(("param", id(node), name)))
                else:
                    o = self.obj(DERIVED, ("summary", id(node), name, given), label=f"`{name}`", node=p.name,
                                 rg={"1": True, "0": False}.get(given))
                    placeholders[o] = name
                    self.state.bind(name, frozenset((o,)))
            self.exec_block(body_statements(node.body))
            self.flush_pending()
            if self.state is not None:
                returns.append((EMPTY, self.state, False))
        finally:
            self._leave(prev)
            (self.call_stack, self.caller_states, self.opaque_made, self.call_root, self.alloc_ctx, self.init_frames,
             self.loops_active, self.next_passes, budget, self.summary_log, self._rebinding, self._renewals,
             self._last_renewals, self._renewal_state, self._args_of, self._recv_of) = outer
            self.call_budget = max(0, budget - max(0, min(budget, SUMMARY_CALLS) - self.call_budget))
            self.summarizing.pop()
        summary = _Summary(placeholders)
        for ev, grad, where in log:
            mine = frozenset(o for o in ev.value if o.root() in placeholders)
            if mine:
                summary.writes.append((ev if mine == ev.value else replace(ev, value=mine), grad, where))
        used_roots = {o.root() for _, st, _ in returns for o in st.used}
        summary.used = frozenset(name for o, name in placeholders.items() if o in used_roots)
        returned = frozenset(o for value, _, _ in returns for o in value)
        parts: Optional[Tuple[Value, ...]] = None
        if returned and all(o.kind == SEQ for o in returned):
            shapes = [seq_parts(o) for o in returned]
            if all(p is not None for p in shapes) and len({len(p) for p in shapes}) == 1 \
                    and 0 < len(shapes[0]) <= MAX_SEQ_PARTS:
                parts = tuple(frozenset(x for p in shapes for x in p[i]) for i in range(len(shapes[0])))
                returned = frozenset(x for part in parts for x in part)
        if returns and all(o.root() in placeholders or o.kind == DERIVED for o in returned):
            summary.returns = returned
            summary.parts = parts
            joined: Optional[State] = None
            for _, st, _ in returns:
                joined = join_states(joined, st)
            # the saves of the graph it returns (a graph nothing returned reaches is freed with the call)
            alive = frozenset().union(*(self.graph_nodes.get(o.root(), frozenset()) for o in returned))
            for o, records in joined.saved.items():
                kept = frozenset(r for r in records if id(r[1]) in alive)
                if kept and o in placeholders:
                    summary.saves[placeholders[o]] = kept
                elif kept and o in returned and o.kind == DERIVED:
                    summary.fresh[o] = kept
        self.summaries[key] = summary
        return summary

    def apply_summary(self, fn: _Function, node: cst.Call, bound: Dict[str, Value],
                      consts: Dict[str, object]) -> Optional[Value]:
        """A call not analysed at its call site (``call_function``), through ``fn``'s summary for what the call
        gives it: its in-place writes into what its parameters hold happen to the arguments' tensors here (the checks
        see them in this state, with grad mode as the caller has it unless ``fn`` sets it, at the line in ``fn``
        that writes, reached from this call); with grad mode on, what the graph it returns saved of them is saved;
        it computes with the arguments it computes with. Returns what it returns when the summary knows (an
        argument, a view of one, an op's result, which requires grad as it did there), else an unknown value; None
        when there is no summary."""
        sig = self.signature(fn, bound)
        if all(given == "-" for given in sig):
            return None  # no tensor given: nothing to replay, nothing known of what it returns
        summary = self.summary_of(fn, sig, consts)
        s = self.state
        if summary is None or s is None:
            return None

        def rebased(w: Obj, actual: Obj) -> Optional[Obj]:
            """``w`` (the placeholder, or a view, ``.data`` or detached copy of one) made of ``actual``; None when
            made of ``actual`` it is a copy (a reshape of a transposed tensor)."""
            if w.base is None or w.kind not in (VIEW, DATA, DETACHED):
                return actual  # the placeholder itself
            b = rebased(w.base, actual)
            if b is None:
                return None
            if w.kind == VIEW and RESHAPED in w.extra:
                # a reshape of the placeholder (an op's result): of ``b``, what a reshape of ``b`` is
                views = self.reshape_result(w.node, frozenset((b,)), "reshape", "reshape()")
                return next(iter(views)) if views else None
            if w.kind == VIEW:
                return self.view_of(b, w.node, multi=w.meta == MULTI_OUTPUT, how=w.how, site=w.site,
                                    tuple_of=TUPLE_OF_VIEWS in w.extra, maybe=MAYBE_VIEW in w.extra)
            if w.kind == DATA:
                return self.data_alias(b)
            return self.detached_copy(b, w.site, w.node, w.stmt)

        def mapped(value: Value) -> Value:
            out = set()
            for w in value:
                for a in bound.get(summary.params.get(w.root(), ""), EMPTY):
                    m = rebased(w, a) if a.is_tensor else None
                    if m is not None:
                        out.add(m)
            return frozenset(out)

        if summary.writes:
            outermost = not self.call_stack
            if outermost:
                self.call_stack.append((fn, node, s.env))
                self.call_root = self.current
            try:
                for ev, grad, where in summary.writes:
                    st = s
                    if not fn.forced_grad and grad is True:
                        grad = s.grad  # as the caller has it
                    if grad != s.grad:
                        st = s.copy()
                        st.grad = grad
                    prev = self._enter(where, st, consts=self.consts)
                    self.stmt = ev.stmt
                    try:
                        value = mapped(ev.value)
                        if value:
                            self.emit(InplaceWrite(ev.node, ev.target, value, ev.via, ev.op, st, ev.stmt,
                                                   ev.index_is_advanced))
                    finally:
                        self._leave(prev)
            finally:
                if outermost:
                    self.call_stack.pop()
        self.mark_used([bound[name] for name in summary.used if name in bound])
        if summary.returns is None:
            return unknown(("call", id(node)))
        grad = fn.grad if fn.forced_grad else s.grad
        saved = dict(s.saved)
        if grad is True:
            for name, records in summary.saves.items():
                for a in bound.get(name, EMPTY):
                    for record in records:
                        self._save(saved, a, record)
        made: Dict[Obj, Value] = {r: mapped(frozenset((r,))) for r in summary.returns if r.root() in summary.params}
        result = set(o for v in made.values() for o in v)
        for r in summary.returns:
            if r.root() in summary.params:
                continue
            if grad is not True and r.rg is not False:
                return unknown(("call", id(node)))  # made with grad mode on there: here, not known
            inputs = [o for name in summary.used for o in bound.get(name, EMPTY)]
            assumed = next((self.assumed(o) for o in inputs if self.assumed(o)), "")
            plain = any(self.is_rg(o) and not self.assumed(o) for o in inputs)
            if r.kind in (LEAF, PARAM):
                # a leaf the helper made (``return torch.randn(n).requires_grad_()``, ``nn.Parameter(...)``): one
                # per call, a leaf here too
                fresh = self.obj(r.kind, ("summary", id(node), r.site), rg=r.rg, label=r.label, node=r.node,
                                 stmt=r.stmt)
            else:
                # the modules whose parameters its graph saved: those of its inputs' graphs, and the instance's
                # own when the summary's run saved parameters (``self.cell(x, h, c)`` followed no deeper)
                mods = set(m for o in inputs for m in self.saved_modules(o)) if grad is True else set()
                if grad is True and r.kind == DERIVED and r.extra and r.extra[0]:
                    mods.update(o.site for o in bound.get(_first_param_name(fn), EMPTY) if o.kind == MODULE)
                fresh = self.obj(DERIVED, ("summary", id(node), r.site), rg=r.rg, label=r.label, node=r.node,
                                 stmt=r.stmt, meta=ASSUMED if r.rg and assumed and not plain else "",
                                 how=assumed if r.rg and assumed and not plain else "",
                                 extra=(frozenset(mods),) if mods and len(mods) <= 8 else ())
            for record in summary.fresh.get(r, ()):
                self._save(saved, fresh, record)
            history = self.graph_nodes.get(r.root())
            if history:  # the ops whose saves its graph holds (``drop_dead_saves``)
                self.graph_nodes[fresh] = self.graph_nodes.get(fresh, frozenset()) | history
            if s.stale and r.rg is not False:
                # computed from an argument whose graph an optimizer step made stale: so is its own graph
                s.stale.pop(fresh, None)
                stale = next((f for f in map(s.stale_of, inputs) if f is not None), None)
                if stale is not None:
                    s.stale[fresh] = stale
            result.add(fresh)
            made[r] = frozenset((fresh,))
        if saved != s.saved:
            s.saved = saved
        if summary.parts is not None and result:
            # ``ch, cc = self.cell(x, h, c)``: position by position
            return self.tuple_value(id(node), tuple(frozenset(o for r in part for o in made.get(r, EMPTY))
                                                    for part in summary.parts), node)
        return frozenset(result) if result else unknown(("call", id(node)))

    def _descends(self, fn: _Function, bound: Dict[str, Value]) -> bool:
        """A recursive call of ``fn`` that walks a module tree down (``for child in model.children():
        self.add_handles(child, ...)``): some argument is only modules, each a child of what that parameter holds
        in ``fn``'s innermost running frame. Such a call is followed like any other: the known tree ends it (and
        ``MAX_CALL_DEPTH + DESCENT_EXTRA_DEPTH`` bounds it), and what it does to the modules below (hooks
        registered on the leaves) is done to them."""
        idx = max(i for i, (f, _, _) in enumerate(self.call_stack) if f is fn)
        frame = self.caller_states[idx + 1] if idx + 1 < len(self.caller_states) else self.state
        if frame is None:
            return False
        for name, value in bound.items():
            if not value or any(o.kind != MODULE for o in value):
                continue
            above = [o for o in frame.env.get(name, ()) if o.kind == MODULE]
            if above and not value & frozenset(above):
                below = {c for o in above for c in self.module_children(o)}
                if all(o in below for o in value):
                    return True
        return False

    def call_function(self, fn: _Function, node: cst.Call, self_value: Optional[Value], pos: List[Value],
                      kw: Dict[str, Value]) -> Optional[Value]:
        """Analyse ``fn`` (a function or method of this module) for this call: its parameters hold the arguments,
        the caller's facts hold (grad mode, what requires grad, what was saved), and what it reports inside is
        reported there. Returns what it returns, and leaves the facts it established (saves, requires-grad) in the
        caller's state. A call too deep, recursive or past the budget goes through ``fn``'s summary instead
        (``apply_summary``). None when the call is not analysed (an ``autograd.Function`` method, ``*args`` at the
        call, an unknown decorator, no summary): the caller then knows nothing of the result."""
        s = self.state
        if (s is None or (fn.cls is not None and fn.cls.is_autograd_function)
                or (any(a.star for a in getattr(node, "args", ())) and id(node) not in self._expanded_stars)):
            return None
        fnode = fn.node
        if fnode is None:  # a helper of another file that does not parse
            return None
        deep = len(self.call_stack) >= MAX_CALL_DEPTH and not (
            len(self.call_stack) < MAX_CALL_DEPTH + GETTER_EXTRA_DEPTH and _is_getter(fnode)
            or len(self.call_stack) < MAX_CALL_DEPTH + TINY_EXTRA_DEPTH and _is_tiny(fnode))
        follow = not (self.call_budget <= 0 or deep or fn is self.current and not self.call_stack)
        if fn.home is not None and not fn.decorators_read:  # first call of a helper of another file
            fn.decorators_read = True
            imports, self.imports = self.imports, fn.home.imports  # its decorators read its file's imports
            try:
                fn.grad, fn.forced_grad = self.decorator_grad_mode(fnode)  # ``@torch.no_grad()``
            finally:
                self.imports = imports
        params = fnode.params
        star = params.star_arg if type(params.star_arg) is cst.Param else None
        if fnode.decorators and not _is_property(fnode) and self.decorator_grad_mode(fnode) == (None, False):
            return None  # a decorator we do not know may replace the function
        names = [p.name.value for p in list(params.posonly_params) + list(params.params)]
        bound: Dict[str, Value] = {}
        is_method = fn.cls is not None and names and names[0] in ("self", "cls") and not is_static(fnode)
        if is_method:
            if self_value is None:
                return None
            bound[names[0]] = self_value
            names = names[1:]
        for name, value in zip(names, pos):
            bound[name] = value
        for name, value in kw.items():
            bound[name] = value
        if any(f is fn for f, _, _ in self.call_stack):
            # a recursive call: followed only down a module tree, as deep as the tree goes
            follow = self.call_budget > 0 and len(self.call_stack) < MAX_CALL_DEPTH + DESCENT_EXTRA_DEPTH and \
                self._descends(fn, bound)
        if not follow:
            return self.apply_summary(fn, node, bound, self.call_consts(fn, node, is_method))
        self.call_budget -= 1
        if type(params.star_kwarg) is cst.Param:
            # ``def forward(self, x, **kwargs)``: a dict of the keyword arguments no named parameter takes
            named = {p.name.value for p in _all_params(fnode)}
            extra_kw = {k: v for k, v in kw.items() if k not in named}
            site = ("starkw", id(node))
            self.dict_entries[site] = extra_kw
            held = frozenset(o for v in extra_kw.values() for o in v)
            bound[params.star_kwarg.name.value] = frozenset((self.obj(
                SEQ, site, elems=held if len(held) <= MAX_VALUE_SIZE else UNKNOWN_VALUE, meta=UNORDERED, node=node),))
        if star is not None:
            # ``def forward(self, *inputs)``: a tuple of the positional arguments after the named ones
            rest = list(pos[len(names):])
            elems = frozenset(o for v in rest for o in v)
            bound[star.name.value] = frozenset((self.obj(
                SEQ, ("star", id(node)), elems=elems if len(elems) <= MAX_VALUE_SIZE else UNKNOWN_VALUE, extra=tuple(rest),
                node=node),))
        callee = State()
        callee.grad = fn.grad if fn.forced_grad else s.grad
        callee.infer = True if fn.infer is True else s.infer
        callee.rg, callee.norg, callee.used, callee.retain = s.rg, s.norg, s.used, s.retain
        callee.saved, callee.stale = dict(s.saved), dict(s.stale)
        callee.grafted, callee.graft_modules = s.grafted, dict(s.graft_modules)
        callee.training = s.training
        # (what a module overwrote in place before the call is overwritten inside it too: the caller's names are
        # not the callee's, the tensors are; but not by this very call, whose body makes the write)
        callee.overwritten = {k: v for k, v in s.overwritten.items() if isinstance(k, Obj) and v[0] is not node}
        env = callee.env
        env.update(self.callee_globals(fn))
        if ".<locals>." in fn.qualname:
            # a closure sees the functions defined beside it in the enclosing function (``norm_range`` calling
            # ``norm_ip``, both defined in ``make_grid``): as the caller holds them
            prefix = fn.qualname.rsplit(".<locals>.", 1)[0] + ".<locals>."
            for k, v in s.env.items():
                if "." not in k and v and all(o.kind == FUNC and o.cls.startswith(prefix) for o in v):
                    env[k] = v
        for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params) + (
                [star] if star is not None else []) + ([params.star_kwarg] if params.star_kwarg is not None else []):
            name = p.name.value
            if name in bound:
                env[name] = bound[name]
            elif p.default is not None and literal_value(p.default) is not NOT_CONSTANT:
                env[name] = EMPTY  # ``std=1.0`` left to its default: a number (a string, None), no tensor
            else:
                env[name] = unknown(("param", id(fnode), name))
        instance = next(iter(self_value)) if is_method and self_value and len(self_value) == 1 else None
        if is_method and fn.cls is not None and fnode.name.value != "__init__":
            # with what ``__init__`` stored for this very instance, with its real arguments
            # (and what methods called on it before this call left in its attributes: ``self._cos_cached`` a call
            # made under ``inference_mode`` filled, read back by a later training call)
            self._bind_self_attrs(env, fn.cls, {**self.instance_attrs.get(instance.site, {}),
                                                **self.later_attrs.get(instance.site, {})} if instance else {})
            frozen = self.instance_frozen.get(instance.site, fn.cls.frozen) if instance else fn.cls.frozen
            if frozen:
                callee.norg = callee.norg | frozen
        if not self.call_stack:
            self.call_root = self.current  # the function whose analysis makes this call (None: the module)
        consts = self.call_consts(fn, node, is_method)
        if is_method and self_value and fnode.name.value != "__init__" and all(
                o.site in self.instance_consts for o in self_value):
            # ``if self.add_self_loops:`` with what ``__init__`` stored for this instance (a default, a literal);
            # for one of several instances (``for conv in self.convs[:-1]``), what all of them stored alike
            first = _all_params(fnode)[0].name.value
            stored = _agreed_constants([self.instance_consts[o.site] for o in self_value])
            consts.update({first + "." + attr: value for attr, value in stored.items()})
        prev = self._enter(fn, callee, returns=[], consts=consts)
        for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            if p.name.value not in bound and (type(p.default) in (cst.Name, cst.Attribute) or type(
                    p.default) is cst.Call and (self.qualname(p.default.func) or "").startswith("torch.nn.")):
                # a parameter the call leaves to its default (``optimizer_class=optim.Adam``): the default's value
                default = self.ev(p.default)
                if default and not all(o.kind == UNKNOWN for o in default):
                    callee.env[p.name.value] = default
        self.call_stack.append((fn, node, self.call_stack[0][2] if self.call_stack else s.env))
        self.caller_states.append(s)
        self.opaque_made.append(set())
        building = instance is not None and fnode.name.value == "__init__"
        if building:
            # a new object built at this site: what methods called on an earlier one left in its attributes is not
            # in this one's (``self.softdetect = SoftDetect(...)`` rebuilt by ``train()`` after an evaluation)
            self.later_attrs.pop(instance.site, None)
            self.alloc_ctx.append(instance.site)
            outer_frame = self.init_frames.get(instance.site)
            self.init_frames[instance.site] = len(self.caller_states)
        try:
            self.exec_block(body_statements(fnode.body))
            self.flush_pending()
            exits = list(self.returns)
            if self.state is not None:
                exits.append((EMPTY, self.state, False))
                if building:
                    # (a base class's ``__init__`` run by ``super().__init__()`` recorded its part first)
                    self.instance_attrs[instance.site] = {**self.instance_attrs.get(instance.site, {}),
                                                          **self.instance_attrs_of(fn.cls, self.state.env)}
                    self.instance_frozen[instance.site] = self.instance_frozen.get(instance.site, frozenset()) | \
                        frozenset(o for o in self.state.norg if o.kind == PARAM)
                    first = _all_params(fnode)[0].name.value
                    # what every path of ``__init__`` left in an attribute: a constant, or a layer made there
                    made = {k[len(first) + 1:]: v for k, v in self.state.consts.items()
                            if (v is NOT_NONE or not isinstance(v, _Marker)) and k.startswith(first + ".")
                            and k.count(".") == 1 and k[len(first) + 1:] not in fn.cls.assigned_elsewhere}
                    self.instance_consts[instance.site] = {
                        **self.instance_consts.get(instance.site, {}), **made,
                        **self.init_constants(fn, first, node, self.state.env),
                        **self.held_constants(self.instance_attrs[instance.site])}
                    if instance.cls == fn.cls.name and not self.summarizing and not (
                            self.call_root is not None and self.call_root.node is not None
                            and self.call_root.node.name.value == "__init__"):
                        # an instance the program builds (not one an ``__init__`` analysed on its own builds from
                        # its unknown parameters: that ``__init__`` runs for each instance of its class built)
                        self.constructions.setdefault(fn.cls.name, []).append(self.instance_consts[instance.site])
        finally:
            if building:
                self.alloc_ctx.pop()
                if outer_frame is None:
                    self.init_frames.pop(instance.site, None)
                else:
                    self.init_frames[instance.site] = outer_frame
            self.call_stack.pop()
            self.caller_states.pop()
            opaque = self.opaque_made.pop()
            if self.opaque_made:
                self.opaque_made[-1] |= opaque
            self._leave(prev)
        if not exits:
            return None  # it always raises
        # (a tuple returned, ``not_none_positions``: never None itself)
        if all(not_none is not False for _, _, not_none in exits):
            self.not_none_calls.add(id(node))
        else:
            self.not_none_calls.discard(id(node))
        if all(isinstance(not_none, frozenset) for _, _, not_none in exits):
            self.not_none_parts[id(node)] = frozenset.intersection(*(nn for _, _, nn in exits))
        else:
            self.not_none_parts.pop(id(node), None)
        result: Value = EMPTY
        joined: Optional[State] = None
        for value, state, _ in exits:
            result = join_values(result, value)
            joined = join_states(joined, state)
        if instance is not None and fnode.name.value != "__init__" and joined is not None:
            # ``self.y = x`` in ``forward``: what the instance holds in ``y`` after this call
            assigned: Set[str] = set()
            _collect_self_assign(body_statements(fnode.body), assigned)
            for attr in assigned:
                value = joined.env.get("self." + attr)
                if value is not None:
                    self.later_attrs.setdefault(instance.site, {})[attr] = value
            if assigned and self.state is not None:
                # the caller's names for what the instance held there hold what the call left
                # (``self._update_cache(n)`` then ``self._cos_cached`` in the caller's method)
                env = self.state.env
                only = frozenset((instance,))
                for holder in [k for k, v in env.items() if "." not in k and v == only]:
                    for attr in assigned:
                        value = joined.env.get("self." + attr)
                        if value is not None and f"{holder}.{attr}" in env:
                            env[f"{holder}.{attr}"] = value
        if joined is not None and self.state is not None:
            self.carry_grown_lists(joined)
            caller = self.state
            if joined.clobbered:
                self.note_clobbered_argument(node, fn, instance if is_method else None, pos, result, joined)
                caller.clobbered = {**caller.clobbered, **joined.clobbered} if self.call_stack else caller.clobbered
            caller.rg, caller.norg, caller.used, caller.retain = joined.rg, joined.norg, joined.used, joined.retain
            caller.saved = self.drop_dead_saves(joined, s.saved, result, opaque, fnode, pos, kw)
            caller.stale = joined.stale
            caller.grafted, caller.graft_modules = joined.grafted, joined.graft_modules
            caller.training = joined.training
            if joined.overwritten:
                # a tensor the call surely overwrote through a module that writes its input in place (the
                # caller's ``emb`` after ``classifier(emb)`` whose first layer is ``nn.ReLU(inplace=True)``): a
                # later read of it in the caller reads the overwritten values (the callee's names are its own)
                for key, entry in joined.overwritten.items():
                    if isinstance(key, Obj):
                        caller.overwritten[key] = entry
        return result if result else unknown(("call", id(node)))

    def note_clobbered_argument(self, node, fn: _Function, instance: Optional[Obj], pos: List[Value],
                                result: Value, joined: State) -> None:
        """The call surely wrote its first argument's tensor in place: a module's ``forward`` of a class of ours
        (``dx = self.conv_0(x)`` whose first op is an in-place activation, then ``x + dx``), or a helper function
        (``masked = scatter_update(logits, ...)`` writing ``logits[...]`` and returning it, then a loss on ``logits``:
        used as if it returned a new tensor). The caller's other names for that tensor now read the new values, as
        after an in-place torch layer; if the call returns that very tensor, what it returns is no stale copy.
        (Writes by a method of a plain class are not followed: objects that keep state are written on purpose.)"""
        fnode = fn.node
        if not pos or not pos[0] or fnode is None:
            return
        if instance is not None:
            if instance.kind != MODULE or fnode.name.value != "forward":
                return
            mod = instance
        elif fn.cls is None:
            mod = self.obj(FUNC, ("helper", fn.qualname), cls=fn.qualname, node=fnode)
        else:
            return
        # (a write by a call inside that returns another tensor, ``self.net(x)`` starting with an in-place layer, is
        # reported at that call already, and its later reads here with it: ``joined.overwritten``)
        hit = frozenset(o for o in pos[0] if o.root() in joined.clobbered and o.root() not in joined.overwritten)
        if hit and len(hit) == len(pos[0]):
            roots = {o.root() for o in hit}
            returned = any(o.root() in roots for o in result)
            if mod.kind == FUNC and not returned:
                return  # a helper's side effect on its argument (``bin_locations[..., -1] += eps``): may be meant
            self.note_input_overwritten(node, mod, hit, names_only=returned)

    def carry_grown_lists(self, joined: State) -> None:
        """Lists (and ``nn.ModuleList``s) the call grew (``xs.append(t)`` on an argument, ``CPU_BUFFERS.append(...)``
        on a global) hold the new elements for the caller too, and for the module's names while its code runs: each
        list the caller holds is replaced by the callee's version of it (same site, holding at least what it
        held)."""
        by_site: Dict[object, Set[Obj]] = {}
        for value in joined.env.values():
            for o in value:
                if o.kind == SEQ or o.kind == MODULE and o.cls == "torch.nn.ModuleList":
                    by_site.setdefault(o.site, set()).add(o)
        if not by_site:
            return
        envs = [self.state.env]
        if self.call_stack and self.call_stack[0][2] is not self.state.env:
            envs.append(self.call_stack[0][2])
        for env in envs:
            grown: Dict[Obj, Obj] = {}
            for value in env.values():
                for o in value:
                    if o.kind not in (SEQ, MODULE) or o in grown or o.site not in by_site:
                        continue
                    versions = [v for v in by_site[o.site] if v != o and o.elems <= v.elems]
                    if not versions:
                        continue
                    if len(versions) == 1 and len(by_site[o.site]) == 1:
                        grown[o] = versions[0]
                    elif o.kind == SEQ:
                        elems = frozenset(x for v in versions for x in v.elems) | o.elems
                        grown[o] = self.obj(SEQ, o.site, elems=elems if len(elems) <= MAX_VALUE_SIZE else UNKNOWN_VALUE,
                                            node=o.node, meta=UNORDERED)
                    else:  # (an ``nn.ModuleList`` grown on some paths: what it may hold, in no known order)
                        grown[o] = self.obj(MODULE, o.site, cls=o.cls, node=o.node, extra=o.extra,
                                            elems=frozenset(x for v in versions for x in v.elems) | o.elems)
            if grown:
                for key, value in list(env.items()):
                    if any(o in grown for o in value):
                        env[key] = frozenset(grown.get(o, o) for o in value)

    def drop_dead_saves(self, joined: State, before: Dict[Obj, FrozenSet], result: Value, opaque: Set[Obj],
                        fnode: cst.FunctionDef, pos: List[Value], kw: Dict[str, Value]) -> Dict[Obj, FrozenSet]:
        """The saves of ``joined`` (the state a call analysed at its call site leaves) without those the call made
        in a graph nothing can reach any more: torch frees a graph with its last reference, and with it what it
        saved (``distances = x @ w.t()`` only feeding ``argmax`` in a helper: ``w`` is not held by a graph once the
        helper returns). A graph is reachable from what the call returns, what its callers' names hold, what
        instances keep and what it stored outside itself (``self.x = ...``, globals); when one of those is the
        result of a call the analysis did not follow, or the graph went into such a call, nothing is dropped."""
        saved = joined.saved
        candidates: Set[int] = set()
        # only saves of tensors that outlive the call matter (parameters, what the caller passed): a write after the
        # call can reach nothing else without reaching the graph too (cheap: most calls have none)
        passed: Optional[Set[Obj]] = None
        for root, records in saved.items():
            if root.kind != PARAM:
                if passed is None:
                    passed = {o.root() for v in list(pos) + list(kw.values()) for o in v}
                if root not in passed:
                    continue
            old = before.get(root, frozenset())
            for r in records:
                if r not in old and id(r[1]) in self.tracked_saves and id(r[1]) not in self.escaped_saves:
                    candidates.add(id(r[1]))
        if not candidates:
            return saved
        held: Set[Obj] = set()
        collect_refs(result, held)
        live: Set[int] = set()
        for o in held:
            live.update(self.graph_nodes.get(o.root(), ()))
        if candidates <= live and not (held & opaque):
            return saved  # (the usual case: what the call returns carries every graph it made)
        for state in (*self.caller_states, self.state):
            for value in state.env.values():
                collect_refs(value, held)
        for attrs in (*self.instance_attrs.values(), *self.later_attrs.values()):
            for value in attrs.values():
                collect_refs(value, held)
        local = self.bound_in(fnode)
        for key, value in joined.env.items():
            if "." in key or key not in local:
                collect_refs(value, held)
        if _ARGUMENTS_NOT_KNOWN in opaque or held & opaque:
            return saved
        for o in held:
            live.update(self.graph_nodes.get(o.root(), ()))
        dead = candidates - live
        if not dead:
            return saved
        out: Dict[Obj, FrozenSet] = {}
        for root, records in saved.items():
            old = before.get(root, frozenset())
            kept = frozenset(r for r in records if id(r[1]) not in dead or r in old)
            if kept:
                out[root] = kept
        return out

    def call_consts(self, fn: _Function, node, is_method: bool) -> Dict[str, object]:
        """The parameters of ``fn`` that hold a constant for this call (see ``const``) and that its body never
        rebinds: name -> value."""
        if type(node) is not cst.Call or any(a.star for a in node.args):
            return {}
        named = _named_params(fn.node)
        given = _arguments_by_name(fn.node, node, 1 if is_method else 0)
        rebound = self.bound_in(fn.node)
        if rebound and any(p.name.value in rebound for p in named):
            key = ("assigned-only", id(fn.node))
            if key not in self._bound_names:
                self._bound_names[key] = assigned_only_names(fn.node)
            rebound = rebound - self._bound_names[key]
        out: Dict[str, object] = {}
        for p in named:
            name = p.name.value
            if name in rebound:
                continue  # (a name only ``=`` rebinds stops being a constant there: ``assign``)
            value = self.argument_const(p, given)
            if value is not NOT_CONSTANT:
                out[name] = value
            elif name in given and self.surely_not_none(given[name]):
                out[name] = NOT_NONE  # (``if module is not None:`` in the callee is decided)
        return out

    def init_constants(self, init: _Function, self_name: str, call=None,
                       env: Optional[Dict[str, Value]] = None) -> Dict[str, object]:
        """The attributes the ``__init__`` being analysed for one instance surely set to a constant (see ``const``):
        assigned once, by a statement of its body's top level, and by no other method of the class. With the call
        that built the instance and the ``__init__``'s names at its end (``env``): ``NOT_NONE`` for an attribute
        set so to a module made right there or by the call's argument (``self.act = act`` with ``act=nn.ReLU()``
        given or as the default), which ``if self.act is not None:`` decides."""
        cls = init.cls
        if not self_name or cls is None:
            return {}
        counts: Dict[str, int] = {}
        for small in _assignments(init.node):
            for attr in _assigned_self_attrs(small, self_name):
                counts[attr] = counts.get(attr, 0) + 1
        out: Dict[str, object] = {}
        for stmt in body_statements(init.node.body):
            if not isinstance(stmt, (cst.SimpleStatementLine, SuiteLine)):
                continue
            for small in stmt.body:
                if type(small) is not cst.Assign or len(small.targets) != 1:
                    continue
                target, value_node = small.targets[0].target, small.value
                pairs = [(target, value_node)]
                if type(target) in (cst.Tuple, cst.List) and type(value_node) in (cst.Tuple, cst.List) \
                        and len(target.elements) == len(value_node.elements) and not any(
                            type(el) is cst.StarredElement for el in (*target.elements, *value_node.elements)):
                    # ``self.z_dim, self.n_critic = 8, 1``
                    pairs = [(t.value, v.value) for t, v in zip(target.elements, value_node.elements)]
                for t, v in pairs:
                    attr = _self_attr(t, self_name)
                    if attr is None or counts.get(attr) != 1 or attr in cls.assigned_elsewhere:
                        continue
                    value = self.const(v)
                    held = env.get(f"{self_name}.{attr}") if env is not None else None
                    if value is NOT_CONSTANT and held and (self._made_module(v, init.node, call, held) or (
                            type(v) is cst.Name and self.consts.get(v.value) is NOT_NONE
                            and all(o.kind == MODULE for o in held))):
                        # (or by a parameter the call gave a name surely not None: ``activation=activation``
                        # passed down from ``ARMA4NC(activation=nn.ReLU())``)
                        value = NOT_NONE
                    if value is not NOT_CONSTANT:
                        out[attr] = value
        return out

    @staticmethod
    def _made_module(expr: cst.BaseExpression, fnode: cst.FunctionDef, call, held: Optional[Value]) -> bool:
        """``held`` (what ``expr`` gave) is modules made by ``expr`` itself (``nn.ReLU()``), or, for a parameter of
        ``fnode``, by the expression ``call`` gives it or by its default: never None."""
        if not held or not all(o.kind == MODULE for o in held):
            return False
        if type(expr) is cst.Name and type(call) is cst.Call and not any(a.star for a in call.args):
            params = {p.name.value: p for p in _named_params(fnode)}
            if expr.value in params:
                given = _arguments_by_name(fnode, call, 1)
                expr = given.get(expr.value, params[expr.value].default)
        return type(expr) is cst.Call and all(o.node is expr for o in held)

    def class_consts(self, fn: _Function) -> Dict[str, object]:
        """For a method analysed for no instance in particular: the attributes its class's own ``__init__`` sets to
        a literal for every instance (``self.attention = None``, ``init_constants``), as ``self.<attr>`` constants."""
        node = fn.node
        if fn.cls is None or node is None or node.name.value == "__init__" or is_static(node):
            return {}
        params = _all_params(node)
        if not params or params[0].name.value != "self":
            return {}
        cached = self._class_consts.get(fn.cls.name)
        if cached is None:
            init = self.method_of(fn.cls.name, "__init__")
            init_params = _all_params(init.node) if init is not None and init.node is not None else []
            found: Dict[str, object] = {}
            if init is not None and init.cls is fn.cls and init_params:
                outer, self.consts = self.consts, {}
                try:
                    found = self.init_constants(init, init_params[0].name.value)
                finally:
                    self.consts = outer
            cached = self._class_consts[fn.cls.name] = found
        return {"self." + attr: value for attr, value in cached.items()}

    def bound_in(self, fnode: cst.FunctionDef) -> Set[str]:
        names = self._bound_names.get(id(fnode))
        if names is None:
            names = self._bound_names[id(fnode)] = bound_names(fnode)
        return names

    def const(self, node: cst.BaseExpression) -> object:
        """The value of ``node`` when it is a constant: a literal, a parameter given one for the call being analysed
        (``call_consts``), a module-level name bound once to one (``module_constants``) and not shadowed, or a
        comparison, ``not``, ``and``/``or`` of those (``activation == "relu"``). Else ``NOT_CONSTANT``."""
        value = literal_value(node)
        if value is not NOT_CONSTANT:
            return value
        if type(node) is cst.Attribute and node.attr.value == "training" and self.state is not None \
                and self.state.training:
            # ``self.training`` of an instance whose mode is known (built, or ``model.eval()``)
            held = self.ev_quiet(node.value)
            flags = {self.state.training.get(o.site) if o.kind == MODULE else None for o in held}
            return flags.pop() if held and len(flags) == 1 and None not in flags else NOT_CONSTANT
        if type(node) is cst.Attribute and node.attr.value == "requires_grad":
            rg = self.surely_requires_grad(node.value)  # ``if k.requires_grad:`` of a tensor known either way
            if rg is not None:
                return rg
        if type(node) is cst.Attribute:  # ``self.flag`` that ``__init__`` set to one (``init_constants``)
            key = dotted(node)
            value = self.consts.get(key, NOT_CONSTANT) if key is not None else NOT_CONSTANT
            if value is NOT_CONSTANT and key is not None and key.count(".") > 1:
                # ``self.softdetect.top_k``: what the ``__init__`` of the instance(s) held there stored, all alike
                value = self.stored_const(self.ev_quiet(node.value), node.attr.value)
            return NOT_CONSTANT if isinstance(value, _Marker) else value
        if type(node) is cst.Name:
            name = node.value
            if name in self.consts:
                value = self.consts[name]
                return NOT_CONSTANT if isinstance(value, _Marker) else value
            if self.state is not None and name in self.state.consts:
                value = self.state.consts[name]
                return NOT_CONSTANT if isinstance(value, _Marker) else value
            env = self.state.env if self.state is not None else {}
            fn = self.current
            if fn is None:
                local = self.current_cls is not None and name in env  # bound in the class body
            else:
                local = (fn.home is not None or "<locals>" in fn.qualname or bool(env.get(name))
                         or name in self.bound_in(fn.node) or any(p.name.value == name for p in _all_params(fn.node)))
            if local:
                return NOT_CONSTANT  # a local (or an enclosing function's), or a name of another file
            if self._module_consts is None:
                self._module_consts = module_constants(self.module)
            return self._module_consts.get(name, NOT_CONSTANT)
        if type(node) is cst.UnaryOperation and type(node.operator) is cst.Not:
            if type(node.expression) is cst.Name and self.consts.get(node.expression.value) is LATER_PASS:
                return False  # ``not i`` past the first pass of ``enumerate``
            value = self.const(node.expression)
            return NOT_CONSTANT if value is NOT_CONSTANT else not value
        if type(node) is cst.BooleanOperation:
            left = self.const(node.left)
            if left is NOT_CONSTANT:
                return NOT_CONSTANT
            if type(node.operator) is cst.And and not left or type(node.operator) is cst.Or and left:
                return left
            return self.const(node.right)
        if type(node) is cst.IfExp:
            test = self.truth(node.test)
            if test is NOT_CONSTANT:
                return NOT_CONSTANT
            return self.const(node.body if test else node.orelse)
        if type(node) is cst.Call:
            func = node.func
            if (type(func) is cst.Name and func.value == "len" and len(node.args) == 1 and not node.args[0].keyword
                    and not node.args[0].star and self.state is not None and "len" not in self.state.env):
                # ``len(layer_sizes)`` of a list known position by position
                held = self.ev_quiet(node.args[0].value)
                parts = seq_parts(next(iter(held))) if len(held) == 1 else None
                return len(parts) if parts is not None else NOT_CONSTANT
            if type(func) is cst.Attribute and func.attr.value == "is_inference" and not node.args:
                # ``cache.is_inference()`` of tensors all made in inference mode, or all not
                held = self.ev_quiet(func.value)
                kinds = {self.is_inference(o) if o.is_tensor else None for o in held}
                return kinds.pop() if held and len(kinds) == 1 and None not in kinds else NOT_CONSTANT
            if (type(func) is cst.Name and func.value == "hasattr" and len(node.args) == 2 and self.state is not None
                    and "hasattr" not in self.state.env and not any(a.keyword or a.star for a in node.args)):
                # ``hasattr(model, "enable_input_require_grads")`` of an instance of a class of ours that defines it
                attr = literal_value(node.args[1].value)
                held = self.ev_quiet_chain(node.args[0].value)
                if isinstance(attr, str) and held and all(o.site in self.namespace_attrs for o in held):
                    # ``hasattr(config, "scale_emb")`` of a ``SimpleNamespace(hidden_size=...)``: it has what its
                    # constructor gave it; it lacks an attribute no statement of the file ever stores
                    given = {attr in self.namespace_attrs[o.site] for o in held}
                    stored = self.stored_attr_names()
                    if given == {True}:
                        return True
                    if given == {False} and stored is not None and attr not in stored:
                        return False
                    return NOT_CONSTANT
                if isinstance(attr, str) and held and all(
                        o.kind in (MODULE, UNKNOWN) and o.cls in self.classes and self.method_of(o.cls, attr) is not None
                        for o in held):
                    return True
                return NOT_CONSTANT
            tensor_test = self.tensor_type_test(node)
            if tensor_test is not NOT_CONSTANT:
                return tensor_test
            if (type(func) is cst.Name and func.value in _CONST_BUILTINS and node.args and self.state is not None
                    and func.value not in self.state.env and not any(a.keyword or a.star for a in node.args)):
                args = [self.const(a.value) for a in node.args]  # ``max(num_relations, 1)``
                if all(type(a) in (int, float, bool) for a in args) and (func.value in ("max", "min") or len(args) == 1):
                    try:
                        return _CONST_BUILTINS[func.value](*args)
                    except (ValueError, OverflowError):  # ``int(float("inf"))``
                        return NOT_CONSTANT
            if type(func) is cst.Attribute and func.attr.value in _STR_METHODS and not any(
                    a.keyword or a.star for a in node.args):
                # ``'{}Norm{}d'.format(normalization.capitalize(), dimensions)``, ``name.lower()``
                recv = self.const(func.value)
                args = [self.const(a.value) for a in node.args]
                if isinstance(recv, str) and all(type(a) in (str, int, bool) for a in args) and (
                        func.attr.value == "format" or not args):
                    try:
                        value = getattr(recv, func.attr.value)(*args)
                    except (IndexError, KeyError, ValueError):
                        return NOT_CONSTANT
                    return value if len(value) <= 200 else NOT_CONSTANT
                return NOT_CONSTANT
            if (type(func) is cst.Attribute and func.attr.value in _STR_PREDICATES and len(node.args) == 1
                    and not node.args[0].keyword and not node.args[0].star):
                recv, arg = self.const(func.value), self.const(node.args[0].value)
                if isinstance(recv, str) and (isinstance(arg, str) or isinstance(arg, tuple) and all(
                        isinstance(a, str) for a in arg)):
                    return getattr(recv, func.attr.value)(arg)  # ``name.startswith("encoder.")``
            return self.predicate_const(node)
        if type(node) is cst.Comparison and all(type(c.operator) is cst.Equal for c in node.comparisons):
            # ``query.data_ptr() == key.data_ptr() == value.data_ptr()`` of one and the same tensor: True
            operands = [node.left, *(c.comparator for c in node.comparisons)]
            if all(type(e) is cst.Call and not e.args and type(e.func) is cst.Attribute
                   and e.func.attr.value == "data_ptr" for e in operands):
                held = {self.ev_quiet_chain(e.func.value) for e in operands}
                if len(held) == 1:
                    value = next(iter(held))
                    if len(value) == 1 and next(iter(value)).is_tensor:
                        return True
                return NOT_CONSTANT
        if type(node) is cst.Comparison and len(node.comparisons) == 1:
            op = node.comparisons[0].operator
            if type(node.left) is cst.Name and self.consts.get(node.left.value) is LATER_PASS:
                # the index of ``enumerate`` past its first pass: 1 or more
                bound = self.const(node.comparisons[0].comparator)
                if type(bound) is int:
                    if (type(op) in (cst.Equal, cst.LessThanEqual) and bound < 1
                            or type(op) is cst.LessThan and bound <= 1):
                        return False
                    if (type(op) in (cst.NotEqual, cst.GreaterThan) and bound < 1
                            or type(op) is cst.GreaterThanEqual and bound <= 1):
                        return True
            if (type(op) in (cst.Is, cst.IsNot) and type(node.left) in (cst.Attribute, cst.Name)
                    and self.surely_not_none(node.left)
                    and literal_value(node.comparisons[0].comparator) is None):
                return type(op) is cst.IsNot  # ``self.act is not None`` with a module built for it
            if (type(op) in (cst.Is, cst.IsNot) and type(node.left) is cst.Attribute
                    and node.left.attr.value == "grad_fn" and literal_value(node.comparisons[0].comparator) is None):
                has = self.surely_has_grad_fn(node.left.value)  # ``if k.grad_fn is not None:`` (fast-transformers)
                if has is not None:
                    return has if type(op) is cst.IsNot else not has
            left, right = self.const(node.left), self.const(node.comparisons[0].comparator)
            if left is NOT_CONSTANT or right is NOT_CONSTANT:
                return NOT_CONSTANT
            op = node.comparisons[0].operator
            if type(op) in (cst.Equal, cst.Is):
                return left == right and type(left) is type(right) if type(op) is cst.Is else left == right
            if type(op) in (cst.NotEqual, cst.IsNot):
                return not (left == right and type(left) is type(right)) if type(op) is cst.IsNot else left != right
            if type(op) in (cst.In, cst.NotIn) and (
                    isinstance(right, (tuple, list, frozenset)) or isinstance(right, str) and isinstance(left, str)):
                try:
                    found = left in right  # ``"lora_" in name``, ``act in ("relu", "gelu")``
                except TypeError:  # (an unhashable constant in a frozenset)
                    return NOT_CONSTANT
                return found if type(op) is cst.In else not found
            if type(left) in (int, float) and type(right) in (int, float):  # (not bool)
                if type(op) is cst.LessThan:
                    return left < right
                if type(op) is cst.LessThanEqual:
                    return left <= right
                if type(op) is cst.GreaterThan:
                    return left > right
                if type(op) is cst.GreaterThanEqual:
                    return left >= right
        if type(node) is cst.BinaryOperation and isinstance(node.operator, _INT_OPERATOR_TYPES):
            left, right = self.const(node.left), self.const(node.right)  # ``num_layers - 1``, ``step % n_critic``
            if type(left) is int and type(right) is int and (
                    right != 0 or type(node.operator) not in (cst.Modulo, cst.FloorDivide)):
                return _INT_OPERATORS[type(node.operator)](left, right)
        return NOT_CONSTANT

    def _held_tensors(self, expr: cst.BaseExpression) -> Optional[List[Obj]]:
        """The tensors a name or attribute chain holds here, when it holds nothing else."""
        held = self.ev_quiet(expr)
        tensors = [o for o in held if o.is_tensor]
        return tensors if tensors and len(tensors) == len(held) else None

    def surely_requires_grad(self, expr: cst.BaseExpression) -> Optional[bool]:
        """``expr.requires_grad`` when every tensor ``expr`` may hold agrees (an activation's requires-grad as
        assumed: the branch for one that does not is the inference path), else None."""
        tensors = self._held_tensors(expr)
        if tensors is None:
            return None
        if all(self.is_rg(o) for o in tensors):
            return True
        if all(self.surely_no_grad(o) for o in tensors):
            return False
        return None

    def surely_has_grad_fn(self, expr: cst.BaseExpression) -> Optional[bool]:
        """Whether ``expr.grad_fn`` is set: an op's result (or a view) that requires grad has one; a leaf, a
        detached tensor or one that does not require grad has none. None when the tensors ``expr`` may hold
        disagree or are not known."""
        tensors = self._held_tensors(expr)
        if tensors is None:
            return None
        if all(o.kind in (DERIVED, VIEW) and self.is_rg(o) for o in tensors):
            return True
        if all(o.kind in (LEAF, PARAM, DETACHED, DATA, GRAD) or self.surely_no_grad(o) for o in tensors):
            return False
        return None

    def surely_not_none(self, node: cst.BaseExpression) -> bool:
        """``node`` (a name or ``self.attr``) surely does not hold None here: a module or tensor made where it was
        bound (``NOT_NONE``, for a parameter when its argument is such a name)."""
        if type(node) is cst.Name:
            return self.consts.get(node.value) is NOT_NONE or (
                self.state is not None and self.state.consts.get(node.value) is NOT_NONE)
        if type(node) is cst.Attribute:
            return self.consts.get(dotted(node) or "") is NOT_NONE
        if type(node) is cst.Call:
            # a torch layer built right there (``activation=nn.ReLU()``), a torch op or tensor method's result
            q = self.qualname(node.func) or ""
            return q.startswith("torch.nn.") and q.count(".") == 2 and q.split(".")[-1][:1].isupper() or \
                self.returns_tensor(node)
        return False

    def made_here(self, value_node: cst.BaseExpression, value: Value) -> bool:
        """``value``, what ``value_node`` evaluated to, is modules or tensors that expression itself made (a
        constructor, a torch op): never None (what a call of a function returns may be None on another path)."""
        if type(value_node) is cst.Name:
            return self.surely_not_none(value_node)
        if self.returns_tensor(value_node):
            return True
        return bool(value) and type(value_node) in (cst.Call, cst.BinaryOperation) and all(
            o.node is value_node and (o.kind == MODULE or o.is_tensor) for o in value)

    def returns_tensor(self, expr: cst.BaseExpression, depth: int = 0) -> bool:
        """``expr`` is a call of a torch op (``torch.cat(...)``) or of a tensor method on a tensor
        (``torch.cat(query_box, dim=1).detach()``, ``x.clone()`` for ``x`` a tensor): a tensor, never None."""
        if type(expr) is not cst.Call or depth > 8:
            return False
        func = expr.func
        q = self.qualname(func)
        if q is not None:
            return q.startswith("torch.") and (ops.saved_info(q) is not None or ops.is_view_function(q))
        if type(func) is not cst.Attribute:
            return False
        name = func.attr.value
        if not (name in _TENSOR_RETURNING_METHODS or ops.is_view_method(name)
                or ops.saved_info("Tensor." + name) is not None):
            return False
        if self.returns_tensor(func.value, depth + 1):
            return True
        held = self.ev_quiet(func.value)
        return bool(held) and all(o.is_tensor for o in held)

    def truth(self, node: cst.BaseExpression) -> object:
        """Whether the test ``node`` holds (True / False), or ``NOT_CONSTANT``. Beyond ``const``: ``a or b`` holds
        when one side does, ``a and b`` fails when one side does, whatever the other is
        (``seqlen > self._seq_len_cached or (self.training and self._cos_cached.is_inference())``)."""
        if type(node) is cst.BooleanOperation:
            left, right = self.truth(node.left), self.truth(node.right)
            if type(node.operator) is cst.Or:
                if left is True or right is True:
                    return True
                return False if left is False and right is False else NOT_CONSTANT
            if left is False or right is False:
                return False
            return True if left is True and right is True else NOT_CONSTANT
        if (type(node) is cst.UnaryOperation and type(node.operator) is cst.Not
                and type(node.expression) is cst.BooleanOperation):
            value = self.truth(node.expression)
            return NOT_CONSTANT if value is NOT_CONSTANT else not value
        value = self.const(node)
        if value is NOT_CONSTANT and type(node) in (cst.Name, cst.Attribute) and self.surely_not_none(node):
            # ``if self.activation:`` of a layer surely built: true (a torch layer has no ``__len__``; a container,
            # an empty ``nn.Sequential``, may be false)
            held = self.ev_quiet(node)
            if held and all(o.kind == MODULE and o.cls.startswith("torch.nn.") and o.cls not in _CONTAINER_CLASSES
                            for o in held):
                return True
        return value if value is NOT_CONSTANT else bool(value)

    def bound_const(self, value_node, forms: Tuple[type, ...]) -> object:
        """The constant an assignment binds (``n = len(sizes) - 1``, ``self.end_level = end_level``): ``const`` of
        ``value_node`` when it is of one of ``forms`` and a number, string, bool or None; else ``NOT_CONSTANT``."""
        c = self.const(value_node) if isinstance(value_node, forms) else NOT_CONSTANT
        return c if c is None or type(c) in (int, float, str, bool, tuple) else NOT_CONSTANT

    def flag(self, node: cst.BaseExpression) -> Optional[bool]:
        """``node`` as a known boolean flag (``inplace=True``, ``inplace=TRIGGER_BUG``), else None."""
        value = self.const(node)
        return None if value is NOT_CONSTANT or isinstance(value, str) else bool(value)

    def recheck_grad_off_helpers(self) -> None:
        """A helper whose every call site in this module runs with grad off runs with grad off: analyse it again.

        Transitive: a call site inside a function that itself only runs with grad off counts as grad off, unless a
        ``with`` block in between changed the mode."""
        by_func: Dict[int, List[Tuple[int, str]]] = {}
        for key, rep in self.reports.items():
            if rep.func is not None and not rep.func.forced_grad and rep.func.grad is True:
                by_func.setdefault(id(rep.func), []).append(key)
        if not by_func:
            return
        candidates = {fn.qualname: fn for fn in self.functions if not fn.forced_grad and fn.grad is True}
        off: Set[str] = set()
        changed = True
        while changed:
            changed = False
            for qual in candidates:
                if qual in off:
                    continue
                sites = self.calls.get(qual)
                if not sites:
                    continue
                if all(mode is False or (caller is not None and caller.qualname in off and mode == caller.grad)
                       for caller, mode in sites):
                    off.add(qual)
                    changed = True
        for fn in self.functions:
            keys = by_func.get(id(fn))
            if not keys or fn.qualname not in off:
                continue
            fn.grad = False
            self.analyze_again(fn, keys)

    # ------------------------------------------------------------------ helpers
    def record_call(self, qualname: str) -> None:
        self.calls.setdefault(qualname, []).append((self.current, self.state.grad if self.state is not None else None))

    def record_forward_call(self, forward: _Function, pos: List[Value]) -> None:
        """A call of one of our modules: its grad mode (``recheck_grad_off_helpers``) and its positional arguments
        (``recheck_sequence_inputs``) here."""
        self.record_call(forward.qualname)
        self.forward_args.setdefault(forward.qualname, []).append(list(pos))

    def obj(self, kind: str, site, **kw) -> Obj:
        if kind in (LEAF, DERIVED) and not kw.get("meta") and self.state is not None and self.state.infer is True:
            kw["meta"] = INFERENCE  # made in inference mode: an inference tensor
        o = Obj(kind, site, **kw)
        cached = self._obj_cache.get(o._key)
        if cached is None:
            self._obj_cache[o._key] = o
        else:
            o = cached
        if self._rebinding is not None and cached is not None and (
                o.kind in (DERIVED, LEAF) and o.base is None or o.kind == VIEW):
            self.forget_old_copy(o)  # made before: an old copy may still be around
        return o

    def ev_rebinding(self, expr: cst.BaseExpression, names: Sequence[str]) -> Value:
        """``ev(expr)`` for a value about to be bound to ``names`` (see ``forget_old_copy``)."""
        outer, self._rebinding = self._rebinding, frozenset(names)
        outer_state, self._renewal_state = self._renewal_state, self.state
        outer_renewals, self._renewals = self._renewals, []
        outer_marked, self._stale_marked = self._stale_marked, set()
        try:
            value = self.ev(expr)
            s = self.state
            if s is not None and (s.saved or s.stale):
                # a call on something of unknown type makes an unknown object per call site: new each time too
                # (but a stale graph it got from its arguments just now is its own)
                old = self.unknown_old_copies(value)
                if old:
                    inside = {id(n) for n in _nodes(expr)}
                    for o in old:
                        if o.site[1] in inside:
                            self.forget_old_copy(o)
            return value
        finally:
            self._rebinding = outer
            self._renewal_state = outer_state
            self._stale_marked = outer_marked
            self._last_renewals, self._renewals = self._renewals, outer_renewals

    def unknown_old_copies(self, value: Value) -> List[Obj]:
        """The unknown objects of ``value`` made at a site (``("call", id)``) whose earlier copy has facts in the
        state (saved, stale): made anew, the facts are the old copy's (not a stale graph it got just now)."""
        s = self.state
        return [o for o in value if o.kind == UNKNOWN and (o in s.saved or o in s.stale)
                and o not in self._stale_marked and isinstance(o.site, tuple) and len(o.site) > 1]

    def held_outside(self) -> Set[Obj]:
        """The objects that the code outside the function being analysed can still reach: its callers' names, and
        what instances keep in attributes."""
        held: Set[Obj] = set()
        for state in self.caller_states:
            for value in state.env.values():
                collect_refs(value, held)
        for attrs in (*self.instance_attrs.values(), *self.later_attrs.values()):
            for value in attrs.values():
                collect_refs(value, held)
        return held

    def forget_old_copy(self, o: Obj) -> None:
        """An allocation site that runs again (in a loop) makes a *new* tensor: ``b = b.clone()`` in a loop body is
        not the tensor an op saved on the previous iteration. The abstract object is the same, so the old one's
        facts -- saved for backward, graph made stale by ``optimizer.step()`` -- are dropped when it is created
        again, if no name but those the statement rebinds can still reach the old one."""
        s = self.state
        if s is None:
            return
        if o not in s.saved and o not in s.stale:
            # nothing saved the old copy yet, but a name still holds it (``memory`` while ``nxt = f(memory)``
            # makes the same abstract tensor anew): what is saved through that name later concerns the old copy
            if s is self._renewal_state and any(
                    o in v for k, v in s.env.items()
                    if k not in self._rebinding and k.split(".")[0] not in self._rebinding):
                self._renewals.append((o, frozenset()))
            return
        held: Set[Obj] = set()
        for key, other in s.env.items():
            if key not in self._rebinding and key.split(".")[0] not in self._rebinding:
                collect_refs(other, held)
        if o in held:
            if o in s.saved and s is self._renewal_state:
                self._renewals.append((o, s.saved[o]))
            return
        s.saved.pop(o, None)
        s.stale.pop(o, None)
        s.graft_modules.pop(o, None)
        if o in s.renewed:
            del s.renewed[o]

    def renew(self, names: Sequence[str]) -> None:
        """After an assignment to ``names`` that made objects anew whose old copies other names still hold
        (``spo.append(sp)`` in a loop, then ``sp = bn(sp)``): ``names`` hold the new copies, which the saves
        made so far (of the old copies) do not concern (``State.renewed``, ``saved_by(..., through=)``)."""
        renewals, self._last_renewals = self._last_renewals, []
        s = self.state
        if s is None:
            return
        done: Set[Obj] = set()
        for o, records in renewals:  # the first snapshot of an object's saves: those made before this statement ran
            holders = frozenset(n for n in names if o in s.env.get(n, ()))
            if holders and o not in done:
                done.add(o)
                s.renewed[o] = (holders, records)

    def report(self, node: cst.CSTNode, code: str, message, fix=None, related=(), severity=None, stmt=None) -> None:
        """Record a finding. ``message`` is a string or a callable taking ``line_of(node) -> int`` (positions are
        computed only at the end, and only for files with findings)."""
        key = (id(node), code)
        if key not in self.reports and self.summary_log is None:
            related = list(related)
            func = self.current
            if self.call_stack:
                related.append((self.call_stack[0][1], REACHED_FROM_CALL))
                func = self.call_root  # the function whose analysis made the call (its grad mode decides)
            home = self.current.home if self.current is not None else None
            self.reports[key] = _Report(node, code, message, fix, stmt or self.stmt, related, func, severity, home)

    def tensor_type_test(self, node: cst.Call) -> object:
        """``isinstance(x, torch.Tensor)`` / ``torch.is_tensor(x)``: True when every object ``x`` may hold is a
        tensor, False when none is (a list, a module, a number...), else ``NOT_CONSTANT``."""
        args = node.args
        if any(a.keyword or a.star for a in args) or self.state is None:
            return NOT_CONSTANT
        func = node.func
        if type(func) is cst.Name and func.value == "isinstance" and "isinstance" not in self.state.env \
                and len(args) == 2:
            if self.qualname(args[1].value) != "torch.Tensor":
                return NOT_CONSTANT
        elif not (len(args) == 1 and self.qualname(func) == "torch.is_tensor"):
            return NOT_CONSTANT
        held = self.ev_quiet(args[0].value)
        if held and all(o.is_tensor for o in held):
            return True
        if held and all(_not_a_tensor(o) or o.kind == INT for o in held):
            return False
        return NOT_CONSTANT

    def qualname(self, node: cst.BaseExpression) -> Optional[str]:
        """The canonical qualified name of an imported thing, or None (local names shadow imports)."""
        head = node
        while type(head) is cst.Attribute:
            head = head.value
        if type(head) is not cst.Name:
            return None
        name = head.value
        if self.state is not None and name in self.state.env:
            return None
        q = self.imports.get(name)
        if q is None:
            return None
        d = dotted(node)
        if d is None:
            return None
        return canonical(q + d[len(name):])

    def is_rg(self, o: Obj, state: Optional[State] = None) -> bool:
        """Does ``o`` definitely require grad?"""
        s = state or self.state
        if s is None:
            return False
        if o in s.norg:
            return False
        if o in s.rg or o in s.grafted:
            return True
        if (o.kind == PARAM and s.norg and isinstance(o.site, tuple) and len(o.site) == 2
                and isinstance(o.site[1], str) and all_parameters_of(o.site[0]) in s.norg):
            return False  # a parameter of a torch layer all of whose parameters were frozen
        if o.kind == VIEW:
            return o.rg is True or o.base is not None and self.is_rg(o.base, s)
        return o.rg is True and o.kind in (LEAF, PARAM, DERIVED)

    def is_leaf_rg(self, o: Obj, state: Optional[State] = None) -> bool:
        s = state or self.state
        return o.kind in (LEAF, PARAM, DETACHED) and self.is_rg(o, state) and not (s is not None and o in s.grafted)

    def is_leaf_rg_or_view(self, o: Obj, state: Optional[State] = None) -> bool:
        """A leaf that requires grad, or a view of one: an in-place write to it raises at once with grad mode on."""
        return self.is_leaf_rg(o, state) or (o.kind == VIEW and o.base is not None and self.is_leaf_rg(o.base, state))

    def view_of(self, o: Obj, node, multi: bool = False, how: str = "", site=None, tuple_of: bool = False,
                maybe: bool = False, reshaped: bool = False) -> Obj:
        """A view of ``o`` created at ``node``; views of ``.data``/detached/grad tensors stay what they are.

        Its creation meta (``Obj.meta``) follows autograd's: made in inference mode (of a normal tensor) or with
        grad mode off, else inherited from a view it is taken of, else ``MULTI_OUTPUT`` for an output of
        unbind/split/chunk or of iterating a tensor (``multi``). Unknown grad mode gives no meta."""
        k = o.kind
        if k in (DATA, DETACHED, GRAD):
            return o
        base = o.base if k == VIEW else o
        meta, made_by = "", ""
        s = self.state
        if s is not None:
            if s.infer is True and not self.is_inference(o):
                meta, made_by = INFERENCE_VIEW, "torch.inference_mode()"
            elif s.grad is False and s.infer is False:
                meta, made_by = NO_GRAD_VIEW, "grad mode off"
            elif s.grad is True and k == VIEW and o.meta in VIEW_METAS:
                meta, made_by = o.meta, o.how
            elif s.grad is True and multi:
                meta, made_by = MULTI_OUTPUT, how
        # a view of a view made to require grad (``requires_grad_()``) while its base does not: it requires grad
        # (autograd records it from that view), which its base no longer tells
        rg = True if k == VIEW and s is not None and s.grad is not False and o in s.rg \
            and not self.is_rg(base) else None
        if maybe or (k == VIEW and MAYBE_VIEW in o.extra):
            extra: tuple = (MAYBE_VIEW,)  # taken for a view, which it is only for some shapes (``maybe_view_of_split``)
        else:
            extra = (TUPLE_OF_VIEWS,) if tuple_of else ()
        if reshaped or (k == VIEW and RESHAPED in o.extra):
            extra += (RESHAPED,)  # of ``base`` only if a reshape of it did not copy (``reshape_view``)
        view = self.obj(VIEW, id(node) if site is None else site, base=base, node=node, stmt=self.stmt, meta=meta,
                        how=made_by, extra=extra, rg=rg)
        if s is not None and s.stale:
            # taken again (the loop's next pass): a fresh view, whose graph is its base's (``State.stale_of``)
            s.stale.pop(view, None)
        return view

    def is_inference(self, o: Obj) -> bool:
        """``o`` was made in inference mode (an inference tensor, if it is a tensor at all), or is a view of one.
        (``detach()`` of an inference tensor outside inference mode is a normal tensor.)"""
        while o.kind == VIEW and o.base is not None and o.meta != INFERENCE:
            o = o.base
        return o.meta == INFERENCE

    def leaf_origin(self, value: Iterable[Obj]) -> FrozenSet[Obj]:
        out = set()
        for o in value:
            if o.kind in (LEAF, PARAM, DETACHED):
                if self.is_rg(o):
                    out.add(o)
            elif o.kind in (DERIVED, VIEW):
                out.update(o.origin if o.kind == DERIVED else self.leaf_origin((o.base,)) if o.base else ())
        return frozenset(out)

    def derived(self, node: cst.CSTNode, inputs: Iterable[Value], label: str = "", key: Optional[str] = None,
                args: Optional[Dict[object, Value]] = None, module: Optional[Obj] = None,
                saved_params: FrozenSet[object] = frozenset()) -> Value:
        result = self._derived(node, inputs, label, saved_params)
        if key is not None and self.state is not None and self.state.grad is True:
            args = args or {}
            shape = ops.tuple_outputs(key, ops.variant_of(key, args)) if module is None and not any(
                o.is_tensor for o in args.get(1, ())) else None
            if shape is not None and len(result) == 1:
                return self.tuple_result(node, key, args, next(iter(result)), label or key, *shape)
            self.record_saves(node, key, args, result, label or key, module)
        return result

    def tuple_result(self, node: cst.CSTNode, key: str, args: Dict[object, Value], base: Obj, label: str, n: int,
                     outputs: FrozenSet[int]) -> Value:
        """The result of an op that returns a tuple of tensors (``evals, evecs = torch.linalg.eigh(m)``,
        ``values, idx = x.max(dim=1)``): one tensor per output, computed like ``base``, those the op saves
        (``outputs``) saved for backward when a graph is recorded (``evals.clamp_min_(0)`` then raises)."""
        parts = tuple(frozenset((self.output_like(base, (id(node), "out", i), node, label),)) for i in range(n))
        self.record_saves(node, key, args, EMPTY, label, None)  # (what it saves of its arguments)
        if base.kind == DERIVED and base.rg is True and outputs:
            saved = dict(self.state.saved)
            kept = frozenset(o for i in outputs for o in parts[i])
            for o in kept:
                self._save(saved, o, (label, node, ()))
            self.commit_saves(node, saved, kept)
        return self.tuple_value(id(node), parts, node)

    def output_like(self, base: Obj, site, node: cst.CSTNode, label: str) -> Obj:
        """Another output of the call that made ``base`` (an op or layer returning a tuple), computed like it."""
        return self.obj(base.kind, site, rg=base.rg, origin=base.origin, node=node, stmt=self.stmt, label=label,
                        extra=base.extra, meta=base.meta, how=base.how)

    def tuple_value(self, site, parts: Tuple[Value, ...], node: cst.CSTNode) -> Value:
        """A tuple known position by position (``parts``)."""
        return frozenset((self.obj(SEQ, site, elems=frozenset(o for p in parts for o in p), extra=parts, node=node),))

    def _derived(self, node: cst.CSTNode, inputs: Iterable[Value], label: str = "",
                 saved_params: FrozenSet[object] = frozenset()) -> Value:
        s = self.state
        inputs = list(inputs)
        objs = [x for v in inputs for o in v for x in (o.elems if o.kind == SEQ else (o,))]
        if s is None:
            return UNKNOWN_VALUE
        if s.overwritten:
            self.note_overwritten_reads(node, inputs)
        result = self._derived_obj(node, objs, label, saved_params)
        if self.graph_nodes and result.kind == DERIVED:
            history = [self.graph_nodes.get(o.root()) for o in objs]
            history = [h for h in history if h]
            if history:
                self.graph_nodes[result] = self.graph_nodes.get(result, frozenset()).union(*history)
        if s.stale:
            s.stale.pop(result, None)  # a fresh computation
            stale = next((f for f in map(s.stale_of, objs) if f is not None), None)
            if stale is not None and result.kind == DERIVED:
                s.stale[result] = stale
        return frozenset((result,))

    def _derived_obj(self, node: cst.CSTNode, objs: List[Obj], label: str, saved_params: FrozenSet[object]) -> Obj:
        s = self.state
        if s.grad is False:
            rg: Optional[bool] = False
        elif any(self.is_rg(o) for o in objs):
            rg = True
        elif objs and all(self.surely_no_grad(o) for o in objs):
            rg = False
        else:
            rg = None
        if s.grad is not False:
            used = [o for o in objs if o.is_tensor or o.kind == UNKNOWN]
            if used:
                s.used = s.used | frozenset(used)
        if rg is False:
            if s.grad is False:
                grad_inputs = self.leaf_origin(objs)
                if grad_inputs:
                    # computed from tensors that require grad, but under no_grad: a new leaf that does not
                    # (``with torch.no_grad(): w = w - lr * w.grad`` -- next time round ``w.grad`` is None)
                    return self.obj(LEAF, id(node), rg=False, origin=grad_inputs, node=node, stmt=self.stmt,
                                    extra=("nograd",))
            # no input requires grad: the result has no history, it is a fresh leaf (carrying what it copies)
            copied = frozenset(c for o in objs if o.kind in (DETACHED, LEAF) and "nograd" not in o.extra
                               for c in o.origin)
            return self.obj(LEAF, id(node), rg=False, origin=copied, node=node, stmt=self.stmt)
        origin = self.leaf_origin(objs) if rg else frozenset()
        meta = how = ""
        if rg is True and not any(self.is_rg(o) and not self.assumed(o) for o in objs):
            meta, how = ASSUMED, next(self.assumed(o) for o in objs if self.assumed(o))
        # the modules whose parameters this graph saved (for ``optimizer.step()`` before its backward)
        mods = set(saved_params) if s.grad is True else set()
        for o in objs:
            mods |= self.saved_modules(o)
        extra = (frozenset(mods),) if mods and len(mods) <= 8 else ()
        if self.call_stack:
            self.made_depth[id(node)] = len(self.call_stack)
        return self.obj(DERIVED, id(node), rg=rg, origin=origin, node=node, stmt=self.stmt, label=label, extra=extra,
                        meta=meta, how=how)

    def saved_modules(self, o: Obj) -> FrozenSet[object]:
        """The sites of the modules whose parameters the graph of ``o`` saved (a view shares its base's graph),
        with those of what in-place writes put into it (``State.graft_modules``)."""
        while o.kind == VIEW and o.base is not None:
            o = o.base
        own = o.extra[0] if o.kind == DERIVED and o.extra else frozenset()
        s = self.state
        if s is not None and s.graft_modules and o in s.graft_modules:
            return own | s.graft_modules[o]
        return own

    def assumed(self, o: Obj) -> str:
        """The name of the ``forward`` input whose assumed requires-grad ``o`` (or the tensor it is a view of)
        requires grad by, or ""."""
        while o.kind == VIEW and o.base is not None:
            o = o.base
        return o.how if o.meta == ASSUMED else ""

    # ------------------------------------------------------------------ uses and facts
    def mark_used(self, values: Iterable[Value]) -> None:
        s = self.state
        if s is None or s.grad is False:
            return
        objs = frozenset(o for v in values for o in v if o.is_tensor or o.kind == UNKNOWN)
        if objs:
            s.used = s.used | objs

    def tensor_objs(self, value: Value) -> List[Obj]:
        return [o for o in value if o.is_tensor]

    @staticmethod
    def maybe_tensor(value: Value) -> bool:
        """Every object is a tensor or an unknown of known origin (a parameter, a call result): something an
        in-place tensor method can be applied to."""
        return bool(value) and all(o.is_tensor or (o.kind == UNKNOWN and o.site != "unknown") for o in value)

    def emit(self, event) -> None:
        """Tell every check that subscribes to this kind of fact (a method named ``event.HOOK``); while a summary
        is computed, log the in-place writes for it instead."""
        log = self.summary_log
        if log is not None:
            if type(event) is InplaceWrite:
                log.append((event, event.state.grad, self.current))
            return
        for check in self.checks:
            handler = getattr(check, event.HOOK, None)
            if handler is not None:
                handler(event, self.context)

    def inplace(self, node, target, value: Value, via: str, op: str, advanced: bool = False,
                operand: Value = EMPTY) -> None:
        if self.state is None or not value:
            return
        write = InplaceWrite(node, target, value, via, op, self.state, self.stmt, advanced, operand,
                             self.next_passes > 0, self.loop_nodes[-1] if self.loop_nodes else None)
        self.emit(write)
        if self.call_stack and via != "hook":
            # analysed at a call: the caller's tensor, if this is one, holds new values from here on (``forward``
            # starting with an in-place activation on its input); a write that raises at once changes nothing
            roots = {o.root() for o in value}
            if len(roots) == 1 and not self.raises_at_once(value):
                self.state.clobbered = {**self.state.clobbered, next(iter(roots)): node}
        if self.hook_kept:
            kept = next((self.hook_kept[o.root()] for o in value if o.root() in self.hook_kept), None)
            if kept is not None:
                self.emit(HookKeptOverwritten(write, kept[0], kept[1], self.state))
        s = self.state
        if s is not None and s.grad is True and operand and any(x.is_tensor and self.is_rg(x) for x in operand):
            # autograd records an in-place write of a tensor that requires grad: the written tensor requires
            # grad from now on (``buf[0] = x``: ``buf`` is a non-leaf with a CopySlices node), and its graph
            # holds what the written value's graph saved
            mods = frozenset(m for x in operand for m in self.saved_modules(x))
            for o in value:
                while o.kind == VIEW and o.base is not None:
                    o = o.base
                if o.kind in (LEAF, DERIVED) and not self.is_rg(o) and o.rg is not True:
                    s.grafted = s.grafted | {o}
                if mods and o.kind in (LEAF, DERIVED) and len(mods | s.graft_modules.get(o, EMPTY)) <= 8:
                    s.graft_modules[o] = mods | s.graft_modules.get(o, EMPTY)

    def raises_at_once(self, value: Value) -> bool:
        """An in-place write into ``value`` raises where it is made (grad mode on): a leaf that requires grad or a
        view of one, a view made by unbind/split/chunk or under no_grad that requires grad."""
        if self.state is None or self.state.grad is not True:
            return False
        return all(self.is_leaf_rg_or_view(o) for o in value) or all(
            o.kind == VIEW and o.meta in VIEW_METAS and self.is_rg(o) for o in value)

    def defer(self, fn: Callable[[], None], needs: FrozenSet[Obj]) -> None:
        """Run ``fn`` at the end of the function if every object of ``needs`` turned out to have a used ``.grad``."""
        self.pending.append((fn, needs))

    def flush_pending(self) -> None:
        for fn, needs in self.pending:
            if needs and all(o in self.grad_used for o in needs):
                fn()
        self.pending = []

    # ------------------------------------------------------------------ statements
    def exec_block(self, stmts: Sequence[cst.CSTNode]) -> None:
        table = self._exec
        for stmt in stmts:
            if self.state is None:
                return  # the rest is unreachable
            handler = table.get(type(stmt))
            if handler is not None:
                handler(stmt)
            elif type(stmt) is cst.Match:
                self.ex_Match(stmt)
            else:
                self.visit_generic(stmt)

    def ex_SimpleStatementLine(self, line: cst.SimpleStatementLine) -> None:
        small = self._small
        for stmt in line.body:
            if self.state is None:
                return
            self.stmt = line.node if type(line) is SuiteLine else line
            self.small = stmt
            handler = small.get(type(stmt))
            if handler is not None:
                handler(stmt)

    def sx_Expr(self, stmt: cst.Expr) -> None:
        value = stmt.value
        if type(value) is cst.Call:
            q = self.qualname(value.func)
            if q == "torch.set_grad_enabled" and value.args:
                mode = self.flag(value.args[0].value)
                self.eval_args(value)
                if self.state is not None:
                    self.state.grad = mode
                return
        self.ev(value)

    def sx_Assign(self, stmt: cst.Assign) -> None:
        names = _plain_target_names([t.target for t in stmt.targets])
        if names is not None:
            # (``x = f()``, and ``values, _ = torch.max(s, dim=1)``: the tensors made anew rebind only these names)
            value = self.ev_rebinding(stmt.value, names)
            for target in stmt.targets:
                self.assign(target.target, value, stmt.value)
            self.renew(names)
            return
        value = self.ev(stmt.value)
        for target in stmt.targets:
            self.assign(target.target, value, stmt.value)

    def sx_AnnAssign(self, stmt: cst.AnnAssign) -> None:
        if stmt.value is not None:
            if type(stmt.target) is cst.Name:
                value = self.ev_rebinding(stmt.value, [stmt.target.value])
                self.assign(stmt.target, value, stmt.value)
                self.renew([stmt.target.value])
                return
            value = self.ev(stmt.value)
            self.assign(stmt.target, value, stmt.value)

    def sx_AugAssign(self, stmt: cst.AugAssign) -> None:
        target = stmt.target
        rhs = self.ev(stmt.value)
        cur = self.ev(target)
        op = _augop(stmt.operator)
        if type(target) is cst.Name:
            self.forget_const(target.value)  # ``param_size = 0`` ... ``param_size += n``: no longer 0
        if op == "@=" and self.tensor_objs(cur):
            # Tensor has no __imatmul__: ``w @= m`` rebinds ``w`` to a new (non-leaf) tensor
            self.assign(target, self.derived(stmt, (cur, rhs), label="@"), stmt.value)
            return
        if self.tensor_objs(cur):
            self.mark_used((rhs,))
            self.inplace(stmt, target, cur, "augassign", op, operand=rhs)
            # ``x += y`` keeps the object; ``x[i] += y`` writes through the view
            if type(target) is cst.Subscript:
                base = self.ev(target.value)
                self.inplace(stmt, target.value, base, "setitem", op, _advanced_index(target), operand=rhs)
        elif type(target) is cst.Subscript:
            base = self.ev(target.value)
            if self.tensor_objs(base):
                self.inplace(stmt, target.value, base, "setitem", op, _advanced_index(target), operand=rhs)
        elif op == "+=" and cur and all(o.kind == SEQ for o in cur):
            # ``layers += [conv, nn.ReLU()]``: extends the list object (every name holding it sees it)
            added = rhs if len(rhs) == 1 and next(iter(rhs)).kind == SEQ else EMPTY
            parts = seq_parts(next(iter(added))) if added else None
            self.grow_list(cur, self.iter_elems(rhs, stmt), appended=parts)
        elif type(target) is cst.Name and not cur and self.tensor_objs(rhs):
            # ``total += loss`` where ``total`` holds a number (``total = 0``): a new tensor, ``total + loss`` (made
            # by the statement: not the tensor the right-hand side's last call returned)
            self.assign(target, self.derived(stmt, (cur, rhs), label=op[:-1]), stmt.value)
        elif type(target) in (cst.Name, cst.Attribute) and self.maybe_tensor(cur):
            if self.saved_by(cur) or self.function_tensor_input(target, cur):
                self.inplace(stmt, target, cur, "augassign", op)
            if self.tensor_objs(rhs) or any(o.kind == GRAD for o in rhs) or _mentions_grad(stmt.value):
                self.defer_write_on_grad_user(stmt, target, cur, "augassign", op)

    def forget_const(self, name: str) -> None:
        """``name`` is bound again: no longer the constant the call gave it or a statement bound it to."""
        if name in self.consts:
            self.consts = {k: v for k, v in self.consts.items() if k != name}
        s = self.state
        if s is not None and name in s.consts:
            s.consts = {k: v for k, v in s.consts.items() if k != name}

    def function_tensor_input(self, target: cst.BaseExpression, value: Value) -> bool:
        """In a custom ``autograd.Function``, ``value`` is an input of ``forward`` that ``forward`` returns (``x *= 2;
        return x``: so it is a tensor, not a number given along)."""
        fn = self.current
        if fn is None or fn.role != "forward" or fn.node is None or not value \
                or not all(o.root() in fn.inputs for o in value):
            return False
        name = dotted(target)
        return name is not None and any(type(e) is cst.Name and e.value == name for e in returned_values(fn.node))

    def sx_Return(self, stmt: cst.Return) -> None:
        v = EMPTY
        if stmt.value is not None:
            v = self.ev(stmt.value)
            self.mark_used((v,))
        if self.returns is not None and self.state is not None:
            parts = self.not_none_positions(stmt.value)
            self.returns.append((v, self.state.copy(), parts if parts is not None else (
                stmt.value is not None and self.surely_not_none(stmt.value))))
        self.state = None

    def not_none_positions(self, expr) -> Optional[FrozenSet[int]]:
        """For ``return a, b`` (a tuple literal) or ``return f(...)`` of a call whose every path returns one: the
        positions of the tuple surely not None (``y, state = cell(x, state)``: ``state`` a tensor made on every
        path). None for anything else."""
        if type(expr) is cst.Tuple:
            return frozenset(i for i, el in enumerate(expr.elements)
                             if type(el) is cst.Element and self.surely_not_none(el.value))
        if type(expr) is cst.Call:
            return self.not_none_parts.get(id(expr))
        return None

    def sx_Raise(self, stmt: cst.Raise) -> None:
        if stmt.exc is not None:
            self.ev(stmt.exc)
        self.state = None

    def sx_Break(self, stmt: cst.Break) -> None:
        if self.loop_exits and self.state is not None:
            self.loop_exits[-1][0].append(self.state)
        self.state = None

    def sx_Continue(self, stmt: cst.Continue) -> None:
        if self.loop_exits and self.state is not None:
            self.loop_exits[-1][1].append(self.state)
        self.state = None

    def sx_Import(self, stmt) -> None:
        bound = record_import(stmt, self.imports)
        if self.state is not None:
            for name in bound:
                self.state.unbind(name)
        functions = self.imported_functions(stmt)
        for name, fn in functions.items():
            self.fn_by_qual[fn.qualname] = fn
            if self.state is not None:
                self.state.bind(name, frozenset((self.obj(FUNC, ("func", fn.qualname), cls=fn.qualname),)))
        if self.current is None:
            for name in bound:  # imports are never "stable" values, but for a function of the project
                self.module_bindings[name] = self.module_bindings.get(name, 0) + (1 if name in functions else 2)

    def imported_functions(self, stmt) -> Dict[str, _Function]:
        """``from helpers import sgd_step`` where ``helpers`` is a file of the project: local name -> the function,
        to be analysed at each call with the call's arguments."""
        if self.project is None or type(stmt) is not cst.ImportFrom or type(stmt.names) is cst.ImportStar:
            return {}
        module = dotted(stmt.module) if stmt.module is not None else None
        if stmt.module is not None and module is None:
            return {}
        home = self.current.home if self.current is not None else None
        from_dir = home.path.parent if home is not None else None
        out: Dict[str, _Function] = {}
        for alias in stmt.names:
            if type(alias.name) is not cst.Name:
                continue
            home = self.project.function(module, len(stmt.relative), alias.name.value, from_dir)
            if home is None:
                continue
            local = alias.asname.name.value if alias.asname is not None and type(alias.asname.name) is cst.Name \
                else alias.name.value
            out[local] = self.foreign_function(home, alias.name.value)
        return out

    def foreign_function(self, home, name: str) -> _Function:
        """The top-level function ``name`` of the project file ``home``; its body is parsed when first called."""
        qual = f"{home.display}:{name}"
        fn = self.fn_by_qual.get(qual)
        if fn is None:
            fn = _Function(None, None, qual, True, False)  # its decorators are read when it is parsed
            fn.home = home
            self.fn_by_qual[qual] = fn
        return fn

    def globals_of(self, home) -> Dict[str, Value]:
        """The names a function of another project file sees: the functions of its file (its imports resolve
        through its own import table)."""
        env = self.foreign_globals.get(home.path)
        if env is None:
            env = {name: frozenset((self.obj(FUNC, ("func", fn.qualname), cls=fn.qualname),))
                   for name, fn in ((n, self.foreign_function(home, n)) for n in home.function_names)}
            self.foreign_globals[home.path] = env
        return env

    def sx_Del(self, stmt: cst.Del) -> None:
        targets = stmt.target.elements if type(stmt.target) in (cst.Tuple, cst.List) else [stmt.target]
        for t in targets:
            node = t.value if type(t) is cst.Element else t
            if type(node) is cst.Subscript:  # ``del xs[i]``
                self.forget_positions(frozenset(o for o in self.ev(node.value) if o.kind == SEQ))
            key = dotted(node)
            if key is not None and self.state is not None:
                self.state.unbind(key)

    def sx_Global(self, stmt) -> None:
        for n in stmt.names:
            if self.state is not None:
                self.state.bind(n.name.value, UNKNOWN_VALUE)
            self.module_bindings[n.name.value] = self.module_bindings.get(n.name.value, 0) + 2

    def sx_Assert(self, stmt: cst.Assert) -> None:
        self.ev(stmt.test)

    # compound statements
    def ex_If(self, node: cst.If) -> None:
        self.stmt = node
        self.ev(node.test)
        taken = self.truth(node.test)
        if taken is not NOT_CONSTANT:  # ``if activation == "relu":`` with the argument known: one branch runs
            if taken:
                self.exec_block(body_statements(node.body))
            elif type(node.orelse) is cst.If:
                self.ex_If(node.orelse)
            elif type(node.orelse) is cst.Else:
                self.exec_block(body_statements(node.orelse.body))
            return
        before = self.state
        self.state = before.copy() if before is not None else None
        self.enter_branch(node.test, True)
        self.narrow_isinstance(node.test)
        narrowed_then = self.narrow_grad(node.test, True)
        self.exec_block(body_statements(node.body))
        after_then = self.state
        self.state = before.copy() if before is not None else None
        self.enter_branch(node.test, False)
        self.narrow_isinstance(node.test, False)
        narrowed_else = self.narrow_grad(node.test, False)
        orelse = node.orelse
        if type(orelse) is cst.If:
            self.ex_If(orelse)
        elif type(orelse) is cst.Else:
            self.exec_block(body_statements(orelse.body))
        if after_then is not None and self.state is not None and before is not None:
            # both paths go on: past the ``if``, neither path's narrowing holds
            _undo_narrowing(after_then, before, narrowed_then)
            _undo_narrowing(self.state, before, narrowed_else)
        self.state = join_states(after_then, self.state,
                                 lambda: (_condition(node.test, True), _condition(node.test, False)), before,
                                 self.held_outside)

    def enter_branch(self, test: cst.BaseExpression, polarity: bool) -> None:
        """The path where ``test`` is ``polarity``: saves made only where it is not are dropped."""
        s = self.state
        if s is not None and any(r[2] for records in s.saved.values() for r in records):
            restrict_saves(s, _condition(test, polarity))
        if s is not None and any(e[3] for entries in s.stale.values() for e in entries):
            restrict_stale(s, _condition(test, polarity))

    def forget_saves_in(self, expr: cst.BaseExpression) -> None:
        """The results computed inside ``expr`` are turned into a Python value right away (``float(t.max())``,
        ``t.sum().item()``): nothing references their graphs, which torch frees with what they saved."""
        s = self.state
        if s is None or not s.saved or type(expr) in (cst.Name, cst.Attribute):
            return
        nodes = {id(n) for n in _calls_and_operations(expr)}
        if not nodes:
            return
        saved = {}
        for root, records in s.saved.items():
            left = frozenset(r for r in records if id(r[1]) not in nodes)
            if left:
                saved[root] = left
        if len(saved) != len(s.saved) or any(saved[k] != s.saved[k] for k in saved):
            s.saved = saved

    def narrow_isinstance(self, test: cst.BaseExpression, polarity: bool = True) -> None:
        """``if isinstance(m, (nn.Conv2d, nn.Linear)):`` -- in the body, ``m`` holds only the modules of those
        classes (among the modules it may hold; anything else it holds is kept). ``isinstance(v, torch.Tensor)``:
        where it holds, ``v`` holds no module; where it does not (``polarity`` False), no tensor."""
        s = self.state
        if s is None:
            return
        if type(test) is cst.BooleanOperation:
            # ``if not cfg or isinstance(self.scale, nn.Parameter): return``: past it, each part is false
            if (type(test.operator) is cst.Or) is (not polarity):
                self.narrow_isinstance(test.left, polarity)
                self.narrow_isinstance(test.right, polarity)
            return
        if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
            self.narrow_isinstance(test.expression, not polarity)
            return
        exact = self.type_test(test)
        if exact is not None:
            # ``type(m) is nn.SiLU``, ``type(m) in {nn.ReLU, nn.SiLU}`` (also through ``t = type(m)``): exactly
            # those classes
            name, exprs = exact
            value = s.env.get(name)
            if not polarity or not value or not any(o.kind == MODULE for o in value):
                return
            wanted = {self.qualname(e) or dotted(e) for e in exprs}
            if None in wanted:
                return
            s.env[name] = frozenset(o for o in value if o.kind != MODULE or o.cls in wanted)
            return
        if not (type(test) is cst.Call and type(test.func) is cst.Name
                and test.func.value == "isinstance" and len(test.args) == 2
                and type(test.args[0].value) in (cst.Name, cst.Attribute)):
            return
        name = dotted(test.args[0].value)
        value = s.env.get(name) if name is not None else None
        spec = test.args[1].value
        kind = self.qualname(spec)
        if value and kind in ("torch.Tensor", "torch.nn.Parameter", "torch.nn.parameter.Parameter"):
            if kind == "torch.Tensor":
                kept = frozenset(o for o in value if (o.kind != MODULE if polarity else not o.is_tensor))
            else:  # a Parameter, or (where it is not one) anything but a Parameter
                kept = frozenset(o for o in value if (o.kind != MODULE if polarity else not _is_parameter(o)))
            if kept != value:
                s.env[name] = kept or unknown(("not-tensor", id(test)))
            return
        if type(test.args[0].value) is not cst.Name:
            return
        if not polarity or not value or not any(o.kind == MODULE for o in value):
            return
        exprs = [e.value for e in spec.elements] if type(spec) is cst.Tuple else [spec]
        wanted = set()
        for e in exprs:
            q = self.qualname(e)
            d = dotted(e)
            if q is None and d is None:
                return  # a class we cannot name: no narrowing
            wanted.add(q or d)
        kept = frozenset(o for o in value if o.kind != MODULE or o.cls in wanted
                         or canonical(o.cls) in wanted or o.cls.split(".")[-1] in wanted)
        s.env[name] = kept

    def type_test(self, test: cst.BaseExpression) -> Optional[Tuple[str, List[cst.BaseExpression]]]:
        """``type(m) is C`` / ``type(m) == C`` / ``type(m) in {C1, C2}`` (a set, tuple or list literal), with
        ``type(m)`` written out or held by a name bound to it (``t = type(m)``): the name ``m`` and the class
        expressions; None for any other test."""
        if not (type(test) is cst.Comparison and len(test.comparisons) == 1):
            return None
        op, right = test.comparisons[0].operator, test.comparisons[0].comparator
        left = test.left
        if type(left) is cst.Name:  # ``t = type(m)`` before
            name = self.type_aliases.get(left.value) if self.state is not None else None
        else:
            name = _type_of_name(left)
        if name is None:
            return None
        if type(op) in (cst.Is, cst.Equal):
            return name, [right]
        if type(op) is cst.In and type(right) in (cst.Set, cst.Tuple, cst.List) and all(
                type(el) is cst.Element for el in right.elements):
            return name, [el.value for el in right.elements]
        return None

    def narrow_grad(self, test: cst.BaseExpression, polarity: bool) -> Tuple[Optional[bool], FrozenSet[Obj]]:
        """The path where ``test`` is ``polarity`` records no graph where the test says so
        (``if not torch.is_grad_enabled():``, ``if not x.requires_grad:``, ``if torch.is_grad_enabled() and
        (x.requires_grad or y.requires_grad): ... else:``, a helper returning such a test): grad mode is set, the
        tensors that cannot require grad there are marked so (``State.norg``). Returns what was changed (the grad
        mode set, or None; the objects marked), for ``_undo_narrowing``."""
        s = self.state
        if s is None:
            return None, frozenset()
        grad, names = self.grad_facts(test, polarity, None, 0)
        set_grad: Optional[bool] = None
        if names is _ALL_NAMES:
            grad = False
        if grad is not None and s.grad != grad:
            s.grad = set_grad = grad
        marked: Set[Obj] = set()
        if names and names is not _ALL_NAMES:
            for name in names:
                for o in s.env.get(name, ()):
                    if (o.is_tensor or o.kind == UNKNOWN) and o not in s.norg:
                        marked.add(o)
            if marked:
                s.norg = s.norg | frozenset(marked)
                if s.saved and self.result_save_inputs:
                    # an op's output it saved only because an input required grad (``conf = F.softmax(sim, 2)``
                    # then ``if sim.requires_grad: ... else: conf.mul_(...)``): on this path none did, so it was not
                    drop = {}
                    for root, records in s.saved.items():
                        kept = frozenset(r for r in records if not self._save_unrecorded(r, root, s.norg))
                        if kept != records:
                            drop[root] = kept
                    if drop:
                        s.saved = {k: v for k, v in ((k, drop.get(k, v)) for k, v in s.saved.items()) if v}
        return set_grad, frozenset(marked)

    def _save_unrecorded(self, record, root: Obj, norg: FrozenSet[Obj]) -> bool:
        """``record`` saved ``root`` as its op's output, an op none of whose inputs requires grad on this path."""
        inputs = self.result_save_inputs.get((id(record[1]), root))
        return bool(inputs) and inputs <= norg

    def grad_facts(self, test: cst.BaseExpression, polarity: bool, params: Optional[Dict[str, Optional[str]]],
                   depth: int) -> Tuple[Optional[bool], FrozenSet[str]]:
        """What ``test`` being ``polarity`` says of autograd: (the grad mode, or None; the names -- env keys -- of
        the tensors that record no graph there: none of them requires grad, or grad mode is off; ``_ALL_NAMES``
        when grad mode is off). ``params``: inside a helper's ``return`` (a predicate called in an ``if``), its
        parameters -> the caller's names passed for them (None: not a name)."""
        none: Tuple[Optional[bool], FrozenSet[str]] = (None, frozenset())
        while type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
            test, polarity = test.expression, not polarity
        if type(test) is cst.BooleanOperation:
            ga, na = self.grad_facts(test.left, polarity, params, depth)
            gb, nb = self.grad_facts(test.right, polarity, params, depth)
            if (type(test.operator) is cst.And) == polarity:  # both hold
                names = _ALL_NAMES if _ALL_NAMES in (na, nb) else na | nb
                return (ga if ga is not None else gb), names
            # one of them holds: what both say
            names = nb if na is _ALL_NAMES else na if nb is _ALL_NAMES else na & nb
            return (ga if ga == gb else None), names
        if type(test) is cst.Call and not test.args:
            q = self.qualname(test.func)
            if q == "torch.is_grad_enabled":
                return polarity, (frozenset() if polarity else _ALL_NAMES)
        if type(test) is cst.Attribute and test.attr.value == "requires_grad":
            name = dotted(test.value)
            if params is not None:
                name = params.get(name) if name in params else None
            return (None, frozenset((name,))) if name is not None and not polarity else none
        if type(test) is cst.Call and depth < 2 and params is None and self.state is not None:
            return self.predicate_facts(test, polarity, depth)
        return none

    def argument_const(self, param: cst.Param, given: Dict[str, cst.BaseExpression]) -> object:
        """``const`` of what a call gives ``param`` (``given``: ``_arguments_by_name``): an argument is read where the
        call is; a default is a literal where the function is defined."""
        name = param.name.value
        if name in given:
            return self.const(given[name])
        return literal_value(param.default) if param.default is not None else NOT_CONSTANT

    def one_return_function(self, call: cst.Call) -> Optional[Tuple[cst.FunctionDef, cst.Return]]:
        """For a call (no ``*args``) of a function of this project, by its name, whose body is one ``return`` of
        an expression (docstring and comments aside): its definition and that ``return``."""
        if any(a.star for a in call.args) or type(call.func) is not cst.Name or self.state is None:
            return None
        value = self.state.env.get(call.func.value)
        if not value or len(value) != 1:
            return None
        f = next(iter(value))
        fn = self.fn_by_qual.get(f.cls) if f.kind == FUNC and type(f.node) is not cst.Lambda else None
        fnode = fn.node if fn is not None else None
        if fnode is None or fnode.decorators:
            return None
        ret = _single_return(fnode)
        return (fnode, ret) if ret is not None else None

    def predicate_const(self, call: cst.Call) -> object:
        """``const`` of a call of a one-``return`` helper (``exists(mask)``: ``return val is not None``) whose
        parameters the call gives constants (or leaves to literal defaults): its expression with those values.
        ``NOT_CONSTANT`` otherwise."""
        found = self.one_return_function(call) if self._const_calls < 2 else None
        if found is None:
            return NOT_CONSTANT
        fnode, ret = found
        given = _arguments_by_name(fnode, call)
        consts: Dict[str, object] = {}
        for p in _named_params(fnode):
            value = self.argument_const(p, given)
            if value is NOT_CONSTANT:
                return NOT_CONSTANT
            consts[p.name.value] = value
        if any(type(n) is cst.Name and n.value not in consts and n.value not in ("None", "True", "False")
               for n in _nodes(ret.value)):
            return NOT_CONSTANT  # it reads something besides its parameters
        outer = self.consts
        self.consts = consts
        self._const_calls += 1
        try:
            return self.const(ret.value)
        finally:
            self.consts = outer
            self._const_calls -= 1

    def predicate_facts(self, call: cst.Call, polarity: bool, depth: int) -> Tuple[Optional[bool], FrozenSet[str]]:
        """``grad_facts`` of a call to a function of this project whose body is one ``return`` of a test
        (docstring and comments aside): that test, with its parameters standing for the names passed."""
        none: Tuple[Optional[bool], FrozenSet[str]] = (None, frozenset())
        found = self.one_return_function(call)
        if found is None:
            return none
        fnode, ret = found
        given = _arguments_by_name(fnode, call)
        params: Dict[str, Optional[str]] = {p.name.value: dotted(given[p.name.value]) if p.name.value in given else None
                                            for p in _named_params(fnode)}
        return self.grad_facts(ret.value, polarity, params, depth + 1)

    def module_children(self, o: Obj) -> List[Obj]:
        """The modules ``o`` holds, as far as they are known: attributes its class's ``__init__`` set (for this
        instance, when its ``__init__`` ran with its arguments), the layers of an ``nn.Sequential``."""
        out: List[Obj] = []
        info = self.classes.get(o.cls)
        if info is not None:
            # this instance's own attributes where known (``__init__`` ran for it), and inside a method of its
            # class (``self.modules()``) what the method has set so far
            attrs = {**info.attrs, **self.instance_attrs.get(o.site, {})}
            if self.state is not None and (o.site == ("self", o.cls) or self._is_self(o)):
                attrs.update(self._self_attrs(self.state.env))
            elif o.site in self.init_frames and self.init_frames[o.site] < len(self.caller_states):
                # its ``__init__`` is running and called this code (``initialize_weights(self)``)
                attrs.update(self._self_attrs(self.caller_states[self.init_frames[o.site]].env))
            for attr_value in attrs.values():
                out.extend(x for x in attr_value if x.kind == MODULE)
        for layer in self.held_modules(o) or ():
            out.extend(x for x in layer if x.kind == MODULE)
        out.extend(x for x in o.elems if x.kind == MODULE)  # a ModuleList's
        out.extend(x for x in self.module_dict_values((o,)) if x.kind == MODULE)
        return out

    def _is_self(self, o: Obj) -> bool:
        """``o`` is the instance the method being analysed runs for (its first parameter holds it)."""
        fn = self.current
        if fn is None or fn.cls is None or fn.node is None or self.state is None:
            return False
        params = _all_params(fn.node)
        return bool(params) and o in self.state.env.get(params[0].name.value, ())

    def held_modules(self, o: Obj) -> Optional[List[Value]]:
        """What a module container holds, in order as far as known: the layers of an ``nn.Sequential``, the one
        join of what an ``nn.ModuleList`` was given and appended (``Obj.elems``). None for anything else."""
        if o.kind != MODULE:
            return None
        if o.site in self.seq_layers:
            return [layer for _, layer in self.seq_layers[o.site]]
        if o.site in self.seq_unordered:
            return [self.seq_unordered[o.site]]
        if o.elems:
            return [o.elems]
        return None

    def module_tree(self, value: Value) -> Value:
        """``m.modules()``: ``m`` and every module below it, as far as they are known (``module_children``)."""
        out: Set[Obj] = set()
        todo = [o for o in value if o.kind == MODULE]
        while todo and len(out) <= MAX_MODULE_TREE:
            o = todo.pop()
            if o not in out:
                out.add(o)
                todo.extend(self.module_children(o))
        return frozenset(out)

    def _loop(self, node, bind_target: Optional[Callable[[], None]], body, orelse, test=None,
              each: Sequence[Callable[[], None]] = (), surely_runs: bool = False) -> None:
        """Run a loop to a fixed point. ``each``: binders of the loop target to each element the loop surely visits
        (the modules of a ModuleList): once the loop has converged, the body runs once more per element, from the
        loop head, for what it reports with that element (what the target holds is then one known thing, not the
        join of all); those runs add nothing to the state after the loop, which the converged loop describes.
        ``surely_runs``: the loop runs at least once (over the parameters of a model that has some), so what follows
        it does not see the state before it, only the states after its passes."""
        entry = self.state
        if entry is None:
            return
        self.loops_active += 1
        self.loop_nodes.append(node)
        try:
            self._run_loop(node, entry, bind_target, body, orelse, test, each, surely_runs)
        finally:
            self.loops_active -= 1
            self.loop_nodes.pop()

    def _run_loop(self, node, entry: State, bind_target, body, orelse, test, each, surely_runs: bool = False) -> None:
        head = entry.copy()
        exit_state: Optional[State] = None
        breaks: List[State] = []
        end: Optional[State] = None
        ends: Optional[State] = None  # the states after each pass, joined (``surely_runs``)
        for _ in range(MAX_LOOP_ITERATIONS):
            self._start_pass(node, head, test, bind_target)
            frame: Tuple[List[State], List[State]] = ([], [])
            self.loop_exits.append(frame)
            self.exec_block(body_statements(body))
            self.loop_exits.pop()
            breaks = frame[0]
            end = self.state
            for c in frame[1]:
                end = join_states(end, c, split=entry)
            new_head = join_states(head, end, split=entry)
            if surely_runs and end is not None:
                ends = join_states(ends, end, split=entry)
            if new_head is not None and end is not None and end.stale:
                # a graph made stale by an optimizer step late in the body is still stale when the next pass
                # backpropagates it (a graph built before the loop and reused in it: the loop runs more than once)
                for o, fact in end.stale.items():
                    new_head.stale.setdefault(o, fact)
            if new_head == head:
                break
            head = new_head
        else:
            head = _widen(head)
        for bind_one in each:
            self.state = head.copy()
            self.stmt = node
            bind_one()
            self.loop_exits.append(([], []))
            self.exec_block(body_statements(body))
            self.loop_exits.pop()
        if end is not None and self._next_pass_may_report(node, body, head, end):
            # the next pass: what one pass saved of a tensor made before the loop, the head (which also stands for
            # no pass at all) does not hold; a pass that follows a pass does (``b[i] = ...`` before
            # ``y = y + torch.mm(w, b)`` in the body writes what the previous pass saved). Run once from the end of
            # a pass, for what it reports; the state after the loop stays the converged one
            self._start_pass(node, end, test, bind_target)
            self.loop_exits.append(([], []))
            self.next_passes += 1
            try:
                self.exec_block(body_statements(body))
            finally:
                self.next_passes -= 1
            self.loop_exits.pop()
        # leaving: the loop ran zero or more times (at least once when it surely runs), or broke out
        self.state = ends if surely_runs and ends is not None else head
        exit_state = self.state.copy()
        if orelse is not None:
            self.exec_block(body_statements(orelse.body))
            exit_state = self.state
        for b in breaks:
            exit_state = join_states(exit_state, b, split=entry)
        self.state = exit_state

    def _start_pass(self, node, state: State, test, bind_target) -> None:
        """A pass of a loop's body begins from ``state``: the test evaluated (``while``), the target bound (``for``)."""
        self.state = state.copy()
        self.stmt = node
        if test is not None:
            self.ev(test)
        if bind_target is not None:
            bind_target()

    def _next_pass_may_report(self, node, body, head: State, end: State) -> bool:
        """Whether the loop's extra pass (``_run_loop``) can find anything: a name the body writes in place
        (``b[i] = ...``, ``b += ...``, ``b.add_(...)``, ``out=b``) holds, at the end of a pass, a tensor that pass saved
        and the loop head does not know saved."""
        new = [o for o in end.saved if o not in head.saved]
        if not new:
            return False
        key = id(node)
        names = self._loop_writes.get(key)
        if names is None:
            names = self._loop_writes[key] = _inplace_written_names(body)
        if not names:
            return False
        roots = {o.root() for o in new}
        return any(o.root() in roots for n in names for o in end.env.get(n, ()))

    def ex_For(self, node: cst.For) -> None:
        self.stmt = node
        values = self.unrolled_range(node)
        if values is not None:
            self.ev(node.iter)
            self._unroll(node, [({node.target.value: v}, frozenset((self.obj(INT, "int"),))) for v in values])
            return
        constants = self.unrolled_constants(node)
        if constants is not None:
            self.ev(node.iter)
            self._unroll(node, [({node.target.value: v}, frozenset((self.obj(INT, "int"),))
                                 if type(v) is int else EMPTY) for v in constants])
            return
        elements = self.unrolled_literal(node)
        if elements is not None:
            # ``for m, opt in ((model, opt), (ref, opt_ref)):``: each element of the literal, evaluated once, in turn
            self._unroll(node, [({}, self.ev(e)) for e in elements])
            return
        it = self.ev(node.iter)
        self.note_row_loop(node, it)
        named = self.unrolled_named_parameters(node, it) or self.unrolled_enumerate(node)
        if named is not None:
            self._unroll(node, named)
            return
        elems = self.iter_elems(it, node)

        def bind(value: Value = elems) -> None:
            self.assign(node.target, value, None)

        # a loop over the modules of a container visits each: run the body with each one
        each = [lambda o=o: bind(frozenset((o,))) for o in elems if _holds_module(o)] if len(elems) > 1 else []
        index = self.first_pass_index(node)
        if index is not None and self.state is not None:
            self._peeled_loop(node, index, bind, each)
            return
        self._loop(node, bind, node.body, node.orelse, each=each, surely_runs=self.has_parameters(it))

    def note_row_loop(self, node: cst.For, it: Value) -> None:
        """``for d in dist`` / ``for i, d in enumerate(dist)``: the loop runs over views of ``dist``'s rows, all made
        by one ``unbind`` (``rows_iterated`` tells a write into ``dist`` in its body)."""
        source = node.iter
        if (type(source) is cst.Call and type(source.func) is cst.Name and source.func.value == "enumerate"
                and source.args and source.args[0].keyword is None and not source.args[0].star):
            source = source.args[0].value
            it = self.ev_quiet(source)
        roots = frozenset(o.root() for o in it if o.is_tensor)
        if roots:
            self.row_loops[id(node)] = roots

    def rows_iterated(self, o: Obj) -> Optional[cst.For]:
        """The running loop of this function that iterates over the rows of ``o``'s tensor, if any."""
        root = o.root()
        return next((loop for loop in reversed(self.loop_nodes)
                     if type(loop) is cst.For and root in self.row_loops.get(id(loop), ())), None)

    def unrolled_enumerate(self, node: cst.For) -> Optional[List[Tuple[Dict[str, object], Value]]]:
        """``for i, m in enumerate(self.blocks):`` over a list or ModuleList known position by position (at most
        ``MAX_UNROLLED_PASSES``), whose body the loop can run pass by pass: one pass per position, ``i`` a constant
        and ``m`` what that position holds. None for any other loop."""
        index = self.enumerate_index(node)
        if index is None or dotted(node.iter.args[0].value) is None:
            return None
        parts = self.positions_of(self.ev_quiet(node.iter.args[0].value))
        if not parts or len(parts) > MAX_UNROLLED_PASSES:
            return None
        if not self._unrollable_body(node, [index]):
            return None
        return [({index: k}, frozenset((self.obj(SEQ, ("tuple", id(node), k), extra=(EMPTY, part)),)))
                for k, part in enumerate(parts)]

    def enumerate_index(self, node: cst.For) -> Optional[str]:
        """``i`` of ``for i, x in enumerate(xs):`` (one argument, the builtin); None for any other loop."""
        it, target = node.iter, node.target
        if not (type(it) is cst.Call and type(it.func) is cst.Name and it.func.value == "enumerate"
                and len(it.args) == 1 and not it.args[0].keyword and not it.args[0].star
                and type(target) in (cst.Tuple, cst.List) and len(target.elements) == 2
                and type(target.elements[0]) is cst.Element and type(target.elements[0].value) is cst.Name
                and self.state is not None and "enumerate" not in self.state.env):
            return None
        return target.elements[0].value.value

    def first_pass_index(self, node: cst.For) -> Optional[str]:
        """``i`` of ``for i, x in enumerate(xs):`` whose body tells the first pass apart (``if i == 0:``, ``if i >
        0:``, ``if not i:``), neither rebinds ``i`` nor leaves the loop other than by ``continue``, with no ``else``:
        its first pass runs on its own (``_peeled_loop``). None for any other loop."""
        name = self.enumerate_index(node)
        if name is None:
            return None
        tested = self._first_pass_tests.get(id(node))
        if tested is None:
            tested = any(_tests_first_pass(n, name) for n in _nodes(node.body))
            self._first_pass_tests[id(node)] = tested
        if not tested or not self._unrollable_body(node, [name]):
            return None
        return name

    def _peeled_loop(self, node: cst.For, index: str, bind: Callable[[], None], each) -> None:
        """``first_pass_index``: the first pass runs with the index 0, the passes after it (zero or more, to a fixed
        point) with an index that is not 0 (``LATER_PASS``), and the loop may also run no pass at all: ``if i == 0:
        acc = x`` / ``else: acc += x`` writes, on the second pass, what the first pass kept."""
        entry = self.state
        outer = self.consts
        self.loops_active += 1
        self.loop_nodes.append(node)
        try:
            self.state = entry.copy()
            self._run_pass(node, bind, {**outer, index: 0})
            first = self.state
        finally:
            self.loops_active -= 1
            self.loop_nodes.pop()
        if first is None:
            self.consts = outer
            self.state = entry
            return
        self.state = first

        def later(binder: Callable[[], None]) -> Callable[[], None]:
            def bind_later() -> None:
                binder()  # (binding the target drops the index from the constants: it is not 0 there)
                self.consts = {**self.consts, index: LATER_PASS}
            return bind_later

        try:
            self._loop(node, later(bind), node.body, None, each=[later(b) for b in each])
        finally:
            self.consts = outer
        self.state = join_states(entry, self.state, split=entry)  # (or no pass at all)

    def unrolled_range(self, node: cst.For) -> Optional[List[int]]:
        """The values of ``i`` for ``for i in range(a, b, c)`` with constant bounds and at most
        ``MAX_UNROLLED_PASSES`` passes, whose body neither rebinds ``i`` nor leaves the loop other than by
        ``continue`` (no ``break``, ``return``, ``raise``, ``yield``, no ``else``): such a loop (``for i in
        range(num_layers):`` building layers, ``if i < n - 1: layers.append(nn.ReLU())``) runs pass by pass, ``i`` a
        constant in each. None for any other loop."""
        call = node.iter
        if (type(node.target) is not cst.Name or node.orelse is not None or type(call) is not cst.Call
                or type(call.func) is not cst.Name or call.func.value != "range" or self.state is None
                or "range" in self.state.env or not 1 <= len(call.args) <= 3
                or any(a.keyword or a.star for a in call.args)):
            return None
        bounds = [self.const(a.value) for a in call.args]
        if not all(type(b) is int for b in bounds):
            return None
        try:
            values = list(range(*bounds))
        except ValueError:
            return None
        if len(values) > MAX_UNROLLED_PASSES:
            return None
        return values if self._unrollable_body(node, [node.target.value]) else None

    def unrolled_constants(self, node: cst.For) -> Optional[List[object]]:
        """The elements of ``xs`` for ``for v in xs`` over a list or tuple literal of constants, written in the loop
        or bound once in this function to a name it never changes (VGG's ``cfg = [64, 64, "M", 128, ...]``), of at
        most ``MAX_UNROLLED_CONSTANTS``, whose body the loop can run pass by pass (``_unrollable_body``): it runs
        with ``v`` each constant in turn (``if v == "M":`` decided, the layers appended in order). None for any
        other loop."""
        if type(node.target) is not cst.Name or self.state is None:
            return None
        seq = node.iter
        if type(seq) is cst.Name:
            seq = self._constant_list(seq.value) or seq
        if type(seq) in (cst.Name, cst.Attribute):
            # ``for j in self.channels`` with ``self.channels`` a tuple constant (a constructor default)
            held = self.const(seq)
            values = list(held) if type(held) is tuple and len(held) <= MAX_UNROLLED_CONSTANTS else None
        elif type(seq) in (cst.List, cst.Tuple) and 0 < len(seq.elements) <= MAX_UNROLLED_CONSTANTS and all(
                type(el) is cst.Element for el in seq.elements):
            values = [literal_value(el.value) for el in seq.elements]
        else:
            return None
        if not values or any(v is NOT_CONSTANT or type(v) is tuple for v in values):
            return None
        return values if self._unrollable_body(node, [node.target.value]) else None

    def unrolled_literal(self, node: cst.For) -> Optional[List[cst.BaseExpression]]:
        """The elements of a list or tuple literal written in the loop's header (``for m, opt in ((model, opt),
        (ref, opt_ref)):``), at most ``MAX_UNROLLED_PASSES``, none starred, whose body the loop can run pass by
        pass: one pass per element, the target bound to it (what each pass calls is one known thing). None for any
        other loop."""
        seq = node.iter
        if type(seq) not in (cst.List, cst.Tuple) or not 0 < len(seq.elements) <= MAX_UNROLLED_PASSES or \
                self.state is None or any(type(el) is not cst.Element for el in seq.elements):
            return None
        names = _plain_target_names([node.target])  # (``for self.x in ...``, a starred target: not unrolled)
        if names is None or not self._unrollable_body(node, sorted(set(names))):
            return None
        return [el.value for el in seq.elements]

    def _constant_list(self, name: str) -> Optional[cst.BaseExpression]:
        """The list or tuple literal the function being analysed binds ``name`` to, once (no other binding, not a
        parameter), and never changes (no method called on it, no item assigned): else None."""
        fn = self.current
        if fn is None or fn.node is None:
            return None
        key = (id(fn.node), name)
        if key in self._constant_lists:
            return self._constant_lists[key]
        bound: Dict[str, list] = {}
        declared: Set[str] = set()
        scope_bindings(body_statements(fn.node.body), bound, declared)
        how = bound.get(name)
        found = None
        if how and len(how) == 1 and how[0] is not None and name not in declared and name not in {
                p.name.value for p in _all_params(fn.node)} and type(how[0].value) in (cst.List, cst.Tuple):
            # (any attribute of it read counts as a change: ``cfg.append(...)``, ``cfg.sort()``)
            changed = any(type(n) is cst.Attribute and type(n.value) is cst.Name and n.value.value == name
                          or type(n) in (cst.Assign, cst.AugAssign, cst.Del) and _targets_item_of(n, name)
                          for n in _nodes(fn.node.body))
            found = None if changed else how[0].value
        self._constant_lists[key] = found
        return found

    def _unrollable_body(self, node: cst.For, names: List[str]) -> bool:
        """The body of ``node`` neither rebinds ``names`` (its loop variables) nor leaves the loop other than by
        ``continue``, and the loop has no ``else``."""
        key = (id(node), tuple(names))
        ok = self._unrollable.get(key)
        if ok is None:
            bound: Dict[str, list] = {}
            declared: Set[str] = set()
            scope_bindings(body_statements(node.body), bound, declared)
            ok = node.orelse is None and not _leaves_loop(node.body) and not any(
                n in bound or n in declared for n in names)
            self._unrollable[key] = ok
        return ok

    def unrolled_named_parameters(self, node: cst.For, it: Value) -> Optional[List[Tuple[Dict[str, object], Value]]]:
        """``for name, p in model.named_parameters():`` over a model whose parameters are known name by name
        (``named_parameter_list``), whose body the loop can run pass by pass (``_unrollable_body``): one pass per
        parameter, ``name`` a constant and ``p`` that parameter (``p.requires_grad = "lora_" in name`` freezes what
        it names). None for any other loop."""
        target = node.target
        if (len(it) != 1 or type(target) not in (cst.Tuple, cst.List) or len(target.elements) != 2
                or not all(type(el) is cst.Element and type(el.value) is cst.Name for el in target.elements)):
            return None
        o = next(iter(it))
        named = self.named_params_lists.get(o.site) if o.kind == NAMED_PARAMS else None
        if not named:
            return None
        name_var, param_var = (el.value.value for el in target.elements)
        if not self._unrollable_body(node, [name_var, param_var]):
            return None
        return [({name_var: qualified}, frozenset((self.obj(SEQ, ("pair", o.site, qualified),
                                                             extra=(EMPTY, frozenset((param,)))),)))
                for qualified, param in named]

    def _unroll(self, node: cst.For, passes: List[Tuple[Dict[str, object], Value]]) -> None:
        """Run the body of ``node`` once per pass of the loop (``unrolled_range``, ``unrolled_named_parameters``),
        in order, with the target bound to that pass's element and the loop variables that are constants in it
        (``i``, a parameter's name) known: what it appends is appended in that order, ``if i == 0:`` is decided in
        each pass."""
        outer = self.consts
        try:
            for v, (consts, element) in enumerate(passes):
                if self.state is None:
                    return
                # (modules built in this pass are not those of the other passes: one ``nn.Sequential()`` per level)
                self._run_pass(node, lambda element=element: self.assign(node.target, element, None),
                               {**outer, **consts}, (self.alloc_ctx[-1] if self.alloc_ctx else None, "pass", id(node), v))
        finally:
            self.consts = outer

    def _run_pass(self, node: cst.For, bind: Callable[[], None], consts: Dict[str, object],
                  alloc: object = None) -> None:
        """One pass of the body of ``node`` from the current state: the target bound (``bind``), the loop's
        constants ``consts`` for this pass, modules built in an allocation context of their own (``alloc``); a
        ``continue`` joins the end of the pass."""
        start = self.state
        self.stmt = node
        bind()
        self.consts = consts
        frame: Tuple[List[State], List[State]] = ([], [])
        self.loop_exits.append(frame)
        if alloc is not None:
            self.alloc_ctx.append(alloc)
        try:
            self.exec_block(body_statements(node.body))
        finally:
            self.loop_exits.pop()
            if alloc is not None:
                self.alloc_ctx.pop()
        for c in frame[1]:  # ``continue``
            self.state = join_states(self.state, c, split=start)

    def ex_While(self, node: cst.While) -> None:
        self.stmt = node
        self._loop(node, None, node.body, node.orelse, test=node.test)

    def ex_With(self, node: cst.With) -> None:
        self.stmt = node
        saved_grad = self.state.grad if self.state is not None else None
        saved_infer = self.state.infer if self.state is not None else None
        changed = False
        for item in node.items:
            mode = self.grad_mode_of(item.item)
            if mode is NO_CHANGE and self.state is not None:
                held = self.context_held(item.item)
                if held is not None:
                    # ``with ctx():``, ``ctx = torch.inference_mode if ... else torch.no_grad``: what it holds
                    changed = True
                    self.state.grad = False
                    self.state.infer = True if held == {"torch.inference_mode"} else (
                        None if "torch.inference_mode" in held else self.state.infer)
                    continue
            if mode is NO_CHANGE and self.state is not None and inference_mode_set_by(
                    item.item, self.qualname) is False:
                changed = True  # ``with torch.inference_mode(False):`` (grad mode as it was)
                self.state.infer = False
                continue
            if mode is not NO_CHANGE:
                changed = True
                if self.state is not None:
                    self.state.grad = mode
                    infer = inference_mode_set_by(item.item, self.qualname)
                    if infer is not NO_CHANGE:
                        self.state.infer = infer
            else:
                v = self.ev(item.item)
                if item.asname is not None:
                    self.assign(item.asname.name, unknown(("with", id(item))) if v else v, None)
        self.exec_block(body_statements(node.body))
        if changed and self.state is not None:
            self.state.grad = saved_grad
            self.state.infer = saved_infer

    def context_held(self, expr: cst.BaseExpression) -> Optional[Set[str]]:
        """``ctx()`` with no argument, ``ctx`` a name (or attribute) holding only ``torch.no_grad`` /
        ``torch.inference_mode`` (a context chosen at run time): the qualified names it may hold; else None."""
        if type(expr) is not cst.Call or expr.args or type(expr.func) not in (cst.Name, cst.Attribute):
            return None
        value = self.ev_quiet(expr.func)
        names = {o.cls for o in value if o.kind in (FUNC, CLASS)}
        if not value or len(names) != len(value) or not names <= GRAD_OFF:
            return None
        return names

    def ex_Try(self, node) -> None:
        self.stmt = node
        before = self.state.copy() if self.state is not None else None
        self.exec_block(body_statements(node.body))
        after_body = self.state
        if node.orelse is not None:
            self.exec_block(body_statements(node.orelse.body))
            after_body = self.state
        # a handler may start anywhere in the body: from the join of before and after
        handler_entry = join_states(before, after_body) if after_body is not None else before
        out = after_body
        for h in node.handlers:
            self.state = handler_entry.copy() if handler_entry is not None else None
            if self.state is not None and h.name is not None and type(h.name.name) is cst.Name:
                self.state.bind(h.name.name.value, UNKNOWN_VALUE)
            self.exec_block(body_statements(h.body))
            out = join_states(out, self.state)
        self.state = out
        if node.finalbody is not None:
            if self.state is None:
                # finally runs on the way out of a return/raise too: analyse it for its own findings, then stay dead
                self.state = handler_entry.copy() if handler_entry is not None else None
                self.exec_block(body_statements(node.finalbody.body))
                self.state = None
            else:
                self.exec_block(body_statements(node.finalbody.body))

    def ex_Match(self, node) -> None:
        self.stmt = node
        self.ev(node.subject)
        before = self.state
        out: Optional[State] = None
        for case in node.cases:
            self.state = before.copy() if before is not None else None
            self.exec_block(body_statements(case.body))
            out = join_states(out, self.state)
        self.state = join_states(out, before)

    def ex_FunctionDef(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        cls = self.current_cls if self.current_cls is not None and self.current is None else None
        grad, forced = self.decorator_grad_mode(node)
        for d in node.decorators:
            self.ev(d.decorator)
        if cls is not None and cls.is_autograd_function and name in _AUTOGRAD_FUNCTION_METHODS:
            grad, forced = False, True
        elif self.current is not None and not forced and grad is True and self.state is not None:
            # a closure is almost always called where it is defined: inherit that grad mode
            grad = self.state.grad
        elif cls is None and self.current is None and not forced and name in self.uncertain_callers:
            grad = None
        if cls is not None:
            qual = f"{cls.name}.{name}" + (".setter" if _is_setter(node) else "")
        elif self.current is not None:
            qual = f"{self.current.qualname}.<locals>.{name}"
        else:
            qual = name
        fn = _Function(node, cls, qual, grad, forced)
        if self.lazy_units is not None and self.current is None and qual in self.lazy_units and _is_stub(node):
            fn.loader = lambda: self.lazy_units.function(qual)
        infer_modes = [None if len(set(ms)) > 1 else ms[0] for ms in (
            [inference_mode_set_by(e, self.qualname) for e in self.decorator_modes(d.decorator)]
            for d in node.decorators)]
        if any(m is True or m is None for m in infer_modes):
            fn.infer = None if None in infer_modes else True
        if cls is not None and name == "__init__":
            # attributes of self must be known before the other methods run; it sees the classes and functions
            # the module defined before the class (what ``__init__`` typically builds its sub-modules from)
            self.analyze_function(fn, self.defined_before_class)
        else:
            self.functions.append(fn)
        self.fn_by_qual[qual] = fn
        if self.state is not None and cls is None:
            self.state.bind(name, frozenset((self.obj(FUNC, ("func", qual), cls=qual),)))
            if self.current is None:
                self.module_bindings[name] = self.module_bindings.get(name, 0) + 1

    def ex_ClassDef(self, node: cst.ClassDef) -> None:
        name = node.name.value
        info = _ClassInfo(name, node)
        for base in node.bases:
            q = self.qualname(base.value) or ""
            d = dotted(base.value) or ""
            local = self.classes.get(d)
            if q in _AUTOGRAD_FUNCTION_BASES or (q.startswith("torch.autograd.") and q.endswith("Function")):
                info.is_autograd_function = True
            elif q == "torch.nn.Module" or (q.startswith("torch.nn.") and q[9:10].isupper()):
                info.is_module = True
            elif q.startswith("torch.optim.") and q.rsplit(".", 1)[-1][:1].isupper():
                info.is_optimizer = True
            elif local is not None:
                info.bases.append(d)
                info.is_module = info.is_module or local.is_module
                info.is_autograd_function = info.is_autograd_function or local.is_autograd_function
                info.is_optimizer = info.is_optimizer or local.is_optimizer
                info.attrs.update(local.attrs)
        info.assigned_elsewhere = _self_attrs_assigned_outside_init(node) | self.blanked_assigned.get(name, set())
        self.classes[name] = info
        prev_cls, prev_current = self.current_cls, self.current
        saved_state = self.state
        prev_defined = self.defined_before_class
        if prev_current is None and saved_state is not None:
            # (and tables of them: ``norm_name = {"bn": nn.BatchNorm2d}``, ``{"mish": Mish()}``)
            self.defined_before_class = {k: v for k, v in saved_state.env.items() if "." not in k and v
                                         and all(o.kind in (CLASS, FUNC) or (
                                             o.kind == SEQ and o.elems and o.site in self.dict_entries
                                             and all(e.kind in (CLASS, FUNC, MODULE) for e in o.elems)) for o in v)}
        self.current_cls = info
        self.current = None
        # class body: methods are queued (``__init__`` analysed at once), other statements run in a scratch state
        self.state = State()
        for stmt in body_statements(node.body):
            if type(stmt) is cst.FunctionDef:
                self.ex_FunctionDef(stmt)
            elif type(stmt) is cst.ClassDef:
                self.current_cls = None
                self.ex_ClassDef(stmt)
                self.current_cls = info
            else:
                if self.state is None:
                    self.state = State()
                self.exec_block([stmt])
        self.current_cls, self.current = prev_cls, prev_current
        self.state = saved_state
        self.defined_before_class = prev_defined
        if info.is_module:
            info.clobbers_input = self.forward_clobbers_input(node, info)
        if self.state is not None:
            self.state.bind(name, frozenset((self.obj(CLASS, ("class", name), cls=name),)))
        if prev_current is None:
            self.module_bindings[name] = self.module_bindings.get(name, 0) + 1

    def forward_clobbers_input(self, cls: cst.ClassDef, info: _ClassInfo) -> bool:
        """Does ``forward`` write its first input in place (before rebinding it)? Top-level statements only."""
        fwd = class_method(cls, "forward")
        if fwd is None or len(fwd.params.params) < 2:
            return False
        x = fwd.params.params[1].name.value
        for st in body_statements(fwd.body):
            if not isinstance(st, (cst.SimpleStatementLine, SuiteLine)):
                return False
            for small in st.body:
                if type(small) is cst.AugAssign and type(small.target) is cst.Name and small.target.value == x:
                    return True
                if type(small) in (cst.Assign, cst.Expr):
                    value = small.value
                    if type(small) is cst.Assign:
                        for t in small.targets:
                            tt = t.target
                            if type(tt) is cst.Subscript and type(tt.value) is cst.Name and tt.value.value == x:
                                return True
                    if (type(value) is cst.Call and type(value.func) is cst.Attribute
                            and type(value.func.value) is cst.Name and value.func.value.value == x
                            and ops.is_inplace_method(value.func.attr.value)):
                        return True
                    if type(small) is cst.Assign and any(
                        type(t.target) is cst.Name and t.target.value == x for t in small.targets
                    ):
                        return False  # rebound before any in-place write
        return False

    def visit_generic(self, stmt) -> None:
        """Statements without a handler: evaluate what they contain, conservatively."""
        for child in children_statements(stmt):
            self.exec_block([child])

    # ------------------------------------------------------------------ binding
    def assign(self, target: cst.BaseExpression, value: Value, value_node) -> None:
        s = self.state
        if s is None:
            return
        if type(target) is cst.Name:
            s.bind(target.value, value)
            self.bound_stmts[target.value] = self.stmt
            typed = _type_of_name(value_node) if value_node is not None else None
            if typed is not None:
                self.type_aliases[target.value] = typed  # ``t = type(m)``
            elif target.value in self.type_aliases:
                del self.type_aliases[target.value]
            # a local bound to a constant is one until rebound (``num_layers = len(layer_sizes) - 1``)
            c = self.bound_const(value_node, _LOCAL_CONST_FORMS)
            if c is NOT_CONSTANT and value_node is not None and (
                    self.made_here(value_node, value) or id(value_node) in self.not_none_calls):
                # ``norm_layer = norm_class(n)``: a module (a tensor) made right here is not None; so is what a
                # helper analysed here returns on each of its paths (``activ = get_activation("relu")``)
                c = NOT_NONE
            self.forget_const(target.value)  # ``mask = mask[:, None]``: no longer the constant the call gave
            if c is not NOT_CONSTANT:
                s.consts = {**s.consts, target.value: c}
            if self.current is None and self.current_cls is None:
                self.module_bindings[target.value] = self.module_bindings.get(target.value, 0) + 1
            return
        if type(target) in (cst.Tuple, cst.List):
            elems = target.elements
            parts = self.unpack(value, len(elems), target)
            for el, part in zip(elems, parts):
                t = el.value
                if type(el) is cst.StarredElement:
                    self.assign(t, UNKNOWN_VALUE, None)
                else:
                    self.assign(t, part, None)
            known = self.not_none_parts.get(id(value_node)) if type(value_node) is cst.Call else None
            if known and not any(type(el) is cst.StarredElement for el in elems):
                # ``y, state = cell(x, state)``: the positions the call returns a tensor or module made on every path
                s.consts = {**s.consts, **{elems[i].value.value: NOT_NONE for i in known
                                           if i < len(elems) and type(elems[i].value) is cst.Name}}
            return
        if type(target) is cst.Attribute:
            base_val = self.ev(target.value)
            attr = target.attr.value
            if attr == "requires_grad":
                flag = self.flag(value_node) if value_node is not None else None
                self.emit(RequiresGradSet(self.small or self.stmt, target.value, base_val, flag, "attribute", s,
                                          self.stmt))
                self.set_requires_grad(frozenset(self.tensor_objs(base_val)), flag)
                return
            if attr in ("grad", "data"):
                return  # ``p.data = t`` swaps the storage (the idiom of ``Module._apply``); not an in-place write
            if attr == "inplace" and value_node is not None:
                self.set_inplace_flag(base_val, self.flag(value_node))
            self.run_setter(target, base_val, attr, value)
            if not (type(target.value) is cst.Name and target.value.value == "self"):
                self.store_instance_attr(base_val, attr, value)
            key = dotted(target)
            if key is not None:
                s.bind(key, value)
                if key.startswith("self.") and key.count(".") == 1:
                    # ``self.end_level = end_level`` with a constant: a constant of the instance from here on in
                    # this method (``range(self.start_level, self.end_level + 1)``); any other value ends it
                    # (``self.end_level = len(in_channels)`` too: the length of a list the call gave)
                    c = self.bound_const(value_node, _CONST_FORMS + (
                        (cst.Call,) if type(value_node) is cst.Call and type(value_node.func) is cst.Name
                        and value_node.func.value == "len" else ()))
                    self.forget_const(key)
                    if c is not NOT_CONSTANT:
                        self.consts = {**self.consts, key: c}
                    elif value_node is not None and self.made_here(value_node, value):
                        # on this path: a layer made right here is not None (``__init__``'s branches on a
                        # constructor argument, ``if activation == 'relu': self.activation = nn.ReLU(inplace=True)``),
                        # kept where every path agrees (``init_constants``)
                        c = NOT_NONE
                    if c is not NOT_CONSTANT:
                        s.consts = {**s.consts, key: c}
            return
        if type(target) is cst.Subscript:
            base_val = self.ev(target.value)
            self.ev_slices(target)
            seqs = frozenset(o for o in base_val if o.kind == SEQ)
            if seqs:
                self.grow_list(seqs, value, _const_int_index(target))  # ``xs[i] = t``: ``t`` is one of its elements
            for o in base_val:
                if o.kind == MODULE and o.site in self.module_dicts:  # ``self.heads["cls"] = nn.Linear(...)``
                    self.store_in_module_dict(o, _const_str_index(target), value)
            if seqs:
                # a list, on some paths at least (``x = y[f] if isinstance(f, int) else [y[j] for j in f]``): which
                # the write goes into is not known, nor whether a tensor is written at all
                return
            if self.tensor_objs(base_val) or (self.maybe_tensor(base_val) and _tensor_style_index(target)):
                self.inplace(self.small or self.stmt, target.value, base_val, "setitem", "[]=", _advanced_index(target),
                             operand=value)
            else:
                # ``kwargs["bias"] = bias`` into a dict not followed: the tensor may be computed with wherever that
                # goes (``torch._grouped_mm(A, B, **kwargs)``)
                self.mark_used((value,))
            return
        if type(target) is cst.StarredElement:
            self.assign(target.value, UNKNOWN_VALUE, None)

    def straight_module_level(self) -> bool:
        """The statement running is one of the module's own top-level statements (no function, loop or branch
        around it): it runs once, unconditionally."""
        if self.current is not None or self.current_cls is not None or self.call_stack or self.loops_active:
            return False
        if self._top_level is None:
            self._top_level = {id(st) for st in self.module.body}
        return id(self.stmt) in self._top_level

    def store_instance_attr(self, base: Value, attr: str, value: Value) -> None:
        """``module.adapter = nn.Sequential(...)`` from outside the class's methods (a helper, a ``.modules()``
        loop) on instances of ours whose ``__init__`` was run: each may hold the new value from now on, besides what
        it held (one abstract instance may stand for several built alike, only some of which get it), and what
        ``__init__`` stored there is no longer a constant of the instance (``if self.adapter:`` is not decided)."""
        mods = [o for o in base if o.kind == MODULE and o.site in self.instance_attrs]
        if not mods or len(mods) != len(base):
            return
        strong = self.straight_module_level() and all(o.site in self.singletons for o in mods)
        for o in mods:
            attrs = self.instance_attrs[o.site]
            # (one instance the module's own straight-line code built, ``model.embed_tokens = Lora(...)`` there
            # too: it holds the new value only)
            self.instance_attrs[o.site] = {**attrs, attr: value if strong else join_values(attrs.get(attr, EMPTY),
                                                                                           value)}
            consts = self.instance_consts.get(o.site)
            if consts is not None and attr in consts:
                self.instance_consts[o.site] = {k: v for k, v in consts.items() if k != attr}

    def run_setter(self, target: cst.Attribute, base: Value, attr: str, value: Value) -> None:
        """``entry.value = v`` where ``entry`` is an instance of one of our classes with a property setter for
        ``value``: the setter runs, for this instance, with ``v``."""
        classes = {o.cls for o in base if o.kind in (MODULE, UNKNOWN) and o.cls in self.classes}
        if len(classes) != 1 or not all(o.cls in classes for o in base):
            return
        setter = self.fn_by_qual.get(f"{classes.pop()}.{attr}.setter")
        if setter is not None:
            self.record_call(setter.qualname)
            self.call_function(setter, self.small or target, base, [value], {})

    def unpack(self, value: Value, n: int, node=None) -> List[Value]:
        parts: List[Value] = [EMPTY] * n
        if len(value) == 1:
            only = next(iter(value))
            if only.kind == SEQ and only.extra and len(only.extra) == n:
                return list(only.extra)  # ``a, b = 0, x``: what each element is (a constant: nothing)
        for o in value:
            if o.kind == SEQ and o.extra and len(o.extra) == n:
                for i in range(n):
                    parts[i] = join_values(parts[i], o.extra[i])
            elif node is not None and (o.kind in (LEAF, PARAM) or (o.kind == VIEW and o.meta == MULTI_OUTPUT)):
                # ``a, b = t`` iterates ``t`` (unbind); ``a, b = t.split(2)`` unpacks its views. (A DERIVED value
                # may be a tuple a module returned, ``out, h = lstm(x)``: not unpacked as a tensor.)
                for i in range(n):
                    view = self.view_of(o, node, multi=True, how="unpacking a tensor", site=("unpack", id(node), i))
                    parts[i] = join_values(parts[i], frozenset((view,)))
            else:
                for i in range(n):
                    parts[i] = join_values(parts[i], unknown(("unpack", o.site, i)) if o.kind == UNKNOWN else UNKNOWN_VALUE)
        return [p if p else UNKNOWN_VALUE for p in parts]

    def iter_elems(self, value: Value, node) -> Value:
        out: Set[Obj] = set()
        for o in value:
            k = o.kind
            if k == PARAMS:
                # (carrying the sites of the modules they belong to: ``optim.SGD(list(model.parameters()))``)
                out.add(self.obj(PARAM, ("elem", o.site), rg=True, label=o.label or "a parameter", node=o.node,
                                 extra=o.extra))
            elif k == NAMED_PARAMS:
                p = self.obj(PARAM, ("elem", o.site), rg=True, label=o.label or "a parameter", node=o.node)
                out.add(self.obj(SEQ, ("pair", o.site), extra=(UNKNOWN_VALUE, frozenset((p,)))))
            elif k == PARAM_GROUPS:
                out.add(self.obj(PARAM_GROUP, ("group", o.site), node=o.node))
            elif k == SEQ or (k == MODULE and o.elems):  # a list, tuple; a ModuleList of known modules
                out.update(o.elems)
            elif k == MODULE and self.held_modules(o):
                out.update(x for layer in self.held_modules(o) for x in layer)
            elif o.is_tensor:
                out.add(self.view_of(o, node, multi=True, how="iterating over a tensor"))
            elif k == UNKNOWN:
                out.add(self.obj(UNKNOWN, ("iter", id(node), o.site)))
            else:
                out.add(self.obj(UNKNOWN, ("iter", id(node))))
        if len(out) > MAX_VALUE_SIZE and not (len(out) <= MAX_MODULE_TREE and all(
                o.kind == MODULE or o.kind == SEQ and len(o.extra) == 2 and o.extra[1]
                and all(m.kind == MODULE for m in o.extra[1]) for o in out)):
            return UNKNOWN_VALUE  # (the modules of a model, ``model.modules()``, may be more)
        return frozenset(out) if out else unknown(("iter", id(node)))

    # ------------------------------------------------------------------ expressions
    def ev(self, node: cst.BaseExpression) -> Value:
        handler = self._eval.get(type(node))
        if handler is not None:
            return handler(node)
        return self.ev_generic(node)

    def ev_generic(self, node) -> Value:
        if type(node) in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            return self.ev_Comprehension(node)
        if type(node) is cst.BooleanOperation:
            a = self.ev(node.left)
            b = self.ev(node.right)
            return join_values(a, b)
        if type(node) is cst.Comparison:
            # ``t.abs() < eps``: a comparison's result never requires grad, so what its operands computed is
            # referenced by nothing once it is made; torch frees those graphs with what they saved
            for operand in [node.left] + [c.comparator for c in node.comparisons]:
                before = self.state.saved if self.state is not None else None
                self.ev(operand)
                s = self.state
                if s is not None and s.saved and s.saved is not before \
                        and type(operand) not in (cst.Name, cst.Attribute) and not _binds(operand):
                    self.forget_saves_in(operand)  # (only when it saved something: ``record_saves`` makes a new dict)
            return UNKNOWN_VALUE
        if type(node) is cst.Dict and node.elements and all(
                type(el) is cst.DictElement and isinstance(literal_value(el.key), str) for el in node.elements):
            # ``{"relu": nn.ReLU, "gelu": nn.GELU}``: what each key holds (an activation registry read by key)
            entries: Dict[Optional[str], Value] = {}
            for el in node.elements:
                entries[literal_value(el.key)] = self.ev(el.value)
            held = frozenset(o for v in entries.values() for o in v)
            if not held or len(held) > MAX_VALUE_SIZE:
                return UNKNOWN_VALUE
            self.dict_entries[id(node)] = entries
            return frozenset((self.obj(SEQ, id(node), elems=held, meta=UNORDERED),))
        if type(node) is cst.Dict and not node.elements:
            # ``enc_s = {}``: a container whose items are what item assignments put in it (``enc_s[j] = {}``,
            # ``enc_s[0][i] = h0``), read back by any key
            return frozenset((self.obj(SEQ, id(node), meta=UNORDERED, node=node),))
        if type(node) in (cst.Dict, cst.Set):
            for el in node.elements:
                if type(el) is cst.DictElement:
                    self.ev(el.key)
                    self.ev(el.value)
                elif type(el) in (cst.Element, cst.StarredDictElement, cst.StarredElement):
                    self.ev(el.value)
            return UNKNOWN_VALUE
        if type(node) in (cst.FormattedString,):
            for part in node.parts:
                if type(part) is cst.FormattedStringExpression:
                    self.ev(part.expression)
            return UNKNOWN_VALUE
        if type(node) in (cst.Await, cst.Yield, cst.StarredElement):
            inner = getattr(node, "expression", None) or getattr(node, "value", None)
            if isinstance(inner, cst.BaseExpression):
                self.ev(inner)
            elif type(inner) is cst.From:
                self.ev(inner.item)
            return UNKNOWN_VALUE
        return UNKNOWN_VALUE

    def ev_Constant(self, node) -> Value:
        return EMPTY

    def ev_Name(self, node: cst.Name) -> Value:
        s = self.state
        if s is None:
            return UNKNOWN_VALUE
        if s.overwritten and node.value in s.overwritten:
            call, mod = s.overwritten[node.value]
            self.emit(OverwrittenInputRead(node, call, mod, s))
        v = s.env.get(node.value)
        if v is not None:
            return v
        if node.value in ("None", "True", "False"):
            return EMPTY
        q = self.qualname(node)
        return self.torch_function(q) if q is not None else UNKNOWN_VALUE

    def ev_Lambda(self, node: cst.Lambda) -> Value:
        return frozenset((self.obj(FUNC, ("lambda", id(node)), cls="<lambda>", node=node),))

    def call_lambda(self, node: cst.Lambda, pos: List[Value], kw: Dict[str, Value], call=None) -> Value:
        """``(lambda x: x ** 2)(t)``: its body with the parameters bound to the arguments (then unbound again). The
        modules it builds are built anew for each ``call`` site (``self.qf1 = q_producer()``, ``self.qf2 =
        q_producer()`` with ``q_producer=lambda: ConcatMlp(...)``: two networks)."""
        s = self.state
        params = list(node.params.posonly_params) + list(node.params.params) + list(node.params.kwonly_params)
        if s is None or node.params.star_arg is not None and type(node.params.star_arg) is cst.Param \
                or node.params.star_kwarg is not None:
            return UNKNOWN_VALUE
        names = [p.name.value for p in params]
        before = {n: s.env.get(n) for n in names}
        for i, name in enumerate(names):
            s.bind(name, pos[i] if i < len(pos) else kw.get(name, unknown(("param", id(node), name))))
        if call is not None:
            self.alloc_ctx.append(("lambda", id(call), self.alloc_ctx[-1] if self.alloc_ctx else None))
        try:
            return self.ev(node.body)
        finally:
            if call is not None:
                self.alloc_ctx.pop()
            if self.state is not None:
                for name, value in before.items():
                    if value is None:
                        self.state.unbind(name)
                    else:
                        self.state.bind(name, value)

    def super_call(self, node: cst.Call, name: str) -> Optional[Value]:
        """``super().name(...)`` in a method of one of our classes: the method of its base classes of this module,
        for the same instance. After ``super().__init__(...)`` the attributes it set are the instance's here too.
        None when the base method is not ours (``nn.Module.__init__``) or there is no instance."""
        fn = self.current
        s = self.state
        if fn is None or fn.cls is None or s is None or fn.node is None:
            return None
        method = self.method_of(fn.cls.name, name, skip_own=True)
        params = _all_params(fn.node)
        if not params:
            return None
        first = params[0].name.value
        self_value = s.env.get(first)
        if method is None and name == "forward" and self_value and len(self_value) == 1 and node.args:
            # ``super().forward(input)`` in a subclass of a torch layer (``class Conv2d(nn.Conv2d)``): that layer
            # applied, its parameters the instance's
            layer = self.torch_layer_base(fn.cls)
            inst = next(iter(self_value))
            if layer is not None and inst.kind == MODULE:
                pos, kw = self.eval_args(node)
                if pos and not any(a.star for a in node.args):
                    stand_in = self.obj(MODULE, inst.site, cls=layer, node=inst.node)
                    return self.torch_module_call(node, node.args[0].value, stand_in, pos, kw)
        if method is None and name == "__init__" and self_value and len(self_value) == 1 \
                and self.torch_layer_base(fn.cls) == "torch.nn.Sequential":
            # ``super().__init__(*layers)`` in a subclass of nn.Sequential (``class ConvBN(nn.Sequential)``): the
            # instance holds those layers, in order (and what ``add_module`` adds after them)
            inst = next(iter(self_value))
            if inst.kind == MODULE:
                self.init_sequential_layers(node, inst.site)
                return EMPTY
        if method is None or not self_value:
            return None
        pos, kw = self.eval_args(node)
        result = self.call_function(method, node, self_value, pos, kw)
        if name == "__init__" and self.state is not None and len(self_value) == 1:
            instance = next(iter(self_value))
            for attr, value in self.instance_attrs.get(instance.site, {}).items():
                key = f"{first}.{attr}"
                if key not in self.state.env:
                    self.state.bind(key, value)
        return result if result is not None else unknown(("call", id(node)))

    def sequential_subclass(self, cls: str) -> bool:
        """``cls`` is a class of ours deriving from nn.Sequential without a ``forward`` of its own: calling an
        instance runs its layers in order."""
        info = self.classes.get(cls)
        return info is not None and self.method_of(cls, "forward") is None \
            and self.torch_layer_base(info) == "torch.nn.Sequential"

    def torch_layer_base(self, cls: _ClassInfo) -> Optional[str]:
        """The torch layer (``torch.nn.Conv2d``) ``cls`` derives from, directly or through classes of this module."""
        todo, seen = [cls], set()
        while todo:
            info = todo.pop()
            if info.name in seen:
                continue
            seen.add(info.name)
            for b in info.node.bases:
                q = self.qualname(b.value) or ""
                if q.startswith("torch.nn.") and q.count(".") == 2 and q[9:10].isupper() and q != "torch.nn.Module":
                    return q
            todo.extend(self.classes[b] for b in info.bases if b in self.classes)
        return None

    def map_call(self, node: cst.Call) -> Optional[Value]:
        """``map(f, xs)`` with ``f`` a lambda or a function of ours (``q, k, v = map(lambda t: rearrange(t, ...),
        (q, k, v))``): ``f`` applied to each element, position by position where ``xs`` is known so (the result
        unpacks like ``xs``), else to what the elements may be. None for any other callable (the caller goes on as
        for an unknown function)."""
        fval = self.ev(node.args[0].value)
        seq = self.ev(node.args[1].value)
        if len(fval) != 1:
            return None
        f = next(iter(fval))
        if f.kind != FUNC:
            return None
        if type(f.node) is cst.Lambda:
            def apply(value: Value) -> Value:
                return self.call_lambda(f.node, [value], {})
        else:
            fn = self.fn_by_qual.get(f.cls)
            if fn is None:
                return None
            self.record_call(f.cls)

            def apply(value: Value) -> Value:
                result = self.call_function(fn, node, None, [value], {})
                return result if result is not None else unknown(("call", id(node)))
        parts = seq_parts(next(iter(seq))) if len(seq) == 1 else None
        if parts is not None and len(parts) <= MAX_SEQ_PARTS:
            results = tuple(apply(p) for p in parts)
            elems = frozenset(o for r in results for o in r)
            return frozenset((self.obj(SEQ, id(node), elems=elems if len(elems) <= MAX_VALUE_SIZE else UNKNOWN_VALUE,
                                       extra=results),))
        return frozenset((self.obj(SEQ, id(node), elems=apply(self.iter_elems(seq, node))),))

    def ev_IfExp(self, node: cst.IfExp) -> Value:
        self.ev(node.test)
        taken = self.truth(node.test)
        if taken is not NOT_CONSTANT:
            return self.ev(node.body if taken else node.orelse)
        return join_values(self.ev(node.body), self.ev(node.orelse))

    def ev_NamedExpr(self, node: cst.NamedExpr) -> Value:
        v = self.ev(node.value)
        self.assign(node.target, v, node.value)
        return v

    def ev_UnaryOperation(self, node: cst.UnaryOperation) -> Value:
        v = self.ev(node.expression)
        self.note_grad_tensor_use(node.expression)
        if type(node.operator) is cst.Not:
            return EMPTY
        if self.tensor_objs(v):
            return self.derived(node, (v,), key="operator.neg" if type(node.operator) is cst.Minus else None,
                                args={0: v})
        return UNKNOWN_VALUE

    def ev_BinaryOperation(self, node: cst.BinaryOperation) -> Value:
        a = self.ev(node.left)
        b = self.ev(node.right)
        self.note_grad_tensor_use(node.left)
        self.note_grad_tensor_use(node.right)
        if type(node.operator) is cst.Add and a and b and all(o.kind == SEQ for o in a) \
                and all(o.kind == SEQ for o in b):
            # ``list(enc.parameters()) + list(dec.parameters())``, ``[x] + outs``: a list of both lists' elements
            elems = frozenset(x for o in a | b for x in o.elems)
            return frozenset((self.obj(SEQ, id(node), elems=elems if len(elems) <= MAX_VALUE_SIZE else UNKNOWN_VALUE,
                                       node=node),))
        if self.tensor_objs(a) or self.tensor_objs(b):
            return self.derived(node, (a, b), label=f"`{_binop_label(node.operator)}`", key=_binop_key(node), args={0: a, 1: b})
        if a and b and not (a <= UNKNOWN_VALUE and b <= UNKNOWN_VALUE):
            return self.derived(node, (a, b))
        return UNKNOWN_VALUE if (a or b) else EMPTY

    def ev_Sequence(self, node) -> Value:
        parts = []
        for el in node.elements:
            v = self.ev(el.value)
            parts.append(UNKNOWN_VALUE if type(el) is cst.StarredElement else v)
        elems = frozenset(o for p in parts for o in p)
        if len(elems) > 12:
            elems = UNKNOWN_VALUE
        return frozenset((self.obj(SEQ, id(node), elems=elems, extra=tuple(parts), node=node),))

    def ev_Comprehension(self, node) -> Value:
        if self.state is None:
            return UNKNOWN_VALUE
        elt, positions = self.comprehension_elements(node)
        if positions is not None:
            return frozenset((self.obj(SEQ, id(node), elems=elt if len(elt) <= 12 else UNKNOWN_VALUE,
                                       extra=tuple(positions)),))
        if type(node) in (cst.ListComp, cst.GeneratorExp):
            # (how many elements, in which order, is not known: not an empty list)
            return frozenset((self.obj(SEQ, id(node), elems=elt if len(elt) <= 12 else UNKNOWN_VALUE,
                                       meta=UNORDERED),))
        return UNKNOWN_VALUE

    def comprehension_elements(self, node) -> Tuple[Value, Optional[List[Value]]]:
        """Run a comprehension once: what its elements may be (a dict comprehension's values), and, over a list
        known position by position, the element of each position (else None). Its names do not leak."""
        s = self.state
        saved = s.copy()
        fors = _comp_fors(node.for_in)
        positions: Optional[List[Value]] = None
        if type(node) in (cst.ListComp, cst.GeneratorExp) and len(fors) == 1 and not fors[0].ifs:
            # over a list or tuple known position by position, with no filter: one element per position, each
            # computed from its own (``[F.softmax(e) for e in (edges, nodes)]`` unpacks like the tuple)
            it = self.ev(fors[0].iter)
            parts = seq_parts(next(iter(it))) if len(it) == 1 else None
            if parts is not None and len(parts) <= MAX_SEQ_PARTS:
                positions = []
                for part in parts:
                    self.assign(fors[0].target, part, None)
                    positions.append(self.ev(node.elt))
                elt = frozenset(o for v in positions for o in v)
            else:
                self.assign(fors[0].target, self.iter_elems(it, fors[0]), None)
                elt = self.ev(node.elt)
        else:
            for comp in fors:
                it = self.ev(comp.iter)
                self.assign(comp.target, self.iter_elems(it, comp), None)
                for cond in comp.ifs:
                    self.ev(cond.test)
            if type(node) is cst.DictComp:
                self.ev(node.key)
                elt = self.ev(node.value)
            else:
                elt = self.ev(node.elt)
        # the comprehension's own names do not leak; what it did to objects (rg, used...) does, and so do the saves
        # of its elements (they exist only if it ran, when those saves were made)
        after = self.state
        if after is not None:
            saved.rg, saved.norg, saved.used, saved.retain = after.rg, after.norg, after.used, after.retain
            for o in elt:
                # (as they are after it ran: an element made anew at a site an earlier call made one at, the same
                # discriminator's outputs before and after an optimizer step, no longer has the old one's facts)
                root = o.root()
                if root in after.saved:
                    saved.saved[root] = after.saved[root]
                else:
                    saved.saved.pop(root, None)
                if o in after.stale:
                    saved.stale[o] = after.stale[o]
                else:
                    saved.stale.pop(o, None)
        self.state = saved
        return elt, positions

    def positions_of(self, value: Value) -> Optional[Tuple[Value, ...]]:
        """What a list, tuple or ModuleList holds position by position, when known; None otherwise."""
        if len(value) != 1:
            return None
        o = next(iter(value))
        if o.kind == MODULE:
            return self.module_list_order.get(o)
        return seq_parts(o)

    def modules_by_name(self, node: cst.Subscript) -> Optional[Value]:
        """``self._modules["gcl_%d" % i]``: the sub-module registered under that name when it is a constant and known
        as an attribute; for a name computed, one of those ``add_module`` registered under computed names (in a
        loop, ``self.add_module("gcl_%d" % i, E_GCL(...))``), when that is how they were all registered. None
        otherwise (the owner is not a module, or its sub-modules have names of their own)."""
        owner_expr = node.value.value
        owners = self.ev(owner_expr)
        owner = dotted(owner_expr)
        if not owners or owner is None or self.state is None or not all(o.kind == MODULE for o in owners):
            return None
        key = self.const(node.slice[0].slice.value)
        env = self.state.env
        if isinstance(key, str):
            return env.get(f"{owner}.{key}")
        added = [v for k, v in env.items() if k.startswith(owner + ".<added at ")]
        held = frozenset(o for v in added for o in v)
        if len(held) > 1 and self.alike_instances(held):
            # layers of one class of ours built alike (``E_GCL(hidden, hidden, hidden)`` in the loop): what one
            # does, each does
            held = frozenset((min(held, key=lambda o: str(o.site)),))
        return held if added and len(held) <= MAX_VALUE_SIZE else None

    def const_slice(self, node: cst.Subscript, step: bool = False) -> Optional[Tuple[Optional[int], ...]]:
        """``(lower, upper)`` of ``x[a:b]`` with constant (or absent) bounds and no step; with ``step``, ``(lower,
        upper, step)`` of ``x[a:b:c]`` (``params[::2]``); None for anything else."""
        if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Slice or (
                node.slice[0].slice.step and not step):
            return None
        sl = node.slice[0].slice
        bounds = []
        for part in (sl.lower, sl.upper) + ((sl.step,) if step else ()):
            value = None if part is None else self.const(part)
            if value is not None and type(value) is not int:
                return None
            bounds.append(value)
        if step and bounds[2] == 0:
            return None
        return tuple(bounds)

    def ev_slices(self, node: cst.Subscript) -> None:
        for el in node.slice:
            sl = el.slice
            if type(sl) is cst.Index:
                self.ev(sl.value)
            elif type(sl) is cst.Slice:
                for part in (sl.lower, sl.upper, sl.step):
                    if part is not None:
                        self.ev(part)

    def ev_Subscript(self, node: cst.Subscript) -> Value:
        if type(node.value) is cst.Attribute and node.value.attr.value == "_modules" and len(node.slice) == 1 \
                and type(node.slice[0].slice) is cst.Index:
            held = self.modules_by_name(node)
            if held is not None:
                return held
        base = self.ev(node.value)
        self.ev_slices(node)
        if not base:
            return UNKNOWN_VALUE
        out: Set[Obj] = set()
        key = _const_str_index(node)
        for o in base:
            k = o.kind
            if k == SEQ and o.site in self.dict_entries and len(node.slice) == 1 \
                    and type(node.slice[0].slice) is cst.Index:
                # ``ACTIVATIONS[name]``: what the key holds when it is known (a literal, a parameter given one),
                # else what any key holds
                entries = self.dict_entries[o.site]
                at = self.const(node.slice[0].slice.value)
                out.update(entries[at] if isinstance(at, str) and at in entries else o.elems)
                continue
            order = self.module_list_order.get(o) if o.kind == MODULE else None
            at = _const_int_index(node)
            if order is not None and at is not None and -len(order) <= at < len(order):
                out.update(order[at])  # ``self.convs[0]``: the module appended first
                continue
            bounds = self.const_slice(node) if order is not None else None
            if bounds is not None and order is not None:
                # ``self.convs[:-1]``: a ModuleList of those modules, in order
                part = order[bounds[0]:bounds[1]]
                made = self.obj(MODULE, ("slice", o.site, bounds), cls=o.cls, node=o.node,
                                elems=frozenset(m for v in part for m in v))
                self.module_list_order[made] = part
                out.add(made)
                continue
            if o.kind == MODULE and o.elems:
                out.update(o.elems)  # ``self.convs[i]``: one of the modules of a ModuleList
                continue
            if o.kind == MODULE and o.site in self.module_dicts:
                # ``self.heads["cls"]``: what was stored under that key (under any, for a key not known)
                entries = self.module_dicts[o.site]
                if key is not None and key in entries and None not in entries:
                    out.update(entries[key])
                else:
                    out.update(self.module_dict_values((o,)) or unknown(("sub", id(node))))
                continue
            if o.kind == MODULE and o.site in self.seq_layers and _const_int_index(node) is not None:
                layers = self.seq_layers[o.site]
                idx = _const_int_index(node)
                if -len(layers) <= idx < len(layers):
                    out.update(layers[idx][1])  # ``seq[1]``: that layer
                    continue
            bounds = self.const_slice(node) if o.kind == MODULE and o.site in self.seq_layers else None
            if bounds is not None and self.seq_layers[o.site][bounds[0]:bounds[1]]:
                # ``self.features[:23]``: an ``nn.Sequential`` of those layers, in order (torch builds one)
                part = self.seq_layers[o.site][bounds[0]:bounds[1]]
                first = [m for m in part[0][1] if m.kind == MODULE] if part else []
                extra = tuple(e for e in o.extra if e != "inplace_first") + (
                    ("inplace_first",) if first and all(self.module_inplace(m) for m in first) else ())
                made = self.obj(MODULE, ("slice", o.site, bounds), cls=o.cls, node=o.node, extra=extra)
                self.seq_layers[made.site] = part
                out.add(made)
                continue
            if o.kind == MODULE and o.elems:
                # ``layers[i]``: one of what the ModuleList holds (``layers[1:]``, a part of it: not known)
                out.update(o.elems if not _slice_index(node) else unknown(("sub", id(node))))
                continue
            if o.kind == VIEW and TUPLE_OF_VIEWS in o.extra:
                # an element (or a slice) of the tuple ``t.split(2)`` returned: one of its views
                out.add(o if _slice_index(node) else self.view_of(o, node))
            elif o.is_tensor:
                if _basic_index(node, self.holds_int):
                    out.add(self.view_of(o, node))
                else:
                    out.update(self.derived(node, (frozenset((o,)),)))
            elif k == PARAM_GROUPS:
                out.add(self.obj(PARAM_GROUP, ("group", o.site), node=o.node))
            elif k == PARAM_GROUP and key == "params":
                out.add(self.obj(PARAMS, ("groupparams", o.site), label="a parameter of the optimizer", node=o.node))
            elif k == SEQ and _slice_index(node):
                # ``params[::2]``: a list of some of its elements, not one of them
                bounds = self.const_slice(node, step=True)
                parts = tuple(o.extra[slice(*bounds)]) if bounds is not None and o.extra else None
                elems = frozenset(e for p in parts for e in p) if parts is not None else o.elems
                out.add(self.obj(SEQ, ("slice", id(node), o.site), elems=elems, extra=parts or (), node=node))
            elif k == SEQ:
                idx = _const_int_index(node)
                if idx is not None and o.extra and -len(o.extra) <= idx < len(o.extra):
                    out.update(o.extra[idx])
                else:
                    out.update(o.elems)
            else:
                out.add(self.obj(UNKNOWN, ("sub", id(node))))
        if len(out) > 12:
            return UNKNOWN_VALUE
        return frozenset(out)

    def holds_int(self, name: str) -> bool:
        """Does ``name`` hold a Python int here (an element of ``range(...)``)?"""
        value = self.state.env.get(name) if self.state is not None else None
        return bool(value) and all(o.kind == INT for o in value)

    def ev_Attribute(self, node: cst.Attribute) -> Value:
        s = self.state
        if s is None:
            return UNKNOWN_VALUE
        key = dotted(node)
        if key is not None:
            v = s.env.get(key)
            if v is not None:
                return v
            q = self.qualname(node)
            if q is not None:
                return self.torch_function(q)
        base = self.ev(node.value)
        return self.attribute_of(node, base)

    def attribute_of(self, node: cst.Attribute, base: Value) -> Value:
        attr = node.attr.value
        if attr == "apply" and self.custom_function_class(base) is not None:
            # ``apply_rotary = ApplyRotary.apply``: calling it is calling ``ApplyRotary.apply``
            cls = next(iter(base))
            return frozenset((self.obj(FUNC, ("fn-apply", cls.cls), cls=cls.cls, extra=(cls,)),))
        if attr == "grad":
            self.grad_read(node, base, tensor_use=False)
            tensors = self.tensor_objs(base)
            if tensors:
                return frozenset(self.obj(GRAD, None, base=o.root(), rg=False) for o in tensors)
            return unknown(("grad", id(node)))
        out: Set[Obj] = set()
        for o in base:
            k = o.kind
            getter = self.property_of(o.cls, attr) if k in (MODULE, UNKNOWN) and o.cls in self.classes else None
            if o.is_tensor:
                if attr == "data":
                    out.add(self.data_alias(o))
                elif ops.is_view_attribute(attr):
                    out.add(self.view_of(o, node))
                else:
                    out.add(self.obj(UNKNOWN, ("attr", id(node))))
            elif getter is not None:
                # ``self.lengthscale`` with ``@property def lengthscale(self): return F.softplus(self.raw)``
                got = self.call_function(getter, node, frozenset((o,)), [], {})
                out.update(got if got is not None else (self.obj(UNKNOWN, ("attr", id(node))),))
            elif k == MODULE:
                out.update(self.module_attr(o, attr, node))
            elif k == UNKNOWN and attr in self.namespace_attrs.get(o.site, {}) and attr not in (
                    self.stored_attr_names() or (attr,)):
                out.update(self.namespace_attrs[o.site][attr])  # ``config.hidden_size`` of a SimpleNamespace
            elif k == UNKNOWN and o.cls in self.classes and attr in self.instance_attrs.get(o.site, {}) \
                    and attr not in self.classes[o.cls].assigned_elsewhere:
                # ``res.logits`` of a plain object of ours (``CausalLMOutput(logits)``): what its ``__init__`` stored
                out.update(self.instance_attrs[o.site][attr])
            elif attr == "param_groups":
                out.add(self.obj(PARAM_GROUPS, ("groups", o.site if k == UNKNOWN else id(node)), node=node))
            else:
                out.add(self.obj(UNKNOWN, ("attr", id(node))))
        if not out:
            return UNKNOWN_VALUE
        return frozenset(out)

    def stored_attr_names(self) -> Optional[Set[str]]:
        """The attribute names the file's statements store (``x.name = ...``, ``x.name += ...``, ``del x.name``),
        or None when it also stores attributes by computed name (``setattr``, ``delattr``, ``vars``, ``__dict__``)."""
        if self._stored_attr_names is None:
            finder = _StoredAttrs()
            self.module.visit(finder)
            self._stored_attr_names = finder.names if not finder.dynamic else _DYNAMIC_ATTRS
        return None if self._stored_attr_names is _DYNAMIC_ATTRS else self._stored_attr_names

    def module_attr(self, mod: Obj, attr: str, node) -> Value:
        cls = mod.cls
        if cls.startswith("torch.nn."):
            short = cls[9:]
            if attr in _PARAM_ATTRS and short.startswith(_PARAM_MODULE_PREFIXES) and attr not in mod.extra:
                if "Lazy" in short:
                    return unknown(("lazy", id(node)))
                return self.layer_param(mod, attr, short.split('.')[-1])
            if short in _RECURRENT_LAYERS and _RNN_PARAM.match(attr) and not (
                    attr.startswith("bias") and "bias" in mod.extra):
                # ``self.rnn.weight_hh_l0``, ``getattr(self.rnn, f"bias_ih_l{i}")``: a parameter of the recurrent layer
                return self.layer_param(mod, attr, short)
            return UNKNOWN_VALUE
        info = self.classes.get(cls)
        if info is not None and attr in info.assigned_elsewhere:
            # set by another method: known once a call of it was analysed for this instance (or built there once)
            return self.later_attrs.get(mod.site, {}).get(attr) or self.modules_built_once(info).get(
                attr, UNKNOWN_VALUE)
        known = self.instance_attrs.get(mod.site, {}).get(attr) or (info.attrs.get(attr) if info is not None else None)
        if info is not None and attr in _PARAM_ATTRS and (not known or all(o.kind == UNKNOWN for o in known)):
            # ``class Sinusoidal(nn.Embedding)``: ``self.weight`` is the Parameter the torch layer made
            base = next((q for q in (self.qualname(b.value) for b in info.node.bases) if q), "")
            short = base[9:] if base.startswith("torch.nn.") and "." not in base[9:] else ""
            if short and short.startswith(_PARAM_MODULE_PREFIXES) and "Lazy" not in short:
                return self.layer_param(mod, attr, short)
        if info is not None:
            # what ``__init__`` stored for this very instance (run with its arguments), else for any instance
            own = self.instance_attrs.get(mod.site, {}).get(attr)
            if own is not None:
                return own
            if attr in info.attrs:
                return info.attrs[attr]
        return UNKNOWN_VALUE

    def layer_param(self, mod: Obj, attr: str, layer: str) -> Value:
        """The Parameter ``attr`` of the torch layer ``mod`` (of class ``layer``): one object per module and name."""
        return frozenset((self.obj(PARAM, (mod.site, attr), rg=True, label=f"`{attr}` of {layer}", node=mod.node),))

    # ------------------------------------------------------------------ .grad reads
    def grad_read(self, node: cst.Attribute, base: Value, tensor_use: bool) -> None:
        if self.state is None:
            return
        bound_at = None
        if type(node.value) is cst.Name and any(self.made_depth.get(o.site, 0) > len(self.call_stack) for o in base):
            # ``fgsm_tensor = adversary.perturb(x, y)``: the tensor was computed in a function called here; the
            # statement of this function that bound the name is where the reader can act
            bound_at = self.bound_stmts.get(node.value.value)
        self.emit(GradRead(node, node.value, base, self.state, self.stmt, tensor_use, bound_at))

    def note_grad_tensor_use(self, expr: cst.BaseExpression) -> None:
        """``expr`` is computed with: when it is ``n.grad`` (or ``n.grad.data``), ``n`` has a populated gradient,
        so it is a leaf that requires grad."""
        if type(expr) is cst.Attribute and expr.attr.value == "data":
            expr = expr.value
        if type(expr) is cst.Attribute and expr.attr.value == "grad" and self.state is not None:
            base = self.ev_quiet(expr.value)
            for o in base:
                if o.kind == UNKNOWN and o.site != "unknown":
                    self.grad_used.add(o)

    def ev_quiet(self, node: cst.BaseExpression) -> Value:
        """Look a name or attribute chain up without side effects."""
        key = dotted(node)
        if key is not None and self.state is not None:
            return self.state.env.get(key, UNKNOWN_VALUE)
        return UNKNOWN_VALUE

    def ev_quiet_chain(self, node: cst.BaseExpression) -> Value:
        """``ev_quiet``, and past the longest part of an attribute chain that is bound, the attributes that the
        ``__init__`` of each module (or a ``SimpleNamespace`` constructor) gave (``self.llm.config``)."""
        key = dotted(node)
        s = self.state
        if key is None or s is None:
            return UNKNOWN_VALUE
        if key in s.env:
            return s.env[key]
        parts = key.split(".")
        for i in range(len(parts) - 1, 0, -1):
            value = s.env.get(".".join(parts[:i]))
            if value is None:
                continue
            for attr in parts[i:]:
                found: Set[Obj] = set()
                for o in value:
                    info = self.classes.get(o.cls) if o.kind == MODULE else None
                    got = (self.namespace_attrs.get(o.site, {}).get(attr) if o.kind == UNKNOWN else
                           self.instance_attrs.get(o.site, {}).get(attr) or (
                               info.attrs.get(attr) if info is not None else None) if o.kind == MODULE else None)
                    if not got or (info is not None and attr in info.assigned_elsewhere):
                        return UNKNOWN_VALUE
                    found.update(got)
                value = frozenset(found)
            return value
        return UNKNOWN_VALUE

    # ------------------------------------------------------------------ calls
    def eval_args(self, call: cst.Call) -> Tuple[List[Value], Dict[str, Value]]:
        pos: List[Value] = []
        kw: Dict[str, Value] = {}
        expanded = True
        raw: List[Value] = []
        for a in call.args:
            v = self.ev(a.value)
            raw.append(v)
            self.note_grad_tensor_use(a.value)
            if a.keyword is not None:
                kw[a.keyword.value] = v
            elif a.star == "*" and _known_positions(v):
                pos.extend(next(iter(v)).extra)  # ``f(*[a, b])``, ``f(*inputs)`` of a literal: one by one
            elif a.star == "**" and self.star_kwargs(v) is not None:
                kw.update(self.star_kwargs(v))  # ``f(**kwargs)`` of the call being analysed
            elif a.star:
                pos.append(UNKNOWN_VALUE)
                expanded = False
                # what the list or dict holds goes into the call, which may compute with it
                self.mark_used((v, frozenset(e for o in v if o.kind == SEQ for e in o.elems)))
            else:
                pos.append(v)
        if self.fresh_modules:
            for v in raw:
                for o in v:
                    if o.kind == MODULE:
                        self.fresh_modules.discard(o.site)
        if any(a.star for a in call.args):
            self._star_args = (id(call), raw)
            if expanded:
                self._expanded_stars.add(id(call))
        self._args_of = (id(call), pos, kw)
        return pos, kw

    def star_kwargs(self, value: Value) -> Optional[Dict[str, Value]]:
        """The keyword arguments ``value`` holds when it is the ``**kwargs`` of the call being analysed."""
        o = next(iter(value)) if len(value) == 1 else None
        if o is None or not isinstance(o.site, tuple) or o.site[:1] != ("starkw",):
            return None
        return self.dict_entries.get(o.site)

    def ev_Call(self, node: cst.Call) -> Value:
        out = self._ev_call(node)
        if out and all(o.is_tensor for o in out) and _values_and_indices_call(node):
            # ``w, idx = torch.topk(scores, k)``, ``d.max(dim=1)[1]``: (values, indices); the indices cannot require
            # grad
            indices = self.obj(LEAF, ("indices", id(node)), rg=False, node=node, stmt=self.stmt)
            out = frozenset((self.obj(SEQ, ("pair", id(node)), extra=(out, frozenset((indices,)))),))
        if self.graph_nodes or self.opaque_made:
            me = id(node)
            opaque = [o for o in out if o.kind == UNKNOWN and isinstance(o.site, tuple) and len(o.site) > 1
                      and o.site[1] == me]
            if opaque:
                # what a call the analysis does not follow was given (its receiver, its arguments): the graphs it
                # may keep alive, in what it returns or elsewhere
                given: List[Value] = []
                if self._args_of[0] == me:
                    given.extend(self._args_of[1])
                    given.extend(self._args_of[2].values())
                if self._recv_of[0] == me:
                    given.append(self._recv_of[1])
                graphs = [self.graph_nodes.get(o.root()) for v in given for o in v]
                graphs = [g for g in graphs if g]
                if graphs:
                    if self.opaque_made:
                        self.opaque_made[-1].update(opaque)
                    self.escaped_saves.update(*graphs)
                elif node.args and self._args_of[0] != me and self.opaque_made:
                    self.opaque_made[-1].add(_ARGUMENTS_NOT_KNOWN)  # (what it was given is not known here)
        s = self.state
        if self._rebinding is not None and s is not None and (s.saved or s.stale):
            # what a call the analysis cannot follow returns is one unknown object per call site: a new tensor each
            # time the call runs (a second call of the same ``forward``), whose old copy's facts go now, before an
            # enclosing call writes it (``x = F.relu_(self.norm(h))``); a stale graph it just got from its
            # arguments is its own
            me = id(node)
            for o in self.unknown_old_copies(out):
                if o.site[1] == me:
                    self.forget_old_copy(o)
        if self.state is not None and self.state.infer is True:
            # what an unknown callee returns in inference mode is an inference tensor, if it is a tensor
            me = id(node)
            out = frozenset(self.obj(UNKNOWN, o.site, meta=INFERENCE)
                            if o.kind == UNKNOWN and not o.meta and not o.cls and isinstance(o.site, tuple)
                            and me in o.site else o  # (an instance of a class of ours is no tensor)
                            for o in out)
        return out

    def _ev_call(self, node: cst.Call) -> Value:
        func = node.func
        q = self.qualname(func)
        if q is not None:
            return self.qual_call(node, q)
        if type(func) is cst.Attribute:
            if _is_super_call(func.value):
                result = self.super_call(node, func.attr.value)
                if result is not None:
                    return result
            key = dotted(func)
            recv = self.ev(func.value)
            if key is not None and self.state is not None and key in self.state.env:
                fval = self.state.env[key]
                return self.call_value(node, fval)
            if recv and all(o.kind == MODULE and o.cls in self.classes for o in recv) and not any(
                    self.method_of(o.cls, func.attr.value) is not None for o in recv):
                # ``model.discriminator(x)``: a sub-module (or a function) an instance of our class holds, called
                fval = self.attribute_of(func, recv)
                if fval and all(o.kind in (MODULE, FUNC, CLASS) for o in fval):
                    return self.call_value(node, fval)
            out = self.method_call(node, func, recv)
            self._recv_of = (id(node), recv)
            return out
        if type(func) is cst.Name:
            name = func.value
            if self.state is not None and name in self.state.env:
                return self.call_value(node, self.state.env[name])
            if name in _ITER_PASSTHROUGH and node.args:
                pos, kw = self.eval_args(node)
                if not pos:
                    return UNKNOWN_VALUE  # (``list(**kw)``)
                parts = seq_parts(next(iter(pos[0]))) if len(pos[0]) == 1 and name in ("list", "tuple") else None
                if parts is not None and not kw and len(node.args) == 1:
                    # ``list(n_neurons)`` of a tuple known position by position: the same positions
                    return frozenset((self.obj(SEQ, id(node), elems=frozenset(o for p in parts for o in p),
                                               extra=tuple(parts), node=node),))
                return frozenset((self.obj(SEQ, id(node), elems=self.iter_elems(pos[0], node)),))
            if name == "sum" and node.args and not node.args[0].star:
                # ``sum([th.mean(g) for g in outs])``: the elements added up (``+`` saves nothing), one tensor computed
                # from all of them, which carries their graphs
                pos, kw = self.eval_args(node)
                elems = self.iter_elems(pos[0], node) if pos else EMPTY
                if any(o.is_tensor for o in elems):
                    return self.derived(node, [elems, *pos[1:], *kw.values()], label="`sum(...)`")
                self.mark_used(pos)
                return unknown(("call", id(node)))
            if name in ("enumerate", "zip") and node.args:
                pos, kw = self.eval_args(node)
                if not pos:
                    return UNKNOWN_VALUE
                if name == "zip" and not kw:
                    rows = [self.positions_of(p) for p in pos]
                    if all(r is not None for r in rows) and len({len(r) for r in rows}) == 1 \
                            and 1 < len(rows[0]) <= MAX_SEQ_PARTS:
                        # ``zip(self.convs[:-1], self.norms)`` of lists known position by position: one tuple
                        # per position (a loop over it can take them one by one)
                        pairs = frozenset(self.obj(SEQ, ("tuple", id(node), i), extra=tuple(r[i] for r in rows))
                                          for i in range(len(rows[0])))
                        return frozenset((self.obj(SEQ, id(node), elems=pairs),))
                parts = tuple(self.iter_elems(p, node) for p in pos)
                if name == "enumerate":
                    # one (index, element) pair per element: a loop over it can take them one by one
                    pairs = frozenset(self.obj(SEQ, ("tuple", id(node)), extra=(UNKNOWN_VALUE, frozenset((o,))))
                                      for o in parts[0])
                    return frozenset((self.obj(SEQ, id(node), elems=pairs),))
                pair = self.obj(SEQ, ("tuple", id(node)), extra=parts)
                return frozenset((self.obj(SEQ, id(node), elems=frozenset((pair,))),))
            if name == "filter" and len(node.args) == 2 and not any(a.star or a.keyword for a in node.args):
                # some of the elements: ``filter(lambda p: p.requires_grad, model.parameters())``
                pos, kw = self.eval_args(node)
                if pos[1] and all(o.kind == PARAMS for o in pos[1]):
                    return pos[1]
                return frozenset((self.obj(SEQ, id(node), elems=self.iter_elems(pos[1], node), meta=UNORDERED),))
            if name == "map" and len(node.args) == 2 and not any(a.star or a.keyword for a in node.args):
                mapped = self.map_call(node)
                if mapped is not None:
                    return mapped
            if name == "range" and node.args and not any(a.star for a in node.args):
                self.eval_args(node)  # its elements are ints: ``x[i]`` with ``i`` one of them takes a view
                return frozenset((self.obj(SEQ, id(node), elems=frozenset((self.obj(INT, "int"),))),))
            if name in _SCALAR_BUILTINS:
                self.eval_args(node)  # a Python number, string or bool: never a tensor
                for a in node.args:
                    self.forget_saves_in(a.value)  # ``float(t.max())``: that graph's output dies at once
                return EMPTY
            if name == "getattr" and len(node.args) in (2, 3) and not any(a.star or a.keyword for a in node.args):
                # ``getattr(self.rnn, f"bias_hh_l{i}")``: a parameter of a torch.nn layer named by a pattern
                pos, kw = self.eval_args(node)
                attr = _attribute_name_pattern(node.args[1].value)
                mods = [o for o in pos[0] if o.kind == MODULE]
                if attr is not None and mods and len(mods) == len(pos[0]):
                    out: Set[Obj] = set()
                    for mod in mods:
                        out.update(self.module_attr(mod, attr, node))
                    return frozenset(out)
                named = self.const(node.args[1].value)
                if isinstance(named, str) and named.isidentifier() and len(node.args) == 2 and self.qualname(
                        node.args[0].value) is not None:
                    # ``getattr(nn, activation)`` with ``activation`` a constant ("ReLU"): ``nn.ReLU``
                    key = (id(node), named)
                    attr_node = self._getattr_nodes.get(key)
                    if attr_node is None:
                        attr_node = self._getattr_nodes[key] = cst.Attribute(value=node.args[0].value,
                                                                             attr=cst.Name(named))
                    return self.ev(attr_node)
                return unknown(("call", id(node)))
            if name == "dict" and len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star:
                pos, _ = self.eval_args(node)
                if len(pos[0]) == 1 and next(iter(pos[0])).site in self.named_modules_lists:
                    # ``dict(model.named_modules())``: each module under its name; a name not known finds nothing
                    self.dict_entries[id(node)] = {name: frozenset((m,)) for name, m in
                                                   self.named_modules_lists[next(iter(pos[0])).site]}
                    return frozenset((self.obj(SEQ, id(node), meta=UNORDERED, node=node),))
                if pos[0] and all(o.kind == NAMED_PARAMS for o in pos[0]):
                    # ``params = dict(rnn.named_parameters())``: ``params[name]`` is one of the parameters
                    pairs = self.iter_elems(pos[0], node)
                    elems = frozenset(x for pair in pairs for x in (pair.extra[1] if pair.kind == SEQ else ()))
                    return frozenset((self.obj(SEQ, id(node), elems=elems, meta=UNORDERED, node=node),))
                return unknown(("call", id(node)))
            if name == "super" or name in _INSPECTING_BUILTINS:
                self.eval_args(node)  # these look at a tensor; they never put it in a graph
                return unknown(("call", id(node)))
        fval = self.ev(func)
        return self.call_value(node, fval)

    def held_constants(self, attrs: Dict[str, Value]) -> Dict[str, object]:
        """``config.fused`` for an instance whose ``__init__`` stored one object built with constants in
        ``self.config`` (a ``@dataclass`` config, a sub-module): those constants, one level down, as ``attr.name``
        (so ``if self.config.fused:`` is decided for the instances the program builds)."""
        out: Dict[str, object] = {}
        for attr, held in attrs.items():
            if len(held) == 1:
                for k, v in self.instance_consts.get(next(iter(held)).site, {}).items():
                    if "." not in k and not isinstance(v, _Marker):
                        out[f"{attr}.{k}"] = v
        return out

    def dataclass_constants(self, cls: cst.ClassDef, call: cst.Call) -> Dict[str, object]:
        """The constants a ``@dataclass`` built by ``call`` holds in its fields: the argument given for each (by
        position in field order, or by name), else the field's literal default. Fields without either, a
        ``field(...)`` default, ``*args`` or ``**kwargs`` at the call: not known."""
        fields: List[Tuple[str, object]] = []
        for st in body_statements(cls.body):
            for small in (st.body if isinstance(st, (cst.SimpleStatementLine, SuiteLine)) else ()):
                if type(small) is cst.AnnAssign and type(small.target) is cst.Name and "ClassVar" not in (
                        dotted(small.annotation.annotation) or ""):
                    default = literal_value(small.value) if small.value is not None else NOT_CONSTANT
                    fields.append((small.target.value, default))
        if any(a.star for a in call.args):
            return {}
        given: Dict[str, object] = {}
        names = [name for name, _ in fields]
        for i, a in enumerate(call.args):
            if a.keyword is None:
                if i >= len(names):
                    return {}
                given[names[i]] = self.const(a.value)
            else:
                given[a.keyword.value] = self.const(a.value)
        out: Dict[str, object] = {}
        for name, default in fields:
            value = given.get(name, default)
            if value is not NOT_CONSTANT and not isinstance(value, _Marker):
                out[name] = value
        return out

    def stored_const(self, held: Value, attr: str) -> object:
        """The constant the ``__init__`` of every instance in ``held`` stored in ``attr`` (``init_constants``), when
        they all stored the same one; else ``NOT_CONSTANT``."""
        if not held or not all(o.kind == MODULE or o.kind == UNKNOWN and o.cls in self.classes for o in held):
            return NOT_CONSTANT  # (modules, and instances of plain classes of ours: a config)
        value = _agreed_constants([self.instance_consts.get(o.site, {}) for o in held]).get(attr, NOT_CONSTANT)
        return NOT_CONSTANT if isinstance(value, _Marker) else value

    def alike_instances(self, fval: Value) -> bool:
        """Every object of ``fval`` is a module of one class of ours whose ``__init__`` stored the same constants in it
        (so its ``forward`` takes the same branches)."""
        objs = list(fval)
        if not all(o.kind == MODULE and o.cls == objs[0].cls for o in objs) or objs[0].cls not in self.classes:
            return False
        consts = [self.instance_consts.get(o.site) for o in objs]
        return all(c is not None and c == consts[0] for c in consts)

    def call_module(self, node: cst.Call, f: Obj, pos: List[Value], kw: Dict[str, Value],
                    explicit_forward: bool = False) -> Value:
        """A module called (``m(x)``, or ``m.forward(x)`` with ``explicit_forward``): what the torch layer or the
        model as a whole does (``module_call``), and for a module of ours its ``forward`` run for this call."""
        self.fresh_modules.discard(f.site)
        self.module_depth += 1
        try:
            return self._call_module(node, f, pos, kw, explicit_forward)
        finally:
            self.module_depth -= 1
            if not self.module_depth and self.hook_kept:
                self.hook_kept = {}  # (the call that ran the hooks returned: what they kept is read from now on)

    def _call_module(self, node: cst.Call, f: Obj, pos: List[Value], kw: Dict[str, Value],
                     explicit_forward: bool) -> Value:
        result = self.module_call(node, f, pos, kw)
        if self.state is not None and self.state.overwritten and pos and result:
            roots = {o.root() for o in pos[0]}
            if all(o.root() in roots for o in result):
                # it returns the very tensor it wrote (``nn.Sequential(nn.ReLU(inplace=True))``): reading
                # the result is the point (a name that held the input is still an overwritten read)
                for root in roots:
                    self.state.overwritten.pop(root, None)
        if f.site in self.seq_layers and (self.bw_hooked or self.bw_hooked_all):
            self.run_hooked_sequence(f, result)
        # (a class that defines ``__call__`` itself runs that instead of ``nn.Module.__call__`` -> forward;
        # ``m.forward(x)`` runs ``forward``)
        forward = ((None if explicit_forward else self.method_of(f.cls, "__call__")) or self.method_of(f.cls, "forward")
                   if f.cls in self.classes else None)
        if forward is not None:
            self.record_forward_call(forward, pos)
            # our own module: its forward, for this call (the model-level result above, when there is one,
            # stays the result: it knows which parameters the graph saved; but a tuple the forward returns
            # is its tensors, each knowing what its own graph saved)
            inlined = self.call_function(forward, node, frozenset((f,)), pos, kw)
            st = self.state
            if inlined and result and st is not None and st.stale:
                # its forward computed from a graph an optimizer step made stale (a recurrent state the module kept
                # from an earlier call): so is the model-level result
                stale = next((x for x in map(st.stale_of, inlined) if x is not None), None)
                if stale is not None:
                    for o in result:
                        if o.kind == DERIVED and o.root() not in st.stale:
                            st.stale[o.root()] = stale
            if inlined is not None and len(result) == 1 and self._saved_output(inlined) and all(
                    o.is_tensor for o in result):
                # the module's result stands for the tensor its forward returned, which an op inside saved (it
                # ends with a ReLU or a Sigmoid): that tensor's saves are the result's too
                s = self.state
                records = frozenset(r for o in inlined if o.root() in s.saved for r in s.saved[o.root()])
                root = next(iter(result)).root()
                s.saved[root] = s.saved.get(root, frozenset()) | records
            if inlined is not None and (all(o.kind == UNKNOWN for o in result) or (
                    _known_tuple(inlined) and all(o.is_tensor for o in result)) or (inlined and all(
                    o.kind == UNKNOWN and o.cls in self.classes and o.site in self.instance_attrs for o in inlined))):
                # (a forward returning a plain object of ours, ``CausalLMOutput(logits)``: that object)
                result = inlined
                roots = {o.root() for o in (pos[0] if pos else EMPTY)}
                if self.state is not None and self.state.overwritten and any(
                        o.root() in roots for o in inlined):
                    for root in roots:  # it returns the tensor it wrote: reading the result is the point
                        self.state.overwritten.pop(root, None)
        if f.site in self.fwd_hook_writes or f.site in self.fwd_hook_keeps:
            self.run_forward_hooks(f, result)
        return self.hooked_output(node, f, result)

    def _saved_output(self, value: Value) -> bool:
        """``value``, what a forward returned, is tensors an op inside saved for backward (it ends with a ReLU or a
        Sigmoid): the caller must see that tensor, not a result standing for the whole module."""
        s = self.state
        return bool(value) and s is not None and all(o.is_tensor and self.is_rg(o) for o in value) and any(
            o.root() in s.saved for o in value)  # (as informed as the module's result: it surely requires grad)

    def call_value(self, node: cst.Call, fval: Value) -> Value:
        if len(fval) == 1:
            f = next(iter(fval))
            if f.kind == FUNC and f.site == ("torch", f.cls):  # ``self.activation(x)`` holding ``F.relu``
                return self.qual_call(node, f.cls)
        pos, kw = self.eval_args(node)
        out: Set[Obj] = set()
        if 1 < len(fval) <= MAX_ALIKE_CALLS and self.state is not None and self.current is not None and \
                self.current.cls is not None and self.current.cls.is_module and \
                self.call_stack and self.call_budget >= len(fval) and len(self.call_stack) < MAX_CALL_DEPTH and \
                self.alike_instances(fval):
            # inside a module's own methods, one of several layers of one class of ours built alike
            # (``self.lateral_convs[i]`` of a ModuleList filled in a loop, each with the same constants): each one's
            # ``forward`` run from here, and the paths joined (what every one of them does holds). Not in training
            # code (models held in a list, each with its own optimizer), where the lists' contents are conflated.
            # Only in a call the program makes (the instances built with its arguments; a method analysed on its own
            # holds layers built from unknown arguments, whose branches are not decided), where each forward is
            # followed (a summary knows none of an instance's constants).
            entry, joined, result = self.state, None, EMPTY
            for f in sorted(fval, key=lambda o: str(o.site)):
                self.state = entry.copy()
                result = join_values(result, self.call_module(node, f, pos, kw))
                joined = join_states(joined, self.state, split=entry) if joined is not None else self.state
            self.state = joined
            self.stale_through_unknown(set(result), pos, kw)
            return result or UNKNOWN_VALUE
        if len([f for f in fval if f.kind in (MODULE, FUNC, CLASS)]) > 1:
            # one of several callees (``act = nn.ReLU(inplace=True) if c else nn.Softplus()``, a loop over layers):
            # what any one of them does is not certain
            self.mark_used(pos)
            self.mark_used(kw.values())
            return unknown(("call", id(node)))
        for f in fval:
            if f.kind == FUNC and isinstance(f.site, tuple) and f.site[0] == "fn-apply":
                out.update(self.custom_function_apply(node, frozenset(f.extra), pos))
            elif f.kind == FUNC and type(f.node) is cst.Lambda:
                out.update(self.call_lambda(f.node, pos, kw, node))
            elif f.kind == FUNC:
                self.record_call(f.cls)
                fn = self.fn_by_qual.get(f.cls)
                if fn is not None and fn.home is not None and not any(
                        o.kind != UNKNOWN for v in list(pos) + list(kw.values()) for o in v):
                    fn = None  # a helper of another file given nothing we know (``is_x_available()``): not worth a call
                result = self.call_function(fn, node, None, pos, kw) if fn is not None else None
                if result is None:  # (analysed, its body said what it used its arguments for)
                    self.mark_used(pos)
                    self.mark_used(kw.values())
                out.update(result if result is not None else (self.obj(UNKNOWN, ("call", id(node))),))
            elif f.kind == CLASS:
                info = self.classes.get(f.cls)
                if info is not None and (info.is_module or not info.is_autograd_function):
                    site = self.alloc_site(id(node))
                    if self.straight_module_level():
                        self.singletons.add(site)  # (built once: ``model = Model()`` at the module's top level)
                    inst = (self.obj(MODULE, site, cls=f.cls, node=node) if info.is_module else
                            self.obj(UNKNOWN, ("instance", site), cls=f.cls, node=node))  # its methods are known
                    if info.is_module and self.state is not None:  # (``nn.Module.__init__`` sets training)
                        self.state.training = {**self.state.training, site: True}
                    if info.is_optimizer and not info.is_module:
                        # (an optimizer of ours: the modules whose parameters it steps, as for torch's)
                        first = pos[0] if pos and node.args and node.args[0].keyword is None else kw.get("params")
                        self.custom_optimizer_owners[inst.site] = self.owners_of_params(first or EMPTY)
                    init = self.method_of(f.cls, "__init__")
                    if init is not None:  # what it does with its arguments (registers hooks, ...)
                        self.call_function(init, node, frozenset((inst,)), pos, kw)
                    elif not info.bases and _is_dataclass(info.node):
                        # ``CausalConv1dConfig(feature_dim=6, kernel_size=4)``: the fields its generated
                        # ``__init__`` stores, where the call or the field's default gives a constant
                        fields = self.dataclass_constants(info.node, node)
                        if fields:
                            self.instance_consts[inst.site] = fields
                    if info.is_module:
                        self.fresh_modules.add(site)
                    out.add(inst)
                else:
                    out.add(self.obj(UNKNOWN, ("call", id(node))))
            elif f.kind == UNKNOWN and f.cls in self.classes and self.method_of(f.cls, "__call__") is not None:
                result = self.call_function(self.method_of(f.cls, "__call__"), node, frozenset((f,)), pos, kw)
                out.update(result if result is not None else (self.obj(UNKNOWN, ("call", id(node))),))
            elif f.kind == MODULE:
                out.update(self.call_module(node, f, pos, kw))
            else:
                self.mark_used(pos)
                self.mark_used(kw.values())
                out.add(self.obj(UNKNOWN, ("call", id(node))))
        if (type(node.func) is cst.Attribute and type(node.func.value) is cst.Name
                and node.func.value.value == "self" and self.current_cls is not None):
            self.record_call(f"{self.current_cls.name}.{node.func.attr.value}")
        self.stale_through_unknown(out, pos, kw)
        return frozenset(out) if out else UNKNOWN_VALUE

    def stale_through_unknown(self, out: Set[Obj], pos: List[Value], kw: Dict[str, Value]) -> None:
        """A call whose result is not known, given a tensor whose graph an optimizer step made stale (``netD(fake)``
        through a module the analysis cannot follow): what it computes from that tensor carries the stale graph."""
        s = self.state
        if s is None or not s.stale:
            return
        fact = next((s.stale[o] for v in list(pos) + list(kw.values()) for o in v if o in s.stale), None)
        if fact is not None:
            for o in out:
                if o.kind == UNKNOWN and o.site != "unknown":
                    s.stale[o] = fact
                    self._stale_marked.add(o)

    def note_overwritten_reads(self, node, inputs: Iterable[Value]) -> None:
        """``inputs`` are computed with at ``node``: a read of a tensor a call overwrote in place, when one of them
        (or an element of a list or tuple of them) surely is such a tensor: a value that may also hold another
        tensor (bound in one branch of an ``if`` only) is not surely a read of the overwritten one."""
        s = self.state
        for value in inputs:
            for part in _read_parts(value, 0):
                entries = [s.overwritten.get(x.root()) if x.kind != SEQ else None for x in part]
                entry = entries[0] if entries else None
                if entry is not None and entry[0] is not node and all(e == entry for e in entries):
                    self.emit(OverwrittenInputRead(node, entry[0], entry[1], s))

    def defer_write_on_grad_user(self, node, target, objs: FrozenSet[Obj], via: str, op: str) -> None:
        state = self.state
        stmt = self.stmt
        if state is None or state.grad is not True:
            return

        def fire() -> None:
            ev = InplaceWriteOnGradUser(node, target, objs, via, op, state, stmt)
            ev_stmt, self.stmt = self.stmt, stmt
            self.emit(ev)
            self.stmt = ev_stmt

        self.defer(fire, objs)


# ``Interpreter.drop_dead_saves``: a call not followed was made with arguments not known at that point
_ARGUMENTS_NOT_KNOWN = Obj(UNKNOWN, "arguments not known")

# ``Interpreter.grad_facts``: every name (grad mode is off on that path)
_ALL_NAMES: FrozenSet[str] = frozenset(("*",))


def _undo_narrowing(state: State, before: State, narrowed: Tuple[Optional[bool], FrozenSet[Obj]]) -> None:
    """Take back what ``Interpreter.narrow_grad`` set on a path that joins another one: past the ``if``, the test's
    facts no longer hold (what the path itself did to the grad mode or to requires-grad flags stays)."""
    grad, marked = narrowed
    if grad is not None and state.grad == grad:
        state.grad = before.grad
    if marked:
        state.norg = state.norg - (marked - before.norg)


# the recurrent layers and the names of their parameters (``weight_ih_l0``, ``bias_hh_l1_reverse``; ``*``: a part an
# f-string fills in)
_RNN_PARAM = re.compile(r"(?:weight|bias)_(?:ih|hh|hr)(?:_l(?:\d+|\*))?(?:_reverse)?\Z")

# reductions that return (values, indices) when given a dimension (``x.max(1)``, ``torch.sort(x)``)
_VALUES_AND_INDICES = frozenset({"max", "min", "median", "nanmedian", "mode", "kthvalue", "sort", "topk", "cummax",
                                 "cummin"})


def _values_and_indices_call(node: cst.BaseExpression) -> bool:
    """``node`` is a call of one of ``_VALUES_AND_INDICES`` that returns (values, indices): a method with an
    argument, or ``torch.<name>(x, ...)`` with more than ``x`` (``sort``/``topk``/``kthvalue``/``mode``/``cum*``
    always return the pair)."""
    if type(node) is not cst.Call or type(node.func) is not cst.Attribute:
        return False
    name = node.func.attr.value
    if name not in _VALUES_AND_INDICES:
        return False
    if name not in ("max", "min", "median", "nanmedian"):
        return True
    # only with a dimension: ``dim=`` or an integer where it goes (``torch.max(a, b)`` is elementwise)
    if any(a.keyword is not None and a.keyword.value == "dim" for a in node.args):
        return True
    is_torch = type(node.func.value) is cst.Name and node.func.value.value == "torch"
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    at = 1 if is_torch else 0
    if len(positional) <= at:
        return False
    dim = positional[at]
    if type(dim) is cst.UnaryOperation and type(dim.operator) is cst.Minus:
        dim = dim.expression
    return type(dim) is cst.Integer


def _condition(test: cst.BaseExpression, polarity: bool) -> Tuple[str, bool]:
    """The branch condition "``test`` is ``polarity``", as ``(text, polarity)`` with any leading ``not`` taken off
    the text (``not x`` true is ``x`` false)."""
    while type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        test, polarity = test.expression, not polarity
    while isinstance(test, cst.BaseExpression) and test.lpar and test.rpar:
        test = test.with_changes(lpar=(), rpar=())
    return cst.Module(body=[]).code_for_node(test), polarity


def _read_parts(value: Value, depth: int) -> List[Value]:
    """The values ``value`` reads as a whole: itself, or for one list or tuple, what each element holds (all the
    elements it may hold, for one built by a comprehension)."""
    if len(value) == 1 and depth < 8:
        o = next(iter(value))
        if o.kind == SEQ:
            if o.extra and all(isinstance(p, frozenset) for p in o.extra):
                return [q for p in o.extra for q in _read_parts(p, depth + 1)]
            return [o.elems]
    return [value]


def _is_property(fnode: cst.FunctionDef) -> bool:
    """Decorated ``@property`` (or ``@cached_property``) alone: a property getter."""
    return len(fnode.decorators) == 1 and (dotted(fnode.decorators[0].decorator) or "").split(".")[-1] in (
        "property", "cached_property")


def _is_setter(fnode: cst.FunctionDef) -> bool:
    """Decorated ``@<its name>.setter``: a property setter."""
    return any(type(d.decorator) is cst.Attribute and d.decorator.attr.value == "setter"
               and type(d.decorator.value) is cst.Name and d.decorator.value.value == fnode.name.value
               for d in fnode.decorators)


def _leaves_loop(body) -> bool:
    """Whether a loop body has a ``break``, ``return``, ``raise`` or ``yield`` (outside nested functions)."""
    found = []

    class _Find(cst.CSTVisitor):
        def visit_FunctionDef(self, n) -> bool:
            return False

        def visit_ClassDef(self, n) -> bool:
            return False

        def visit_Lambda(self, n) -> bool:
            return False

        def on_visit(self, n: cst.CSTNode) -> bool:
            if type(n) in (cst.Break, cst.Return, cst.Raise, cst.Yield):
                found.append(n)
            return not found and super().on_visit(n)

    body.visit(_Find())
    return bool(found)


def _all_params(fnode: cst.FunctionDef) -> List[cst.Param]:
    p = fnode.params
    out = list(p.posonly_params) + list(p.params) + list(p.kwonly_params)
    for star in (p.star_arg, p.star_kwarg):
        if type(star) is cst.Param:
            out.append(star)
    return out


def _holds_module(o: Obj) -> bool:
    """A module, an ``enumerate`` pair whose element is one, or a ``zip`` tuple holding one."""
    if o.kind == SEQ and len(o.extra) == 2 and o.extra[1] and any(x.kind == MODULE for x in o.extra[1]):
        return True
    if o.kind == SEQ and isinstance(o.site, tuple) and o.site[:1] == ("tuple",) and len(o.site) == 3:
        return any(x.kind == MODULE for part in o.extra for x in part)
    return o.kind == MODULE


def _single_return(fnode: cst.FunctionDef) -> Optional[cst.Return]:
    """The ``return <expression>`` that is the whole body of ``fnode`` (docstring and comments aside), or None."""
    stmts = [st for st in body_statements(fnode.body) if not is_docstring(st)]
    if len(stmts) != 1 or type(stmts[0]) is not cst.SimpleStatementLine or len(stmts[0].body) != 1:
        return None
    ret = stmts[0].body[0]
    return ret if type(ret) is cst.Return and ret.value is not None else None


def _is_getter(fnode: cst.FunctionDef) -> bool:
    """A method whose body is one ``return`` of an attribute chain of its first parameter, maybe ending in a call
    without arguments (``return self.embed_tokens``, ``return self.language_model.get_input_embeddings()``)."""
    ret = _single_return(fnode)
    if ret is None:
        return False
    expr = ret.value
    if type(expr) is cst.Call and not expr.args:
        expr = expr.func
    params = _all_params(fnode)
    key = dotted(expr)
    return bool(params) and key is not None and key.split(".")[0] == params[0].name.value and "." in key


def _is_tiny(fnode: cst.FunctionDef) -> bool:
    """A helper of at most three statements, none a loop (``add_if_not_none(block, m)``: ``if m is not None:
    block.append(m)``): followed deeper than other calls, as getters are (what it does to its arguments, a list
    it grows, is not in a summary)."""
    count = 0
    todo = list(body_statements(fnode.body))
    while todo and count <= 3:
        stmt = todo.pop()
        count += 1
        if type(stmt) in (cst.For, cst.While, cst.FunctionDef, cst.ClassDef, cst.Try, cst.With):
            return False
        if type(stmt) is cst.If:
            todo.extend(children_statements(stmt))  # (its body, and its ``elif``/``else``)
    return count <= 3


def _tests_first_pass(n: cst.CSTNode, name: str) -> bool:
    """``n`` tells the first pass of a loop over ``enumerate`` by its index ``name``: ``name == 0``, ``name > 0``,
    ``name != 0``, ``not name``."""
    if type(n) is cst.Comparison and type(n.left) is cst.Name and n.left.value == name \
            and len(n.comparisons) == 1:
        right = n.comparisons[0].comparator
        return type(right) is cst.Integer and right.value in ("0", "1")
    return (type(n) is cst.UnaryOperation and type(n.operator) is cst.Not
            and type(n.expression) is cst.Name and n.expression.value == name)


def _type_of_name(expr: cst.BaseExpression) -> Optional[str]:
    """``m`` for ``type(m)``, else None."""
    if (type(expr) is cst.Call and type(expr.func) is cst.Name and expr.func.value == "type" and len(expr.args) == 1
            and type(expr.args[0].value) is cst.Name):
        return expr.args[0].value.value
    return None


def _agreed_constants(stored: Sequence[Dict[str, object]]) -> Dict[str, object]:
    """The constants (``init_constants``, markers too) that every one of ``stored`` holds alike: same value, same
    type."""
    if not stored:
        return {}
    return {attr: value for attr, value in stored[0].items()
            if all(attr in other and other[attr] == value and type(other[attr]) is type(value) for other in stored[1:])}


def _plain_target_names(targets: Sequence[cst.BaseExpression]) -> Optional[List[str]]:
    """The names assignment targets bind when they are names or tuples/lists of names (nested), else None."""
    names: List[str] = []

    def walk(t: cst.BaseExpression) -> bool:
        if type(t) is cst.Name:
            names.append(t.value)
            return True
        if type(t) in (cst.Tuple, cst.List):
            return all(type(el) is cst.Element and walk(el.value) for el in t.elements)
        return False

    return names if all(walk(t) for t in targets) else None


def _known_tuple(value: Value, depth: int = 0) -> bool:
    """``value`` is one tuple (or list) of tensors known position by position, none of them unknown; a position may
    hold such a tuple itself (``return self.fc(out), (h, c)``), whose positions may also be unknown on some paths (a
    recurrent state made on the first step or given back by the caller: ``return V, [Si, Zi]``)."""
    o = next(iter(value)) if len(value) == 1 else None
    parts = seq_parts(o) if o is not None else None
    return bool(parts) and all(part and (all(x.is_tensor for x in part) or depth >= 1 and any(
        x.is_tensor for x in part) or depth < 2 and _known_tuple(part, depth + 1)) for part in parts)


def _comp_fors(node) -> List:
    out = []
    while node is not None:
        out.append(node)
        node = node.inner_for_in
    return out


def _augop(op) -> str:
    return {
        cst.AddAssign: "+=", cst.SubtractAssign: "-=", cst.MultiplyAssign: "*=", cst.DivideAssign: "/=",
        cst.MatrixMultiplyAssign: "@=", cst.FloorDivideAssign: "//=", cst.ModuloAssign: "%=", cst.PowerAssign: "**=",
        cst.BitAndAssign: "&=", cst.BitOrAssign: "|=", cst.BitXorAssign: "^=", cst.LeftShiftAssign: "<<=",
        cst.RightShiftAssign: ">>=",
    }.get(type(op), "op=")


_BINOP_KEYS = {
    cst.Add: "operator.add", cst.Subtract: "operator.sub", cst.Multiply: "operator.mul", cst.Divide: "operator.truediv",
    cst.MatrixMultiply: "operator.matmul", cst.Power: "operator.pow", cst.FloorDivide: "operator.floordiv",
    cst.Modulo: "operator.mod",
}


def _binop_key(node: cst.BinaryOperation) -> Optional[str]:
    key = _BINOP_KEYS.get(type(node.operator))
    if key == "operator.pow":
        if type(node.right) in (cst.Integer, cst.Float) or type(node.right) is cst.UnaryOperation:
            return "operator.pow@scalar"
        if type(node.left) in (cst.Integer, cst.Float):
            return "operator.pow@rscalar"
    return key


def _binop_label(op) -> str:
    return {
        cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.MatrixMultiply: "@",
        cst.Power: "**", cst.FloorDivide: "//", cst.Modulo: "%",
    }.get(type(op), "an operation")


def _basic_index(node: cst.Subscript, holds_int: Callable[[str], bool]) -> bool:
    """Indexing with ints, slices, None and ``...`` returns a view; anything else may copy (advanced indexing).
    ``holds_int(name)``: is that name known to hold a Python int?"""
    for el in node.slice:
        sl = el.slice
        if type(sl) is cst.Slice:
            continue
        v = sl.value
        if type(v) is cst.UnaryOperation:
            v = v.expression
        if type(v) is cst.Ellipsis or (type(v) is cst.Name and v.value == "None") \
                or _int_expression(v, holds_int):
            continue
        return False
    return True


def _int_expression(v: cst.BaseExpression, holds_int: Callable[[str], bool]) -> bool:
    """``2``, ``i``, ``t - 1``, ``2 * i + 1``: ints and names holding ints under ``+ - * // %``."""
    if type(v) is cst.Integer or (type(v) is cst.Name and holds_int(v.value)):
        return True
    if type(v) is cst.UnaryOperation and type(v.operator) is cst.Minus:
        return _int_expression(v.expression, holds_int)
    if type(v) is cst.BinaryOperation and type(v.operator) in (
            cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Modulo):
        return _int_expression(v.left, holds_int) and _int_expression(v.right, holds_int)
    return False


def _advanced_index(node: cst.Subscript) -> bool:
    for el in node.slice:
        sl = el.slice
        if type(sl) is cst.Index:
            v = sl.value
            if type(v) in (cst.List, cst.Comparison, cst.Call) or (
                type(v) is cst.Name and v.value not in ("None",)
            ):
                return True
    return False


def _tensor_style_index(node: cst.Subscript) -> bool:
    """``g[x < 0]``, ``g[:, 0]``, ``g[..., 1:]``: indexing only a tensor (or an array) takes."""
    if len(node.slice) > 1:
        return True
    sl = node.slice[0].slice
    if type(sl) is cst.Index:
        return type(sl.value) in (cst.Comparison, cst.Ellipsis) or (
            type(sl.value) is cst.UnaryOperation and type(sl.value.operator) is cst.BitInvert)
    return False


def _attribute_name_pattern(node: cst.BaseExpression) -> Optional[str]:
    """The attribute ``getattr`` reads: a string literal, or an f-string taken as its text with each expression
    part replaced by ``*`` (``f"bias_hh_l{i}"`` -> ``bias_hh_l*``)."""
    value = literal_value(node)
    if isinstance(value, str):
        return value
    if type(node) is cst.FormattedString:
        text = ""
        for part in node.parts:
            text += part.value if type(part) is cst.FormattedStringText else "*"
        return text
    return None


def _const_str_index(node: cst.Subscript) -> Optional[str]:
    if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
        v = node.slice[0].slice.value
        if type(v) is cst.SimpleString:
            s = v.evaluated_value
            return s if isinstance(s, str) else None
    return None


def _const_int_index(node: cst.Subscript) -> Optional[int]:
    if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
        v = node.slice[0].slice.value
        neg = False
        if type(v) is cst.UnaryOperation and type(v.operator) is cst.Minus:
            v, neg = v.expression, True
        if type(v) is cst.Integer:
            try:
                i = int(v.value, 0)
            except ValueError:
                return None
            return -i if neg else i
    return None


def _mentions_grad(node: cst.BaseExpression) -> bool:
    """Does the expression read some ``.grad`` (e.g. ``lr * p.grad``)? Cheap: only binary operations and calls."""
    if type(node) is cst.Attribute:
        return node.attr.value == "grad" or _mentions_grad(node.value)
    if type(node) is cst.BinaryOperation:
        return _mentions_grad(node.left) or _mentions_grad(node.right)
    if type(node) is cst.UnaryOperation:
        return _mentions_grad(node.expression)
    if type(node) is cst.Call:
        return _mentions_grad(node.func) or any(_mentions_grad(a.value) for a in node.args)
    return False


def _widen(state: State) -> State:
    """Give up on names that did not settle: they may hold anything."""
    s = state.copy()
    for k in list(s.env):
        if len(s.env[k]) > 4:
            s.env[k] = UNKNOWN_VALUE
    return s


def _self_attrs_assigned_outside_init(cls: cst.ClassDef) -> Set[str]:
    out: Set[str] = set()
    for stmt in body_statements(cls.body):
        if type(stmt) is cst.FunctionDef and stmt.name.value != "__init__":
            _collect_self_assign(body_statements(stmt.body), out)
    return out


def _assigned_self_attrs(small: cst.CSTNode, self_name: str) -> List[str]:
    """The attributes of ``self_name`` an ``Assign``/``AnnAssign``/``AugAssign`` sets, through tuple and starred
    targets too (``self.a, self.b = ...``)."""
    out: List[str] = []
    todo = [t.target for t in small.targets] if type(small) is cst.Assign else [small.target]
    while todo:
        target = todo.pop()
        if type(target) in (cst.Tuple, cst.List):
            todo.extend(el.value for el in target.elements)
        elif type(target) is cst.StarredElement:
            todo.append(target.value)
        attr = _self_attr(target, self_name)
        if attr is not None:
            out.append(attr)
    return out


def _self_attr(target: cst.BaseExpression, self_name: str) -> Optional[str]:
    """``x`` of a target ``self.x``, else None."""
    if type(target) is cst.Attribute and type(target.value) is cst.Name and target.value.value == self_name:
        return target.attr.value
    return None


def _assignments(fnode: cst.FunctionDef) -> List[cst.CSTNode]:
    """Every ``Assign``, ``AnnAssign`` and ``AugAssign`` in a function's body, nested functions' and classes'
    excluded (a walk over statements: an assignment is a statement, never inside an expression)."""
    out: List[cst.CSTNode] = []
    todo = [fnode.body]
    while todo:
        body = todo.pop()
        for stmt in body_statements(body):
            if isinstance(stmt, (cst.SimpleStatementLine, SuiteLine)):
                out.extend(small for small in stmt.body if type(small) in (cst.Assign, cst.AnnAssign,
                                                                              cst.AugAssign))
            elif type(stmt) in (cst.FunctionDef, cst.ClassDef):
                continue
            else:
                for attr in ("body", "orelse", "finalbody"):
                    part = getattr(stmt, attr, None)
                    if isinstance(part, cst.BaseSuite) or type(part) in (cst.If, cst.Else, cst.Finally):
                        todo.append(part)
                for handler in getattr(stmt, "handlers", ()) or ():
                    todo.append(handler.body)
                for case in getattr(stmt, "cases", ()) or ():
                    todo.append(case.body)
    return out


def _collect_self_assign(stmts, out: Set[str]) -> None:
    for stmt in stmts:
        if isinstance(stmt, (cst.SimpleStatementLine, SuiteLine)):
            for small in stmt.body:
                targets = []
                if type(small) is cst.Assign:
                    targets = [t.target for t in small.targets]
                elif type(small) is cst.AnnAssign:
                    targets = [small.target]
                for t in targets:
                    for el in (t.elements if type(t) in (cst.Tuple, cst.List) else [t]):
                        node = el.value if type(el) in (cst.Element, cst.StarredElement) else el
                        if type(node) is cst.Attribute and type(node.value) is cst.Name and node.value.value == "self":
                            out.add(node.attr.value)
        elif type(stmt) in (cst.FunctionDef, cst.ClassDef):
            continue
        else:
            _collect_self_assign(children_statements(stmt), out)


# ---------------------------------------------------------------------- entry point
def _named_params(fnode: cst.FunctionDef) -> List[cst.Param]:
    """The parameters a call can give by position or name (not ``*args``/``**kwargs``)."""
    params = fnode.params
    return list(params.posonly_params) + list(params.params) + list(params.kwonly_params)


def _arguments_by_name(fnode: cst.FunctionDef, call: cst.Call, skip: int = 0) -> Dict[str, cst.BaseExpression]:
    """The argument expressions of ``call`` (no ``*args``) by the parameter of ``fnode`` they go to (keywords as
    written; ``skip``: leading parameters the call does not fill, ``self``)."""
    plist = list(fnode.params.posonly_params) + list(fnode.params.params)
    given = dict(zip([p.name.value for p in plist[skip:]], [a.value for a in call.args if a.keyword is None]))
    given.update({a.keyword.value: a.value for a in call.args if a.keyword is not None})
    return given


def _inplace_written_names(body) -> Set[str]:
    """The names (dotted) that statements of ``body`` write in place: ``b[i] = ...``, ``b += ...``, ``b.add_(...)``,
    ``torch.mul(x, y, out=b)``, ``F.relu(b, inplace=True)`` (nested functions and lambdas aside)."""
    names: Set[str] = set()

    def add(expr) -> None:
        name = _root_name(expr, dotted_names=True)
        if name is not None:
            names.add(name)

    for n in _nodes(body):
        if type(n) is cst.AugAssign:
            add(n.target)
        elif type(n) is cst.Assign:
            for t in n.targets:
                if type(t.target) is cst.Subscript:
                    add(t.target.value)
        elif type(n) is cst.Call:
            func = n.func
            if type(func) is cst.Attribute and func.attr.value.endswith("_") \
                    and not func.attr.value.startswith("_"):
                add(func.value)
            for a in n.args:
                if a.keyword is not None and a.keyword.value == "out":
                    add(a.value)
                elif a.keyword is not None and a.keyword.value == "inplace" and n.args and n.args[0].keyword is None:
                    add(n.args[0].value)
    return names


def _is_super_call(expr: cst.BaseExpression) -> bool:
    """``super()`` (or ``super(Cls, self)``)."""
    return (type(expr) is cst.Call and type(expr.func) is cst.Name and expr.func.value == "super"
            and len(expr.args) in (0, 2))


_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _is_dataclass(cls: cst.ClassDef) -> bool:
    """``cls`` is decorated ``@dataclass``, ``@dataclasses.dataclass`` or either called (``@dataclass(frozen=True)``)."""
    for d in cls.decorators:
        expr = d.decorator.func if type(d.decorator) is cst.Call else d.decorator
        if dotted(expr) in ("dataclass", "dataclasses.dataclass"):
            return True
    return False


def _targets_item_of(stmt, name: str) -> bool:
    """``name[i] = ...``, ``name[i] += ...``, ``del name[i]``: ``stmt`` changes an item of the list ``name``."""
    targets = [t.target for t in stmt.targets] if type(stmt) is cst.Assign else (
        [stmt.target] if type(stmt) is cst.AugAssign else [t.target for t in stmt.target.elements]
        if type(stmt) is cst.Del and type(stmt.target) in (cst.Tuple, cst.List) else [stmt.target])
    return any(type(t) is cst.Subscript and type(t.value) is cst.Name and t.value.value == name for t in targets)


def _nodes(node: cst.CSTNode) -> List[cst.CSTNode]:
    """``node`` and everything below it (iteratively), in no particular order. Read from the nodes' dataclass
    fields: LibCST's ``children`` runs a visitor per node, four times slower."""
    out, stack = [], [node]
    node_type = cst.CSTNode
    while stack:
        n = stack.pop()
        out.append(n)
        names = _CHILD_FIELDS.get(type(n))
        if names is None:
            names = _CHILD_FIELDS[type(n)] = tuple(f.name for f in dataclass_fields(n))
        for name in names:
            v = getattr(n, name)
            if isinstance(v, (tuple, list)):
                stack.extend(x for x in v if isinstance(x, node_type))
            elif isinstance(v, node_type):
                stack.append(v)
    return out


def analyze_module(source: str, path: str, rules) -> Tuple[Optional[cst.Module], List[Diagnostic]]:
    """Parse and analyse the whole text; return the LibCST module (None when it does not parse) and the diagnostics.

    ``Fix.edit`` payloads reference nodes of the returned module, so a fixer can transform that very tree."""
    from .guard import libcst_parse
    from .positions import syntax_error_diagnostic

    try:
        module = libcst_parse(source)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return None, [syntax_error_diagnostic(exc, source, path, rules.syntax_error)]
    if not mentions_torch(source):
        return module, []
    return module, _interpret(module, path, frozenset(), rules)


def _interpret(module: cst.Module, path: str, uncertain_callers: FrozenSet[str], rules, project=None,
               todo=None, lazy=None) -> List[Diagnostic]:
    """Analyse ``module`` (``todo``: the ``prefilter.Plan`` it was parsed from; ``lazy``: the ``project.LazyUnits``
    of the functions it holds as stubs)."""
    from .positions import to_diagnostics
    from .project import Project

    checks = rules.checks
    interp = Interpreter(module, checks, project if project is not None else Project(path))
    interp.uncertain_callers = uncertain_callers
    if todo is not None:
        interp.callee_only = todo.callee_only
        interp.blanked_assigned = todo.assigned
    interp.lazy_units = lazy
    try:
        interp.run()
        for check in checks:
            fin = getattr(check, "finish", None)
            if fin is not None:
                fin(interp.context)
        reports = list(interp.reports.values())
        if not reports:
            return []
        return to_diagnostics(module, reports, path, checks, lazy)
    finally:
        # the interpreter is a cycle (its handler tables hold its bound methods) that holds the whole tree: broken
        # here, reference counting frees it all now, and the cyclic GC never has to walk it
        interp.__dict__.clear()


def analyze(source: str, path: str, rules) -> List[Diagnostic]:
    """Lint: like ``analyze_module`` but cheaper -- code no rule can report on is not parsed (``prefilter``)."""
    return analyze_for_fixes(source, path, rules)[2]


def analyze_for_fixes(source: str, path: str, rules) -> Tuple[Optional[cst.Module], str, List[Diagnostic]]:
    """``analyze``, also returning the module the fix payloads reference and the text it was parsed from (``source``
    itself, or ``source`` with blocks blanked out by the pre-filter: same line numbers).

    Guarded (``guard.py``): LibCST sees a text only once CPython has parsed the whole file (a syntax error anywhere
    is reported) and the part LibCST will parse (the reduced text) is not nested too deeply. Every fallback goes to
    the guarded full analysis (``analysis.analyze_module``).

    The cyclic garbage collector is paused meanwhile: the trees and the interpreter's objects are freed by reference
    counting (``_interpret`` breaks the interpreter's cycle), and a collection while a file is analysed would walk
    its whole tree, again and again (about a tenth of the run's time).

    Without a finding there is nothing to fix: the module comes back as None, freed before the collector runs again
    (the first collection after the pause would walk every node still alive, once per file)."""
    from .guard import gc_paused

    with gc_paused():
        module, text, diags = _analyze_for_fixes(source, path, rules)
        if not diags:
            module = None
        return module, text, diags


def _analyze_for_fixes(source: str, path: str, rules) -> Tuple[Optional[cst.Module], str, List[Diagnostic]]:
    from ..diagnostics import fingerprint
    from . import analyze_module
    from .guard import check_parsed, libcst_parse, quiet_parse, run_deep, too_large
    from .prefilter import plan
    from .project import LazyUnits, Project

    def full_analysis(text: str, name: str) -> Tuple[Optional[cst.Module], str, List[Diagnostic]]:
        module, diags = analyze_module(text, name, rules=rules)
        return module, text, diags

    if not mentions_torch(source):
        # never says torch: out of scope; a file that does not parse is still reported
        try:
            quiet_parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return full_analysis(source, path)
        return None, source, []
    if too_large(source) is not None:
        return full_analysis(source, path)  # says why
    try:
        tree = quiet_parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # CPython rejected it (LibCST may still take newer syntax) or it is too deep: the full analysis says
        # why or tries
        return full_analysis(source, path)
    project = Project(path)
    todo = plan(source, tree, project.relevant_functions)
    verdict = check_parsed(tree, source, todo.blanked)
    del tree
    if verdict.error is not None:
        return full_analysis(source, path)  # too deep
    text = todo.text
    parsed: List[cst.Module] = []

    lazy = LazyUnits(source.split("\n"), todo.lazy) if todo.lazy else None

    def parse_and_interpret() -> List[Diagnostic]:
        parsed.append(libcst_parse(text))
        return _interpret(parsed[-1], path, todo.uncertain, rules, project, todo, lazy)

    try:
        diags = run_deep(parse_and_interpret, verdict.depth)
        if lazy is not None and lazy.fix_lost:
            # a fix would edit a function parsed apart from the tree (rare: a file with findings there): analysed
            # again with the whole of those functions in the tree, which is what the fixer edits
            text, lazy = todo.unstubbed(source), None
            diags = run_deep(parse_and_interpret, verdict.depth)
        module = parsed[-1]
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError, MemoryError):
        return full_analysis(source, path)
    if text is not source:
        lines = source.splitlines()
        for d in diags:  # the reduced text has the same lines where it has any; fingerprints use the real ones
            if d.fingerprint is not None and 0 < d.line <= len(lines):
                d.fingerprint = fingerprint(d.code, lines[d.line - 1])
    return module, text, diags


def might_have_findings(source: str) -> bool:
    """Every rule needs torch: a file that never says "torch" cannot produce a finding."""
    return mentions_torch(source)


def _not_a_tensor(o: Obj) -> bool:
    """``o`` is surely not a tensor: a list or tuple, a module, an optimizer, a function or class, parameters, an
    instance of a class of ours."""
    return o.kind in (SEQ, MODULE, OPTIMIZER, FUNC, CLASS, PARAMS, NAMED_PARAMS, PARAM_GROUPS, PARAM_GROUP) or (
        o.kind == UNKNOWN and bool(o.cls) and isinstance(o.site, tuple) and o.site[:1] == ("instance",))


def _maybe_activation(p: cst.Param) -> bool:
    """A ``forward`` parameter that is an activation tensor in a realistic call: a required one (optional ones,
    ``mask=None``, ``input_shape=None``, are masks, shapes and flags more often than not), not ``*args``, and not
    annotated as something else (``int``, ``bool``, ``List[...]``...)."""
    if isinstance(p.star, str) and p.star in ("*", "**"):
        return False
    if p.default is not None:
        return False
    if p.annotation is not None:
        text = cst.Module(body=[]).code_for_node(p.annotation.annotation)
        return "Tensor" in text and not any(w in text for w in ("List", "list", "Tuple", "tuple", "Dict", "dict"))
    return True


def _is_stub(node: cst.FunctionDef) -> bool:
    """A ``def`` whose body is ``...`` alone (how the pre-filter leaves a function to be parsed on demand)."""
    body = node.body
    if type(body) is not cst.IndentedBlock or len(body.body) != 1:
        return False
    line = body.body[0]
    return (type(line) is cst.SimpleStatementLine and len(line.body) == 1 and type(line.body[0]) is cst.Expr
            and type(line.body[0].value) is cst.Ellipsis)


def _known_positions(value: Value) -> bool:
    """A list or tuple whose elements are known one by one (a literal without ``*``, not grown since)."""
    if len(value) != 1:
        return False
    o = next(iter(value))
    if o.kind == SEQ and isinstance(o.site, tuple) and o.site[:1] == ("star",) and isinstance(o.extra, tuple):
        # the ``*args`` of the call being analysed: the positional arguments it was given (none: left unexpanded,
        # as the builtins read their arguments by position)
        return bool(o.extra)
    return (o.kind == SEQ and bool(o.extra) and type(o.node) in (cst.List, cst.Tuple)
            and len(o.extra) == len(o.node.elements)
            and not any(type(el) is cst.StarredElement for el in o.node.elements))


def _binds(expr: cst.BaseExpression) -> bool:
    """Whether ``expr`` binds a name (``(y := t.abs()) < eps``: ``y`` keeps that graph alive)."""
    return any(type(n) is cst.NamedExpr for n in _nodes(expr))


def _first_param_name(fn: "_Function") -> str:
    """The name of a method's first parameter (``self``), or "" for a function that takes none or is static."""
    node = fn.node
    if fn.cls is None or node is None or is_static(node):
        return ""
    params = _all_params(node)
    return params[0].name.value if params else ""


def _is_parameter(o: Obj) -> bool:
    """``o`` is an ``nn.Parameter``: a layer's, or one made by ``nn.Parameter(...)``."""
    return o.kind == PARAM or (o.kind == LEAF and o.label == "nn.Parameter(...)")


def _slice_index(node: cst.Subscript) -> bool:
    """``x[a:b]`` (one slice, no other index)."""
    return len(node.slice) == 1 and type(node.slice[0].slice) is cst.Slice


def _calls_and_operations(expr: cst.BaseExpression) -> List[cst.CSTNode]:
    """The calls, operators and subscripts inside ``expr`` (itself included), not inside lambdas."""
    found: List[cst.CSTNode] = []

    class _Collect(cst.CSTVisitor):
        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def on_visit(self, node: cst.CSTNode) -> bool:
            if type(node) in (cst.Call, cst.BinaryOperation, cst.UnaryOperation, cst.Subscript):
                found.append(node)
            return super().on_visit(node)

    expr.visit(_Collect())
    return found


_DYNAMIC_ATTRS: Set[str] = {"<dynamic>"}  # ``stored_attr_names``: the file stores attributes by computed name


class _StoredAttrs(cst.CSTVisitor):
    """The attribute names a module's statements store or delete, and whether it also does so by computed name."""

    _HOLDERS = (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.Del, cst.For, cst.NamedExpr)

    def __init__(self) -> None:
        self.names: Set[str] = set()
        self.dynamic = False

    def _targets(self, target: cst.BaseExpression) -> None:
        if type(target) is cst.Attribute:
            self.names.add(target.attr.value)
        elif type(target) in (cst.Tuple, cst.List):
            for el in target.elements:
                self._targets(el.value)
        elif type(target) is cst.StarredElement:
            self._targets(target.value)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self._HOLDERS):
            self._targets(node.target)
        elif type(node) is cst.WithItem and node.asname is not None:
            self._targets(node.asname.name)
        elif type(node) is cst.Name and node.value in ("setattr", "delattr", "vars", "__dict__"):
            self.dynamic = True
        elif type(node) is cst.Attribute and node.attr.value in ("__dict__", "__setattr__"):
            self.dynamic = True  # (``ns.__dict__.update(...)``: by computed name)
        return True
