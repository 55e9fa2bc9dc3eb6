"""Fixes: the codemods (``inplace_lint/codemods.py``), the fixed point and ``--fix`` / ``--diff`` / ``--fix-only``
(``inplace_lint/fixes.py``).

* Every ``fixed`` block of ``rules/*.md`` is exactly what ``--fix --unsafe-fixes`` makes of the ``bad`` block before
  it; the result runs under torch and passes the block's ``check=`` (the functional reference), and a second fix
  changes nothing.
* Every ``bad`` block, paired or not, is fixed into code that parses, is a fixed point, and runs under torch once no
  finding remains.
* The seed's three examples, fixed, run and give the gradients torch computes for the intended program.
* Each edit kind on small synthetic inputs (``out_of_place`` on synthetic diagnostics, as IPL003-like checks use it);
  the files side: atomic writes, line endings, encodings, modes, read-only files, stdin, ``--diff`` writing nothing.
"""
from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from inplace_lint import catalog, codemods, engine
from inplace_lint.cli import cli
from inplace_lint.codemods import EDIT_KINDS
from inplace_lint.diagnostics import DISPLAY_ONLY, SAFE, UNSAFE, Diagnostic, Edit, Fix, is_fixable
from inplace_lint.registry import analyze_module
from inplace_lint.edits import apply_edits
from inplace_lint.config import Settings
from inplace_lint.fixes import choose_fixes, fix_text
from inplace_lint.rules.ipl902_unused_noqa import CODE as UNUSED_NOQA
from test_rule_examples import EXAMPLES, run_code

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "tests" / "snippets"
SAVED_ERROR = "modified by an inplace operation"


def apply_fixes(module: cst.Module, diagnostics, unsafe: bool = False):
    """One round the way ``--fix`` does it: finish the payloads of ``diagnostics`` (found in ``module``) into text
    edits, choose the fixes that apply together, apply them. (new source, the diagnostics whose fixes applied)."""
    source = module.code
    codemods.materialize(module, source, source, "t.py", diagnostics)
    chosen, edits = choose_fixes(diagnostics, unsafe)
    return (apply_edits(source, edits) if chosen else source), chosen


def fixed(source: str, unsafe: bool = True) -> str:
    result = fix_text(source, "example.py", unsafe=unsafe)
    assert result.error is None, result.error
    return result.source


def dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).lstrip("\n")


# ---------------------------------------------------------------------------------------------------------------
# The catalog: bad -> fixed pairs, and every bad example


def _pairs():
    out = []
    for p in EXAMPLES:
        rule, ex = p.values
        if ex.role != "fixed":
            continue
        examples = rule.examples()
        bad = examples[ex.index - 1]
        out.append(pytest.param(bad, ex, id=ex.name))
    return out


def _bad_examples():
    return [pytest.param(p.values[1], id=p.values[1].name) for p in EXAMPLES
            if p.values[1].role == "bad" and not p.values[1].attrs.get("static-only")]


@pytest.mark.parametrize("bad, good", _pairs())
def test_fixed_block_is_the_fix_of_the_bad_block(bad, good):
    source = catalog.strip_markers(bad.code)
    fix_with = str(good.attrs.get("fix-with", "default"))  # a block made with --fix-with function says so
    check = None
    if bad.name.startswith(UNUSED_NOQA):  # made by the engine from noqa comments: fixed as a run fixes
        check = lambda text: engine.analyze_text(text, "example.py", Settings(), fix_budget=None)  # noqa: E731
    result = fix_text(source, "example.py", unsafe=True, fix_with=fix_with, check=check)
    assert result.error is None, result.error
    assert result.source == good.source
    assert result.remaining == [], [d.code for d in result.remaining]
    outcome = run_code(result.source)
    assert outcome.exc is None, f"{type(outcome.exc).__name__}: {outcome.exc}"
    assert bool(outcome.evaluate(good.attrs["check"])), f"check {good.attrs['check']!r} is not true"
    again = fix_text(result.source, "example.py", unsafe=True, fix_with=fix_with, check=check)
    assert not again.changed and not again.applied


@pytest.mark.slow
@pytest.mark.parametrize("bad", _bad_examples())
def test_every_bad_example_fixes_into_running_code(bad):
    result = fix_text(bad.source, "example.py", unsafe=True)
    assert result.error is None, result.error
    cst.parse_module(result.source)
    compile(result.source, "example.py", "exec", dont_inherit=True)
    again = fix_text(result.source, "example.py", unsafe=True)
    assert again.source == result.source, "a second --fix changed the code"
    # what remains has no automatic fix (a hint, or an occurrence the codemod declines)
    for d in result.remaining:
        assert not is_fixable(d, unsafe=True), f"{d.code} at line {d.line} still has an applicable fix"
    if not result.changed:
        return
    outcome = run_code(result.source)
    if not result.remaining:
        assert outcome.exc is None, f"{type(outcome.exc).__name__}: {outcome.exc}"
    elif outcome.exc is not None:
        # e.g. IPL004 on a saved leaf: `.data` dropped, the write under no_grad; backward now raises (by design)
        assert SAVED_ERROR in str(outcome.exc) and {d.code for d in result.remaining} <= {"IPL003", "IPL004"}


