"""The harnesses and the verdicts: script, function (synthesized inputs, nn.Module.forward, packages),
autograd.Function + gradcheck, the rounds past a first error, and the four verdicts."""
from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("torch")

from inplace_lint.registry import analyze_source  # noqa: E402
from inplace_lint.diagnostics import Diagnostic  # noqa: E402
from inplace_lint.validate import events as ev  # noqa: E402
from inplace_lint.validate.runner import (ValidateOptions, Validator, module_identity, target_lines,  # noqa: E402
                                          verdict_for)
from inplace_lint.validate.sandbox import Limits  # noqa: E402
from inplace_lint.validate.targets import Callable_, call_contexts, enclosing_callable, parse  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"


@pytest.fixture(scope="module")
def validator():
    with Validator(ValidateOptions(limits=Limits(timeout=30))) as v:
        yield v


def fake(path: Path, line: int, code: str = "IPL003") -> Diagnostic:
    """A finding at ``line`` (as the static checker would report it), to validate lines it does not flag."""
    text = path.read_text().splitlines()[line - 1]
    col = len(text) - len(text.lstrip()) + 1
    return Diagnostic(str(path), line, col, line, len(text) + 1, code, "x", "error", "flagged", stmt_line=line)


def line_of(path: Path, needle: str) -> int:
    hits = [i for i, text in enumerate(path.read_text().splitlines(), start=1) if needle in text]
    assert len(hits) == 1, hits
    return hits[0]


def validate(validator, path: Path, diags):
    return validator.validate_file(str(path), path.read_text(), diags)


# ---------------------------------------------------------------------------------------------------------------
# function harness


@pytest.mark.slow
def test_module_forward_is_reached_with_a_no_argument_constructor(validator):
    path = FIXTURES / "module_forward.py"
    diags = analyze_source(path.read_text(), str(path))
    assert [d.code for d in diags] == ["IPL003"]
    outcome = validate(validator, path, diags)
    verdict = outcome.verdicts[id(diags[0])]
    assert verdict["verdict"] == "confirmed", verdict
    assert verdict["harness"] == "function:Gate.forward"
    assert "output 0 of Sigmoid" in verdict["evidence"]


def test_helper_gets_synthesized_parameters(validator):
    path = FIXTURES / "helpers.py"
    diags = analyze_source(path.read_text(), str(path))
    sgd = [d for d in diags if d.code == "IPL001"]
    outcome = validate(validator, path, sgd)
    verdict = outcome.verdicts[id(sgd[0])]
    assert verdict["verdict"] == "confirmed" and verdict["harness"] == "function:sgd"
    assert "a leaf Variable that requires grad" in verdict["evidence"]
    assert verdict["context"] == "a synthesized call with grad mode on (the file never calls it)"
    assert verdict["context"] in verdict["evidence"]


def test_a_helper_runs_in_the_grad_mode_of_its_real_call_sites(validator):
    """Every call of sgd is under no_grad: the harness calls it so, and the in-place update of a leaf is fine;
    scaled_exp is called under no_grad and with grad on: the grad call breaks backward, and the evidence says so;
    project_ is reached through a caller that runs under inference_mode."""
    path = FIXTURES / "call_contexts.py"
    found = {}
    for needle, code in (("p.sub_(lr", "IPL001"), ("y.mul_(2)", "IPL003"), ("w.clamp_(max", "IPL001")):
        d = fake(path, line_of(path, needle), code)
        found[needle] = validate(validator, path, [d]).verdicts[id(d)]
    sgd = found["p.sub_(lr"]
    assert sgd["verdict"] == "not-reproduced" and "only with grad mode off" in sgd["evidence"], sgd
    assert sgd["context"] == (f"as called at line {line_of(path, '  sgd(params, lr)')}: grad mode off "
                              f"(`with torch.no_grad()` at line {line_of(path, 'with torch.no_grad():')})")
    exp = found["y.mul_(2)"]
    assert exp["verdict"] == "confirmed", exp
    assert exp["context"].startswith(f"as called at line {line_of(path, 'return scaled_exp(x).sum()')}: grad mode on")
    assert len(exp["contexts"]) == 2 and "grad mode off (`@torch.no_grad()` on evaluate)" in exp["contexts"][0]
    clamp = found["w.clamp_(max"]
    assert clamp["verdict"] == "not-reproduced", clamp
    assert "inference mode (inside evaluate_all" in clamp["context"]


def test_silent_corruption_in_a_helper(validator):
    path = FIXTURES / "helpers.py"
    d = fake(path, line_of(path, "w.data.clamp_(max=0.5)"), "IPL004")
    verdict = validate(validator, path, [d]).verdicts[id(d)]
    assert verdict["verdict"] == "confirmed"
    assert verdict["evidence"].startswith("silent corruption")


