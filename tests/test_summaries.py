"""Function summaries (``Interpreter.summary_of``): computed once per function, signature and constant arguments,
reused at every call the call-site analysis does not follow, and bounded for recursion. Whether what they find is
right is tested by the cases run under torch (``tests/cases/whole-program/deep-helper-*``, ``recursive-helper-*``)."""
from pathlib import Path

import libcst as cst

from inplace_lint.analysis.interp import MAX_CALL_DEPTH, Interpreter
from inplace_lint.analysis.project import Project
from inplace_lint.catalog import strip_markers
from inplace_lint.registry import analyze_source, rule_set

ROOT = Path(__file__).resolve().parent
# the case's chain (module -> train_step -> apply_update -> scale_all -> scale_one), called once more from one level
# further up; scale_one given four statements (a helper of at most three is followed one call deeper: ``_is_tiny``)
DEEP = strip_markers((ROOT / "cases" / "whole-program" / "deep-helper-chain-writes-leaf-parameter.py").read_text()).replace(
    "    t.mul_(factor)\n", "    if factor is None:\n        return\n    scale = factor\n    t.mul_(scale)\n") + '''

def train_twice(model, x):
    train_step(model, x)
    train_step(model, x)


train_twice(nn.Linear(4, 2), torch.randn(3, 4))
'''


def _run(source: str) -> Interpreter:
    module = cst.parse_module(source)
    interp = Interpreter(module, rule_set().checks, Project("example.py"))
    interp.run()
    return interp


def test_a_summary_is_computed_once_and_reused_at_every_call_beyond_reach():
    interp = _run(DEEP)
    scale_one = next(fn for fn in interp.fn_by_qual.values() if fn.qualname == "scale_one")
    keys = [k for k in interp.summaries if k[0] == id(scale_one.node)]
    # its calls from deep enough (module -> train_twice -> train_step -> apply_update -> scale_all -> scale_one, and
    # module -> train_step -> ...) all give it Parameters that require grad and one constant: one summary
    assert len(keys) == 1
    summary = interp.summaries[keys[0]]
    assert summary is not None and [ev.op for ev, _, _ in summary.writes] == ["mul_"]
    # every call of it analysed through the summary reported at the one line that writes
    found = analyze_source(DEEP, "example.py")
    assert [(d.line, d.code) for d in found] == [(16, "IPL001")]


def test_summaries_differ_by_what_the_arguments_require():
    # the same chain given a frozen Linear: scale_one gets tensors that surely do not require grad, another summary,
    # whose replayed write raises nothing
    source = DEEP + '''

def update_frozen(model):
    apply_update(model, 0.5)


frozen = nn.Linear(4, 2)
frozen.weight.requires_grad = False
frozen.bias.requires_grad = False
update_frozen(frozen)
'''
    interp = _run(source)
    scale_one = next(fn for fn in interp.fn_by_qual.values() if fn.qualname == "scale_one")
    signatures = {key[1] for key in interp.summaries if key[0] == id(scale_one.node)}
    assert signatures == {("1", "-"), ("0", "-")}
    assert [(d.line, d.code) for d in analyze_source(source, "example.py")] == [(16, "IPL001")]


def test_recursion_without_end_is_bounded():
    source = '''
import torch


def f(t, n):
    if n > 100000:
        t.add_(1)
    f(t, n + 1)


def g(t, n):
    f(t, n)


def h(t, n):
    g(t, n)


def k(t, n):
    h(t, n)


x = torch.randn(3, requires_grad=True)
k(x, 0)
'''
    interp = _run(source)
    f = next(fn for fn in interp.fn_by_qual.values() if fn.qualname == "f")
    # one summary per constant argument it was called with, as deep as calls are followed, no deeper
    assert 1 <= len([k for k in interp.summaries if k[0] == id(f.node)]) <= MAX_CALL_DEPTH + 1
    assert [(d.line, d.code) for d in analyze_source(source, "example.py")] == [(7, "IPL001")]


def test_a_summary_reports_nothing_itself():
    # computing a summary runs the body silently: the write is reported once, at the call that makes it raise,
    # never for the placeholder tensors the summary runs on
    source = '''
import torch


def touch(t):
    t.add_(1)
'''
    assert analyze_source(source, "example.py") == []
    interp = _run(source + "\n\ntouch(torch.zeros(2))\n")
    assert interp.reports == {}
