"""Inputs and invariants shared by ``tests/test_fuzz.py`` (hypothesis, bounded) and ``bench/fuzz.py`` (long runs).

Inputs, all as bytes (what a file holds):

* ``gen_program(ch)``: random torch-flavoured programs -- factories with ``requires_grad``, in-place methods,
  augmented and item assignment, ``.data``, ``.grad``, ``detach``, ``torch.no_grad()``, loops, ifs, functions,
  ``nn.Module`` classes with parameters, ``autograd.Function``\\ s -- sometimes long enough (200+ lines, several
  top-level blocks) for the pre-filter to blank blocks;
* ``mutate(ch, text)``: a real file (rule examples from ``rules/*.md``, ``examples/``, the package's own source)
  damaged: deleted or duplicated lines, truncated tokens, random bytes, tabs mixed into indentation, CRLF / CR, a
  BOM, another encoding with a coding cookie, NUL bytes, stray unicode, generated statements spliced in;
* ``hostile_inputs()``: the fixed set of extremes -- 500-deep nesting of every kind (parentheses, ifs, functions,
  ``and`` chains...), deeper still, 5 MB single-line files.

A ``Chooser`` makes the random decisions: ``RandomChooser`` (a seeded ``random.Random``: the fuzz script) or
``DrawChooser`` (hypothesis draws: the tests, which then shrink a failure to a small input).

Invariants (``check_bytes``; each returns a list of failures, empty when all hold):

1. checking the file never raises and never ends in an internal error: every outcome is diagnostics;
2. ``analyze`` (lint, with the block pre-filter) reports nothing ``analyze_module`` (full) does not;
3. ``--fix`` (safe, and with unsafe fixes) never errs, its output parses with LibCST and ``compile()`` (when the
   input compiled), fixing the output again changes nothing, and the file's encoding round-trips;
4. the analysis is deterministic (the same text twice gives the same findings).

``check_cli`` runs the real command line (in-process through click's ``CliRunner``, or as a subprocess): the exit
code is 0, 1 or 2 and no output contains a traceback. ``check_order`` lints a folder with ``--jobs 1``,
``--jobs 2`` and the files in shuffled order: the output must be identical.
"""
from __future__ import annotations

import codecs
import json
import os
import random
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# ---------------------------------------------------------------------------------------------------------------
# Choosers


class RandomChooser:
    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def pick(self, options: Sequence):
        return options[self.rnd.randrange(len(options))]

    def int(self, lo: int, hi: int) -> int:
        return self.rnd.randint(lo, hi)

    def chance(self, p: float) -> bool:
        return self.rnd.random() < p

    def bytes(self, n: int) -> bytes:
        return bytes(self.rnd.randrange(256) for _ in range(n))


class DrawChooser:
    """Hypothesis draws through ``st.data()``: shrinkable choices."""

    def __init__(self, data) -> None:
        from hypothesis import strategies as st

        self.data = data
        self.st = st

    def pick(self, options: Sequence):
        return options[self.data.draw(self.st.integers(0, len(options) - 1))]

    def int(self, lo: int, hi: int) -> int:
        return self.data.draw(self.st.integers(lo, hi))

    def chance(self, p: float) -> bool:
        return self.data.draw(self.st.integers(0, 999)) < int(p * 1000)

    def bytes(self, n: int) -> bytes:
        return self.data.draw(self.st.binary(min_size=n, max_size=n))


# ---------------------------------------------------------------------------------------------------------------
# Random torch-flavoured programs

NAMES = ["w", "b", "x", "y", "h", "p", "a", "out", "loss", "z", "w", "b", "w"]  # w and b (leaves) more often
HEADERS = [
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n",
    "import torch\nfrom torch import nn\n",
    "import torch as th\nimport torch\n",
    "from torch import nn, optim\nimport torch\nfrom torch.nn import functional as F\n",
    "import torch\n",
]
FACTORIES = ["torch.randn(3)", "torch.ones(2, 3)", "torch.zeros(3)", "torch.rand(4)", "torch.empty(2)",
             "torch.tensor([1.0, 2.0])", "torch.arange(3.0)", "torch.full((2,), 0.5)"]
INPLACE_METHODS = ["add_(1)", "mul_(2)", "zero_()", "sigmoid_()", "exp_()", "clamp_(0, 1)", "fill_(0.0)",
                   "relu_()", "div_(2)", "sub_({m})", "copy_({m})", "tanh_()", "abs_()", "normal_()",
                   "uniform_()", "masked_fill_({m} > 0, 0.0)", "index_add_(0, idx, {m})", "add_({m}, alpha=2)"]
