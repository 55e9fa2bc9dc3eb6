"""Codemods: how each kind of fix rewrites the code, and ``materialize``, which turns the fix a rule chose into
finished text edits when the finding is made.

Layers, bottom up:

* **Edit kinds.** ``EDIT_KINDS`` maps the ``kind`` of a rule's payload (``{"kind": "wrap_no_grad", "stmt": node}``)
  to a *planner* ``plan(ctx, edit) -> Patch | None``. A planner only says what to change; ``None`` means this
  occurrence cannot be fixed here (the finding is then offered no fix). A new kind is one decorated function::

      @edit_kind("clone_before")
      def clone_before(ctx: Context, edit: dict) -> Optional[Patch]:
          node = edit["node"]
          ...
          return Patch().rewrite(node, lambda updated: ..., key="clone_before")

  A ``Patch`` is declarative: rewrite a node (matched by identity, rewritten bottom-up), put a statement under
  ``torch.no_grad()`` (adjacent ones share one ``with`` block; ``import torch`` is added when missing, an alias such
  as ``th`` is respected), delete a statement, insert statements before or after one. ``Context`` answers the
  questions planners ask (enclosing statement, next statement, qualified names through the imports, source text).
* **Materializing.** ``materialize(module, analysed, source, path, diagnostics)`` plans the fix of every finding,
  groups the patches that belong together (adjacent statements put under one ``no_grad`` block, several writes on
  one statement), applies each group to the module, and stores the text difference as the fix's ``edits``; a fix
  whose patch is declined, or whose result would not compile, is dropped: a finding is offered a fix exactly when
  ``--fix`` can apply it. The payload (live LibCST nodes) is discarded, so findings are plain data from then on.

Applicability (``Fix.applicability``): ``safe`` fixes are applied by ``--fix``; ``unsafe`` ones only with
``--unsafe-fixes``; ``display-only`` fixes (hints, ``template`` text) are never applied. The fixed point over rounds
and the files are ``inplace_lint.fixes``.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from . import function_fix, ops
from .analysis.names import NO_CHANGE, canonical, dotted, grad_mode_set_by, record_import, resolve
from .analysis.statements import is_docstring
from .diagnostics import Diagnostic, Fix
from .edits import apply_edits, diff_edits, region_text

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


def _kind_of(diag: Diagnostic) -> Optional[EditKind]:
    """The edit kind a finding's fix payload names (None: no payload, or an unknown kind)."""
    fix = diag.fix
    if fix is None or not isinstance(fix.edit, dict):
        return None
    return EDIT_KINDS.get(fix.edit.get("kind"))


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
        self._top_code: Optional[Dict[int, str]] = None
        self._spans: Optional[Dict[int, Tuple[int, int]]] = None
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

    def code_of(self, new: cst.Module, analysed: str) -> str:
        """The text of ``new``, a transform of this module (whose text is ``analysed``): only the statements that
        changed are generated again, at their indentation, and spliced into the old text (generating a whole module
        per fix was most of what fixes cost). Whatever the splice cannot express is generated the slow way."""
        try:
            spliced = _Splicer(self, analysed).module(new)
        except (RecursionError, MemoryError):
            raise
        except Exception:  # noqa: BLE001 - LibCST internals moved: the slow way still works
            spliced = None
        return spliced if spliced is not None else self._code_by_top_statements(new)

    def statement_spans(self, analysed: str) -> Dict[int, Tuple[int, int]]:
        """id(statement) -> (start, end) offsets of its text (leading comment lines included) in ``analysed``, for
        every statement of the module: one code generation pass, done once."""
        if self._spans is None:
            state = _SpanState(default_indent=self.module.default_indent,
                               default_newline=self.module.default_newline)
            self.module._codegen(state)
            self._spans = state.spans() if "".join(state.tokens) == analysed else {}
        return self._spans

    def _code_by_top_statements(self, new: cst.Module) -> str:
        old = self.module
        if self._top_code is None:
            self._top_code = {id(stmt): old.code_for_node(stmt) for stmt in old.body}
        def same(a: Sequence, b: Sequence) -> bool:
            return len(a) == len(b) and all(x is y for x, y in zip(a, b))

        if (not same(new.header, old.header) or not same(new.footer, old.footer) or not new.has_trailing_newline
                or new.default_indent != old.default_indent or new.default_newline != old.default_newline):
            return new.code
        parts = [new.code_for_node(line) for line in new.header]
        for stmt in new.body:
            known = self._top_code.get(id(stmt))
            parts.append(known if known is not None else new.code_for_node(stmt))  # ids of live objects
        parts.extend(new.code_for_node(line) for line in new.footer)
        return "".join(parts)

    def qualname(self, expr: cst.CSTNode) -> Optional[str]:
        """``torch.nn.functional.relu`` for ``F.relu`` (module-level imports), else None."""
        return resolve(expr, self.imports) if isinstance(expr, cst.BaseExpression) else None

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


