"""What torch calls do, for the abstract interpreter: which functions, methods and modules make views, save
tensors for backward, write in place, change grad mode, build modules and optimizers (the if-chains of ``qual_call``,
``method_call``, ``module_call``), and the saved-tensor bookkeeping that follows from the op table.

``TorchSemantics`` is mixed into ``interp.Interpreter``, whose generic part (statements, expressions, control flow,
environment) stays in interp.py; these methods use its helpers (``self.derived``, ``self.inplace``, ``self.obj``,
``self.eval_args``, ``self.emit``, ...). What they observe goes out as facts (``events.py``).
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

from .. import ops
from .events import (
    BackwardCall, InplaceWrite, LayersInSequence, RequiresGradSet, StepBetweenGraphAndBackward, TensorSavedForBackward,
    TensorsGivenToOptimizer,
)
from .names import GRAD_OFF, NO_CHANGE, bound_names, dotted, grad_mode_set_by, literal_value
from .statements import (SuiteLine, body_statements, children_statements, class_method, ctx_call_names, is_classmethod,
                         is_static, mark_dirty_names)
from .values import (
    CLASS, CUSTOM_FUNCTION, MAYBE_VIEW, MULTI_OUTPUT, DATA, DERIVED, DETACHED, EMPTY, FUNC, GRAD, LEAF, MODULE, NAMED_PARAMS, OPTIMIZER, PARAM,
    MAX_MODULE_TREE, MAX_SEQ_PARTS, MAX_VALUE_SIZE, PARAMS, SEQ, UNKNOWN, UNKNOWN_OBJ, UNKNOWN_VALUE, UNORDERED, VIEW, Obj, Value,
    join_values, seq_parts, unknown,
)

_NO_AFFINE_FLAGS = ("affine", "elementwise_affine")
_PARAM_ATTRS = ("weight", "bias")
_RESHAPES = ("reshape", "flatten", "reshape_as")
_PARAM_MODULE_PREFIXES = (
    "Linear", "Bilinear", "Conv", "ConvTranspose", "BatchNorm", "LayerNorm", "GroupNorm", "Embedding", "EmbeddingBag",
    "PReLU", "RMSNorm", "SyncBatchNorm",
)
def all_parameters_of(site: object) -> Obj:
    """Stands for every Parameter of the torch layer made at ``site`` in ``State.rg``/``State.norg``, where their
    names are not known (``Interpreter.is_rg`` looks it up for each ``(module site, name)`` parameter)."""
    return Obj(PARAM, (site, "*"), rg=True)


def _known_parameter_names(cls: str) -> bool:
    """The parameters of torch layer ``cls`` are known by name here: ``weight``/``bias``, none, or its children's."""
    short = cls[9:].split(".")[-1]
    return (short.startswith(_PARAM_MODULE_PREFIXES) and "Lazy" not in short or short in _PARAMETER_FREE_LAYERS
            or short in ("Sequential", "ModuleList", "ModuleDict"))


# torch layers that hold no parameter (``named_parameter_list``)
_PARAMETER_FREE_LAYERS = frozenset({
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardtanh",
    "Hardswish", "Hardsigmoid", "Softplus", "Softsign", "Softmax", "LogSoftmax", "Dropout", "Dropout1d", "Dropout2d",
    "Dropout3d", "AlphaDropout", "Identity", "Flatten", "Unflatten", "MaxPool1d", "MaxPool2d", "MaxPool3d",
    "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Upsample", "PixelShuffle", "Tanhshrink",
    "Threshold", "GLU", "LogSigmoid", "Softmin",
})
_WEIGHT_ONLY_LAYERS = frozenset({"Embedding", "EmbeddingBag", "PReLU", "RMSNorm"})
MAX_NAMED_PARAMETERS = 64
_NEUTRAL_DECORATORS = {
    "staticmethod", "classmethod", "property", "abstractmethod", "abc.abstractmethod", "functools.wraps", "wraps",
    "override", "typing.override", "typing_extensions.override", "functools.cache", "functools.lru_cache",
    "torch.jit.script", "torch.jit.ignore", "torch.jit.unused", "torch.jit.export", "torch.compile",
    "torch._dynamo.disable", "pytest.fixture", "overload", "typing.overload", "cached_property",
    "functools.cached_property",
}
_MAYBE_IDENTITY_METHODS = {"float", "cpu", "contiguous", "to", "type_as", "requires_grad_", "cuda", "double", "half",
                           "bfloat16", "type", "long", "int", "bool"}
_SCALAR_METHODS = {"item", "tolist", "numpy"}
_MODULE_SELF_METHODS = {"eval", "train", "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "requires_grad_",
                        "apply", "to_empty", "type"}
_RG_KEEPING_IDENTITY_METHODS = {"float", "cpu", "contiguous", "type_as"}
# dtype conversions whose result is an integer or bool tensor: never one that requires grad
_INTEGER_CONVERSIONS = {"long", "int", "short", "byte", "char", "bool"}
_CONVERSION_METHODS = {"double", "half", "bfloat16", "cuda", "to", "type", "long", "int"}
_NON_TENSOR_METHODS = {"item", "tolist", "numpy", "size", "dim", "numel", "element_size", "nelement", "stride",
                       "storage_offset", "data_ptr", "is_contiguous", "is_floating_point", "get_device", "__len__",
                       "untyped_storage", "storage", "register_hook", "ndimension"}
CTX_SAVE = "`ctx.save_for_backward`"


def expr_text_of(node: cst.BaseExpression) -> str:
    """How an optimizer expression reads in a message (``opt_g``, ``self.q_optimizer_list[q_i]``)."""
    text = dotted(node)
    if text is None:
        text = cst.Module([]).code_for_node(node)
        if len(text) > 40 or "\n" in text:
            text = "optimizer"
    return text


def _param_layers(values: Iterable[Value]) -> int:
    """How many of these values are parameterised layers or parameters."""
    n = 0
    for v in values:
        if any((o.kind == MODULE and (layer_holds_params(o.cls) or "multi_param" in o.extra or "has_param" in o.extra))
               or (o.kind in (LEAF, PARAM) and o.rg is True) for o in v):
            n += 1
    return n


def short_has_params(cls: str) -> bool:
    """Torch layer ``cls`` holds parameters named ``weight``/``bias``."""
    return cls[9:].startswith(_PARAM_MODULE_PREFIXES)


# recurrent torch layers: they hold parameters too, named by layer (``weight_ih_l0``, ``bias_hh_l1_reverse``)
_RECURRENT_LAYERS = frozenset({"LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell"})


def layer_holds_params(cls: str) -> bool:
    """Torch layer ``cls`` holds parameters (``weight``/``bias``, or a recurrent layer's)."""
    return short_has_params(cls) or cls[9:] in _RECURRENT_LAYERS


def _inplace_names() -> FrozenSet[str]:
    return ops.inplace_methods()


def _short(q: str) -> str:
    """``torch.nn.functional.relu`` -> ``F.relu``; ``torch.sigmoid`` stays."""
    if q.startswith("torch.nn.functional."):
        return "F." + q[len("torch.nn.functional."):]
    return q


def _to_is_noop(node: cst.Call) -> bool:
    """``t.to("cpu")`` / ``t.to(torch.float32)`` on a CPU float tensor return ``t`` itself; any other target (a
    ``device`` variable, "cuda", another dtype) copies on the machines where it matters."""
    if not node.args:
        return True
    for a in node.args:
        v = a.value
        d = dotted(v) or ""
        if d in ("torch.float32", "torch.float"):
            continue
        if type(v) is cst.SimpleString and v.evaluated_value == "cpu":
            continue
        if a.keyword is not None and a.keyword.value in ("non_blocking", "copy", "memory_format"):
            continue
        return False
    return True


_MODULE_LIST = "torch.nn.ModuleList"
_DROPOUTS = {"torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d", "torch.nn.Dropout3d",
             "torch.nn.AlphaDropout", "torch.nn.FeatureAlphaDropout"}
_RENORM_EMBEDDINGS = ("torch.nn.Embedding", "torch.nn.EmbeddingBag")
REQUIRES_GRAD_HOOK = "requires_grad"  # a forward hook's ``output.requires_grad_()`` (``_writes_into``)
_BACKWARD_HOOK = "a module with a full backward hook (`BackwardHookFunction`)"
_BACKWARD_HOOK_INPUT = "`BackwardHookFunction`, which wraps the inputs of a module with a full backward hook,"
_BINARY_FORMS = {"torch.max": "torch.maximum", "torch.min": "torch.minimum", "Tensor.max": "Tensor.maximum",
                 "Tensor.min": "Tensor.minimum"}
_FULL_BACKWARD_HOOKS = ("register_full_backward_hook", "register_full_backward_pre_hook")
_GLOBAL_FULL_BACKWARD_HOOKS = ("torch.nn.modules.module.register_module_full_backward_hook",
                               "torch.nn.modules.module.register_module_full_backward_pre_hook")
# functions that return the module they are given, reparametrized
_REPARAMETRIZE = frozenset({
    "torch.nn.utils.spectral_norm", "torch.nn.utils.weight_norm", "torch.nn.utils.parametrizations.spectral_norm",
    "torch.nn.utils.parametrizations.weight_norm", "torch.nn.utils.parametrizations.orthogonal",
    "torch.nn.utils.parametrize.register_parametrization", "torch.nn.utils.spectral_norm.spectral_norm",
    "torch.nn.utils.weight_norm.weight_norm",
})


