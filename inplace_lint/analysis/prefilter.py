"""Cheap filters that spare LibCST and the interpreter work on code that cannot produce a finding.

Parsing is most of a run's cost, so before LibCST sees a file (``plan``, on CPython's tree of it, which the guard
needs anyway):

1. a file that never says "torch" is skipped (every rule is about torch tensors; this also keeps look-alike
   frameworks such as micrograd, whose ``p.data += -lr * p.grad`` is not a torch ``.data`` write, out);
2. the file is cut into units: top-level functions, the methods of top-level classes, and each class's own lines
   (header and non-``def`` statements). A unit is **relevant** when its code (comments aside) has something a finding
   can sit on (``relevant``: an in-place-looking call ``x.add_(`` other than ``nn.init.*_``, an augmented assignment
   other than ``xs += [...]``/``+= (x,)``, an item assignment other than ``d["key"] = ...``, an ``out=`` keyword,
   ``inplace``, a ``.grad`` read, an optimizer), unless its CPython tree shows that every such statement writes a
   name that never holds a tensor there (``writes_no_tensor``: ``n += p.numel()``, ``counts[k] = 1``);
3. a unit is **live** when it is relevant or, within ``CALL_DEPTH`` steps (the depth the interpreter follows calls
   to), names a live function, a live method, a class whose construction or call runs live code, a sub-module
   attribute built from such a class (``self.body = Block()`` ... ``self.body(x)``), or a function of another project
   file that is relevant (``Project.relevant_functions``): the callers a finding may need are live;
4. a unit is **kept** when it is live or kept code needs it to be analysed: the functions and classes kept code names,
   and of a kept class its own lines, the methods Python calls for it (``__init__``, ``forward``, ``__call__``,
   other dunders) and the methods kept code names. Kept units that are not live are **callee-only**: the
   interpreter analyses them only where kept code calls them, never on their own (``Plan.callee_only``);
5. what is not kept is blanked -- replaced by empty lines, so every position stays the same (a class left with no
   statement gets a ``pass``); a callee-only function or method is left as a **stub**, its ``def`` line and ``...``
   where its body started (``Plan.lazy``: ``project.LazyUnits`` parses its real lines if a call reaches it; not
   ``__init__``, which runs as soon as its class is built, nor the methods of an ``autograd.Function``). Module-level statements are always kept (except data: a long literal of numbers and
   strings becomes ``...``). The ``self.x`` that blanked methods assign are passed on (``Plan.assigned``): the
   analysis must still know ``x`` is not only what ``__init__`` made it.

Blanking only ever loses findings, never adds one, and loses none on the corpus (``bench/prefilter_check.py``
compares every file's analysis with and without it): a kept top-level function that blanked code names gets an
unknown grad mode (its callers there could have grad off), and a class whose definition was blanked is simply
unknown. When the reduced text does not parse, the caller falls back to the full text.

The fixer never uses the reduced text (it rewrites the full module).
"""
from __future__ import annotations

import ast
import re
from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple

from .guard import gc_paused, quiet_parse

# What any rule needs to see somewhere in a block to possibly report in it.
_RELEVANT = re.compile(
    r"[A-Za-z0-9]_\s*\(|[-+*/@%&|^]=|<<=|>>=|^[ \t]*[\w.]+\[[^\n=]*\]\s*=(?!=)|[(,]\s*out\s*=(?!=)|inplace|\.grad\b"
    r"|\boptim\.",
    re.M,
)
# Tokens that matter for telling code from strings and comments.
_TOKENS = re.compile(r'"""|\'\'\'|#[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|\n')
_BLOCK_START = re.compile(r"(?:@|def\s|async\s+def\s|class\s)")
_WORD = re.compile(r"[A-Za-z_]\w*")
# Strings and comments: a name written in a docstring or a comment names no function or class.
_STRINGS_AND_COMMENTS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|#[^\n]*')


def _code_words(text: str) -> Set[str]:
    """The identifiers ``text`` uses as code (not inside a string or a comment)."""
    return set(_code_word_list(text))


def _code_word_list(text: str) -> List[str]:
    """``_code_words`` with every occurrence."""
    return _WORD.findall(_STRINGS_AND_COMMENTS.sub(" ", text))


def mentions_torch(source: str) -> bool:
    return "torch" in source


