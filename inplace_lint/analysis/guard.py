"""Keeping hostile input away from what cannot take it: deep nesting, huge files, LibCST's native parser, the
recursion limit.

Three ways one file could take the whole run down:

* LibCST's native parser recurses on the C stack. A few thousand levels (``a or a or ...`` 7,000 times, 2,000 nested
  brackets) overflow the thread's stack and **kill the process** (a segfault: no exception, no other file checked),
  and long before that it gets slow (2,000 nested brackets or a 2,000-term sum take seconds).
* LibCST needs about 2 KB of memory per token: a 5 MB file of data (``x = [1, 2, ...]``) takes 7 GB and a minute
  and a half.
* The interpreter, LibCST's visitors and its code generator recurse in Python: a 500-term sum exceeds Python's
  default recursion limit (``RecursionError``).

So, before LibCST sees a text, ``check(source)`` counts the tokens of a text longer than ``MAX_TOKENS`` characters
(more than ``MAX_TOKENS`` tokens: "too large", a syntax-error finding), then lets CPython's parser look first (it never crashes:
it has limits on nesting and raises ``SyntaxError``/``RecursionError``/``MemoryError``) and measures the nesting of
its tree, counting ``a and b and c`` and the ``for`` clauses of a comprehension as nested (LibCST nests them, CPython does
not). A text nested more than ``MAX_DEPTH`` levels is reported as a syntax error ("nested too deeply", at the deepest
line) and never parsed by LibCST. A text CPython rejects is reported with CPython's syntax error, except that LibCST
still gets a look at a small one it may accept (Python syntax newer than the running interpreter) when a token count
bounds its nesting.

Then ``run_deep(fn, depth)`` runs the analysis: in the calling thread for ordinary files, and for deeper ones (or
after a ``RecursionError``) in a helper thread with a big stack (``DEEP_STACK``) and a raised recursion limit. A
``RecursionError`` there too becomes the same finding. Cost: one CPython parse per file that mentions torch
(with the garbage collector paused), about a tenth of LibCST's parse.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import gc
import io
import re
import sys
import threading
import tokenize
import warnings
from typing import Callable, Iterator, Optional, Set, Tuple, TypeVar

T = TypeVar("T")

MAX_DEPTH = 1000  # nesting levels (CPython's tree, with and/or chains and comprehension fors unrolled)
INLINE_DEPTH = 120  # up to this depth the analysis runs in the calling thread, under the normal recursion limit
DEEP_STACK = 512 * 1024 * 1024  # the helper thread's stack (virtual memory: pages are touched only as needed)
DEEP_RECURSION_LIMIT = 60_000
SYNTAX_ERROR_SCAN_LIMIT = 256 * 1024  # a text CPython rejects is token-counted (for LibCST) only below this size

MAX_TOKENS = 1_000_000  # LibCST needs about 2 KB per token: ~2 GB (the largest torch source file has 270,000)
_TOKEN = re.compile(r"\w+|[^\w\s]")

_ONLY_AST = ast.PyCF_ONLY_AST
_NEWLINE = re.compile(r"\r\n|\r|\n")
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Every level LibCST nests needs one of these tokens (an operator, bracket, dot, colon, keyword or string quote).
_NESTING_TOKENS = re.compile(
    r"[-+*/%@&|^~<>=!.,:;()\[\]{}\"']|\b(?:and|or|not|if|else|elif|for|in|is|lambda|await|yield|async|from)\b")
# CPython's own nesting limits: reported with CPython's message, never handed to LibCST.
_CPYTHON_LIMITS = ("too many nested parentheses", "too many levels of indentation", "too many statically nested")

_lock = threading.Lock()
_local = threading.local()


class Rejected(Exception):
    """A text LibCST must not see, and why (reported as a syntax error at ``line``)."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def too_deep(line: int = 1) -> Rejected:
    return Rejected(f"the file is nested too deeply to be parsed (more than {MAX_DEPTH} levels); it was not checked",
                    line)


class Verdict:
    """What ``check`` decided: ``error`` (the exception to report as a syntax error) or the ``depth`` to plan for."""

    __slots__ = ("depth", "error", "parsed")

    def __init__(self, depth: int = 0, error: Optional[BaseException] = None, parsed: bool = True) -> None:
        self.depth = depth
        self.error = error
        self.parsed = parsed  # CPython parsed the text


def check(source: str) -> Verdict:
    """May LibCST parse ``source``? See the module docstring."""
    large = too_large(source)
    if large is not None:
        return large
    with gc_paused():  # the tree has no cycles: collecting while it is built, walked and freed is wasted time
        return _check(source)