class TorchSemantics:
    """The torch-specific half of the interpreter (see the module docstring)."""

    # ------------------------------------------------------------------ views autograd made inside a Function
    def set_requires_grad(self, objs: FrozenSet[Obj], flag: Optional[bool]) -> None:
        """``requires_grad`` set to ``flag`` (None: not known) on the tensors ``objs``. The loop variable of ``for p
        in model.parameters():`` stands for each parameter of the model's modules: all of them."""
        s = self.state
        if s is None or not objs or flag is None:
            return
        objs = objs | self.parameters_of_elements(objs)
        if flag:
            s.rg = s.rg | objs
            s.norg = s.norg - objs
        else:
            s.norg = s.norg | objs
            s.rg = s.rg - objs

    def parameters_of_elements(self, objs: FrozenSet[Obj]) -> FrozenSet[Obj]:
        """The parameters (of the modules known to hold them) that the elements of ``m.parameters()`` among ``objs``
        stand for: ``weight``/``bias`` of torch layers, the Parameters classes of ours hold."""
        out: Set[Obj] = set()
        for o in objs:
            if not (o.kind == PARAM and isinstance(o.site, tuple) and len(o.site) == 2 and o.site[0] == "elem"):
                continue
            for mod in self.params_modules.get(o.site[1], ()):
                out.update(self.own_parameters(mod))
                if mod.cls.startswith("torch.nn.") and not _known_parameter_names(mod.cls):
                    out.add(all_parameters_of(mod.site))  # (``weight_ih_l0`` of an LSTM: names not listed here)
        return frozenset(out)

    def own_parameters(self, mod: Obj) -> List[Obj]:
        """The Parameters module ``mod`` holds itself (not its sub-modules'), as far as they are known."""
        cls = mod.cls
        if cls.startswith("torch.nn."):
            short = cls[9:]
            if not short.startswith(_PARAM_MODULE_PREFIXES) or "Lazy" in short:
                return []
            return [p for attr in ("weight", "bias") if attr not in mod.extra
                    for p in self.layer_param(mod, attr, short.split(".")[-1])]
        info = self.classes.get(cls)
        attrs = self.instance_attrs.get(mod.site) or (info.attrs if info is not None else {})
        return [p for value in attrs.values() for p in value if p.kind == PARAM]

    def named_module_list(self, root: Obj) -> List[Tuple[str, Obj]]:
        """What ``root.named_modules()`` yields where it is known: ``("", root)``, then each sub-module under its
        dotted name (attributes of classes of ours holding one module, the layers of an ``nn.Sequential`` or an
        ``nn.ModuleList`` by index, an ``nn.ModuleDict`` by key), depth first. Modules that are not known are
        left out (a lookup by their name finds nothing)."""
        out: List[Tuple[str, Obj]] = []
        seen: Set[Obj] = set()

        def walk(mod: Obj, prefix: str) -> None:
            if mod in seen or len(out) > MAX_MODULE_TREE:
                return
            seen.add(mod)
            out.append((prefix, mod))
            children: List[Tuple[str, Value]] = []
            info = self.classes.get(mod.cls)
            if info is not None:
                children.extend({**info.attrs, **self.instance_attrs.get(mod.site, {})}.items())
            if mod.site in self.seq_layers:
                children.extend((str(i), layer) for i, (_, layer) in enumerate(self.seq_layers[mod.site]))
            elif mod in self.module_list_order:
                children.extend((str(i), v) for i, v in enumerate(self.module_list_order[mod]))
            if mod.site in self.module_dicts:
                children.extend((k, v) for k, v in self.module_dicts[mod.site].items() if k is not None)
            for name, value in children:
                if len(value) == 1 and next(iter(value)).kind == MODULE:
                    walk(next(iter(value)), f"{prefix}.{name}" if prefix else name)

        walk(root, "")
        return out

    def named_parameter_list(self, root: Obj) -> Optional[List[Tuple[str, Obj]]]:
        """What ``root.named_parameters()`` yields, name by name, where every module below ``root`` is known with
        its parameters: torch layers with ``weight``/``bias``, parameter-free torch layers, ``nn.Sequential``s of
        known layers, and classes of ours whose attributes hold one known module or Parameter each. None when any
        part is not known (a recurrent layer, a list of modules of unknown order, an attribute that may hold two
        things), or past ``MAX_NAMED_PARAMETERS``."""
        out: List[Tuple[str, Obj]] = []
        seen: Set[Obj] = set()

        def walk(mod: Obj, prefix: str) -> bool:
            if mod.kind != MODULE or len(out) > MAX_NAMED_PARAMETERS:
                return False
            if mod in seen:
                return True  # (a module met twice is listed once)
            seen.add(mod)
            cls = mod.cls
            if cls.startswith("torch.nn."):
                short = cls[9:].split(".")[-1]
                if cls == "torch.nn.Sequential":
                    layers = self.held_modules(mod) if mod.site in self.seq_layers else None
                    if layers is None:
                        return False
                    return all(len(layer) == 1 and walk(next(iter(layer)), f"{prefix}{i}.")
                               for i, layer in enumerate(layers))
                if short.startswith(_PARAM_MODULE_PREFIXES) and "Lazy" not in short:
                    for attr in ("weight",) if short in _WEIGHT_ONLY_LAYERS else ("weight", "bias"):
                        if attr not in mod.extra:
                            out.extend((prefix + attr, p) for p in self.layer_param(mod, attr, short))
                    return True
                return short in _PARAMETER_FREE_LAYERS
            info = self.classes.get(cls)
            if info is None or not info.is_module or self.torch_layer_base(info) is not None:
                return False  # (a subclass of a torch layer holds that layer's parameters too)
            attrs = self.instance_attrs.get(mod.site)
            if attrs is None:
                return False
            for attr, value in attrs.items():
                kinds = {o.kind for o in value}
                if kinds & {MODULE, PARAM} and len(value) != 1:
                    return False
                o = next(iter(value)) if len(value) == 1 else None
                if o is not None and o.kind == PARAM:
                    out.append((prefix + attr, o))
                elif o is not None and o.kind == MODULE and not walk(o, f"{prefix}{attr}."):
                    return False
            return True

        return out if walk(root, "") and len(out) <= MAX_NAMED_PARAMETERS else None

    def has_parameters(self, value: Value) -> bool:
        """``value`` is ``m.parameters()`` of a model some of whose modules surely hold parameters (a loop over it
        runs at least once)."""
        return bool(value) and all(o.kind == PARAMS and any(self.own_parameters(m) for m in
                                                             self.params_modules.get(o.site, ()))
                                   for o in value)

    def forward_hook_node(self, expr: cst.BaseExpression, value: Value):
        """The ``def`` (or lambda) of a forward hook ``hook(module, inputs, output)`` given to
        ``register_forward_hook``: a function of this file (a method, given as ``self.save``: without ``self``) or
        a lambda; None when it is not one such function."""
        fn_node = expr if type(expr) is cst.Lambda else None
        if fn_node is None:
            funcs = [o for o in value if o.kind == FUNC]
            if len(funcs) != 1 or len(value) != 1:
                return None
            fn = next((f for f in self.functions if f.qualname == funcs[0].cls), None)
            if fn is None:
                return None
            fn_node = fn.node
        params = fn_node.params.params
        if len(params) == 4 and type(fn_node) is cst.FunctionDef and params[0].name.value == "self":
            return fn_node  # (a bound method: ``self.save_activation``)
        return fn_node if len(params) == 3 else None

    def hook_output_writes(self, fn_node) -> List[Tuple]:
        """The in-place writes a forward hook makes into its ``output`` argument: ``(node, stmt, via, op, target)``
        each."""
        return _writes_into(fn_node, fn_node.params.params[-1].name.value)

    def run_forward_hooks(self, mod: Obj, out: Value) -> None:
        """After a module with forward hooks ran: their in-place writes into its output happen now."""
        s = self.state
        if s is None or not out:
            return
        if self.module_depth:
            # a hook that keeps the output (``self.acts.append(output)``): an in-place write into it before the
            # module call running now returns changes what the hook kept
            for store in self.fwd_hook_keeps.get(mod.site, ()):
                for o in out:
                    if o.is_tensor:
                        self.hook_kept[o.root()] = (store, mod)
        for node, stmt, via, op, target in self.fwd_hook_writes.get(mod.site, ()):
            if via == REQUIRES_GRAD_HOOK:
                # a leaf output (of frozen weights) becomes a leaf that requires grad
                self.set_requires_grad(frozenset(o for o in out if o.is_tensor), True)
                continue
            self.emit(InplaceWrite(node, target, out, via, op, s, stmt))

    def run_hooked_sequence(self, mod: Obj, out: Value) -> None:
        """``nn.Sequential(..., hooked, nn.ReLU(inplace=True), ...)`` applied, where ``hooked`` has a full backward
        hook: the in-place layer writes into ``BackwardHookFunction``'s output (the finding is on its line)."""
        s = self.state
        layers = self.seq_layers.get(mod.site)
        result = [o for o in out if o.is_tensor]
        if s is None or s.grad is not True or not layers or not result:
            return
        previous_hooked = False
        for arg, value in layers:
            mods = [o for o in value if o.kind == MODULE]
            if len(mods) != 1 or len(value) != 1:
                previous_hooked = False
                continue
            layer = mods[0]
            if previous_hooked and self.module_inplace(layer):
                view = self.function_view(result[0], ("bw-hook-seq", id(arg)), arg, CUSTOM_FUNCTION, _BACKWARD_HOOK)
                self.emit(InplaceWrite(arg, arg, frozenset((view,)), "module",
                                       f"{layer.cls.split('.')[-1]}(inplace=True)", s, self.stmt))
            previous_hooked = layer.site in self.bw_hooked or self.bw_hooked_all

    def sequential_layers(self, node: cst.Call):
        """The layers of ``nn.Sequential(...)`` when some argument is starred, or the one argument is an
        ``OrderedDict([("name", layer), ...])``: each ``*layers`` stands for its elements where they are known
        position by position (a literal, maybe grown by ``append``/``extend``/``+=`` where they surely ran once; any
        other change made its positions unknown, ``grow_list``/``forget_positions``), beside the plain layers around
        it (``nn.Sequential(*block(8, 16), *block(16, 32), nn.Linear(32, 1))``). Returns ``(args, pos)``, a
        ``cst.Arg`` standing for where each layer runs and its value; or, when only which layers it may hold is known
        (a list filled in a loop or in branches, a ModuleList), that set of values as ``(None, [elements])``; None
        when nothing is, or when no argument is starred (the arguments are the layers)."""
        args = node.args
        if any(a.keyword is not None for a in args):
            return None
        if len(args) == 1 and not args[0].star:
            expr = args[0].value
            if (type(expr) is cst.Call and (dotted(expr.func) or "").split(".")[-1] == "OrderedDict"
                    and len(expr.args) == 1 and type(expr.args[0].value) in (cst.List, cst.Tuple)):
                pairs = expr.args[0].value.elements
                if all(type(el) is cst.Element and type(el.value) in (cst.Tuple, cst.List)
                       and len(el.value.elements) == 2 and type(el.value.elements[1]) is cst.Element
                       for el in pairs):
                    layers = [el.value.elements[1].value for el in pairs]
                    return [cst.Arg(layer) for layer in layers], [self.ev(layer) for layer in layers]
            return None
        if not any(a.star == "*" for a in args) or any(a.star == "**" for a in args):
            return None
        call_id, raw = self._star_args
        if call_id != id(node) or len(raw) != len(args):
            return None
        out_args: List[cst.Arg] = []
        out_pos: List[Value] = []
        ordered = True
        used: Set[int] = set()
        for i, (a, value) in enumerate(zip(args, raw)):
            if not a.star:
                out_args.append(a)
                out_pos.append(value)
                used.add(id(a.value))
                continue
            seqs = [o for o in value if o.kind == SEQ]
            mods = [o for o in value if o.kind == MODULE and o.elems]  # ``nn.Sequential(*module_list)``
            order = self.module_list_order.get(mods[0]) if len(value) == 1 and mods else None
            if order is not None:
                # ``nn.Sequential(*block)`` of an ``nn.ModuleList`` appended to in order
                listed = self.obj(SEQ, ("module-list", mods[0].site), elems=mods[0].elems, extra=tuple(order))
                out_args += self._layer_args(listed, used, i)
                out_pos += list(order)
            elif len(value) == 1 and seqs and seq_parts(seqs[0]) is not None:
                out_args += self._layer_args(seqs[0], used, i)
                out_pos += list(seq_parts(seqs[0]) or ())
            elif value and len(seqs) + len(mods) == len(value):
                ordered = False
                out_pos.append(frozenset(x for o in value for x in o.elems))
            else:
                return None
        if not ordered or len(out_pos) > MAX_SEQ_PARTS:
            return None, [frozenset(x for v in out_pos for x in v)]
        return out_args, out_pos

    def _layer_args(self, seq: Obj, used: Set[int], arg_index: int = 0) -> List[cst.Arg]:
        """For each position of ``seq`` (a list with known positions), a node standing for where that layer runs:
        the literal's element, else the node that made the module there (a synthetic node, which has no position,
        for anything else, and for a node met before in this sequence, ``used``: each layer's output needs a site of
        its own)."""
        parts = seq_parts(seq) or ()
        literal = list(seq.node.elements) if type(seq.node) in (cst.List, cst.Tuple) else []
        out: List[cst.Arg] = []
        for i, part in enumerate(parts):
            node = None
            if i < len(literal) and type(literal[i]) is cst.Element:
                node = literal[i].value
            elif len(part) == 1:
                made = next(iter(part)).node
                node = made if isinstance(made, cst.CSTNode) else None
            if node is None or id(node) in used:
                node = self._synthetic.setdefault((seq.site, arg_index, i), cst.Name("layer"))
            used.add(id(node))
            out.append(cst.Arg(node))
        return out

    def add_layer(self, seq: Obj, arg: cst.BaseExpression, added: Value) -> None:
        """``seq.append(m)`` / ``seq.add_module(name, m)`` on an ``nn.Sequential``: one more layer, at the end where it
        surely runs once; in a loop, what the sequence holds is only known as a set."""
        site = seq.site
        layers = self.seq_layers.get(site)
        if layers is not None and not self.loops_active and len(layers) < MAX_SEQ_PARTS:
            self.seq_layers[site] = layers + ((arg, added),)
        elif layers is not None or site in self.seq_unordered:
            held = [v for _, v in self.seq_layers.pop(site, ())] + [self.seq_unordered.get(site, EMPTY), added]
            self.seq_unordered[site] = frozenset(x for v in held for x in v)

    def module_dict_entries(self, args: Sequence[cst.Arg]) -> Dict[Optional[str], Value]:
        """What ``nn.ModuleDict(arg)`` / ``md.update(arg)`` stores under each key: a dict literal or a list of pairs
        (a key that is not a string literal: None); nothing known for anything else."""
        entries: Dict[Optional[str], Value] = {}
        if len(args) != 1 or args[0].star:
            return entries
        expr = args[0].value
        pairs = []
        if type(expr) is cst.Dict:
            pairs = [(el.key, el.value) for el in expr.elements if type(el) is cst.DictElement]
            if len(pairs) != len(expr.elements):
                return {None: UNKNOWN_VALUE}
        elif type(expr) in (cst.List, cst.Tuple):
            for el in expr.elements:
                if not (type(el) is cst.Element and type(el.value) in (cst.Tuple, cst.List)
                        and len(el.value.elements) == 2):
                    return {None: UNKNOWN_VALUE}
                pairs.append((el.value.elements[0].value, el.value.elements[1].value))
        elif type(expr) is cst.DictComp and self.state is not None:
            # ``{str(k): nn.Linear(d, d) for k in range(n)}``: which key holds which is not known, what they may be is
            held = self.comprehension_elements(expr)[0]
            return {None: held if held and all(o.kind == MODULE for o in held) else UNKNOWN_VALUE}
        else:
            return {None: UNKNOWN_VALUE}
        for key_node, value_node in pairs:
            key = key_node.evaluated_value if type(key_node) is cst.SimpleString else None
            key = key if isinstance(key, str) else None
            entries[key] = join_values(entries.get(key, EMPTY), self.ev(value_node))
        return entries

    def store_in_module_dict(self, md: Obj, key: Optional[str], value: Value) -> None:
        """``md[key] = m`` / ``md.update({key: m})``: ``key`` now holds ``m`` (or may, in a loop or for a key not
        known)."""
        entries = self.module_dicts.get(md.site)
        if entries is None:
            return
        if key is None or self.loops_active:
            entries[key] = join_values(entries.get(key, EMPTY), value)
        else:
            entries[key] = value

    def module_dict_values(self, value: Value) -> Value:
        """Every module the ``nn.ModuleDict`` objects of ``value`` may hold."""
        out: Set[Obj] = set()
        for o in value:
            for held in self.module_dicts.get(o.site, {}).values():
                out.update(held)
        return frozenset(out) if len(out) <= MAX_VALUE_SIZE else UNKNOWN_VALUE

    def grow_list(self, seqs: Value, added: Value, index: Optional[int] = None,
                  appended: Optional[Tuple[Value, ...]] = None) -> None:
        """``xs.append(t)`` / ``xs.extend(ts)`` / ``xs.insert(i, t)`` / ``xs[i] = t``: every name holding the list now
        holds it with ``added`` among its elements: at positions no longer known, an element replaced kept as one it
        may still hold; but ``xs[0] = t`` into a list whose elements are known one by one replaces that one, and
        ``appended`` (the values ``append``/``extend`` put at the end, one by one) extends such a list where they
        surely run once (outside any loop, here and in the callers: a loop runs to a fixed point)."""
        grown = {}
        for o in seqs:
            parts = seq_parts(o)
            if index is not None and o.extra and -len(o.extra) <= index < len(o.extra):
                parts = list(o.extra)
                parts[index] = added
                elems = frozenset(x for p in parts for x in p)
                grown[o] = self.obj(SEQ, o.site, elems=elems if len(elems) <= MAX_VALUE_SIZE else UNKNOWN_VALUE,
                                    extra=tuple(parts), node=o.node)
            elif (appended is not None and parts is not None and not self.loops_active
                  and len(parts) + len(appended) <= MAX_SEQ_PARTS):
                elems = join_values(o.elems, added)
                grown[o] = self.obj(SEQ, o.site, elems=elems, extra=parts + appended, node=o.node)
            else:
                grown[o] = self.obj(SEQ, o.site, elems=join_values(o.elems, added), node=o.node, meta=UNORDERED)
        self._replace_everywhere(grown)

    def forget_positions(self, seqs: Value) -> None:
        """``xs.pop()``, ``xs.sort()``, ``del xs[i]``...: what ``xs`` holds where is no longer known (what it may hold
        stays: a may-set)."""
        self._replace_everywhere({o: self.obj(SEQ, o.site, elems=o.elems, node=o.node, meta=UNORDERED)
                                  for o in seqs if o.kind == SEQ})

    def add_to_module_list(self, lists: Value, added: Value) -> None:
        """``layers.append(m)`` on an ``nn.ModuleList``: the list object now also holds ``m``. Lists are values
        (their ``elems``): every name and attribute holding one of ``lists`` holds the grown list from here on."""
        held = join_values(frozenset(x for o in lists for x in o.elems), frozenset(added))
        grown = {o: self.obj(MODULE, o.site, cls=o.cls, node=o.node, extra=o.extra, elems=held) for o in lists}
        for old, new in grown.items():
            order = self.module_list_order.get(old)
            if order is not None and not self.loops_active and len(lists) == 1 and len(order) < MAX_SEQ_PARTS:
                # appended in order, outside loops the analysis does not run pass by pass: position is known
                self.module_list_order[new] = order + (frozenset(added),)
        self._replace_everywhere(grown)

    def _replace_everywhere(self, grown: Dict[Obj, Obj]) -> None:
        s = self.state
        if s is None:
            return
        # (a list held in another one, ``dec_s[0]`` of a dict of dicts: the outer one holds the grown list too)
        outer = {}
        for value in s.env.values():
            for o in value:
                if o.kind == SEQ and o not in grown and o not in outer and any(x in grown for x in o.elems):
                    parts = tuple(frozenset(grown.get(x, x) for x in p) for p in o.extra) if (
                        o.extra and all(isinstance(p, frozenset) for p in o.extra)) else o.extra
                    outer[o] = self.obj(SEQ, o.site, elems=frozenset(grown.get(x, x) for x in o.elems), extra=parts,
                                        node=o.node, meta=o.meta)
        grown = {**grown, **outer}
        for key, value in list(s.env.items()):
            if any(o in grown for o in value):
                s.env[key] = frozenset(grown.get(o, o) for o in value)

    def torch_function(self, q: str) -> Value:
        """The value of a torch function named, not called (``F.relu`` returned by a factory, stored in
        ``self.activation``): calling it is calling ``q``. Other imported things are unknown."""
        if q.startswith("torch.") and ops.saved_info(q) is not None and q.split(".")[-1][:1].islower() or \
                q in GRAD_OFF:
            # (``torch.no_grad``/``torch.inference_mode`` held by a name: ``with ctx():``, ``context_held``)
            return frozenset((self.obj(FUNC, ("torch", q), cls=q),))
        if (q.startswith("torch.nn.") or q.startswith("torch.optim.")) and q.count(".") == 2 \
                and q.split(".")[-1][:1].isupper():
            # ``nn.ReLU`` in an activation registry (``{"relu": nn.ReLU}[name]()``): calling it builds the module
            return frozenset((self.obj(FUNC, ("torch", q), cls=q),))
        return UNKNOWN_VALUE

    def module_inplace(self, mod: Obj) -> bool:
        """Does ``mod`` (a torch.nn module) write into its input: built with ``inplace=True``, or flipped later?"""
        return "inplace" in mod.extra and mod.site not in self.inplace_off or mod.site in self.inplace_flips

    def set_inplace_flag(self, value: Value, flag: Optional[bool]) -> None:
        """``m.inplace = True`` (``m`` one module, or each module of a ``.modules()`` loop that reaches this line):
        from now on ``m`` writes into its input. Every ``nn.Sequential`` holding ``m`` is checked again: the layer
        before it may have saved its output."""
        mods = [o for o in value if o.kind == MODULE and ops.inplace_module_kwarg(o.cls) is not None]
        if flag is False:
            for o in mods:  # (built with ``inplace=True``, made out of place: ``m.inplace = False``)
                self.inplace_flips.pop(o.site, None)
                self.inplace_off.add(o.site)
            return
        if flag is not True or self.state is None:
            return
        where = self.small or self.stmt
        for o in mods:
            self.inplace_off.discard(o.site)
            if "inplace" in o.extra or o.site in self.inplace_flips:
                continue
            self.inplace_flips[o.site] = where
            for layers in list(self.seq_layers.values()):
                if any(o in value for _, value in layers):
                    self.emit(LayersInSequence(where, layers, (o, where)))

    def function_view(self, o: Obj, site, node, meta: str, how: str, extra: tuple = ()) -> Obj:
        """A view of ``o`` that autograd made inside a Function (a custom one, or ``BackwardHookFunction``): its
        creation meta is ``meta`` whatever the grad mode (``view_of`` derives it from the grad mode instead).
        ``extra``: ``(MAYBE_VIEW,)`` for a view only some inputs give."""
        return self.obj(VIEW, site, base=o.base if o.kind == VIEW else o, node=node, stmt=self.stmt, meta=meta,
                        how=how, extra=extra)

    def hooked_output(self, node, mod: Obj, out: Value) -> Value:
        """A module with a full backward hook returns its outputs through ``BackwardHookFunction``: with grad mode
        on they are views made inside a custom Function (an in-place write into one raises)."""
        if (mod.site not in self.bw_hooked and not self.bw_hooked_all) or self.state is None \
                or self.state.grad is not True:
            return out
        return frozenset(
            self.function_view(o, ("bw-hook", id(node)), node, CUSTOM_FUNCTION, _BACKWARD_HOOK)
            if o.is_tensor and o.kind not in (DATA, DETACHED, GRAD) else o
            for o in out)

    def hooked_input(self, node, mod: Obj, value: Value) -> Value:
        """What a module with a full backward hook runs its ``forward`` on: with grad mode on and an input that
        requires grad, ``BackwardHookFunction`` hands it its inputs as views made inside a custom Function (an
        in-place layer that writes its input then raises); else its input itself."""
        s = self.state
        if (mod.site not in self.bw_hooked and not self.bw_hooked_all) or s is None or s.grad is not True \
                or not any(o.is_tensor and self.is_rg(o) for o in value):
            return value
        return frozenset(
            self.function_view(o, ("bw-hook-in", id(node)), node, CUSTOM_FUNCTION, _BACKWARD_HOOK_INPUT)
            if o.is_tensor and o.kind not in (DATA, DETACHED, GRAD) else o
            for o in value)

    def custom_function_class(self, recv: Value):
        """The class info of ``recv`` when it is exactly one local ``torch.autograd.Function`` class, else None."""
        classes = [o for o in recv if o.kind == CLASS]
        if len(classes) != 1 or len(recv) != 1:
            return None
        info = self.classes.get(classes[0].cls)
        return info if info is not None and info.is_autograd_function else None

    def custom_function_apply(self, node: cst.Call, cls: Value, pos: List[Value]) -> Value:
        """``F.apply(...)`` (or ``f(...)`` with ``f = F.apply``), ``cls`` the local autograd.Function class ``F``:
        what it saves, and its outputs (views of inputs where ``forward`` returns them, else fresh tensors that
        require grad when an input does, as torch says)."""
        info = self.custom_function_class(cls)
        self.custom_function_saves(node, info, pos)
        views = _forward_view_outputs(info.node)
        if views is not None:
            return self.custom_function_result(node, pos, views)
        dirty = _forward_dirty_output(info.node)
        if dirty is not None and dirty < len(pos) and self.state is not None and self.state.grad is True:
            value = self.tensor_objs(pos[dirty])
            if value and len(value) == len(pos[dirty]) and all(
                    self.is_rg(o) and not self.is_leaf_rg(o) for o in value):
                # ``ctx.mark_dirty(x); return x``: torch returns the input tensor itself, written in place (its
                # history rebased on the Function); what ``forward`` saved of it is that written version
                return frozenset(value)
        return self.derived(node, list(pos), label="a custom Function")

    def custom_function_saves(self, node: cst.Call, info, pos: List[Value]) -> None:
        """``F.apply(a, b, ...)`` of a local autograd.Function whose ``forward`` passes some of its inputs as they
        are to ``ctx.save_for_backward``: when the call records a graph (grad mode on, an input requires grad), those
        inputs are saved for backward (an inference tensor among them makes torch raise; a later in-place write
        of one makes backward raise)."""
        s = self.state
        if s is None or s.grad is not True:
            return
        indices = _forward_saved_inputs(info.node)
        if not indices or not any(self.is_rg(o) for v in pos for o in v):
            return
        label = f"the custom Function `{dotted(node.func) or 'apply'}`"
        saved = dict(s.saved)
        record = (label, node, ())
        for idx in indices:
            if idx < len(pos) and pos[idx]:
                value = frozenset(o for o in pos[idx] if o.is_tensor or o.kind == UNKNOWN)
                if value:
                    self.emit(TensorSavedForBackward(node, idx, value, label, s, self.stmt))
                for o in value:
                    if o.is_tensor:
                        self._save(saved, o, record)
        if saved != s.saved:
            s.saved = saved

    def custom_function_result(self, node: cst.Call, pos: List[Value], views: Tuple[Optional[int], ...]) -> Value:
        inputs = list(pos)
        result = self.derived(node, inputs, label="a custom Function")
        if self.state is None or self.state.grad is not True:
            return result
        out = set(result)
        # one view output: a view made inside a custom Function; several: torch makes them multi-output views
        several = sum(1 for index in views if index is not None) > 1
        meta = MULTI_OUTPUT if several else CUSTOM_FUNCTION
        how = f"the custom Function `{dotted(node.func) or 'apply'}`"
        for i, index in enumerate(views):
            if index is None or index >= len(pos):
                continue
            # a view of an input, or of the tensor the Function computed (its result as the analysis knows it)
            sources = pos[index] if index >= 0 else result
            extra = (MAYBE_VIEW,) if index == INTERNAL_MAYBE_VIEW else ()
            for o in sources:
                if o.is_tensor and o.kind not in (DATA, DETACHED, GRAD):
                    out.add(self.function_view(o, ("fn-view", id(node), i), node, meta, how, extra))
        views_only = frozenset(o for o in out if o.kind == VIEW and o.meta == meta)
        return views_only if views_only and all(v is not None for v in views) else frozenset(out)

    def grad_mode_of(self, expr: cst.BaseExpression):
        """The grad mode a ``with`` item sets (True, False, None: unknown), or ``NO_CHANGE``."""
        return grad_mode_set_by(expr, self.qualname)

    def decorator_modes(self, expr: cst.BaseExpression) -> List[cst.BaseExpression]:
        """What a decorator expression stands for as a grad-mode context: itself, or for a decorator factory of
        this project (``@smart_inference_mode()``, whose ``decorate(fn)`` returns ``torch.inference_mode()(fn)``,
        or ``(torch.inference_mode if ok else torch.no_grad)()(fn)``) the context expressions it may apply."""
        if type(expr) is not cst.Call or expr.args or type(expr.func) is not cst.Name:
            return [expr]
        factory = self.fn_by_qual.get(expr.func.value)
        node = factory.node if factory is not None else None
        if node is None or node.decorators or node.params.params or node.params.posonly_params or \
                node.params.kwonly_params or type(node.params.star_arg) is cst.Param or node.params.star_kwarg:
            return [expr]
        stmts = body_statements(node.body)
        inner = next((st for st in stmts if type(st) is cst.FunctionDef), None)
        last = stmts[-1] if stmts else None
        returned = last.body[0].value if isinstance(last, (cst.SimpleStatementLine, SuiteLine)) and len(
            last.body) == 1 and type(last.body[0]) is cst.Return else None
        if inner is None or type(returned) is not cst.Name or returned.value != inner.name.value or len(
                inner.params.params) != 1:
            return [expr]
        body = body_statements(inner.body)
        ret = body[-1].body[0].value if len(body) == 1 and isinstance(body[0], (cst.SimpleStatementLine, SuiteLine)) \
            and type(body[0].body[0]) is cst.Return else None
        fn_name = inner.params.params[0].name.value
        if not (type(ret) is cst.Call and len(ret.args) == 1 and type(ret.args[0].value) is cst.Name
                and ret.args[0].value.value == fn_name and type(ret.func) is cst.Call and not ret.func.args):
            return [expr]
        ctx = ret.func.func
        options = [ctx.body, ctx.orelse] if type(ctx) is cst.IfExp else [ctx]
        made = [cst.Call(func=o) for o in options]
        return made if all(self.grad_mode_of(m) is not NO_CHANGE for m in made) else [expr]

    def decorator_grad_mode(self, node: cst.FunctionDef) -> Tuple[Optional[bool], bool]:
        grad: Optional[bool] = True
        forced = False
        for d in node.decorators:
            expr = d.decorator
            modes = {self.grad_mode_of(e) for e in self.decorator_modes(expr)}
            mode = modes.pop() if len(modes) == 1 else None
            if mode is not NO_CHANGE:
                grad, forced = mode, True
                continue
            name = dotted(expr.func if type(expr) is cst.Call else expr) or ""
            q = self.qualname(expr.func if type(expr) is cst.Call else expr) or name
            if q in _NEUTRAL_DECORATORS or name in _NEUTRAL_DECORATORS or name.endswith((".setter", ".getter", ".deleter")):
                continue
            if not forced:
                grad = None  # an unknown decorator may change grad mode: assume nothing
        return grad, forced

    def rg_char(self, value: Optional[Value]) -> str:
        """'1' every object in ``value`` requires grad, '0' none can (or it is not a tensor), '?' unknown."""
        if not value:
            return "0"
        if all(self.is_rg(o) for o in value):
            return "1"
        if all((o.is_tensor and o.rg is False and not self.is_rg(o)) for o in value):
            return "0"
        return "?"

    def commit_saves(self, node, saved: Dict[Obj, FrozenSet], result: Value) -> None:
        """Make ``saved`` (a copy of the state's saves with what the op at ``node`` saved added) the state's; the
        graph of ``result`` then holds what was saved (``drop_dead_saves`` tracks the op)."""
        s = self.state
        if saved != s.saved:
            s.saved = saved
            for o in result:
                r = o.root()
                self.graph_nodes[r] = self.graph_nodes.get(r, frozenset()) | {id(node)}
            self.tracked_saves.add(id(node))

    def pad_variant(self, node, key: str) -> Optional[str]:
        """``F.pad(x, p)`` pads with a constant and saves nothing; ``mode="reflect"`` (``"replicate"``,
        ``"circular"``) saves ``x``. A mode not known: "constant", what every mode saves (nothing)."""
        if key != "torch.nn.functional.pad" or type(node) is not cst.Call:
            return None
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        mode = positional[2] if len(positional) > 2 else next(
            (a.value for a in node.args if a.keyword is not None and a.keyword.value == "mode"), None)
        value = self.const(mode) if mode is not None else "constant"
        return "reflect" if isinstance(value, str) and value != "constant" else "constant"

    def in_optimizer(self) -> bool:
        """The code being analysed is a method of a ``torch.optim.Optimizer`` subclass, or runs for one (a call made
        from ``step``): a graph it records (``grad.add(p, alpha=wd)`` without ``@torch.no_grad()``) is never
        backpropagated -- the closure's loss is backpropagated inside the closure -- so nothing it saves is saved for a
        backward to come. (Its in-place writes into leaf parameters still raise at once.)"""
        for fn in (self.current, self.call_root):
            if fn is not None and fn.cls is not None and fn.cls.is_optimizer:
                return True
        return False

    def scalar_overload(self, node, key: str, args: Dict[object, Value]) -> Tuple[str, Dict[object, Value]]:
        """``x.pow(2)``, ``torch.pow(x, 0.5)``, ``x.pow_(2)``: a Python number as the exponent calls torch's Scalar
        overload, which saves ``x`` but not the result (as ``x ** 2`` does), where a tensor exponent saves both;
        ``torch.pow(2, x)`` calls the one for a number base. The table probed the tensor forms."""
        if key in _BINARY_FORMS and any(o.is_tensor for o in args.get(1, ())):
            # ``torch.max(a, b)``, ``a.min(b)``: a tensor as the second argument is ``torch.maximum``/``minimum``,
            # which saves both inputs (the table probed the reduction forms)
            return _BINARY_FORMS[key], args
        if key not in ("Tensor.pow", "torch.pow") or type(node) is not cst.Call:
            return key, args
        exprs = _argument_expressions(node, key)
        for a in node.args:
            if a.keyword is not None and a.keyword.value == "exponent":
                exprs[1] = a.value

        def number(i: int) -> bool:
            expr = exprs.get(i)
            return expr is not None and type(self.const(expr)) in (int, float)

        if number(1) and not number(0):
            return "operator.pow@scalar", {0: args.get(0, EMPTY)}
        if number(0) and not number(1):
            return "operator.pow@rscalar", {1: args.get(1, EMPTY)}
        return key, args

    def record_saves(self, node, key: str, args: Dict[object, Value], result: Value, label: str,
                     module: Optional[Obj] = None, inplace_key: Optional[str] = None) -> None:
        """Look ``key`` up in the generated op table and remember which argument tensors (and whether the result)
        the op saved for backward. Certain facts only: the saved set is the intersection over every way the
        unknown requires-grad flags could turn out, and nothing is recorded unless some input surely requires
        grad (or the op is a module with parameters). ``inplace_key``: the call is the in-place form of ``key``,
        written into its first argument, under this name in the table of in-place forms that save their result
        (``leaky_relu_`` saves its result where ``leaky_relu`` saves its input)."""
        key, args = self.scalar_overload(node, key, args)
        info = ops.saved_info(key)
        if info is None or self.in_optimizer():
            return
        if result is args.get(0) and result and all(self.is_leaf_rg_or_view(o) for o in result):
            return  # an in-place op on a leaf that requires grad raises instead of recording anything
        chars = [self.rg_char(args.get(i)) for i in info.get("tensor_args", ())]
        has_params = info.get("kind") == "module" and module is not None and layer_holds_params(module.cls)
        if "1" not in chars and not has_params:
            return
        variant = self.pad_variant(node, key) or ops.variant_of(key, args)
        unknowns = [i for i, c in enumerate(chars) if c == "?"]
        if len(unknowns) > 4:
            return
        saved_args: Optional[Set] = None
        saves_result = True
        for bits in range(1 << len(unknowns)):
            pattern = list(chars)
            for j, i in enumerate(unknowns):
                pattern[i] = "1" if bits >> j & 1 else "0"
            p = "".join(pattern)
            if "1" not in p and not has_params:
                continue  # this way no graph is recorded at all: it does not constrain the others
            got = set(ops.saved_inputs(key, p, variant))
            saved_args = got if saved_args is None else saved_args & got
            saves_result = saves_result and ops.saves_result(key, p, variant)
        if saved_args is None:
            return
        if inplace_key is not None:
            # ``x.clamp_()``, ``torch.sin_(x)``: what the out-of-place op saves of ``x`` an in-place one saves as a
            # copy made before the write (autograd's ``original_self``); only its result is ``x`` itself
            saved_args = {i for i in saved_args if i != 0}
            probed = ops.inplace_saves_result(inplace_key)
            if probed is not None:
                saves_result = probed
        s = self.state
        saved = dict(s.saved)
        record = (label, node, ())
        # an input that is the very abstract object of the (fresh) result: the same allocation site run again
        # (``x = self.conv(x)`` in the second of two blocks of one class): the input saved and the new result
        # cannot be told apart, and the result is not what was saved
        fresh = frozenset() if inplace_key is not None or result is args.get(0) else frozenset(result)
        for idx in sorted(saved_args, key=str):
            value = args.get(idx, EMPTY)
            if fresh and value & fresh:
                value = value - fresh
            if value:
                self.emit(TensorSavedForBackward(node, idx, value, label, s, self.stmt))
            for o in value:
                self._save(saved, o, record)
        if saves_result:
            inputs = frozenset(o for i in info.get("tensor_args", ()) for o in args.get(i, ()) if o.is_tensor)
            for o in result:
                self._save(saved, o, record)
                if inputs and len(self.result_save_inputs) < 200_000:
                    # (saved only if one of these required grad: ``narrow_grad`` drops it where none does)
                    self.result_save_inputs[(id(node), o)] = inputs
        self.commit_saves(node, saved, result)
        if s.renewed:  # the new copy of a renewed object may be saved now too: the record concerns it
            exprs = _argument_expressions(node, key)
            roots = set()
            old_roots = set()  # saved through a name that holds the old copy: the record concerns the old copy
            for idx in saved_args:
                name = _root_name(exprs[idx]) if idx in exprs else None
                for o in args.get(idx, EMPTY):
                    root = o.root()
                    if name is not None and root in s.renewed and name not in s.renewed[root][0]:
                        old_roots.add(root)
                    else:
                        roots.add(root)
            if saves_result:
                roots.update(o.root() for o in result)
            old_roots -= roots
            s.renewed = {o: (names, records - {record} if o in roots else
                             records | {record} if o in old_roots else records)
                         for o, (names, records) in s.renewed.items()}

    @staticmethod
    def _save(saved: Dict, o: Obj, record) -> None:
        if not (o.is_tensor or (o.kind == UNKNOWN and o.site != "unknown")) or o.kind in (DATA, GRAD):
            return
        root = o.root()
        saved[root] = saved.get(root, frozenset()) | frozenset((record,))

    def saved_by(self, value: Value, ctx: bool = False, maybe: bool = False,
                 through: Optional[cst.BaseExpression] = None) -> Optional[FrozenSet]:
        """The records of the ops that surely saved every object of ``value`` (through views and detach), or None.
        ``ctx``: the records of ``ctx.save_for_backward`` in an autograd.Function instead of those of ops.
        ``maybe``: saves made in a branch count too (their records carry the branch conditions).
        ``through``: the expression ``value`` is reached by (a write's target): when its name holds the new copy
        of a renewed object (``State.renewed``), the saves of the old copies do not count."""
        s = self.state
        if s is None or not s.saved or not value:
            return None
        name = _root_name(through) if through is not None and s.renewed else None
        records: Set = set()
        if self.device_copies:
            # ``x.cpu()``: on the CPU ``x`` itself, elsewhere the copy: the saves of ``x`` (see ``device_copy``)
            value = frozenset(o for o in value if not self.device_copy(o)) or value
        for o in value:
            if o.kind in (DATA, GRAD) or not (o.is_tensor or o.kind == UNKNOWN):
                return None
            root = o.root()
            old = s.renewed[root][1] if name is not None and root in s.renewed and name in s.renewed[root][0] \
                else frozenset()
            r = [rec for rec in s.saved.get(root, ()) if (rec[0] == CTX_SAVE) == ctx and (maybe or not rec[2])
                 and rec not in old]
            if not r:
                return None
            records.update(r)
        return frozenset(records)

    def device_copy(self, o: Obj) -> bool:
        """``o`` is (a view of) the copy ``x.cpu()`` makes of a tensor ``x`` that requires grad when ``x`` is not on
        the CPU; on the CPU ``x.cpu()`` returns ``x`` itself, which the same value holds."""
        return o.root() in self.device_copies

    def free_saved(self, node: cst.Call) -> None:
        """``backward()`` / ``autograd.grad()`` free the saved tensors unless ``retain_graph=True``."""
        for a in node.args:
            if a.keyword is not None and a.keyword.value in ("retain_graph", "create_graph"):
                if self.flag(a.value) is not False:
                    return
        if self.state is not None and self.state.saved:
            self.state.saved = {}

    def note_input_overwritten(self, node: cst.Call, mod: Obj, arg: Value, names_only: bool = False) -> None:
        """``mod`` overwrites its input in place: unless the call's result is simply discarded (in-place on
        purpose), every other name bound to that tensor now reads the overwritten values. ``names_only``: the call
        returns that tensor (as an in-place layer does): a read through what it returned is no stale read."""
        s = self.state
        if s is None or not self.maybe_tensor(arg) or type(self.small) is cst.Expr and self.small.value is node:
            return
        if s.grad is True and all(self.is_leaf_rg(o) for o in arg):
            return  # torch raises at once: a leaf that requires grad written in place
        roots = {o.root() for o in arg}
        # a view written in place changes itself and what it is a view of, not another view of that tensor (``x, z =
        # h.chunk(2)``: writing ``z`` leaves ``x`` as it was)
        touched = set(arg)
        for o in arg:
            while o.kind == VIEW and o.base is not None:
                o = o.base
                touched.add(o)

        def overwritten(o: Obj) -> bool:
            return o.root() in roots and (o in touched or o.kind != VIEW)

        # the argument's name holds the new copy of an object whose allocation site ran again (a second call of the
        # same block): names holding the old copy (``identity`` = the first block's output) are not overwritten
        through = _root_name(node.args[0].value) if node.args and s.renewed else None
        for name, value in s.env.items():
            if "." not in name and value and all(overwritten(o) for o in value):
                if through is not None and name != through and all(
                        o.root() in s.renewed and through in s.renewed[o.root()][0]
                        and name not in s.renewed[o.root()][0] for o in value):
                    continue
                s.overwritten[name] = (node, mod)
        if not names_only and not self.module_inplace(mod):
            # the call returns a different tensor: any later use of the overwritten one is a use of wrong values,
            # even through a reference taken before the call (``torch.cat([x, block(x)])``)
            for root in roots:
                s.overwritten[root] = (node, mod)

    def module_call(self, node: cst.Call, mod: Obj, pos: List[Value], kw: Dict[str, Value]) -> Value:
        cls = mod.cls
        if pos and (self.module_inplace(mod) or "inplace_first" in mod.extra or
                    (cls in self.classes and self.classes[cls].clobbers_input)):
            self.note_input_overwritten(node, mod, pos[0])
        if (cls == "torch.nn.Sequential" or self.sequential_subclass(cls)) and pos and len(pos) == 1 and not kw \
                and self.seq_layers.get(mod.site):
            return self.run_sequence(mod, pos[0], node)
        alike = self.seq_unordered.get(mod.site)
        if cls == "torch.nn.Sequential" and pos and len(pos) == 1 and not kw and alike is not None \
                and len(alike) == 1 and next(iter(alike)).kind == MODULE:
            # ``nn.Sequential(*[Block(...) for _ in range(n)])``: layers all built alike (one abstract layer), each
            # applied to the output of the one before (twice: what one saves, the next may write)
            return self.run_sequence(mod, pos[0], node, layers=((node, alike), (node, alike)))
        if cls.startswith("torch.nn.") and pos:
            return self.torch_module_call(node, node.args[0].value, mod, pos, kw)
        info = self.classes.get(cls)
        if info is not None and info.is_module and pos and _param_layers(info.attrs.values()) >= 2:
            # a model of ours with two or more parameterised layers: its output requires grad, and its graph saves
            # parameters (the input of every layer after the first requires grad)
            inputs = list(pos) + list(kw.values()) + [frozenset((self.obj(PARAM, (mod.site, "*"), rg=True),))]
            saved = frozenset((mod.site,)) if self.state is not None and self.state.grad is True else frozenset()
            return self.derived(node, inputs, label=f"`{cls}`", saved_params=saved)
        self.mark_used(pos)
        return unknown(("call", id(node)))

    def torch_module_call(self, node: cst.CSTNode, target: cst.BaseExpression, mod: Obj, pos: List[Value],
                          kw: Dict[str, Value]) -> Value:
        """A torch.nn module applied at ``node`` to ``pos[0]`` (the expression ``target``): what it saves, writes, and
        returns."""
        cls = mod.cls
        if "max_norm" in mod.extra and self.state is not None:
            self.renorm_weight(node, mod)
        if self.module_inplace(mod) and self.maybe_tensor(pos[0]):
            short = cls.split(".")[-1]
            written = self.hooked_input(node, mod, pos[0])
            # made in place by ``m.inplace = True``: that statement is the culprit (and reported once)
            flip = self.inplace_flips.get(mod.site)
            if flip is not None:
                node = flip  # (the tensor written is still the call's argument)
            self.inplace(node, target, written, "module", f"{short}(inplace=True)")
            if self.state is not None and self.state.grad is True:
                # what it saves of its input it saves as a copy made before the write: only its result is the tensor
                self.record_saves(node, cls, {0: pos[0]}, pos[0], f"`{short}(inplace=True)`", mod,
                                  inplace_key=cls)
            return pos[0]
        if cls == "torch.nn.Identity" or "p0" in mod.extra:
            return pos[0]  # ``forward`` returns its input itself (a dropout of probability 0 too, training or not)
        view_of = ops.module_result_view_of(cls)
        if view_of is not None and view_of < len(pos):
            tensors = self.tensor_objs(pos[view_of])
            if tensors and len(tensors) == len(pos[view_of]):
                short = cls.split(".")[-1]
                return frozenset(self.view_of(o, node, how=f"`{short}`") for o in tensors)
        inputs = list(pos) + list(kw.values())
        if layer_holds_params(cls) or "multi_param" in mod.extra or "has_param" in mod.extra:
            inputs.append(frozenset((self.obj(PARAM, (mod.site, "weight"), rg=True),)))
        saved = frozenset((mod.site,)) if self.module_saves_params(mod, pos[0]) else frozenset()
        result = self.derived(node, inputs, label=f"`{cls.split('.')[-1]}`", key=cls, args={0: pos[0]}, module=mod,
                              saved_params=saved)
        shape = _RNN_RESULTS.get(cls)
        if shape is not None and len(result) == 1 and next(iter(result)).kind == DERIVED:
            return self.rnn_outputs(node, next(iter(result)), shape)
        return result

    def rnn_outputs(self, node: cst.CSTNode, out: Obj, shape: str) -> Value:
        """What a recurrent module returns (``shape``): ``nn.LSTM`` ``(output, (h_n, c_n))`` ("nested"),
        ``nn.GRU``/``nn.RNN`` ``(output, h_n)`` ("pair"), ``nn.LSTMCell`` ``(h, c)`` ("cell"). ``out``, the module's
        result, is the first (the tensor its probe says it saves); the states are computed by the same graph from the
        same inputs and weights, so they carry what ``out`` carries: a graph that saved the weights (an optimizer
        step makes it stale, and a state fed into the next batch carries that into the next loss), requires-grad."""
        s = self.state

        def state(i: int) -> Value:
            o = self.output_like(out, (id(node), "state", i), node, out.label)
            if s is not None:
                if out in self.graph_nodes:
                    self.graph_nodes[o] = self.graph_nodes[out]
                s.stale.pop(o, None)  # a fresh computation (the loop's next pass)
                if out in s.stale:
                    s.stale[o] = s.stale[out]
            return frozenset((o,))

        first = frozenset((out,))
        if shape == "nested":
            states = self.tuple_value((id(node), "states"), (state(0), state(1)), node)
            return self.tuple_value(id(node), (first, states), node)
        return self.tuple_value(id(node), (first, state(0)), node)

    def copied(self, node: cst.Call, o: Obj, memo: Dict[Obj, Obj]) -> Obj:
        """What ``copy.deepcopy`` at ``node`` makes of ``o``: a module, the same structure over copies of its
        sub-modules, parameters and buffers (what is known of each carried over); a tensor, a new one like it;
        anything else, itself."""
        done = memo.get(o)
        if done is not None:
            return done
        site = ("copy", id(node), o.site)
        if o.kind in (LEAF, PARAM) and o.base is None:
            made = self.obj(o.kind, site, rg=o.rg, label=o.label, node=o.node, stmt=o.stmt, cls=o.cls, extra=o.extra,
                            meta=o.meta, how=o.how)
            memo[o] = made
            s = self.state
            if s is not None:
                if o in s.rg:
                    s.rg = s.rg | {made}
                if o in s.norg:
                    s.norg = s.norg | {made}
            return made
        if o.kind != MODULE:
            return o
        memo[o] = o  # (a module holding itself: the copy holds the original; modules do not)

        def each(value: Value) -> Value:
            return frozenset(self.copied(node, x, memo) for x in value)

        elems = each(o.elems) if o.elems else o.elems
        made = self.obj(MODULE, site, cls=o.cls, node=o.node, extra=o.extra, elems=elems)
        memo[o] = made
        if o.site in self.seq_layers:
            self.seq_layers[site] = tuple((arg, each(v)) for arg, v in self.seq_layers[o.site])
        if o.site in self.seq_unordered:
            self.seq_unordered[site] = each(self.seq_unordered[o.site])
        if o.site in self.module_dicts:
            self.module_dicts[site] = {k: each(v) for k, v in self.module_dicts[o.site].items()}
        if o in self.module_list_order:
            self.module_list_order[made] = tuple(each(v) for v in self.module_list_order[o])
        for attrs in (self.instance_attrs, self.later_attrs):
            if o.site in attrs:
                attrs[site] = {k: each(v) for k, v in attrs[o.site].items()}
        if o.site in self.instance_consts:
            self.instance_consts[site] = dict(self.instance_consts[o.site])
        if o.site in self.instance_frozen:
            self.instance_frozen[site] = each(self.instance_frozen[o.site])
        if o.site in self.inplace_flips:
            self.inplace_flips[site] = self.inplace_flips[o.site]
        if o.site in self.inplace_off:
            self.inplace_off.add(site)
        if o.site in self.bw_hooked:
            self.bw_hooked.add(site)  # (hooks are copied with the module)
        for hooks in (self.fwd_hook_writes, self.fwd_hook_keeps):
            if o.site in hooks:
                hooks[site] = list(hooks[o.site])
        s = self.state
        if s is not None and o.site in s.training:
            s.training = {**s.training, site: s.training[o.site]}
        return made

    def renorm_weight(self, node: cst.CSTNode, mod: Obj) -> None:
        """``nn.Embedding(n, d, max_norm=...)`` applied: torch renormalises the rows it looks up in its weight, in
        place and under ``no_grad`` (``embedding_renorm_``): a graph that saved the weight before can no longer be
        backpropagated (not a write autograd refuses at once)."""
        s = self.state.copy()
        s.grad = False
        func = node.func if type(node) is cst.Call else node
        target = cst.Attribute(value=func, attr=cst.Name("weight")) if isinstance(func, cst.BaseExpression) else func
        weight = frozenset((self.obj(PARAM, (mod.site, "weight"), rg=True),))
        self.emit(InplaceWrite(node, target, weight, "renorm", f"{mod.cls.split('.')[-1]}(max_norm=...)", s,
                               self.stmt))

    def run_sequence(self, seq: Obj, value: Value, call: Optional[cst.Call] = None,
                     layers: Optional[Sequence[Tuple[cst.CSTNode, Value]]] = None) -> Value:
        """``nn.Sequential(a, b, ...)(x)``: each layer applied to the output of the one before, so that what one
        layer saves and the next writes in place is seen (the layer's argument in ``nn.Sequential(...)`` stands for
        where it runs; but the first layer runs on the argument of ``call``, the call applying the sequence, which
        stands for where it writes that argument). A layer that is not one known module: its output is computed
        from its input, nothing more is known of it. Each layer reads what the one before wrote: no use of an
        overwritten tensor inside."""
        s = self.state
        overwritten = s.overwritten if s is not None else {}
        if s is not None:
            s.overwritten = {}
        try:
            return self._run_layers(seq, value, call, layers)
        finally:
            if self.state is not None:
                self.state.overwritten = overwritten

    def _run_layers(self, seq: Obj, value: Value, call: Optional[cst.Call],
                    layers: Optional[Sequence[Tuple[cst.CSTNode, Value]]] = None) -> Value:
        out = value
        for i, (arg, layer_value) in enumerate(self.seq_layers[seq.site] if layers is None else layers):
            first_call = call if i == 0 and call is not None and call.args else None
            mods = [o for o in layer_value if o.kind == MODULE]
            if len(mods) == 1 and len(layer_value) == 1 and mods[0].cls.startswith("torch.nn."):
                layer = mods[0]
                if layer.cls == "torch.nn.Sequential" and layer.site in self.seq_layers:
                    out = self.run_sequence(layer, out, first_call)
                elif first_call is not None:
                    out = self.torch_module_call(first_call, first_call.args[0].value, layer, [out], {})
                else:
                    out = self.torch_module_call(arg, arg, layer, [out], {})
                if layer.site in self.fwd_hook_writes or layer.site in self.fwd_hook_keeps:
                    self.run_forward_hooks(layer, out)
            elif len(mods) == 1 and len(layer_value) == 1 and self.sequential_subclass(mods[0].cls) \
                    and self.seq_layers.get(mods[0].site):
                out = self.run_sequence(mods[0], out, first_call)  # ``class ConvBN(nn.Sequential)`` in a Sequential
            elif len(mods) == 1 and len(layer_value) == 1 and self.method_of(mods[0].cls, "forward") is not None:
                forward = self.method_of(mods[0].cls, "forward")
                self.record_forward_call(forward, [out])
                result = self.call_function(forward, arg, frozenset(mods), [out], {})
                out = result if result is not None else self._derived(arg, [out])
            else:
                out = self._derived(arg, [out])
        return out

    def init_sequential_layers(self, node: cst.Call, site) -> None:
        """The layers ``node`` (``nn.Sequential(...)``'s ``__init__`` called with those arguments) gives the
        sequence at ``site``, as the constructor does."""
        layer_args = self.sequential_layers(node)
        if layer_args is None:
            pos, _ = self.eval_args(node)
            args = list(node.args)
        elif layer_args[0] is None:
            self.seq_unordered[site] = layer_args[1][0]
            return
        else:
            args, pos = layer_args
        if all(a.keyword is None and not a.star for a in args):
            self.seq_layers[site] = tuple((a.value, v) for a, v in zip(args, pos))

    def module_saves_params(self, mod: Obj, arg: Value) -> bool:
        """Does running ``mod`` (a torch.nn module) on ``arg`` with grad on surely save one of its parameters?"""
        if self.state is None or self.state.grad is not True:
            return False
        if "multi_param" in mod.extra:
            return True
        info = ops.saved_info(mod.cls)
        if not info or info.get("kind") != "module":
            return False
        char = self.rg_char(arg)
        patterns = ("0", "1") if char == "?" else (char,)
        recs = info.get("patterns", {})
        return all(recs.get(p, {}).get("params") for p in patterns)

    def method_call(self, node: cst.Call, func: cst.Attribute, recv: Value) -> Value:
        name = func.attr.value
        pos, kw = self.eval_args(node)
        s = self.state
        if s is None:
            return UNKNOWN_VALUE
        tensors = self.tensor_objs(recv)
        if name in _MODULE_SELF_METHODS and recv and all(o.kind == MODULE for o in recv):
            if name in ("train", "eval"):
                mode = (self.flag(node.args[0].value) if node.args else True) if name == "train" else False
                sites = [o.site for o in self.module_tree(recv)]
                if mode is None or len(recv) > 1:
                    s.training = {k: v for k, v in s.training.items() if k not in sites}
                else:
                    s.training = {**s.training, **{site: mode for site in sites}}
            fn = self.own_method(recv, name, (MODULE,))
            if fn is not None:
                # a class of ours that overrides it (``def train(self, mode=True)`` rebuilding a head): its body too
                self.record_call(fn.qualname)
                self.call_function(fn, node, recv, pos, kw)
            return recv  # ``model.eval()``, ``model.to(device)``: the module itself
        if name == "named_modules" and not node.args and len(recv) == 1 and next(iter(recv)).kind == MODULE:
            # ``dict(model.named_modules())[name]`` (hook libraries: Grad-CAM, captum): the modules by the names
            # torch gives them, as far as the tree is known (``named_module_list``)
            # (a loop over it visits ``(name, module)`` pairs, as over ``model.modules()``)
            named = self.named_module_list(next(iter(recv)))
            pairs = frozenset(self.obj(SEQ, ("module-pair", id(node), name), extra=(EMPTY, frozenset((m,))))
                              for name, m in named)
            made = self.obj(SEQ, ("named-modules", id(node)), elems=pairs, node=node)
            self.named_modules_lists[made.site] = named
            return frozenset((made,))
        if name in ("modules", "children") and recv and all(o.kind == MODULE for o in recv):
            tree = (self.module_tree(recv) if name == "modules" else
                    frozenset(c for o in recv for c in self.module_children(o)))
            if 0 < len(tree) <= MAX_MODULE_TREE:
                return frozenset((self.obj(SEQ, id(node), elems=tree),))
        if name in ("register_buffer", "register_parameter") and len(pos) >= 2 and recv and all(
                o.kind == MODULE for o in recv) and isinstance(literal_value(node.args[0].value), str):
            # ``self.register_buffer("queue", t)``: ``self.queue`` is ``t`` from here on
            owner = dotted(func.value)
            if owner is not None:
                self.state.bind(f"{owner}.{literal_value(node.args[0].value)}", pos[1])
            return EMPTY
        if name in ("append", "add_module", "register_module") and pos and recv and all(
                o.kind == MODULE and (o.cls == "torch.nn.Sequential" or o.site in self.seq_layers) for o in recv):
            arg = node.args[-1].value if node.args else node
            for o in recv:
                self.add_layer(o, arg, pos[-1])
            return recv if name == "append" else EMPTY
        if name in ("add_module", "register_module") and len(pos) == 2 and recv and all(
                o.kind == MODULE for o in recv):
            # ``self.add_module(f"qf{i}", net)``: a sub-module from now on (its parameters are the module's), under
            # that name when it is a literal, else under a name of its own to this call
            owner = dotted(func.value)
            attr = literal_value(node.args[0].value)
            if owner is not None and pos[1] and all(o.kind == MODULE for o in pos[1]):
                key = f"{owner}.{attr}" if isinstance(attr, str) and attr.isidentifier() else \
                    f"{owner}.<added at {id(node)}>"
                self.state.bind(key, join_values(self.state.env.get(key, EMPTY), pos[1]) if "<" in key else pos[1])
            return EMPTY
        if recv and all(o.kind == MODULE and o.site in self.module_dicts for o in recv):
            held = self.module_dict_values(recv)
            if name == "values":
                return frozenset((self.obj(SEQ, id(node), elems=held, meta=UNORDERED),))
            if name == "items":
                pair = self.obj(SEQ, ("pair", id(node)), extra=(UNKNOWN_VALUE, held))
                return frozenset((self.obj(SEQ, id(node), elems=frozenset((pair,)), meta=UNORDERED),))
            if name == "update" and len(node.args) == 1:
                for key, value in self.module_dict_entries(node.args).items():
                    for o in recv:
                        self.store_in_module_dict(o, key, value)
                return EMPTY
        if name in ("append", "extend", "insert") and recv and all(o.cls == _MODULE_LIST for o in recv):
            added = pos[-1] if pos else UNKNOWN_VALUE
            if name == "extend":
                added = frozenset(x for o in added for x in (o.elems if o.kind == SEQ else (UNKNOWN_OBJ,)))
            self.add_to_module_list(recv, added)
            return recv
        if recv and not tensors and all(o.kind == UNKNOWN and o.cls for o in recv):
            self.custom_optimizer_writes(node, func, recv, name)
        fn = self.own_method(recv, name, (CLASS,))
        if fn is not None and fn.node is not None and (is_static(fn.node) or is_classmethod(fn.node)):
            # ``SpikingNeuron.zeros(mem)``, ``SE3.exp(xi)``: a static or class method of one of our classes, called
            # on the class
            self.record_call(fn.qualname)
            result = self.call_function(fn, node, recv if is_classmethod(fn.node) else None, pos, kw)
            if result is not None:
                return result
        fn = self.own_method(recv, name, (MODULE, UNKNOWN)) if not tensors and name != "forward" else None
        if fn is not None:
            # a method of one of our classes, on an instance of it: analysed for this call
            self.record_call(fn.qualname)
            result = self.call_function(fn, node, recv, pos, kw)
            if result is not None:
                return result
        if name in ("parameters", "named_parameters") and not tensors:
            label = f"a parameter of `{dotted(func.value) or 'the model'}`"
            tree = self.module_tree(recv)
            # (``requires_grad`` set on the loop variable of a loop over them is set on each of them)
            self.params_modules[id(node)] = [o for o in tree if o.kind == MODULE]
            if name == "parameters":
                owners = frozenset(o.site for o in tree)  # its sub-modules' parameters too
                return frozenset((self.obj(PARAMS, id(node), label=label, node=node,
                                           extra=(owners,) if owners else ()),))
            if not node.args and len(recv) == 1:
                # (a loop over them runs pass by pass with each name where they are known by name,
                # ``Interpreter.unrolled_named_parameters``)
                self.named_params_lists[id(node)] = self.named_parameter_list(next(iter(recv)))
            return frozenset((self.obj(NAMED_PARAMS, id(node), label=label, node=node),))
        if name == "register_parameter" and len(pos) >= 2 and type(node.args[0].value) is cst.SimpleString:
            attr = node.args[0].value.evaluated_value
            key = dotted(func.value)
            if key is not None and isinstance(attr, str):
                s.bind(f"{key}.{attr}", pos[1])
            return EMPTY
        if name == "register_forward_hook" and not tensors and pos:
            fn_node = self.forward_hook_node(node.args[0].value, pos[0])
            writes = self.hook_output_writes(fn_node) if fn_node is not None else []
            keeps = _hook_keeps(fn_node, fn_node.params.params[-1].name.value) if fn_node is not None else None
            for o in recv:
                if o.kind == MODULE and writes:
                    self.fwd_hook_writes.setdefault(o.site, []).extend(writes)
                if o.kind == MODULE and keeps is not None:
                    self.fwd_hook_keeps.setdefault(o.site, []).append(keeps)
            return unknown(("call", id(node)))
        if name in _FULL_BACKWARD_HOOKS and not tensors:
            self.bw_hooked.update(o.site for o in recv if o.kind == MODULE)
            return unknown(("call", id(node)))
        if name == "apply" and not tensors and self.custom_function_class(recv) is not None:
            return self.custom_function_apply(node, recv, pos)
        if name in ("pop", "remove", "reverse", "sort", "clear") and recv and all(o.kind == SEQ for o in recv):
            self.forget_positions(recv)
        if name in ("update", "setdefault") and recv and all(o.kind == SEQ and o.meta == UNORDERED for o in recv):
            # ``d.update(other)`` / ``d.setdefault(k, v)`` on a dict filled item by item: it may hold those too
            if name == "update":
                added = frozenset(x for v in list(pos) + list(kw.values()) for o in v
                                  for x in (o.elems if o.kind == SEQ else (UNKNOWN_OBJ,)))
                self.grow_list(recv, added or UNKNOWN_VALUE)
                return EMPTY
            added = pos[1] if len(pos) >= 2 else UNKNOWN_VALUE
            self.grow_list(recv, added)
            return join_values(frozenset(x for o in recv for x in o.elems), added)
        if name in ("append", "extend", "insert") and recv and all(o.kind == SEQ for o in recv) and pos:
            appended: Optional[Tuple[Value, ...]] = None
            if name == "append" and len(pos) == 1:
                appended = (pos[0],)
            elif name == "extend" and len(pos) == 1 and len(pos[0]) == 1:
                appended = seq_parts(next(iter(pos[0])))
            self.grow_list(recv, self.iter_elems(pos[0], node) if name == "extend" else pos[-1], appended=appended)
            return EMPTY
        if not tensors:
            if name == "step" and any(o.kind == OPTIMIZER and o.extra for o in recv):
                self.optimizer_step(node, func, recv)
            if name == "load_state_dict" and recv and all(o.kind == MODULE for o in recv) and not all(
                    o.site in self.fresh_modules for o in recv):
                # ``model.load_state_dict(sd)`` copies into every parameter of the model in place (under no_grad)
                owners = frozenset(o.site for o in self.module_tree(recv))
                self.parameters_written(node, owners, f"`{expr_text_of(func.value)}.load_state_dict()` copies into "
                                                      f"parameters")
            if name == "save_for_backward" and self.current is not None and self.current.role == "forward":
                saved = dict(s.saved)
                for v in pos:
                    for o in v:
                        self._save(saved, o, (CTX_SAVE, node, ()))
                s.saved = saved
            if name in ("backward",):
                self.mark_used((recv,))
            if name in _inplace_names() and self.maybe_tensor(recv):
                # in-place on something of unknown type: maybe saved for backward, maybe a leaf whose .grad is used
                self.inplace(node, func.value, recv, "method", name)
                self.defer_write_on_grad_user(node, func.value, recv, "method", name)
            if name in ("forward",):
                for o in recv:
                    if o.kind == MODULE and len(recv) == 1 and o.cls in self.classes:
                        return self.call_module(node, o, pos, kw, explicit_forward=True)  # ``self.forward(x)``
                    if o.kind == MODULE:
                        return self.module_call(node, o, pos, kw)
            self.mark_used(pos)
            self.mark_used(kw.values())
            return unknown(("call", id(node)))
        if ops.is_inplace_method(name):
            operand = frozenset(o for v in list(pos) + list(kw.values()) for o in v)
            self.inplace(node, func.value, recv, "method", name, operand=operand)
            self.mark_used(pos)
            self.mark_used(kw.values())
            if name.endswith("_") and not name.startswith("_") and s.grad is True:
                args = {0: recv}
                for i, v in enumerate(pos):
                    args[i + 1] = v
                self.record_saves(node, "Tensor." + name[:-1], args, recv, f"`.{name}()`",
                                  inplace_key="Tensor." + name)
            return recv
        if name == "requires_grad_":
            flag = self.flag(node.args[0].value) if node.args else True
            self.emit(RequiresGradSet(node, func.value, recv, flag, "method", s, self.stmt))
            self.set_requires_grad(frozenset(tensors), flag)
            return recv
        if name == "retain_grad":
            s.retain = s.retain | frozenset(tensors)
            return EMPTY
        if name == "detach":
            return frozenset(self.detached_copy(o, id(node), node) for o in tensors)
        if name == "detach_" and tensors and len(tensors) == len(recv) and not pos and not kw:
            # ``log_pis.detach_()``: the tensor itself leaves the graph -- every name holding it now holds a tensor
            # without history (what was computed from it before keeps its graph)
            detached = {o: self.detached_copy(o, ("detach_", id(node), o.site), node) for o in tensors
                        if o.kind not in (LEAF, PARAM, DATA, DETACHED, GRAD)}
            if detached:
                self._replace_everywhere(detached)
            return frozenset(detached.get(o, o) for o in tensors)
        if name == "backward":
            self.mark_used((recv,))
            self.emit(BackwardCall(node, recv, self.state))
            self.stale_backward(node, recv, kw.get("inputs"))
            self.free_saved(node)
            return EMPTY
        if name in _NON_TENSOR_METHODS:
            if name in _SCALAR_METHODS:
                self.forget_saves_in(func.value)  # ``t.max().item()``: that graph's output dies at once
            return UNKNOWN_VALUE
        if name == "clone":
            used = s.used
            out = self.derived(node, (recv,), label=".clone()")
            s.used = used  # a clone alone does not make the source contribute to a loss; using the clone does
            return out
        if name in _RESHAPES:
            views = self.reshape_result(node, recv, name, f".{name}()")
            if views is not None:
                return views
        if ops.is_view_method(name) or name in ("view", "view_as"):
            multi = ops.makes_multi_output_views(name)
            tuple_of = ops.returns_views_tuple(name)
            return frozenset(self.view_of(o, node, multi=multi, how=f".{name}()", tuple_of=tuple_of) for o in tensors)
        if name in _INTEGER_CONVERSIONS and tensors and not pos and not kw and any(
                not self.surely_no_grad(o) for o in tensors):
            # ``x.long()`` of a tensor that may require grad (a floating one): a new integer tensor, which cannot
            # require grad (and holds nothing autograd saved)
            return frozenset((self.obj(LEAF, id(node), rg=False, node=node, stmt=self.stmt),))
        if name == "contiguous" and tensors and len(tensors) == len(recv) and all(
                _strided_view(o) for o in tensors):
            # ``x.transpose(1, 2).contiguous()``, ``x.narrow(-1, k, n).contiguous()``: a view that is not contiguous
            # (unless its other sizes are 1): a copy
            return self.derived(node, (recv,), label=".contiguous()", key="Tensor.contiguous",
                                args={0: recv})
        if name in _MAYBE_IDENTITY_METHODS and name not in _CONVERSION_METHODS:
            if name in _RG_KEEPING_IDENTITY_METHODS and tensors and all(self.is_rg(o) for o in tensors):
                # ``x.cpu()``, ``x.float()`` on a tensor that requires grad: ``x`` itself or a copy that requires
                # grad -- both are possible (which one depends on the device/dtype), so both are in the value
                copy = self.derived(node, (recv,), label=f".{name}()")
                if name == "cpu":
                    # (``x.cpu()`` is ``x`` itself for a tensor on the CPU: what a write into the result breaks of
                    # ``x``'s saves is said with that assumption, ``device_copies``)
                    self.device_copies.update(copy)
                return frozenset(tensors) | copy
            return self.maybe_copy_without_grad(node, recv, tensors, name)
        if name in _CONVERSION_METHODS and name != "to" or (name == "to" and not _to_is_noop(node)):
            return self.derived(node, (recv,), label=f".{name}()") | self.itself_if_inference(list(recv))
        if name == "to":
            if tensors and len(tensors) == len(recv) and all(self.is_inference(o) for o in tensors):
                # ``logits.to("cpu")`` of an inference tensor on the CPU: the inference tensor itself
                return frozenset(tensors)
            return self.maybe_copy_without_grad(node, recv, tensors, name)
        args: Dict[object, Value] = {0: recv}
        for i, v in enumerate(pos):
            args[i + 1] = v
        args.update(kw)
        return self.derived(node, [recv] + pos + list(kw.values()), label=f"`.{name}()`", key="Tensor." + name, args=args)

    def split_outputs(self, value: Value) -> bool:
        """``value`` is, on every path, an output of a function returning several views (``chunk``, ``split``,
        ``unbind``) that requires grad, with grad mode on."""
        return bool(value) and self.state is not None and self.state.grad is True and all(
            o.kind == VIEW and o.meta == MULTI_OUTPUT and self.is_rg(o) for o in value)

    def maybe_view_of_split(self, node: cst.Call, value: Value, how: str) -> Value:
        """``q.reshape(b, h, d)`` of a ``chunk`` output: torch returns a view when the new shape fits the chunk's
        strides (splitting a dimension always does; flattening a chunk of a batch of one does) and a copy otherwise.
        Taken for a view (``MAYBE_VIEW``): what writes into it breaks is said with that assumption, as a warning."""
        return frozenset(self.view_of(o, node, how=how, maybe=True) for o in value)

    def reshape_result(self, node: cst.Call, value: Value, name: str, how: str) -> Optional[Value]:
        """``value.<name>(...)`` (``reshape``, ``flatten``, ``reshape_as``): a maybe-view of a split output
        (``maybe_view_of_split``), else ``reshape_view``; None when it is taken for a copy."""
        if name in ("reshape", "flatten") and self.split_outputs(value):
            return self.maybe_view_of_split(node, value, how)
        return self.reshape_view(node, value, how)

    def reshape_view(self, node: cst.Call, value: Value, how: str) -> Optional[Value]:
        """``x.reshape(...)``/``x.flatten()``: torch returns a view of ``x`` when its strides allow (always for a
        contiguous ``x``) and a copy otherwise. A Parameter or a leaf made by a factory is contiguous: a view. The
        result of an op is contiguous unless the op kept a non-contiguous input's layout (elementwise ops on a
        transposed input do): taken for a view (``RESHAPED``), so that what a write into it breaks is said with
        that assumption, as a warning. A view (a transpose, a slice) or anything unknown: None (the caller takes it
        for a copy, as before)."""
        tensors = self.tensor_objs(value)
        if not tensors or len(tensors) != len(value) or self.state is None:
            return None
        if not all(o.kind in (PARAM, LEAF, DERIVED) for o in tensors):
            return None
        return frozenset(self.view_of(o, node, how=how, reshaped=o.kind == DERIVED) for o in tensors)

    def maybe_copy_without_grad(self, node: cst.Call, recv: Value, tensors: List[Obj], name: str) -> Value:
        """``x.float()``, ``x.contiguous()``, ``x.to("cpu")``: ``x`` itself or a copy, depending on its dtype, layout
        or device. When ``x`` surely does not require grad, the result is taken for a fresh tensor that does not
        either (a later ``requires_grad_()`` makes it a leaf that does, whichever it is); ``x`` is not given the
        facts of the result, which hold for it only when no copy was made. Otherwise nothing is known."""
        if tensors and len(tensors) == len(recv) and all(self.surely_no_grad(o) for o in tensors):
            copy = self.derived(node, (recv,), label=f".{name}()")
            if name == "cpu" and all(o.kind in (DETACHED, VIEW) for o in tensors):
                # ``x.detach().cpu()``: on the CPU the alias itself (it shares ``x``'s storage and version counter)
                self.device_copies.update(copy)
                return frozenset(tensors) | copy
            return copy | self.itself_if_inference(list(recv))
        return unknown(("maybe", id(node))) | self.itself_if_inference(list(recv))

    def itself_if_inference(self, tensors: List[Obj]) -> Value:
        """Of ``tensors`` converted outside inference mode (``.to(feats)``, ``.float()``), the inference tensors
        among them: the conversion returns such a tensor itself once it already has that device and dtype (a grid
        an earlier call converted under ``inference_mode`` and kept in an attribute)."""
        if self.state is None or self.state.infer is True:
            return EMPTY
        return frozenset(o for o in tensors if self.is_inference(o))

    def surely_no_grad(self, o: Obj) -> bool:
        """``o`` is a tensor that definitely does not require grad now (nor does the tensor it is a view of)."""
        if self.state is None or o in self.state.norg:
            return o.is_tensor
        if self.is_rg(o):
            return False
        if o.kind == VIEW:
            return o.base is not None and self.surely_no_grad(o.base)
        return o.is_tensor and o.rg is False

    def own_method(self, recv: Value, name: str, kinds: Tuple[str, ...]):
        """The method ``name`` of the one class of ours that every object of ``recv`` is (objects of ``kinds``:
        instances, or the class itself), or None."""
        classes = {o.cls for o in recv if o.kind in kinds and o.cls in self.classes}
        if len(classes) != 1 or not all(o.cls in classes for o in recv):
            return None
        return self.method_of(classes.pop(), name)

    @staticmethod
    def owners_of_params(given: Value) -> FrozenSet[object]:
        """The sites of the modules whose parameters ``given`` (an optimizer's ``params``) holds."""
        owners: Set[object] = set()
        for o in given:
            if o.kind == PARAMS and o.extra:
                owners |= o.extra[0]
            elif o.kind == SEQ:  # ``list(model.parameters())``: parameters that know their modules
                owners.update(site for x in o.elems if x.kind == PARAM and x.extra for site in x.extra[0])
        return frozenset(owners)

    def custom_optimizer_writes(self, node: cst.Call, func: cst.Attribute, recv: Value, name: str) -> None:
        """``optimizer.first_step()`` on an instance of a ``torch.optim.Optimizer`` subclass of ours (SAM's
        ``first_step``/``second_step``, a ``step``): a method that writes in place (``p.add_(e_w)``, ``p.data =
        old``) or steps writes the parameters it was built with, like ``step()`` does."""
        owners: Set[object] = set()
        for o in recv:
            if not (o.kind == UNKNOWN and o.cls in self.classes and self.classes[o.cls].is_optimizer):
                return
            owners |= self.custom_optimizer_owners.get(o.site, frozenset())
        fn = self.method_of(next(iter(recv)).cls, name) if recv else None
        if not owners or "zero_grad" in name or (name != "step" and (
                fn is None or fn.node is None or not _writes_in_place(fn.node))):
            return
        self.parameters_written(node, frozenset(owners), f"`{expr_text_of(func.value)}.{name}()` updates parameters")

    def optimizer_step(self, node: cst.Call, func: cst.Attribute, recv: Value) -> None:
        """``opt.step()`` writes the parameters of its modules in place: every live graph that saved some of them
        can no longer be backpropagated."""
        owners: Set[object] = set()
        for o in recv:
            if o.kind == OPTIMIZER and o.extra:
                owners |= o.extra[0]
        self.parameters_written(node, frozenset(owners), f"`{expr_text_of(func.value)}.step()` updates parameters")

    def parameters_written(self, node: cst.Call, owners: FrozenSet[object], what: str) -> None:
        """``node`` writes in place the parameters of the modules at ``owners`` (an optimizer step, a
        ``load_state_dict``; ``what`` says so in the message): every live graph that saved some of them can no
        longer be backpropagated."""
        s = self.state
        # the ops that saved one of those parameters themselves (``torch.norm(w)`` for ``w`` in
        # ``model.parameters()``), not through a layer: a graph holding one of them saved it too
        by_save: Dict[int, object] = {}
        if owners and self.graph_nodes:
            for root, records in s.saved.items():
                if root.kind == PARAM:
                    hit = self.param_owner_sites(root) & owners
                    if hit:
                        site = next(iter(sorted(hit, key=str)))
                        for r in records:
                            by_save.setdefault(id(r[1]), site)
        # (what instances hold counts too: ``model.penalty`` built in ``__init__`` and added to every loss; and
        # what the callers hold: a helper ``update_params(optim, loss)`` steps while the caller keeps another loss
        # built on the same graph)
        held = [*s.env.values(), *(v for attrs in (*self.instance_attrs.values(), *self.later_attrs.values())
                                   for v in attrs.values()),
                *(v for caller in self.caller_states for v in caller.env.values())]
        for value in held:
            for o in _with_elements(value):
                hit = self.saved_modules(o) & owners
                if not hit and by_save:
                    ids = self.graph_nodes.get(o.root(), ())
                    hit = frozenset(by_save[i] for i in ids if i in by_save)
                if not hit:
                    continue
                # one entry per step that wrote what the graph saved (two optimizers stepped in turn: both are wrong)
                steps = s.stale.get(o, ())
                if not any(step is node and not when for step, _, _, when in steps):
                    steps = tuple(e for e in steps if e[0] is not node)
                    s.stale[o] = steps + ((node, what, next(iter(sorted(hit, key=str))), ()),)

    def stale_backward(self, node: cst.Call, value: Value, inputs: Optional[Value] = None) -> None:
        """A backward through graphs an optimizer step made stale. With ``inputs=`` the parameters of known modules
        (``loss.backward(inputs=list(disc.parameters()))``), autograd only walks the part of the graph that leads
        to them: a step of other modules is not reported (their saved weights may lie on that part only when an op
        mixes them in after those modules, which is rare)."""
        s = self.state
        if s is None or not s.stale or not value:
            return
        entries = [s.stale.get(o) for o in value]
        if all(e is not None for e in entries):
            wanted = self.parameter_owners(inputs) if inputs is not None else None
            for step, optimizer, site, when in entries[0]:
                if wanted is None or site in wanted:
                    self.emit(StepBetweenGraphAndBackward(node, value, step, optimizer, when))

    def param_owner_sites(self, o: Obj) -> FrozenSet[object]:
        """The sites of the modules that parameter ``o`` is known to belong to: its layer (``(site, "weight")``),
        the modules of ``m.parameters()`` for one of its elements, the owners an element carries."""
        if o.extra and isinstance(o.extra[0], frozenset):
            return o.extra[0]
        if isinstance(o.site, tuple) and len(o.site) == 2:
            if o.site[0] == "elem":
                return frozenset(m.site for m in self.params_modules.get(o.site[1], ()))
            if isinstance(o.site[1], str):
                return frozenset((o.site[0],))
        return frozenset()

    def parameter_owners(self, value: Value) -> Optional[FrozenSet[object]]:
        """The sites of the modules whose parameters ``value`` holds (``model.parameters()``,
        ``list(model.parameters())``, ``[model.weight]``), when it holds parameters of known modules only."""
        owners: Set[object] = set()
        for o in value:
            if o.kind == PARAMS and o.extra:
                owners |= o.extra[0]
            elif o.kind == SEQ and o.elems and all(x.kind == PARAM for x in o.elems):
                for x in o.elems:
                    if x.extra:
                        owners |= x.extra[0]
                    elif isinstance(x.site, tuple) and len(x.site) == 2 and isinstance(x.site[1], str):
                        owners.add(x.site[0])  # ``[disc.weight]``: a parameter of that layer
                    else:
                        return None
            else:
                return None
        return frozenset(owners) if owners else None

    def data_alias(self, o: Obj) -> Obj:
        """``o.data``: the storage of ``o`` (of what ``o`` is ``.data`` of), without autograd tracking."""
        return self.obj(DATA, None, base=o.base if o.kind == DATA else o, rg=False)

    def detached_copy(self, o: Obj, site: object, node, stmt=None) -> Obj:
        """``o.detach()`` made at ``site``: a leaf sharing the storage (and version counter) of ``o``'s root."""
        return self.obj(DETACHED, site, rg=False, base=o.root(), origin=self.copy_origin(o), node=node,
                        stmt=self.stmt if stmt is None else stmt)

    def copy_origin(self, o: Obj) -> FrozenSet[Obj]:
        """For ``x.detach()`` / ``x.clone().detach()``: the tensors whose values were copied."""
        if o.kind in (LEAF, PARAM):
            return frozenset((o,))
        if o.kind == DERIVED:
            return o.origin
        if o.kind == VIEW and o.base is not None:
            return self.copy_origin(o.base)
        return frozenset()

    def qual_call(self, node: cst.Call, q: str) -> Value:
        pos, kw = self.eval_args(node)
        s = self.state
        if s is None:
            return UNKNOWN_VALUE
        args = node.args
        if q in _GLOBAL_FULL_BACKWARD_HOOKS:
            self.bw_hooked_all = True
            return unknown(("call", id(node)))
        if q == "types.SimpleNamespace" and not pos and not any(a.star for a in args):
            # ``SimpleNamespace(hidden_size=16)``: an object with exactly those attributes (``hasattr`` decided)
            ns = self.obj(UNKNOWN, ("namespace", id(node)), cls=q, node=node)
            known = self.namespace_attrs.get(ns.site, {})
            self.namespace_attrs[ns.site] = {k: join_values(known.get(k, EMPTY), v) for k, v in kw.items()}
            return frozenset((ns,))
        if q == "itertools.chain" and pos and not kw and not any(a.star for a in args) and all(
                v and all(o.kind == PARAMS for o in v) for v in pos):
            # ``itertools.chain(g1.parameters(), g2.parameters())`` for one optimizer: the parameters of both
            owners = frozenset(site for v in pos for o in v if o.extra for site in o.extra[0])
            label = " and ".join(dict.fromkeys(o.label for v in pos for o in v if o.label))
            return frozenset((self.obj(PARAMS, id(node), label=label or "a parameter", node=node,
                                       extra=(owners,) if owners else ()),))
        if q in _REPARAMETRIZE and pos and pos[0] and all(o.kind == MODULE for o in pos[0]):
            # ``nn.utils.spectral_norm(nn.Conv2d(...))`` returns the module it reparametrizes (its weight is then
            # computed from new parameters of the same module in each forward)
            return pos[0]
        if q in ("copy.deepcopy", "copy.copy") and len(pos) == 1 and len(pos[0]) == 1 and not kw and all(
                o.kind == SEQ and seq_parts(o) is not None and not any(x.is_tensor or x.kind == MODULE for x in o.elems)
                for o in pos[0]):
            # ``copy.deepcopy(list(n_neurons))``: a copy of a list of constants, known position by position like it
            return pos[0]
        if q == "copy.deepcopy" and len(pos) == 1 and pos[0] and all(o.kind == MODULE for o in pos[0]):
            # a copy of a module (``get_clones``: ``nn.ModuleList([copy.deepcopy(layer) for _ in range(n)])``, a
            # target network ``tgt = copy.deepcopy(net)``) is built like it and runs like it, with parameters and
            # buffers of its own
            memo: Dict[Obj, Obj] = {}
            return frozenset(self.copied(node, o, memo) for o in pos[0])
        if q == "copy.copy" and len(pos) == 1 and pos[0] and all(o.kind == MODULE for o in pos[0]):
            return pos[0]  # (a shallow copy shares its parameters and sub-modules)
        if q == "torch.nn.Parameter" or q == "torch.autograd.Variable":
            flag = True if q == "torch.nn.Parameter" else False
            for a in args:
                if a.keyword is not None and a.keyword.value == "requires_grad":
                    flag = self.flag(a.value)
            if q == "torch.nn.Parameter" and len(args) > 1 and args[1].keyword is None:
                flag = self.flag(args[1].value)
            label = "nn.Parameter(...)" if q == "torch.nn.Parameter" else "Variable(...)"
            if q == "torch.nn.Parameter" and pos and args and args[0].keyword is None:
                self.emit(RequiresGradSet(node, args[0].value, pos[0], flag, "parameter", s, self.stmt))
            site = self.alloc_site(id(node))  # (one per instance whose ``__init__`` makes it)
            self.created_sites.add(site)
            origin = frozenset(o for o in (pos[0] if pos else EMPTY) if self.is_rg(o) and o.is_tensor)
            return frozenset((self.obj(LEAF, site, rg=flag, label=label, node=node, stmt=self.stmt,
                                       origin=frozenset(origin)),))
        if ops.is_factory(q) and "out" not in kw:
            flag: Optional[bool] = False
            for a in args:
                if a.keyword is not None and a.keyword.value == "requires_grad":
                    flag = self.flag(a.value)
            short = q.split(".")[-1]
            label = f"{short}(..., requires_grad=True)" if flag else f"{short}(...)"
            site = self.alloc_site(id(node))  # (one buffer per instance whose ``__init__`` makes it)
            self.created_sites.add(site)
            origin: FrozenSet[Obj] = frozenset()
            if short in ("tensor", "as_tensor") and pos:
                origin = frozenset(o for o in pos[0] if o.is_tensor and o.kind in (LEAF, PARAM) and self.is_rg(o))
            return frozenset((self.obj(LEAF, site, rg=flag, label=label, node=node, stmt=self.stmt, origin=origin),))
        if q.startswith("torch.nn.") and q[9:10].isupper() and "." not in q[9:]:
            site = self.alloc_site(id(node))  # (one module per instance whose ``__init__`` builds it)
            extra = []
            for a in args:
                if a.keyword is None:
                    continue
                kname = a.keyword.value
                if kname == "bias" and self.flag(a.value) is False:
                    extra.append("bias")
                if kname in _NO_AFFINE_FLAGS and self.flag(a.value) is False:
                    extra += ["weight", "bias"]
                if kname == "inplace" and self.flag(a.value) is True:
                    extra.append("inplace")
                if kname == "max_norm" and q in _RENORM_EMBEDDINGS and literal_value(a.value) is not None:
                    extra.append("max_norm")  # each lookup renormalises the rows it reads, in place
            if q in _DROPOUTS:
                p_arg = next((a.value for a in args if a.keyword is not None and a.keyword.value == "p"), None)
                if p_arg is None and args and args[0].keyword is None and not args[0].star:
                    p_arg = args[0].value
                if p_arg is not None and self.const(p_arg) in (0, 0.0) and type(self.const(p_arg)) in (int, float):
                    extra.append("p0")  # ``nn.Dropout(p=0.0)`` returns its input itself
            if q == "torch.nn.Sequential":
                self.seq_layers.pop(site, None)
                self.seq_unordered.pop(site, None)
                layer_args = self.sequential_layers(node)
                if layer_args is not None and layer_args[0] is None:  # only the set of its layers is known
                    held = frozenset(x for x in layer_args[1][0] if x.kind == MODULE)
                    self.seq_unordered[site] = layer_args[1][0]
                    n_param = _param_layers([frozenset((x,)) for x in held])
                    if n_param:
                        extra.append("has_param")  # its output requires grad; which layers save what is not known
                    if n_param >= 2:
                        # (in some order: every parameterised layer after the first sees an input that requires
                        # grad, and saves its parameters)
                        extra.append("multi_param")
                    args, pos = [], []
                elif layer_args is not None:
                    args, pos = layer_args
            if q == "torch.nn.Sequential" and len(pos) > 1:
                self.emit(LayersInSequence(node, tuple((a.value, v) for a, v in zip(args, pos) if a.keyword is None)))
            if q == "torch.nn.Sequential" and site not in self.seq_unordered and all(
                    a.keyword is None and not a.star for a in args):
                # (no argument: layers come from ``append``/``add_module``, ``add_layer``)
                self.seq_layers[site] = tuple((a.value, v) for a, v in zip(args, pos))
            if q == "torch.nn.ModuleDict":
                self.module_dicts[site] = self.module_dict_entries(args)
            if q in ("torch.nn.Sequential", "torch.nn.ModuleList") and pos and _param_layers(pos) >= 2:
                extra.append("multi_param")
            if q == "torch.nn.Sequential" and pos and any(
                o.kind == MODULE and ("inplace" in o.extra or "inplace_first" in o.extra) for o in pos[0]
            ):
                extra.append("inplace_first")
            self.created_sites.add(id(node))
            held = EMPTY
            given = pos[0] if pos else kw.get("modules", EMPTY)
            if q == _MODULE_LIST:
                # the modules it holds (``Obj.elems``; ``append``/``extend``/``insert`` add to them)
                held = frozenset(x for o in given for x in (o.elems if o.kind == SEQ else UNKNOWN_VALUE))
                held = held if len(held) <= MAX_VALUE_SIZE else UNKNOWN_VALUE
            idx = ops.inplace_module_kwarg(q)
            if idx is not None and len(args) > idx and args[idx].keyword is None and self.flag(args[idx].value) is True:
                extra.append("inplace")
            made = self.obj(MODULE, site, cls=q, node=node, extra=tuple(sorted(set(extra))), elems=held)
            if q == _MODULE_LIST:
                parts = seq_parts(next(iter(given))) if len(given) == 1 else (() if not given else None)
                if parts is not None and (held or not given):
                    self.module_list_order[made] = tuple(parts)  # ``layers[0]``: the first module given
            return frozenset((made,))
        if ops.is_no_grad_function(q):
            return pos[0] if pos else UNKNOWN_VALUE
        out_kw = kw.get("out")
        if out_kw is not None and q.startswith("torch."):
            out_node = next(a.value for a in args if a.keyword is not None and a.keyword.value == "out")
            if self.tensor_objs(out_kw):
                self.inplace(node, out_node, out_kw, "out", f"{q.split('.')[-1]}(out=...)")
            self.mark_used(pos)
            return out_kw
        target_idx = ops.inplace_function_target(q)
        if target_idx is not None and len(pos) > target_idx:
            if self.maybe_tensor(pos[target_idx]):
                self.inplace(node, args[target_idx].value, pos[target_idx], "function", q.split(".")[-1])
                if s.grad is True and q.endswith("_"):
                    self.record_saves(node, q[:-1], dict(enumerate(pos)), pos[target_idx], f"`{_short(q)}`",
                                      inplace_key=q if target_idx == 0 else None)
            return pos[target_idx]
        ikw = ops.inplace_kwarg(q)
        if ikw is not None and pos:
            pname, pidx = ikw
            flag = None
            for a in args:
                if a.keyword is not None and a.keyword.value == pname:
                    flag = self.flag(a.value)
            if flag is None and len(args) > pidx and args[pidx].keyword is None:
                flag = self.flag(args[pidx].value)
            if flag is True and self.maybe_tensor(pos[0]):
                self.inplace(node, args[0].value, pos[0], "inplace_kwarg", f"{q.split('.')[-1]}(..., inplace=True)")
                if s.grad is True:
                    self.record_saves(node, q, {0: pos[0]}, pos[0], f"`{_short(q)}(inplace=True)`",
                                      inplace_key=q)
                return pos[0]
        first = (args[0] if pos and args[0].keyword is None else
                 next((a for a in args if a.keyword is not None and a.keyword.value == "params"), None))
        if (q.startswith("torch.optim.") and q.count(".") == 2 and q.split(".")[-1][:1].isupper()
                and first is not None and not first.star):
            given = pos[0] if first.keyword is None else kw.get("params", EMPTY)  # (``params=...``)
            self.emit(TensorsGivenToOptimizer(node, first.value, given, s, self.stmt))
            owners = self.owners_of_params(given)
            label = dotted(first.value.func.value) if (
                type(first.value) is cst.Call and type(first.value.func) is cst.Attribute) else None
            return frozenset((self.obj(OPTIMIZER, id(node), node=node, cls=label or "",
                                       extra=(frozenset(owners),) if owners else ()),))
        if q in ("torch.autograd.grad", "torch.autograd.backward"):
            self.mark_used(pos)
            self.emit(BackwardCall(node, pos[0] if pos else EMPTY, s))
            inputs = pos[1] if q == "torch.autograd.grad" and len(pos) > 1 else kw.get("inputs")
            self.stale_backward(node, pos[0] if pos else EMPTY, inputs)
            self.free_saved(node)
            return UNKNOWN_VALUE
        if q == "torch.detach" and pos:
            return frozenset(self.detached_copy(o, id(node), node) for o in self.tensor_objs(pos[0]))
        if q in ("torch.reshape", "torch.flatten") and pos:
            views = self.reshape_result(node, pos[0], q.split(".")[-1], q + "()")
            if views is not None:
                return views
        if ops.is_view_function(q) and pos and self.tensor_objs(pos[0]):
            multi = ops.makes_multi_output_views(q)
            tuple_of = ops.returns_views_tuple(q)
            return frozenset(self.view_of(o, node, multi=multi, how=f"{q}()", tuple_of=tuple_of)
                             for o in self.tensor_objs(pos[0]))
        if q.startswith("torch.") and not q.startswith(("torch.nn.init", "torch.distributed", "torch.cuda", "torch.utils")):
            tensor_inputs = [v for v in pos + list(kw.values())
                             if self.tensor_objs(v) or any(o.kind == SEQ and self.tensor_objs(o.elems) for o in v)]
            if tensor_inputs:
                if q == "torch.einsum" and len(pos) == 2 and len(pos[1]) == 1 and not kw:
                    operands = next(iter(pos[1]))
                    parts = seq_parts(operands)
                    if operands.kind == SEQ and parts is not None:
                        # ``torch.einsum(eq, [q, k])``: the operands given as a list, as if one by one
                        pos = [pos[0]] + list(parts)
                args = dict(enumerate(pos))
                args.update(kw)
                return self.derived(node, pos + list(kw.values()), label=f"`{_short(q)}`", key=q, args=args)
            return unknown(("call", id(node)))
        self.mark_used(pos)
        self.mark_used(kw.values())
        return unknown(("call", id(node)))


