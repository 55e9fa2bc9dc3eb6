"""What to run for a finding, decided from the source alone (torch-free, ``ast`` only).

* ``enclosing_callable(tree, line)``: the function, method or ``nn.Module.forward`` a harness can call to reach
  ``line`` (nested functions are reached through the function that defines them);
* ``assignment_names(tree, line)``: for the after-run hooks of rules, the name a flagged assignment binds and the
  name of the tensor it was derived (detached) from.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import List, Optional, Tuple


@dataclass(frozen=True)
class Callable_:
    """A callable a harness can reach a line through: ``qualname`` like ``("Scale", "forward")`` or ``("sgd",)``."""

    qualname: Tuple[str, ...]
    kind: str  # function | method | function-class (an autograd.Function) | module (an nn.Module subclass)
    line: int  # the def line

    @property
    def label(self) -> str:
        return ".".join(self.qualname)


_FUNCTION_BASES = ("Function",)  # torch.autograd.Function, autograd.Function, Function
_MODULE_BASES = ("Module",)  # nn.Module, torch.nn.Module, Module


def _base_names(cls: ast.ClassDef) -> List[str]:
    names = []
    for base in cls.bases:
        node = base
        while isinstance(node, ast.Attribute):
            names.append(node.attr)
            break
        if isinstance(node, ast.Name):
            names.append(node.id)
    return names


def parse(source: str) -> Optional[ast.Module]:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _contains(node: ast.AST, line: int) -> bool:
    end = getattr(node, "end_lineno", None) or node.lineno
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first <= line <= end


def enclosing_chain(tree: ast.Module, line: int) -> List[ast.AST]:
    """The chain of ClassDef / FunctionDef nodes (outermost first) whose body contains ``line``."""
    chain: List[ast.AST] = []
    body = tree.body
    while True:
        for node in body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and _contains(node, line):
                chain.append(node)
                body = node.body
                break
        else:
            return chain


def enclosing_callable(tree: ast.Module, line: int) -> Optional[Callable_]:
    """The outermost callable through which a harness reaches ``line``; None for module-level code."""
    chain = enclosing_chain(tree, line)
    if not chain:
        return None
    first = chain[0]
    if isinstance(first, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return Callable_((first.name,), "function", first.lineno)
    # a class: take its method (nested classes are not reached)
    if len(chain) < 2 or not isinstance(chain[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    bases = _base_names(first)
    method = chain[1]
    if any(b in _FUNCTION_BASES for b in bases):
        kind = "function-class"
    elif any(b in _MODULE_BASES for b in bases):
        kind = "module"
    else:
        kind = "method"
    return Callable_((first.name, method.name), kind, method.lineno)


_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor, ast.While, ast.If,
             ast.With, ast.AsyncWith, ast.Try)


def statement_at(tree: ast.Module, line: int) -> Optional[ast.stmt]:
    """The innermost simple (non-compound) statement whose lines contain ``line``."""
    candidates = [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and not isinstance(n, _COMPOUND)
                  and n.lineno <= line <= (n.end_lineno or n.lineno)]
    return max(candidates, key=lambda n: n.lineno) if candidates else None


def _root_name(node: ast.AST) -> Optional[str]:
    """``x`` for ``x``, ``x.clone().detach()``, ``x.detach().clone().requires_grad_(True)``, ``torch.tensor(x)``."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and not _is_module_path(func.value):
                node = func.value  # a method call: follow the receiver
                continue
            if node.args:  # torch.tensor(x, ...), torch.as_tensor(x)
                node = node.args[0]
                continue
            return None
        if isinstance(node, ast.Attribute):
            node = node.value
            continue
        if isinstance(node, ast.Subscript):
            node = node.value
            continue
        return None


