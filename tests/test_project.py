"""Whole-program analysis across files (analysis/project.py): helpers imported from other files of the project are
analysed at each call site; their findings land on their own lines, in their own file."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from inplace_lint.analysis.project import Project, import_closure
from inplace_lint.cli import cli as main

HELPERS = """\
def sgd_step(params, lr):
    for p in params:
        p.add_(-lr * p.grad)
"""

TRAIN = """\
import torch
import torch.nn as nn
from helpers import sgd_step

model = nn.Linear(4, 2)
model(torch.randn(3, 4)).sum().backward()
sgd_step(model.parameters(), 0.1)
"""

TRAIN_NO_GRAD = """\
import torch
import torch.nn as nn
from helpers import sgd_step

model = nn.Linear(4, 2)
model(torch.randn(3, 4)).sum().backward()
with torch.no_grad():
    sgd_step(model.parameters(), 0.1)
"""


def _project(tmp_path: Path, files) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def _lint(root: Path, *args: str):
    old = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *args],
                                    catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, json.loads(result.output)


def test_helper_in_another_file_without_torch_is_reported_on_its_own_line(tmp_path):
    root = _project(tmp_path, {"helpers.py": HELPERS, "train.py": TRAIN})
    code, found = _lint(root, "train.py")  # only the caller given: the helper is still read
    assert code == 1
    assert [(d["path"], d["line"], d["code"]) for d in found] == [("helpers.py", 3, "IPL001")]
    assert found[0]["related"] == [{"path": "train.py", "line": 7, "col": 1, "message": "reached from this call"}]
    assert "line 7 of `train.py`" in found[0]["message"]  # a line of the other file names it
    assert found[0]["fix"]["applicability"] == "display-only"  # a fix in another file is shown, not applied


def test_the_same_helper_reached_twice_is_one_finding(tmp_path):
    root = _project(tmp_path, {"helpers.py": HELPERS, "train.py": TRAIN, "train2.py": TRAIN})
    code, found = _lint(root, ".")
    assert code == 1
    assert [(d["path"], d["line"]) for d in found] == [("helpers.py", 3)]
    assert {r["path"] for r in found[0]["related"]} == {"train.py", "train2.py"}


def test_helper_called_under_no_grad_is_clean(tmp_path):
    root = _project(tmp_path, {"helpers.py": HELPERS, "train.py": TRAIN_NO_GRAD})
    assert _lint(root, ".") == (0, [])


def test_helper_decorated_no_grad_in_its_own_file_is_clean(tmp_path):
    helpers = "import torch\n\n\n@torch.no_grad()\n" + HELPERS
    root = _project(tmp_path, {"helpers.py": helpers, "train.py": TRAIN})
    assert _lint(root, ".") == (0, [])


def test_noqa_in_the_helper_file_suppresses(tmp_path):
    root = _project(tmp_path, {"helpers.py": HELPERS.replace("p.grad)", "p.grad)  # noqa: IPL001"),
                               "train.py": TRAIN})
    assert _lint(root, "train.py") == (0, [])


def test_relative_import_inside_a_package(tmp_path):
    root = _project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/optim/__init__.py": "",
        "pkg/optim/steps.py": HELPERS,
        "pkg/train.py": TRAIN.replace("from helpers import sgd_step", "from .optim.steps import sgd_step as step")
                             .replace("sgd_step(model", "step(model"),
    })
    code, found = _lint(root, "pkg/train.py")
    assert [(d["path"], d["line"]) for d in found] == [(os.path.join("pkg", "optim", "steps.py"), 3)]


def test_a_helper_calling_a_helper_of_its_own_file(tmp_path):
    helpers = """\
    def _update(p, lr):
        p.sub_(lr * p.grad)

    def sgd_step(params, lr):
        for p in params:
            _update(p, lr)
    """
    root = _project(tmp_path, {"helpers.py": helpers, "train.py": TRAIN})
    code, found = _lint(root, "train.py")
    assert [(d["path"], d["line"], d["code"]) for d in found] == [("helpers.py", 2, "IPL001")]


def test_files_outside_the_project_root_are_not_read(tmp_path):
    outside = tmp_path / "lib"
    _project(outside, {"helpers.py": HELPERS})
    inner = tmp_path / "proj"
    _project(inner, {"train.py": TRAIN})
    project = Project(str(inner / "train.py"))
    assert project.resolve("helpers", 0) is None
    assert project.resolve("lib.helpers", 0) is None


def test_unparsable_helper_is_skipped_quietly(tmp_path):
    root = _project(tmp_path, {"helpers.py": "def sgd_step(params, lr:\n", "train.py": TRAIN})
    code, found = _lint(root, "train.py")
    assert code == 0 and found == []


def test_import_closure_follows_imports_transitively(tmp_path):
    root = _project(tmp_path, {
        "a.py": "from b import f\n", "b.py": "from .c import g\nfrom os import path\n", "c.py": "def g(): pass\n",
    })
    assert [p.name for p in import_closure(str(root / "a.py"), (root / "a.py").read_text())] == ["b.py", "c.py"]


@pytest.mark.slow
def test_cache_entry_goes_stale_when_the_helper_changes(tmp_path):
    root = _project(tmp_path, {"helpers.py": HELPERS, "train.py": TRAIN})
    cache = ["--cache-dir", str(tmp_path / "cache")]
    old = os.getcwd()
    os.chdir(root)
    try:
        run = CliRunner()
        first = run.invoke(main, ["check", *cache, "train.py"], catch_exceptions=False)
        assert first.exit_code == 1
        (root / "helpers.py").write_text("import torch\n\n\n" + HELPERS.replace(
            "        p.add_(", "        with torch.no_grad():\n            p.add_("))
        second = run.invoke(main, ["check", *cache, "train.py"], catch_exceptions=False)
        assert second.exit_code == 0, second.output
        (root / "helpers.py").write_text(HELPERS)
        third = run.invoke(main, ["check", *cache, "train.py"], catch_exceptions=False)
        assert third.exit_code == 1
    finally:
        os.chdir(old)


def test_a_helper_file_is_parsed_only_for_the_functions_called(tmp_path, monkeypatch):
    """The imported file is read, not parsed: its imports and each called function are parsed alone (the rest of the
    text blanked, lines kept), so a 5,000-line module costs one small parse per helper that is called with
    something known, and positions are still the file's own."""
    import libcst

    from inplace_lint.analysis import project as project_mod

    body = "\n".join(f"def unused_{i}(x):\n    return x + {i}\n" for i in range(300))
    helpers = ("import math\n\n" + body + "\n\n" + HELPERS + "\n\nclass Big:\n    def m(self):\n        pass\n")
    (tmp_path / "helpers.py").write_text(helpers)
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "pyproject.toml").write_text("")
    project_mod._PARSED.clear()
    sizes = []
    real_parse = libcst.parse_module
    monkeypatch.setattr(project_mod.cst, "parse_module",
                        lambda text, *a, **k: sizes.append(len(text.strip())) or real_parse(text, *a, **k))
    home = Project(str(tmp_path / "train.py")).function("helpers", 0, "sgd_step")
    assert home is not None and sizes == []  # found by its text alone
    assert len(home.function_names) == 301 and home.imports == {"math": "math"}
    node = home.function("sgd_step")
    assert node is not None and node.name.value == "sgd_step"
    assert len(sizes) == 2 and all(size < 200 for size in sizes)  # the import line; the helper's 3 lines
    assert home.position(node.body.body[0]).start.line == helpers.splitlines().index("def sgd_step(params, lr):") + 2
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "train.py"])
    assert "helpers.py:" in result.output and "IPL001" in result.output, result.output


