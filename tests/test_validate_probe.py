"""The runtime probe, in process, against plain torch (the oracle).

* On every runnable rule example, the probe raises exactly when torch raises (same exception type, and the same
  message up to the versions for the saved-tensor error), and the example's symptom / check expression has the same
  value: the probe changes nothing about what the program computes.
* ``good`` and ``fixed`` examples produce no breakage event; a real training loop (Adam + BatchNorm +
  ReLU(inplace) + Dropout) produces none either, and trains exactly as without the probe.
* Targeted cases for what torch alone misses (``.data`` writes to saved bytes) and for where torch and the probe
  must agree (any view of a saved tensor's base, even a disjoint slice).
"""
from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from inplace_lint.catalog import load_rule  # noqa: E402
from inplace_lint.validate import events as ev  # noqa: E402
from inplace_lint.validate.probe import Probe, bytes_overlap, run_with_probe, written_arguments  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "validate"


def _examples():
    out = []
    for path in sorted((ROOT / "rules").glob("IPL*.md")):
        rule = load_rule(path)
        for ex in rule.examples():
            if not ex.attrs.get("static-only"):
                out.append(pytest.param(ex, id=ex.name))
    return out


EXAMPLES = _examples()


def _run(code: str, probe: bool):
    """Run an example like tests/test_rule_examples.py does, optionally under a probe."""
    ns = {"__name__": "__main__"}
    grad_enabled = torch.is_grad_enabled()
    installed = Probe() if probe else None
    exc = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if installed is not None:
            installed.install()
        try:
            exec(compile(code, "<example>", "exec"), ns)
        except Exception as e:  # noqa: BLE001 - the exception is the result
            exc = e
        finally:
            if installed is not None:
                installed.uninstall()
            torch.set_grad_enabled(grad_enabled)
    if installed is not None and exc is not None:
        installed.add_exception(exc)
    return ns, exc, installed