def string_lines(source: str) -> Set[int]:
    """0-based numbers of the lines that start inside a triple-quoted string."""
    inside: Set[int] = set()
    line = 0
    open_quote: Optional[str] = None
    start_line = 0
    for m in _TOKENS.finditer(source):
        tok = m.group()
        if tok == "\n":
            line += 1
            continue
        if open_quote is not None:
            if tok == open_quote:
                inside.update(range(start_line + 1, line + 1))
                open_quote = None
            elif tok[0] in "\"'" and open_quote in tok:
                # a one-line string token swallowed the closing quotes: close there
                inside.update(range(start_line + 1, line + 1))
                open_quote = None
            continue
        if tok in ('"""', "'''"):
            open_quote = tok
            start_line = line
    if open_quote is not None:
        inside.update(range(start_line + 1, line + 1))
    return inside


def top_level_blocks(lines: List[str], in_string: Set[int]) -> List[Tuple[int, int]]:
    """(first, end) line ranges of top-level def/class blocks, decorators included."""
    blocks: List[Tuple[int, int]] = []
    current: Optional[int] = None
    in_decorators = False
    for i, text in enumerate(lines):
        if not text or i in in_string:
            continue
        c = text[0]
        if c in " \t#\r\n" or c in ")]}":
            continue
        starts = _BLOCK_START.match(text) is not None
        if starts:
            if current is not None and not in_decorators:
                blocks.append((current, i))
                current = None
            if current is None:
                current = i
            in_decorators = c == "@"
            continue
        in_decorators = False
        if current is not None:
            blocks.append((current, i))
            current = None
    if current is not None:
        blocks.append((current, len(lines)))
    return blocks


# A module-level ``NAME = <literal>`` this long, whose literal holds nothing but numbers, strings, True, False and
# None (generated tables, vocabularies, weights written out), is data: its value becomes ``...`` and its other lines
# are blanked. No rule can report in it, and LibCST would build a node per element (an 800 KB list: seconds).
DATA_MIN_CHARS = 2000
_DATA_START = re.compile(r"([A-Za-z_]\w*)[ \t]*=[ \t]*[\[({]")
_NUMBERS = re.compile(r"(?<![\w.])\.?[0-9][0-9a-zA-Z_.]*(?:[eE][-+][0-9_]+j?)?")
_DATA_WORDS = {"True", "False", "None"}


def _blank_data(source: str, in_string: Set[int]) -> str:
    """``source`` with its module-level data literals (``DATA_MIN_CHARS``) reduced to ``NAME = ...`` (lines kept)."""
    if len(source) < DATA_MIN_CHARS:
        return source
    lines = source.split("\n")
    starts = [i for i, text in enumerate(lines)
              if text and i not in in_string and text[0] not in " \t#\r)]}"]
    starts.append(len(lines))
    out = None
    for a, b in zip(starts, starts[1:]):
        m = _DATA_START.match(lines[a])
        if m is None:
            continue
        chunk = "\n".join(lines[a:b])
        if len(chunk) < DATA_MIN_CHARS:
            continue
        code = _NUMBERS.sub(" ", _STRINGS_AND_COMMENTS.sub(" ", chunk[m.end() - 1:]))
        if not set(_WORD.findall(code)) <= _DATA_WORDS:
            continue
        if out is None:
            out = list(lines)
        out[a] = f"{m.group(1)} = ..."
        for j in range(a + 1, b):
            out[j] = ""
    return "\n".join(out) if out is not None else source


