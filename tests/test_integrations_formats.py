"""``--format github`` (workflow commands) and ``--format junit``."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from inplace_lint.cli import cli
from inplace_lint.diagnostics import Diagnostic, Fix
from inplace_lint.report.github import escape_data, escape_property, format_annotation

# GitHub's documented shape: ::error file={name},line={line},endLine={endLine},title={title}::{message}
ANNOTATION = re.compile(r"^::(error|warning) file=[^,:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[^,:]+::.*$")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def run(*args):
    return CliRunner().invoke(cli, ["--no-cache", *args])


def diag(**kw):
    base = dict(path="a.py", line=2, col=1, end_line=2, end_col=10, code="IPL001", name="inplace-on-leaf",
                severity="error", message="boom")
    base.update(kw)
    return Diagnostic(**base)


def test_github_annotations(write, fake_analyzer):
    write("a.py", "import torch\nw.add_(1)\nw.zero_()\n")
    write("clean.py", "x = 1\n")
    result = run("--format", "github", "a.py", "clean.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "::error file=a.py,line=2,col=1,endLine=2,endColumn=10,title=IPL001::"
        "in-place `add_` flagged%0Ahelp: Wrap the statement in `with torch.no_grad():`",
        "::warning file=a.py,line=3,col=1,endLine=3,endColumn=10,title=IPL004::"
        "in-place `zero_` flagged%0Ahelp: Clone before mutating",
    ]
    assert all(ANNOTATION.match(line) for line in lines)


def test_github_clean_run_prints_nothing(write, fake_analyzer):
    write("clean.py", "x = 1\n")
    result = run("--format", "github", "clean.py")
    assert result.exit_code == 0 and result.stdout == ""


def test_github_escaping():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"
    line = format_annotation(diag(path="dir,x/we:ird%.py", message="50% of `a,b`: x\ny"))
    assert line == ("::error file=dir%2Cx/we%3Aird%25.py,line=2,col=1,endLine=2,endColumn=10,title=IPL001::"
                    "50%25 of `a,b`: x%0Ay")
    assert ANNOTATION.match(line)


def test_github_windows_paths_and_notebook_cells():
    line = format_annotation(diag(path="sub\\nb.ipynb", severity="warning", cell=(5, 2),
                                  fix=Fix("do this", "safe")))
    assert line.startswith("::warning file=sub/nb.ipynb,line=2,")
    assert line.endswith("::cell 5, line 2: boom%0Ahelp: do this")


def test_junit_one_testcase_per_file_failures_per_finding(write, fake_analyzer):
    write("a.py", "import torch\nw.add_(1)\nw.zero_()\n")
    write("clean.py", "x = 1\n")
    result = run("--format", "junit", "a.py", "clean.py", "missing.py")
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.get("tests") == "3" and suite.get("failures") == "2" and suite.get("errors") == "1"
    cases = {case.get("name"): case for case in suite}
    assert list(cases) == ["a.py", "clean.py", "missing.py"]
    failures = cases["a.py"].findall("failure")
    assert [f.get("type") for f in failures] == ["IPL001", "IPL004"]
    assert failures[0].get("message") == "2:1: IPL001 in-place `add_` flagged"
    assert failures[0].text.startswith("a.py:2:1: IPL001 in-place `add_` flagged\nhelp: ")
    assert list(cases["clean.py"]) == []
    assert cases["missing.py"].find("error") is not None


def test_junit_escapes_xml(write, monkeypatch):
    from inplace_lint import engine

    monkeypatch.setattr(engine, "analyze_for_fixes",
                        lambda text, path: (None, text, [diag(path=path, message='<&"> ]]>')]))
    write("a.py", "x = 1\n")
    result = run("--format", "junit", "a.py")
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == '2:1: IPL001 <&"> ]]>'


def test_every_format_is_listed_in_help():
    result = CliRunner().invoke(cli, ["check", "--help"])
    for name in ("text", "json", "sarif", "github", "junit"):
        assert name in result.stdout
