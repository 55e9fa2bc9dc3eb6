"""The command line, through click's CliRunner and as a real ``python -m inplace_lint`` subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from inplace_lint import __version__, cli as cli_module
from inplace_lint.cli import cli

REPO = Path(__file__).resolve().parent.parent
JSON_KEYS = {"path", "line", "col", "end_line", "end_col", "code", "name", "severity", "message", "fix",
             "validation"}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.fixture
def project(write, fake_analyzer):
    """a.py with two findings (one fixable), clean.py with none."""
    write("a.py", "import torch\nw.add_(1)\nw.zero_()\n")
    write("clean.py", "x = 1\n")


# ---------------------------------------------------------------------------------------------------------------
# Exit codes


def test_findings_exit_1_with_ruff_like_text(project):
    result = run("a.py", "clean.py")
    assert result.exit_code == 1
    assert result.stdout == (
        "a.py:2:1: IPL001 [*] in-place `add_` flagged\n"
        "  |\n"
        "2 | w.add_(1)\n"
        "  | ^^^^^^^^^\n"
        "  |\n"
        "  = help: Wrap the statement in `with torch.no_grad():`\n"
        "\n"
        "a.py:3:1: IPL004 in-place `zero_` flagged\n"
        "  |\n"
        "3 | w.zero_()\n"
        "  | ^^^^^^^^^\n"
        "  |\n"
        "  = help: Clone before mutating\n"
        "      y = x.clone()\n"
        "      y.zero_()\n"
        "\n"
        "Found 2 problems (1 error, 1 warning).\n"
        "[*] 1 fixable with --fix\n"
    )
    assert result.stderr == ""


def test_clean_exit_0(project):
    result = run("clean.py")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


def test_exit_zero(project):
    assert run("--exit-zero", "a.py").exit_code == 0


def test_missing_path_exit_2_even_with_exit_zero(project):
    result = run("--exit-zero", "a.py", "nope.py")
    assert result.exit_code == 2
    assert result.stderr == "inplace-lint: error: path not found: nope.py\n"
    assert "a.py:2:1: IPL001" in result.stdout  # the other paths are still linted


def test_no_paths_lints_cwd(project):
    result = run()
    assert result.exit_code == 1 and "a.py:2:1" in result.stdout
    assert run("check").stdout == result.stdout


def test_syntax_error_and_other_files(write, fake_analyzer):
    write("bad.py", "def f(:\n    pass\n")
    write("good.py", "w.add_(1)\n")
    result = run("-q", "--output-format=concise", ".")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["bad.py:1:7: IPL900 syntax error: invalid syntax",
                                          "good.py:1:1: IPL001 [*] in-place `add_` flagged"]


def test_unreadable_files(write, fake_analyzer):
    write("bin.py", data=b"\x00\x01")
    write("latin.py", data=b"s = 'caf\xe9'\n")
    write("cookie.py", data=b"# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n")
    result = run("-q", "--output-format=concise", ".")
    assert [line.split(" ")[:2] for line in result.stdout.splitlines()] == [
        ["bin.py:1:1:", "IPL901"], ["latin.py:1:1:", "IPL901"]]


def test_internal_error_is_one_message_not_a_traceback(project, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(cli_module, "lint_paths", crash)
    result = run("a.py")
    assert result.exit_code == 2
    assert result.stderr.startswith("inplace-lint: internal error: RuntimeError: unexpected\n")
    assert "report" in result.stderr and "Traceback" not in result.stderr


def test_analyzer_crash_on_one_file(write, monkeypatch):
    write("a.py", "x = 1\n")
    monkeypatch.setattr("inplace_lint.engine.analyze_for_fixes", lambda s, p: 1 / 0)
    result = run("a.py")
    assert result.exit_code == 2
    assert result.stderr == "a.py: internal error: ZeroDivisionError: division by zero\n"


# ---------------------------------------------------------------------------------------------------------------
# Options


def test_stdin_with_stdin_filename(write, fake_analyzer):
    write("pyproject.toml", '[tool.inplace-lint]\nper-file-ignores = { "tests/**" = ["IPL004"] }\n')
    result = run("-q", "--output-format=concise", "--stdin-filename", "tests/t.py", "-", input="x.add_(1)\nx.zero_()\n")
    assert result.exit_code == 1
    assert result.stdout == f"{os.path.join('tests', 't.py')}:1:1: IPL001 [*] in-place `add_` flagged\n"
    # --stdin-filename alone implies `-`
    assert run("-q", "--output-format=concise", "--stdin-filename", "x.py", input="x.zero_()\n").stdout.startswith("x.py:1:1: IPL004")


def test_select_ignore_prefixes(project):
    def codes(*args):
        return [line.split()[1] for line in run("-q", "--output-format=concise", *args, "a.py").stdout.splitlines()]

    assert codes() == ["IPL001", "IPL004"]
    assert codes("--select", "IPL004") == ["IPL004"]
    assert codes("--select", "IPL0", "--ignore", "IPL001") == ["IPL004"]
    assert codes("--select", "IPL001", "--ignore", "IPL0") == ["IPL001"]
    assert codes("--select", "IPL9", "--extend-select", "IPL001,IPL004") == ["IPL001", "IPL004"]
    assert codes("--ignore", "IPL001", "--ignore", "IPL004") == []
    assert run("--select", "IPL9", "a.py").exit_code == 0


def test_unknown_code_in_select_exits_2(project):
    result = run("--select", "IPL777", "a.py")
    assert result.exit_code == 2
    assert result.stderr.startswith("inplace-lint: error: unknown rule code 'IPL777' in --select")
    assert len(result.stderr.splitlines()) == 1


def test_unknown_config_key_exits_2_naming_it(project, write):
    write("pyproject.toml", '[tool.inplace-lint]\nselcet = ["IPL001"]\n')
    result = run("a.py")
    assert result.exit_code == 2
    assert "unknown key 'selcet'" in result.stderr and "pyproject.toml" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert run("--no-config", "a.py").exit_code == 1


def test_config_file_option(project, write):
    write("conf/inplace-lint.toml", 'ignore = ["IPL001", "IPL004"]\n')
    assert run("--config", "conf/inplace-lint.toml", "a.py").exit_code == 0
    result = run("--config", "conf/inplace-lint.toml", "--no-config", "a.py")
    assert result.exit_code == 2 and "mutually exclusive" in result.stderr


def test_exclude_and_default_excludes(write, fake_analyzer):
    write("pyproject.toml", '[tool.inplace-lint]\nexclude = ["generated/"]\n')
    for rel in ("generated/g.py", ".venv/lib/v.py", "build/b.py", "src/s.py"):
        write(rel, "x.add_(1)\n")
    assert run("-q", "--output-format=concise", ".").stdout == f"{os.path.join('src', 's.py')}:1:1: IPL001 [*] in-place `add_` flagged\n"
    assert run("-q", "--output-format=concise", "generated/g.py").stdout.startswith("generated")  # explicit files are linted...
    assert run("-q", "--output-format=concise", "--force-exclude", "generated/g.py").stdout == ""  # ...unless --force-exclude


def test_json_output(project):
    result = run("--format", "json", "a.py", "clean.py")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [set(d) for d in data] == [JSON_KEYS, JSON_KEYS]
    assert data[0] == {"path": "a.py", "line": 2, "col": 1, "end_line": 2, "end_col": 10, "code": "IPL001",
                       "name": "inplace-on-leaf", "severity": "error", "message": "in-place `add_` flagged",
                       "fix": {"description": "Wrap the statement in `with torch.no_grad():`",
                               "applicability": "safe",
                               "edits": [{"location": {"line": 2, "col": 1}, "end_location": {"line": 3, "col": 1},
                                          "content": "with torch.no_grad():\n    w.add_(1)\n"}]},
                       "validation": None}
    assert json.loads(run("--format", "json", "clean.py").stdout) == []


def test_statistics(project, write):
    write("b.py", "x.add_(1)\nx.mul_(1)\n")
    result = run("--statistics", ".")
    assert result.exit_code == 1
    assert result.stdout == (
        "2  IPL001  [*] inplace-on-leaf\n"
        "1  IPL002      inplace-on-leaf-view\n"
        "1  IPL004      data-mutation\n"
        "\n"
        "Found 4 problems (3 errors, 1 warning).\n"
        "[*] 2 fixable with --fix\n")
    stats = json.loads(run("--statistics", "--format", "json", ".").stdout)
    assert stats[0] == {"code": "IPL001", "name": "inplace-on-leaf", "count": 2, "fixable": 2}


def test_quiet_and_no_show_source(project):
    assert run("-q", "--output-format=concise", "a.py").stdout == ("a.py:2:1: IPL001 [*] in-place `add_` flagged\n"
                                        "a.py:3:1: IPL004 in-place `zero_` flagged\n")
    out = run("--no-show-source", "a.py").stdout
    assert "2 | w.add_(1)" not in out and "= help: Wrap" in out and out.endswith("fixable with --fix\n")


def test_caret_for_multiline_span_and_tabs(write, fake_analyzer):
    write("m.py", "if x:\n\tfoo(1, y.add_(\n\t\t2))\n")
    out = run("m.py").stdout
    assert "2 |     foo(1, y.add_(\n  |            ^^^^^^^\n" in out  # clipped to the first line


def test_color(project, monkeypatch):
    assert "\x1b[" in run("--color", "always", "a.py").stdout
    assert "\x1b[" not in run("--color", "never", "a.py").stdout
    assert "\x1b[" not in run("a.py").stdout  # auto: not a terminal
    assert "\x1b[" not in run("--format", "json", "--color", "always", "a.py").stdout


# ---------------------------------------------------------------------------------------------------------------
# Subcommands


def test_version():
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"inplace-lint {__version__}\n")


def test_rules_table_and_json(fake_rules):
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "FIX", "SUMMARY"]
    assert lines[1].split()[:4] == ["IPL001", "inplace-on-leaf", "error", "safe"]
    assert [line.split()[0] for line in lines[1:]] == ["IPL001", "IPL002", "IPL004", "IPL900", "IPL901", "IPL902"]
    data = json.loads(run("rules", "--format", "json").stdout)
    assert data[2] == {"code": "IPL004", "name": "data-mutation", "severity": "warning", "fix": "display-only",
                       "summary": "Fake rule data-mutation"}


def test_explain(fake_rules):
    by_code = run("explain", "IPL001")
    assert by_code.exit_code == 0 and by_code.stdout.startswith("# IPL001 `inplace-on-leaf`\n")
    assert "---" not in by_code.stdout.splitlines()[0]
    assert run("explain", "inplace-on-leaf").stdout == by_code.stdout
    unknown = run("explain", "IPL555")
    assert unknown.exit_code == 2
    assert unknown.stderr == ("inplace-lint: error: unknown rule 'IPL555'; valid codes: IPL001, IPL002, IPL004, "
                              "IPL900, IPL901, IPL902\n")


def test_subcommand_names_win_over_paths(write, fake_analyzer):
    write("rules/r.py", "x.add_(1)\n")
    assert run("rules").stdout.startswith("CODE")
    assert run("-q", "--output-format=concise", "check", "rules").stdout.startswith(f"{os.path.join('rules', 'r.py')}:1:1: IPL001")
    assert run("-q", "--output-format=concise", "./rules").exit_code == 1


def test_usage_error_exits_2():
    result = run("--format", "xml", ".")
    assert result.exit_code == 2 and "Invalid value for '--output-format' / '--format'" in result.stderr


# ---------------------------------------------------------------------------------------------------------------
# As a real process


# Installs the fake analyzer in the child process, so these tests do not depend on the real one.
SITECUSTOMIZE = """
import sys
sys.path.insert(0, {tests!r})
import conftest
import inplace_lint.engine
inplace_lint.engine.analyze_for_fixes = conftest.fake_analyze_for_fixes
"""


@pytest.fixture
def inplace_lint(tmp_path_factory):
    """Run `python -m inplace_lint ARGS` (with the fake analyzer unless real=True)."""
    site = tmp_path_factory.mktemp("site")
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(tests=str(REPO / "tests")))

    def _run(*args, input=None, real=False, env=None):
        path = [str(REPO)] if real else [str(site), str(REPO)]
        full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), **(env or {})}
        return subprocess.run([sys.executable, "-m", "inplace_lint", *args], input=input, capture_output=True,
                              text=True, env=full_env)
    return _run


@pytest.mark.slow
def test_subprocess_version_and_exit_codes(write, inplace_lint):
    write("clean.py", "x = 1\n")
    assert inplace_lint("--version").stdout == f"inplace-lint {__version__}\n"
    ok = inplace_lint("clean.py")
    assert (ok.returncode, ok.stdout) == (0, "All checks passed!\n")
    missing = inplace_lint("nope.py")
    assert (missing.returncode, missing.stderr) == (2, "inplace-lint: error: path not found: nope.py\n")
    bad = inplace_lint("--select", "NOPE", "clean.py")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_subprocess_binary_file_and_stdin(write, inplace_lint):
    write("bin.py", data=b"\x00")
    proc = inplace_lint("-q", "--output-format=concise", "bin.py")
    assert (proc.returncode, proc.stdout) == (1, "bin.py:1:1: IPL901 file contains NUL bytes (binary file?)\n")
    clean = inplace_lint("--stdin-filename", "s.py", "-", input="x = 1\n")
    assert (clean.returncode, clean.stdout) == (0, "All checks passed!\n")
    found = inplace_lint("-q", "--output-format=concise", "--stdin-filename", "s.py", "-", input="x = 1\nx.add_(1)\n")
    assert (found.returncode, found.stdout) == (1, "s.py:2:1: IPL001 [*] in-place `add_` flagged\n")


def test_subprocess_real_analyzer(write, inplace_lint):
    write("t.py", "import torch\nw = torch.randn(3, requires_grad=True)\nw.add_(1)\n")
    proc = inplace_lint("--format", "json", "t.py", real=True, env={"INPLACE_LINT_RULES_DIR": ""})
    assert proc.returncode == 1, proc.stderr
    assert [(d["line"], d["col"], d["code"]) for d in json.loads(proc.stdout)] == [(3, 1, "IPL001")]