class Plan:
    """What to give LibCST and the interpreter for one file: ``text`` (the source with blocks blanked, same lines;
    the source itself when nothing is blanked), ``uncertain`` (the names blanked code uses: a kept top-level
    function they name may be called with grad off there) and ``callee_only`` (the qualified names of kept functions
    and methods that hold nothing a finding can sit on and reach nothing that does: they are kept for what they
    return to kept callers, and analysed only at those calls, never on their own), and ``blanked`` (the ``id`` of
    each blanked statement of the CPython tree: LibCST will not see them, so their depth does not matter) and
    ``assigned``."""

    __slots__ = ("text", "uncertain", "callee_only", "blanked", "assigned", "lazy")

    def __init__(self, text: str, uncertain: FrozenSet[str] = frozenset(), callee_only: FrozenSet[str] = frozenset(),
                 blanked: FrozenSet[int] = frozenset(), assigned: Optional[Dict[str, Set[str]]] = None,
                 lazy: Optional[Dict[str, Tuple[int, int, bool]]] = None) -> None:
        self.text = text
        self.uncertain = uncertain
        self.callee_only = callee_only
        self.blanked = blanked
        # class name -> the ``self.x`` its blanked (or stubbed) methods assign (the analysis must still know ``x`` is
        # not only what ``__init__`` made it)
        self.assigned: Dict[str, Set[str]] = assigned or {}
        # callee-only functions and methods left to LibCST as a stub: qualified name -> (first line, end, is a
        # method), 0-based, end exclusive, of their real lines (``project.LazyUnits`` parses them on demand)
        self.lazy: Dict[str, Tuple[int, int, bool]] = lazy or {}

    def unstubbed(self, source: str) -> str:
        """``text`` with the stubbed functions and methods whole again (from ``source``, the text planned)."""
        lines = self.text.split("\n")
        real = source.split("\n")
        for first, end, _ in self.lazy.values():
            lines[first:end] = real[first:end]
        return "\n".join(lines)


def reduce_source(source: str) -> Tuple[Optional[str], FrozenSet[str]]:
    """The text to analyse and the names used in blanked code (``plan``, for a text CPython parses; the source
    itself for one it does not). The text is None when nothing can be found (the file never says torch)."""
    if not mentions_torch(source):
        return None, frozenset()
    try:
        tree = quiet_parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source, frozenset()
    p = plan(source, tree)
    return p.text, p.uncertain


CALL_DEPTH = 3  # calls analysed inside calls analysed (``interp.MAX_CALL_DEPTH``)
_DUNDER = re.compile(r"__\w+__\Z")
# implicitly called on an instance of a kept class: ``C(...)`` runs ``__init__``, ``c(x)`` runs ``forward``; autograd
# runs an ``autograd.Function``'s ``backward`` (whose ``None`` gradients tell which inputs are state)
_STRUCTURAL = frozenset({"forward", "_forward", "__init__", "__new__", "__post_init__", "__call__", "__enter__",
                         "__exit__", "__iter__", "__next__", "__getitem__", "__getattr__", "__setattr__", "__setitem__",
                         "__init_subclass__", "backward", "setup_context"})
# Matches of ``_RELEVANT`` that cannot be a tensor write: a tensor indexed by a string raises ("new(): invalid data
# type 'str'"), and ``t += (x,)`` / ``t += [x]`` raise "unsupported operand type(s)": both are dicts, tuples, lists
_NOT_A_TENSOR_WRITE = re.compile(r"""^[ \t]*[\w.]+\[\s*[rRbBuUfF]{0,2}["']""")
_SEQUENCE_EXTEND = re.compile(r"\s*(?:\[|\([^()\n]*,\s*\))")
_INIT_CALL = re.compile(r"\binit\.\w+_\s*\($")
_SELF_TARGET = re.compile(r"^[ \t]*self\.(\w+)")


def relevant(text: str) -> bool:
    """Whether ``text`` (code, comments ignored) has anything a finding can sit on (see ``_RELEVANT``)."""
    for m in _RELEVANT.finditer(text):
        start = m.start()
        line_start = text.rfind("\n", 0, start) + 1
        if "#" in text[line_start:start] and _in_comment(text[line_start:start]):
            continue
        tok = m.group()
        if tok.endswith("=") and tok[-2:-1] in "-+*/@%&|^<>" and len(tok) <= 3:
            if tok == "+=" and _SEQUENCE_EXTEND.match(text, m.end()):
                continue  # ``xs += [x]``, ``outs += (h,)``: a list or tuple
            return True
        if tok.endswith("=") and "[" in tok:
            if _NOT_A_TENSOR_WRITE.match(tok):
                continue  # ``d["key"] = ...``: a mapping
            return True
        if tok.endswith("(") and _INIT_CALL.search(text, max(0, m.end() - 60), m.end()):
            continue  # ``nn.init.normal_(w)``: torch.nn.init works under no_grad, nothing to report
        return True
    return False