def _is_module_path(node: ast.AST) -> bool:
    """``torch``, ``torch.nn``, ``th``: a bare lower-case module-ish name used as a namespace."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in ("torch", "th", "nn", "F", "np", "numpy")


def assignment_names(tree: ast.Module, line: int) -> Tuple[List[str], Optional[str]]:
    """(names bound by the assignment at ``line``, the root name of its value). ``([], None)`` if none."""
    stmt = statement_at(tree, line)
    targets: List[ast.AST] = []
    value = None
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and stmt.value is not None:
        targets, value = [stmt.target], stmt.value
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    return names, (_root_name(value) if value is not None else None)


# ---------------------------------------------------------------------------------------------------------------
# Call contexts: how the program itself calls a callable (grad mode included)

GRAD_ON, NO_GRAD, INFERENCE = "grad", "no_grad", "inference_mode"
_MODE_TEXT = {GRAD_ON: "grad mode on", NO_GRAD: "grad mode off", INFERENCE: "inference mode"}


@dataclass(frozen=True)
class CallContext:
    """A call site of the callable in this file and the grad mode it runs in there."""

    line: int
    mode: str  # GRAD_ON | NO_GRAD | INFERENCE
    why: str  # what sets the mode: "`with torch.no_grad()` at line 12", "the default"...
    where: str = ""  # the file of the call when it is another one than the callable's

    def describe(self) -> str:
        at = f"line {self.line} of `{self.where}`" if self.where else f"line {self.line}"
        return f"as called at {at}: {_MODE_TEXT[self.mode]} ({self.why})"

    def as_dict(self) -> dict:
        return {"line": self.line, "mode": self.mode, "text": self.describe()}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def grad_mode_of(expr: ast.AST) -> Optional[str]:
    """The grad mode a ``with`` item or decorator sets: ``torch.no_grad()``, ``no_grad``, ``torch.inference_mode()``,
    ``torch.set_grad_enabled(False)``, ``torch.enable_grad()``...; None when it sets none (or one not known
    statically, like ``set_grad_enabled(train)``)."""
    call = expr if isinstance(expr, ast.Call) else None
    name = _dotted(call.func if call is not None else expr).rsplit(".", 1)[-1]
    args = call.args if call is not None else []
    flag = args[0] if args else None
    if call is not None:
        flag = flag or next((k.value for k in call.keywords if k.arg in ("mode", "enabled")), None)
    constant = flag.value if isinstance(flag, ast.Constant) and isinstance(flag.value, bool) else None
    if name == "no_grad":
        return NO_GRAD
    if name == "enable_grad":
        return GRAD_ON
    if name == "inference_mode":
        return INFERENCE if flag is None or constant is True else GRAD_ON if constant is False else None
    if name == "set_grad_enabled" and constant is not None:
        return GRAD_ON if constant else NO_GRAD
    return None


def _parents(tree: ast.AST):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _lexical_mode(node: ast.AST, parents) -> Tuple[Optional[str], str, Optional[ast.AST]]:
    """(mode, why, enclosing function) for the code at ``node``: the innermost ``with`` that sets a grad mode, else a
    grad-mode decorator of the enclosing function; mode None when nothing in the function sets one (it then
    depends on the function's own callers, returned as the third item; None at module level)."""
    child, current = node, parents.get(node)
    while current is not None:
        if isinstance(current, (ast.With, ast.AsyncWith)) and child in current.body:
            for item in current.items:
                mode = grad_mode_of(item.context_expr)
                if mode is not None:
                    return mode, f"`with {ast.unparse(item.context_expr)}` at line {current.lineno}", None
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for deco in getattr(current, "decorator_list", []):
                mode = grad_mode_of(deco)
                if mode is not None:
                    return mode, f"`@{ast.unparse(deco)}` on {current.name}", None
            return None, "", current
        if isinstance(current, ast.ClassDef):
            return None, "", None
        child, current = current, parents.get(current)
    return None, "", None


def _call_sites(tree: ast.Module, target: Callable_, parents) -> List[ast.Call]:
    """Calls of ``target`` in this file: ``f(...)`` for a function; ``self.m(...)`` in its class, ``C.m(...)`` or
    ``anything.m(...)`` when no other class here defines ``m`` for a method; calls of an instance bound by
    ``name = C(...)`` / ``self.name = C(...)`` for ``C.forward``."""
    found: List[ast.Call] = []
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    if len(target.qualname) == 1:
        return [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == target.qualname[0]]
    cls_name, method = target.qualname[:2]
    if target.kind == "module" and method == "forward":
        holders = set()  # names (and self attributes) bound to an instance of the class
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                    and _dotted(node.value.func).rsplit(".", 1)[-1] == cls_name:
                holders.update(_dotted(t) for t in node.targets if _dotted(t))
        for c in calls:
            name = _dotted(c.func)
            if name and name in holders:
                found.append(c)
            elif isinstance(c.func, ast.Call) and _dotted(c.func.func).rsplit(".", 1)[-1] == cls_name:
                found.append(c)  # C(...)(x)
    definers = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
                and any(isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)) and b.name == method for b in n.body)]
    unique = len(definers) == 1
    for c in calls:
        if not (isinstance(c.func, ast.Attribute) and c.func.attr == method):
            continue
        receiver = c.func.value
        if isinstance(receiver, ast.Name) and receiver.id == cls_name:
            found.append(c)
        elif isinstance(receiver, ast.Name) and receiver.id == "self":
            owner = parents.get(c)
            while owner is not None and not isinstance(owner, ast.ClassDef):
                owner = parents.get(owner)
            if (owner is not None and owner.name == cls_name) or unique:
                found.append(c)
        elif unique and method not in _TENSOR_METHODS:
            found.append(c)
    return found


