"""The analysis pre-filter may only drop what the full analysis would not find. Checked on a small generated set and,
when it is there, on the benchmark corpus in bench/corpus/ (fetched by ``python bench/corpus.py``); the logic is
bench/prefilter_check.py's: files that never say "torch" (``interp.might_have_findings``) are analysed with that gate
off, and kept files whose top-level blocks get blanked are analysed whole, and the diagnostics compared."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


prefilter_check = _load("bench_prefilter_check", ROOT / "bench" / "prefilter_check.py")
bench_corpus = _load("bench_corpus", ROOT / "bench" / "corpus.py")


# Files that never say "torch" (so the pre-filter skips them) and must be clean under the full analysis too.
SKIPPED_CLEAN = {
    "numpy-inplace": "import numpy as np\nw = np.zeros(3)\nw += 1\nw.add_(1)\n",
    "dynamic-import": "t = __import__('to' + 'rch')\nw = t.ones(3, requires_grad=True)\nw.add_(1)\n",
    "look-alike-module": "import tor as T\nw = T.ones(3, requires_grad=True)\nw.add_(1)\n",
    "attribute-inplace": "class M:\n    def f(self):\n        self.weight.add_(1)\n        self.weight.data.mul_(0.5)\n",
    "detach-then-inplace": "def f(x):\n    y = x.detach()\n    y.add_(1)\n    return y\n",
    "requires-grad-flag": "def f(x):\n    x.requires_grad_()\n    x.add_(1)\n",
    "grad-of-result": "def f(model, x):\n    y = model(x) * 2\n    y.sum().backward()\n    return y.grad\n",
    "plain-python": "xs = [1, 2]\nxs += [3]\nd = {}\nd['a'] = 1\n",
    "empty": "",
    "syntax-error": "def f(:\n    pass\n",  # IPL900 on both paths: not a miss
}

# Files without "torch" on which the interpreter, were it run, DOES find something: parameters reached through
# `.parameters()` / `param_groups` are known leaves without any torch import in sight. The pre-filter drops them:
# files that never say torch are out of scope by design (look-alike frameworks such as micrograd stay quiet). These
# cases pin that trade-off down; a change of scope changes them.
OUT_OF_SCOPE = {
    "parameters-inplace": "def f(model):\n    for p in model.parameters():\n        p.add_(1)\n",
    "named-parameters-inplace": "def f(model):\n    for n, p in model.named_parameters():\n        p.mul_(2)\n",
    "parameters-data": "def f(model):\n    for p in model.parameters():\n        p.data.zero_()\n",
    "param-groups-inplace": ("def f(opt):\n    for g in opt.param_groups:\n        for p in g['params']:\n"
                             "            p.add_(1)\n"),
}

# Controls: files that say torch, so the pre-filter keeps them; the full analysis flags them.
KEPT_WITH_FINDINGS = {
    "leaf-inplace": "import torch\nw = torch.ones(3, requires_grad=True)\nw.add_(1)\n",
    "parameters-inplace-torch": "import torch\n\ndef f(model):\n    for p in model.parameters():\n        p.add_(1)\n",
}


def _check(source: str, name: str):
    report = prefilter_check.Report()
    prefilter_check.check_source(source, f"<{name}>", report)
    return report


@pytest.mark.parametrize("name", sorted(SKIPPED_CLEAN))
def test_skipped_files_have_no_findings(name):
    report = _check(SKIPPED_CLEAN[name], name)
    assert report.skipped_files == 1, "the generated case must be one the pre-filter skips"
    assert report.misses == []
    assert report.full_findings == 0
    if name == "syntax-error":
        assert report.unparsable == 1
    else:
        assert report.interpreted == 1, "the full analysis must really run the interpreter"


@pytest.mark.parametrize("name", sorted(OUT_OF_SCOPE))
def test_files_without_torch_are_out_of_scope(name):
    from inplace_lint.registry import analyze_source

    report = _check(OUT_OF_SCOPE[name], name)
    assert report.skipped_files == 1
    assert analyze_source(OUT_OF_SCOPE[name], name) == []


def test_the_check_sees_what_the_skip_drops():
    """The ungated interpreter flags (some of) the out-of-scope cases and the check reports those as misses: so a
    clean corpus run means something. This is also the known cost of the skip."""
    reports = [_check(text, name) for name, text in OUT_OF_SCOPE.items()]
    flagged = [r for r in reports if r.full_findings]
    assert flagged, "the ungated interpreter flags none of OUT_OF_SCOPE: find a case it flags"
    assert all(len(r.misses) == 1 for r in flagged)


@pytest.mark.parametrize("name", sorted(KEPT_WITH_FINDINGS))
def test_kept_files_keep_their_findings(name):
    from inplace_lint.registry import analyze_source

    report = prefilter_check.Report()
    prefilter_check.check_source(KEPT_WITH_FINDINGS[name], f"<{name}>", report, reduced=True)
    assert report.kept_files == 1 and report.skipped_files == 0
    assert analyze_source(KEPT_WITH_FINDINGS[name], name), "control: the analysis flags this file"
    assert report.kept_findings >= 1 and report.misses == []


def _long_module(n_helpers: int = 60) -> str:
    """A kept file over the pre-filter's size threshold: many inert helpers, one finding among them."""
    helpers = "".join(f"def helper_{i}(a, b):\n    c = a + b\n    return c * {i}\n\n\n" for i in range(n_helpers))
    return ("import torch\n\n\n" + helpers + "def train(model):\n    for p in model.parameters():\n"
            "        p.add_(1)\n\n\n" + helpers.replace("helper_", "late_"))


