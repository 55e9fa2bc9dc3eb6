"""Every fenced example of every rule doc (``rules/*.md``) is a test, run twice:

* under torch (the oracle): a ``bad`` example must really show its documented symptom -- raise an exception whose
  message contains ``raises="..."`` (at a marked line, for the errors torch raises at the mutating statement), or
  run and make ``symptom="..."`` true; ``good`` and ``fixed`` examples must run clean and make ``check="..."`` true;
  ``warns="..."`` additionally requires a warning containing that text;
* statically: the analyzer must report exactly the marked ``(line, code, severity)`` set on a ``bad`` example and
  nothing at all on ``good`` and ``fixed`` examples.

Also checks the shape of each doc (front matter, sections, attributes) and that ``examples/train_*.py`` behave.
"""
from __future__ import annotations

import re
import runpy
import traceback
import warnings
from pathlib import Path

import pytest

from inplace_lint.rules.ipl902_unused_noqa import CODE as UNUSED_NOQA

from inplace_lint.catalog import ROLES, load_rule


ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "rules"
EXAMPLES_DIR = ROOT / "examples"
FILENAME = "<example>"

# Errors torch raises at the mutating statement itself: for these the failing line must carry a marker.
# Everything else (errors at backward(), at the optimizer constructor, ...) is only matched by message.
RAISED_AT_THE_MUTATION = (
    "is being used in an in-place operation",
    "arguments don't support automatic differentiation",
)
SECTIONS = ("## What it does", "## Why is this bad?", "## Symptom", "## Example", "## Use instead", "## Fix",
            "## When it does not fire")


def _rules():
    return [load_rule(p) for p in sorted(RULES_DIR.glob("IPL*.md"))]


def _examples():
    out = []
    for rule in _rules():
        for ex in rule.examples():
            out.append(pytest.param(rule, ex, id=ex.name))
    return out


EXAMPLES = _examples()
RUNNABLE = [p for p in EXAMPLES if not p.values[1].attrs.get("static-only")]


# ---------------------------------------------------------------------------------------------------------------
# Running code under torch


class Outcome:
    def __init__(self, ns, exc, warns):
        self.ns, self.exc, self.warnings = ns, exc, warns

    def failing_line(self):
        """Line (in the example) of the innermost frame of the example's own code."""
        lines = [f.lineno for f in traceback.extract_tb(self.exc.__traceback__) if f.filename == FILENAME]
        return lines[-1] if lines else None

    def evaluate(self, expr):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = eval(expr, self.ns)
        self.warnings.extend(str(w.message) for w in caught)
        return value


def run_code(code: str, filename: str = FILENAME) -> Outcome:
    """Run ``code`` as a script in a fresh namespace; restore torch's global grad mode afterwards."""
    torch = pytest.importorskip("torch")
    ns = {"__name__": "__main__"}
    grad_enabled = torch.is_grad_enabled()
    exc = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(code, filename, "exec"), ns)
        except Exception as e:  # noqa: BLE001 - the exception is the result
            exc = e
        finally:
            torch.set_grad_enabled(grad_enabled)
    return Outcome(ns, exc, [str(w.message) for w in caught])


def _fail_exc(outcome: Outcome, what: str):
    tb = "".join(traceback.format_exception(type(outcome.exc), outcome.exc, outcome.exc.__traceback__))
    pytest.fail(f"{what} raised:\n{tb}")


# ---------------------------------------------------------------------------------------------------------------
# The docs themselves


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r.code)
def test_doc_shape(rule):
    assert rule.path.name == f"{rule.code}-{rule.name}.md"
    assert rule.body.splitlines()[0] == f"# {rule.code} `{rule.name}`"
    if rule.code < "IPL900":
        for section in SECTIONS:
            assert re.search("^" + re.escape(section) + "$", rule.body, re.M), f"missing section {section!r}"
    examples = rule.examples()
    for previous, ex in zip([None] + examples, examples):
        assert ex.role in ROLES
        if ex.role == "fixed":
            # A fixed example is the fixer's output on the bad example right before it.
            assert previous is not None and previous.role == "bad", f"{ex.name}: not right after a bad example"
        if ex.role == "bad":
            assert ex.markers, f"{ex.name}: a bad example marks its flagged lines"
            if not ex.attrs.get("static-only"):
                assert ("raises" in ex.attrs) != ("symptom" in ex.attrs), f"{ex.name}: raises= or symptom="
        else:
            assert not ex.markers, f"{ex.name}: only bad examples carry markers"
            assert ex.attrs.get("static-only") or ex.attrs.get("check"), f"{ex.name}: needs check="
    if rule.code < "IPL900":
        assert any(rule.code in {c for _, c, _ in ex.markers} for ex in examples if ex.role == "bad")
    known = {r.code: r.severity for r in _rules()}
    for ex in examples:
        for _, code, severity in ex.markers:
            assert code in known, f"{ex.name}: marker names undocumented {code}"
            # a warning rule may escalate to an error where the breakage is certain (IPL004 on a saved tensor)
            assert severity in (known[code], "error"), f"{ex.name}: {code} is {known[code]}, marked {severity}"


# ---------------------------------------------------------------------------------------------------------------
# Under torch