OUT_OF_PLACE = ["torch.exp({m})", "torch.sigmoid({m})", "{m}.tanh()", "F.relu({m})", "{m} * {k}", "{m} + {k}",
                "{m} @ {k}", "{m}.pow(2)", "{m}.view(-1)", "{m}[0]", "{m}[:, 1]", "{m}.t()", "{m}.sum()",
                "torch.cat([{m}, {k}])", "{m}.reshape(-1)", "{m}.expand(2, 3)", "torch.sin({m})", "{m} / 2",
                "{m}.clone()", "{m}.detach()", "{m}.data", "{m}.grad", "torch.where({m} > 0, {m}, {k})",
                "{m}.softmax(0)", "{m}.log()", "{m}.double()", "{m}.to('cpu')", "{m}.float()",
                "layer({m})", "act({m})", "self.w * {m}" ]
SIMPLE = [
    "{n} = {factory}",
    "{n} = {factory}.requires_grad_()",
    "{n} = torch.randn(3, requires_grad=True)",
    "{n} = torch.ones(2, 3, requires_grad={bool})",
    "{n} = nn.Parameter(torch.randn(3))",
    "{n} = {oop}",
    "{n} = {oop}",
    "{n}.{inplace}",
    "{n}.{inplace}",
    "{n} {aug} {m}",
    "{n} {aug} 0.1 * {m}.grad",
    "{n}[0] = {m}",
    "{n}[:, 0] += 1",
    "{n}[{m} > 0] = 0.0",
    "{n}.data.{inplace}",
    "{n}.data = {m}",
    "{n}.data[0] = 0",
    "{n}.data -= 0.1 * {n}.grad",
    "{n} = {n} - 0.1 * {n}.grad",
    "{n}.grad.zero_()",
    "{n}.grad = None",
    "print({n}.grad)",
    "{n} = {m}.detach().requires_grad_(True)",
    "{n} = {m}.detach()",
    "{n}.requires_grad_()",
    "{n}.sum().backward()",
    "loss = ({n} * {m}).sum()",
    "loss.backward()",
    "loss.backward(retain_graph=True)",
    "torch.autograd.grad(loss, [{n}])",
    "opt = torch.optim.SGD([{n}], lr=0.1)",
    "opt = optim.Adam(model.parameters())",
    "opt.step()",
    "opt.zero_grad()",
    "torch.add({n}, 1, out={m})",
    "F.relu({n}, inplace=True)",
    "torch.relu_({n})",
    "layer = nn.Linear(3, 3)",
    "act = nn.ReLU(inplace=True)",
    "{n} = act({m})",
    "{n} = layer({m})",
    "idx = torch.tensor([0, 1])",
    "{n}, {m} = {m}, {n}",
    "{n} = [{m}, {k}]",
    "{n} = ({m} := {factory})",
    "del {n}",
    "pass",
    "assert {n} is not None",
    "{n} = lambda v: v.{inplace}",
    "{n} = {m} if {k} is None else {k}",
    "{n} = [q.{inplace} for q in ({m}, {k})]",
    "{n}.register_hook(lambda g: g.{inplace})",
    "{n} = torch.no_grad()({m})",
    "global {n}",
    "th.{inplace_fn}({n})",
    "{n}.{inplace}  # noqa",
    "{n}.{inplace}  # noqa: IPL001",
    "{n} = {m}.{inplace}.{inplace}",
    "{n} = self.w",
    "self.w.{inplace}",
    "self.{n} = {oop}",
]
PROLOGUE = ["{n} = torch.randn(3, requires_grad=True)", "{n} = nn.Parameter(torch.randn(3))",
            "{n} = torch.ones(2, 3).requires_grad_()", "{n} = {factory}", "{n} = ({m} * 2).sum()",
            "{n} = {m}.exp()", "model = nn.Linear(3, 3)", "{n} = model({m})"]
IN_FUNCTION = ["return {n}", "return {oop}", "yield {n}", "ctx.save_for_backward({n})", "ctx.mark_dirty({n})",
               "{n}, = ctx.saved_tensors"]
IN_LOOP = ["break", "continue"]
CONDITIONS = ["{n} is None", "{n}.requires_grad", "True", "{n}.sum() > 0", "not {n}.is_leaf", "i > 1", "flag"]
WITHS = ["torch.no_grad()", "torch.enable_grad()", "torch.inference_mode()", "torch.set_grad_enabled(False)",
         "th.no_grad()", "torch.autocast('cpu')", "open('f') as fh"]
DECORATORS = ["@torch.no_grad()", "@torch.enable_grad()", "@staticmethod", "@torch.jit.script", "@property",
              "@functools.lru_cache()", "@torch.inference_mode()"]


