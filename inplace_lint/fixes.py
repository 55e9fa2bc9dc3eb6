"""Fixes: LibCST codemods for the ``Fix.edit`` payloads the checks attach, and ``--fix`` / ``--diff``.

Layers, bottom up:

* **Edit kinds.** ``EDIT_KINDS`` maps the ``kind`` of a payload (``{"kind": "wrap_no_grad", "stmt": node}``) to a
  *planner* ``plan(ctx, edit) -> Patch | None``. A planner only says what to change; ``None`` means this occurrence
  cannot be fixed locally (the finding stays, unfixed). A new kind is one decorated function::

      @edit_kind("clone_before")
      def clone_before(ctx: Context, edit: dict) -> Optional[Patch]:
          node = edit["node"]
          ...
          return Patch().rewrite(node, lambda updated: ..., key="clone_before")

  A ``Patch`` is declarative: rewrite a node (matched by identity, rewritten bottom-up), put a statement under
  ``torch.no_grad()`` (adjacent ones share one ``with`` block; ``import torch`` is added when missing, an alias such
  as ``th`` is respected), delete a statement, insert statements after one. ``Context`` answers the questions
  planners ask (enclosing statement, next statement, qualified names through the imports, source text).
* **One round.** ``apply_fixes(module, diagnostics, unsafe=...)`` plans every applicable fix, keeps the patches that
  do not overlap (several per round), and applies them in one transformer pass. Kinds with a lower ``priority`` go
  first, alone in their round: dropping a ``.detach()`` changes which other findings exist at all.
* **Fixed point.** ``fix_text(source, path, ...)`` analyses, applies a round, re-analyses, ... (at most
  ``MAX_ROUNDS``); each round's output must parse with LibCST and ``compile()``, and the rounds must settle before
  ``MAX_ROUNDS`` (a fix that does not remove its finding would grow the file on every run), otherwise nothing is
  changed and the reason is returned.
* **Files.** ``fix_paths(paths, settings, FixOptions(...))`` reads each file (keeping its encoding, BOM and line
  endings), fixes it, writes it atomically (temp file + ``os.replace``, mode kept) or, for ``--diff``, only collects
  a unified diff; the findings that remain are reported like a normal run.

Applicability (``Fix.applicability``): ``safe`` fixes are applied by ``--fix``; ``unsafe`` ones only with
``--unsafe-fixes``; ``display-only`` fixes (hints, ``template`` text) are never applied.
"""
from __future__ import annotations

import difflib
import io
import os
import stat
import sys
import tempfile
import tokenize
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import BinaryIO, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

from . import engine, ops
from .registry import analyze_module
from .analysis.names import canonical, dotted, record_import
from .diagnostics import SAFE, UNSAFE, Diagnostic
from .engine import STDIN, LintError, Result, UnreadableSource

MAX_ROUNDS = 10
PYTHON_SUFFIXES = (".py", ".pyi")
NOTEBOOK_SUFFIX = ".ipynb"  # fixed through inplace_lint.notebook; other readers' files are linted, not fixed

# In-place methods / torch functions whose name without the trailing underscore does not exist in torch 2.13
# (``tests/test_fixes.py`` checks these against the installed torch and the op table).
NO_OUT_OF_PLACE_METHOD = frozenset({
    "apply_", "cauchy_", "copy_", "exponential_", "fill_", "fill_diagonal_", "geometric_", "log_normal_", "map2_",
    "map_", "normal_", "random_", "resize_as_sparse_", "set_", "sparse_resize_", "sparse_resize_and_clear_",
    "uniform_", "zero_",
})
NO_OUT_OF_PLACE_FUNCTION = frozenset({
    "torch.embedding_renorm_", "torch.resize_as_", "torch.resize_as_sparse_", "torch.zero_",
})


# ---------------------------------------------------------------------------------------------------------------
# Patches and the registry of edit kinds


Rewrite = Callable[[cst.CSTNode], cst.CSTNode]


@dataclass
class Patch:
    """What one fix changes, in terms of nodes of the analysed module."""

    no_grad: List[cst.CSTNode] = field(default_factory=list)  # statements to run under torch.no_grad()
    delete: List[cst.CSTNode] = field(default_factory=list)  # statements or small statements to remove
    before: List[Tuple[cst.CSTNode, cst.BaseStatement]] = field(default_factory=list)  # (statement, to insert before)
    after: List[Tuple[cst.CSTNode, cst.BaseStatement]] = field(default_factory=list)  # (statement, to insert after)
    rewrites: List[Tuple[cst.CSTNode, str, Rewrite]] = field(default_factory=list)  # (node, key, fn(updated))

    def wrap(self, *stmts: cst.CSTNode) -> "Patch":
        self.no_grad.extend(stmts)
        return self

    def insert_before(self, stmt: cst.CSTNode, new: cst.BaseStatement) -> "Patch":
        self.before.append((stmt, new))
        return self

    def remove(self, node: cst.CSTNode) -> "Patch":
        self.delete.append(node)
        return self

    def insert_after(self, stmt: cst.CSTNode, new: cst.BaseStatement) -> "Patch":
        self.after.append((stmt, new))
        return self

    def rewrite(self, node: cst.CSTNode, fn: Rewrite, key: str) -> "Patch":
        """Replace ``node`` by ``fn(updated_node)``. Two patches rewriting the same node merge when their keys are
        equal (the same rewrite), and conflict otherwise."""
        self.rewrites.append((node, key, fn))
        return self

    def empty(self) -> bool:
        return not (self.no_grad or self.delete or self.before or self.after or self.rewrites)


Planner = Callable[["Context", dict], Optional[Patch]]


@dataclass(frozen=True)
class EditKind:
    name: str
    plan: Planner
    priority: int = 1  # lower first; a round applies only the lowest priority that has an applicable fix


EDIT_KINDS: Dict[str, EditKind] = {}


def edit_kind(name: str, priority: int = 1) -> Callable[[Planner], Planner]:
    """Register a planner for payloads ``{"kind": name, ...}``."""
    def register(fn: Planner) -> Planner:
        EDIT_KINDS[name] = EditKind(name, fn, priority)
        return fn
    return register


def is_applicable(diag: Diagnostic, unsafe: bool = False) -> bool:
    """Would ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) try this diagnostic's fix?"""
    fix = diag.fix
    if fix is None or not isinstance(fix.edit, dict) or fix.edit.get("kind") not in EDIT_KINDS:
        return False
    return fix.applicability == SAFE or (unsafe and fix.applicability == UNSAFE)


# ---------------------------------------------------------------------------------------------------------------
# Context: what planners may ask about the module


_UNITS = (cst.SimpleStatementLine, cst.SimpleStatementSuite, cst.BaseCompoundStatement)
_SIMPLE = (cst.SimpleStatementLine, cst.SimpleStatementSuite)


