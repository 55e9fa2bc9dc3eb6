"""The validator from the command line: ``check --validate`` (text and JSON), ``--validate --fix`` / ``--diff``,
``inplace-lint run -- pytest`` on a project with a planted ``.data`` bug, and the CLI working without torch."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]


def cli(*args, cwd, env_extra=None, timeout=300):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.pop("INPLACE_LINT_CACHE_DIR", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "inplace_lint", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


SAVED_BUG = textwrap.dedent("""\
    import torch

    x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    h = torch.sigmoid(x)
    h.mul_(2)
    h.sum().backward()
""")

DATA_BUG = textwrap.dedent("""\
    import torch

    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w ** 2).sum()
    w.data.clamp_(max=1.5)
    loss.backward()
""")


@pytest.mark.slow
def test_check_validate_text(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "saved.py").write_text(SAVED_BUG)
    proc = cli("check", "--no-cache", "--validate", "saved.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "saved.py:5:1: IPL003" in proc.stdout
    assert "= validation: confirmed: backward() would raise: one of the variables needed" in proc.stdout
    assert "saved by sigmoid at saved.py:4" in proc.stdout
    assert "Validation: 1 confirmed" in proc.stderr


def test_check_validate_json(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "data.py").write_text(DATA_BUG)
    proc = cli("check", "--no-cache", "--validate", "--format", "json", "data.py", cwd=tmp_path)
    found = json.loads(proc.stdout)
    assert [(f["line"], f["code"]) for f in found] == [(5, "IPL004")]
    validation = found[0]["validation"]
    assert validation["verdict"] == "confirmed"
    assert validation["evidence"].startswith("silent corruption (torch reports nothing)")
    assert "[1, 2] became [1, 1.5]" in validation["evidence"]
    assert validation["events"][0]["kind"] == "data-corruption"


@pytest.mark.slow
def test_each_raising_write_is_confirmed_in_one_script(tmp_path):
    """torch stops the script at the first write into a view it refuses; the validator runs it again past each
    such write (a rule's declared symptom, ``Runtime.raises``), so every finding is confirmed, not 'not-reached'."""
    pytest.importorskip("torch")
    (tmp_path / "views.py").write_text(textwrap.dedent("""\
        import torch
        import torch.nn as nn

        x = torch.randn(4, 3, requires_grad=True)
        a, b = (x * 2).unbind(0)[:2]
        a.mul_(3)
        h = x * 3
        with torch.no_grad():
            top = h[:2]
        top.mul_(2)
        encoder = nn.Linear(3, 3)
        with torch.inference_mode():
            feats = encoder(torch.randn(2, 3))
        loss = nn.Linear(3, 1)(feats).sum()
        feats += 1
    """))
    proc = cli("check", "--no-cache", "--validate", "--format", "json", "views.py", cwd=tmp_path)
    found = json.loads(proc.stdout)
    assert [(f["line"], f["code"]) for f in found] == [(6, "IPL009"), (10, "IPL010"), (14, "IPL011"), (15, "IPL011")]
    assert [f["validation"]["verdict"] for f in found] == ["confirmed"] * 4, [f["validation"] for f in found]


def test_without_validate_nothing_runs(tmp_path):
    (tmp_path / "boom.py").write_text("import os\nopen('ran', 'w').write('x')\nimport torch\n"
                                      "w = torch.ones(2, requires_grad=True)\nw.add_(1)\n")
    proc = cli("check", "--no-cache", "boom.py", cwd=tmp_path)
    assert proc.returncode == 1 and "IPL001" in proc.stdout
    assert not (tmp_path / "ran").exists() and "validation" not in proc.stdout


@pytest.mark.slow
def test_validate_fix_verifies_each_fix(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("inplace_lint.fixes")
    (tmp_path / "data.py").write_text(DATA_BUG)
    (tmp_path / "leaf.py").write_text(textwrap.dedent("""\
        import torch

        w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            w -= 0.1 * w.grad
            w.grad.zero_()
    """))
    proc = cli("check", "--no-cache", "--validate", "--diff", "data.py", "leaf.py", cwd=tmp_path)
    assert (tmp_path / "leaf.py").read_text().count("no_grad") == 0  # --diff writes nothing
    assert "leaf.py:7: IPL001 fix verified" in proc.stderr, proc.stderr
    # The IPL004 fix (drop .data, wrap in no_grad) turns the silent corruption into torch's own error: the fix is
    # right, but the code still breaks, and validation says so.
    assert "data.py:5: IPL004 fix not-verified" in proc.stderr, proc.stderr
    proc = cli("check", "--no-cache", "--validate", "--fix", "--format", "json", "leaf.py", cwd=tmp_path)
    assert "with torch.no_grad():" in (tmp_path / "leaf.py").read_text()
    assert json.loads(proc.stdout) == [] and proc.returncode == 0
    assert "fixes: 1 verified" in proc.stderr


PROJECT_MODEL = textwrap.dedent("""\
    import torch


    def train_step(w, x):
        loss = (w ** 2 * x).sum()
        w.data.mul_(0.5)  # the planted bug: rescales w behind autograd's back
        loss.backward()
        return w.grad
""")

PROJECT_TEST = textwrap.dedent("""\
    import torch

    from model import train_step


    def test_step():
        w = torch.ones(3, requires_grad=True)
        x = torch.tensor([1.0, 2.0, 3.0])
        assert train_step(w, x) is not None
""")


def test_run_pytest_reports_the_planted_data_bug(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "model.py").write_text(PROJECT_MODEL)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_model.py").write_text(PROJECT_TEST)
    (tmp_path / "conftest.py").write_text("")
    proc = cli("run", "--format", "json", "--", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               cwd=tmp_path)
    assert "1 passed" in proc.stderr  # the tests themselves pass: torch sees nothing wrong
    found = json.loads(proc.stdout)  # with --format json, the command's own output goes to stderr
    bug = [f for f in found if f["path"] == "model.py" and f["line"] == 6]
    assert bug and bug[0]["code"] == "IPL004" and bug[0]["validation"]["verdict"] == "confirmed"
    assert "silent corruption" in bug[0]["validation"]["evidence"]
    assert proc.returncode == 1
    assert "found only at run time" in proc.stderr


OPT = "def step(params, lr):\n    for p in params:\n        p.sub_(lr * p.grad)\n"


def _run_tests_calling_step(tmp_path, test_source: str):
    """``inplace-lint run -- pytest`` on opt.py (a leaf update with grad on, no torch import) and ``test_source``."""
    pytest.importorskip("torch")
    (tmp_path / "opt.py").write_text(OPT)
    (tmp_path / "test_opt.py").write_text(textwrap.dedent(test_source))
    proc = cli("run", "--", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path)
    assert proc.returncode == 1  # pytest failed
    assert "opt.py:3:" in proc.stdout and "IPL001" in proc.stdout
    return proc


@pytest.mark.slow
def test_run_reports_a_leaf_error_raised_inside_a_test(tmp_path):
    proc = _run_tests_calling_step(tmp_path, """\
        import torch
        from opt import step


        def test_step():
            w = torch.ones(2, requires_grad=True)
            (w * w).sum().backward()
            step([w], 0.1)
    """)
    # the call from test_opt.py is followed into opt.py, so the static finding is there and the run confirms it
    assert "= note: test_opt.py:8:5: reached from this call" in proc.stdout
    assert "= validation: confirmed: torch raised RuntimeError: a leaf Variable" in proc.stdout
    assert "1 finding(s) confirmed, 0 found only at run time" in proc.stderr


@pytest.mark.slow
def test_run_reports_a_leaf_error_only_the_run_sees(tmp_path):
    """The leaf comes from a pytest fixture, which the static checker does not follow: the probe reports it."""
    proc = _run_tests_calling_step(tmp_path, """\
        import pytest
        import torch
        from opt import step


        @pytest.fixture
        def weights():
            w = torch.ones(2, requires_grad=True)
            (w * w).sum().backward()
            return [w]


        def test_step(weights):
            step(weights, 0.1)
    """)
    assert "= runtime: confirmed: torch raised RuntimeError: a leaf Variable" in proc.stdout
    assert "1 found only at run time" in proc.stderr


def test_cli_works_without_torch(tmp_path):
    """`import inplace_lint.cli` and a plain check must not import torch (it is an optional dependency)."""
    (tmp_path / "a.py").write_text("import torch\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n")
    code = textwrap.dedent("""\
        import sys
        sys.modules["torch"] = None  # any `import torch` now raises ImportError
        import inplace_lint.cli
        import inplace_lint.validate, inplace_lint.validate.runner, inplace_lint.validate.run
        import inplace_lint.validate.cli_support, inplace_lint.validate.sandbox
        try:
            inplace_lint.cli.main(["check", "--no-cache", "a.py"])
        except SystemExit as exc:
            assert exc.code == 1, exc.code
        assert sys.modules["torch"] is None
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "IPL001" in proc.stdout


@pytest.mark.slow
def test_run_script_verdicts_and_their_own_sitecustomize(tmp_path):
    """A finding whose line runs harmlessly is `not-reproduced`; a sitecustomize already on PYTHONPATH still runs."""
    pytest.importorskip("torch")
    (tmp_path / "train.py").write_text(textwrap.dedent("""\
        import os
        from contextlib import nullcontext

        import torch


        def update(w):
            w.sub_(0.1 * w.grad)


        w = torch.ones(2, requires_grad=True)
        (w * w).sum().backward()
        with torch.no_grad() if os.environ.get("THEIR_SITECUSTOMIZE") else nullcontext():  # opaque to the linter
            update(w)
        print("theirs:", os.environ.get("THEIR_SITECUSTOMIZE"))
    """))
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "sitecustomize.py").write_text("import os\nos.environ['THEIR_SITECUSTOMIZE'] = 'ran'\n")
    proc = cli("run", "--", sys.executable, "train.py", cwd=tmp_path, env_extra={"PYTHONPATH": os.pathsep.join(
        [str(ROOT), str(theirs)])})
    assert proc.returncode == 0, proc.stderr
    assert "theirs: ran" in proc.stdout
    assert "train.py:8:5: IPL001" in proc.stdout
    assert "= validation: not-reproduced: the line ran 1 time and nothing broke" in proc.stdout


@pytest.mark.slow
def test_run_timeout_kills_the_command(tmp_path):
    proc = cli("run", "--timeout", "2", "--", sys.executable, "-c", "while True: pass", cwd=tmp_path, timeout=120)
    assert proc.returncode != 0
    assert "timed out" in proc.stderr