def _fill(ch, template: str) -> str:
    out = template
    for _ in range(3):  # nested placeholders ({oop} may hold {m})
        if "{" not in out:
            break
        out = out.format(
            n=ch.pick(NAMES), m=ch.pick(NAMES), k=ch.pick(NAMES), factory=ch.pick(FACTORIES),
            oop=ch.pick(OUT_OF_PLACE), inplace=ch.pick(INPLACE_METHODS), aug=ch.pick(["+=", "-=", "*=", "/=", "@="]),
            bool=ch.pick(["True", "False", "flag"]),
            inplace_fn=ch.pick(["relu_", "sigmoid_", "zero_", "add_", "exp_"]),
        ) if _formattable(out) else out
    return out


def _formattable(text: str) -> bool:
    try:
        text.format(n="", m="", k="", factory="", oop="", inplace="", aug="", bool="", inplace_fn="")
        return True
    except (KeyError, IndexError, ValueError):
        return False


def _block(ch, depth: int, ctx: Tuple[str, ...], budget: List[int], indent: str) -> List[str]:
    """Statements at ``indent``; ``ctx`` says what encloses them (function, loop, class, autograd)."""
    lines: List[str] = []
    count = ch.int(1, 4)
    for _ in range(count):
        if budget[0] <= 0:
            break
        budget[0] -= 1
        roll = ch.int(0, 99)
        if depth < 4 and roll < 22:
            lines += _compound(ch, depth, ctx, budget, indent)
            continue
        if "function" in ctx and roll < 28:
            template = ch.pick(IN_FUNCTION)
        elif "loop" in ctx and roll < 31:
            template = ch.pick(IN_LOOP)
        else:
            template = ch.pick(SIMPLE)
        lines.append(indent + _fill(ch, template))
    if not lines:
        lines.append(indent + "pass")
    return lines


def _compound(ch, depth: int, ctx: Tuple[str, ...], budget: List[int], indent: str) -> List[str]:
    inner = indent + ch.pick(["    ", "    ", "  ", "\t"]) if not indent.endswith("\t") else indent + "\t"
    kind = ch.pick(["if", "if", "for", "for", "while", "with", "with", "def", "class", "try", "autograd"])
    body = lambda extra=(): _block(ch, depth + 1, ctx + extra, budget, inner)  # noqa: E731
    if kind == "if":
        out = [f"{indent}if {_fill(ch, ch.pick(CONDITIONS))}:"] + body()
        if ch.chance(0.3):
            out += [f"{indent}elif {_fill(ch, ch.pick(CONDITIONS))}:"] + body()
        if ch.chance(0.4):
            out += [f"{indent}else:"] + body()
        return out
    if kind == "for":
        head = ch.pick(["for i in range(3):", "for p in model.parameters():", "for {n} in [{m}, {k}]:",
                        "for name, p in model.named_parameters():", "for group in opt.param_groups:"])
        return [indent + _fill(ch, head)] + body(("loop",))
    if kind == "while":
        return [indent + _fill(ch, "while {n}.sum() > 0:")] + body(("loop",))
    if kind == "with":
        return [f"{indent}with {_fill(ch, ch.pick(WITHS))}:"] + body()
    if kind == "def":
        out = [indent + ch.pick(DECORATORS)] if ch.chance(0.3) else []
        params = ch.pick(["", "x", "x, y", "self, x", "x, *args, **kwargs", "x, lr=0.1", "w: torch.Tensor"])
        return out + [f"{indent}def {ch.pick(['f', 'g', 'step', 'update', 'forward', 'helper'])}({params}):"] + \
            body(("function",))
    if kind == "class":
        return _module_class(ch, depth, budget, indent, inner)
    if kind == "autograd":
        return _autograd_class(ch, depth, budget, indent, inner)
    out = [f"{indent}try:"] + body() + [f"{indent}except {ch.pick(['Exception', 'RuntimeError', '(ValueError, KeyError)'])}:"]
    out += body()
    if ch.chance(0.3):
        out += [f"{indent}finally:"] + body()
    return out


def _module_class(ch, depth, budget, indent, inner) -> List[str]:
    inner2 = inner + "    "
    base = ch.pick(["nn.Module", "torch.nn.Module", "object", "nn.Linear", "Base"])
    out = [f"{indent}class {ch.pick(['Net', 'Layer', 'Model', 'Block'])}({base}):",
           f"{inner}def __init__(self):",
           f"{inner2}super().__init__()",
           f"{inner2}self.w = nn.Parameter(torch.randn(3))"]
    if ch.chance(0.5):
        out.append(f"{inner2}self.layer = nn.Linear(3, 3)")
    out.append(f"{inner}def forward(self, x):")
    out += _block(ch, depth + 2, ("function",), budget, inner2)
    out.append(f"{inner2}return x")
    return out