class _Parents(cst.CSTVisitor):
    def __init__(self) -> None:
        self.parent: Dict[cst.CSTNode, cst.CSTNode] = {}
        self.stack: List[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parent[node] = self.stack[-1]
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


class Context:
    """The module being fixed, with a parent map and its module-level imports."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        collector = _Parents()
        module.visit(collector)
        self.parent = collector.parent
        self.imports: Dict[str, str] = {}
        self.imported_at: Dict[str, int] = {}  # local name -> index in module.body of its first import
        self._rebound: Optional[Set[str]] = None
        for i, stmt in enumerate(module.body):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        record_import(small, self.imports)
                        for local in self.imports:
                            self.imported_at.setdefault(local, i)

    # -- structure
    def owns(self, node: object) -> bool:
        return isinstance(node, cst.CSTNode) and (node is self.module or node in self.parent)

    def ancestors(self, node: cst.CSTNode) -> Iterable[cst.CSTNode]:
        node = self.parent.get(node)
        while node is not None:
            yield node
            node = self.parent.get(node)

    def is_ancestor(self, a: cst.CSTNode, b: cst.CSTNode) -> bool:
        """``a`` strictly contains ``b``."""
        return any(n is a for n in self.ancestors(b))

    def statement_of(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The innermost statement (a line, a one-line suite or a compound statement) containing ``node``."""
        if isinstance(node, _UNITS):
            return node
        for n in self.ancestors(node):
            if isinstance(n, _UNITS):
                return n
        return None

    def bound_inside(self, node: cst.CSTNode, stmt: cst.CSTNode) -> Set[str]:
        """Names that a comprehension ``for`` or a ``lambda`` between ``stmt`` and ``node`` binds: at ``node`` they
        are not the names a statement before ``stmt`` sees."""
        names: Set[str] = set()
        for n in self.ancestors(node):
            if n is stmt:
                break
            if isinstance(n, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                comp: Optional[cst.CompFor] = n.for_in
                while comp is not None:
                    names |= _bound_names(comp.target, self)
                    comp = comp.inner_for_in
            elif isinstance(n, cst.Lambda):
                p = n.params
                names.update(param.name.value for param in (*p.posonly_params, *p.params, *p.kwonly_params,
                                                            p.star_arg, p.star_kwarg) if isinstance(param, cst.Param))
        return names

    def unit_ancestors(self, unit: cst.CSTNode) -> List[cst.CSTNode]:
        return [n for n in self.ancestors(unit) if isinstance(n, _UNITS)]

    def siblings(self, stmt: cst.CSTNode) -> Tuple[Sequence[cst.CSTNode], int]:
        """The statement list ``stmt`` is in and its index there (``((), -1)`` for a one-line suite)."""
        block = self.parent.get(stmt)
        if isinstance(block, (cst.IndentedBlock, cst.Module)):
            for i, s in enumerate(block.body):
                if s is stmt:
                    return block.body, i
        return (), -1

    def following(self, stmt: cst.CSTNode) -> Sequence[cst.CSTNode]:
        body, i = self.siblings(stmt)
        return body[i + 1:] if i >= 0 else ()

    def scope_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The enclosing function definition, or the module."""
        for n in self.ancestors(node):
            if isinstance(n, (cst.FunctionDef, cst.Lambda)):
                return n
        return self.module

    def small_parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The small statement (``Expr``, ``Assign``, ...) whose direct child ``node`` is, if any."""
        p = self.parent.get(node)
        return p if isinstance(p, cst.BaseSmallStatement) else None

    # -- names and text
    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def qualname(self, expr: cst.CSTNode) -> Optional[str]:
        """``torch.nn.functional.relu`` for ``F.relu`` (module-level imports), else None."""
        d = dotted(expr) if isinstance(expr, cst.BaseExpression) else None
        if d is None:
            return None
        head, _, rest = d.partition(".")
        q = self.imports.get(head)
        if q is None:
            return None
        return canonical(q + ("." + rest if rest else ""))

    @property
    def rebound(self) -> Set[str]:
        """Names the module binds other than by importing (``torch = ...``): an import of that name is unreliable."""
        if self._rebound is None:
            self._rebound = set()
            for n in _walk(self.module):
                if isinstance(n, _BINDERS):
                    self._rebound |= _bound_names(n.target, self)
                elif isinstance(n, (cst.FunctionDef, cst.ClassDef)):
                    self._rebound.add(n.name.value)
        return self._rebound

    def no_grad_callee(self, first_use: Optional[int] = None) -> Tuple[Optional[str], bool]:
        """How to spell ``torch.no_grad`` here, and whether ``import torch`` must be added. ``first_use``: the index
        in ``module.body`` of the first top-level statement that will use it (an import after it does not count)."""
        known = {local: q for local, q in self.imports.items() if local not in self.rebound
                 and (first_use is None or self.imported_at.get(local, 0) < first_use)}
        aliases = [local for local, q in known.items() if q == "torch"]
        if "torch" in aliases:
            return "torch.no_grad", False
        if aliases:
            return f"{sorted(aliases)[0]}.no_grad", False
        names = [local for local, q in known.items() if canonical(q) == "torch.no_grad"]
        if names:
            return sorted(names)[0], False
        if "torch" in self.rebound:
            return None, False  # the module assigns ``torch`` itself: no spelling of torch.no_grad is safe here
        return "torch.no_grad", True

    # -- the shared building block: put statements under torch.no_grad()
    def no_grad_patch(self, stmt: object) -> Optional[Patch]:
        """Wrap ``stmt`` (a simple statement line or suite), or the whole body of a loop over parameters when the
        body only updates tensors, in ``with torch.no_grad():``. None for statements that cannot be wrapped."""
        if not isinstance(stmt, _SIMPLE) or not self.owns(stmt) or _contains(stmt, (cst.Yield,)):
            return None
        if self.no_grad_callee()[0] is None:
            return None
        body = self.parameter_loop_body(stmt)
        return Patch().wrap(*(body or [stmt]))

    def parameter_loop_body(self, stmt: cst.CSTNode) -> Optional[List[cst.CSTNode]]:
        block = self.parent.get(stmt)
        loop = self.parent.get(block) if isinstance(block, cst.IndentedBlock) else None
        if not isinstance(loop, cst.For) or loop.body is not block or not _iterates_parameters(loop.iter):
            return None
        if not all(_update_like(s) for s in block.body):
            return None
        return list(block.body)


def _contains(node: cst.CSTNode, types: tuple) -> bool:
    found = []

    class _Find(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            if isinstance(n, types):
                found.append(n)
            return not found

    node.visit(_Find())
    return bool(found)


def _iterates_parameters(it: cst.BaseExpression) -> bool:
    """``model.parameters()``, ``model.named_parameters()``, ``group["params"]``."""
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute):
        return it.func.attr.value in ("parameters", "named_parameters")
    if isinstance(it, cst.Subscript) and len(it.slice) == 1:
        index = it.slice[0].slice
        return isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString) and \
            index.value.evaluated_value == "params"
    return False


def _callee_name(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _mentions_grad(node: cst.CSTNode) -> bool:
    return any(isinstance(n, cst.Attribute) and n.attr.value == "grad" for n in _walk(node))


def _walk(node: cst.CSTNode) -> List[cst.CSTNode]:
    out: List[cst.CSTNode] = []

    class _All(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            out.append(n)
            return True

    node.visit(_All())
    return out


def _update_like_small(s: cst.BaseSmallStatement) -> bool:
    """A small statement an optimizer step is made of: an in-place write, a ``.grad`` bookkeeping line."""
    if isinstance(s, (cst.Pass, cst.Continue, cst.Break, cst.AugAssign)):
        return True
    if isinstance(s, cst.Expr) and isinstance(s.value, cst.Call):
        call = s.value
        return _callee_name(call).endswith("_") or any(
            a.keyword is not None and a.keyword.value in ("out", "inplace") for a in call.args)
    if isinstance(s, cst.Assign):
        if all(isinstance(t.target, (cst.Attribute, cst.Subscript)) for t in s.targets):
            return True
        return _mentions_grad(s.value)
    return False


def _update_like(stmt: cst.CSTNode) -> bool:
    if isinstance(stmt, _SIMPLE):
        return all(_update_like_small(s) for s in stmt.body)
    if isinstance(stmt, cst.If):
        branches = [stmt.body] + ([stmt.orelse] if stmt.orelse is not None else [])
        for b in branches:
            if isinstance(b, cst.If):
                if not _update_like(b):
                    return False
                continue
            inner = b.body if isinstance(b, cst.Else) else b
            stmts = [inner] if isinstance(inner, cst.SimpleStatementSuite) else list(inner.body)
            if not all(_update_like(s) for s in stmts):
                return False
        return True
    return False


# ---------------------------------------------------------------------------------------------------------------
# Small node helpers


def _is_true(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _drop_arg(call: cst.Call, index: int) -> cst.Call:
    """``call`` without its ``index``-th argument (commas kept tidy)."""
    args = list(call.args)
    removed = args.pop(index)
    if args and index == len(args):  # removed the last one: the new last takes its comma (usually none)
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


def _find_arg(call: cst.Call, keyword: str, position: Optional[int]) -> Optional[int]:
    """Index in ``call.args`` of the argument ``keyword=`` or of the positional one at ``position``."""
    for i, a in enumerate(call.args):
        if a.keyword is not None and a.keyword.value == keyword:
            return i
    if position is not None:
        positional = [i for i, a in enumerate(call.args) if a.keyword is None and not a.star]
        if position < len(positional):
            return positional[position]
    return None


_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString, cst.List,
          cst.Tuple, cst.Dict, cst.Set)


def _parenthesize(expr: cst.BaseExpression) -> cst.BaseExpression:
    if expr.lpar or isinstance(expr, _ATOMS):
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _assign(target: cst.BaseAssignTargetExpression, value: cst.BaseExpression, like: cst.BaseSmallStatement,
            whitespace: Optional[cst.BaseAugOp] = None) -> cst.Assign:
    """``target = value`` keeping the semicolon of the small statement it replaces."""
    kw = {}
    if whitespace is not None:
        kw = {"whitespace_before_equal": whitespace.whitespace_before,
              "whitespace_after_equal": whitespace.whitespace_after}
    return cst.Assign(targets=[cst.AssignTarget(target=target, **kw)], value=value,
                      semicolon=getattr(like, "semicolon", cst.MaybeSentinel.DEFAULT))


def _line(small: cst.BaseSmallStatement) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[small])


# ---------------------------------------------------------------------------------------------------------------
# Edit kinds


@edit_kind("wrap_no_grad")
def wrap_no_grad(ctx: Context, edit: dict) -> Optional[Patch]:
    """``w -= lr * w.grad`` -> ``with torch.no_grad(): w -= lr * w.grad`` (runs, loop bodies over parameters)."""
    return ctx.no_grad_patch(edit.get("stmt"))


def _data_attribute(expr: cst.CSTNode) -> Optional[cst.Attribute]:
    """The ``x.data`` a written expression goes through: ``p.data``, ``p.data[0]``, ``p.data.mul_(2)``."""
    node = expr
    while True:
        if isinstance(node, cst.Attribute):
            if node.attr.value == "data":
                return node
            node = node.value
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            return None


def _written_targets(stmt: cst.CSTNode) -> List[cst.CSTNode]:
    """What the small statements of ``stmt`` write in place (fallback when a payload names no target)."""
    out: List[cst.CSTNode] = []
    for s in getattr(stmt, "body", ()):
        if isinstance(s, cst.Expr) and isinstance(s.value, cst.Call) and isinstance(s.value.func, cst.Attribute) \
                and s.value.func.attr.value.endswith("_"):
            out.append(s.value.func.value)
        elif isinstance(s, cst.AugAssign):
            out.append(s.target)
        elif isinstance(s, cst.Assign):
            out.extend(t.target.value for t in s.targets if isinstance(t.target, cst.Subscript))
    return out


@edit_kind("data_to_no_grad")
def data_to_no_grad(ctx: Context, edit: dict) -> Optional[Patch]:
    """``p.data.add_(u)`` -> ``with torch.no_grad(): p.add_(u)`` (also ``p.data[0] = 1``, ``p.data -= u``); already
    under ``torch.no_grad()``, only ``.data`` goes."""
    stmt = edit.get("stmt")
    if isinstance(stmt, _SIMPLE) and ctx.owns(stmt) and _under_no_grad(ctx, stmt):
        patch: Optional[Patch] = Patch()
    else:
        patch = ctx.no_grad_patch(stmt)
    if patch is None:
        return None
    targets = [edit["target"]] if edit.get("target") is not None else _written_targets(stmt)
    found = [_data_attribute(t) for t in targets]
    datas = [d for d in found if d is not None and ctx.is_ancestor(stmt, d)]
    if not datas or len(datas) != len(found):
        return None
    for d in datas:
        patch.rewrite(d, lambda updated: updated.value, key="strip_data")
    return patch


def _rebinding(stmt: cst.CSTNode) -> Optional[cst.Assign]:
    """``w = w - expr`` / ``w = w + expr`` as the only statement of its line."""
    if not isinstance(stmt, _SIMPLE) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target, value = small.targets[0].target, small.value
    if (isinstance(target, cst.Name) and isinstance(value, cst.BinaryOperation)
            and isinstance(value.operator, (cst.Subtract, cst.Add)) and not value.lpar
            and isinstance(value.left, cst.Name) and value.left.value == target.value):
        return small
    return None


def _clears_grad(stmt: Optional[cst.CSTNode], name: str) -> bool:
    """``name.grad = None`` or ``name.grad.zero_()`` (then no second clearing line is added)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for s in stmt.body:
        if isinstance(s, cst.Assign) and any(dotted(t.target) == f"{name}.grad" for t in s.targets):
            return True
        if isinstance(s, cst.Expr) and isinstance(s.value, cst.Call) and dotted(s.value.func) == f"{name}.grad.zero_":
            return True
    return False


def _to_augassign(assign: cst.Assign) -> cst.AugAssign:
    value = assign.value
    op_type = cst.SubtractAssign if isinstance(value.operator, cst.Subtract) else cst.AddAssign
    op = op_type(whitespace_before=value.operator.whitespace_before,
                 whitespace_after=value.operator.whitespace_after)
    return cst.AugAssign(target=assign.targets[0].target, operator=op, value=value.right, semicolon=assign.semicolon)


@edit_kind("rebind_to_inplace")
def rebind_to_inplace(ctx: Context, edit: dict) -> Optional[Patch]:
    """``w = w - lr * w.grad`` -> ``with torch.no_grad(): w -= lr * w.grad`` then ``w.grad = None``."""
    stmt = edit.get("stmt")
    assign = _rebinding(stmt)
    if assign is None:
        return None
    # already under ``with torch.no_grad():`` (the rebinding lost requires_grad): only the in-place rewrite
    patch = Patch() if _under_no_grad(ctx, stmt) and ctx.owns(stmt) else ctx.no_grad_patch(stmt)
    if patch is None:
        return None
    patch.rewrite(assign, _to_augassign, key="rebind_to_inplace")
    name = assign.targets[0].target.value
    following = ctx.following(stmt)
    if not (following and _clears_grad(following[0], name)):
        patch.insert_after(stmt, cst.parse_statement(f"{name}.grad = None\n"))
    return patch


def _under_no_grad(ctx: Context, stmt: cst.CSTNode) -> bool:
    """Is ``stmt`` inside a ``with torch.no_grad():`` / ``torch.inference_mode()`` block of the same function?"""
    node = ctx.parent.get(stmt)
    while node is not None and not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Module)):
        if isinstance(node, cst.With):
            for item in node.items:
                call = item.item
                q = ctx.qualname(call.func if isinstance(call, cst.Call) else call)
                if q in ("torch.no_grad", "torch.inference_mode"):
                    return True
        node = ctx.parent.get(node)
    return False


# -- drop_detach


def _requires_grad_true(call: cst.Call) -> bool:
    """``requires_grad_()`` / ``requires_grad_(True)`` / ``requires_grad_(requires_grad=True)``."""
    if not call.args:
        return True
    return len(call.args) == 1 and _is_true(call.args[0].value) and (
        call.args[0].keyword is None or call.args[0].keyword.value == "requires_grad")


def _copy_of(ctx: Context, value: cst.BaseExpression) -> Optional[Rewrite]:
    """For ``x.clone().detach()``, ``x.detach().clone().requires_grad_(True)``, ``x.detach()``, ``torch.tensor(x)``,
    ``torch.tensor(x, requires_grad=True)``: a rewrite to the attached copy ``x.clone()`` (None: not a copy we fix)."""
    links: List[cst.Call] = []
    node = value
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and ctx.qualname(node.func) is None:
        links.append(node)
        node = node.func.value
    names = [link.func.attr.value for link in links]
    detaches = [link for link in links if link.func.attr.value == "detach" and not link.args]
    tensor = _tensor_copy(ctx, node)
    if not detaches and tensor is None:
        return None
    if any(n == "requires_grad_" and not _requires_grad_true(link) for n, link in zip(names, links)):
        return None
    needs_clone = tensor is None and "clone" not in names
    innermost_detach = detaches[-1] if detaches else None

    def rebuild(n: cst.BaseExpression, depth: int) -> cst.BaseExpression:
        # depth counts links from the outside; the structure is the original one, so links[depth] is this node
        if depth == len(links):
            return tensor(n) if tensor is not None else n
        inner = rebuild(n.func.value, depth + 1)
        link = links[depth]
        name = link.func.attr.value
        if name == "detach" and not link.args:
            if needs_clone and link is innermost_detach:
                return n.with_changes(func=n.func.with_changes(value=inner, attr=cst.Name("clone")))
            return inner
        if name == "requires_grad_":
            return inner
        return n.with_changes(func=n.func.with_changes(value=inner))

    return lambda updated: rebuild(updated, 0)


def _tensor_copy(ctx: Context, node: cst.CSTNode) -> Optional[Rewrite]:
    """``torch.tensor(x[, requires_grad=True][, dtype=..][, device=..])`` -> ``x.clone()[.to(dtype=.., device=..)]``."""
    if not isinstance(node, cst.Call) or ctx.qualname(node.func) != "torch.tensor":
        return None
    positional = [a for a in node.args if a.keyword is None]
    if len(positional) != 1 or positional[0].star:
        return None
    convert = []
    for a in node.args:
        if a.keyword is None:
            continue
        if a.keyword.value == "requires_grad" and _is_true(a.value):
            continue
        if a.keyword.value in ("dtype", "device"):
            convert.append(a)
            continue
        return None

    def rewrite(updated: cst.Call) -> cst.BaseExpression:
        src = [a for a in updated.args if a.keyword is None][0].value
        out: cst.BaseExpression = cst.Call(func=cst.Attribute(value=_parenthesize(src), attr=cst.Name("clone")))
        if convert:
            kept = [a for a in updated.args if a.keyword is not None and a.keyword.value in ("dtype", "device")]
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            out = cst.Call(func=cst.Attribute(value=out, attr=cst.Name("to")), args=kept)
        return out

    return rewrite


def _requires_grad_line(s: cst.BaseSmallStatement, names: Set[str], ctx: Context) -> Optional[str]:
    """"delete" for ``y.requires_grad_(True)`` / ``y.requires_grad = True``, "rebind" when ``y`` is rebound."""
    if isinstance(s, cst.Expr) and isinstance(s.value, cst.Call):
        call = s.value
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "requires_grad_" \
                and ctx.code(call.func.value) in names and _requires_grad_true(call):
            return "delete"
    if isinstance(s, cst.Assign):
        for t in s.targets:
            tgt = t.target
            if isinstance(tgt, cst.Attribute) and tgt.attr.value == "requires_grad" and ctx.code(tgt.value) in names:
                return "delete" if len(s.targets) == 1 and _is_true(s.value) else "rebind"
            if ctx.code(tgt) in names:
                return "rebind"
    if isinstance(s, cst.AnnAssign) and ctx.code(s.target) in names:
        return "rebind"
    return None


def _bound_names(target: cst.CSTNode, ctx: Context) -> Set[str]:
    """The names (and dotted ``self.x``) a binding target binds: ``a``, ``a, (b, *c)``, ``self.h``."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return {name for el in target.elements for name in _bound_names(el.value, ctx)}
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value, ctx)
    return {ctx.code(target)}


_BINDERS = (cst.AssignTarget, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr, cst.Del)  # each has ``.target``


def _rebinds(stmt: cst.CSTNode, names: Set[str], ctx: Context) -> bool:
    for n in _walk(stmt):
        if isinstance(n, _BINDERS):
            target = n.target
        elif isinstance(n, cst.AsName):
            target = n.name
        else:
            continue
        if _bound_names(target, ctx) & names:
            return True
    return False


@edit_kind("drop_detach", priority=0)
def drop_detach(ctx: Context, edit: dict) -> Optional[Patch]:
    """``y = x.clone().detach()`` + ``y.requires_grad_(True)`` -> ``y = x.clone()`` (the second line deleted)."""
    stmt = edit.get("stmt")
    if not isinstance(stmt, _SIMPLE) or not ctx.owns(stmt):
        return None
    for index, small in enumerate(stmt.body):
        if isinstance(small, cst.Assign):
            rewrite = _copy_of(ctx, small.value)
            if rewrite is not None:
                break
    else:
        return None
    patch = Patch().rewrite(small.value, rewrite, key="drop_detach")
    names = {ctx.code(t.target) for t in small.targets if isinstance(t.target, (cst.Name, cst.Attribute))}
    deleted: List[cst.CSTNode] = []
    stopped = False
    for s in stmt.body[index + 1:]:
        what = _requires_grad_line(s, names, ctx)
        if what == "rebind":
            stopped = True
            break
        if what == "delete":
            deleted.append(s)
    if not stopped:
        for following in ctx.following(stmt):
            if isinstance(following, cst.SimpleStatementLine):
                kinds = [_requires_grad_line(s, names, ctx) for s in following.body]
                if all(k == "delete" for k in kinds):
                    deleted.append(following)
                else:
                    deleted.extend(s for s, k in zip(following.body, kinds) if k == "delete")
                if "rebind" in kinds:
                    break
            elif _rebinds(following, names, ctx):
                break
    # ``y.requires_grad = True`` raises on the (now non-leaf) copy: refuse if one is left anywhere in the scope
    gone = set(deleted)
    for n in _walk(ctx.scope_of(stmt)):
        if isinstance(n, cst.Assign) and n not in gone and not any(
                isinstance(p, cst.SimpleStatementLine) and p in gone for p in ctx.ancestors(n)):
            for t in n.targets:
                if isinstance(t.target, cst.Attribute) and t.target.attr.value == "requires_grad" \
                        and ctx.code(t.target.value) in names:
                    return None
    for d in deleted:
        patch.remove(d)
    return patch


# -- drop_inplace / out_of_place


def _inplace_arg(ctx: Context, call: cst.Call) -> Optional[int]:
    """Index in ``call.args`` of a literal ``inplace=True`` (keyword, or positional where the op table says)."""
    q = ctx.qualname(call.func)
    position = None
    if q is not None:
        info = ops.inplace_kwarg(q)
        position = info[1] if info else ops.inplace_module_kwarg(q)
    i = _find_arg(call, "inplace", position)
    if i is None or not _is_true(call.args[i].value):
        return None
    if call.args[i].keyword is None and i != len(call.args) - 1:
        return None  # dropping a positional argument before others would shift them
    return i


def _constructor(ctx: Context, call: cst.Call) -> Optional[cst.Call]:
    """For ``act(x)`` / ``self.act(x)``: the one ``act = nn.ReLU(inplace=True)`` that built the module."""
    func = call.func
    candidates: List[cst.Assign] = []
    if isinstance(func, cst.Name):
        scopes = [ctx.scope_of(call)]
        if scopes[0] is not ctx.module:
            scopes.append(ctx.module)
        for scope in scopes:
            candidates = [n for n in _walk(scope) if isinstance(n, cst.Assign)
                          and any(isinstance(t.target, cst.Name) and t.target.value == func.value for t in n.targets)
                          and ctx.scope_of(n) is scope]
            if candidates:
                break
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        cls = next((n for n in ctx.ancestors(call) if isinstance(n, cst.ClassDef)), None)
        if cls is None:
            return None
        candidates = [n for n in _walk(cls) if isinstance(n, cst.Assign) and any(
            dotted(t.target) == f"self.{func.attr.value}" for t in n.targets)]
    if len(candidates) != 1 or not isinstance(candidates[0].value, cst.Call):
        return None
    ctor = candidates[0].value
    return ctor if _inplace_arg(ctx, ctor) is not None else None


def _written_by_call(ctx: Context, call: cst.Call) -> Optional[Tuple[cst.BaseExpression, Optional[Rewrite]]]:
    """(the tensor ``call`` writes in place, a rewrite of ``call`` to its out-of-place twin or None when it has
    none, like ``zero_``), or None when ``call`` is not an in-place call we know."""
    func = call.func
    positional = [a for a in call.args if a.keyword is None and not a.star]
    q = ctx.qualname(func)
    if isinstance(func, cst.Attribute) and q is None:
        name = func.attr.value
        if ops.is_inplace_method(name) and name.endswith("_") and not name.startswith("__"):
            if name in NO_OUT_OF_PLACE_METHOD:
                return func.value, None
            return func.value, lambda u: u.with_changes(func=u.func.with_changes(attr=cst.Name(name[:-1])))
    if q is not None and isinstance(func, cst.Attribute):
        index = ops.inplace_function_target(q)
        if index is not None and q.endswith("_"):
            if index >= len(positional):
                return None
            if q in NO_OUT_OF_PLACE_FUNCTION:
                return positional[index].value, None
            return positional[index].value, lambda u: u.with_changes(
                func=u.func.with_changes(attr=cst.Name(u.func.attr.value[:-1])))
    i = _inplace_arg(ctx, call)
    if i is not None:
        target = _inplace_target(q)
        if target < len(positional):
            return positional[target].value, lambda u: _drop_arg(u, i)
        return None
    out = _find_arg(call, "out", None)
    if out is not None:
        return call.args[out].value, lambda u: _drop_arg(u, out)
    return None


_VIEW_ATTRS = ("T", "mT", "H", "mH", "real", "imag")


def _written_root(expr: cst.BaseExpression) -> Optional[str]:
    """The name whose tensor a write through ``expr`` changes: ``h`` for ``h``, ``h[0]``, ``h[:2].t()``,
    ``self.h.view(-1)``; None through ``.detach()`` / ``.data`` (whether the original should change is the
    author's call) or anything else."""
    node = expr
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                and ops.is_view_method(node.func.attr.value) and node.func.attr.value != "detach":
            node = node.func.value
        elif isinstance(node, cst.Attribute) and node.attr.value in _VIEW_ATTRS:
            node = node.value
        else:
            break
    if isinstance(node, cst.Attribute) and node.attr.value in ("data", "grad"):
        return None
    return dotted(node)


_GRAD_OFF = ("torch.no_grad", "torch.inference_mode")


def _grad_mode_of(ctx: Context, item: cst.BaseExpression) -> Optional[bool]:
    if not isinstance(item, cst.Call):
        return None
    q = ctx.qualname(item.func)
    if q in _GRAD_OFF:
        return False
    if q == "torch.enable_grad":
        return True
    if q == "torch.set_grad_enabled" and item.args and isinstance(item.args[0].value, cst.Name) \
            and item.args[0].value.value in ("True", "False"):
        return item.args[0].value.value == "True"
    return None


def _grad_off_block(ctx: Context, stmt: cst.CSTNode) -> Optional[cst.With]:
    """The outermost ``with torch.no_grad():`` (of the same function) that ``stmt`` runs in, if grad mode is off
    there because of it: an out-of-place result computed there would not require grad."""
    outermost = None
    for n in ctx.ancestors(stmt):
        if isinstance(n, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            break
        if isinstance(n, cst.With):
            modes = {_grad_mode_of(ctx, item.item) for item in n.items} - {None}
            if True in modes:
                break
            if False in modes:
                outermost = n
    return outermost


def _clone_statement(name: str) -> Optional[cst.SimpleStatementLine]:
    try:
        stmt = cst.parse_statement(f"{name} = {name}.clone()\n")
    except cst.ParserSyntaxError:
        return None
    target = stmt.body[0].targets[0].target
    return stmt if isinstance(target, (cst.Name, cst.Attribute)) else None


def _clone_before(ctx: Context, stmt: Optional[cst.CSTNode], name: Optional[str],
                  node: Optional[cst.CSTNode] = None) -> Optional[Patch]:
    """``name = name.clone()`` right before ``stmt`` -- or before the ``with torch.no_grad():`` block ``stmt`` is in,
    so that the copy is part of the graph. Not when, at the write ``node``, ``name`` is a comprehension's or a
    lambda's own variable (``[q.uniform_() for q in ps]``): a copy before the statement would not be the tensor
    written."""
    if not isinstance(stmt, _UNITS) or not ctx.owns(stmt) or not name:
        return None
    if node is not None and name.split(".")[0] in ctx.bound_inside(node, stmt):
        return None
    block = _grad_off_block(ctx, stmt)
    if block is not None:
        if _rebinds(block, {name}, ctx):
            return None
        stmt = block
    new = _clone_statement(name)
    return Patch().insert_before(stmt, new) if new is not None else None


def _inplace_target(qualname: Optional[str]) -> int:
    """Which argument an ``inplace=True`` callable mutates (the op table's ``target``; 0 by default)."""
    info = ops.table().get("inplace_kwarg_functions", {}).get(qualname or "", {})
    return int(info.get("target", 0))
def _rebind_call(ctx: Context, call: cst.Call, target: cst.BaseExpression, to_oop: Rewrite) -> Optional[Patch]:
    """Rewrite the statement around an in-place ``call`` so that it rebinds ``target`` to the out-of-place result."""
    if not isinstance(target, (cst.Name, cst.Attribute)):
        return None
    small = ctx.small_parent(call)
    if isinstance(small, cst.Expr):
        return Patch().rewrite(small, lambda u: _assign(target.deep_clone(), to_oop(u.value), u), key="out_of_place")
    if isinstance(small, cst.Assign) and len(small.targets) == 1 \
            and small.targets[0].target.deep_equals(target):
        return Patch().rewrite(call, to_oop, key="out_of_place")
    # an in-place chain as a statement: ``h.mul_(2).add_(1)`` -> ``h = h.mul(2).add(1)``
    outer: List[cst.Call] = []
    node: cst.CSTNode = call
    while True:
        attr = ctx.parent.get(node)
        up = ctx.parent.get(attr) if isinstance(attr, cst.Attribute) else None
        if not (isinstance(up, cst.Call) and up.func is attr and attr.value is node):
            break
        name = attr.attr.value
        if not (ops.is_inplace_method(name) and name.endswith("_") and name not in NO_OUT_OF_PLACE_METHOD):
            return None
        outer.append(up)
        node = up
    small = ctx.small_parent(node)
    if not outer or not isinstance(small, cst.Expr):
        return None
    depth = len(outer)

    def rewrite(u: cst.Expr) -> cst.Assign:
        def conv(n: cst.Call, level: int) -> cst.Call:
            if level == depth:
                return to_oop(n)
            inner = conv(n.func.value, level + 1)
            return n.with_changes(func=n.func.with_changes(value=inner, attr=cst.Name(n.func.attr.value[:-1])))
        return _assign(target.deep_clone(), conv(u.value, 0), u)

    return Patch().rewrite(small, rewrite, key="out_of_place")


_AUG_TO_BIN = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.FloorDivideAssign: cst.FloorDivide, cst.ModuloAssign: cst.Modulo,
    cst.PowerAssign: cst.Power, cst.MatrixMultiplyAssign: cst.MatrixMultiply, cst.BitAndAssign: cst.BitAnd,
    cst.BitOrAssign: cst.BitOr, cst.BitXorAssign: cst.BitXor, cst.LeftShiftAssign: cst.LeftShift,
    cst.RightShiftAssign: cst.RightShift,
}
_PRECEDENCE = {
    cst.BitOr: 1, cst.BitXor: 2, cst.BitAnd: 3, cst.LeftShift: 4, cst.RightShift: 4, cst.Add: 5, cst.Subtract: 5,
    cst.Multiply: 6, cst.MatrixMultiply: 6, cst.Divide: 6, cst.FloorDivide: 6, cst.Modulo: 6, cst.Power: 8,
}
_LOOSE = (cst.BooleanOperation, cst.Comparison, cst.IfExp, cst.Lambda, cst.NamedExpr, cst.Yield)


def _right_operand(value: cst.BaseExpression, op: type) -> cst.BaseExpression:
    """``value`` as the right operand of ``op``, parenthesised where precedence requires it."""
    if value.lpar:
        return value
    prec = _PRECEDENCE[op]
    need = isinstance(value, _LOOSE) or (isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Not))
    if isinstance(value, cst.BinaryOperation):
        inner = _PRECEDENCE[type(value.operator)]
        need = inner < prec or (inner == prec and op is not cst.Power)
    return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]) if need else value


