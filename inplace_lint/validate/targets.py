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