def _autograd_class(ch, depth, budget, indent, inner) -> List[str]:
    inner2 = inner + "    "
    out = [f"{indent}class {ch.pick(['Fn', 'MyRelu', 'Scale'])}(torch.autograd.Function):",
           f"{inner}@staticmethod", f"{inner}def forward(ctx, x):"]
    if ch.chance(0.6):
        out.append(f"{inner2}ctx.save_for_backward(x)")
    out += _block(ch, depth + 2, ("function",), budget, inner2)
    if ch.chance(0.3):
        out.append(f"{inner2}ctx.mark_dirty(x)")
    out += [f"{inner2}return x", f"{inner}@staticmethod", f"{inner}def backward(ctx, grad):"]
    if ch.chance(0.5):
        out.append(f"{inner2}x, = ctx.saved_tensors")
    out += _block(ch, depth + 2, ("function",), budget, inner2)
    out.append(f"{inner2}return grad")
    return out


def gen_program(ch, statements: Optional[int] = None, long: bool = False) -> str:
    """A random program: a header, then statements and blocks (``long``: 200+ lines, many top-level blocks)."""
    budget = [statements if statements is not None else ch.int(3, 40)]
    lines = ch.pick(HEADERS).splitlines()
    if long:
        budget[0] = 10_000
        while len(lines) < 230:
            if ch.chance(0.7):
                name = ch.pick(["f", "g", "step", "train", "helper", "loss_fn"]) + str(len(lines))
                lines.append(f"def {name}(x):")
                lines += _block(ch, 1, ("function",), [ch.int(2, 12)], "    ")
            else:
                lines += _block(ch, 0, (), [ch.int(1, 6)], "")
        return "\n".join(lines) + "\n"
    if ch.chance(0.7):  # leaves that require grad, which the rest then likely mutates
        lines.append(ch.pick(["w = torch.randn(3, requires_grad=True)", "w = nn.Parameter(torch.zeros(3))"]))
    if ch.chance(0.5):
        lines.append("b = torch.ones(3).requires_grad_()")
    for _ in range(ch.int(0, 3)):
        lines.append(_fill(ch, ch.pick(PROLOGUE)))
    lines += _block(ch, 0, (), budget, "")
    while budget[0] > 0:
        lines += _block(ch, 0, (), budget, "")
    return "\n".join(lines) + ("\n" if ch.chance(0.9) else "")


# ---------------------------------------------------------------------------------------------------------------
# Seeds: real files


def seed_texts() -> List[Tuple[str, str]]:
    """(name, text) of real files: every rule example, the examples/, the test snippets, the package source."""
    from inplace_lint import catalog

    out: List[Tuple[str, str]] = []
    for doc in sorted((ROOT / "rules").glob("IPL*.md")):
        rule = catalog.load_rule(doc)
        for ex in rule.examples():
            out.append((f"rules/{ex.name}", ex.source))
    rule_folders = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "inplace_lint" / "rules").iterdir()
                          if p.is_dir() and not p.name.startswith("_"))
    for folder in ("examples", "tests/snippets", "tests/fixtures/validate", "inplace_lint", "inplace_lint/analysis",
                   "inplace_lint/rules", *rule_folders):
        for path in sorted((ROOT / folder).glob("*.py")):
            out.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    return out


_SEEDS: Optional[List[Tuple[str, str]]] = None


def seeds() -> List[Tuple[str, str]]:
    global _SEEDS
    if _SEEDS is None:
        _SEEDS = seed_texts()
    return _SEEDS


# ---------------------------------------------------------------------------------------------------------------
# Mutations

ENCODINGS = ["latin-1", "cp1252", "koi8-r", "shift_jis", "utf-8", "cp437", "iso-8859-15", "euc-jp"]
ODD_TEXT = ["\u2028", "\x0c", "\u200b", "\u202e", "é", "\t", "\\", "\r", "\x1b[31m", "𝔵", "'''", '"', "#", ":",
            "(", ")", "[", "]", "{", "}", "\\\n", "lambda", "yield", "await", "async ", "print ", "$", "?", "`",
            "\ufeff", "\x00", "\U0001f600", "class", "def", "if", "else:", "    ", ";"]


def _window(ch, text: str, max_lines: int) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) <= max_lines:
        return text
    start = ch.int(0, len(lines) - max_lines)
    return "".join(lines[start:start + max_lines])