# method names tensors, modules and optimizers have: ``x.step()`` is no evidence of a call of ``Trainer.step``
_TENSOR_METHODS = frozenset({"forward", "step", "zero_grad", "backward", "add", "mul", "sub", "div", "update",
                             "apply", "sum", "mean", "train", "eval", "to", "cuda", "cpu", "copy", "clone", "view",
                             "reshape", "detach", "item", "__call__", "parameters", "state_dict"})


def call_contexts(tree: ast.Module, target: Callable_, depth: int = 3) -> List[CallContext]:
    """The grad mode at each call of ``target`` in this file, innermost context first: a ``with`` block or a
    decorator around the call, else (when the call sits in a function that sets no mode) the modes of that
    function's own call sites, up to ``depth`` levels; a call nothing sets a mode for runs with grad on, the
    default. Empty when the file never calls ``target`` (a library function, or one called from elsewhere)."""
    parents = _parents(tree)
    return _contexts(tree, target, parents, depth, set())


def _contexts(tree, target: Callable_, parents, depth: int, seen) -> List[CallContext]:
    out: List[CallContext] = []
    for call in sorted(_call_sites(tree, target, parents), key=lambda c: (c.lineno, c.col_offset)):
        out.extend(_contexts_at(tree, call, parents, depth, seen | {target.qualname}))
    return out


def _contexts_at(tree, call: ast.Call, parents, depth: int, seen, where: str = "") -> List[CallContext]:
    """The grad modes ``call`` runs in: a ``with`` block or decorator around it, else those of the call sites of
    the function it sits in (``depth`` levels, not through the functions in ``seen``), else the default."""
    mode, why, function = _lexical_mode(call, parents)
    if mode is not None:
        return [CallContext(call.lineno, mode, why, where)]
    caller = enclosing_callable(tree, call.lineno) if function is not None else None
    outer: List[CallContext] = []
    if caller is not None and depth > 1 and caller.qualname not in seen:
        outer = _contexts(tree, caller, parents, depth - 1, seen)
    if not outer:
        return [CallContext(call.lineno, GRAD_ON, "the default: nothing around the call sets a grad mode", where)]
    out = []
    for mode in sorted({c.mode for c in outer}, key=[GRAD_ON, NO_GRAD, INFERENCE].index):
        via = next(c for c in outer if c.mode == mode)
        out.append(CallContext(call.lineno, mode, f"inside {caller.label}, {via.describe()}", where))
    return out


def calls_from_other_file(tree: ast.Module, line: int, where: str, depth: int = 3) -> List[CallContext]:
    """The grad mode of the call at ``line`` of another file (``tree``, shown as ``where``) that reaches a helper:
    what the static analysis followed into it (a finding's "reached from this call" location). The same rules as
    ``call_contexts``: a ``with`` block or decorator around the call, else the callers of the function it sits in."""
    parents = _parents(tree)
    call = next((n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.lineno == line), None)
    return _contexts_at(tree, call, parents, depth, set(), where) if call is not None else []