def _check(source: str) -> Verdict:
    try:
        tree = quiet_parse(source)
    except (RecursionError, MemoryError):  # CPython's parser stack or its AST builder ran out: too deep
        return Verdict(error=too_deep(), parsed=False)
    except SyntaxError as exc:
        if any(limit in str(exc.msg) for limit in _CPYTHON_LIMITS):
            return Verdict(error=exc, parsed=False)
        bound = token_depth_bound(source)
        if bound is None or bound > MAX_DEPTH:
            return Verdict(error=exc, parsed=False)
        return Verdict(depth=bound, parsed=False)  # LibCST may know this syntax (newer Python): let it try
    except ValueError as exc:  # e.g. NUL bytes
        return Verdict(error=exc, parsed=False)
    return check_parsed(tree, source, set())


def too_large(source: str) -> Optional[Verdict]:
    """The "too large" verdict for a text of more than ``MAX_TOKENS`` tokens (None for any other)."""
    if len(source) > MAX_TOKENS:  # cheap: a token takes a character
        tokens = len(_TOKEN.findall(source))
        if tokens > MAX_TOKENS:
            return Verdict(error=Rejected(f"the file is too large to be parsed ({tokens:,} tokens, more than "
                                          f"{MAX_TOKENS:,}); it was not checked"), parsed=False)
    return None


def check_parsed(tree: ast.AST, source: str, blanked: Set[int]) -> Verdict:
    """``check`` for a text CPython already parsed into ``tree`` (once ``too_large`` said no), of which the
    statements whose ``id`` is in ``blanked`` (top-level ones, and those of top-level class bodies) will not be
    given to LibCST. Leaves ``tree`` as it was."""
    with gc_paused():
        if blanked and isinstance(tree, ast.Module):
            module = ast.Module(body=[], type_ignores=[])
            for stmt in tree.body:
                if id(stmt) in blanked:
                    continue
                if isinstance(stmt, ast.ClassDef) and any(id(st) in blanked for st in stmt.body):
                    stmt = copy.copy(stmt)  # the same fields on every Python version, only fewer statements
                    stmt.body = [st for st in stmt.body if id(st) not in blanked]
                module.body.append(stmt)
            tree = module
        depth, line = tree_depth(tree, source)
    if depth > MAX_DEPTH:
        return Verdict(error=too_deep(line))
    return Verdict(depth=depth)


_UNVALIDATED = threading.Lock()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off meanwhile (as it was after). Trees have no cycles, and a collection while one
    is alive walks all of it: what builds, walks or frees a tree runs inside this."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _no_validation(self) -> None:
    return None


def libcst_parse(text: str):
    """``libcst.parse_module(text)``, about 15% cheaper: with the garbage collector paused (a CST has no cycles) and
    without LibCST's per-node validation, which checks what a hand-built node could get wrong and its parser never
    does (LibCST's own comment in ``CSTNode.__post_init__`` suggests skipping it for parsed trees). Nodes built
    meanwhile in another thread are not validated either; nothing else changes."""
    import libcst as cst
    from libcst._nodes.base import CSTNode

    with gc_paused(), _UNVALIDATED:
        validate = CSTNode.__dict__.get("__post_init__")
        if validate is None:  # another LibCST: parse as it is
            return cst.parse_module(text)
        CSTNode.__post_init__ = _no_validation
        try:
            return cst.parse_module(text)
        finally:
            CSTNode.__post_init__ = validate