def _augassign_out_of_place(aug: cst.AugAssign) -> Optional[Patch]:
    if not isinstance(aug.target, (cst.Name, cst.Attribute)) or type(aug.operator) not in _AUG_TO_BIN:
        return None

    def rewrite(u: cst.AugAssign) -> cst.Assign:
        op = _AUG_TO_BIN[type(u.operator)]
        value = cst.BinaryOperation(left=u.target.deep_clone(), operator=op(), right=_right_operand(u.value, op))
        return _assign(u.target, value, u, whitespace=u.operator)

    return Patch().rewrite(aug, rewrite, key="out_of_place")


@edit_kind("out_of_place")
def out_of_place(ctx: Context, edit: dict) -> Optional[Patch]:
    """``h.mul_(2)`` -> ``h = h.mul(2)``, ``h += y`` -> ``h = h + y``, ``torch.relu_(h)`` -> ``h = torch.relu(h)``,
    ``F.relu(h, inplace=True)`` -> ``h = F.relu(h)``, ``torch.add(a, b, out=h)`` -> ``h = torch.add(a, b)``.

    Where no rebinding expresses the same thing -- a write through an index or a view (``h[:2].zero_()``), a method
    without an out-of-place twin (``h.zero_()``), a result that is used (``y = h.mul_(2)``), a write under
    ``torch.no_grad()`` -- the tensor is copied first instead: ``h = h.clone()`` before the statement."""
    node = edit.get("node")
    if not ctx.owns(node) or edit.get("leaf"):  # a leaf must stay the tensor its name holds
        return None
    stmt = ctx.statement_of(node)
    in_grad_off = _grad_off_block(ctx, stmt) is not None
    if isinstance(node, cst.AugAssign):
        if not in_grad_off:
            patch = _augassign_out_of_place(node)
            if patch is not None:
                return patch
        return _clone_before(ctx, stmt, _written_root(node.target), node)
    if isinstance(node, cst.Assign):  # h[0] = 0
        roots = {_written_root(t.target) for t in node.targets if isinstance(t.target, cst.Subscript)}
        return _clone_before(ctx, stmt, roots.pop(), node) if len(roots) == 1 else None
    if isinstance(node, cst.Call):
        found = _written_by_call(ctx, node)
        if found is None:
            return None
        target, to_oop = found
        if to_oop is not None and not in_grad_off:
            patch = _rebind_call(ctx, node, target, to_oop)
            if patch is not None:
                return patch
        return _clone_before(ctx, stmt, _written_root(target), node)
    return None