def mutate(ch, text: str, max_lines: int = 80) -> bytes:
    """``text`` (a window of at most ``max_lines`` lines) damaged by one to three text mutations, then maybe encoded
    oddly (BOM, another encoding with a cookie, CRLF/CR, NUL or random bytes)."""
    text = _window(ch, text, max_lines)
    for _ in range(ch.int(1, 3)):
        text = _text_mutation(ch, text)
    return _byte_mutation(ch, text)


def _text_mutation(ch, text: str) -> str:
    lines = text.splitlines(keepends=True) or [""]
    kind = ch.int(0, 13)
    i = ch.int(0, len(lines) - 1)
    if kind == 0:  # delete lines
        del lines[i:i + ch.int(1, 3)]
    elif kind == 1:  # duplicate a line
        lines.insert(i, lines[i])
    elif kind == 2:  # truncate at a random character (mid-token)
        return text[:ch.int(0, len(text))]
    elif kind == 3:  # tabs into indentation
        for j in range(len(lines)):
            if lines[j].startswith("    ") and ch.chance(0.5):
                lines[j] = "\t" + lines[j][4:]
    elif kind == 4:  # odd text at a random offset
        pos = ch.int(0, len(text))
        return text[:pos] + ch.pick(ODD_TEXT) + text[pos:]
    elif kind == 5:  # a generated statement spliced in, at the line's indentation
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip(" \t"))]
        lines.insert(i, indent + _fill(ch, ch.pick(SIMPLE)) + "\n")
    elif kind == 6:  # swap two lines
        j = ch.int(0, len(lines) - 1)
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == 7:  # indent or dedent a line
        lines[i] = ("    " + lines[i]) if ch.chance(0.5) else lines[i].lstrip(" \t")
    elif kind == 8:  # delete a character
        pos = ch.int(0, max(0, len(text) - 1))
        return text[:pos] + text[pos + 1:]
    elif kind == 9:  # wrap a line in a block
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip(" \t"))]
        head = ch.pick(["with torch.no_grad():", "if True:", "for _ in range(2):", "def inner():", "try:"])
        lines[i:i + 1] = [indent + head + "\n", "    " + lines[i]]
    elif kind == 10:  # a whole program in the middle
        lines.insert(i, gen_program(ch, statements=ch.int(1, 6)))
    elif kind == 11:  # replace a name
        words = [w for w in ("w", "x", "self", "torch", "grad", "data", "add_", "no_grad") if w in text]
        if words:
            return text.replace(ch.pick(words), ch.pick(NAMES + ["torch", "grad", "data", "add_", "(", ""]), 1)
    elif kind == 12:  # remove the trailing newline or add blank lines
        return text.rstrip("\n") if ch.chance(0.5) else text + "\n" * ch.int(1, 3)
    else:  # a line of nesting
        lines.insert(i, deep_line(ch.pick(DEEP_KINDS), ch.int(1, 60)) + "\n")
    return "".join(lines)


def _byte_mutation(ch, text: str) -> bytes:
    roll = ch.int(0, 99)
    if roll < 60:
        return text.encode("utf-8", "surrogatepass")
    if roll < 67:  # CRLF or CR line endings (or a mix)
        if ch.chance(0.5):
            return text.replace("\n", ch.pick(["\r\n", "\r"])).encode("utf-8", "surrogatepass")
        return "".join(line.replace("\n", "\r\n") if ch.chance(0.5) else line
                       for line in text.splitlines(keepends=True)).encode("utf-8", "surrogatepass")
    if roll < 71:  # a BOM
        return codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    if roll < 80:  # another encoding, declared by a coding cookie (sometimes wrongly)
        enc = ch.pick(ENCODINGS)
        declared = enc if ch.chance(0.8) else ch.pick(ENCODINGS + ["utf-16", "bogus-codec", "ascii"])
        cookie = ch.pick([f"# -*- coding: {declared} -*-\n", f"# coding={declared}\n", f"#!/usr/bin/env python\n# vim: set fileencoding={declared} :\n"])
        body = cookie + text
        if ch.chance(0.3):
            body += "s = 'café ß ü'\n"
        return body.encode(enc, "replace")
    if roll < 84:  # NUL bytes
        data = bytearray(text.encode("utf-8", "surrogatepass"))
        data.insert(ch.int(0, len(data)), 0)
        return bytes(data)
    if roll < 92:  # random bytes
        data = bytearray(text.encode("utf-8", "surrogatepass"))
        pos = ch.int(0, len(data))
        data[pos:pos] = ch.bytes(ch.int(1, 8))
        return bytes(data)
    # latin-1 bytes without a cookie (not UTF-8)
    return text.encode("utf-8", "surrogatepass") + "x = 'é'\n".encode("latin-1")


# ---------------------------------------------------------------------------------------------------------------
# Extremes

