"""The block-level pre-filter (inplace_lint/analysis/prefilter.py): it blanks top-level code no rule can report on,
keeps every position, and may only lose findings, never add one. On the rule examples it loses none."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from inplace_lint.analysis import interp, prefilter
from inplace_lint.catalog import all_rules, strip_markers
from inplace_lint.registry import analyze_module, rule_set


def analyze(source: str, path: str):
    """The lint analysis (with the block pre-filter), given the real rules."""
    return interp.analyze(source, path, rule_set())


FILLER = "\n\n".join(
    f"def helper_{i}(a, b):\n    '''Docstring\nwith a line at column 0\n'''\n    return a + b * {i}\n" for i in range(60)
)


def _big(code: str) -> str:
    """The code followed by irrelevant functions (the pre-filter blanks them)."""
    return code.rstrip("\n") + "\n\n\n" + FILLER + "\n"


def test_blocks_follow_decorators_strings_and_signatures():
    src = textwrap.dedent('''\
        import torch

        @decorator
        @other(1)
        def f(
            a,
        ):
            """
        text at column 0
        class NotAClass:
        """
            return a

        async def g():
            pass
        x = 1

        class C:
            def m(self):
                pass
        ''')
    lines = src.split("\n")
    blocks = prefilter.top_level_blocks(lines, prefilter.string_lines(src))
    starts = [lines[a].split("(")[0] for a, _ in blocks]
    assert starts == ["@decorator", "async def g", "class C:"]
    (a, b), (c, d), (e, f) = blocks
    assert lines[b] == "async def g():" and lines[d] == "x = 1"


def test_reduced_text_keeps_every_line_number():
    src = _big("import torch\nw = torch.ones(3, requires_grad=True)\nw.add_(1)\n")
    text, _ = prefilter.reduce_source(src)
    assert text is not src and text.count("\n") == src.count("\n")
    assert "helper_3" not in text and "w.add_(1)" in text


def test_a_file_without_functions_is_analysed_whole():
    src = "import torch\n" + "x = 1\n" * 10
    assert prefilter.reduce_source(src)[0] is src


def test_no_torch_no_text():
    assert prefilter.reduce_source("x = 1\n" * 500)[0] is None


def _examples():
    for rule in all_rules().values():
        for ex in rule.examples():
            if ex.role in ("bad", "good", "fixed") and not ex.attrs.get("static-only"):
                yield pytest.param(strip_markers(ex.code), id=ex.name)
    # the real cases: helpers, classes and hooks reached through calls, which blanking must keep
    cases = Path(__file__).resolve().parent / "cases"
    for path in sorted(cases.glob("real-*/*.py")):
        yield pytest.param(strip_markers(path.read_text(encoding="utf-8")), id=f"{path.parent.name}/{path.stem}")


@pytest.mark.slow
@pytest.mark.parametrize("code", list(_examples()))
def test_blanking_loses_no_finding_on_rule_examples(code):
    src = _big(code)
    full = {(d.line, d.code, d.message) for d in analyze_module(src, "x.py")[1]}
    reduced = {(d.line, d.code, d.message) for d in analyze(src, "x.py")}
    assert reduced == full


def test_the_callers_of_kept_helpers_stay():
    """A caller of a helper that can report is kept, and analysed on its own: its grad mode decides. ``_update``'s
    only caller runs it under no_grad, so nothing is found (blanking ``step`` would have left ``_update`` with an
    unknown grad mode, the names blanked code uses: ``uncertain``)."""
    code = textwrap.dedent("""\
        import torch

        def _update(params, lr):
            for p in params:
                p.sub_(lr * p.grad)

        @torch.no_grad()
        def step(params, lr):
            _update(params, lr)
        """)
    src = _big(code)
    text, uncertain = prefilter.reduce_source(src)
    assert "def step" in text and "def helper_3" not in text and "_update" not in uncertain
    assert analyze(src, "x.py") == []
    assert analyze_module(src, "x.py")[1] == []


def test_a_helper_s_caller_is_kept_where_the_finding_needs_it():
    """``h`` is saved by sigmoid in ``forward``, which has nothing to report itself; the helper writes it."""
    code = textwrap.dedent("""\
        import torch
        from torch import nn

        def helper(h):
            h.mul_(2)
            return h

        class Gate(nn.Module):
            def forward(self, x):
                h = torch.sigmoid(x)
                return helper(h)
        """)
    src = _big(code)
    assert [(d.line, d.code) for d in analyze(src, "x.py")] == [(5, "IPL003")]


def test_methods_nothing_needs_are_blanked_and_the_rest_analysed_only_where_called():
    code = textwrap.dedent("""\
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.Sigmoid()

            def forward(self, x):
                return self.act(x)

            def describe(self):
                return "scale"

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = Scale()

            def forward(self, x):
                out = self.body(x)
                out += x
                return out

            def extra_repr(self):
                return "block"

            def reset(self):
                self.cache = None
        """)
    src = _big(code)
    todo = prefilter.plan(src, ast.parse(src))
    assert "def describe" not in todo.text and "def extra_repr" not in todo.text and "def reset" not in todo.text
    # Scale's forward (what Block sees) is callee-only: LibCST gets a stub, the real lines are parsed when called
    assert "def forward(self, x):\n        ...\n" in todo.text and "return self.act(x)" not in todo.text
    assert set(todo.lazy) == {"Scale.forward"}
    assert "def forward(self, x):\n        return self.act(x)" in todo.unstubbed(src)
    assert todo.callee_only == {"Block.__init__", "Scale.__init__", "Scale.forward"}
    assert todo.assigned == {"Block": {"cache"}}
    assert [(d.line, d.code) for d in analyze(src, "x.py")] == [(22, "IPL003")]
    assert [(d.line, d.code) for d in analyze_module(src, "x.py")[1]] == [(22, "IPL003")]


def test_base_classes_of_kept_classes_stay():
    code = textwrap.dedent("""\
        import torch

        class Base(torch.autograd.Function):
            pass

        class Double(Base):
            @staticmethod
            def forward(ctx, x):
                y = x.clone().detach().requires_grad_()
                y.mul_(2)
                return y
        """)
    src = _big(code)
    text, _ = prefilter.reduce_source(src)
    assert "class Base" in text
    assert [d.code for d in analyze(src, "x.py")] == [d.code for d in analyze_module(src, "x.py")[1]] == []


FILLER = "import torch\n" + "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(120))
FINDING = "w = torch.ones(2, requires_grad=True)\nw.add_(1)\n"


def test_a_syntax_error_in_blanked_code_is_still_reported():
    """The pre-filter blanks ``broken`` (it never says torch), but the file does not parse: IPL900, as the full
    analysis says, not the findings of the rest."""
    source = FILLER + "def broken(:\n    pass\n" + FINDING
    assert [(d.code, d.line) for d in analyze(source, "t.py")] == [("IPL900", 362)]
    assert [(d.code, d.line) for d in analyze_module(source, "t.py")[1]] == [("IPL900", 362)]


def test_deep_nesting_in_blanked_code_does_not_stop_the_analysis():
    """LibCST never sees blanked code, so how deep it nests does not matter (kept, it is a clean IPL900)."""
    deep = "def deep(x):\n    return " + "x + " * 1500 + "x\n"
    source = FILLER + deep + FINDING
    assert [d.code for d in analyze(source, "t.py")] == ["IPL001"]
    kept = FILLER + deep.replace("return", "x.add_(1)\n    return") + FINDING
    assert [d.code for d in analyze(kept, "t.py")] == ["IPL900"]
    assert "nested too deeply" in analyze(kept, "t.py")[0].message


def test_module_level_data_literals_are_not_given_to_libcst(monkeypatch):
    """A generated table (``NAME = [numbers, strings...]``, 2,000 characters or more) becomes ``NAME = ...`` with its
    other lines blank: LibCST never builds its elements, every line keeps its number, findings after it are found."""
    import random

    import libcst

    from inplace_lint import registry

    random.seed(0)
    rows = "\n".join(f"    {random.random()!r}, {random.randint(0, 99)}, 'tok{i}', None," for i in range(3000))
    source = ("import torch\nTABLE = [\n" + rows + "\n]\nVOCAB = {" + ", ".join(f"'w{i}': {i}" for i in range(400))
              + "}\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n")
    sizes = []
    real = libcst.parse_module
    monkeypatch.setattr(libcst, "parse_module", lambda text, *a, **k: sizes.append(len(text)) or real(text, *a, **k))
    diags = registry.analyze_source(source, "gen.py")
    assert [(d.line, d.code) for d in diags] == [(len(source.splitlines()), "IPL001")]
    assert sizes and max(sizes) < 200 + source.count("\n")  # the blanked text: the tables are gone
    reduced, _ = prefilter.reduce_source(source)
    assert reduced.split("\n")[1:3] == ["TABLE = ...", ""] and reduced.count("\n") == source.count("\n")
    assert "VOCAB = ..." in reduced


def test_a_literal_that_names_something_is_kept():
    """A literal that holds a name (a module, a function, a tensor) may matter: it stays as written."""
    items = ", ".join(["nn.ReLU(inplace=True)"] + ["1.0"] * 600)
    numbers = ", ".join(["1e-3", "-2.5E+4", "0x1F", "7j", "1_000.5", ".5", "0b101"] * 100)
    source = f"import torch\nimport torch.nn as nn\nLAYERS = [{items}]\nX = [{numbers}, w]\n"
    source += f"Y = ({numbers})\n"
    reduced, _ = prefilter.reduce_source(source)
    lines = reduced.split("\n")
    assert lines[2].startswith("LAYERS = [nn.ReLU") and lines[3].startswith("X = [1e-3")
    assert lines[4] == "Y = ..."


# Callee-only functions and methods are left to LibCST as a stub and parsed from their own lines when a call reaches
# them (``Plan.lazy``, ``project.LazyUnits``): what the analysis reports must not change.

LAZY_HELPER = '''\
import torch
from torch import nn


class Gate(nn.Module):
    def forward(self, x):
        h = self.squash(x)
        h.mul_(2)
        return h

    def squash(self, x):
        y = x * 1
        return torch.sigmoid(y)


def unused_helper(t):
    return t.sum()
'''


def test_a_callee_only_method_is_a_stub_and_what_it_saved_is_located_in_its_own_lines():
    todo = prefilter.plan(LAZY_HELPER, ast.parse(LAZY_HELPER))
    assert set(todo.lazy) == {"Gate.squash"} and todo.lazy["Gate.squash"] == (10, 13, True)
    assert "    def squash(self, x):\n        ...\n\n\n" in todo.text and "torch.sigmoid(y)" not in todo.text
    assert todo.unstubbed(LAZY_HELPER).split("\n")[:14] == LAZY_HELPER.split("\n")[:14]
    diags = analyze(LAZY_HELPER, "gate.py")
    assert [(d.line, d.code) for d in diags] == [(8, "IPL003")]
    assert "at line 13" in diags[0].message  # torch.sigmoid's line, inside the method parsed apart
    assert [r[0] for r in diags[0].related] == [13]
    assert [(d.line, d.code, d.message) for d in analyze_module(LAZY_HELPER, "gate.py")[1]] == \
        [(d.line, d.code, d.message) for d in diags]


def test_a_stub_keeps_the_indentation_of_its_body():
    tabbed = LAZY_HELPER.replace("        ", "\t\t").replace("    ", "\t")
    todo = prefilter.plan(tabbed, ast.parse(tabbed))
    assert "\tdef squash(self, x):\n\t\t...\n" in todo.text
    compile(todo.text, "tabbed.py", "exec")
    assert [(d.line, d.code) for d in analyze(tabbed, "tabbed.py")] == [(8, "IPL003")]


def test_a_fix_that_edits_a_callee_only_method_is_still_applied():
    code = textwrap.dedent('''\
        import torch
        from torch import nn


        class Gate(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(3, 3)
                self.gate = nn.Sigmoid()
                self.act = nn.ReLU(inplace=True)

            def forward(self, x):
                h = self.gate(self.lin(x))
                return self.act(h)


        model = Gate()
        model(torch.randn(2, 3)).sum().backward()
        ''')
    todo = prefilter.plan(code, ast.parse(code))
    assert "Gate.forward" in todo.lazy  # its text has nothing in place: only the module it calls is
    module, analysed, diags = interp.analyze_for_fixes(code, "gate.py", rule_set())
    assert [(d.line, d.code) for d in diags] == [(14, "IPL003")]
    assert diags[0].fix is not None and diags[0].fix.edit is not None  # analysed again with forward in the tree
    assert "return self.act(h)" in analysed


@pytest.mark.parametrize("code, no_tensor", [
    ("def f(n):\n    i = 0\n    for k in range(n):\n        i += 1\n    return i\n", True),
    ("def f(xs):\n    d = {}\n    for x in xs:\n        d[x] = 1\n    return d\n", True),
    ("def f(xs):\n    total = 0\n    for x in xs:\n        total += x.item()\n    return total\n", True),
    ("def f(a):\n    x = a.shape[0]\n    x *= 2\n    return x\n", True),
    ("def f(a):\n    import math\n    s = math.sqrt(2)\n    s /= 2\n", True),
    # a tensor may be written: relevant
    ("def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n", False),
    ("def f(t):\n    xs = [t]\n    xs[0] += 1\n", False),          # the element, a tensor
    ("def f(t):\n    xs = [t]\n    xs[0].add_(1)\n", False),
    ("def f(t):\n    xs = [t, t]\n    xs[0][1] = 2\n", False),
    ("def f(t):\n    t += 1\n", False),                             # a parameter
    ("def f(self):\n    self.n += 1\n", False),                        # an attribute
    ("def f(m):\n    trunc_normal_(m.weight)\n", False),              # a function writing its argument
    ("def f(t):\n    def g():\n        t.add_(1)\n    n = 0\n    n += 1\n", False),
    ("def f(a):\n    x, y = 1, 2\n    x += 1\n", False),             # unpacking: not followed
    ("def f(a, inplace=False):\n    n = 0\n    n += 1\n", False),   # says inplace
    ("def f(a):\n    n = self.size()\n    n += 1\n", False),         # a method of ours may return a tensor
])
def test_writes_no_tensor_proves_only_names_that_never_hold_a_tensor(code, no_tensor):
    assert prefilter.writes_no_tensor(code, ast.parse(code).body[0]) is no_tensor


def test_a_function_that_only_counts_is_not_relevant_and_is_blanked():
    code = textwrap.dedent('''\
        import torch


        def count_params(model):
            n = 0
            for p in model.parameters():
                n += p.numel()
            return n


        def scale(t):
            t.mul_(2)
            return t
        ''')
    src = _big(code)
    todo = prefilter.plan(src, ast.parse(src))
    assert "n += p.numel()" not in todo.text and "t.mul_(2)" in todo.text