@edit_kind("drop_inplace")
def drop_inplace(ctx: Context, edit: dict) -> Optional[Patch]:
    """``F.relu(h, inplace=True)`` -> ``F.relu(h)``; ``nn.ReLU(inplace=True)`` -> ``nn.ReLU()`` (at the call, or
    where the module applied at ``node`` was constructed). A bare statement rebinds: ``h = F.relu(h)``."""
    node = edit.get("node")
    if not isinstance(node, cst.Call) or not ctx.owns(node):
        return None
    i = _inplace_arg(ctx, node)
    if i is not None:
        if isinstance(ctx.small_parent(node), cst.Expr):  # the result is discarded: keep the update, out of place
            return out_of_place(ctx, {"node": node, "leaf": edit.get("leaf")})
        return Patch().rewrite(node, lambda u: _drop_arg(u, i), key="drop_inplace")
    ctor = node.func if isinstance(node.func, cst.Call) else _constructor(ctx, node)
    j = _inplace_arg(ctx, ctor) if ctor is not None else None
    if j is None:
        return None
    return Patch().rewrite(ctor, lambda u: _drop_arg(u, j), key="drop_inplace")


@edit_kind("clone_before")
def clone_before(ctx: Context, edit: dict) -> Optional[Patch]:
    """``{"stmt", "name", "node"}``: ``name = name.clone()`` before ``stmt`` (write into a copy of ``name``; ``node``
    is the write)."""
    node = edit.get("node")
    return _clone_before(ctx, edit.get("stmt"), edit.get("name"), node if ctx.owns(node) else None)