def test_blanked_blocks_lose_no_finding():
    source = _long_module()
    report = prefilter_check.Report()
    prefilter_check.check_source(source, "<long>", report, reduced=True)
    assert report.kept_files == 1
    assert report.reduced_files == 1, "the generated file should be one the pre-filter blanks code in"
    assert report.kept_findings >= 1
    assert report.misses == [], report.misses


def test_prefilter_off_is_restored():
    from inplace_lint.analysis import interp

    before = interp.might_have_findings
    with prefilter_check.prefilter_off():
        assert interp.might_have_findings("no such word") is True
    assert interp.might_have_findings is before
    assert interp.might_have_findings("plain text") is False
    for name in prefilter_check.GATES:
        if hasattr(interp, name):
            assert getattr(interp, name)("plain text") is False


def test_generated_files_on_disk(tmp_path):
    """The file-reading path (``check_files``) on a generated folder: counts add up."""
    for i, (name, text) in enumerate({**SKIPPED_CLEAN, **KEPT_WITH_FINDINGS}.items()):
        (tmp_path / f"m{i:02d}_{name.replace('-', '_')}.py").write_text(text, encoding="utf-8")
    report = prefilter_check.check_files(sorted(tmp_path.glob("*.py")))
    assert report.kept_files == len(KEPT_WITH_FINDINGS)
    assert report.skipped_files == len(SKIPPED_CLEAN)
    assert report.misses == []
    assert report.kept_lines + report.skipped_lines == sum(
        len(t.splitlines()) for t in {**SKIPPED_CLEAN, **KEPT_WITH_FINDINGS}.values())


@pytest.mark.slow  # the whole of a real library (transformers: 10 s) when bench/corpus is there
@pytest.mark.parametrize("package", list(bench_corpus.PACKAGES))
def test_corpus_skipped_files_have_no_findings(package):
    """Every corpus file the pre-filter skips, analysed in full, gives nothing the pre-filtered analysis lacks."""
    if package not in bench_corpus.present():
        pytest.skip(f"bench/corpus/{package} is absent (python bench/corpus.py fetches it)")
    report = prefilter_check.check_files(bench_corpus.files([package]))
    assert report.kept_files + report.skipped_files > 0
    assert report.misses == [], "\n".join(f"{m.path}: {m.diagnostics}" for m in report.misses)
    assert report.interpreted + report.unparsable == report.skipped_files


@pytest.mark.slow
def test_corpus_blanked_blocks_lose_no_finding():
    """On the smallest corpus package present: each kept file's pre-filtered analysis equals its whole analysis."""
    present = bench_corpus.present()
    if not present:
        pytest.skip("bench/corpus is absent (python bench/corpus.py fetches it)")
    package = min(present, key=lambda name: bench_corpus.read_stamp(name)["lines"])
    report = prefilter_check.check_files(bench_corpus.files([package]), reduced=True)
    assert report.reduced_checked == report.kept_files > 0
    assert report.misses == [], "\n".join(f"{m.path}: only whole {m.diagnostics}, only pre-filtered {m.extra}"
                                           for m in report.misses)