class _SpanState(CodegenState):
    """A code generation that remembers where each statement's text starts and ends."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.marks: List[Tuple[int, int, int]] = []  # (id(statement), token index at start, token index at end)
        self.open: List[Tuple[int, int]] = []

    def before_codegen(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.BaseStatement):
            self.open.append((id(node), len(self.tokens)))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.BaseStatement):
            key, start = self.open.pop()
            self.marks.append((key, start, len(self.tokens)))

    def spans(self) -> Dict[int, Tuple[int, int]]:
        offsets = [0]
        for token in self.tokens:
            offsets.append(offsets[-1] + len(token))
        return {key: (offsets[a], offsets[b]) for key, a, b in self.marks}


class _Splicer:
    """Turns a transformed module into text by changing only the spans of the statements that changed: walks the old
    and the new tree together down the path the transform rebuilt, aligns statement lists by identity, and
    generates the new statements at their block's indentation. ``None`` where a change is not of that shape."""

    _BLOCK_FIELDS = ("body", "orelse", "handlers", "finalbody", "cases")

    def __init__(self, ctx: Context, analysed: str) -> None:
        self.ctx = ctx
        self.text = analysed
        self.spans = ctx.statement_spans(analysed)
        self.changes: List[Tuple[int, int, str]] = []

    def module(self, new: cst.Module) -> Optional[str]:
        old = self.ctx.module
        if not self.spans or not _same_seq(new.header, old.header) or not _same_seq(new.footer, old.footer) \
                or (new.default_indent, new.default_newline, new.has_trailing_newline) != \
                (old.default_indent, old.default_newline, old.has_trailing_newline):
            return None
        if not self.block(old.body, new.body, []):
            return None
        out, pos = [], 0
        for start, end, text in sorted(self.changes):
            if start < pos:
                return None
            out.append(self.text[pos:start])
            out.append(text)
            pos = end
        out.append(self.text[pos:])
        return "".join(out)

    def block(self, old: Sequence[cst.CSTNode], new: Sequence[cst.CSTNode], indents: List[str]) -> bool:
        """Record the changes from statement list ``old`` to ``new`` (at indentation ``indents``)."""
        matcher = difflib.SequenceMatcher(None, [id(x) for x in old], [id(x) for x in new], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if i2 - i1 == 1 and j2 - j1 == 1 and self.statement(old[i1], new[j1], indents):
                continue
            if i1 < i2:
                start, end = self.spans[id(old[i1])][0], self.spans[id(old[i2 - 1])][1]
            elif i1 < len(old):
                start = end = self.spans[id(old[i1])][0]
            elif old:
                start = end = self.spans[id(old[-1])][1]
            else:
                return False
            self.changes.append((start, end, self.generate(new[j1:j2], indents)))
        return True

    def statement(self, old: cst.CSTNode, new: cst.CSTNode, indents: List[str]) -> bool:
        """A compound statement (or else/except/finally clause) whose own text is unchanged: recurse into its
        blocks. False when anything else about it changed (it is then generated whole)."""
        if type(old) is not type(new) or not isinstance(old, (cst.BaseCompoundStatement, cst.Else, cst.ExceptHandler,
                                                                cst.Finally, getattr(cst, "ExceptStarHandler", cst.Else),
                                                                getattr(cst, "MatchCase", cst.Else))):
            return False
        for f in fields(old):
            a, b = getattr(old, f.name), getattr(new, f.name)
            if a is b:
                continue
            if f.name not in self._BLOCK_FIELDS:
                return False
            if isinstance(a, cst.IndentedBlock) and isinstance(b, cst.IndentedBlock):
                if a.indent != b.indent or not _same_seq(a.header and [a.header], b.header and [b.header]) \
                        or not _same_seq(a.footer, b.footer):
                    return False
                inner = a.indent if a.indent is not None else self.ctx.module.default_indent
                if not self.block(a.body, b.body, [*indents, inner]):
                    return False
            elif isinstance(a, cst.CSTNode) and isinstance(b, cst.CSTNode):
                if not self.statement(a, b, indents):  # an elif (an If in orelse), an else clause
                    return False
            elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
                for x, y in zip(a, b):
                    if x is not y and not self.statement(x, y, indents):
                        return False
            else:
                return False
        return True

    def generate(self, stmts: Sequence[cst.CSTNode], indents: List[str]) -> str:
        module = self.ctx.module
        state = CodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
        state.indent_tokens = list(indents)
        for stmt in stmts:
            stmt._codegen(state)
        return "".join(state.tokens)


def _same_seq(a, b) -> bool:
    if a is b:
        return True
    if not a or not b:
        return not a and not b
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


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
    """For ``act(x)`` / ``self.act(x)``: the one ``act = nn.ReLU(inplace=True)`` that built the module (for
    ``act = nn.Sequential(nn.ReLU(inplace=True), ...)``, its first layer, which writes the call's argument)."""
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
    if ctx.qualname(ctor.func) == "torch.nn.Sequential" and ctor.args and ctor.args[0].keyword is None \
            and not ctor.args[0].star and isinstance(ctor.args[0].value, cst.Call):
        ctor = ctor.args[0].value
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
        elif isinstance(node, cst.Attribute) and ops.is_view_attribute(node.attr.value):
            node = node.value
        else:
            break
    if isinstance(node, cst.Attribute) and node.attr.value in ("data", "grad"):
        return None
    return dotted(node)


def _grad_mode_of(ctx: Context, item: cst.BaseExpression) -> Optional[bool]:
    """False/True for a ``with`` item that turns grad mode off/on, None otherwise (or when it depends on a value)."""
    if not isinstance(item, cst.Call):
        return None
    mode = grad_mode_set_by(item, ctx.qualname)
    return None if mode is NO_CHANGE else mode


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
    where the module applied at ``node`` was constructed, or, for an ``nn.Sequential`` applied at ``node``, its first
    layer: the one that writes the call's argument). A bare statement rebinds: ``h = F.relu(h)``."""
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


@edit_kind("autograd_function")
def autograd_function(ctx: Context, edit: dict) -> Optional[Patch]:
    """``{"plan": function_fix.FunctionPlan}``: the chain "op that saved -> in-place writes" becomes
    ``h = _Name.apply(...)``, the generated ``torch.autograd.Function`` goes before the top-level statement holding it
    (``--fix-with function``; ``inplace_lint.function_fix`` plans it)."""
    plan = edit.get("plan")
    if not isinstance(plan, function_fix.FunctionPlan) or not ctx.owns(plan.first):
        return None
    newline = ctx.module.default_newline
    try:
        cls = cst.parse_statement(plan.class_code.replace("\n", newline))
        targets = cst.parse_expression(plan.targets)
        call = cst.parse_expression(plan.call)
    except cst.ParserSyntaxError:
        return None

    def call_site(u: cst.Assign) -> cst.Assign:
        return u.with_changes(targets=[u.targets[0].with_changes(target=targets)], value=call)

    key = f"autograd_function:{id(plan.first)}"
    patch = Patch().rewrite(plan.assign, call_site, key=key).insert_before(plan.anchor, cls)
    patch.rewrite(plan.anchor, lambda u: u, key=key)  # one Function per top-level statement and round
    for stmt in plan.delete:
        patch.remove(stmt)
    return patch


def function_alternative(ctx: Optional[Context], fix: Optional[Fix]) -> Optional[function_fix.FunctionPlan]:
    """The ``autograd.Function`` rewrite a rule offered next to its fix (``edit["function"]``: the write and the
    nodes of the ops that saved what it writes), when the chain is one ``function_fix`` takes over."""
    if ctx is None or fix is None or not isinstance(fix.edit, dict):
        return None
    request = fix.edit.get("function")
    if not isinstance(request, dict):
        return None
    try:
        return function_fix.plan_function(ctx, request.get("write"), request.get("saved") or (),
                                          writes_fresh=bool(request.get("fresh")))
    except RecursionError:
        raise
    except Exception:  # noqa: BLE001 - a planner bug costs the alternative, never the finding
        return None


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
        # only the paths down to what changes are walked (a module-wide transform per fix was most of a file's cost)
        touched = [*plan.no_grad, *plan.delete_units, *plan.delete_smalls, *plan.before, *plan.after,
                   *plan.rewrites, *self.owners_of_smalls]
        self.needed: Set[cst.CSTNode] = {plan.ctx.module}
        for node in touched:
            if node not in self.needed:
                self.needed.add(node)
                self.needed.update(plan.ctx.ancestors(node))

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node in self.needed

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
                # a class or function put before a top-level statement keeps PEP 8's two blank lines after it
                gap = 2 if isinstance(before[-1], (cst.ClassDef, cst.FunctionDef)) and \
                    isinstance(self.plan.ctx.parent.get(original), cst.Module) else 0
                updated = updated.with_changes(leading_lines=[cst.EmptyLine()] * gap)
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
    if body and is_docstring(body[0]):
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
    """The patch for one diagnostic's fix payload (None when it cannot be applied here)."""
    kind = _kind_of(diag)
    if kind is None:
        return None
    try:
        patch = kind.plan(ctx, diag.fix.edit)
    except RecursionError:
        raise
    except Exception:  # noqa: BLE001 - a planner bug costs that fix, never the finding
        return None
    return None if patch is None or patch.empty() else patch


def materialize(module: Optional[cst.Module], analysed: str, source: str, path: str,
                diagnostics: Sequence[Diagnostic], budget: Optional[int] = None,
                fix_with: str = "default") -> List[Diagnostic]:
    """Finish the fixes of ``diagnostics`` (found by analysing ``module``, parsed from ``analysed``): each payload
    becomes text edits over ``source`` or, when it cannot be carried out, the finding loses its fix.

    ``analysed`` may be ``source`` with blocks blanked out (the analysis pre-filter keeps every line number): the
    edits are made on it and kept only where the lines they replace are the same in ``source``. Every finished fix
    leaves ``source`` compiling if it compiled before. ``budget``: at most that many groups of fixes are finished
    (in position order; the others lose their fix for now). The diagnostics are updated in place and returned.

    ``fix_with="function"`` (``--fix-with function``): where a rule offered an ``autograd.Function`` rewrite next
    to its fix and the chain is one ``function_fix`` takes over, that rewrite is the fix (unsafe); otherwise (and
    always with "default") the generated Function is attached to the finding's fix as a display-only ``template``."""
    pending = [d for d in diagnostics if d.fix is not None and d.fix.edit is not None]
    ctx = Context(module) if module is not None and pending else None
    alternatives: Dict[int, function_fix.FunctionPlan] = {}
    for d in pending:
        alt = function_alternative(ctx, d.fix)
        if alt is None:
            continue
        alternatives[id(d)] = alt
        if fix_with == "function":
            d.fix = Fix(alt.description, "unsafe", edit={"kind": "autograd_function", "plan": alt},
                        template=None, function=alt.info)
    finished: Dict[int, Optional[Fix]] = {id(d): None for d in pending}  # assigned at the end: a retry on a
    planned: List[Tuple[Diagnostic, Patch, EditKind]] = []                # bigger stack starts from scratch
    for d in pending:
        patch = plan_fix(ctx, d) if ctx is not None else None
        if patch is not None:
            planned.append((d, patch, _kind_of(d)))
    if planned:
        assert ctx is not None
        compiled_before = compiles(source, path)
        left = budget if budget is not None else len(planned)
        for group in _groups(ctx, planned):
            while group and left > 0:
                left -= 1
                plan = _Plan(ctx)
                members = [item for item in group if plan.add(item[1], item[2].name)]
                if not members:  # the first patch does not fit even alone: it is offered no fix
                    group = group[1:]
                    continue
                group = [item for item in group if all(item is not m for m in members)]
                edits = _finished_edits(ctx, plan, analysed, source, path, compiled_before)
                for d, _, kind in members:
                    if edits is not None:
                        finished[id(d)] = replace(d.fix, edit=None, edits=edits, priority=kind.priority)
    for d in pending:
        d.fix = finished[id(d)]
        alt = alternatives.get(id(d))
        if alt is not None and (d.fix is None or d.fix.function is None):
            d.fix = _with_template(d.fix, alt)
    return list(diagnostics)


def _with_template(fix: Optional[Fix], alt: function_fix.FunctionPlan) -> Fix:
    """``fix`` (or, lacking one, a display-only hint) showing the ``autograd.Function`` alternative."""
    header = (f"# --fix-with function (with --unsafe-fixes) would keep the writes in place "
              f"({'closed-form' if alt.backward == function_fix.CLOSED_FORM else 'recompute'} backward):\n")
    template = header + alt.template
    if fix is None:
        return Fix(alt.description, "display-only", template=template, function=alt.info)
    return replace(fix, template=template, function=alt.info)


# Each group of fixes costs a transform of the path down to it, the code of what changed and a compile: a lint run
# finishes the fixes of the first groups of a file (in position order); --fix finishes them all.
MAX_FIX_GROUPS = 32


def _finished_edits(ctx: Context, plan: "_Plan", analysed: str, source: str, path: str,
                    compiled_before: bool) -> Optional[Tuple]:
    try:
        new = ctx.code_of(ctx.module.visit(_Apply(plan)), analysed)
    except RecursionError:
        raise
    except Exception:  # noqa: BLE001 - a fixer bug costs the fix, never the finding
        return None
    edits = diff_edits(analysed, new)
    if not edits:
        return None
    if analysed is not source and analysed != source:
        if any(region_text(analysed, e) != region_text(source, e) for e in edits):
            return None  # the fix reaches into lines the analysis did not see
    fixed = apply_edits(source, edits)
    if fixed is None or (compiled_before and not compiles(fixed, path)):
        return None
    return edits


def _groups(ctx: Context, planned: List[Tuple[Diagnostic, Patch, "EditKind"]]) -> List[list]:
    """Patches that are best applied together, in finding order: same applicability and priority, and touching
    the same statement or putting adjacent statements under ``no_grad`` (one ``with`` block for a run)."""
    planned = sorted(planned, key=lambda item: item[0].sort_key())
    parent = list(range(len(planned)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def units(patch: Patch) -> Set[cst.CSTNode]:
        found = _Plan(ctx)._ops(patch)
        return set(found[0]) if found is not None else set()

    def neighbours(patch: Patch) -> Set[cst.CSTNode]:
        out: Set[cst.CSTNode] = set()
        for stmt in patch.no_grad:
            body, i = ctx.siblings(stmt)
            out.update(body[j] for j in (i - 1, i + 1) if 0 <= j < len(body))
        return out

    touched = [units(p) for _, p, _ in planned]
    wraps = [set(p.no_grad) for _, p, _ in planned]
    near = [neighbours(p) for _, p, _ in planned]
    for i in range(len(planned)):
        for j in range(i):
            (di, _, ki), (dj, _, kj) = planned[i], planned[j]
            if (di.fix.applicability, ki.priority) != (dj.fix.applicability, kj.priority):
                continue
            if touched[i] & touched[j] or near[i] & wraps[j] or near[j] & wraps[i]:
                parent[find(i)] = find(j)
    groups: Dict[int, list] = {}
    for i, item in enumerate(planned):
        groups.setdefault(find(i), []).append(item)
    return list(groups.values())


def compiles(code: str, path: str) -> bool:
    """Does CPython compile ``code``? (Without printing the user's syntax warnings.)"""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(code, path, "exec", dont_inherit=True)
            return True
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
