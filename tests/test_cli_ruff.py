"""Issue #18: the command line a ruff user expects -- .gitignore, config per file, notebooks on stdin, ruff's option
names, no silent "nothing checked", colour variables, unreadable paths as a normal user."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from inplace_lint import catalog, config
from inplace_lint.cli import cli

REPO = Path(__file__).resolve().parent.parent
BAD = "import torch\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n"
NOTEBOOK = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "code", "source": ["import torch\n", "w = torch.ones(2, requires_grad=True)\n"],
     "metadata": {}, "outputs": [], "execution_count": 1},
    {"cell_type": "markdown", "source": ["text"], "metadata": {}},
    {"cell_type": "code", "source": ["w.mul_(2)\n"], "metadata": {}, "outputs": [], "execution_count": 2}]}, indent=1)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "INPLACE_LINT_OUTPUT_FORMAT", "INPLACE_LINT_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)


def run(*args, input=None, env=None):
    return CliRunner().invoke(cli, ["--no-cache" if a == "@nc" else a for a in args], input=input, env=env)


def files(*args):
    result = run("--show-files", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


# ---------------------------------------------------------------------------------------------------------------
# 3. .gitignore


def test_gitignore_is_respected_by_default(write, tmp_path):
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("local_*.py\n")
    write(".gitignore", "# generated\ngen/\n*_pb2.py\n!keep_pb2.py\n/top.py\n")
    write("pkg/.gitignore", "scratch.py\n")
    for name in ("a.py", "gen/g.py", "x_pb2.py", "keep_pb2.py", "top.py", "sub/top.py", "local_1.py",
                 "pkg/scratch.py", "pkg/b.py", "scratch.py"):
        write(name, "x = 1\n")
    assert files(".") == ["a.py", "keep_pb2.py", "pkg/b.py", "scratch.py", "sub/top.py"]
    assert len(files("--no-respect-gitignore", ".")) == 10
    write("pyproject.toml", "[tool.inplace-lint]\nrespect-gitignore = false\n")
    assert len(files(".")) == 10
    assert len(files("--respect-gitignore", ".")) == 5  # the command line wins over the config


def test_gitignore_explicit_files_and_force_exclude(write, tmp_path):
    (tmp_path / ".git").mkdir()
    write(".gitignore", "gen/\n")
    write("gen/g.py", BAD)
    assert files("gen/g.py") == ["gen/g.py"]  # given explicitly: checked, as ruff does
    assert files("--force-exclude", "gen/g.py") == []
    result = run("@nc", "--force-exclude", "--stdin-filename", "gen/s.py", "-", input=BAD)
    assert result.exit_code == 0 and "IPL001" not in result.stdout


def test_gitignore_outside_a_repository_ignores_nothing(write):
    write(".gitignore", "*.py\n")
    write("a.py", "x = 1\n")
    assert files(".") == ["a.py"]


# ---------------------------------------------------------------------------------------------------------------
# 4. Config per file


@pytest.fixture
def monorepo(write, fake_analyzer):
    write("pkgA/pyproject.toml", '[tool.inplace-lint]\nignore = ["IPL001"]\nexclude = ["gen/"]\n')
    write("pkgA/a.py", "w.add_(1)\nw.zero_()\n")
    write("pkgA/gen/g.py", "w.add_(1)\n")
    write("pkgB/inplace-lint.toml", 'ignore = ["IPL004"]\n[per-file-ignores]\n"tests/*" = ["IPL001"]\n')
    write("pkgB/b.py", "w.add_(1)\nw.zero_()\n")
    write("pkgB/tests/t.py", "w.add_(1)\nw.zero_()\n")
    write("other.py", "w.add_(1)\nw.zero_()\n")


def _found(result):
    return sorted((d["path"], d["code"]) for d in json.loads(result.stdout))


def test_each_file_gets_its_nearest_config_whatever_the_order(monorepo):
    one = run("@nc", "--output-format", "json", "pkgA", "pkgB", "other.py")
    two = run("@nc", "--output-format", "json", "other.py", "pkgB", "pkgA")
    assert one.exit_code == two.exit_code == 1
    assert _found(one) == _found(two) == [
        ("other.py", "IPL001"), ("other.py", "IPL004"),  # no config above it: the defaults
        ("pkgA/a.py", "IPL004"),  # pkgA ignores IPL001 (and excludes gen/)
        ("pkgB/b.py", "IPL001"),  # pkgB ignores IPL004; its per-file-ignores (rooted at pkgB/) silence tests/
    ]
    # each file alone (pre-commit passes any subset) gets the same as in the whole run
    for path in ("pkgA/a.py", "pkgB/b.py", "pkgB/tests/t.py", "other.py"):
        alone = run("@nc", "--output-format", "json", path)
        assert _found(alone) == [f for f in _found(one) if f[0] == path], path


def test_show_settings_names_the_config_file(monorepo, tmp_path):
    result = run("--show-settings", "pkgA/a.py")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Resolved settings for: pkgA/a.py"
    assert f'config file = "{tmp_path / "pkgA" / "pyproject.toml"}"' in lines
    enabled = json.loads(next(line for line in lines if line.startswith("enabled = ")).split(" = ", 1)[1])
    assert "IPL001" not in enabled and "IPL004" in enabled
    assert 'exclude = ["gen/"]' in lines
    assert "config file = none (defaults)" in run("--show-settings", "other.py").stdout
    assert files("pkgA") == ["pkgA/a.py"]


def test_settings_for_is_the_runs_resolution(monorepo, tmp_path):
    here = config.settings_for(tmp_path / "pkgB" / "tests" / "t.py")
    assert here.config_path == tmp_path / "pkgB" / "inplace-lint.toml"
    assert not here.is_enabled("IPL004") and here.is_enabled("IPL001")
    assert here.ignored_codes(tmp_path / "pkgB" / "tests" / "t.py") == ["IPL001"]
    assert config.settings_for(tmp_path / "other.py").config_path is None
    assert config.settings_for(tmp_path / "pkgA" / "a.py", no_config=True).is_enabled("IPL001")


def test_a_bad_config_below_is_exit_2_naming_it(monorepo, write):
    write("pkgC/pyproject.toml", '[tool.inplace-lint]\nselekt = ["IPL001"]\n')
    write("pkgC/c.py", "w.add_(1)\n")
    result = run("@nc", ".")
    assert result.exit_code == 2
    assert "pkgC/pyproject.toml: unknown key 'selekt'" in result.stderr and "Traceback" not in result.output


def test_explicit_config_applies_to_every_file(monorepo, write):
    write("all.toml", 'ignore = ["IPL001", "IPL004"]\n')
    assert run("@nc", "--config", "all.toml", "pkgA", "pkgB", "other.py").exit_code == 0


# ---------------------------------------------------------------------------------------------------------------
# 5. Notebooks on stdin


def test_notebook_on_stdin_is_read_as_a_notebook():
    result = run("@nc", "--output-format", "concise", "--stdin-filename", "nb.ipynb", "-", input=NOTEBOOK)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("nb.ipynb:cell 3:1:1: IPL001 [*] In-place `mul_` on `w`")
    fixed = run("@nc", "--fix", "--stdin-filename", "nb.ipynb", "-", input=NOTEBOOK)
    assert fixed.exit_code == 0, fixed.output
    cells = json.loads(fixed.stdout)["cells"]
    assert cells[2]["source"] == ["with torch.no_grad():\n", "    w.mul_(2)\n"]
    assert cells[1] == json.loads(NOTEBOOK)["cells"][1]


# ---------------------------------------------------------------------------------------------------------------
# 7. ruff's names


def test_output_format_alias_and_environment_variable(write):
    write("a.py", BAD)
    by_name = run("@nc", "--output-format", "github", "a.py")
    assert by_name.exit_code == 1 and by_name.stdout.startswith("::error file=a.py,line=3")
    assert run("@nc", "--format", "github", "a.py").stdout == by_name.stdout
    assert run("@nc", "a.py", env={"INPLACE_LINT_OUTPUT_FORMAT": "github"}).stdout == by_name.stdout
    # the command line wins over the environment
    assert run("@nc", "--output-format", "concise", "a.py",
               env={"INPLACE_LINT_OUTPUT_FORMAT": "github"}).stdout.startswith("a.py:3:1: IPL001")
    bad = run("@nc", "a.py", env={"INPLACE_LINT_OUTPUT_FORMAT": "xml"})
    assert bad.exit_code == 2 and "INPLACE_LINT_OUTPUT_FORMAT" in bad.stderr


def test_rule_is_explain_without_harness_metadata():
    rule = run("rule", "IPL003")
    assert rule.exit_code == 0 and rule.stdout == run("explain", "IPL003").stdout
    assert "```python bad" not in rule.stdout and "raises=" not in rule.stdout and "check=" not in rule.stdout
    assert "```python\n" in rule.stdout
    # the doc itself still has them (they are the tests' data)
    assert "```python bad" in catalog.get_rule("IPL003").body


def test_show_fixes_and_exit_non_zero_on_fix(write):
    write("a.py", BAD + "w.sub_(1)  # noqa: IPL001\n")
    plain = run("@nc", "--fix", "--show-fixes", "a.py")
    assert plain.exit_code == 0, plain.output
    assert "Fixed 1 problem:\n- a.py:\n    1 × IPL001 (inplace-on-leaf)\n" in plain.stdout
    write("b.py", BAD)
    strict = run("@nc", "--fix", "--exit-non-zero-on-fix", "b.py")
    assert strict.exit_code == 1 and "All checks passed!" in strict.stdout
    assert run("@nc", "--fix", "--exit-non-zero-on-fix", "b.py").exit_code == 0  # nothing left to fix
    write("c.py", BAD)
    assert run("@nc", "--fix-only", "--exit-non-zero-on-fix", "c.py").exit_code == 1
    assert run("@nc", "--fix", "--show-fixes", "c.py").stdout.endswith("No fixes applied.\n")


def test_exclude_options_on_the_command_line(write, fake_analyzer):
    write("pyproject.toml", '[tool.inplace-lint]\nexclude = ["legacy/"]\nextend-exclude = ["gen/"]\n'
                            '[tool.inplace-lint.per-file-ignores]\n"a.py" = ["IPL004"]\n')
    for name in ("a.py", "legacy/l.py", "gen/g.py", "new/n.py"):
        write(name, "w.add_(1)\nw.zero_()\n")
    assert files(".") == ["a.py", "new/n.py"]
    assert files("--exclude", "new", ".") == ["a.py", "legacy/l.py"]  # replaces exclude; extend-exclude stays
    assert files("--extend-exclude", "new/,a.py", ".") == []
    codes = lambda *a: [(d["path"], d["code"]) for d in json.loads(run("@nc", "--output-format", "json", *a).stdout)]  # noqa: E731
    assert codes("a.py") == [("a.py", "IPL001")]
    assert codes("--per-file-ignores", "a.py:IPL001", "a.py") == [("a.py", "IPL004")]  # replaces the config's
    assert codes("--extend-per-file-ignores", "a.py:IPL001", "a.py") == []
    bad = run("@nc", "--per-file-ignores", "a.py", "a.py")
    assert bad.exit_code == 2 and "expected GLOB:CODES" in bad.stderr


def test_verbose_says_what_applied(monorepo, tmp_path):
    result = run("@nc", "-v", "pkgA", "other.py")
    assert f"settings from {tmp_path / 'pkgA' / 'pyproject.toml'}" in result.stderr
    assert "settings from defaults (no config file)" in result.stderr
    assert "checked 2 files, cache off in " in result.stderr


def test_watch_without_watchfiles_says_how_to_get_it(write, monkeypatch):
    write("a.py", "x = 1\n")
    monkeypatch.setitem(sys.modules, "watchfiles", None)  # import fails
    result = run("--watch", "a.py")
    assert result.exit_code == 2
    assert "--watch needs the 'watchfiles' package: pip install 'inplace-lint[watch]'" in result.stderr
    monkeypatch.delitem(sys.modules, "watchfiles")
    pytest.importorskip("watchfiles")
    assert run("--watch", "--fix", "a.py").exit_code == 2


@pytest.mark.slow
def test_watch_checks_again_after_a_change(tmp_path):
    pytest.importorskip("watchfiles")
    (tmp_path / "a.py").write_text("x = 1\n")
    env = dict(os.environ, PYTHONPATH=str(REPO), NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "inplace_lint", "--watch", "--no-cache", "."], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        lines = []

        def wait_for(text, timeout=30.0):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if text in line:
                    return
            raise AssertionError(f"no {text!r} in {''.join(lines)!r}")

        wait_for("All checks passed!")
        time.sleep(0.5)  # the watcher is set up after the first run
        (tmp_path / "a.py").write_text(BAD)
        wait_for("checking again")
        wait_for("Found 1 problem")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------------------------
# 8. No silent "nothing checked"


def test_empty_select_is_an_error(write):
    write("a.py", BAD)
    for args in (["--select="], ["--select", ""], ["--select", " , "]):
        result = run("@nc", *args, "a.py")
        assert result.exit_code == 2, args
        assert "--select is empty" in result.stderr


def test_no_python_files_warns_and_does_not_sound_like_success(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text("# hi\n")
    result = run("@nc", "docs")
    assert result.exit_code == 0
    assert "warning: No Python files found under the given path(s)" in result.stderr
    assert "All checks passed" not in result.output and "Nothing was checked" in result.stdout
    quiet = run("@nc", "-q", "docs")
    assert quiet.output == ""


def test_nothing_checkable_is_not_success(tmp_path):
    result = run("@nc", "missing.py")
    assert result.exit_code == 2
    assert result.stdout == "Nothing was checked: 1 path could not be checked.\n"
    (tmp_path / "a.py").write_text("x = 1\n")
    mixed = run("@nc", "missing.py", "a.py")
    assert mixed.stdout == "1 path could not be checked; no problems found in the 1 other file.\n"


# ---------------------------------------------------------------------------------------------------------------
# 10. Colour variables and -q


def test_no_color_must_be_non_empty_and_force_color_is_honoured(write):
    write("a.py", BAD)
    escape = "\x1b["
    assert escape not in run("@nc", "a.py").stdout  # CliRunner's stdout is no terminal
    assert escape in run("@nc", "a.py", env={"FORCE_COLOR": "1"}).stdout
    assert escape not in run("@nc", "a.py", env={"FORCE_COLOR": ""}).stdout
    assert escape not in run("@nc", "a.py", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert escape in run("@nc", "a.py", env={"FORCE_COLOR": "1", "NO_COLOR": ""}).stdout  # empty: unset
    assert escape not in run("@nc", "--color", "never", "a.py", env={"FORCE_COLOR": "1"}).stdout


def test_quiet_keeps_the_finding_format_and_drops_the_summary(write):
    write("a.py", BAD)
    full = run("@nc", "a.py").stdout
    quiet = run("@nc", "-q", "a.py").stdout
    assert full.startswith(quiet) and quiet.count("\n") > 3 and "  |\n" in quiet
    assert full[len(quiet):].startswith("Found 1 problem")


# ---------------------------------------------------------------------------------------------------------------
# 9. Unreadable paths, as a normal user (CI runs as root, which reads everything)

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def shared_tmp():
    """A folder the dropped user can enter (pytest's tmp_path is private to root)."""
    folder = tempfile.mkdtemp(prefix="inplace-lint-nobody-", dir="/tmp")
    os.chmod(folder, 0o777)
    yield Path(folder)
    for root, dirs, _ in os.walk(folder):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o777)
    shutil.rmtree(folder, ignore_errors=True)