# What a relevant unit may still not need (``writes_no_tensor``): its only in-place-looking statements write names
# that never hold a tensor (``i += 1``, ``counts[k] = n``, ``total += loss.item()``). Proved on CPython's tree of the
# function: every binding of the name in it gives a value that is no tensor.
_OTHER_REASONS = re.compile(r"inplace|\.grad\b|\boptim\.|[(,]\s*out\s*=(?!=)")
_NO_TENSOR_CALLS = frozenset({
    "len", "int", "float", "str", "bool", "range", "enumerate", "zip", "dict", "list", "set", "tuple", "sorted",
    "reversed", "isinstance", "issubclass", "hasattr", "callable", "ord", "chr", "repr", "hash", "id", "format",
    "frozenset", "bytes", "OrderedDict", "defaultdict", "Counter", "deque"})
_NO_TENSOR_METHODS = frozenset({  # (names a user method would hardly take while returning a tensor)
    "item", "tolist", "numel", "dim", "nelement", "element_size", "ndimension", "keys", "values", "items", "join",
    "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "splitlines", "encode", "decode",
    "isdigit"})
_NO_TENSOR_MODULES = frozenset({"math", "os", "time", "re", "json", "string"})
_NO_TENSOR_ATTRS = frozenset({"shape", "ndim", "dtype", "device", "is_cuda", "requires_grad", "is_leaf", "__name__"})
_CONTAINERS = (ast.Constant, ast.JoinedStr, ast.Dict, ast.Set, ast.List, ast.Tuple, ast.ListComp, ast.DictComp,
               ast.SetComp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_MATCH = tuple(getattr(ast, n) for n in ("Match",) if hasattr(ast, n))


def _no_tensor(e: ast.AST, env: Dict[str, bool]) -> bool:
    """Whether ``e`` surely evaluates to something that is not a tensor (``env``: names known to hold none)."""
    if isinstance(e, _CONTAINERS):
        return True
    if isinstance(e, ast.Name):
        return env.get(e.id, False)
    if isinstance(e, ast.Call):
        f = e.func
        if isinstance(f, ast.Name):
            return f.id in _NO_TENSOR_CALLS
        if isinstance(f, ast.Attribute):
            return f.attr in _NO_TENSOR_METHODS or (isinstance(f.value, ast.Name) and f.value.id in _NO_TENSOR_MODULES)
        return False
    if isinstance(e, ast.BinOp):
        return _no_tensor(e.left, env) and _no_tensor(e.right, env)
    if isinstance(e, ast.UnaryOp):
        return _no_tensor(e.operand, env)
    if isinstance(e, ast.BoolOp):
        return all(_no_tensor(v, env) for v in e.values)
    if isinstance(e, ast.IfExp):
        return _no_tensor(e.body, env) and _no_tensor(e.orelse, env)
    if isinstance(e, ast.Compare):
        return _no_tensor(e.left, env) and all(_no_tensor(c, env) for c in e.comparators)
    if isinstance(e, ast.Attribute):
        return e.attr in _NO_TENSOR_ATTRS
    if isinstance(e, ast.Subscript):  # ``x.shape[0]``, ``x.size()[1]``
        v = e.value
        return (isinstance(v, ast.Attribute) and v.attr == "shape") or (
            isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "size")
    return False


def _scope_nodes(fn: ast.AST) -> List[ast.AST]:
    """The nodes of ``fn``'s body outside nested functions, lambdas and classes (those are listed, not entered)."""
    out: List[ast.AST] = []
    todo = [fn]
    while todo:  # (``ast.iter_child_nodes`` inlined: this walks every relevant function of a run)
        n = todo.pop()
        if n is not fn:
            out.append(n)
            if isinstance(n, _SCOPES):
                continue
        for field in n._fields:
            v = getattr(n, field, None)
            if isinstance(v, ast.AST):
                todo.append(v)
            elif isinstance(v, list):
                todo.extend(x for x in v if isinstance(x, ast.AST))
    return out


def _no_tensor_names(fn: ast.AST, nodes: List[ast.AST]) -> Dict[str, bool]:
    """For each name ``fn`` binds: True when every binding of it gives something that is not a tensor (parameters,
    ``with ... as``, loop targets other than ``range``'s and ``enumerate``'s index, unpacking: unknown)."""
    binds: Dict[str, List[Optional[ast.AST]]] = {}  # None: unknown

    def bind(t: ast.AST, value: Optional[ast.AST]) -> None:
        if isinstance(t, ast.Name):
            binds.setdefault(t.id, []).append(value)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for el in t.elts:
                bind(el, None)
        elif isinstance(t, ast.Starred):
            bind(t.value, None)

    args = fn.args
    for a in args.posonlyargs + args.args + args.kwonlyargs + [x for x in (args.vararg, args.kwarg) if x]:
        binds.setdefault(a.arg, []).append(None)
    zero = ast.Constant(0)
    for n in nodes:
        if isinstance(n, ast.Assign):
            for t in n.targets:
                bind(t, n.value)
        elif isinstance(n, (ast.AnnAssign, ast.AugAssign)) and n.value is not None:
            bind(n.target, n.value)
        elif isinstance(n, (ast.For, ast.AsyncFor)):
            it, target = n.iter, n.target
            called = it.func.id if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) else ""
            if called == "range":
                bind(target, zero)
            elif called == "enumerate" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
                bind(target.elts[0], zero)
                bind(target.elts[1], None)
            else:
                bind(target, None)
        elif isinstance(n, ast.withitem) and n.optional_vars is not None:
            bind(n.optional_vars, None)
        elif isinstance(n, ast.comprehension):
            bind(n.target, None)
        elif isinstance(n, ast.NamedExpr):
            bind(n.target, n.value)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            for name in n.names:
                binds.setdefault(name, []).append(None)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for alias in n.names:
                binds.setdefault((alias.asname or alias.name).split(".")[0], []).append(zero)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            binds.setdefault(n.name, []).append(zero)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.setdefault(n.name, []).append(zero)
    env = {name: all(v is not None for v in values) for name, values in binds.items()}
    changed = True
    while changed:  # a name is no tensor when each of its values is none, given the names that are none
        changed = False
        for name, values in binds.items():
            if env[name] and not all(_no_tensor(v, env) for v in values):
                env[name] = False
                changed = True
    return env


