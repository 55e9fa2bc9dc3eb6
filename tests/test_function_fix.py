"""``--fix-with function`` (``inplace_lint/function_fix.py``): in-place chains become ``torch.autograd.Function``s.

* For each chain kind (a result-saving op then ``mul_`` / ``add_`` / ``+=`` / an index write / an ``inplace=True``
  activation; an in-place op on a saved input), the fix makes a Function whose forward still writes in place, the
  fixed module runs under torch with outputs and gradients equal to the out-of-place fix's, the Function passes
  ``gradcheck`` (``inplace_lint.validate.gradcheck``), and a second ``--fix`` changes nothing.
* The closed form is used where torch's formula and the writes allow it, the recompute backward otherwise, and the
  message says which; chains a Function cannot take over get no such fix.
* Without the option the Function is shown under the finding (text) and as the fix's ``template`` (JSON); the
  config key ``fix-with`` and the option ``--fix-with`` select it; the generated code is Python 3.9 code.
"""
from __future__ import annotations

import ast
import json
import re
import textwrap

import pytest
from click.testing import CliRunner

from inplace_lint import engine
from inplace_lint.cli import cli
from inplace_lint.config import ConfigError, resolve_settings
from inplace_lint.fixes import fix_text

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"


def module(body: str, init: str = "") -> str:
    """A module ``M`` whose forward is ``body`` (``x`` the input)."""
    init_code = ""
    if init:
        init_code = "    def __init__(self):\n        super().__init__()\n" + textwrap.indent(
            textwrap.dedent(init).strip() + "\n", " " * 8) + "\n"
    return HEAD + "class M(nn.Module):\n" + init_code + "    def forward(self, x):\n" + textwrap.indent(
        textwrap.dedent(body).strip() + "\n", " " * 8)


# (id, forward body, __init__ body, backward kind, the in-place writes the Function's forward must keep)
CASES = [
    ("sigmoid-mul_", "h = torch.sigmoid(x)\nh.mul_(2)\nreturn h", "", "closed-form", ["h.mul_(2)"]),
    ("sigmoid-add_", "h = torch.sigmoid(x)\nh.add_(1)\nreturn h * h", "", "closed-form", ["h.add_(1)"]),
    ("exp-iadd", "h = torch.exp(x)\nh += 1\nreturn h * h", "", "closed-form", ["h += 1"]),
    ("exp-index", "h = x.exp()\nh[:, 0] = 0\nreturn h", "", "closed-form", ["h[:, 0] = 0"]),
    ("tanh-relu-inplace", "h = torch.tanh(x)\nh = F.relu(h, inplace=True)\nreturn h", "", "closed-form",
     ["h = F.relu(h, inplace=True)"]),
    ("tanh-relu_", "h = torch.tanh(x)\ntorch.relu_(h)\nreturn h", "", "closed-form", ["torch.relu_(h)"]),
    ("sigmoid-chain", "h = torch.sigmoid(x)\nh.mul_(-3)\nh -= 0.5\nh.neg_()\nh /= 4\nreturn h", "", "closed-form",
     ["h.mul_(-3)", "h -= 0.5", "h.neg_()", "h /= 4"]),
    ("sin-input", "x = x * 2\ny = torch.sin(x)\nx.mul_(3)\nreturn x + y", "", "closed-form", ["x.mul_(3)"]),
    ("sigmoid-param", "h = torch.sigmoid(x)\nh *= self.s\nreturn h", "self.s = nn.Parameter(torch.rand(3) + 0.5)",
     "recompute", ["h *= s"]),
    ("pow-binary", "h = torch.pow(x.abs() + 1, self.w)\nh.mul_(2)\nreturn h", "self.w = nn.Parameter(torch.randn(3))",
     "recompute", ["h.mul_(2)"]),
    ("softmax-dim", "h = torch.softmax(x, dim=-1)\nh.mul_(2)\nreturn h * h", "", "recompute", ["h.mul_(2)"]),
    ("index-tensor-value", "h = torch.sigmoid(x)\nh[:, 1] = self.v\nreturn h", "self.v = nn.Parameter(torch.ones(4))",
     "recompute", ["h[:, 1] = v"]),
    ("exp-rebinds-its-input", "h = x + 1\nh = torch.exp(h)\nh.mul_(2)\nreturn h", "", "closed-form", ["h.mul_(2)"]),
    ("pow-input", "x = x + 0\ny = x.pow(2)\nx.add_(self.b)\nreturn x * y", "self.b = nn.Parameter(torch.randn(3))",
     "recompute", ["x.add_(b)"]),
]