@edit_kind("mark_dirty")
def mark_dirty(ctx: Context, edit: dict) -> Optional[Patch]:
    """``{"stmt", "name"}`` in ``autograd.Function.forward``: ``ctx.mark_dirty(name)`` right after ``stmt``. A
    ``mark_dirty`` call already in ``forward`` gets the name added instead (each call replaces the previous set)."""
    stmt, name = edit.get("stmt"), edit.get("name")
    if not isinstance(stmt, _UNITS) or not ctx.owns(stmt) or not isinstance(name, str):
        return None
    fn = next((n for n in ctx.ancestors(stmt) if isinstance(n, cst.FunctionDef)), None)
    if fn is None or not fn.params.params:
        return None
    ctx_name = fn.params.params[0].name.value
    try:
        arg = cst.Arg(value=cst.parse_expression(name))
    except cst.ParserSyntaxError:
        return None
    calls = [n for n in _walk(fn) if isinstance(n, cst.Call) and dotted(n.func) == f"{ctx_name}.mark_dirty"
             and ctx.scope_of(n) is fn]
    if calls:
        if any(ctx.code(a.value) == name for a in calls[0].args):
            return None

        def add(u: cst.Call) -> cst.Call:
            args = list(u.args)
            if args:
                args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            return u.with_changes(args=[*args, arg])

        return Patch().rewrite(calls[0], add, key=f"mark_dirty:{name}")
    # one new call per function and round: the identity rewrite of ``fn`` makes a second one wait for the next round
    return Patch().insert_after(stmt, cst.parse_statement(f"{ctx_name}.mark_dirty({name})\n")).rewrite(
        fn, lambda u: u, key=f"mark_dirty:{name}")