def test_shapes_are_tried_until_the_line_runs(validator):
    path = FIXTURES / "helpers.py"
    d = fake(path, line_of(path, "    y = x.exp()") + 1)
    verdict = validate(validator, path, [d]).verdicts[id(d)]
    assert verdict["verdict"] == "confirmed", verdict  # (3,) raised ValueError, (4, 4) reached the line


def test_not_reproduced_when_the_line_runs_and_nothing_breaks(validator):
    path = FIXTURES / "helpers.py"
    d = fake(path, line_of(path, "    y = x.clone()") + 1)
    verdict = validate(validator, path, [d]).verdicts[id(d)]
    assert verdict["verdict"] == "not-reproduced", verdict
    assert "grad mode on" in verdict["evidence"]


def test_not_reached_when_nothing_can_call_it(validator):
    path = FIXTURES / "unreachable.py"
    diags = analyze_source(path.read_text(), str(path))
    verdict = validate(validator, path, diags).verdicts[id(diags[0])]
    assert verdict["verdict"] == "not-reached", verdict
    assert "cannot build NeedsArgs() without arguments" in verdict["evidence"]


def test_error_when_the_file_does_not_compile(validator, tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import torch\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n")
    d = fake(path, 3, "IPL001")
    verdict = validator.validate_file(str(path), "import torch\nw = (\n", [d]).verdicts[id(d)]
    assert verdict["verdict"] == "error" and "cannot compile" in verdict["evidence"]


def test_package_module_with_relative_import(validator):
    path = FIXTURES / "pkg" / "layers.py"
    assert module_identity(str(path))[:2] == ("pkg.layers", "pkg")
    d = fake(path, line_of(path, "y *= SCALE"))
    verdict = validate(validator, path, [d]).verdicts[id(d)]
    assert verdict["verdict"] == "confirmed", verdict
    assert verdict["harness"] == "function:scaled_exp"


def test_custom_function_is_run_and_gradchecked(validator):
    path = FIXTURES / "custom_function.py"
    diags = analyze_source(path.read_text(), str(path))
    outcome = validate(validator, path, diags)
    verdict = outcome.verdicts[id(diags[0])]
    assert verdict["verdict"] == "confirmed" and verdict["harness"] == "function:Double_.forward"
    kinds = {e["kind"] for e in outcome.events}
    assert ev.FN_DIRTY in kinds and ev.GRADCHECK in kinds
    gradcheck = next(e for e in outcome.events if e["kind"] == ev.GRADCHECK)
    assert "gradcheck" in gradcheck["message"] and "Jacobian mismatch" in gradcheck["message"]


# ---------------------------------------------------------------------------------------------------------------
# script harness


def test_second_finding_is_reached_past_the_first_error(validator, tmp_path):
    path = tmp_path / "two.py"
    path.write_text(textwrap.dedent("""\
        import torch

        w = torch.zeros(2, requires_grad=True)
        b = torch.zeros(2, requires_grad=True)
        w.sub_(1)
        b.sub_(1)
        h = torch.exp(w)
        h.add_(1)
        h.sum().backward()
        print("never")
    """))
    diags = [fake(path, 5, "IPL001"), fake(path, 6, "IPL001"), fake(path, 8, "IPL003")]
    outcome = validate(validator, path, diags)
    assert [outcome.verdicts[id(d)]["verdict"] for d in diags] == ["confirmed"] * 3
    assert "wrapped in torch.no_grad()" in outcome.verdicts[id(diags[1])]["evidence"]


def test_every_write_to_a_saved_tensor_and_a_second_saved_tensor_are_confirmed(validator, tmp_path):
    """Two writes bump the version of one saved output (each is a cause: torch raises while one is left); a third
    writes a tensor saved later, whose unpack comes first in backward: the run stops there, so the harness runs
    again with the probe recording to reach the unpack of the first one."""
    path = tmp_path / "saved.py"
    path.write_text(textwrap.dedent("""\
        import torch

        x = torch.randn(2, 3, requires_grad=True)
        att = torch.relu(x)
        att[:, 0] = 0
        att[:, -1] = 0
        h = x * 2
        g = torch.sigmoid(h * att)
        out = h.exp()
        h += 1
        (g.sum() + out.sum()).backward()
    """))
    diags = [fake(path, 5), fake(path, 6), fake(path, 10)]
    outcome = validate(validator, path, diags)
    assert [outcome.verdicts[id(d)]["verdict"] for d in diags] == ["confirmed"] * 3, outcome.verdicts
    assert "expected version 0" in outcome.verdicts[id(diags[1])]["evidence"]


def test_an_error_inside_a_module_confirms_the_line_that_built_it(validator, tmp_path):
    path = tmp_path / "hooked.py"
    path.write_text(textwrap.dedent("""\
        import torch
        from torch import nn

        mod = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1),
            nn.ReLU(inplace=True),
        )
        mod[0].register_full_backward_hook(lambda m, gi, go: None)
        mod(torch.rand(1, 3, 4, 4)).sum().backward()
    """))
    d = fake(path, 6, "IPL012")
    verdict = validate(validator, path, [d]).verdicts[id(d)]
    assert verdict["verdict"] == "confirmed", verdict
    assert "created inside a custom Function" in verdict["evidence"]


def test_a_finding_of_another_rule_does_not_hide_what_torch_raised_there(validator, tmp_path):
    from inplace_lint.engine import Result
    from inplace_lint.validate.runner import validate_result

    path = tmp_path / "chunked.py"
    path.write_text(textwrap.dedent("""\
        import torch

        t = torch.randn(6, requires_grad=True) * 2
        a, b = torch.chunk(t, 2)
        a.mul_(2)
    """))
    result = Result()
    flagged = fake(path, 5, "IPL003")  # the wrong rule for this line: torch raises the multi-output view error
    result.diagnostics = [flagged]
    result.sources[str(path)] = path.read_text()
    validate_result(result, None, files=[str(path)], validator=validator)
    assert flagged.validation["verdict"] == "not-reproduced"
    assert flagged.validation["evidence"].startswith("the line ran and raised another error than this rule predicts")
    runtime = [(d.line, d.code, d.validation["verdict"]) for d in result.diagnostics if d.runtime]
    assert runtime == [(5, "IPL009", "confirmed")]


def test_runtime_events_are_reported_where_no_finding_is(validator, tmp_path):
    from inplace_lint.engine import Result
    from inplace_lint.validate.runner import validate_result

    path = tmp_path / "missed.py"
    path.write_text(textwrap.dedent("""\
        import torch

        def step(w):
            loss = (w ** 2).sum()
            w.data.mul_(0.5)
            loss.backward()

        w = torch.ones(3, requires_grad=True)
        step(w)
        v = torch.zeros(2, requires_grad=True)
        v.add_(1)
    """))
    result = Result()
    flagged = fake(path, 11, "IPL001")
    result.diagnostics = [flagged]
    result.sources[str(path)] = path.read_text()
    summary = validate_result(result, None, files=[str(path)], validator=validator)
    runtime = [d for d in result.diagnostics if d.runtime]
    assert [(d.line, d.code) for d in runtime] == [(5, "IPL004")]
    assert runtime[0].validation["verdict"] == "confirmed" and runtime[0].message.startswith("runtime:")
    assert runtime[0].related and runtime[0].related[0][0] == 4
    assert flagged.validation["verdict"] == "confirmed" and summary.runtime == 1


# ---------------------------------------------------------------------------------------------------------------
# pure functions


def test_enclosing_callable():
    tree = parse(textwrap.dedent("""\
        import torch
        class M(torch.nn.Module):
            def forward(self, x):
                def inner():
                    return x
                return inner()
        class F(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x
        def f(a):
            return a
        x = 1
    """))
    assert enclosing_callable(tree, 5).qualname == ("M", "forward")
    assert enclosing_callable(tree, 5).kind == "module"
    assert enclosing_callable(tree, 10).kind == "function-class"
    assert enclosing_callable(tree, 12).qualname == ("f",)
    assert enclosing_callable(tree, 13) is None


def test_call_contexts_read_the_grad_mode_of_each_call_site():
    tree = parse(textwrap.dedent("""\
        import torch
        from torch import no_grad
        def helper(x):
            return x
        class Net(torch.nn.Module):
            def forward(self, x):
                return self.head(x)
            def head(self, x):
                return helper(x)
        @no_grad()
        def infer(model, x):
            return helper(x)
        def fit(x, train):
            with torch.set_grad_enabled(False):
                helper(x)
            with torch.set_grad_enabled(train):
                helper(x)
            with torch.inference_mode(False):
                helper(x)
        def evaluate(x):
            with torch.inference_mode():
                return run(x)
        def run(x):
            return helper(x)
        net = Net()
        with torch.no_grad():
            net(torch.ones(2))
        out = Net()(torch.ones(2))
        def library(x):
            return x
    """))
    def contexts(qualname, kind):
        return [(c.line, c.mode) for c in call_contexts(tree, Callable_(qualname, kind, 0))]

    assert contexts(("helper",), "function") == [
        (9, "grad"), (9, "no_grad"),  # in Net.head, called by forward: with grad at line 28, under no_grad at 27
        (12, "no_grad"), (15, "no_grad"), (17, "grad"), (19, "grad"), (24, "inference_mode")]
    assert contexts(("Net", "forward"), "module") == [(27, "no_grad"), (28, "grad")]
    assert contexts(("library",), "function") == []
    decorated = call_contexts(tree, Callable_(("helper",), "function", 0))[2]
    assert decorated.describe() == "as called at line 12: grad mode off (`@no_grad()` on infer)"
    unknown = call_contexts(tree, Callable_(("helper",), "function", 0))[4]  # set_grad_enabled(train): not known
    assert unknown.why.startswith("the default")


def test_verdict_logic():
    d = Diagnostic("/p.py", 3, 1, 3, 5, "IPL001", "n", "error", "m", stmt_line=3)
    assert target_lines(d) == {3}
    leaf = {"kind": ev.LEAF, "path": "/p.py", "line": 3, "message": "RuntimeError: a leaf ..."}
    assert verdict_for(d, "/p.py", [{"events": [leaf], "hits": {}}])[0]["verdict"] == "confirmed"
    other = dict(leaf, kind=ev.SAVED)  # not a kind IPL001 accepts
    assert verdict_for(d, "/p.py", [{"events": [other], "hits": {"3": [1, 0]}}])[0]["verdict"] == "not-reproduced"
    grad_off = verdict_for(d, "/p.py", [{"events": [], "hits": {"3": [0, 2]}}])[0]
    assert grad_off["verdict"] == "not-reproduced" and "grad mode off" in grad_off["evidence"]
    assert verdict_for(d, "/p.py", [{"events": [], "hits": {}}])[0]["verdict"] == "not-reached"
    assert verdict_for(d, "/p.py", [{"status": "error", "error": "boom", "events": [],
                                     "hits": {}}])[0]["verdict"] == "error"
    in_module = dict(leaf, kind=ev.LEAF, line=9, module_sites=[["/p.py", 3]])
    assert verdict_for(d, "/p.py", [{"events": [in_module], "hits": {}}])[0]["verdict"] == "confirmed"
    assert verdict_for(replace(d, path="/q.py"), "/q.py", [{"events": [leaf], "hits": {}}])[0]["verdict"] == \
        "not-reached"


def test_call_contexts_of_a_helper_called_from_another_file(tmp_path):
    """A helper's finding reached through calls in other files (its "reached from this call" locations) runs in
    the grad mode of those calls: a `with torch.no_grad()` there, or the mode of the function the call sits in."""
    from inplace_lint.diagnostics import REACHED_FROM_CALL
    from inplace_lint.validate.runner import _calls_from_other_files

    caller = tmp_path / "train.py"
    caller.write_text(textwrap.dedent("""\
        import torch
        from helpers import step
        def evaluate(model):
            step(model.parameters(), 0.1)
        with torch.no_grad():
            step([], 0.1)
        with torch.inference_mode():
            evaluate(None)
        step([], 0.2)
    """))
    d = Diagnostic(path=str(tmp_path / "helpers.py"), line=3, col=9, end_line=3, end_col=20, code="IPL001", name="n",
                   severity="error", message="m",
                   related_files=[(str(caller), line, 5, REACHED_FROM_CALL) for line in (4, 6, 9)]
                   + [(str(caller), 2, 1, "some other note")])
    got = [(c.line, c.mode, c.where == str(caller)) for c in _calls_from_other_files([d])]
    assert got == [(4, "inference_mode", True), (6, "no_grad", True), (9, "grad", True)]
    assert "as called at line 6 of `" in _calls_from_other_files([d])[1].describe()


def test_a_line_of_a_module_constructor_is_run_by_building_and_training_the_module(validator):
    path = FIXTURES / "constructor_flips_inplace.py"
    diags = [d for d in analyze_source(path.read_text(), str(path)) if "inplace = True" in d.message]
    assert len(diags) == 1, diags
    verdict = validate(validator, path, diags).verdicts[id(diags[0])]
    assert verdict["verdict"] == "confirmed", verdict
    assert verdict["harness"] == "function:Net.__init__"
    assert "output 0 of Sigmoid" in verdict["evidence"]


def test_a_helper_called_from_a_constructor_runs_with_the_module_s_own_tensors(validator):
    path = FIXTURES / "constructor_calls_helper.py"
    diags = analyze_source(path.read_text(), str(path))
    assert [d.code for d in diags] == ["IPL002"]
    verdict = validate(validator, path, diags).verdicts[id(diags[0])]
    assert verdict["verdict"] == "confirmed", verdict
    assert "a view of a leaf Variable that requires grad" in verdict["evidence"]
    assert "inside Emb.__init__" in verdict["evidence"]