def fixed_with_function(source: str) -> str:
    result = fix_text(source, "m.py", unsafe=True, fix_with="function")
    assert result.error is None, result.error
    assert result.changed, "no fix applied"
    return result.source


def function_findings(source: str, fix_with: str = "default"):
    return [d for d in engine.analyze_text(source, "m.py", fix_budget=None, fix_with=fix_with)
            if d.fix is not None and d.fix.function]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_chain_becomes_a_function_that_writes_in_place(case):
    _, body, init, backward, writes = case
    source = module(body, init)
    found = function_findings(source, "function")
    assert found and all(d.code == "IPL003" for d in found)
    fix = found[0].fix
    assert fix.applicability == "unsafe" and fix.edits
    assert fix.function["backward"] == backward
    assert ("closed-form backward" if backward == "closed-form" else "recompute backward") in fix.description
    out = fixed_with_function(source)
    name = fix.function["name"]
    assert f"class {name}(torch.autograd.Function):" in out and f"{name}.apply(" in out
    forward = out[out.index("def forward("):out.index("def backward(")]
    for write in writes:
        assert write in forward, f"{write!r} is not kept in place in forward:\n{forward}"
    if fix.function["kind"] == "input":
        assert "ctx.mark_dirty(x)" in forward
    # the fixed file has no finding left, and a second --fix changes nothing
    assert engine.analyze_text(out, "m.py") == []
    again = fix_text(out, "m.py", unsafe=True, fix_with="function")
    assert not again.changed and not again.applied
    ast.parse(out, feature_version=(3, 9))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_fixed_module_matches_the_out_of_place_fix_and_passes_gradcheck(case):
    torch = pytest.importorskip("torch")
    from inplace_lint.validate.gradcheck import check_function

    _, body, init, backward, _ = case
    source = module(body, init)
    function_fixed = fixed_with_function(source)
    reference = fix_text(source, "m.py", unsafe=True).source  # the default, out-of-place fix
    assert "autograd.Function" not in reference

    def run(code: str):
        ns: dict = {}
        exec(compile(code, "m.py", "exec"), ns)
        torch.manual_seed(0)
        m = ns["M"]().double()
        x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
        out = m(x)
        w = torch.randn(out.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        params = [x, *m.parameters()]
        grads = torch.autograd.grad((out * w).sum(), params)
        return out.detach(), grads

    out_fn, grads_fn = run(function_fixed)
    out_ref, grads_ref = run(reference)
    assert torch.allclose(out_fn, out_ref)
    for a, b in zip(grads_fn, grads_ref):
        assert torch.allclose(a, b, rtol=1e-6, atol=1e-9), (a, b)
    info = function_findings(source, "function")[0].fix.function
    verdict = check_function(info)
    assert verdict["status"] == "verified", verdict


@pytest.mark.slow
def test_gradcheck_catches_a_wrong_backward():
    pytest.importorskip("torch")
    from inplace_lint.validate.gradcheck import check_function

    info = function_findings(module(CASES[0][1]))[0].fix.function
    assert check_function(info)["status"] == "verified"
    broken = dict(info, source=info["source"].replace("grad = grad * 2", "grad = grad * 3"))
    assert broken["source"] != info["source"]
    verdict = check_function(broken)
    assert verdict["status"] == "failed" and "gradient of `x` differs" in verdict["evidence"]


@pytest.mark.slow
def test_validate_reports_the_gradcheck_verdict(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(module(CASES[0][1]))
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--validate", "--format", "json", "m.py"])
    data = json.loads(result.stdout)
    assert data[0]["fix"]["function"]["validation"]["status"] == "verified"
    assert "gradcheck passed (closed-form backward" in data[0]["fix"]["function"]["validation"]["evidence"]
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--validate", "--fix", "--unsafe-fixes", "--fix-with",
                                      "function", "m.py"])
    assert re.search(r"m\.py:9: IPL003 autograd\.Function `_MSigmoidMul` verified: gradcheck passed", result.stderr), \
        result.stderr