@edit_kind("clone_arg")
def clone_arg(ctx: Context, edit: dict) -> Optional[Patch]:
    """``{"node": call}``: ``self.block(x)`` -> ``self.block(x.clone())`` (the callee writes into a copy)."""
    call = edit.get("node")
    if not isinstance(call, cst.Call) or not ctx.owns(call) or not call.args or call.args[0].keyword is not None \
            or call.args[0].star:
        return None

    def rewrite(u: cst.Call) -> cst.Call:
        first = u.args[0]
        value = cst.Call(func=cst.Attribute(value=_parenthesize(first.value), attr=cst.Name("clone")))
        return u.with_changes(args=[first.with_changes(value=value), *u.args[1:]])

    return Patch().rewrite(call, rewrite, key="clone_arg")


# ---------------------------------------------------------------------------------------------------------------
# One round: plan, keep what does not overlap, apply


class _Plan:
    """The patches accepted for one round, merged."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.no_grad: Set[cst.CSTNode] = set()
        self.delete_units: Set[cst.CSTNode] = set()
        self.delete_smalls: Set[cst.CSTNode] = set()
        self.before: Dict[cst.CSTNode, List[cst.BaseStatement]] = {}
        self.after: Dict[cst.CSTNode, List[cst.BaseStatement]] = {}
        self.rewrites: Dict[cst.CSTNode, List[Tuple[str, Rewrite]]] = {}
        self.units: Dict[cst.CSTNode, Set[str]] = {}  # statement -> what is done to it
        self.unit_kinds: Dict[cst.CSTNode, Set[str]] = {}  # statement -> the edit kinds that change it
        self.unit_rewrites: Dict[cst.CSTNode, List[Tuple[cst.CSTNode, str]]] = {}
        self.inside: Set[cst.CSTNode] = set()  # strict statement ancestors of touched statements

    def _ops(self, patch: Patch) -> Optional[Tuple[Dict[cst.CSTNode, Set[str]], Dict[cst.CSTNode, list]]]:
        ctx = self.ctx
        units: Dict[cst.CSTNode, Set[str]] = {}
        rewrites: Dict[cst.CSTNode, list] = {}

        def add(unit: Optional[cst.CSTNode], what: str) -> bool:
            if unit is None or not ctx.owns(unit):
                return False
            units.setdefault(unit, set()).add(what)
            return True

        for s in patch.no_grad:
            if not add(s if isinstance(s, _UNITS) else None, "wrap"):
                return None
        for s, _ in patch.before:
            if not add(s if isinstance(s, _UNITS) else None, "before"):
                return None
        for s, _ in patch.after:
            if not add(s if isinstance(s, _UNITS) else None, "after"):
                return None
        for d in patch.delete:
            if isinstance(d, _UNITS):
                ok = add(d, "delete")
            else:
                ok = isinstance(ctx.parent.get(d), _SIMPLE) and add(ctx.parent.get(d), "delete_small")
            if not ok:
                return None
        for node, key, _ in patch.rewrites:
            unit = ctx.statement_of(node)
            if not add(unit, "rewrite"):
                return None
            rewrites.setdefault(unit, []).append((node, key))
        return units, rewrites

    def add(self, patch: Patch, kind: str = "") -> bool:
        """Accept ``patch`` (made by edit kind ``kind``) unless it overlaps what was accepted. Two patches share a
        statement only when both just wrap it or insert next to it, or when they are of the same kind (several
        ``.data`` writes on one line); otherwise the later one waits for the next round."""
        found = self._ops(patch)
        if found is None:
            return False
        units, rewrites = found
        ctx = self.ctx
        for unit, ops_here in units.items():
            if unit in self.inside or any(a in self.units for a in ctx.unit_ancestors(unit)):
                return False  # nested in, or containing, a statement another fix changes
            theirs = self.units.get(unit)
            if theirs is None:
                continue
            if "delete" in ops_here or "delete" in theirs:
                return False
            changes = {"rewrite", "delete_small"}
            if (ops_here & changes or theirs & changes) and self.unit_kinds.get(unit) != {kind}:
                return False
            if ("delete_small" in ops_here and theirs & {"rewrite", "delete_small"}) or \
                    ("delete_small" in theirs and ops_here & {"rewrite", "delete_small"}):
                return False
            for node, key in rewrites.get(unit, []):
                for other, other_key in self.unit_rewrites.get(unit, []):
                    if node is other:
                        if key != other_key:
                            return False
                    elif ctx.is_ancestor(node, other) or ctx.is_ancestor(other, node):
                        return False
        # accepted: merge
        for unit, ops_here in units.items():
            self.units.setdefault(unit, set()).update(ops_here)
            self.unit_kinds.setdefault(unit, set()).add(kind)
            self.inside.update(ctx.unit_ancestors(unit))
        for unit, rws in rewrites.items():
            self.unit_rewrites.setdefault(unit, []).extend(rws)
        self.no_grad.update(patch.no_grad)
        for d in patch.delete:
            (self.delete_units if isinstance(d, _UNITS) else self.delete_smalls).add(d)
        for where, items in ((self.before, patch.before), (self.after, patch.after)):
            for s, new in items:
                present = where.setdefault(s, [])
                if all(not new.deep_equals(old) for old in present):  # the same copy asked twice: once
                    present.append(new)
        for node, key, fn in patch.rewrites:
            present = self.rewrites.setdefault(node, [])
            if all(k != key for k, _ in present):
                present.append((key, fn))
        return True


def _first_top_level(ctx: Context, nodes) -> Optional[int]:
    """The index in ``module.body`` of the first top-level statement holding one of ``nodes``."""
    index = {id(stmt): i for i, stmt in enumerate(ctx.module.body)}
    found = []
    for node in nodes:
        for n in (node, *ctx.ancestors(node)):
            if id(n) in index:
                found.append(index[id(n)])
                break
    return min(found) if found else None


class _Apply(cst.CSTTransformer):
    def __init__(self, plan: _Plan) -> None:
        super().__init__()
        self.plan = plan
        self.callee, self.needs_import = plan.ctx.no_grad_callee(_first_top_level(plan.ctx, plan.no_grad))
        if self.callee is None:  # only an alias imported later would do: better that than nothing
            self.callee, self.needs_import = plan.ctx.no_grad_callee()
        if not plan.no_grad:
            self.needs_import = False
        self.owners_of_smalls = {plan.ctx.parent[s] for s in plan.delete_smalls}

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        updated = updated_node
        for _, fn in self.plan.rewrites.get(original_node, ()):
            updated = fn(updated)
        if original_node in self.owners_of_smalls:
            updated = self._drop_smalls(original_node, updated)
        if isinstance(original_node, cst.SimpleStatementSuite) and self._has_ops(original_node):
            line = cst.SimpleStatementLine(body=updated.body, trailing_whitespace=updated.trailing_whitespace)
            out, _ = self._emit([(original_node, line)])
            updated = cst.IndentedBlock(body=out or [_line(cst.Pass())])
        elif isinstance(original_node, (cst.Module, cst.IndentedBlock)):
            updated = self._rebody(original_node, updated)
        return updated

    def _has_ops(self, stmt: cst.CSTNode) -> bool:
        p = self.plan
        return stmt in p.no_grad or stmt in p.before or stmt in p.after or stmt in p.delete_units

    def _drop_smalls(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        kept = [u for o, u in zip(original.body, updated.body) if o not in self.plan.delete_smalls]
        if not kept:
            kept = [cst.Pass()]
        kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=kept)

    def _with(self, run: List[cst.BaseStatement]) -> cst.With:
        first = run[0]
        call = cst.Call(func=cst.parse_expression(self.callee))
        body = [first.with_changes(leading_lines=[]), *run[1:]]
        return cst.With(items=[cst.WithItem(item=call)], body=cst.IndentedBlock(body=body),
                        leading_lines=first.leading_lines)

    def _emit(self, pairs) -> Tuple[List[cst.BaseStatement], List[cst.EmptyLine]]:
        p = self.plan
        out: List[cst.BaseStatement] = []
        run: List[cst.BaseStatement] = []
        run_after: List[cst.BaseStatement] = []
        carry: List[cst.EmptyLine] = []

        def flush() -> None:
            if run:
                out.append(self._with(run))
                run.clear()
            out.extend(run_after)
            run_after.clear()

        for original, updated in pairs:
            if original in p.delete_units:
                carry.extend(getattr(updated, "leading_lines", ()))  # never lose the comments above it
                continue
            if carry:
                updated = updated.with_changes(leading_lines=[*carry, *updated.leading_lines])
                carry = []
            before = p.before.get(original, [])
            if before:
                flush()
                out.append(before[0].with_changes(leading_lines=updated.leading_lines))
                out.extend(before[1:])
                updated = updated.with_changes(leading_lines=[])
            after = p.after.get(original, [])
            if original in p.no_grad:
                run.append(updated)
                run_after.extend(after)
            else:
                flush()
                out.append(updated)
                out.extend(after)
        flush()
        return out, carry

    def _rebody(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        if any(self._has_ops(s) for s in original.body):
            out, carry = self._emit(list(zip(original.body, updated.body)))
            if isinstance(original, cst.IndentedBlock) and not out:
                out = [_line(cst.Pass())]
            updated = updated.with_changes(body=out, footer=[*carry, *updated.footer])
        if isinstance(original, cst.Module) and self.needs_import:
            updated = _add_import_torch(updated)
        return updated


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) \
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def _is_import(stmt: cst.CSTNode, future: Optional[bool] = None) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for s in stmt.body:
        if isinstance(s, cst.ImportFrom) and future is not None:
            is_future = isinstance(s.module, cst.Name) and s.module.value == "__future__"
            if is_future == future:
                return True
        elif isinstance(s, (cst.Import, cst.ImportFrom)) and not future:
            return True
    return False


def _add_import_torch(module: cst.Module) -> cst.Module:
    """``import torch`` after the docstring and ``__future__`` imports."""
    body = list(module.body)
    i = 0
    if body and _is_docstring(body[0]):
        i = 1
    while i < len(body) and _is_import(body[i], future=True):
        i += 1
    new = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name("torch"))])])
    if i < len(body):
        nxt = body[i]
        lines = list(nxt.leading_lines)
        blanks = 0
        while blanks < len(lines) and lines[blanks].comment is None:
            blanks += 1
        new = new.with_changes(leading_lines=lines[:blanks])
        rest = lines[blanks:]
        if not _is_import(nxt):
            gap = 2 if isinstance(nxt, (cst.FunctionDef, cst.ClassDef)) else 1
            rest = [cst.EmptyLine()] * gap + rest
        body[i] = nxt.with_changes(leading_lines=rest)
    elif i > 0:
        new = new.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(i, new)
    return module.with_changes(body=body)


def plan_fix(ctx: Context, diag: Diagnostic) -> Optional[Patch]:
    """The patch for one diagnostic's fix (None when its edit cannot be applied here)."""
    if not isinstance(diag.fix.edit, dict):
        return None
    kind = EDIT_KINDS.get(diag.fix.edit.get("kind"))
    if kind is None:
        return None
    patch = kind.plan(ctx, diag.fix.edit)
    return None if patch is None or patch.empty() else patch


