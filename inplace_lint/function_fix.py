"""``--fix-with function``: turn a chain "op that saved its result or input -> in-place writes" into a
``torch.autograd.Function`` whose ``forward`` keeps the writes in place and whose ``backward`` is right.

Two chain kinds are recognised, both as consecutive statements of one block:

* **result chain**: ``h = OP(...)`` (OP saved its result, or its inputs) followed by in-place writes into ``h``
  (``h.mul_(2)``, ``h += b``, ``h[0] = 0``, ``h = F.relu(h, inplace=True)``, ``torch.relu_(h)``...). The Function
  returns ``h``; the call site becomes ``h = Name.apply(inputs...)``.
* **input chain**: ``y = OP(x, ...)`` (OP saved ``x``) followed by in-place writes into ``x``. The Function writes
  its input, calls ``ctx.mark_dirty(x)`` and returns ``(y, x)``; the call site becomes ``y, x = Name.apply(...)``.

The backward is one of

* **closed form**, when OP is an elementwise unary op with a formula from torch's ``derivatives.yaml`` (the op table's
  ``derivatives``, verified against autograd by ``tools/generate_ops.py``) and every write is one whose local
  derivative is known and that can be undone or needs no undoing: ``mul_``/``div_`` by a non-zero number,
  ``add_``/``sub_`` of a number, ``neg_``, an in-place ``relu``, an index write of a number at literal indices.
  ``forward`` saves only the final buffer (the output: no extra memory) and, for formulas of ``self``, the input;
  ``backward`` walks the writes backwards, undoing them to get back the value OP's formula needs.
* **recompute** otherwise: ``forward`` saves the chain's inputs (a copy of ``x`` for an input chain: its writes
  change it), ``backward`` runs the chain again under ``torch.enable_grad()`` with every write going into a copy,
  and returns ``torch.autograd.grad``. Always correct; differentiable twice for result chains.

This module plans the rewrite on the nodes of the analysed module; ``codemods`` turns the plan into a ``Patch``.
Torch-free; the generated code is Python 3.9 compatible.
"""
from __future__ import annotations

import ast
import keyword
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from . import ops
from .analysis.names import dotted

CLOSED_FORM = "closed-form"
RECOMPUTE = "recompute"

_BUILTIN_NAMES = frozenset({"True", "False", "None", "Ellipsis", "NotImplemented"})
_FORBIDDEN = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Yield, cst.Await,
              cst.NamedExpr, cst.FormattedString)


@dataclass
class Step:
    """One in-place write of the chain."""

    stmt: cst.SimpleStatementLine
    small: cst.BaseSmallStatement
    label: str  # ``mul_``, ``*=``, ``[...] =``, ``relu(inplace=True)``
    # closed form: backward lines (``{g}`` the gradient, ``{v}`` the buffer after the write) and the line that
    # undoes the write (None: the value is kept where the gradient is non-zero, which is all the backward needs)
    grad: Optional[List[str]] = None
    undo: Optional[str] = None
    partial: bool = False  # the buffer is not restored where the gradient is zero
    reads_value: bool = False  # ``grad`` reads ``{v}``


@dataclass
class FunctionPlan:
    name: str
    kind: str  # "result" | "input"
    backward: str  # CLOSED_FORM | RECOMPUTE
    class_code: str  # the class, top-level source (ends with a newline)
    anchor: cst.CSTNode  # the top-level statement the class goes before
    first: cst.SimpleStatementLine  # the saving op's statement (rewritten to the call)
    assign: cst.Assign
    targets: str  # ``h`` or ``y, x``
    call: str  # ``Name.apply(x, s)``
    delete: List[cst.SimpleStatementLine]
    description: str
    info: Dict = field(default_factory=dict)  # what --validate needs (JSON-able)

    @property
    def template(self) -> str:
        line = f"{self.targets} = {self.call}"
        return f"{self.class_code}\n# and in place of the chain:\n#     {line}\n"