# what a recurrent module's call returns (``TorchSemantics.rnn_outputs``); ``GRUCell``/``RNNCell`` return one tensor
_RNN_RESULTS = {"torch.nn.LSTM": "nested", "torch.nn.GRU": "pair", "torch.nn.RNN": "pair", "torch.nn.LSTMCell": "cell"}


def _forward_view_outputs(cls_node: cst.ClassDef) -> Optional[Tuple[Optional[int], ...]]:
    """What the ``forward`` of an autograd.Function class returns, output by output: the index (in ``apply``'s
    arguments) of the input it returns as-is or a view of (``return x``, ``return x.view(-1)``, ``return x[0]``),
    ``INTERNAL_VIEW`` / ``INTERNAL_MAYBE_VIEW`` for a view of a tensor it computed (``_output_view``),
    or None for anything else. None when no output is such a view, when returns disagree, or when ``forward``
    marks the input dirty (then torch treats it as an in-place output, not a view)."""
    forward = class_method(cls_node, "forward")
    if forward is None:
        return None
    params = [p.name.value for p in forward.params.params]
    if is_static(forward):
        params = params[1:]  # ctx
    else:
        params = params[2:] if len(params) >= 2 else []  # self/cls, ctx: not the usual shape; be careful
    finder = _Returns()
    forward.body.visit(finder)
    if not finder.returns or mark_dirty_names(forward) & set(params):
        return None
    shapes = set()
    local = bound_names(forward) - set(params)
    once = {**_last_straight_bindings(forward, len(finder.returns)), **_bound_once(forward)}
    for ret in finder.returns:
        elements = ret.elements if type(ret) is cst.Tuple else [ret]
        exprs = [e.value if type(e) is cst.Element else e for e in elements]
        # ``tensor3 = tensor2.t()`` ... ``return tensor3``: what that one assignment gave the name
        exprs = [once.get(e.value, e) if type(e) is cst.Name and e.value not in params else e for e in exprs]
        shapes.add(tuple(_output_view(e, params, local) for e in exprs))
    if len(shapes) != 1:
        return None
    shape = shapes.pop()
    return shape if any(i is not None for i in shape) else None