def apply_fixes(module: cst.Module, diagnostics: Sequence[Diagnostic], *,
                unsafe: bool = False) -> Tuple[str, List[Diagnostic]]:
    """One round: the new source, and the diagnostics whose fixes it applied (none: the source is unchanged).

    ``diagnostics`` must come from analysing ``module`` (their edits reference its nodes)."""
    candidates = [d for d in diagnostics if is_applicable(d, unsafe)]
    if not candidates:
        return module.code, []
    ctx = Context(module)
    plan = _Plan(ctx)
    used: List[Diagnostic] = []
    by_priority: Dict[int, List[Diagnostic]] = {}
    for d in candidates:
        by_priority.setdefault(EDIT_KINDS[d.fix.edit["kind"]].priority, []).append(d)
    for priority in sorted(by_priority):
        for d in sorted(by_priority[priority], key=Diagnostic.sort_key):
            patch = plan_fix(ctx, d)
            if patch is not None and plan.add(patch, d.fix.edit["kind"]):
                used.append(d)
        if used:
            break
    if not used:
        return module.code, []
    return module.visit(_Apply(plan)).code, used


# ---------------------------------------------------------------------------------------------------------------
# The fixed point


Keep = Callable[[List[Diagnostic], str], List[Diagnostic]]


@dataclass
class TextFix:
    """The outcome of fixing one text."""

    original: str
    source: str  # the fixed text (the original when nothing applied, or on error)
    initial: List[Diagnostic]  # findings before fixing
    remaining: List[Diagnostic]  # findings of ``source``
    applied: List[Diagnostic] = field(default_factory=list)  # diagnostics whose fixes were applied, all rounds
    rounds: int = 0
    error: Optional[str] = None  # why nothing was changed although fixes applied

    @property
    def changed(self) -> bool:
        return self.source != self.original

    @property
    def fixed(self) -> int:
        """Problems gone (a fix may make others disappear too, e.g. dropping ``.detach()``)."""
        if not self.changed:
            return 0
        gone = len(self.initial) - len(self.remaining)
        return gone if gone > 0 else len(self.applied)


def _problem(code: str, path: str, compiled_before: bool) -> Optional[str]:
    try:
        cst.parse_module(code)
    except Exception as exc:  # noqa: BLE001 - any failure means the output is unusable
        return f"the fixed code does not parse ({' '.join(str(exc).split())[:200]})"
    if compiled_before:
        try:
            _quiet_compile(code, path)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            return f"the fixed code does not compile ({getattr(exc, 'msg', exc)}" + (f", line {line})" if line else ")")
    return None


def _quiet_compile(code: str, path: str) -> None:
    """``compile()`` without printing the user's syntax warnings (``"is" with a literal``...) on stderr."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(code, path, "exec", dont_inherit=True)


def _compiles(code: str, path: str) -> bool:
    try:
        _quiet_compile(code, path)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def fix_text(source: str, path: str = "<string>", *, unsafe: bool = False, keep: Optional[Keep] = None,
             max_rounds: int = MAX_ROUNDS) -> TextFix:
    """Apply fixes to ``source`` until none applies (or ``max_rounds``). ``keep(diagnostics, text)`` filters the
    findings (selection, per-file ignores, noqa): only kept findings are fixed and reported.

    LibCST's transformer and code generator recurse: a deeply nested file is fixed again on a big stack
    (``analysis.guard.run_deep``); if even that runs out, the text is left unchanged with an error."""
    from .analysis.guard import run_deep

    try:
        return run_deep(lambda: _fix_text(source, path, unsafe, keep, max_rounds))
    except RecursionError:
        return TextFix(original=source, source=source, initial=[], remaining=[],
                       error="the file is nested too deeply to fix; it was left unchanged")


def _fix_text(source: str, path: str, unsafe: bool, keep: Optional[Keep], max_rounds: int) -> TextFix:
    keep = keep or (lambda diags, text: list(diags))
    module, found = analyze_module(source, path)
    diags = keep(found, source)
    result = TextFix(original=source, source=source, initial=diags, remaining=diags)
    if module is None or not any(is_applicable(d, unsafe) for d in diags):
        return result
    compiled_before = _compiles(source, path)
    text, seen = source, {source}
    while result.rounds < max_rounds:
        try:
            new, used = apply_fixes(module, diags, unsafe=unsafe)
            problem = _problem(new, path, compiled_before) if used else None
        except RecursionError:
            raise  # fix_text tries again with more room
        except Exception as exc:  # noqa: BLE001 - a fixer bug must not lose the user's file
            used, problem = [], f"internal error while fixing: {type(exc).__name__}: {exc}"
        if problem is not None:
            result.source, result.remaining, result.applied = source, result.initial, []
            result.error = f"{problem}; the file was left unchanged (this is a bug in inplace-lint; please report it)"
            return result
        if not used or new == text:
            break
        result.rounds += 1
        result.applied.extend(used)
        text = new
        module, found = analyze_module(text, path)
        diags = keep(found, text)
        if module is None or text in seen:
            break
        seen.add(text)
    else:
        if module is not None and _still_fixing(module, diags, unsafe, text):
            # every round found something to fix again: a fix that does not remove its finding (it would add the
            # same lines on every run); leave the file as it was rather than write that
            result.source, result.remaining, result.applied = source, result.initial, []
            result.error = (f"the fixes did not settle after {max_rounds} rounds; the file was left unchanged "
                            f"(this is a bug in inplace-lint; please report it)")
            return result
    result.source, result.remaining = text, _without_declined(module, diags, unsafe)
    return result


def _still_fixing(module: cst.Module, diags: List[Diagnostic], unsafe: bool, text: str) -> bool:
    try:
        new, used = apply_fixes(module, diags, unsafe=unsafe)
    except Exception:  # noqa: BLE001 - only asking
        return False
    return bool(used) and new != text


def _without_declined(module: Optional[cst.Module], diags: List[Diagnostic], unsafe: bool) -> List[Diagnostic]:
    """Remaining findings whose fix turned out not to apply here lose their edit (so they are not shown as [*])."""
    pending = [d for d in diags if is_applicable(d, unsafe)]
    if module is None or not pending:
        return diags
    ctx = Context(module)
    declined = {id(d) for d in pending if plan_fix(ctx, d) is None}
    return [replace(d, fix=replace(d.fix, edit=None)) if id(d) in declined else d for d in diags]


# ---------------------------------------------------------------------------------------------------------------
# Files: read, fix, write atomically; --diff


@dataclass
class FixOptions:
    unsafe: bool = False  # apply unsafe fixes too
    write: bool = True  # False for --diff: compute, never write
    max_rounds: int = MAX_ROUNDS


@dataclass
class FixRun(Result):
    """A run under ``--fix`` / ``--diff``: the usual result (remaining findings) plus what changed."""

    fixed: int = 0  # problems fixed (or, for --diff, that would be)
    files_fixed: int = 0  # files written (or, for --diff, that would be)
    diffs: List[str] = field(default_factory=list)  # unified diffs, one per changed file
    stdin_output: Optional[bytes] = None  # the fixed stdin, to print with --fix
    unsafe_fixes: bool = False  # unsafe fixes count as fixable ([*]) in the report


def with_unsafe_hints(result: Result) -> FixRun:
    """A plain run's result, reported with unsafe fixes marked as fixable (``--unsafe-fixes`` without ``--fix``)."""
    run = FixRun(**{f.name: getattr(result, f.name) for f in fields(result)})
    run.unsafe_fixes = True
    return run