def test_cache_entry_depends_on_the_files_the_analysis_consulted(tmp_path):
    """An entry is stale when a file the analysis looked a helper up in changes, not when any file it imports
    transitively does: train.py calls helpers.sgd_step; helpers.py imports utils.py, which nothing follows."""
    root = _project(tmp_path, {"helpers.py": "from utils import scale\n" + HELPERS,
                               "utils.py": "def scale(x):\n    return x\n", "train.py": TRAIN})
    cache = ["--cache-dir", str(tmp_path / "cache")]
    old = os.getcwd()
    os.chdir(root)
    try:
        def cached() -> str:
            result = CliRunner().invoke(main, ["check", *cache, "-v", "train.py"], catch_exceptions=False)
            assert result.exit_code == 1 and "IPL001" in result.output
            return next(line for line in result.output.splitlines() if "checked 1 file" in line)

        assert "0 from the cache" in cached()
        assert "1 from the cache" in cached()
        (root / "utils.py").write_text("def scale(x):\n    return 2 * x\n")
        assert "1 from the cache" in cached()  # utils.py was never consulted for train.py
        (root / "helpers.py").write_text("from utils import scale\n\n" + HELPERS)
        assert "0 from the cache" in cached()  # helpers.py was
    finally:
        os.chdir(old)