# ---------------------------------------------------------------------------------------------------------------
# What is not taken over


@pytest.mark.parametrize("body, init", [
    ("h = torch.sigmoid(x)\nh = self.act(h)\nh.mul_(2)\nreturn h", "self.act = nn.Identity()"),  # not consecutive
    ("h = torch.sigmoid(x)\nh.detach().mul_(2)\nreturn h", ""),  # through .detach(): the author's call
    ("h = torch.sigmoid(x)\nh.mul_(2)\nreturn h", "self.act = nn.Identity()"),  # control: taken over
], ids=["module-call-between", "through-detach", "control"])
def test_only_chains_a_function_can_take_over(body, init):
    found = function_findings(module(body, init))
    assert bool(found) == ("self.act = nn.Identity()" in init and "self.act(h)" not in body)


def test_no_function_without_a_torch_module_name():
    source = "from torch import nn, sigmoid\n\n\nclass M(nn.Module):\n    def forward(self, x):\n" \
             "        h = sigmoid(x)\n        h.mul_(2)\n        return h\n"
    diags = engine.analyze_text(source, "m.py", fix_budget=None, fix_with="function")
    assert [d.code for d in diags] == ["IPL003"]
    assert diags[0].fix is not None and not diags[0].fix.function  # the default fix stays


def test_two_chains_in_one_class_get_two_functions():
    source = module("h = torch.sigmoid(x)\nh.mul_(2)\ng = torch.sigmoid(h)\ng.mul_(2)\nreturn g")
    out = fixed_with_function(source)
    assert "class _MSigmoidMul(" in out and "class _MSigmoidMul2(" in out
    assert "h = _MSigmoidMul.apply(x)" in out and "g = _MSigmoidMul2.apply(h)" in out


def test_alias_and_script_level_chain():
    source = "import torch as th\n\nx = th.randn(3, requires_grad=True)\nh = th.sigmoid(x)\nh.mul_(2)\n" \
             "h.sum().backward()\n"
    out = fixed_with_function(source)
    assert "class _SigmoidMul(th.autograd.Function):" in out
    assert "return th.ops.aten.sigmoid_backward(grad, h)" in out
    assert out.index("class _SigmoidMul") < out.index("h = _SigmoidMul.apply(x)")
    ast.parse(out, feature_version=(3, 9))


# ---------------------------------------------------------------------------------------------------------------
# Offered when the option is off; the option and the config key