class SourceBytes:
    """Decoded source that remembers how to turn it back into the same bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.text = engine.decode_source(data)  # raises UnreadableSource
        try:
            self.encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        except SyntaxError:
            self.encoding = "utf-8"

    def encode(self, text: str) -> bytes:
        """``text`` in the file's encoding (a BOM stays, CRLF stays: LibCST keeps line endings)."""
        if self.text.encode(self.encoding) != self.data:
            raise ValueError(f"the file does not round-trip through its encoding ({self.encoding})")
        return text.encode(self.encoding)


class NotWritable(Exception):
    pass


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path``'s content by ``data`` through a temporary file in the same folder (mode kept)."""
    real = os.path.realpath(path)
    st = os.stat(real)
    if not os.access(real, os.W_OK) or not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise NotWritable("the file is read-only")
    folder, name = os.path.split(real)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".inplace-lint.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def unified_diff(old: str, new: str, path: str) -> str:
    """A unified diff from ``old`` to ``new`` (``\\ No newline at end of file`` where needed)."""
    lines = []
    for line in difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     fromfile=path, tofile=path):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return "".join(lines)


def fix_paths(paths: Sequence[str], settings, options: FixOptions, *, stdin_filename: Optional[str] = None,
              stdin: Optional[BinaryIO] = None) -> FixRun:
    """``--fix`` / ``--diff`` over files, folders and ``-``: remaining findings, diffs, errors."""
    run = FixRun(unsafe_fixes=options.unsafe)
    file_paths = [p for p in paths if p != STDIN]
    files, run.errors = engine.discover(file_paths, settings)
    if STDIN in paths:
        stream = stdin if stdin is not None else sys.stdin.buffer
        path = engine.display_path(stdin_filename) if stdin_filename else STDIN
        data = stream.read()
        run.stdin_output = data
        if not (stdin_filename and settings.force_exclude
                and settings.is_excluded_anywhere(Path(stdin_filename))):
            run.stdin_output = _fix_one(path, lambda: data, None, settings, options, run)
    for file in files:
        _fix_one(engine.display_path(file), lambda f=file: engine.read_file_bytes(f), file, settings, options, run)
    run.diagnostics.sort(key=Diagnostic.sort_key)
    run.errors.sort(key=lambda e: e.path)
    return run


def _fix_one(path: str, read: Callable[[], bytes], file: Optional[Path], settings, options: FixOptions,
             run: FixRun) -> Optional[bytes]:
    """Fix one source into ``run``; returns the bytes to print for stdin."""
    run.files_checked += 1
    if isinstance(getattr(run, "paths", None), list):  # newer engines list every file checked
        run.paths.append(path)

    def keep(diags: List[Diagnostic], text: str) -> List[Diagnostic]:
        return engine.filter_diagnostics(diags, text, path, settings)

    def report(diags: List[Diagnostic], text: Optional[str]) -> None:
        if diags:
            run.diagnostics.extend(diags)
            if text is not None:
                run.sources[path] = text

    try:
        if file is not None and file.suffix == NOTEBOOK_SUFFIX:
            _fix_notebook(path, file, options, run, keep, report)
            return None
        if file is not None and file.suffix not in PYTHON_SUFFIXES:  # other readers: lint only
            try:
                text = engine.read_source(file)
            except UnreadableSource as exc:
                report(keep([engine.unreadable_diagnostic(path, str(exc))], ""), None)
                return None
            report(engine.check_source(text, path, settings), text)
            return None
        try:
            source = SourceBytes(read())
        except PermissionError:
            report(keep([engine.unreadable_diagnostic(path, "permission denied")], ""), None)
            return None
        except OSError as exc:
            report(keep([engine.unreadable_diagnostic(path, f"cannot read: {exc.strerror or exc}")], ""), None)
            return None
        except UnreadableSource as exc:
            report(keep([engine.unreadable_diagnostic(path, str(exc))], ""), None)
            return None
        result = fix_text(source.text, path, unsafe=options.unsafe, keep=keep, max_rounds=options.max_rounds)
        if result.error:
            run.errors.append(LintError(path, f"cannot fix: {result.error}"))
        out = source.data
        if result.changed:
            try:
                out = source.encode(result.source)
                if options.write and file is not None:
                    write_atomic(file, out)
            except (NotWritable, OSError, ValueError, UnicodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                run.errors.append(LintError(path, f"cannot write the fixes: {reason}; the file was left unchanged"))
                report(result.initial, source.text)
                return source.data
            run.fixed += result.fixed
            run.files_fixed += 1
            if not options.write:
                run.diffs.append(unified_diff(source.text, result.source, path))
        report(result.remaining, result.source)
        return out
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
        run.errors.append(LintError(path, f"internal error: {type(exc).__name__}: {exc}"))
        return None


def _fix_notebook(path: str, file: Path, options: FixOptions, run: FixRun, keep, report) -> None:
    """Fix the program of a notebook (its code cells as one text) and write back only the cells that changed."""
    from . import notebook

    try:
        data = engine.read_file_bytes(file)
        original = notebook.load_notebook_text(data)
        program = notebook.NotebookSource(notebook.Notebook.parse(original))
    except (OSError, UnreadableSource) as exc:
        reason = f"cannot read: {exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        report(keep([engine.unreadable_diagnostic(path, reason)], ""), None)
        return
    outcome: List[TextFix] = []

    def fix_program(text: str) -> str:
        outcome.append(fix_text(text, path, unsafe=options.unsafe, keep=keep, max_rounds=options.max_rounds))
        return outcome[-1].source

    try:
        new_text = notebook.fix_notebook_text(original, fix_program)
    except (ValueError, UnreadableSource) as exc:
        new_text = None
        run.errors.append(LintError(path, f"cannot fix: {exc}; the file was left unchanged"))
    result = outcome[-1] if outcome else None
    if result is None:
        return
    if result.error:
        run.errors.append(LintError(path, f"cannot fix: {result.error}"))
    if new_text is None:
        report(engine.remap_cells(result.initial, program), program)
        return
    try:
        if options.write:
            write_atomic(file, new_text.encode("utf-8"))
    except (NotWritable, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        run.errors.append(LintError(path, f"cannot write the fixes: {reason}; the file was left unchanged"))
        report(engine.remap_cells(result.initial, program), program)
        return
    run.fixed += result.fixed
    run.files_fixed += 1
    if not options.write:
        run.diffs.append(unified_diff(original, new_text, path))
    fixed_program = notebook.NotebookSource(notebook.Notebook.parse(new_text))
    report(engine.remap_cells(result.remaining, fixed_program), fixed_program)
