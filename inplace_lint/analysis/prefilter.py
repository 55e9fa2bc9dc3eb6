"""Cheap text-level filters that spare LibCST work on code that cannot produce a finding.

Parsing is most of a run's cost, so before parsing:

1. a file that never says "torch" is skipped (every rule is about torch tensors; this also keeps look-alike
   frameworks such as micrograd, whose ``p.data += -lr * p.grad`` is not a torch ``.data`` write, out);
2. top-level functions and classes whose text has nothing a finding can sit on (an in-place-looking call
   ``x.add_(``, an augmented or item assignment, ``out=``, ``inplace``, a ``.grad`` read, an optimizer) are blanked
   out — replaced by empty lines, so every position stays the same — except the base classes of kept classes and
   the functions and classes that kept code (module-level statements included) names as code (not in a string or a
   comment), since a call is analysed with its callee's body (what a helper returns decides what its caller sees:
   a view, an inference tensor...). Module-level statements are always kept (except data: a long literal of
   numbers and strings becomes ``...``), and so are files under ``MIN_LINES`` lines. Blanking only ever loses
   findings, never adds one: a kept top-level function that blanked code mentions gets an unknown grad mode (its
   callers there could have grad off), and a class whose definition was blanked is simply unknown. When the reduced
   text does not parse, the caller falls back to the full text.

The fixer never uses the reduced text (it rewrites the full module).
"""
from __future__ import annotations

import re
from typing import FrozenSet, List, Optional, Set, Tuple

# What any rule needs to see somewhere in a block to possibly report in it.
_RELEVANT = re.compile(
    r"[A-Za-z0-9]_\s*\(|[-+*/@%&|^]=|<<=|>>=|^[ \t]*[\w.]+\[[^\n=]*\]\s*=(?!=)|\bout\s*=|inplace|\.grad\b"
    r"|\boptim\.",
    re.M,
)
# Tokens that matter for telling code from strings and comments.
_TOKENS = re.compile(r'"""|\'\'\'|#[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|\n')
_BLOCK_START = re.compile(r"(?:@|def\s|async\s+def\s|class\s)")
_DEFINES = re.compile(r"^(?:@[^\n]*\n)*(?:async\s+)?(?:def|class)\s+(\w+)", re.M)
_CLASS_BASES = re.compile(r"^class\s+\w+\s*\(([^)]*)\)", re.M)
_WORD = re.compile(r"[A-Za-z_]\w*")
# Strings and comments: a name written in a docstring or a comment names no function or class.
_STRINGS_AND_COMMENTS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|#[^\n]*')


def _code_words(text: str) -> Set[str]:
    """The identifiers ``text`` uses as code (not inside a string or a comment)."""
    return set(_WORD.findall(_STRINGS_AND_COMMENTS.sub(" ", text)))

MIN_LINES = 200  # smaller files are parsed whole: the bookkeeping would cost more than it saves


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


def reduce_source(source: str) -> Tuple[Optional[str], FrozenSet[str]]:
    """The text to analyse and the names used in blanked code.

    The text is None when nothing can be found; else the source with irrelevant top-level blocks blanked (line
    count unchanged), or the source itself. The names matter for grad mode: a kept top-level function that blanked
    code may call could be called with grad off, so the analysis must not assume grad mode on in it."""
    if not mentions_torch(source):
        return None, frozenset()
    in_string = string_lines(source)
    source = _blank_data(source, in_string)  # lines kept: ``in_string`` still holds
    if source.count("\n") < MIN_LINES:
        return source, frozenset()
    lines = source.split("\n")
    blocks = top_level_blocks(lines, in_string)
    if len(blocks) < 2:
        return source, frozenset()
    texts = ["\n".join(lines[a:b]) for a, b in blocks]
    kept = [bool(_RELEVANT.search(t)) for t in texts]
    if all(kept):
        return source, frozenset()
    names = []
    bases: List[Set[str]] = []
    for t in texts:
        m = _DEFINES.match(t)
        names.append(m.group(1) if m else None)
        m = _CLASS_BASES.search(t)
        bases.append(set(_WORD.findall(m.group(1))) if m else set())
    # module-level statements are always kept: the names they use count as used by kept code
    in_block = [False] * len(lines)
    for a, b in blocks:
        for j in range(a, b):
            in_block[j] = True
    used: Set[str] = _code_words("\n".join(t for t, inside in zip(lines, in_block) if not inside))
    words = [_code_words(t) for t in texts]
    changed = True
    while changed:
        # the base classes of kept classes stay (is it an nn.Module? an autograd.Function?), and so does every
        # function or class kept code names: calls are analysed with their callee's body
        changed = False
        needed: Set[str] = set(used)
        for i, k in enumerate(kept):
            if k:
                needed |= bases[i] | words[i]
        for i, k in enumerate(kept):
            if not k and names[i] is not None and names[i] in needed:
                kept[i] = True
                changed = True
    if all(kept):
        return source, frozenset()
    out = list(lines)
    blanked_words: Set[str] = set()
    for (a, b), k, t in zip(blocks, kept, texts):
        if not k:
            blanked_words.update(_code_words(t))
            for j in range(a, b):
                out[j] = ""
    return "\n".join(out), frozenset(blanked_words)