# ---------------------------------------------------------------------------------------------------------------
# Reading the chain


def _number(node: cst.BaseExpression) -> Optional[float]:
    if isinstance(node, (cst.Integer, cst.Float)) and not node.lpar:
        return float(ast.literal_eval(node.value))
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus) and not node.lpar:
        inner = _number(node.expression)
        return -inner if inner is not None else None
    return None


def _literal_index(sub: cst.Subscript) -> bool:
    """Every element of the index is a number, a slice of numbers, ``None`` or ``...``."""
    def ok(e: Optional[cst.BaseExpression]) -> bool:
        return e is None or _number(e) is not None or (isinstance(e, cst.Name) and e.value == "None") \
            or isinstance(e, cst.Ellipsis)

    for el in sub.slice:
        s = el.slice
        if isinstance(s, cst.Index):
            if s.star is not None or not ok(s.value):
                return False
        elif isinstance(s, cst.Slice):
            if not (ok(s.lower) and ok(s.upper) and ok(s.step)):
                return False
        else:
            return False
    return True


def _root(expr: cst.BaseExpression) -> Optional[str]:
    """The name a write through ``expr`` changes: ``h`` for ``h``, ``h[0]``, ``h[:, 1].t()``; None otherwise."""
    node = expr
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and ops.is_view_method(node.func.attr.value) and node.func.attr.value != "detach":
            node = node.func.value
        elif isinstance(node, cst.Attribute) and ops.is_view_attribute(node.attr.value) \
                and node.attr.value not in ("data", "grad"):
            node = node.value
        else:
            break
    return node.value if isinstance(node, cst.Name) else None