def test_every_edit_kind_the_checks_use_is_registered():
    used = set()
    for path in (ROOT / "inplace_lint" / "rules").rglob("*.py"):
        used |= set(re.findall(r'"kind":\s*"(\w+)"', path.read_text(encoding="utf-8")))
    assert used, "no edit kinds found in the checks"
    missing = used - set(EDIT_KINDS)
    assert not missing, f"edit kinds without a planner in inplace_lint/codemods.py: {sorted(missing)}"


# ---------------------------------------------------------------------------------------------------------------
# The seed's examples, through the command line


def run_cli(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.mark.parametrize("n, expected", [(1, 1.0), (2, 1.0), (3, 2.0)])
def test_seed_examples_fixed_run_with_the_right_gradient(tmp_path, monkeypatch, n, expected):
    torch = pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / f"seed_example{n}.py"
    path.write_bytes((SNIPPETS / f"seed_example{n}.py").read_bytes())
    first = run_cli("--fix", "--unsafe-fixes", path.name)
    assert first.exit_code == 0, first.output
    text = path.read_text(encoding="utf-8")
    if n == 2:  # nothing to fix: forward runs with grad mode off
        assert text == (SNIPPETS / "seed_example2.py").read_text(encoding="utf-8")
    else:
        assert ".detach()" not in text and "requires_grad_" not in text and "no_grad" not in text
    outcome = run_code(text, filename=str(path))
    assert outcome.exc is None, f"{type(outcome.exc).__name__}: {outcome.exc}"
    # loss = sum(y) with y = x + 1 (seed 1), sum(2 * (x + 1)) (seed 3); seed 2's Function returns grad_output
    assert torch.equal(outcome.ns["x"].grad, torch.full((3,), expected))
    second = run_cli("--fix", "--unsafe-fixes", path.name)
    assert second.exit_code == 0 and path.read_text(encoding="utf-8") == text


def test_seed_example_1_without_unsafe_fixes_keeps_the_detach(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "seed.py"
    path.write_bytes((SNIPPETS / "seed_example1.py").read_bytes())
    result = run_cli("--fix", "seed.py")
    assert result.exit_code == 1  # the unsafe IPL006 finding remains
    assert "IPL006" in result.stdout and "IPL001" not in result.stdout
    text = path.read_text(encoding="utf-8")
    assert "y = x.clone().detach()" in text and "    y.add_(1)" in text  # the safe IPL001 fix was applied


# ---------------------------------------------------------------------------------------------------------------
# The no_grad family


def test_run_of_updates_and_loop_over_parameters_body():
    source = dedent("""
        import torch

        model = torch.nn.Linear(2, 1)
        model(torch.ones(1, 2)).sum().backward()
        for name, p in model.named_parameters():
            if p.grad is None:
                continue
            p.sub_(0.1 * p.grad)
            p.grad.zero_()
    """)
    assert fixed(source).endswith(dedent("""
        for name, p in model.named_parameters():
            with torch.no_grad():
                if p.grad is None:
                    continue
                p.sub_(0.1 * p.grad)
                p.grad.zero_()
    """))


def test_loop_body_with_other_work_wraps_only_the_update():
    source = dedent("""
        import torch

        model = torch.nn.Linear(2, 1)
        model(torch.ones(1, 2)).sum().backward()
        total = 0
        for p in model.parameters():
            p -= 0.1 * p.grad
            total = total + p.sum()
    """)
    assert fixed(source).endswith(dedent("""
        for p in model.parameters():
            with torch.no_grad():
                p -= 0.1 * p.grad
            total = total + p.sum()
    """))


def test_import_torch_is_added_after_docstring_and_future_imports():
    source = dedent('''
        """Helpers."""
        from __future__ import annotations

        from torch import nn


        def sgd(params, lr):
            for p in params:
                p.sub_(lr * p.grad)
    ''')
    assert fixed(source) == dedent('''
        """Helpers."""
        from __future__ import annotations

        import torch
        from torch import nn


        def sgd(params, lr):
            for p in params:
                with torch.no_grad():
                    p.sub_(lr * p.grad)
    ''')


@pytest.mark.parametrize("imports, callee", [("import torch as th", "th.no_grad"),
                                             ("import torch.nn\nfrom torch import no_grad", "torch.no_grad"),
                                             ("from torch import no_grad, nn", "no_grad")])
def test_existing_alias_is_used(imports, callee):
    source = imports + "\n\n\ndef sgd(params, lr):\n    for p in params:\n        p.sub_(lr * p.grad)\n"
    out = fixed(source)
    assert f"with {callee}():\n" in out and out.count("import") == source.count("import")


def test_one_line_suite_becomes_a_block_and_data_is_dropped():
    source = dedent("""
        import torch

        w = torch.ones(3, requires_grad=True)
        for _ in range(2):
            (w * w).sum().backward()
            for p in [w]: p.data.mul_(0.5)  # shrink
            w.data[0] = 2; w.data -= 1
    """)
    assert fixed(source).endswith(
        "    for p in [w]:\n"
        "        with torch.no_grad():\n"
        "            p.mul_(0.5)  # shrink\n"
        "    with torch.no_grad():\n"
        "        w[0] = 2; w -= 1\n")


def test_rebinding_updates_in_a_run_clear_each_gradient_once():
    source = dedent("""
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        b = torch.tensor([0.5], requires_grad=True)
        for _ in range(3):
            loss = (w * w).sum() + (b * b).sum()
            loss.backward()
            w = w - 0.1 * w.grad
            b = b - 0.1 * b.grad
    """)
    out = fixed(source)
    assert out.endswith(
        "    loss.backward()\n"
        "    with torch.no_grad():\n"
        "        w -= 0.1 * w.grad\n"
        "        b -= 0.1 * b.grad\n"
        "    w.grad = None\n"
        "    b.grad = None\n")
    torch = pytest.importorskip("torch")
    ns = run_code(out).ns
    assert torch.allclose(ns["w"], torch.tensor([1.0, -2.0]) * 0.8 ** 3) and ns["w"].is_leaf


# ---------------------------------------------------------------------------------------------------------------
# drop_detach, drop_inplace


def test_drop_detach_removes_requires_grad_assignment_and_keeps_comments():
    source = dedent("""
        import torch

        x = torch.randn(3, requires_grad=True)
        # a copy that trains
        y = x.detach()  # copy
        # make it a leaf
        y.requires_grad = True
        (3 * y).sum().backward()
        print(x.grad)
    """)
    assert fixed(source) == dedent("""
        import torch

        x = torch.randn(3, requires_grad=True)
        # a copy that trains
        y = x.clone()  # copy
        # make it a leaf
        (3 * y).sum().backward()
        print(x.grad)
    """)


def test_drop_detach_declines_when_a_requires_grad_assignment_it_cannot_remove_remains():
    source = dedent("""
        import torch

        flag = False
        x = torch.randn(3, requires_grad=True)
        y = x.clone().detach()
        y.requires_grad_(True)
        if flag:
            y.requires_grad = True
        (3 * y).sum().backward()
        print(x.grad)
    """)
    result = fix_text(source, "t.py", unsafe=True)
    assert not result.changed
    assert [d.code for d in result.remaining] == ["IPL006"] and result.remaining[0].fix is None  # declined: not offered


def test_torch_tensor_copy_with_dtype():
    source = dedent("""
        import torch

        x = torch.randn(3, requires_grad=True)
        y = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        (y * y).sum().backward()
        print(x.grad)
    """)
    assert "y = x.clone().to(dtype=torch.float64)\n" in fixed(source)


def test_drop_inplace_on_a_sequential_layer():
    source = dedent("""
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(4, 8), nn.Sigmoid(), nn.ReLU(True), nn.Linear(8, 1))
        model(torch.randn(2, 4)).sum().backward()
    """)
    assert "nn.Sigmoid(), nn.ReLU(), nn.Linear(8, 1))" in fixed(source)


# ---------------------------------------------------------------------------------------------------------------
# out_of_place on synthetic diagnostics (the payload IPL003 attaches)


def synthetic(source: str, pick, kind: str = "out_of_place", applicability: str = SAFE, **extra):
    """Apply one ``kind`` edit to the node ``pick(module)`` returns; the new source (unchanged if declined)."""
    module = cst.parse_module(source)
    node = pick(module)
    diag = Diagnostic("t.py", 1, 1, 1, 1, "IPL003", "inplace-on-saved", "error", "synthetic",
                      fix=Fix("synthetic", applicability, edit={"kind": kind, "node": node, **extra}))
    new, used = apply_fixes(module, [diag], unsafe=True)
    assert (new != source) == bool(used)
    return new


def small(n: int):
    """The small statement (Expr/Assign/AugAssign) of module statement ``n``."""
    return lambda m: m.body[n].body[0]


def call_of(n: int):
    return lambda m: m.body[n].body[0].value


HEAD = "import torch\nimport torch.nn.functional as F\nh = torch.sigmoid(torch.ones(3, requires_grad=True))\n"


@pytest.mark.parametrize("line, expected", [
    ("h.mul_(2)", "h = h.mul(2)"),
    ("h.clamp_(min=0.1)  # keep the comment", "h = h.clamp(min=0.1)  # keep the comment"),
    ("torch.relu_(h)", "h = torch.relu(h)"),
    ("F.relu(h, inplace=True)", "h = F.relu(h)"),
    ("F.leaky_relu(h, 0.2, True)", "h = F.leaky_relu(h, 0.2)"),
    ("torch.mul(h, 2, out=h)", "h = torch.mul(h, 2)"),
    ("h = h.mul_(2)", "h = h.mul(2)"),
    ("h.mul_(2).add_(1)", "h = h.mul(2).add(1)"),
    ("h.zero_()", "h = h.clone()\nh.zero_()"),
    ("y = h.mul_(2)", "h = h.clone()\ny = h.mul_(2)"),
    ("h[:2].zero_()", "h = h.clone()\nh[:2].zero_()"),
    ("h.t().mul_(2)", "h = h.clone()\nh.t().mul_(2)"),
])
def test_out_of_place_calls(line, expected):
    if line == "h.mul_(2).add_(1)":
        flagged = lambda m: m.body[3].body[0].value.func.value  # noqa: E731 - the inner call is flagged
    else:
        flagged = call_of(3)
    assert synthetic(HEAD + line + "\n", flagged) == HEAD + expected + "\n"


@pytest.mark.parametrize("line", [
    "z = [q.zero_() for q in (h, h)]",
    "z = [q[0] for p in (h,) for q in (p,) if q.zero_() is None]",
    "f = lambda q: q.mul_(2)",
])
def test_no_copy_of_a_variable_the_statement_binds_itself(line):
    """A comprehension's or lambda's variable: ``q = q.clone()`` before the statement would copy another ``q`` (or
    raise NameError), and the finding would stay, so every later --fix round would add one more (fuzz input
    2026-5588)."""
    def write(m):
        return next(n for n in codemods._walk(m.body[3]) if isinstance(n, cst.Call)
                    and isinstance(n.func, cst.Attribute) and n.func.attr.value.endswith("_"))
    assert synthetic(HEAD + line + "\n", write) == HEAD + line + "\n"
    module = cst.parse_module(HEAD + line + "\n")  # the edit IPL007 asks for
    diag = Diagnostic("t.py", 4, 1, 4, 1, "IPL007", "function-dirty", "error", "synthetic", fix=Fix(
        "synthetic", SAFE, edit={"kind": "clone_before", "stmt": module.body[3], "name": "q", "node": write(module)}))
    assert apply_fixes(module, [diag], unsafe=True) == (HEAD + line + "\n", [])


def test_copy_of_an_outer_variable_written_in_a_comprehension():
    line = "z = [h.mul_(q) for q in (1, 2)]"
    def write(m):
        return m.body[3].body[0].value.elt
    assert synthetic(HEAD + line + "\n", write) == HEAD + "h = h.clone()\n" + line + "\n"


def test_fixing_a_write_inside_a_comprehension_is_idempotent():
    source = dedent("""
        import torch

        class F(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x = [q.masked_fill_(q > 0, 0.0) for q in (x, x)]
                return x[0]
        w = torch.randn(3, requires_grad=True)
        z = [q.uniform_() for q in (w, w)]
        """)
    once = fixed(source)
    assert fixed(once) == once
    assert "q = q.clone()" not in once


@pytest.mark.parametrize("line, expected", [
    ("h += 1", "h = h + 1"),
    ("h *= a + b", "h = h * (a + b)"),
    ("h -= a - b", "h = h - (a - b)"),
    ("h /= 2 * a", "h = h / (2 * a)"),
    ("h **= a ** 2", "h = h ** a ** 2"),
    ("h += a * b", "h = h + a * b"),
    ("self.h -= 1", "self.h = self.h - 1"),
    ("h[0] += 1", "h = h.clone()\nh[0] += 1"),
])
def test_out_of_place_augmented_assignments(line, expected):
    assert synthetic(HEAD + line + "\n", small(3)) == HEAD + expected + "\n"


def test_out_of_place_results_are_equal_to_the_in_place_ones():
    torch = pytest.importorskip("torch")
    for line in ("h.mul_(2)", "h *= a + 1", "torch.relu_(h)", "F.relu(h, inplace=True)", "h.mul_(2).add_(1)",
                 "h.zero_()", "h[:2].zero_()", "torch.add(h, a, out=h)"):
        base = "import torch\nimport torch.nn.functional as F\na = torch.tensor([1.0, 2.0, -3.0])\n"
        source = base + "h = torch.tensor([0.5, -1.0, 2.0])\n" + line + "\n"
        pick = (lambda m: m.body[4].body[0].value.func.value) if line.count("_(") == 2 else (
            (lambda m: m.body[4].body[0]) if " *= " in line else (lambda m: m.body[4].body[0].value))
        new = synthetic(source, pick)
        assert new != source
        assert torch.equal(run_code(new).ns["h"], run_code(source).ns["h"]), line


def test_out_of_place_under_no_grad_copies_before_the_block():
    source = HEAD + "with torch.no_grad():\n    h.clamp_(max=0.9)\n"
    out = synthetic(source, lambda m: m.body[3].body.body[0].body[0].value)
    assert out == HEAD + "h = h.clone()\nwith torch.no_grad():\n    h.clamp_(max=0.9)\n"


def test_out_of_place_declines_on_a_leaf_and_through_detach():
    source = HEAD + "h.detach().mul_(2)\nh.mul_(2)\n"
    assert synthetic(source, call_of(3)) == source
    assert synthetic(source, call_of(4), leaf=True) == source


def test_clone_before_and_clone_arg():
    source = "import torch\n\ndef f(g, block, x):\n    g[0] = 0\n    return block(x)\n"
    module = cst.parse_module(source)
    fn = module.body[1]
    diags = [
        Diagnostic("t.py", 4, 5, 4, 5, "IPL007", "function-dirty", "error", "m",
                   fix=Fix("d", SAFE, edit={"kind": "clone_before", "stmt": fn.body.body[0], "name": "g"})),
        Diagnostic("t.py", 5, 12, 5, 12, "IPL008", "inplace-clobbers-input", "error", "m",
                   fix=Fix("d", UNSAFE, edit={"kind": "clone_arg", "node": fn.body.body[1].body[0].value})),
    ]
    new, used = apply_fixes(module, diags, unsafe=False)
    assert len(used) == 1 and new == source.replace("    g[0] = 0", "    g = g.clone()\n    g[0] = 0")
    new, used = apply_fixes(module, diags, unsafe=True)
    assert len(used) == 2 and new.endswith("    g = g.clone()\n    g[0] = 0\n    return block(x.clone())\n")


def test_display_only_fixes_are_never_applied():
    source = "import torch\nx = 1\n"
    module = cst.parse_module(source)
    diag = Diagnostic("t.py", 2, 1, 2, 1, "IPL005", "grad-of-non-leaf", "error", "m",
                      fix=Fix("hint", DISPLAY_ONLY, edit={"kind": "wrap_no_grad", "stmt": module.body[1]},
                              template="class F(torch.autograd.Function):\n    ...\n"))
    assert apply_fixes(module, [diag], unsafe=True) == (source, [])
    assert not is_fixable(diag, unsafe=True) and diag.fix.template
    from inplace_lint.report.text import format_diagnostic

    text = format_diagnostic(diag, source, unsafe_fixes=True)
    assert "[*]" not in text and "    class F(torch.autograd.Function):" in text


def test_overlapping_fixes_wait_for_the_next_round():
    source = "import torch\nh = torch.ones(3)\nh.mul_(2)\n"
    module = cst.parse_module(source)
    stmt = module.body[2]
    edits = [{"kind": "out_of_place", "node": stmt.body[0].value}, {"kind": "wrap_no_grad", "stmt": stmt}]
    diags = [Diagnostic("t.py", 3, 1, 3, 1, "IPL003", "x", "error", "m", fix=Fix("d", SAFE, edit=e)) for e in edits]
    new, used = apply_fixes(module, diags)
    assert len(used) == 1 and new == "import torch\nh = torch.ones(3)\nh = h.mul(2)\n"


def _appending_check(settles_at: int):
    """A ``check`` whose one finding's fix appends ``pass`` until the text has ``settles_at`` of them (0: forever)."""
    def check(source):
        if settles_at and source.count("pass") >= settles_at:
            return []
        end = len(source.splitlines()) + 1
        fix = Fix("d", SAFE, edits=(Edit(end, 1, end, 1, "pass\n"),))
        return [Diagnostic("t.py", 1, 1, 1, 1, "IPL001", "x", "error", "m", fix=fix)]
    return check


def test_fixes_that_never_settle_leave_the_file_unchanged():
    """A fix that keeps producing a new finding (it would add lines on every --fix) stops after max_rounds and the
    text is left as it was, with an error."""
    result = fix_text("x = 1\n", "t.py", max_rounds=3, check=_appending_check(settles_at=0))
    assert result.rounds == 3 and result.source == "x = 1\n" and not result.changed and result.applied == []
    assert "did not settle after 3 rounds; the file was left unchanged" in result.error


def test_fixes_that_settle_in_the_last_round_are_kept():
    result = fix_text("x = 1\n", "t.py", max_rounds=3, check=_appending_check(settles_at=3))
    assert result.rounds == 3 and result.source == "x = 1\npass\npass\npass\n" and result.error is None


def test_a_codemod_that_breaks_the_code_is_not_offered(monkeypatch):
    """A fix is finished when the finding is made; one whose result would not compile is dropped there: the finding
    stays, without a fix, and ``--fix`` changes nothing."""
    monkeypatch.setitem(EDIT_KINDS, "wrap_no_grad", codemods.EditKind("wrap_no_grad", lambda ctx, edit: codemods.Patch()
                        .rewrite(edit["stmt"].body[0], lambda u: u.with_changes(value=cst.Name("return")), "x")))
    source = "import torch\nw = torch.ones(1, requires_grad=True)\nw.add_(1)\n"
    result = fix_text(source, "t.py")
    assert not result.changed and result.error is None
    assert [(d.code, d.fix) for d in result.remaining] == [("IPL001", None)]


@pytest.mark.parametrize("content, problem", [("yield\n", "does not compile"), ("w.add_((\n", "does not parse")])
def test_edits_that_break_the_code_leave_the_text_unchanged(content, problem):
    """The last safety net: whatever edits a round applies, a text that no longer parses or compiles is not kept."""
    source = "import torch\nw = torch.ones(1, requires_grad=True)\nw.add_(1)\n"

    def check(text):
        fix = Fix("d", SAFE, edits=(Edit(3, 1, 4, 1, content),))
        return [Diagnostic("t.py", 3, 1, 3, 10, "IPL001", "x", "error", "m", fix=fix)]

    result = fix_text(source, "t.py", check=check)
    assert not result.changed and problem in result.error and "left unchanged" in result.error
    assert [d.code for d in result.remaining] == ["IPL001"]


def test_formatting_and_comments_elsewhere_are_untouched():
    source = dedent("""
        #!/usr/bin/env python
        # -*- coding: utf-8 -*-
        import torch   # the one import

        w = torch.tensor( [1.0,-2.0] , requires_grad = True )   # odd spacing


        def step(lr):    # comment
            '''Docstring.'''
            loss = (w*w).sum( )
            loss.backward()
            # the update
            w.sub_( lr*w.grad )  # trailing
            return   loss
        step(0.1)
    """)
    out = fixed(source)
    assert out == source.replace(
        "    # the update\n    w.sub_( lr*w.grad )  # trailing\n",
        "    # the update\n    with torch.no_grad():\n        w.sub_( lr*w.grad )  # trailing\n")


# ---------------------------------------------------------------------------------------------------------------
# Files and the command line

TRAIN = dedent("""
    import torch

    w = torch.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(2):
        (w * w).sum().backward()
        w -= 0.1 * w.grad
        w.grad.zero_()
""")
TRAIN_FIXED = TRAIN.replace("    w -= 0.1 * w.grad\n", "    with torch.no_grad():\n        w -= 0.1 * w.grad\n")
DISPLAY_ONLY_FINDING = ("import torch\na = torch.tensor(5.0, requires_grad=True) * 0.1\n(a * a).backward()\n"
                        "print(a.grad)\n")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_fix_writes_and_reports_what_remains(in_tmp):
    (in_tmp / "a.py").write_text(TRAIN)
    (in_tmp / "b.py").write_text(DISPLAY_ONLY_FINDING)
    result = run_cli("--fix", "a.py", "b.py")
    assert result.exit_code == 1
    assert (in_tmp / "a.py").read_text() == TRAIN_FIXED
    assert (in_tmp / "b.py").read_text() == DISPLAY_ONLY_FINDING
    assert "b.py:2:1: IPL005" in result.stdout and "a.py:" not in result.stdout
    assert "Fixed 1 problem.\nFound 1 problem" in result.stdout
    assert not [p for p in os.listdir(in_tmp) if p.endswith(".tmp")]
    clean = run_cli("--fix", "a.py")
    assert clean.exit_code == 0 and (in_tmp / "a.py").read_text() == TRAIN_FIXED


def test_diff_writes_nothing(in_tmp):
    path = in_tmp / "a.py"
    path.write_text(TRAIN)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    result = run_cli("--diff", "a.py")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a.py\n+++ a.py\n@@")
    assert "-    w -= 0.1 * w.grad\n+    with torch.no_grad():\n+        w -= 0.1 * w.grad\n" in result.stdout
    assert "Would fix 1 problem in 1 file." in result.stderr
    assert path.read_text() == TRAIN and path.stat().st_mtime == 1_000_000_000
    path.write_text(TRAIN_FIXED)
    nothing = run_cli("--diff", "a.py")
    assert (nothing.exit_code, nothing.stdout) == (0, "")
    assert os.listdir(in_tmp) == ["a.py"] or not [p for p in os.listdir(in_tmp) if p.endswith(".tmp")]


def test_plain_check_never_writes(in_tmp):
    path = in_tmp / "a.py"
    path.write_text(TRAIN)
    assert run_cli("--unsafe-fixes", "a.py").exit_code == 1
    assert path.read_text() == TRAIN


def test_fix_only_reports_nothing_else(in_tmp):
    (in_tmp / "a.py").write_text(TRAIN)
    (in_tmp / "b.py").write_text(DISPLAY_ONLY_FINDING)
    result = run_cli("--fix-only", "a.py", "b.py")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "Fixed 1 problem in 1 file." in result.stderr
    assert (in_tmp / "a.py").read_text() == TRAIN_FIXED


def test_unsafe_fixes_shown_and_applied_only_when_asked(in_tmp):
    (in_tmp / "s.py").write_bytes((SNIPPETS / "seed_example1.py").read_bytes())
    plain = run_cli("s.py")
    assert "IPL006 [*]" not in plain.stdout and "IPL001 [*]" in plain.stdout
    assert "[*] 1 fixable with --fix (1 more with --fix --unsafe-fixes)" in plain.stdout
    shown = run_cli("--unsafe-fixes", "s.py")
    assert "IPL006 [*]" in shown.stdout and "[*] 2 fixable with --fix --unsafe-fixes" in shown.stdout
    assert (in_tmp / "s.py").read_bytes() == (SNIPPETS / "seed_example1.py").read_bytes()


def test_selection_and_noqa_limit_fixes(in_tmp):
    (in_tmp / "a.py").write_text(TRAIN)
    assert run_cli("--fix", "--select", "IPL005", "a.py").exit_code == 0
    assert (in_tmp / "a.py").read_text() == TRAIN
    noqa = TRAIN.replace("w -= 0.1 * w.grad", "w -= 0.1 * w.grad  # noqa: IPL001")
    (in_tmp / "a.py").write_text(noqa)
    assert run_cli("--fix", "a.py").exit_code == 0
    assert (in_tmp / "a.py").read_text() == noqa


def test_stdin_fix_prints_the_fixed_source(in_tmp):
    result = run_cli("--fix", "-", input=TRAIN)
    assert result.exit_code == 0
    assert result.stdout == TRAIN_FIXED
    assert "All checks passed!" in result.stderr
    assert os.listdir(in_tmp) == [] or all(not p.endswith(".py") for p in os.listdir(in_tmp))
    diff = run_cli("--diff", "--stdin-filename", "t.py", "-", input=TRAIN)
    assert diff.exit_code == 1 and diff.stdout.startswith("--- t.py\n+++ t.py\n")


def test_line_endings_encoding_and_mode_are_kept(in_tmp):
    crlf = in_tmp / "crlf.py"
    crlf.write_bytes(TRAIN.replace("\n", "\r\n").encode())
    bom = in_tmp / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + ("# caf\u00e9\n" + TRAIN).encode())
    latin = in_tmp / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + TRAIN.encode())
    os.chmod(crlf, 0o751)
    assert run_cli("--fix", "crlf.py", "bom.py", "latin.py").exit_code == 0
    assert crlf.read_bytes() == TRAIN_FIXED.replace("\n", "\r\n").encode()
    assert bom.read_bytes() == b"\xef\xbb\xbf" + ("# caf\u00e9\n" + TRAIN_FIXED).encode()
    assert latin.read_bytes() == b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + TRAIN_FIXED.encode()
    assert stat.S_IMODE(crlf.stat().st_mode) == 0o751


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_read_only_file_is_reported_and_untouched(in_tmp):
    path = in_tmp / "ro.py"
    path.write_text(TRAIN)
    os.chmod(path, 0o444)
    result = run_cli("--fix", "ro.py")
    assert result.exit_code == 2
    assert "ro.py: cannot write the fixes: the file is read-only; the file was left unchanged" in result.stderr
    assert path.read_text() == TRAIN and "ro.py:6:5: IPL001" in result.stdout


