"""Tests for the generated op table (inplace_lint/ops) and its torch-free loader.

Spot checks compare the table against a live torch run done here, not only
against the JSON, so a wrong table cannot agree with itself.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import inplace_lint.ops as ops

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _leaf(torch, *shape):
    return torch.rand(*shape).requires_grad_(True)


def _saved_tensors(out):
    """Every tensor saved by the graph behind ``out`` (independent of tools/generate_ops.py)."""
    found, seen, stack = [], set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for attr in dir(node):
            if attr.startswith("_raw_saved_"):
                value = getattr(node, "_saved_" + attr[len("_raw_saved_"):])
                values = value if isinstance(value, (tuple, list)) else [value]
                found += [v for v in values if v is not None]
        stack += [fn for fn, _ in node.next_functions]
    return found


def _shares_storage(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


# --------------------------------------------------------------------------
# the committed table
# --------------------------------------------------------------------------


def test_table_shape():
    t = ops.table()
    assert t is ops.table()  # loaded once
    assert t["meta"]["generated_by"] == "tools/generate_ops.py"
    assert ops.version() == t["meta"]["torch_version"]
    assert len(t["saved"]) >= 300
    counts = t["meta"]["counts"]
    assert counts["saved_probed"] == counts["saved_recorded"] + counts["saved_skipped"]
    for key, entry in t["saved"].items():
        assert entry["kind"] in {"function", "method", "module", "operator"}, key
        assert len(entry["tensor_args"]) == entry["arity"], key
        for pattern in entry["patterns"]:
            assert len(pattern) == entry["arity"] and set(pattern) <= {"0", "1"}, key
    # every family of keys is present
    for prefix in ["torch.", "Tensor.", "torch.nn.functional.", "torch.nn.", "operator.",
                   "torch.linalg.", "torch.special."]:
        assert any(k.startswith(prefix) for k in t["saved"]), prefix


def test_json_is_canonical():
    text = ops.DATA_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=1) + "\n"


@pytest.mark.slow
def test_generated_table_is_up_to_date(torch, tmp_path):
    """Drift test: regenerating from the installed torch reproduces the
    committed JSON.  Runs in a subprocess so other tests' global torch state
    cannot leak in (takes ~10 s)."""
    if torch.__version__ != ops.version():
        pytest.skip(f"table is for torch {ops.version()}, installed {torch.__version__}")
    out = tmp_path / "ops.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "generate_ops.py"), "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )
    assert proc.returncode == 0, proc.stderr
    assert "probed" in proc.stdout and "recorded" in proc.stdout and "skipped" in proc.stdout
    regenerated = json.loads(out.read_text())
    committed = json.loads(ops.DATA_PATH.read_text())
    for section in sorted(set(regenerated) | set(committed)):
        assert regenerated.get(section) == committed.get(section), (
            f"section {section!r} is stale: run python tools/generate_ops.py")
    assert out.read_bytes() == ops.DATA_PATH.read_bytes()


# --------------------------------------------------------------------------
# spot checks: each fact is asserted against a live torch run
# --------------------------------------------------------------------------


def test_sigmoid_saves_result(torch):
    x = _leaf(torch, 3, 4)
    y = torch.sigmoid(x)
    saved = y.grad_fn._saved_result
    assert saved is not y and _shares_storage(saved, y) and saved.stride() == y.stride()
    assert ops.saves_result("torch.sigmoid", "1")
    assert ops.saves_result("Tensor.sigmoid")
    assert ops.saved_inputs("torch.sigmoid", "1") == frozenset()


def test_mul_with_only_lhs_requiring_grad_saves_rhs_only(torch):
    x, w = _leaf(torch, 3, 4), torch.rand(3, 4)
    g = (x * w).grad_fn
    assert g._saved_self is None  # listed slot, not saved
    assert g._saved_other is w  # saved inputs come back as the same object
    assert ops.saved_inputs("operator.mul", "10") == frozenset({1})
    assert ops.saved_inputs("operator.mul", "01") == frozenset({0})
    assert ops.saved_inputs("operator.mul", "11") == frozenset({0, 1})
    assert not ops.saves_result("operator.mul")


def test_add_saves_nothing(torch):
    x, y = _leaf(torch, 3, 4), _leaf(torch, 3, 4)
    assert _saved_tensors(x + y) == []
    assert _saved_tensors(torch.add(x, y)) == []
    for key in ["torch.add", "Tensor.add", "operator.add"]:
        for pattern in ["10", "01", "11"]:
            assert ops.saved_inputs(key, pattern) == frozenset(), (key, pattern)
        assert not ops.saves_result(key)


def test_linear_saves_input_and_weight_via_view(torch):
    F = torch.nn.functional
    x, w, b = _leaf(torch, 3, 4), _leaf(torch, 5, 4), _leaf(torch, 5)
    saved = _saved_tensors(F.linear(x, w, b))
    assert any(s is x for s in saved)
    weight_views = [s for s in saved if s is not w and _shares_storage(s, w)]
    assert weight_views and weight_views[0].shape == w.t().shape
    assert {0, 1} <= ops.saved_inputs("torch.nn.functional.linear", "111")
    record = ops.saved_info("torch.nn.functional.linear")["patterns"]["111"]
    assert 1 in record["via_view"]
    assert 2 not in ops.saved_inputs("torch.nn.functional.linear", "111")  # bias


def test_relu_module_saves_result(torch):
    x = _leaf(torch, 3, 4)
    y = torch.nn.ReLU()(x)
    assert _shares_storage(y.grad_fn._saved_result, y)
    assert ops.saves_result("torch.nn.ReLU", "1")
    assert ops.saves_result("torch.nn.modules.activation.ReLU")  # alias


def test_view_is_a_view_method(torch):
    x = _leaf(torch, 3, 4)
    assert x.view(12)._base is x
    assert ops.is_view_method("view")
    assert ops.shares_version("view")
    assert ops.is_view_function("torch.transpose")


def test_detach_shares_version_but_is_not_a_view(torch):
    x = _leaf(torch, 3, 4)
    d = x.detach()
    assert d._base is None
    with torch.no_grad():
        x.add_(1)
    assert d._version == x._version
    assert not ops.is_view_method("detach")
    assert ops.shares_version("detach")
    assert ops.shares_version("torch.detach")


def test_reshape_is_only_maybe_a_view(torch):
    x = _leaf(torch, 3, 4)
    assert x.reshape(12)._base is x
    xt = torch.rand(4, 3).t().detach().requires_grad_()
    assert xt.reshape(12)._base is None
    assert not ops.is_view_method("reshape")
    assert "reshape" in ops.table()["maybe_view_methods"]


def test_add_underscore_is_inplace(torch):
    t = torch.rand(3, 4)
    before = t._version
    t.add_(1)
    assert t._version > before
    assert ops.is_inplace_method("add_")
    assert ops.is_inplace_method("Tensor.add_")
    assert ops.is_inplace_method("__iadd__")
    assert ops.is_inplace_method("__setitem__")


def test_requires_grad_underscore_is_not_inplace(torch):
    t = torch.rand(3, 4)
    before = t._version
    t.requires_grad_()
    assert t._version == before
    assert not ops.is_inplace_method("requires_grad_")
    assert not ops.is_inplace_method("share_memory_")
    assert not ops.is_inplace_method("add")


def test_init_normal_is_no_grad_function(torch):
    w = torch.empty(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.normal_()  # a leaf requiring grad cannot be modified in place...
    before = w._version
    torch.nn.init.normal_(w)  # ...but nn.init does it under no_grad
    assert w._version > before
    assert ops.is_no_grad_function("torch.nn.init.normal_")
    assert not ops.is_no_grad_function("torch.nn.init.normal_".rstrip("_"))
    assert ops.inplace_function_target("torch.nn.init.normal_") is None


def test_inplace_functions(torch):
    x = torch.rand(3, 4)
    before = x._version
    torch.relu_(x)
    assert x._version > before
    assert ops.inplace_function_target("torch.relu_") == 0
    assert ops.inplace_function_target("torch.nn.functional.elu_") == 0
    assert ops.inplace_function_target("torch.relu") is None


def test_functional_relu_inplace_kwarg(torch):
    F = torch.nn.functional
    params = list(inspect.signature(F.relu).parameters)
    assert params.index("inplace") == 1
    x = torch.rand(3, 4)
    before = x._version
    F.relu(x, True)  # positional index 1 is `inplace`
    assert x._version > before
    assert ops.inplace_kwarg("torch.nn.functional.relu") == ("inplace", 1)
    assert ops.inplace_kwarg("torch.nn.functional.dropout") == (
        "inplace", list(inspect.signature(F.dropout).parameters).index("inplace"))
    assert ops.inplace_kwarg("torch.nn.functional.gelu") is None


def test_relu_module_inplace_index(torch):
    params = list(inspect.signature(torch.nn.ReLU.__init__).parameters)[1:]
    assert params.index("inplace") == 0
    assert torch.nn.ReLU(True).inplace is True
    assert ops.inplace_module_kwarg("torch.nn.ReLU") == 0
    assert ops.inplace_module_kwarg("torch.nn.modules.activation.ReLU") == 0
    assert ops.inplace_module_kwarg("torch.nn.Dropout") == 1
    assert ops.inplace_module_kwarg("torch.nn.Linear") is None


def test_factories(torch):
    assert torch.randn(2, requires_grad=True).requires_grad
    assert ops.is_factory("torch.randn")
    assert ops.is_factory("torch.zeros_like")
    assert not ops.is_factory("torch.as_tensor")
    assert ops.table()["factory_functions"]["torch.randint"]["float_requires_grad"] is False


def test_dropout_eval_differs_from_train(torch):
    m = torch.nn.Dropout()
    x = _leaf(torch, 3, 4)
    assert m.eval()(x) is x
    assert ops.saved_info("torch.nn.Dropout@eval")["result_view_of"] == [0]
    assert "torch.nn.Dropout@eval" in ops.saved_info("torch.nn.Dropout")["variant_keys"]


# --------------------------------------------------------------------------
# loader rules that need no torch
# --------------------------------------------------------------------------


def test_unprobed_patterns_use_covering_union():
    # "?" = unknown -> union over patterns with a '1' there
    assert ops.saved_inputs("operator.mul", "1?") == frozenset({0, 1})
    assert ops.saved_inputs("operator.mul", "00") == frozenset()  # no graph
    assert ops.saved_inputs("operator.mul", None) == frozenset({0, 1})
    assert ops.saved_inputs("operator.mul", "1") == frozenset({0, 1})  # wrong arity
    assert ops.saved_inputs("no.such.op", "1") == frozenset()
    assert ops.saved_info("no.such.op") is None
    # modules: parameters require grad even when the input does not
    assert "weight" in ops.saved_inputs("torch.nn.Linear", "1")
    assert ops.saved_inputs("torch.nn.Linear", "0") == frozenset({0})


def test_aliases_and_prefixes():
    assert ops.saved_info("torch.Tensor.sigmoid") == ops.saved_info("Tensor.sigmoid")
    assert ops.saved_info("torch.nn.modules.linear.Linear") == ops.saved_info("torch.nn.Linear")
    assert ops.table()["aliases"]["torch.nn.parameter.Parameter"] == "torch.nn.Parameter"


def test_loader_works_without_torch():
    code = r"""