class _Bindings(cst.CSTVisitor):
    """How often each name is bound in a function body (not in nested functions), and the value of each plain
    ``name = value``."""

    def __init__(self) -> None:
        self.count: Dict[str, int] = {}
        self.value: Dict[str, cst.BaseExpression] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def _bind(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression] = None) -> None:
        if type(target) is cst.Name:
            self.count[target.value] = self.count.get(target.value, 0) + 1
            if value is not None:
                self.value[target.value] = value
        elif type(target) in (cst.Tuple, cst.List):
            for el in target.elements:
                self._bind(el.value)
        elif type(target) is cst.StarredElement:
            self._bind(target.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind(t.target, node.value if len(node.targets) == 1 else None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)


def _bound_once(fn: cst.FunctionDef) -> Dict[str, cst.BaseExpression]:
    """The names ``fn`` binds exactly once, by a plain ``name = value``: their values."""
    finder = _Bindings()
    fn.body.visit(finder)
    return {name: value for name, value in finder.value.items() if finder.count.get(name) == 1}


def _last_straight_bindings(fn: cst.FunctionDef, returns: int) -> Dict[str, cst.BaseExpression]:
    """For a function whose body ends with its only ``return`` (``returns``: how many it has), reached by
    straight-line code: the value of the last plain ``name = value`` of each name at the top level of its body
    (``out = x.add(v)`` then ``out = out.clone().transpose(-1, 1)``: the second), when no ``if``/loop/``with``/``try``
    after it binds the name again. Else nothing."""
    stmts = body_statements(fn.body)
    last = stmts[-1] if stmts else None
    if returns != 1 or not (isinstance(last, (cst.SimpleStatementLine, SuiteLine)) and any(
            type(small) is cst.Return for small in last.body)):
        return {}
    out: Dict[str, cst.BaseExpression] = {}
    for st in stmts:
        simple = isinstance(st, (cst.SimpleStatementLine, SuiteLine))
        for part in (st.body if simple else (st,)):
            if type(part) is cst.Assign and len(part.targets) == 1 and type(part.targets[0].target) is cst.Name:
                out[part.targets[0].target.value] = part.value
                continue
            inner = _Bindings()
            part.visit(inner)
            for name in inner.count:
                out.pop(name, None)
    return out


def _forward_dirty_output(cls_node: cst.ClassDef) -> Optional[int]:
    """The index (in ``apply``'s arguments) of the input the ``forward`` of an autograd.Function class marks dirty
    (``ctx.mark_dirty(x)``) and returns as-is (``return x``) as its only output, on every return; else None."""
    forward = class_method(cls_node, "forward")
    if forward is None or not is_static(forward):
        return None
    params = [p.name.value for p in forward.params.params][1:]
    finder = _Returns()
    forward.body.visit(finder)
    returned = {r.value for r in finder.returns if type(r) is cst.Name}
    if len(returned) != 1 or not all(type(r) is cst.Name for r in finder.returns):
        return None
    name = returned.pop()
    if name not in params or name not in mark_dirty_names(forward) or name in bound_names(forward):
        return None
    return params.index(name)


def _forward_saved_inputs(cls_node: cst.ClassDef) -> Tuple[int, ...]:
    """The indices (in ``apply``'s arguments) of the inputs the ``forward`` of an autograd.Function class passes as
    they are to ``ctx.save_for_backward`` (``ctx.save_for_backward(cos, sin)``), never rebinding them first."""
    forward = class_method(cls_node, "forward")
    if forward is None or not is_static(forward) or forward.params.star_arg not in (None, cst.MaybeSentinel.DEFAULT):
        return ()
    params = [p.name.value for p in forward.params.params]
    if len(params) < 2:
        return ()
    ctx_name, params = params[0], params[1:]
    names = ctx_call_names(forward, "save_for_backward", receiver=ctx_name, starred=False) - bound_names(forward)
    return tuple(sorted(params.index(x) for x in names if x in params))


# what a custom Function's ``forward`` returns that is a view of a tensor it computed itself (``return out.view(-1)``),
# and what is one for some inputs only (``F.linear(x, w, b)``: a view of its 2-D product unless ``x`` is 2-D)
INTERNAL_VIEW = -1
INTERNAL_MAYBE_VIEW = -2
_LINEAR = ("F.linear", "torch.nn.functional.linear", "nn.functional.linear", "functional.linear")


def _output_view(expr: cst.BaseExpression, params: List[str], local: Set[str]) -> Optional[int]:
    """What an output of a custom Function's ``forward`` is: the index of the input it returns as-is or a view of
    (``return x``, ``return x.view(-1)``, ``return x[0]``), ``INTERNAL_VIEW`` for a view of a tensor ``forward``
    made (a view method or an index of a name it bound), ``INTERNAL_MAYBE_VIEW`` for ``F.linear`` given a bias
    (torch computes an input that is not 2-D as 2-D and returns a view of the product), else None."""
    viewed = _viewed_name(expr)
    if viewed is not None:
        name, is_view = viewed
        if name in params:
            return params.index(name)
        if is_view and name in local:
            return INTERNAL_VIEW
    if type(expr) is cst.Call and type(expr.func) is cst.Attribute and type(expr.func.value) in (
            cst.Call, cst.BinaryOperation) and (ops.is_view_method(expr.func.attr.value) or expr.func.attr.value in (
            "view", "view_as")) and not ops.makes_multi_output_views(expr.func.attr.value):
        # ``return (x * 3).view(-1)``, ``return torch.tensor(z).view(-1)``: a view of a tensor it computed
        return INTERNAL_VIEW
    if type(expr) is cst.Call and dotted(expr.func) in _LINEAR and not any(a.star for a in expr.args):
        positional = [a for a in expr.args if a.keyword is None]
        bias = positional[2].value if len(positional) > 2 else next(
            (a.value for a in expr.args if a.keyword is not None and a.keyword.value == "bias"), None)
        if bias is not None and not (type(bias) is cst.Name and bias.value == "None"):
            return INTERNAL_MAYBE_VIEW
    return None


def _viewed_name(expr: cst.BaseExpression) -> Optional[Tuple[str, bool]]:
    """The name ``expr`` is (``x``: ``("x", False)``) or a single view of (``x.view(-1)``, ``x[0]``: ``("x",
    True)``), or None."""
    if type(expr) is cst.Name:
        return expr.value, False
    if type(expr) is cst.Call and type(expr.func) is cst.Attribute and type(expr.func.value) is cst.Name:
        name = expr.func.attr.value
        if (ops.is_view_method(name) or name in ("view", "view_as")) and not ops.makes_multi_output_views(name):
            return expr.func.value.value, True
    if type(expr) is cst.Subscript and type(expr.value) is cst.Name and all(
            type(el.slice) is cst.Index and type(el.slice.value) is cst.Integer or type(el.slice) is cst.Slice
            for el in expr.slice):
        return expr.value.value, True
    return None


class _Returns(cst.CSTVisitor):
    """The values of the ``return`` statements of a function body (not of nested functions)."""

    def __init__(self) -> None:
        self.returns: List[cst.BaseExpression] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.returns.append(node.value)


# methods whose result shares the storage of the tensor they are called on (a kept ``output.detach()`` changes with it)
_SHARING_METHODS = frozenset({"detach", "view", "view_as", "squeeze", "unsqueeze", "permute", "transpose", "t",
                              "flatten", "contiguous", "narrow", "expand", "expand_as", "unflatten"})


def _shares_storage_of(expr: cst.BaseExpression, name: str, aliases: Set[str]) -> bool:
    """``expr`` is ``name`` (or one of ``aliases``), or a chain of ``.data``, ``.detach()``, views and integer or
    slice indexing of it: a tensor sharing its storage."""
    while True:
        if type(expr) is cst.Name:
            return expr.value == name or expr.value in aliases
        if type(expr) is cst.Attribute and expr.attr.value == "data":
            expr = expr.value
        elif type(expr) is cst.Call and type(expr.func) is cst.Attribute \
                and expr.func.attr.value in _SHARING_METHODS:
            expr = expr.func.value
        elif type(expr) is cst.Subscript and all(
                type(el.slice) is cst.Slice or type(el.slice) is cst.Index and type(el.slice.value) is cst.Integer
                for el in expr.slice):
            expr = expr.value
        else:
            return False


def _hook_small_statements(fn: cst.FunctionDef):
    """The small statements of a hook's body in order, with the CST statement each belongs to (as the interpreter
    keeps it), through ``if``/``for``/``while``/``with``/``try`` blocks but not nested functions."""
    def walk(statements):
        for line in statements:
            stmt = line.node if type(line) is SuiteLine else line
            if isinstance(line, (cst.SimpleStatementLine, SuiteLine)):
                for small in line.body:
                    yield small, stmt
            elif type(stmt) in (cst.If, cst.For, cst.While, cst.With, cst.Try):
                yield from walk(children_statements(stmt))

    return walk(body_statements(fn.body))


def _appends_sharing(expr: cst.BaseExpression, name: str, aliases: Set[str]) -> bool:
    """``expr`` is ``xs.append(v)`` / ``xs.insert(i, v)`` with ``v`` sharing the storage of ``name``."""
    return type(expr) is cst.Call and type(expr.func) is cst.Attribute \
        and expr.func.attr.value in ("append", "insert") and bool(expr.args) \
        and _shares_storage_of(expr.args[-1].value, name, aliases)


def _hook_keeps(fn: "cst.FunctionDef | cst.Lambda", name: str) -> Optional[cst.CSTNode]:
    """The statement of a forward hook's body that keeps its ``output`` (the parameter ``name``), a view of it or
    its ``.detach()``/``.data``, where it outlives the call: appended to a list, stored by item or attribute
    assignment, or bound to a ``nonlocal``/``global`` name; None when the hook keeps no such tensor (it clones,
    reduces or copies it first)."""
    if type(fn) is cst.Lambda:
        return fn.body if _appends_sharing(fn.body, name, set()) else None
    outer: Set[str] = set()
    aliases: Set[str] = set()
    for small, _ in _hook_small_statements(fn):
        if type(small) in (cst.Nonlocal, cst.Global):
            outer.update(n.name.value for n in small.names)
        elif type(small) is cst.Assign:
            sharing = _shares_storage_of(small.value, name, aliases)
            for t in small.targets:
                target = t.target
                if sharing and (type(target) in (cst.Subscript, cst.Attribute) or (
                        type(target) is cst.Name and target.value in outer)):
                    return small
                if type(target) is cst.Name:
                    if sharing:
                        aliases.add(target.value)  # ``activation = output``
                    else:
                        aliases.discard(target.value)
        elif type(small) is cst.Expr and _appends_sharing(small.value, name, aliases):
            return small
    return None


def _writes_into(fn: "cst.FunctionDef | cst.Lambda", name: str) -> List[Tuple]:
    """In-place writes into the parameter ``name`` in the body of ``fn`` (not in nested functions, and only while
    ``name`` is not rebound): ``(node, stmt, via, op, target)``, ``via`` "hook" for all of them."""
    found: List[Tuple] = []

    def method_write(expr, stmt) -> None:
        if type(expr) is cst.Call and type(expr.func) is cst.Attribute \
                and type(expr.func.value) is cst.Name and expr.func.value.value == name:
            if ops.is_inplace_method(expr.func.attr.value):
                found.append((expr, stmt, "hook", expr.func.attr.value, expr.func.value))
            elif expr.func.attr.value == "requires_grad_" and (
                    not expr.args or literal_value(expr.args[0].value) is True):
                # ``output.requires_grad_(True)`` (transformers' ``enable_input_require_grads``): not a write; the
                # output requires grad from then on (``run_forward_hooks``)
                found.append((expr, stmt, REQUIRES_GRAD_HOOK, "requires_grad_", expr.func.value))

    if type(fn) is cst.Lambda:
        method_write(fn.body, None)
        return found
    for small, stmt in _hook_small_statements(fn):
        if type(small) is cst.Expr:
            method_write(small.value, stmt)
        elif type(small) is cst.AugAssign and type(small.target) is cst.Name and small.target.value == name:
            found.append((small, stmt, "hook", small.operator.__class__.__name__, small.target))
        elif type(small) is cst.Assign:
            for t in small.targets:
                if type(t.target) is cst.Subscript and type(t.target.value) is cst.Name \
                        and t.target.value.value == name:
                    found.append((small, stmt, "hook", "[]=", t.target.value))
                elif type(t.target) is cst.Name and t.target.value == name:
                    return found  # rebound: later writes are into something else
    return found


_STRIDED_VIEW_METHODS = frozenset(("transpose", "permute", "t", "mT", "movedim", "moveaxis", "swapaxes", "swapdims",
                                   "expand", "expand_as", "unfold", "diagonal"))


def _strided_view(o: Obj) -> bool:
    """``o`` is a view that reorders or strides its base's elements (``x.transpose(1, 2)``, ``x.permute(...)``,
    ``x.expand(...)``, ``x.narrow(d, k, n)`` with ``d`` not 0): not contiguous in a realistic shape, so
    ``.contiguous()`` copies it."""
    node = o.node
    if o.kind != VIEW or type(node) is not cst.Call or type(node.func) is not cst.Attribute:
        return False
    name = node.func.attr.value
    if name in _STRIDED_VIEW_METHODS:
        return True
    if name == "narrow" and node.args and node.args[0].keyword is None:
        dim = literal_value(node.args[0].value)
        return type(dim) is int and dim != 0
    return False


def _with_elements(value: Value, depth: int = 3) -> Iterable[Obj]:
    """The objects of ``value`` and, of the lists and tuples among them, their elements (``surrogates.append(
    ratio * advantage)``: the list holds those graphs), ``depth`` levels down."""
    for o in value:
        yield o
        if o.kind == SEQ and o.elems and depth > 0:
            yield from _with_elements(o.elems, depth - 1)


def _argument_expressions(node, key: str) -> Dict[int, cst.BaseExpression]:
    """The expressions of an op's tensor arguments by index, as ``record_saves`` numbers them: the operands of a
    binary operator; the receiver then the positional arguments of a ``Tensor.`` method; the positional arguments of
    a function."""
    if type(node) is cst.BinaryOperation:
        return {0: node.left, 1: node.right}
    if type(node) is cst.Call:
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if key.startswith("Tensor.") and type(node.func) is cst.Attribute:
            return dict(enumerate([node.func.value] + positional))
        return dict(enumerate(positional))
    return {}


def _root_name(node: cst.BaseExpression, dotted_names: bool = False) -> Optional[str]:
    """The name an expression writes through: ``x`` of ``x``, ``x[i]``, ``x[i][j]`` (``dotted_names``: also
    ``self.buf`` of ``self.buf[i]``); None for anything else."""
    while type(node) is cst.Subscript:
        node = node.value
    if dotted_names:
        return dotted(node)
    return node.value if type(node) is cst.Name else None


def _writes_in_place(fnode: cst.FunctionDef) -> bool:
    """``fnode``'s body calls an in-place tensor method of the op table (``p.add_(...)``, ``p.copy_(...)``; not a
    gradient's ``zero_()``), a ``step()``, or assigns ``.data``."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            nonlocal found
            f = call.func
            if type(f) is cst.Attribute and (ops.is_inplace_method(f.attr.value) and f.attr.value != "zero_"
                                             or f.attr.value == "step"):
                found = True

        def visit_AssignTarget(self, t: cst.AssignTarget) -> None:
            nonlocal found
            if type(t.target) is cst.Attribute and t.target.attr.value == "data":
                found = True

    fnode.body.visit(Finder())
    return found