def test_broken_codemod_costs_the_fix_not_the_file(in_tmp, monkeypatch):
    monkeypatch.setitem(EDIT_KINDS, "wrap_no_grad", codemods.EditKind("wrap_no_grad", lambda ctx, edit: codemods.Patch()
                        .rewrite(edit["stmt"].body[0], lambda u: cst.Expr(cst.Name("yield")), "x")))
    path = in_tmp / "a.py"
    path.write_text(TRAIN)
    result = run_cli("--fix", "--no-cache", "a.py")
    assert result.exit_code == 1 and result.stderr == "" and path.read_text() == TRAIN
    assert "IPL001 [*]" not in result.stdout and "a.py:6:5: IPL001" in result.stdout


def test_broken_edits_leave_the_file_and_exit_2(in_tmp, monkeypatch):
    def analyze_text(text, path, settings=None, **kw):
        fix = Fix("d", SAFE, edits=(Edit(6, 1, 7, 1, "yield\n"),))
        return [Diagnostic(path, 6, 5, 6, 10, "IPL001", "inplace-on-leaf", "error", "m", fix=fix)]

    monkeypatch.setattr(engine, "analyze_text", analyze_text)
    path = in_tmp / "a.py"
    path.write_text(TRAIN)
    result = run_cli("--fix", "--no-cache", "a.py")
    assert result.exit_code == 2
    assert result.stderr.startswith("a.py: cannot fix: the fixed code does not")
    assert "left unchanged" in result.stderr and path.read_text() == TRAIN