def writes_no_tensor(text: str, fn: ast.AST) -> bool:
    """Whether a function or method that ``relevant`` took (its ``text``, its CPython tree ``fn``) has in-place-
    looking statements only on names that never hold a tensor there: each augmented assignment writes such a name,
    each item assignment goes into one (``counts[k] = n``, not ``xs[0][1] = v``), each ``x.name_(...)`` is called on
    one; nothing else a finding can sit on (``inplace``, ``.grad``, an optimizer, ``out=``), no nested function or
    class that writes or calls, no ``match``. Such a unit cannot hold a finding (its callers and callees are judged
    on their own)."""
    if _OTHER_REASONS.search(text) is not None:
        return False
    nodes = _scope_nodes(fn)
    env: Optional[Dict[str, bool]] = None
    for n in nodes:
        if isinstance(n, _SCOPES) or (_MATCH and isinstance(n, _MATCH)):
            if isinstance(n, _MATCH) or any(isinstance(m, (ast.AugAssign, ast.Assign, ast.Call)) for m in ast.walk(n)):
                return False
            continue
        if isinstance(n, ast.AugAssign):
            name = n.target
        elif isinstance(n, ast.Assign):
            subs = [t for t in n.targets if isinstance(t, ast.Subscript)]
            if any(not isinstance(t, (ast.Name, ast.Subscript, ast.Attribute, ast.Tuple, ast.List, ast.Starred))
                   for t in n.targets):
                return False
            if any(isinstance(t, (ast.Tuple, ast.List)) and any(isinstance(el, ast.Subscript) for el in ast.walk(t))
                   for t in n.targets):
                return False  # ``a[0], b = ...``
            if not subs:
                continue
            if len(subs) > 1:
                return False
            name = subs[0].value
        elif isinstance(n, ast.Call):
            f = n.func
            called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if not (called.endswith("_") and not called.endswith("__")):
                continue
            if not isinstance(f, ast.Attribute):
                return False  # ``trunc_normal_(w)``: a function that writes its argument
            name = f.value
        else:
            continue
        if not isinstance(name, ast.Name):
            return False
        if env is None:
            env = _no_tensor_names(fn, nodes)
        if not env.get(name.id, False):
            return False
    return True


def _in_comment(prefix: str) -> bool:
    """Whether the end of ``prefix`` (the start of a line) is inside a comment."""
    return any(m.group().startswith("#") for m in _STRINGS_AND_COMMENTS.finditer(prefix))


