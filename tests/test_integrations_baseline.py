"""--baseline / --write-baseline: adopt the checker without fixing everything first."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from inplace_lint.baseline import BaselineError, apply_baseline, load_baseline, write_baseline
from inplace_lint.cli import cli
from inplace_lint.diagnostics import Diagnostic

OLD = """\
import torch

w = torch.zeros(3, requires_grad=True)
w.add_(1)
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def run(*args):
    return CliRunner().invoke(cli, ["--no-cache", *args])


def findings(result):
    return [(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)]


def test_write_then_use_a_baseline(write):
    write("train.py", OLD)
    written = run("--write-baseline", "baseline.json", ".")
    assert written.exit_code == 0
    assert "recorded 1 finding in baseline.json" in written.stderr
    data = json.loads(Path("baseline.json").read_text())
    assert data["version"] == 1
    (entry,) = data["findings"]
    assert (entry["path"], entry["code"], entry["count"]) == ("train.py", "IPL001", 1)
    clean = run("--baseline", "baseline.json", ".")
    assert clean.exit_code == 0 and "All checks passed!" in clean.stdout


def test_line_shifts_do_not_resurface_old_findings_but_new_ones_show(write):
    write("train.py", OLD)
    run("--write-baseline", "baseline.json", "train.py")
    # lines above move everything down; a new finding is added; the old one stays
    write("train.py", '"""Docs."""\nimport os\n\n' + OLD + "b = torch.ones(2, requires_grad=True)\nb.mul_(2)\n")
    result = run("--baseline", "baseline.json", "--format", "json", "train.py")
    assert result.exit_code == 1
    assert findings(result) == [("train.py", 9, "IPL001")]


def test_counts_a_third_copy_is_new(write):
    write("a.py", OLD + "w.add_(1)\n")
    run("--write-baseline", "baseline.json", "a.py")
    assert json.loads(Path("baseline.json").read_text())["findings"][0]["count"] == 2
    assert run("--baseline", "baseline.json", "a.py").exit_code == 0
    write("a.py", OLD + "w.add_(1)\nw.add_(1)\n")
    result = run("--baseline", "baseline.json", "--format", "json", "a.py")
    assert findings(result) == [("a.py", 6, "IPL001")]  # the later copy is reported


def test_baseline_paths_are_relative_to_the_baseline_file(write):
    write("proj/src/train.py", OLD)
    os.chdir("proj")
    run("--write-baseline", "ci/baseline.json", "src")
    assert json.loads(Path("ci/baseline.json").read_text())["findings"][0]["path"] == "../src/train.py"
    os.chdir("src")
    assert run("--baseline", "../ci/baseline.json", "train.py").exit_code == 0


def test_same_statement_in_another_file_or_rule_is_new(write):
    write("a.py", OLD)
    run("--write-baseline", "b.json", "a.py")
    write("b.py", OLD)
    result = run("--baseline", "b.json", "--format", "json", "a.py", "b.py")
    assert findings(result) == [("b.py", 4, "IPL001")]


@pytest.mark.parametrize("content, message", [
    (None, "baseline file not found"),
    ("{", "invalid JSON"),
    ('{"version": 1}', "no 'findings' list"),
    ('{"version": 7, "findings": []}', "unsupported baseline version"),
    ('{"version": 1, "findings": [{"path": "a.py"}]}', "malformed entry"),
])
def test_bad_baseline_exits_2(write, content, message):
    write("a.py", OLD)
    if content is not None:
        write("b.json", content)
    result = run("--baseline", "b.json", "a.py")
    assert result.exit_code == 2
    assert message in result.stderr


def test_api_without_fingerprint_uses_code_and_message(tmp_path):
    d = Diagnostic("a.py", 1, 1, 1, 2, "IPL900", "syntax-error", "error", "syntax error: invalid syntax")
    moved = Diagnostic("a.py", 7, 3, 7, 4, "IPL900", "syntax-error", "error", "syntax error: invalid syntax")
    assert write_baseline(tmp_path / "b.json", [d]) == 1
    kept, matched = apply_baseline([moved], load_baseline(tmp_path / "b.json"), tmp_path / "b.json")
    assert (kept, matched) == ([], 1)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(BaselineError):
        write_baseline(tmp_path / "a-file" / "b.json", [d])