def test_no_out_of_place_twin_lists_match_torch():
    torch = pytest.importorskip("torch")
    from inplace_lint import ops

    methods = {m for m in ops.inplace_methods() if m.endswith("_") and not m.startswith("__")}
    assert {m for m in methods if not hasattr(torch.Tensor, m[:-1])} == codemods.NO_OUT_OF_PLACE_METHOD
    def exists(qualname):
        obj = torch
        for part in qualname.split(".")[1:]:
            obj = getattr(obj, part, None)
        return obj is not None

    functions = ops.table()["inplace_functions"]
    assert {q for q in functions if not exists(q[:-1])} == codemods.NO_OUT_OF_PLACE_FUNCTION


def test_data_write_already_under_no_grad_only_loses_data():
    """No second ``with torch.no_grad():`` inside the first (any alias of torch)."""
    source = dedent("""
        import torch as th
        w = th.randn(3, requires_grad=True)
        b = w.exp()
        with th.no_grad():
            b.data[0] = 0
        """)
    module, found = analyze_module(source, "t.py")
    once, _ = apply_fixes(module, found)
    assert once == source.replace("b.data[0]", "b[0]")
    assert [d.code for d in analyze_module(once, "t.py")[1]] == ["IPL003"]  # torch would now say so at backward
    result = fix_text(source, "t.py")  # and the next round writes into a copy
    assert result.source == source.replace("b.data[0]", "b[0]").replace("with", "b = b.clone()\nwith")
    assert result.remaining == []