class _Unit:
    """A top-level function, a method, or the rest of a class (its header and non-def statements)."""

    __slots__ = ("kind", "name", "qual", "cls", "first", "end", "words", "relevant", "live", "kept", "node")

    def __init__(self, kind: str, name: str, qual: str, cls: Optional["_Cls"], first: int, end: int, node) -> None:
        self.kind = kind  # "func" | "method" | "class"
        self.name = name
        self.qual = qual
        self.cls = cls
        self.first = first  # 0-based first line (decorators included)
        self.end = end  # 0-based end (exclusive)
        self.node = node
        self.words: Set[str] = set()
        self.relevant = False
        self.live = False
        self.kept = False


class _Cls:
    __slots__ = ("name", "bases", "rest", "methods", "self_attrs", "live")

    def __init__(self, name: str, bases: Set[str]) -> None:
        self.name = name
        self.bases = bases
        self.rest: Optional[_Unit] = None
        self.methods: List[_Unit] = []
        self.self_attrs: List[Tuple[str, Set[str]]] = []  # (attribute, words of the statements that set it)
        self.live = False


def _span(node) -> Tuple[int, int]:
    first = min([d.lineno for d in getattr(node, "decorator_list", ())] + [node.lineno])
    return first - 1, node.end_lineno


def _self_statements(stmts, out: List) -> None:
    """The statements (nested in blocks too) of a method body, for ``self.x = ...`` / ``self.x.append(...)``."""
    for st in stmts:
        out.append(st)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(st, field, None)
            if isinstance(inner, list) and not isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                _self_statements(inner, out)
        for handler in getattr(st, "handlers", ()):
            _self_statements(handler.body, out)


def _self_assigned(body, cls: str, assigned: Dict[str, Set[str]]) -> None:
    """Adds the ``x`` of every ``self.x = ...`` of a method body of ``cls`` to ``assigned[cls]``
    (``interp._collect_self_assign`` on LibCST's tree)."""
    stmts: List = []
    _self_statements(body, stmts)
    for st in stmts:
        targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(st, ast.AnnAssign) else []
        for t in targets:
            for el in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]):
                el = el.value if isinstance(el, ast.Starred) else el
                if isinstance(el, ast.Attribute) and isinstance(el.value, ast.Name) and el.value.id == "self":
                    assigned.setdefault(cls, set()).add(el.attr)


def _module_imports(stmts) -> List[ast.ImportFrom]:
    """The ``from ... import`` statements of a module body, also inside top-level ``if``/``try`` blocks."""
    out: List[ast.ImportFrom] = []
    for st in stmts:
        if isinstance(st, ast.ImportFrom):
            out.append(st)
        elif isinstance(st, (ast.If, ast.Try)):
            out.extend(_module_imports(st.body + st.orelse + getattr(st, "finalbody", [])
                                       + [s for h in getattr(st, "handlers", ()) for s in h.body]))
    return out


def plan(source: str, tree: ast.AST,
         foreign: Optional[Callable[[Optional[str], int, List[str]], Set[str]]] = None) -> Plan:
    """Which functions and methods of ``source`` (whose CPython tree is ``tree``) LibCST must see, and which of them
    the interpreter must analyse on their own. See the module docstring. ``foreign(module, level, names)``: which of
    ``from <level dots><module> import names`` are functions of a project file with something a finding can sit on
    (the analysis follows such calls into the other file)."""
    if "\r" in source.replace("\r\n", "\n") or not isinstance(tree, ast.Module):
        return Plan(source)  # lone CR line ends: CPython's line numbers are not ``split("\n")``'s
    with gc_paused():  # nothing here makes cycles, and collecting would walk the whole tree again and again
        return _plan(source, tree, foreign)