DEEP_KINDS = ["paren", "list", "dict", "call", "binop", "pow", "boolop", "attr", "subscript", "unary", "not",
              "ifexp", "lambda", "strcat", "method", "compfor", "dots"]


def deep_line(kind: str, n: int) -> str:
    """One statement nesting ``n`` levels of ``kind``."""
    return {
        "paren": lambda: "x = " + "(" * n + "w" + ")" * n,
        "list": lambda: "x = " + "[" * n + "]" * n,
        "dict": lambda: "x = " + "{1: " * n + "1" + "}" * n,
        "call": lambda: "x = " + "f(" * n + "w" + ")" * n,
        "binop": lambda: "x = " + " + ".join(["w"] * (n + 1)),
        "pow": lambda: "x = " + " ** ".join(["w"] * (n + 1)),
        "boolop": lambda: "x = " + " and ".join(["w"] * (n + 1)),
        "attr": lambda: "x = w" + ".a" * n,
        "subscript": lambda: "x = w" + "[0]" * n,
        "unary": lambda: "x = " + "-" * n + "w",
        "not": lambda: "x = " + "not " * n + "w",
        "ifexp": lambda: "x = " + "w if w else " * n + "w",
        "lambda": lambda: "x = " + "lambda: " * n + "w",
        "strcat": lambda: "x = " + " ".join(['"s"'] * (n + 1)),
        "method": lambda: "x = w" + ".add_(1)" * n,
        "compfor": lambda: "x = [w " + "for w in w " * n + "]",
        "dots": lambda: "x = " + "w." * n + "w",
    }[kind]()


def deep_program(kind: str, n: int) -> str:
    """A program with a real finding and ``n`` levels of nesting of ``kind`` (statements or expressions)."""
    head = "import torch\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n"
    if kind == "ifs":
        return head + "".join(" " * i + "if w:\n" for i in range(n)) + " " * n + "w.add_(1)\n"
    if kind == "defs":
        return head + "".join(" " * i + f"def f{i}():\n" for i in range(n)) + " " * n + "w.add_(1)\n"
    if kind == "classes":
        return head + "".join(" " * i + f"class C{i}:\n" for i in range(n)) + " " * n + "pass\n"
    if kind == "elifs":
        return head + "if w:\n    pass\n" + "elif w:\n    w.add_(1)\n" * n
    if kind == "withs":
        return head + "".join(" " * i + "with torch.no_grad():\n" for i in range(n)) + " " * n + "w.add_(1)\n"
    return head + deep_line(kind, n) + "\n"


STATEMENT_DEEP_KINDS = ["ifs", "defs", "classes", "elifs", "withs"]