def _positional(call: cst.Call) -> List[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def _keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _inplace_call(ctx, call: cst.Call) -> Optional[Tuple[cst.BaseExpression, str]]:
    """(the tensor expression ``call`` writes in place, the op's name), or None."""
    func = call.func
    q = ctx.qualname(func)
    if q is None and isinstance(func, cst.Attribute):
        name = func.attr.value
        if name.endswith("_") and not name.startswith("__") and ops.is_inplace_method(name):
            return func.value, name
        return None
    if q is None:
        return None
    positional = _positional(call)
    index = ops.inplace_function_target(q)
    if index is not None and q.endswith("_"):
        return (positional[index].value, q.rsplit(".", 1)[-1]) if index < len(positional) else None
    info = ops.inplace_kwarg(q)
    arg = _keyword(call, "inplace")
    if info is not None and arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "True":
        target = int(ops.table().get("inplace_kwarg_functions", {}).get(q, {}).get("target", 0))
        if target < len(positional):
            return positional[target].value, q.rsplit(".", 1)[-1] + "(inplace=True)"
    return None


_AUG = {cst.AddAssign: "+=", cst.SubtractAssign: "-=", cst.MultiplyAssign: "*=", cst.DivideAssign: "/="}


def _step(ctx, stmt: cst.CSTNode, buffer: str) -> Optional[Step]:
    """The in-place write into ``buffer`` that ``stmt`` is, or None."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        found = _inplace_call(ctx, small.value)
        if found is None or _root(found[0]) != buffer:
            return None
        target, name = found
        step = Step(stmt, small, f"{name}")
        direct = isinstance(target, cst.Name)
        call = small.value
        args = call.args
        if direct and isinstance(call.func, cst.Attribute) and ctx.qualname(call.func) is None:
            number = _number(args[0].value) if len(args) == 1 and args[0].keyword is None else None
            if name in ("mul_", "div_") and number:
                op, inv = ("*", "/") if name == "mul_" else ("/", "*")
                step.undo = f"{{v}} = {{v}} {inv} {_num_text(ctx, args[0].value)}"
                step.grad = [f"{{g}} = {{g}} {op} {_num_text(ctx, args[0].value)}"]
            elif name in ("add_", "sub_") and number is not None:
                step.grad, step.undo = [], f"{{v}} = {{v}} {'-' if name == 'add_' else '+'} {_num_text(ctx, args[0].value)}"
            elif name == "neg_" and not args:
                step.grad, step.undo = ["{g} = -{g}"], "{v} = -{v}"
            elif name == "relu_" and not args:
                _relu(step)
        elif direct and name in ("relu_", "relu(inplace=True)") and len(_positional(call)) == 1 \
                and len(args) == (1 if name == "relu_" else 2):
            _relu(step)
        return step
    if isinstance(small, cst.AugAssign):
        if _root(small.target) != buffer:
            return None
        label = _AUG.get(type(small.operator), "augmented assignment")
        step = Step(stmt, small, label)
        number = _number(small.value)
        if isinstance(small.target, cst.Name) and number is not None:
            text = _num_text(ctx, small.value)
            if label in ("*=", "/=") and number:
                step.grad = [f"{{g}} = {{g}} {label[0]} {text}"]
                step.undo = f"{{v}} = {{v}} {'/' if label == '*=' else '*'} {text}"
            elif label in ("+=", "-="):
                step.grad, step.undo = [], f"{{v}} = {{v}} {'-' if label == '+=' else '+'} {text}"
        return step
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        if isinstance(target, cst.Subscript):
            if _root(target) != buffer:
                return None
            step = Step(stmt, small, "item assignment")
            if isinstance(target.value, cst.Name) and _literal_index(target) and _number(small.value) is not None:
                index = ctx.code(target)[len(ctx.code(target.value)):]
                step.grad = ["{g} = {g}.clone()", f"{{g}}{index} = 0"]
                step.partial = True
            return step
        if isinstance(target, cst.Name) and target.value == buffer and isinstance(small.value, cst.Call):
            found = _inplace_call(ctx, small.value)
            if found is None or _root(found[0]) != buffer:
                return None
            step = Step(stmt, small, found[1])
            call = small.value
            if isinstance(found[0], cst.Name) and found[1] in ("relu_", "relu(inplace=True)") \
                    and len(_positional(call)) == 1 and len(call.args) == (1 if found[1] == "relu_" else 2):
                _relu(step)
            return step
    return None


def _num_text(ctx, node: cst.BaseExpression) -> str:
    text = ctx.code(node).strip()
    return f"({text})" if text.startswith("-") else text


def _relu(step: Step) -> None:
    step.grad = ["{g} = {g} * ({v} > 0)"]
    step.partial = True
    step.reads_value = True


class _Inputs(cst.CSTVisitor):
    """The values a chain reads from outside: names and ``self.x``-like attribute chains (in order), the ones that
    are certainly tensors, and whether it contains something a Function cannot take over."""

    def __init__(self, ctx, internal: Set[str]) -> None:
        self.ctx = ctx
        self.internal = set(internal)
        self.occurrences: List[Tuple[cst.BaseExpression, str]] = []  # every read of an input, in order
        self.texts: List[str] = []
        self.tensors: Set[str] = set()
        self.bad = False

    def _add(self, node: cst.BaseExpression, text: str) -> None:
        self.occurrences.append((node, text))
        if text not in self.texts:
            self.texts.append(text)

    def _value(self, node: cst.BaseExpression) -> Optional[str]:
        """The input text ``node`` reads, when it is one."""
        d = dotted(node)
        if d is None:
            return None
        root = d.split(".")[0]
        if root in self.internal or root in _BUILTIN_NAMES or root in self.ctx.imports:
            return None
        return d

    def visit_Name(self, node: cst.Name) -> bool:
        text = self._value(node)
        if text is not None:
            self._add(node, text)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        text = self._value(node)
        if text is not None:
            self._add(node, text)
            return False
        return True

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        q = self.ctx.qualname(func)
        if q is not None:
            if not q.startswith("torch."):
                self.bad = True
                return False
            first = _positional(node)[:1]
            if first:
                text = self._value(first[0].value)
                if text is not None:
                    self.tensors.add(text)
            for a in node.args:
                a.visit(self)
            return False
        if isinstance(func, cst.Attribute):
            receiver = func.value
            text = self._value(receiver)
            if text is not None and "." in text:
                self.bad = True  # ``self.block(h)``: a module or a method of an object, not a tensor method
                return False
            if text is not None:
                self.tensors.add(text)
            receiver.visit(self)
            for a in node.args:
                a.visit(self)
            return False
        self.bad = True  # a local function or a builtin: unknown semantics
        return False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _FORBIDDEN):
            self.bad = True
            return False
        return super().on_visit(node)


def _read_small(visitor: _Inputs, small: cst.BaseSmallStatement) -> None:
    """Visit what a chain statement reads (not the names it binds)."""
    if isinstance(small, cst.Expr):
        small.value.visit(visitor)
    elif isinstance(small, cst.Assign):
        for t in small.targets:
            if isinstance(t.target, cst.Subscript):
                t.target.visit(visitor)
        small.value.visit(visitor)
    elif isinstance(small, cst.AugAssign):
        small.target.visit(visitor)
        small.value.visit(visitor)
    else:
        visitor.bad = True


# ---------------------------------------------------------------------------------------------------------------
# Planning


@dataclass
class _Chain:
    kind: str
    first: cst.SimpleStatementLine
    assign: cst.Assign
    result: str  # the name the saving op binds
    buffer: str  # the name the writes change
    steps: List[Step]


def _find_chain(ctx, write_node: cst.CSTNode, saved_nodes: Sequence[cst.CSTNode]) -> Optional[_Chain]:
    write_stmt = ctx.statement_of(write_node)
    if write_stmt is None:
        return None
    body, iw = ctx.siblings(write_stmt)
    if iw < 0:
        return None
    for saved in saved_nodes:
        first = ctx.statement_of(saved)
        if not isinstance(first, cst.SimpleStatementLine) or len(first.body) != 1:
            continue
        assign = first.body[0]
        if not (isinstance(assign, cst.Assign) and assign.value is saved and len(assign.targets) == 1
                and isinstance(assign.targets[0].target, cst.Name)):
            continue
        body0, i0 = ctx.siblings(first)
        if i0 < 0 or body0 is not body or i0 >= iw:
            continue
        result = assign.targets[0].target.value
        step = _step(ctx, write_stmt, result)
        if step is not None:
            kind, buffer = "result", result
        else:
            kind, buffer = "input", None
            for name in _names_read(saved):
                if name != result and _step(ctx, write_stmt, name) is not None:
                    buffer = name
                    break
            if buffer is None:
                continue
        steps: List[Step] = []
        ok = True
        for stmt in body[i0 + 1:iw + 1]:
            s = _step(ctx, stmt, buffer)
            if s is None:
                ok = False
                break
            steps.append(s)
        if not ok:
            continue
        for stmt in body[iw + 1:]:  # the writes that follow belong to the chain too
            s = _step(ctx, stmt, buffer)
            if s is None:
                break
            steps.append(s)
        return _Chain(kind, first, assign, result, buffer, steps)
    return None


def _names_read(node: cst.CSTNode) -> List[str]:
    out: List[str] = []

    class _V(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            if n.value not in out:
                out.append(n.value)

        def visit_Attribute(self, n: cst.Attribute) -> bool:
            n.value.visit(self)
            return False

        def visit_Arg(self, n: cst.Arg) -> bool:
            n.value.visit(self)
            return False

    node.visit(_V())
    return out


def _bound_before(ctx, chain: _Chain) -> bool:
    """The written input is assigned (``x = a * 2``) in the chain's block before it: not a parameter the caller
    passes (which may be a view)."""
    body, i0 = ctx.siblings(chain.first)
    for stmt in body[:i0]:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == chain.buffer for t in small.targets):
                    return True
    return False


def _torch_alias(ctx, anchor_index: int) -> Optional[str]:
    names = sorted(local for local, q in ctx.imports.items() if q == "torch" and local not in ctx.rebound
                   and ctx.imported_at.get(local, 0) < anchor_index)
    if "torch" in names:
        return "torch"
    return names[0] if names else None


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace(".", "_").split("_") if part)


def _op_name(ctx, value: cst.BaseExpression) -> str:
    if isinstance(value, cst.Call):
        q = ctx.qualname(value.func)
        if q is not None:
            return q.rsplit(".", 1)[-1]
        if isinstance(value.func, cst.Attribute):
            return value.func.attr.value
    if isinstance(value, cst.BinaryOperation):
        return type(value.operator).__name__
    return "Op"


_STEP_NAMES = {"*=": "Mul", "/=": "Div", "+=": "Add", "-=": "Sub", "item assignment": "Set"}


def _class_name(ctx, chain: _Chain, anchor: cst.CSTNode) -> str:
    scope = ""
    if isinstance(anchor, (cst.ClassDef, cst.FunctionDef)):
        scope = _camel(anchor.name.value)
    parts = [_camel(_op_name(ctx, chain.assign.value))]
    for s in chain.steps[:3]:
        label = _STEP_NAMES.get(s.label, s.label.split("(")[0])
        part = _camel(label.rstrip("_")) or "Write"
        if part not in parts:
            parts.append(part)
    base = "_" + scope + "".join(parts)
    taken = set(ctx.rebound) | set(ctx.imports)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    return name


def _closed_form(ctx, chain: _Chain, param_of: Dict[str, str]) -> Optional[Tuple[dict, str, str]]:
    """(derivative record, op name, the op's input parameter) when the closed form applies."""
    value = chain.assign.value
    if not isinstance(value, cst.Call) or any(s.grad is None for s in chain.steps):
        return None
    q = ctx.qualname(value.func)
    if q is not None:
        if not (q.startswith("torch.") and q.count(".") == 1 or q.startswith("torch.nn.functional.")):
            return None
        name = q.rsplit(".", 1)[-1]
        args = list(value.args)
        if len(args) != 1 or args[0].keyword is not None or args[0].star:
            return None
        arg = args[0].value
    elif isinstance(value.func, cst.Attribute) and not value.args:
        name, arg = value.func.attr.value, value.func.value
    else:
        return None
    d = ops.derivative(name)
    text = dotted(arg)
    if d is None or text is None or text not in param_of:
        return None
    partial = any(s.partial for s in chain.steps)
    if chain.kind == "result" and partial and "result" in d["uses"] and not d["zero_safe"]:
        return None
    if chain.kind == "input" and (partial and "self" in d["uses"] or param_of[text] != chain.buffer):
        return None
    if chain.kind == "result" and "self" in d["uses"] and param_of[text] == chain.buffer:
        return None  # ``h = torch.sin(h)``: the input's name is rebound by the chain
    return d, name, param_of[text]


# Names the generated backward binds itself: a chain that reads one of them is left to the default fix.
_RESERVED = frozenset({"grad", "inputs", "wanted", "pairs", "found", "create_graph", "reference"})


@dataclass
class _Signature:
    """The Function's parameters: the chain's inputs (``self.s`` becomes ``s``), which of them may not be tensors,
    and the source text of each chain statement with the inputs renamed."""

    texts: List[str]  # what the call site passes (``x``, ``self.s``)
    params: List[str]  # the parameter names (``x``, ``s``)
    maybe: List[str]  # parameters that may be numbers or other objects
    ctx_name: str
    lines: List[str]  # the chain's statements, in order, one (possibly multi-line) source text each


def _signature(ctx, chain: _Chain, alias: str) -> Optional[_Signature]:
    visitor = _Inputs(ctx, set())
    chain.assign.value.visit(visitor)
    visitor.internal.add(chain.result)
    if chain.kind == "result":
        visitor.internal.add(chain.buffer)
    for s in chain.steps:
        _read_small(visitor, s.small)
    if visitor.bad or (chain.kind == "input" and chain.buffer not in visitor.texts):
        return None
    if chain.kind == "input":
        visitor.tensors.add(chain.buffer)
    # ``x.shape``, ``x.T`` of an input tensor ``x``: ``x`` is the input, the attribute is read inside
    plain = set(visitor.texts)
    texts = [t for t in visitor.texts if "." not in t or t.split(".")[0] not in plain | visitor.tensors]
    texts += [t.split(".")[0] for t in visitor.texts if "." in t and t not in texts
              and t.split(".")[0] in visitor.tensors and t.split(".")[0] not in texts]
    used = set(texts) | {chain.result, chain.buffer, alias}
    used |= set(_names_read(chain.first)) | {n for s in chain.steps for n in _names_read(s.stmt)}
    if used & _RESERVED or any(n.startswith("grad_") for n in used):
        return None
    param_of: Dict[str, str] = {}
    for text in texts:
        if "." not in text:
            param_of[text] = text
            continue
        base = text.rsplit(".", 1)[-1]
        name, n = base, 1
        while name in used or name in _RESERVED or keyword.iskeyword(name):
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        param_of[text] = name
    subs = {id(node): param_of[text] for node, text in visitor.occurrences if "." in text and text in param_of}

    def code(stmt: cst.SimpleStatementLine) -> str:
        class _Sub(cst.CSTTransformer):
            def leave_Attribute(self, original, updated):
                name = subs.get(id(original))
                return cst.Name(name) if name is not None else updated

        new = stmt.visit(_Sub()) if subs else stmt
        text = cst.Module(body=[new.with_changes(leading_lines=[])]).code
        return text.rstrip("\r\n").replace("\r\n", "\n")

    return _Signature(texts=texts, params=[param_of[t] for t in texts],
                      maybe=[param_of[t] for t in texts if t not in visitor.tensors],
                      ctx_name="ctx" if "ctx" not in used else "ctx_",
                      lines=[code(chain.first)] + [code(s.stmt) for s in chain.steps])


@dataclass
class _Writer:
    """Writes the class: indentation, the torch alias, the names of outputs and incoming gradients."""

    chain: _Chain
    sig: _Signature
    torch: str
    indent: str

    @property
    def outputs(self) -> List[str]:
        return [self.chain.buffer] if self.chain.kind == "result" else [self.chain.result, self.chain.buffer]

    @property
    def grads(self) -> List[str]:
        return [f"grad_{o}" for o in self.outputs]

    def body(self, lines: Sequence[str], depth: int = 2) -> List[str]:
        return [self.indent * depth + line for line in lines]


def _closed_form_code(w: _Writer, closed: Tuple[dict, str, str]) -> Tuple[List[str], List[str], str]:
    """forward and backward bodies of the closed form, and how the message describes it."""
    d, op, x = closed
    chain, sig, c = w.chain, w.sig, w.sig.ctx_name
    steps, buf = chain.steps, chain.buffer
    uses_result, uses_self = "result" in d["uses"], "self" in d["uses"]
    # need_value[i]: the buffer as it was after the first i writes is read by the backward (undo up to there)
    need_value = [uses_result if chain.kind == "result" else uses_self]
    for s in steps:
        need_value.append(need_value[-1] or s.reads_value)
    saved: List[str] = [buf] if need_value[-1] else []
    if chain.kind == "result" and uses_self:
        saved.append(x)
    if chain.kind == "input" and uses_result:
        saved.append(chain.result)
    forward = list(sig.lines)
    if chain.kind == "input":
        forward.append(f"{c}.mark_dirty({buf})")
    if saved:
        forward.append(f"{c}.save_for_backward({', '.join(saved)})")  # after the last write
    forward.append(f"return {', '.join(w.outputs)}")
    backward = [f"{', '.join(saved)}{',' if len(saved) == 1 else ''} = {c}.saved_tensors"] if saved else []
    backward.append(f"grad = {w.grads[-1]}")
    for i in range(len(steps), 0, -1):
        s = steps[i - 1]
        src = _short(sig.lines[i].split("#")[0].strip(), 60)
        for j, line in enumerate(s.grad or []):
            backward.append(line.format(g="grad", v=buf) + (f"  # {src}" if j == 0 else ""))
        if not s.grad:
            backward.append(f"# {src}: the gradient passes unchanged")
        if need_value[i - 1] and s.undo is not None:
            backward.append(f"{s.undo.format(v=buf)}  # undo {s.label}")
    py = d["python"].replace("torch.", f"{w.torch}.")
    if chain.kind == "result":
        tail = _substitute(py, {"grad": "grad", "result": buf, "self": x})
    else:
        tail = "grad + " + _substitute(py, {"grad": w.grads[0], "result": chain.result, "self": buf})
    backward.append(f"# torch.{op}: derivatives.yaml gives `{d['formula']}`")
    backward.append("return " + ", ".join(tail if p == x else "None" for p in sig.params))
    return forward, backward, f"closed-form backward from torch's derivative of `{op}` (`{d['formula']}`)"


def _recompute_code(w: _Writer) -> Tuple[List[str], List[str], str]:
    """forward and backward bodies of the recompute backward, and how the message describes it."""
    chain, sig, c, T = w.chain, w.sig, w.sig.ctx_name, w.torch
    params, buf = sig.params, chain.buffer
    saved = []
    for p in params:
        if chain.kind == "input" and p == buf:
            saved.append(f"{p}.clone()")
        elif p in sig.maybe:
            saved.append(f"{p} if {T}.is_tensor({p}) else None")
        else:
            saved.append(p)
    forward = [f"# the writes below change `{buf}`: backward recomputes from a copy"] if chain.kind == "input" else []
    forward.append(f"{c}.save_for_backward({', '.join(saved)})")
    forward += [f"{c}.{p}_constant = None if {T}.is_tensor({p}) else {p}" for p in sig.maybe]
    forward += sig.lines
    if chain.kind == "input":
        forward.append(f"{c}.mark_dirty({buf})")
    forward.append(f"return {', '.join(w.outputs)}")
    backward = [f"{', '.join(params)}{',' if len(params) == 1 else ''} = {c}.saved_tensors"]
    backward += [f"{p} = {c}.{p}_constant if {p} is None else {p}" for p in sig.maybe]
    backward.append(f"create_graph = {T}.is_grad_enabled()")
    if chain.kind == "result":  # the saved inputs themselves: a double backward differentiates through them
        backward.append(f"inputs = {_tuple(params)}")
    backward.append(f"with {T}.enable_grad():  # the chain again, each write into a copy")
    again = []
    if chain.kind == "input":  # the saved copy of the written input stands for it
        again.append(f"{buf} = {buf}.detach().requires_grad_({c}.needs_input_grad[{params.index(buf)}])")
        again.append(f"inputs = {_tuple(params)}")
    again.append(sig.lines[0])
    for line in sig.lines[1:]:
        again += [f"{buf} = {buf}.clone()", line]
    backward += w.body(again, 1)
    call = f"found = iter({T}.autograd.grad("
    backward += [
        f"wanted = [t for t, need in zip(inputs, {c}.needs_input_grad) if need]",
        f"pairs = [(o, g) for o, g in zip({_tuple(w.outputs)}, {_tuple(w.grads)}) if o.requires_grad]",
        f"{call}[o for o, _ in pairs], wanted, [g for _, g in pairs],",
        f"{' ' * len(call)}create_graph=create_graph, allow_unused=True))",
        f"return tuple(next(found) if need else None for need in {c}.needs_input_grad)",
    ]
    how = "recompute backward: it runs the chain again out of place under `torch.enable_grad()`"
    if chain.kind == "input":
        how += f" (forward saves a copy of `{buf}`)"
    return forward, backward, how


def plan_function(ctx, write_node: cst.CSTNode, saved_nodes: Sequence[cst.CSTNode], *,
                  writes_fresh: bool = False) -> Optional[FunctionPlan]:
    """The Function rewrite of the chain the in-place write ``write_node`` belongs to (``saved_nodes``: the ops
    that saved what it writes), or None when it is not a chain this can take over. ``writes_fresh``: the written
    tensor is certainly the result of an op, not a view (required for a chain that writes the saving op's input:
    torch refuses a Function with several outputs that writes a view input)."""
    if not saved_nodes or not ctx.owns(write_node):
        return None
    chain = _find_chain(ctx, write_node, saved_nodes)
    if chain is None or (chain.kind == "input" and not (writes_fresh and _bound_before(ctx, chain))):
        return None
    anchor = chain.first  # the top-level statement the chain is in: the class goes right before it
    for n in ctx.ancestors(chain.first):
        if n is ctx.module:
            break
        anchor = n
    index = next((i for i, s in enumerate(ctx.module.body) if s is anchor), -1)
    alias = _torch_alias(ctx, index) if index >= 0 else None
    sig = _signature(ctx, chain, alias) if alias is not None else None
    if sig is None:
        return None
    param_of = dict(zip(sig.texts, sig.params))
    closed = _closed_form(ctx, chain, param_of)
    indent = ctx.module.default_indent if ctx.module.default_indent.strip() == "" else "    "
    w = _Writer(chain, sig, alias, indent)
    forward, backward, how = _closed_form_code(w, closed) if closed is not None else _recompute_code(w)
    name = _class_name(ctx, chain, anchor)
    summary = _short("; ".join(line.split("#")[0].strip() for line in sig.lines), 60)
    if '"""' in summary or "\\" in summary or summary.endswith('"'):
        summary = "the chain"
    c = sig.ctx_name
    lines = [f"class {name}({alias}.autograd.Function):",
             f'{indent}"""`{summary}`, writes in place (inplace-lint --fix-with function)."""', "",
             f"{indent}@staticmethod", f"{indent}def forward({c}, {', '.join(sig.params)}):", *w.body(forward), "",
             f"{indent}@staticmethod", f"{indent}def backward({c}, {', '.join(w.grads)}):", *w.body(backward)]
    class_code = "\n".join(lines) + "\n"
    writes = ", ".join(f"`{s.label}`" for s in chain.steps)
    description = (f"Extract the chain into `{name}`, a `torch.autograd.Function` whose forward keeps the in-place "
                   f"{writes} ({how}; verify with --validate)")
    reference = [f"def reference({', '.join(sig.params)}):", sig.lines[0]]
    for line in sig.lines[1:]:
        reference += [f"{indent}{chain.buffer} = {chain.buffer}.clone()", f"{indent}{line}"]
    reference[1] = indent + reference[1]
    reference.append(f"{indent}return {', '.join(w.outputs)}")
    names = set(_names_read(chain.first)) | {n for s in chain.steps for n in _names_read(s.stmt)}
    imports = {local: q for local, q in sorted(ctx.imports.items()) if local in names and local != alias}
    info = {"name": name, "kind": chain.kind, "imports": imports, "backward": CLOSED_FORM if closed else RECOMPUTE,
            "source": class_code, "reference": "\n".join(reference) + "\n", "inputs": sig.params,
            "maybe_tensors": sig.maybe, "outputs": w.outputs, "torch": alias,
            "writes_input": chain.buffer if chain.kind == "input" else None}
    return FunctionPlan(name=name, kind=chain.kind, backward=info["backward"], class_code=class_code, anchor=anchor,
                        first=chain.first, assign=chain.assign, targets=", ".join(w.outputs),
                        call=f"{name}.apply({', '.join(sig.texts)})", delete=[s.stmt for s in chain.steps],
                        description=description, info=info)


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _substitute(python: str, names: Dict[str, str]) -> str:
    import re

    return re.sub(r"(?<![\w.])(grad|result|self)(?!\w)", lambda m: names[m.group(1)], python)


def _tuple(names: Sequence[str]) -> str:
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"