import json, sys
sys.modules["torch"] = None  # any `import torch` now raises ImportError
import inplace_lint.ops as ops
out = {
    "table": len(ops.table()["saved"]),
    "is_inplace_method": ops.is_inplace_method("add_"),
    "inplace_function_target": ops.inplace_function_target("torch.relu_"),
    "inplace_kwarg": ops.inplace_kwarg("torch.nn.functional.relu"),
    "inplace_module_kwarg": ops.inplace_module_kwarg("torch.nn.ReLU"),
    "is_no_grad_function": ops.is_no_grad_function("torch.nn.init.normal_"),
    "is_view_method": ops.is_view_method("view"),
    "is_view_function": ops.is_view_function("torch.transpose"),
    "shares_version": ops.shares_version("detach"),
    "is_factory": ops.is_factory("torch.randn"),
    "saved_info": ops.saved_info("torch.sigmoid") is not None,
    "saved_inputs": sorted(ops.saved_inputs("operator.mul", "10")),
    "saves_result": ops.saves_result("torch.sigmoid", "1"),
    "version": ops.version(),
    "torch_imported": sys.modules["torch"] is not None,
}
print(json.dumps(out))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {
        "table": len(ops.table()["saved"]),
        "is_inplace_method": True,
        "inplace_function_target": 0,
        "inplace_kwarg": ["inplace", 1],
        "inplace_module_kwarg": 0,
        "is_no_grad_function": True,
        "is_view_function": True,
        "is_view_method": True,
        "shares_version": True,
        "is_factory": True,
        "saved_info": True,
        "saved_inputs": [1],
        "saves_result": True,
        "version": ops.version(),
        "torch_imported": False,
    }