@pytest.mark.parametrize("rule, ex", RUNNABLE)
def test_example_under_torch(rule, ex):
    outcome = run_code(ex.source)
    attrs = ex.attrs
    if ex.role == "bad" and "raises" in attrs:
        if outcome.exc is None:
            pytest.fail(f"expected an exception containing {attrs['raises']!r}, the example ran clean")
        assert attrs["raises"] in str(outcome.exc), f"{type(outcome.exc).__name__}: {outcome.exc}"
        if any(s in str(outcome.exc) for s in RAISED_AT_THE_MUTATION):
            marked = {line for line, _, _ in ex.markers}
            assert outcome.failing_line() in marked, (
                f"torch raised at line {outcome.failing_line()}, markers are on {sorted(marked)}")
    else:
        if outcome.exc is not None:
            _fail_exc(outcome, ex.name)
        if ex.role == "bad":
            assert bool(outcome.evaluate(attrs["symptom"])), f"symptom {attrs['symptom']!r} is not true"
        elif "check" in attrs:
            assert bool(outcome.evaluate(attrs["check"])), f"check {attrs['check']!r} is not true"
    if "warns" in attrs:
        assert any(attrs["warns"] in w for w in outcome.warnings), f"no warning {attrs['warns']!r}: {outcome.warnings}"


# ---------------------------------------------------------------------------------------------------------------
# Statically


def findings(source: str, path: str = "example.py", engine_level: bool = False):
    """What the rules report on ``source``; ``engine_level``: as a run reports it (noqa applied, IPL902 made)."""
    from inplace_lint.registry import analyze_source

    if engine_level:
        from inplace_lint.config import Settings
        from inplace_lint.engine import check_source

        return {(d.line, d.code, d.severity) for d in check_source(source, path, Settings())}
    return {(d.line, d.code, d.severity) for d in analyze_source(source, path)}


@pytest.mark.parametrize("rule, ex", EXAMPLES)
def test_example_statically(rule, ex):
    expected = set(ex.markers) if ex.role == "bad" else set()
    assert findings(ex.source, engine_level=rule.code == UNUSED_NOQA) == expected


# ---------------------------------------------------------------------------------------------------------------
# examples/train_bad.py and examples/train_good.py

TRAIN_BAD_FINDINGS = [
    # (a substring of the flagged line, code, severity)
    ("W1 -= lr * W1.grad", "IPL001", "error"),
    ("b1.data.add_(-lr * b1.grad)", "IPL004", "warning"),
    ("W2 = W2 - lr * W2.grad", "IPL005", "error"),
    ("b2_copy = b2.detach().requires_grad_(True)", "IPL006", "error"),
]


def _line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} found on lines {hits}"
    return hits[0]


def test_train_bad_raises_the_leaf_error():
    text = (EXAMPLES_DIR / "train_bad.py").read_text()
    outcome = run_code(text)
    assert outcome.exc is not None, "train_bad.py ran clean"
    assert "a leaf Variable that requires grad is being used in an in-place operation." in str(outcome.exc)
    assert outcome.failing_line() == _line_of(text, "W1 -= lr * W1.grad")


def test_train_bad_later_bugs_are_real():
    # Take the bugs out one at a time, in the order they bite, and check that the comments tell the truth.
    text = (EXAMPLES_DIR / "train_bad.py").read_text()
    text = text.replace("    W1 -= lr * W1.grad", "    with torch.no_grad(): W1 -= lr * W1.grad")
    outcome = run_code(text)
    assert isinstance(outcome.exc, TypeError), repr(outcome.exc)  # b2.grad is None: the gradient went to b2_copy
    assert outcome.failing_line() == _line_of(text, "b2 -= lr * b2.grad")
    assert outcome.ns["b2_copy"].grad is not None and outcome.ns["step"] == 0
    assert outcome.ns["b1"]._version == 0  # the .data update did not bump the version counter

    text = text.replace("b2.detach().requires_grad_(True)", "b2")
    outcome = run_code(text)
    assert isinstance(outcome.exc, TypeError), repr(outcome.exc)  # W2.grad is None in the second step
    assert outcome.failing_line() == _line_of(text, "W2 = W2 - lr * W2.grad")
    assert outcome.ns["step"] == 1 and not outcome.ns["W2"].is_leaf


@pytest.mark.slow
def test_train_good_runs_and_learns():
    pytest.importorskip("torch")
    ns = runpy.run_path(str(EXAMPLES_DIR / "train_good.py"), run_name="__main__")
    losses = ns["losses"]
    assert len(losses) == ns["steps"]
    assert losses[-1] < 0.5 * losses[0]
    for t in (ns["W1"], ns["b1"], ns["W2"], ns["b2"]):
        assert t.is_leaf and t.requires_grad


def test_train_bad_statically():
    text = (EXAMPLES_DIR / "train_bad.py").read_text()
    expected = {(_line_of(text, needle), code, sev) for needle, code, sev in TRAIN_BAD_FINDINGS}
    assert findings(text, "examples/train_bad.py") == expected


def test_train_good_statically():
    assert findings((EXAMPLES_DIR / "train_good.py").read_text(), "examples/train_good.py") == set()