def _evaluate(ns, expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(eval(expr, ns))


_VERSIONS = re.compile(r" is at version \d+; expected version \d+ instead.*", re.S)


def _comparable(exc) -> str:
    text = str(exc)
    if ev.SAVED_MESSAGE in text:
        return _VERSIONS.sub("", text.split(", which is output")[0])  # the probe names the tensor like torch
    return text


@pytest.mark.parametrize("ex", EXAMPLES)
def test_probe_raises_exactly_when_torch_raises(ex):
    torch.manual_seed(0)
    plain_ns, plain_exc, _ = _run(ex.source, probe=False)
    torch.manual_seed(0)
    probe_ns, probe_exc, probe = _run(ex.source, probe=True)
    assert (plain_exc is None) == (probe_exc is None), f"torch: {plain_exc!r}; probe: {probe_exc!r}"
    if plain_exc is not None:
        assert type(probe_exc) is type(plain_exc)
        assert _comparable(probe_exc) == _comparable(plain_exc)
    expr = ex.attrs.get("symptom") or ex.attrs.get("check")
    if expr and plain_exc is None:
        assert _evaluate(probe_ns, expr) == _evaluate(plain_ns, expr), "the probe changed what the example computes"
    assert not probe.internal_errors


@pytest.mark.parametrize("ex", [p for p in EXAMPLES if p.values[0].role in ("good", "fixed")])
def test_good_and_fixed_examples_are_clean_under_the_probe(ex):
    _, exc, probe = _run(ex.source, probe=True)
    assert exc is None
    reported = [e for e in probe.events if e["kind"] in ev.REPORTABLE]
    assert reported == []


@pytest.mark.slow
def test_no_false_report_on_a_real_training_loop():
    sys.path.insert(0, str(FIXTURES))
    try:
        import train_loop
    finally:
        sys.path.remove(str(FIXTURES))
    plain_losses, plain_params = train_loop.train(steps=6)
    with Probe() as probe:
        losses, params = train_loop.train(steps=6)
    probe.flush()
    assert [e for e in probe.events if e["kind"] in ev.REPORTABLE] == []
    assert not probe.internal_errors
    assert losses == plain_losses  # the probe does not change the numbers
    assert all(torch.equal(a, b) for a, b in zip(params, plain_params))
    assert probe.backward_calls > 0


# ---------------------------------------------------------------------------------------------------------------
# What the dispatch mode sees


def test_schema_marks_written_arguments():
    aten = torch.ops.aten
    assert written_arguments(aten.add_.Tensor) == ((0, "self"),)
    assert [name for _, name in written_arguments(aten.add.out)] == ["out"]
    assert written_arguments(aten.add.Tensor) == ()
    assert [name for _, name in written_arguments(aten._foreach_add_.Scalar)] == ["self"]


def test_saved_tensor_modified_raises_like_torch_and_names_the_culprit():
    def bad():
        x = torch.randn(3, requires_grad=True)
        y = x.sigmoid()  # saves y
        y.mul_(2)  # the culprit
        y.sum().backward()

    _, plain, _ = _run_function(bad, probe=False)
    _, error, probe = _run_function(bad, probe=True)
    assert isinstance(plain, RuntimeError) and isinstance(error, RuntimeError)
    assert _comparable(error) == _comparable(plain)
    assert "which is output 0 of Sigmoid" in str(plain) and "which is output 0 of Sigmoid" in str(error)
    saved = [e for e in probe.events if e["kind"] == ev.SAVED]
    assert len(saved) == 1
    lines = _lines_of(bad)
    assert saved[0]["line"] == lines["y.mul_(2)"] and saved[0]["saved_line"] == lines["y = x.sigmoid()"]
    assert saved[0]["saved_op"] == "sigmoid"


def test_disjoint_slice_of_a_saved_base_raises_like_torch():
    def bad():
        x = torch.randn(4, requires_grad=True)
        h = x * 1
        y = h[:2] ** 2  # saves the view h[:2]
        h[2:].zero_()  # another view of the same base: torch raises although the bytes are disjoint
        y.sum().backward()

    _, plain, _ = _run_function(bad, probe=False)
    _, error, probe = _run_function(bad, probe=True)
    assert plain is not None and error is not None and type(plain) is type(error)
    assert [e["line"] for e in probe.events if e["kind"] == ev.SAVED] == [_lines_of(bad)["h[2:].zero_()"]]


def test_data_write_to_saved_bytes_is_silent_corruption_torch_misses():
    def bad():
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        loss = (w ** 2).sum()  # saves w
        w.data.clamp_(max=1.5)
        loss.backward()
        return w.grad

    plain_grad, plain, _ = _run_function(bad, probe=False)
    grad, error, probe = _run_function(bad, probe=True)
    assert plain is None and error is None  # torch says nothing ...
    assert torch.equal(plain_grad, torch.tensor([2.0, 3.0]))  # ... and the gradient is wrong (should be [2, 4])
    assert torch.equal(grad, plain_grad)
    corrupt = [e for e in probe.events if e["kind"] == ev.DATA_CORRUPTION]
    assert len(corrupt) == 1 and corrupt[0]["line"] == _lines_of(bad)["w.data.clamp_(max=1.5)"]
    assert "[1, 2] became [1, 1.5]" in corrupt[0]["values"]


def test_data_write_to_disjoint_bytes_is_not_corruption():
    def fine():
        w = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        loss = (w[:2] ** 2).sum()  # saves w[0:2] only
        w.data[3] = 0.0
        w.data[2:].mul_(2)
        loss.backward()

    _, error, probe = _run_function(fine, probe=True)
    assert error is None
    assert [e for e in probe.events if e["kind"] == ev.DATA_CORRUPTION] == []


def test_strided_overlap_is_exact():
    base = torch.zeros(4, 4)
    geometry = lambda t: (tuple(t.shape), tuple(t.stride()), t.storage_offset(), t.element_size())  # noqa: E731
    assert not bytes_overlap(geometry(base[:, 0]), geometry(base[:, 1]))  # interleaved columns: disjoint
    assert bytes_overlap(geometry(base[:, 1]), geometry(base[1]))
    assert not bytes_overlap(geometry(base[0]), geometry(base[1]))


def test_write_in_function_forward_without_mark_dirty():
    class Double_(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    def bad():
        a = torch.tensor([1.0, 2.0], requires_grad=True)
        Double_.apply(a * 1).sum().backward()

    _, error, probe = _run_function(bad, probe=True)
    assert error is None
    dirty = [e for e in probe.events if e["kind"] == ev.FN_DIRTY]
    assert len(dirty) == 1 and "without ctx.mark_dirty()" in dirty[0]["message"]


def test_probe_is_removed_after_use():
    from torch.autograd import function as F

    apply, mark_dirty = F.Function.__dict__["apply"], F.FunctionCtx.mark_dirty
    init = torch.nn.Module.__init__
    with Probe():
        assert F.FunctionCtx.mark_dirty is not mark_dirty
    assert F.Function.__dict__["apply"] is apply and F.FunctionCtx.mark_dirty is mark_dirty
    assert torch.nn.Module.__init__ is init
    x = torch.randn(3, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()  # torch's own check is back


def test_exceptions_become_events_at_the_user_line():
    def bad():
        w = torch.zeros(3, requires_grad=True)
        w.add_(1)

    _, error, probe = run_with_probe(bad)
    assert isinstance(error, RuntimeError)
    assert [(e["kind"], e["line"]) for e in probe.events] == [(ev.LEAF, _lines_of(bad)["w.add_(1)"])]


# ---------------------------------------------------------------------------------------------------------------


def _run_function(fn, probe: bool):
    if not probe:
        try:
            return fn(), None, None
        except Exception as exc:  # noqa: BLE001
            return None, exc, None
    return run_with_probe(fn)


def _lines_of(fn):
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return {line.strip().split("  #")[0]: start + i for i, line in enumerate(lines)}


def test_torch_internal_functions_are_not_user_findings():
    """torch's own autograd.Functions (checkpointing here) are not tracked: their writes are not the user's."""
    from torch.utils.checkpoint import checkpoint

    lin = torch.nn.Linear(4, 4)

    def fine():
        x = torch.randn(2, 4, requires_grad=True)
        y = checkpoint(lambda t: torch.relu(lin(t)), x, use_reentrant=True)
        y.sum().backward()
        return x.grad

    grad, error, probe = run_with_probe(fine)
    assert error is None and grad is not None
    assert [e for e in probe.events if e["kind"] in ev.REPORTABLE] == []