MB5 = 5 * 1024 * 1024
HOSTILE = {  # name -> a function making the bytes (some are big: made on demand)
    "deep-boolop-50000": lambda: deep_program("boolop", 50_000).encode(),
    "deep-paren-100000": lambda: deep_program("paren", 100_000).encode(),
    "empty": lambda: b"",
    "only-bom": lambda: codecs.BOM_UTF8,
    "only-newlines": lambda: b"\n\r\n\r" * 100,
    "only-cookie": lambda: b"# -*- coding: latin-1 -*-\n",
    "bad-cookie": lambda: b"# -*- coding: bogus -*-\nimport torch\n",
    "cookie-vs-bom": lambda: codecs.BOM_UTF8 + b"# -*- coding: latin-1 -*-\nimport torch\n",
    "utf16": lambda: "import torch\nw = torch.ones(2, requires_grad=True)\n".encode("utf-16"),
    "nul": lambda: b"import torch\x00\n",
    "binary": lambda: bytes(range(256)) * 4,
    "lone-surrogate-bytes": lambda: b"import torch\nx = '\xed\xa0\x80'\n",
    "tabs-and-spaces": lambda: b"import torch\nif True:\n\tw = torch.ones(2, requires_grad=True)\n        w.add_(1)\n",
    "form-feed-and-vt": lambda: b"import torch\n\x0c\nw = torch.ones(2, requires_grad=True)\x0b\nw.add_(1)\n",
    "3.12-syntax": lambda: b"import torch\ntype T = int\ndef f[X](w: X):\n    w.add_(1)\n",
}
BIG = {
    "5mb-comment": lambda: b"import torch  # " + b"x" * MB5 + b"\n",
    "5mb-string": lambda: b"import torch\nx = '" + b"a" * MB5 + b"'\n",
    "5mb-garbage": lambda: b"import torch\nx = " + bytes(random.Random(5).choices(b"abc(){}[]:=+- '\"", k=MB5)),
    "5mb-list": lambda: b"import torch\nx = [" + b"1, " * (MB5 // 3) + b"]\n",
    "5mb-statements": lambda: b"import torch\nw = torch.ones(2, requires_grad=True)\n" + b"w.add_(1); " * (MB5 // 11)
    + b"\n",
    "5mb-no-newline-syntax-error": lambda: b"import torch; x = (" + b"1 +" * (MB5 // 3),
}


def hostile_input(name: str) -> bytes:
    if name in BIG:
        return BIG[name]()
    if name in HOSTILE:
        return HOSTILE[name]()
    _, kind, n = name.split("-")
    return deep_program(kind, int(n)).encode()


def hostile_names(big: bool = True) -> List[str]:
    deep = [f"deep-{kind}-{n}" for kind in DEEP_KINDS + STATEMENT_DEEP_KINDS for n in (500, 1200, 5000)]
    return deep + list(HOSTILE) + (list(BIG) if big else [])


def hostile_inputs(big: bool = True) -> Iterator[Tuple[str, bytes]]:
    """The fixed extremes: (name, bytes)."""
    for name in hostile_names(big):
        yield name, hostile_input(name)


# ---------------------------------------------------------------------------------------------------------------
# Invariants


def settings_for(paths: Sequence[str] = (".",)):
    from inplace_lint.config import resolve_settings

    return resolve_settings(list(paths), config=None, no_config=True, select=None, extend_select=[], ignore=[],
                            force_exclude=False, stdin_filename=None)


def _key(d) -> Tuple:
    return (d.code, d.line, d.col, d.end_line, d.end_col, d.message)


def _fail(failures: List[str], what: str, exc: Optional[BaseException] = None) -> None:
    if exc is not None:
        what += ": " + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-3000:]
    failures.append(what)


def check_bytes(data: bytes, name: str = "fuzz.py", settings=None, fix: bool = True,
                subset: bool = True) -> List[str]:
    """Every invariant on one file's bytes (see the module docstring); the failures, empty when all hold."""
    from inplace_lint import engine
    from inplace_lint.registry import analyze_module, analyze_source

    failures: List[str] = []
    settings = settings or settings_for()
    # 1. the engine: diagnostics, never an internal error
    try:
        outcome = engine.check_file(name, lambda: engine.decode_source(data), settings)
        if outcome.error is not None:
            _fail(failures, f"engine internal error: {outcome.error}")
    except BaseException as exc:  # noqa: BLE001
        _fail(failures, "engine raised", exc)
    try:
        text = engine.decode_source(data)
    except engine.UnreadableSource:
        return failures
    except BaseException as exc:  # noqa: BLE001
        _fail(failures, "decode_source raised something else than UnreadableSource", exc)
        return failures
    # 2. lint never reports what the full analysis does not; 4. determinism
    try:
        lint = analyze_source(text, name)
        if subset:
            module, full = analyze_module(text, name)
            extra = sorted(set(map(_key, lint)) - set(map(_key, full)))
            if extra:
                _fail(failures, f"analyze reports findings analyze_module does not: {extra[:5]}")
            again = analyze_source(text, name)
            if [_key(d) for d in again] != [_key(d) for d in lint]:
                _fail(failures, "analyze_source is not deterministic")
    except BaseException as exc:  # noqa: BLE001
        _fail(failures, "analysis raised", exc)
        return failures
    # 3. --fix
    if fix:
        for unsafe in (False, True):
            failures += check_fix(data, name, unsafe)
    return failures


def check_fix(data: bytes, name: str = "fuzz.py", unsafe: bool = False) -> List[str]:
    """--fix on one file's bytes: no error, output that parses (and compiles when the input did), idempotent, and
    bytes that decode back to the fixed text."""
    import libcst as cst

    from inplace_lint import engine, fixes

    failures: List[str] = []
    label = "unsafe fix" if unsafe else "fix"
    try:
        source = fixes.SourceBytes(data)
    except engine.UnreadableSource:
        return failures
    try:
        result = fixes.fix_text(source.text, name, unsafe=unsafe)
    except BaseException as exc:  # noqa: BLE001
        _fail(failures, f"{label}: fix_text raised", exc)
        return failures
    if result.error is not None:
        _fail(failures, f"{label}: {result.error}")
        return failures
    if not result.changed:
        return failures
    out = result.source
    try:
        cst.parse_module(out)
    except BaseException as exc:  # noqa: BLE001
        _fail(failures, f"{label}: the output does not parse with LibCST", exc)
    if _compiles(source.text) and not _compiles(out):
        _fail(failures, f"{label}: the output does not compile although the input did")
    try:
        second = fixes.fix_text(out, name, unsafe=unsafe)
        if second.error is not None:
            _fail(failures, f"{label}: fixing the output again errs: {second.error}")
        elif second.source != out:
            _fail(failures, f"{label}: not idempotent (a second --fix changes the output)")
    except BaseException as exc:  # noqa: BLE001
        _fail(failures, f"{label}: the second fix_text raised", exc)
    try:
        encoded = source.encode(out)
        if engine.decode_source(encoded) != out:
            _fail(failures, f"{label}: the written bytes do not decode to the fixed text")
    except (ValueError, UnicodeError):
        pass  # reported as "cannot write the fixes" and the file left as it was: allowed
    except BaseException as exc:  # noqa: BLE001
        _fail(failures, f"{label}: encoding the output raised", exc)
    return failures


def _compiles(text: str) -> bool:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<fuzz>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


# ---------------------------------------------------------------------------------------------------------------
# The command line


def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("INPLACE_LINT_RULES_DIR", None)
    env["NO_COLOR"] = "1"
    return env


def run_cli(args: Sequence[str], cwd: Optional[Path] = None, subprocess_: bool = False,
            input_: Optional[bytes] = None, timeout: float = 300) -> Tuple[int, str]:
    """Run ``inplace-lint ARGS``: (exit code, stdout + stderr)."""
    if subprocess_:
        proc = subprocess.run([sys.executable, "-m", "inplace_lint", *args], cwd=cwd, env=cli_env(),
                              input=input_ if input_ is not None else b"", capture_output=True, timeout=timeout)
        return proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")
    from click.testing import CliRunner

    from inplace_lint.cli import cli

    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        runner = CliRunner(mix_stderr=False) if _supports_mix_stderr() else CliRunner()
        result = runner.invoke(cli, list(args), input=input_, catch_exceptions=True)
    finally:
        os.chdir(old)
    output = (result.stdout_bytes or b"").decode("utf-8", "replace")
    try:
        output += (result.stderr_bytes or b"").decode("utf-8", "replace")
    except (ValueError, AttributeError):
        pass
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        exc = result.exception
        output += "Traceback (from CliRunner)\n" + "".join(
            traceback.format_exception(type(exc), exc, exc.__traceback__))
    return result.exit_code, output


def _supports_mix_stderr() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def check_cli(args: Sequence[str], cwd: Optional[Path] = None, subprocess_: bool = False,
              input_: Optional[bytes] = None) -> List[str]:
    code, output = run_cli(args, cwd, subprocess_, input_)
    failures = []
    if code not in (0, 1, 2):
        failures.append(f"`inplace-lint {' '.join(args)}` exited {code}: {output[-2000:]}")
    if "Traceback" in output:
        failures.append(f"`inplace-lint {' '.join(args)}` printed a traceback: {output[-3000:]}")
    if "internal error" in output:
        failures.append(f"`inplace-lint {' '.join(args)}` had an internal error: {output[-2000:]}")
    return failures


def check_order(folder: Path, seed: int = 0, subprocess_: bool = False) -> List[str]:
    """``--jobs 1``, ``--jobs 2`` and shuffled explicit file order give identical JSON output."""
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.suffix in (".py", ".ipynb"))
    shuffled = list(files)
    random.Random(seed).shuffle(shuffled)
    base = ["--no-cache", "--format", "json", "--no-config"]
    runs = {
        "jobs1": base + ["--jobs", "1", "."],
        "jobs2": base + ["--jobs", "2", "."],
        "shuffled-jobs1": base + ["--jobs", "1", *shuffled],
        "shuffled-jobs2": base + ["--jobs", "2", *shuffled],
    }
    outputs = {}
    failures: List[str] = []
    for label, args in runs.items():
        code, output = run_cli(args, folder, subprocess_)
        if code not in (0, 1, 2) or "Traceback" in output:
            failures.append(f"{label}: exit {code}: {output[-2000:]}")
        outputs[label] = (code, _normalise_json(output))
    first = outputs["jobs1"]
    for label, got in outputs.items():
        if got != first:
            failures.append(f"{label} differs from jobs1")
    return failures


def _normalise_json(output: str):
    """The JSON findings (the part of the output that is a JSON array), as a canonical string."""
    start = output.find("[")
    end = output.rfind("]")
    if start < 0 or end < start:
        return output
    try:
        return json.dumps(json.loads(output[start:end + 1]), sort_keys=True)
    except ValueError:
        return output


__all__ = ["DEEP_KINDS", "DrawChooser", "RandomChooser", "STATEMENT_DEEP_KINDS", "check_bytes", "check_cli",
           "check_fix", "check_order", "deep_line", "deep_program", "gen_program", "hostile_input", "hostile_inputs",
           "hostile_names", "mutate", "run_cli", "seeds", "settings_for"]