def _closed_to_others(path: Path) -> bool:
    """Is a folder on the way to ``path`` (or ``path`` itself) closed to other users (a ``mktemp -d`` clone)?"""
    path = path.resolve()
    return any(not folder.stat().st_mode & 0o001 for folder in [*path.parents, path]) or \
        not path.stat().st_mode & 0o004


def as_nobody(args, cwd):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as an unprivileged user")
    closed = [p for p in (REPO, Path(sys.prefix)) if _closed_to_others(p)]
    if closed:
        pytest.skip(f"the unprivileged user cannot read {closed[0]} (a folder on the way is closed to others)")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO), "HOME": str(cwd),
           "NO_COLOR": "1"}
    return subprocess.run(NOBODY + [sys.executable, "-m", "inplace_lint", "--no-cache", "-j", "1", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_unreadable_folder_and_file_are_findings_as_a_normal_user(shared_tmp):
    project = shared_tmp / "project"
    (project / "locked").mkdir(parents=True)
    (project / "locked" / "x.py").write_text("x = 1\n")
    (project / "noexec").mkdir()
    (project / "noexec" / "y.py").write_text("y = 1\n")
    (project / "bad.py").write_text(BAD)
    (project / "secret.py").write_text("z = 1\n")
    os.chmod(project, 0o755)
    os.chmod(project / "bad.py", 0o644)
    os.chmod(project / "locked", 0o000)  # cannot be listed
    os.chmod(project / "noexec", 0o644)  # listed, but nothing in it can be opened
    os.chmod(project / "secret.py", 0o000)

    folder = as_nobody(["--output-format", "concise", "."], project)
    assert "internal error" not in folder.stderr and "Traceback" not in folder.stderr, folder.stderr
    assert folder.returncode == 1, folder.stdout + folder.stderr
    lines = folder.stdout.splitlines()
    assert "bad.py:3:1: IPL001" in folder.stdout  # the rest is checked
    assert any(line.startswith("locked:1:1: IPL901") and "cannot list the folder" in line for line in lines), lines
    assert any(line.startswith("secret.py:1:1: IPL901") and "permission denied" in line for line in lines), lines
    assert any(line.startswith(os.path.join("noexec", "y.py") + ":1:1: IPL901") for line in lines), lines

    explicit = as_nobody(["--output-format", "concise", "secret.py", "bad.py"], project)
    assert explicit.returncode == 1, explicit.stdout + explicit.stderr
    assert "Usage:" not in explicit.stderr
    assert explicit.stdout.splitlines()[0].startswith("bad.py:3:1: IPL001")
    assert explicit.stdout.splitlines()[1] == "secret.py:1:1: IPL901 permission denied"