def test_no_copy_before_a_grad_off_block_that_rebinds_the_name_by_unpacking():
    """``b, w = w, b`` inside the block: a ``w = w.clone()`` before the block would copy the other tensor, the
    finding would stay, and every --fix round would add one more copy (fuzz input 2026-29708)."""
    source = dedent("""
        import torch
        w = torch.randn(3, requires_grad=True)
        b = w.exp()
        with torch.no_grad():
            b, w = w, b
            w[0] = 0
        """)
    result = fix_text(source, "t.py", unsafe=True)
    assert result.error is None and result.source == source
    assert [d.code for d in result.remaining] == ["IPL003"]


def test_no_grad_is_imported_where_the_files_own_import_comes_too_late():
    """``import torch`` only after the fixed statement: that binding is not there yet when the ``with`` runs, so
    ``import torch`` goes to the top (fuzz input 2026-68930: the analysis did not see the wrap, and every round
    wrapped once more)."""
    source = dedent("""
        from torch import nn
        w = nn.Parameter(nn.init.zeros_(nn.Linear(2, 3).weight))
        w.add_(1)
        import torch
        """)
    result = fix_text(source, "t.py")
    assert result.error is None and result.remaining == []
    assert result.source == "import torch\n" + source.replace("w.add_(1)", "with torch.no_grad():\n    w.add_(1)")
    assert run_code(result.source).exc is None  # it runs: torch is bound where the with needs it


def test_no_no_grad_wrap_when_the_module_assigns_torch_itself():
    """``torch = w.exp()``: ``with torch.no_grad():`` would call a tensor's attribute (and the analysis, rightly,
    does not see grad mode off there, so every --fix round wrapped once more: fuzz input 2026-92652)."""
    source = dedent("""
        import torch
        b = torch.ones(3).requires_grad_()
        torch = b.exp()
        b.add_(1)
        """)
    result = fix_text(source, "t.py", unsafe=True)
    assert result.error is None and result.source == source
    assert [d.code for d in result.remaining] == ["IPL001"]