def test_template_is_offered_in_text_and_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(module(CASES[0][1]))
    text = CliRunner().invoke(cli, ["check", "--no-cache", "m.py"]).stdout
    assert "= help: Use the out-of-place form: `h = h.mul(...)`" in text
    assert "# --fix-with function (with --unsafe-fixes) would keep the writes in place (closed-form backward):" in text
    assert "class _MSigmoidMul(torch.autograd.Function):" in text and "#     h = _MSigmoidMul.apply(x)" in text
    data = json.loads(CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", "m.py"]).stdout)
    fix = data[0]["fix"]
    assert fix["applicability"] == "safe" and "h = h.mul(2)" in fix["edits"][0]["content"]
    assert "def backward(ctx, grad_h):" in fix["template"]
    assert fix["function"] == {"name": "_MSigmoidMul", "backward": "closed-form"}


def test_fix_with_option_and_config_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(module(CASES[0][1]))
    bad = CliRunner().invoke(cli, ["check", "--fix-with", "lambda", "m.py"])
    assert bad.exit_code == 2 and "'lambda' is not one of 'default', 'function'" in bad.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.inplace-lint]\nfix-with = "function"\n')
    assert resolve_settings(["m.py"]).fix_with == "function"
    assert resolve_settings(["m.py"], fix_with="default").fix_with == "default"  # the option wins
    data = json.loads(CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", "m.py"]).stdout)
    assert data[0]["fix"]["applicability"] == "unsafe" and data[0]["fix"]["function"]["name"] == "_MSigmoidMul"
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--fix", "--unsafe-fixes", "m.py"])
    assert result.exit_code == 0 and "h = _MSigmoidMul.apply(x)" in (tmp_path / "m.py").read_text()
    (tmp_path / "pyproject.toml").write_text('[tool.inplace-lint]\nfix-with = "closure"\n')
    with pytest.raises(ConfigError, match="'fix-with' must be one of 'default', 'function', not 'closure'"):
        resolve_settings(["m.py"])


# ---------------------------------------------------------------------------------------------------------------
# docs/fixes.md: the executed examples of in-place writes inside a custom Function; the memory bench


def _doc_examples():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "fixes.md").read_text()
    section = text[text.index("## In-place updates inside a custom `autograd.Function`"):]
    return re.findall(r"```python\n(.*?)```\n\n```text\n(.*?)```", section, re.S)


def test_docs_have_the_three_examples():
    assert len(_doc_examples()) == 3


@pytest.mark.slow
@pytest.mark.parametrize("index", range(3), ids=["legal", "write-after-save", "no-mark-dirty"])
def test_docs_examples_print_what_the_doc_shows(index):
    import contextlib
    import io

    pytest.importorskip("torch")
    code, shown = _doc_examples()[index]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<docs/fixes.md>", "exec"), {"__name__": "__main__"})
    assert re.sub(r" at 0x[0-9a-f]+>", " at ...>", out.getvalue()) == shown


@pytest.mark.slow
def test_memory_bench_shows_the_function_holding_less(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("torch")
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "memory.json"
    subprocess.run([sys.executable, str(root / "bench" / "function_fix_memory.py"), "--size", "512", "--depth", "4",
                    "--output", str(out)], check=True, capture_output=True, timeout=300)
    rows = json.loads(out.read_text())["rows"]["4"]
    activation = 512 * 512 * 4
    held = {name: round(r["held_after_forward"] / activation) for name, r in rows.items()}  # in activations
    # the out-of-place graph holds sigmoid's result and the mul result (Scale saved it) per block, + the output;
    # the closed-form Function one buffer per block (saved by it and by Scale alike), + the output
    assert held == {"out-of-place": 9, "function, closed form": 5, "function, recompute": 8}
    assert rows["function, closed form"]["peak"] < rows["out-of-place"]["peak"]


@pytest.mark.parametrize("body", [
    "y = torch.sin(x)\nx.mul_(3)\nreturn x + y",  # the caller's tensor, maybe a view
    "v = (x * 2)[0]\ny = torch.sin(v)\nv.mul_(3)\nreturn v + y",  # a view: torch refuses it as a dirty input here
])
def test_no_function_writing_an_input_that_may_be_a_view(body):
    diags = engine.analyze_text(module(body), "m.py", fix_budget=None, fix_with="function")
    assert diags and not any(d.fix is not None and d.fix.function for d in diags)


def test_inputs_read_twice_and_attributes_of_inputs():
    source = module("h = torch.sigmoid(x)\nh.mul_(self.s)\nh.add_(self.s * x.shape[0])\nreturn h",
                    "self.s = nn.Parameter(torch.ones(3))")
    fix = function_findings(source, "function")[0].fix
    assert fix.function["inputs"] == ["x", "s"]  # x.shape is read inside; self.s, read twice, is one parameter
    out = fixed_with_function(source)
    assert "h.add_(s * x.shape[0])" in out and "h = _MSigmoidMulAdd.apply(x, self.s)" in out


def test_a_chain_reading_a_name_the_backward_binds_is_left_alone():
    source = module("grad = x * 1\nh = torch.sigmoid(x)\nh.mul_(grad)\nreturn h")
    assert function_findings(source, "function") == []