def quiet_parse(source: str) -> ast.AST:
    """CPython's AST of ``source``, fast (no garbage collection meanwhile) and silent (no SyntaxWarnings)."""
    # an AST has no cycles; collecting while building it is wasted time (about 3x the parse)
    with gc_paused(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
        return compile(source, "<inplace-lint>", "exec", flags=_ONLY_AST, dont_inherit=True)


def tree_depth(tree: ast.AST, source: Optional[str] = None) -> Tuple[int, int]:
    """How deep LibCST would nest a CPython tree (``and``/``or`` chains and comprehension ``for`` clauses unrolled), and
    the line of the deepest node; iteratively: the tree may be deep.

    With ``source``, a node whose lines hold too few characters to nest beyond ``MAX_DEPTH`` (every level takes one)
    is not walked: the depth is then exact only as far as "more than ``MAX_DEPTH``" goes (``run_deep`` retries on a
    big stack when the estimate was too low). That prunes nearly every statement of ordinary code."""
    starts = _line_starts(source) if source is not None else None
    best, best_line = 0, 1
    stack = [(tree, 1, 1)]
    pop, push, children = stack.pop, stack.append, ast.iter_child_nodes
    while stack:
        node, depth, line = pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        elif isinstance(node, _COMPREHENSIONS):
            depth += len(node.generators) - 1
        line = getattr(node, "lineno", line)
        if depth > best:
            best, best_line = depth, line
        for child in children(node):
            if starts is not None:
                first = getattr(child, "lineno", None)
                if first is not None:
                    try:
                        span = starts[child.end_lineno] - starts[first - 1]  # type: ignore[attr-defined]
                    except (TypeError, IndexError):
                        span = None
                    if span is not None and depth + span <= MAX_DEPTH:
                        continue  # every level takes a character: this one cannot go too deep
            push((child, depth + 1, line))
    return best, best_line


def _line_starts(source: str) -> list:
    """Offsets of the lines as CPython numbers them (from 1: ``starts[n - 1]``), plus the end of the text."""
    return [0, *(m.end() for m in _NEWLINE.finditer(source)), len(source)]


def token_depth_bound(source: str) -> Optional[int]:
    """An upper bound of how deep LibCST could nest ``source`` (which CPython rejected), or None when unknown."""
    quick = len(_NESTING_TOKENS.findall(source))
    if quick <= MAX_DEPTH:
        return quick
    if len(source) > SYNTAX_ERROR_SCAN_LIMIT:
        return None
    longest = line_tokens = indent = max_indent = elifs = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = tok.type
            if kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                longest = max(longest, line_tokens)
                line_tokens = 0
            elif kind == tokenize.INDENT:
                indent += 1
                max_indent = max(max_indent, indent)
            elif kind == tokenize.DEDENT:
                indent -= 1
            elif kind not in (tokenize.NL, tokenize.COMMENT):
                line_tokens += 1
                if kind == tokenize.NAME and tok.string == "elif":
                    elifs += 1
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return max(longest, line_tokens) + max_indent + elifs + 1


def run_deep(fn: Callable[[], T], depth: int = 0) -> T:
    """``fn()`` with room to recurse ``depth`` levels: in this thread when shallow, else in a big-stack thread with a
    raised recursion limit. A ``RecursionError`` in this thread is retried there; one there propagates."""
    if getattr(_local, "deep", False):
        return fn()
    if depth <= INLINE_DEPTH:
        try:
            return fn()
        except RecursionError:
            pass
    return _in_deep_thread(fn)


def _in_deep_thread(fn: Callable[[], T]) -> T:
    outcome: list = []

    def target() -> None:
        _local.deep = True
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            outcome.append((False, exc))

    started = False
    with _lock:
        old_limit = sys.getrecursionlimit()
        thread = threading.Thread(target=target, name="inplace-lint-deep", daemon=True)
        try:
            old_size: Optional[int] = threading.stack_size(DEEP_STACK)
        except (ValueError, RuntimeError):  # the platform cannot set it
            old_size = None
        try:
            if old_size is not None:  # a raised limit is safe only on the big stack
                sys.setrecursionlimit(max(old_limit, DEEP_RECURSION_LIMIT))
            try:
                thread.start()
                started = True
            except RuntimeError:  # no thread to be had (address-space or process limits)
                pass
            finally:
                if old_size is not None:
                    threading.stack_size(old_size)
            if started:
                thread.join()
        finally:
            sys.setrecursionlimit(old_limit)
    if not started:
        return fn()  # do what we can here; a RecursionError propagates
    ok, value = outcome[0] if outcome else (False, RuntimeError("the analysis thread ended without a result"))
    if ok:
        return value
    raise value


def guarded(source: str, fn: Callable[[Verdict], T], reject: Callable[[BaseException], T]) -> T:
    """``fn(verdict)`` when LibCST may see ``source``, run with room for its depth; ``reject(exc)`` otherwise (``exc``
    is CPython's error, or ``Rejected``: too deep, too large)."""
    verdict = check(source)
    if verdict.error is not None:
        return reject(verdict.error)
    try:
        return run_deep(lambda: fn(verdict), verdict.depth)
    except RecursionError:  # even the big stack was not enough
        return reject(too_deep())


__all__ = ["MAX_DEPTH", "MAX_TOKENS", "Rejected", "Verdict", "check", "guarded", "quiet_parse", "run_deep", "token_depth_bound",
           "tree_depth"]
