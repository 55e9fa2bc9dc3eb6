"""The three examples of the Q&A answer that started the project (``../shared/seed/inplace-updates-answer.md``).

The answer claims all three compute correct gradients. Under torch 2.13, Examples 1 and 3 raise the leaf error at
``y.add_(1)`` (``y`` is a detached copy made a leaf that requires grad); Example 2 runs, because
``autograd.Function.forward`` runs with grad mode off. Copies live in ``tests/snippets/seed_example{1,2,3}.py`` so
the tests run without the shared folder; when the seed is present, the copies must still match it.
"""
from __future__ import annotations

import re
import traceback
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "tests" / "snippets"
SEED = ROOT.parent / "shared" / "seed" / "inplace-updates-answer.md"
LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
FILENAME = "<seed>"


def snippet(n: int) -> str:
    return (SNIPPETS / f"seed_example{n}.py").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if line.lstrip().startswith(needle)]
    assert len(hits) == 1, f"{needle!r} starts lines {hits}"
    return hits[0]


def run(code: str):
    """(namespace, exception or None, failing line in the snippet or None)."""
    torch = pytest.importorskip("torch")
    ns = {"__name__": "__main__"}
    grad_enabled = torch.is_grad_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(compile(code, FILENAME, "exec"), ns)
        except Exception as exc:  # noqa: BLE001 - the exception is the result
            lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
            return ns, exc, lines[-1] if lines else None
        finally:
            torch.set_grad_enabled(grad_enabled)
    return ns, None, None


def test_copies_match_the_seed():
    if not SEED.is_file():
        pytest.skip(f"{SEED} not present")
    blocks = re.findall(r"^```python\n(.*?)^```", SEED.read_text(encoding="utf-8"), re.S | re.M)
    assert blocks == [snippet(1), snippet(2), snippet(3)]


@pytest.mark.parametrize("n", [1, 3])
def test_examples_1_and_3_raise_the_leaf_error_at_add_(n):
    code = snippet(n)
    _, exc, line = run(code)
    assert isinstance(exc, RuntimeError) and LEAF_ERROR in str(exc), repr(exc)
    assert line == line_of(code, "y.add_(1)")


def test_example_2_runs_with_correct_gradient():
    torch = pytest.importorskip("torch")
    ns, exc, _ = run(snippet(2))
    assert exc is None, repr(exc)
    # backward returns grad_output.clone() and loss = y.sum(): dloss/dx is all ones.
    assert torch.equal(ns["x"].grad, torch.ones(3))


def findings(code: str):
    from inplace_lint.registry import analyze_source

    return {(d.line, d.code) for d in analyze_source(code, "seed.py")}


def test_example_1_statically():
    code = snippet(1)
    assert findings(code) == {(line_of(code, "y.add_(1)"), "IPL001"),
                              (line_of(code, "y = x.clone().detach()"), "IPL006")}


def test_example_3_statically():
    code = snippet(3)
    # z.mul_(2) is never reached at run time (y.add_(1) raises first), but z is a leaf that requires grad too.
    assert findings(code) == {(line_of(code, "y.add_(1)"), "IPL001"),
                              (line_of(code, "y = x.clone().detach()"), "IPL006"),
                              (line_of(code, "z.mul_(2)"), "IPL001")}


def test_example_2_statically():
    # Everything happens inside autograd.Function.forward (grad mode off); the module-level x.grad is of another x.
    assert findings(snippet(2)) == set()


def test_cli_flags_the_seed_without_torch(tmp_path):
    """The static checker must work where torch is not installed (a pre-commit hook must not pull it in)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from inplace_lint.cli import main\n"
        "main(['--no-cache', '--format', 'json', *sys.argv[1:]])\n"
    )
    files = [str(SNIPPETS / f"seed_example{i}.py") for i in (1, 2, 3)]
    import os

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code, *files], capture_output=True, text=True, cwd=tmp_path,
                          env=env)
    assert proc.returncode == 1, proc.stderr
    import json

    found = {(Path(d["path"]).name, d["code"]) for d in json.loads(proc.stdout)}
    assert ("seed_example1.py", "IPL001") in found and ("seed_example1.py", "IPL006") in found
    assert ("seed_example3.py", "IPL001") in found and ("seed_example3.py", "IPL006") in found
    assert not any(name == "seed_example2.py" for name, _ in found)