def _plan(source: str, tree: ast.Module, foreign) -> Plan:
    in_string = string_lines(source)
    text = _blank_data(source, in_string)
    lines = text.split("\n")
    units: List[_Unit] = []
    classes: Dict[str, _Cls] = {}
    module_words: Set[str] = set()
    outside = []  # module-level statements: always kept

    def unit_text(a: int, b: int) -> str:
        return "\n".join(lines[a:b])

    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a, b = _span(stmt)
            units.append(_Unit("func", stmt.name, stmt.name, None, a, b, stmt))
        elif isinstance(stmt, ast.ClassDef):
            a, b = _span(stmt)
            bases = set()
            for base in stmt.bases:
                for n in ast.walk(base):
                    if isinstance(n, ast.Name):
                        bases.add(n.id)
                    elif isinstance(n, ast.Attribute):
                        bases.add(n.attr)
            cls = _Cls(stmt.name, bases)
            if stmt.name in classes:
                return Plan(text)  # a class defined twice: keep it simple
            classes[stmt.name] = cls
            rest = _Unit("class", stmt.name, stmt.name, cls, a, b, stmt)
            cls.rest = rest
            units.append(rest)
            for st in stmt.body:
                if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    ma, mb = _span(st)
                    setter = any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter")
                                 for d in st.decorator_list)
                    m = _Unit("method", st.name, f"{stmt.name}.{st.name}" + (".setter" if setter else ""), cls, ma,
                              mb, st)
                    cls.methods.append(m)
                    units.append(m)
        else:
            outside.append(_span(stmt))
    if not units:
        return Plan(text)
    # functions of other project files that can report, called from here: calling them makes a unit live
    foreign_live: Set[str] = set()
    if foreign is not None:
        for stmt in _module_imports(tree.body):
            if stmt.names and stmt.names[0].name != "*":
                live = foreign(stmt.module, stmt.level or 0, [alias.name for alias in stmt.names])
                foreign_live.update(alias.asname or alias.name for alias in stmt.names if alias.name in live)
    # words and relevance; a class's own unit covers its lines outside its methods
    for u in units:
        if u.kind == "class":
            own = [True] * (u.end - u.first)
            for m in u.cls.methods:
                own[m.first - u.first:m.end - u.first] = [False] * (m.end - m.first)
            t = "\n".join(line for line, keep in zip(lines[u.first:u.end], own) if keep)
            u.words = _code_words(t)
        else:  # its own name in its ``def`` line is no use of it
            t = unit_text(u.first, u.end)
            found = _code_word_list(t)
            u.words = set(found)
            if found.count(u.name) == 1:
                u.words.discard(u.name)
        u.relevant = relevant(t) and not (u.kind != "class" and writes_no_tensor(t, u.node))
        if u.kind == "method" and u.name in ("__init__", "__post_init__"):
            body: List = []
            _self_statements(u.node.body, body)
            for st in body:
                if isinstance(st, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)):
                    seg = unit_text(st.lineno - 1, st.end_lineno)
                    m = _SELF_TARGET.match(seg)
                    if m is not None:
                        u.cls.self_attrs.append((m.group(1), _code_words(seg)))
    for a, b in outside:
        module_words |= _code_words(unit_text(a, b))

    # live: what can report, or reach what can within ``CALL_DEPTH`` calls (it names a live function, or a class
    # whose construction or call runs live code; it calls a live method; it uses a sub-module built from a live
    # class): the analysis follows calls no deeper, so what is further away cannot reach a finding
    for u in units:
        u.live = u.relevant
    for _ in range(CALL_DEPTH):
        entry: Dict[str, bool] = {}

        def entry_live(name: str, seen: Tuple[str, ...] = ()) -> bool:
            if name not in entry:
                cls = classes[name]
                entry[name] = cls.rest.live or any(m.live and m.name in _STRUCTURAL for m in cls.methods) or any(
                    b in classes and b not in seen and entry_live(b, seen + (name,)) for b in cls.bases)
            return entry[name]

        names = {u.name for u in units if u.live and u.kind == "func"} | foreign_live
        names |= {c for c in classes if entry_live(c)}
        names |= {u.name for u in units if u.live and u.kind == "method" and not _DUNDER.match(u.name)}
        live_attrs: Dict[str, Set[str]] = {}
        for cls in classes.values():
            live_attrs[cls.name] = {attr for attr, words in cls.self_attrs if words & names}
        all_live_attrs = set().union(*live_attrs.values()) if live_attrs else set()
        newly = []
        for u in units:
            if u.live:
                continue
            hit = bool(u.words & names)
            if not hit and u.kind == "method":
                attrs = set(live_attrs.get(u.cls.name, ()))
                for b in u.cls.bases:
                    attrs |= live_attrs.get(b, set())
                hit = bool(u.words & attrs)
            elif not hit and u.kind == "func":
                hit = bool(u.words & all_live_attrs)
            if hit:
                newly.append(u)
        if not newly:
            break
        for u in newly:
            u.live = True
    for cls in classes.values():
        cls.live = cls.rest.live or any(m.live for m in cls.methods)

    # kept: the live units, and what kept code needs to be analysed (the functions and classes it names; of a class,
    # its own lines, the methods called implicitly and the methods kept code names)
    for u in units:
        u.kept = u.live or (u.kind == "class" and u.cls.live)
    changed = True
    while changed:
        changed = False
        needed: Set[str] = set(module_words)
        for u in units:
            if u.kept:
                needed |= u.words
                if u.cls is not None:
                    needed |= u.cls.bases
        for u in units:
            if u.kept:
                continue
            if u.kind in ("func", "class"):
                take = u.name in needed
            else:
                take = u.cls.rest.kept and (u.name in _STRUCTURAL or u.name in needed)
            if take:
                u.kept = changed = True
    if all(u.kept for u in units) and not any(_lazy_span(u) for u in units):
        return Plan(text, callee_only=frozenset(u.qual for u in units if u.kind != "class" and not u.live))
    out = list(lines)
    blanked_words: Set[str] = set()
    skip: Set[int] = set()
    passes = set()
    assigned: Dict[str, Set[str]] = {}
    for cls in classes.values():
        rest = cls.rest
        if rest.kept and cls.methods and all(not m.kept for m in cls.methods):
            body = rest.node.body
            if all(any(m.node is st for m in cls.methods) for st in body):
                # every statement of the body goes: leave a ``pass`` where the first one was
                first = cls.methods[0]
                line = first.node.lineno - 1
                for j in range(first.first, first.end):
                    out[j] = ""
                out[line] = re.match(r"[ \t]*", lines[line]).group() + "pass"
                first.kept = True  # (as a ``pass``)
                passes.add(first.qual)
                blanked_words |= first.words
                skip.add(id(first.node))
                if first.name != "__init__":  # (the other methods are blanked below)
                    _self_assigned(first.node.body, cls.name, assigned)
    for u in units:
        if u.kept:
            continue
        if u.kind == "class":
            a, b = u.first, u.end
            blanked_words |= u.words
            for m in u.cls.methods:
                blanked_words |= m.words
        elif u.cls is not None and not u.cls.rest.kept:
            continue  # blanked with its class
        else:
            a, b = u.first, u.end
            blanked_words |= u.words
            if u.cls is not None and u.name != "__init__":
                _self_assigned(u.node.body, u.cls.name, assigned)
        skip.add(id(u.node))
        for j in range(a, b):
            out[j] = ""
    callee_only = frozenset(u.qual for u in units if u.kept and u.kind != "class" and not u.live
                            and u.qual not in passes)
    # callee-only units LibCST sees as a stub (``def`` line and ``...``): parsed alone if a call reaches them
    lazy: Dict[str, Tuple[int, int, bool]] = {}
    for u in units:
        if not u.kept or u.qual not in callee_only or (u.cls is not None and not u.cls.rest.kept):
            continue
        span = _lazy_span(u)
        if span is None:
            continue
        start, col = span
        indent = lines[start][:col]
        if indent.strip():
            continue  # (not only whitespace before the first statement: not a line of its own)
        lazy[u.qual] = (u.first, u.end, u.kind == "method")
        out[start] = indent + "..."
        for j in range(start + 1, u.end):
            out[j] = ""
        if u.kind == "method":
            _self_assigned(u.node.body, u.cls.name, assigned)
    return Plan("\n".join(out), frozenset(blanked_words), callee_only, frozenset(skip), assigned, lazy)


# run as soon as their class is defined or built: never left for later
_RUN_AT_ONCE = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__"})


def _lazy_span(u: _Unit) -> Optional[Tuple[int, int]]:
    """For a function or method that may be parsed only when a call reaches it (callee-only: not live but kept),
    the 0-based line its body starts on and the column of its first statement; None when it must be parsed with the file:
    live, run at once (``__init__``), a method of an ``autograd.Function`` (its class is read whole), or a body
    that starts on the ``def`` line."""
    if not u.kept or u.live or u.kind == "class" or u.name in _RUN_AT_ONCE:
        return None
    if u.cls is not None and any(b.endswith("Function") for b in u.cls.bases):
        return None
    first = u.node.body[0]
    start = first.lineno - 1
    if start <= u.node.lineno - 1:
        return None
    return start, first.col_offset
