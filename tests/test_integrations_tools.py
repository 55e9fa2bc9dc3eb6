"""The real tools users run us through, installed from the package registry into a throwaway virtualenv:

- pre-commit: ``pre-commit try-repo <this checkout> inplace-lint --files ...`` fails on a bad file and passes on a
  good one (the checkout's working tree is copied into a temporary git repository and committed there, so
  uncommitted changes are what gets tested);
- the README's ``.pre-commit-config.yaml`` (real ``pre-commit run``) and CI commands (``pip install
  git+...@vX.Y.Z``, then the gating and SARIF runs), with the repository URL pointed at a tagged copy of this checkout;
- flake8: ``flake8 --select IPL`` finds the same problems through the ``flake8.extension`` entry point.

These tests need the package registry; when it cannot be reached they are skipped, saying so.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inplace_lint import __version__
from inplace_lint.flake8_plugin import Plugin

REPO = Path(__file__).resolve().parent.parent
README_URL = "https://github.com/inplace-lint/inplace-lint"
BAD = """\
import torch

w = torch.zeros(3, requires_grad=True)
w.add_(1)
"""
GOOD = """\
import torch

w = torch.zeros(3, requires_grad=True)
with torch.no_grad():
    w.add_(1)
"""
BAD_NOTEBOOK = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "code", "source": ["import torch\n", "w = torch.ones(2, requires_grad=True)\n"],
     "metadata": {}, "outputs": [], "execution_count": 1},
    {"cell_type": "code", "source": ["%time w.sum()\n", "w.mul_(2)\n"], "metadata": {}, "outputs": [],
     "execution_count": 2}]}, indent=1)
NETWORK_TROUBLE = ("Could not find a version that satisfies", "No matching distribution found",
                   "Failed to establish a new connection", "Temporary failure in name resolution",
                   "Network is unreachable", "Connection refused", "Max retries exceeded", "ConnectTimeout",
                   "Name or service not known", "ReadTimeoutError", "ProxyError")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1"}


def clean_env(**extra):
    env = dict(os.environ, **GIT_ENV, **extra)
    for name in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def run(cmd, cwd=None, env=None, timeout=900):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                          timeout=timeout)


def skip_if_offline(proc, what):
    output = proc.stdout + proc.stderr
    if proc.returncode != 0 and any(marker in output for marker in NETWORK_TROUBLE):
        pytest.skip(f"the package registry cannot be reached ({what} failed): {output.strip()[-400:]}")


def git(*args, cwd):
    proc = run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def checkout_copy(dest: Path) -> Path:
    """This checkout's working tree (tracked and untracked-but-not-ignored files) committed in a fresh git repo."""
    dest.mkdir()
    listing = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO)
    if listing.returncode == 0:
        names = [n for n in listing.stdout.split("\0") if n]
    else:  # not a git checkout (an sdist): take everything but the obvious junk
        names = [str(p.relative_to(REPO)) for p in REPO.rglob("*") if p.is_file()
                 and not any(part in (".git", ".venv", "__pycache__", ".inplace_lint_cache") for part in p.parts)]
    for name in names:
        source = REPO / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    readme = dest / "README.md"
    if not readme.exists():  # pyproject's readme must exist to build; the checkout may not have one yet
        readme.write_text("# inplace-lint\n")
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "inplace-lint working tree", cwd=dest)
    return dest


@pytest.fixture(scope="module")
def toolenv(tmp_path_factory):
    """A virtualenv with pre-commit, flake8 and this checkout (built as a wheel) installed from the registry."""
    root = tmp_path_factory.mktemp("toolenv")
    repo = checkout_copy(root / "inplace-lint")
    venv = root / "venv"
    proc = run([sys.executable, "-m", "venv", venv])
    assert proc.returncode == 0, proc.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    proc = run([python, "-m", "pip", "install", "--quiet", "pre-commit", "flake8", repo])
    skip_if_offline(proc, "pip install pre-commit flake8 inplace-lint")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"repo": repo, "bin": bindir, "root": root}


@pytest.fixture
def project(tmp_path):
    """A throwaway git repository with a bad file, a good file and a bad notebook."""
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "nb.ipynb").write_text(BAD_NOTEBOOK)
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    return tmp_path


# ---------------------------------------------------------------------------------------------------------------
# pre-commit


@pytest.mark.network
def test_hook_definition(toolenv):
    """Read with PyYAML from the tool environment (pre-commit depends on it)."""
    proc = run([toolenv["bin"] / "python", "-c", "import json, sys, yaml; "
                "print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))",
                REPO / ".pre-commit-hooks.yaml"])
    assert proc.returncode == 0, proc.stderr
    hooks = json.loads(proc.stdout)
    (hook,) = hooks
    assert hook["id"] == "inplace-lint" and hook["language"] == "python"
    assert hook["types_or"] == ["python", "jupyter"] and hook["require_serial"] is False
    assert hook["entry"].split()[0] == "inplace-lint"
    # the hook installs the package with its runtime dependencies only: the static checker, never torch
    assert not hook.get("additional_dependencies")
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("torch")]


@pytest.mark.network
def test_pre_commit_try_repo(toolenv, project):
    home = toolenv["root"] / "pre-commit-home"
    env = clean_env(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    pre_commit = toolenv["bin"] / "pre-commit"

    bad = run([pre_commit, "try-repo", toolenv["repo"], "inplace-lint", "--verbose", "--files", "bad.py"],
              cwd=project, env=env)
    skip_if_offline(bad, "building the hook's environment")
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "inplace-lint" in out and "Failed" in out
    assert "bad.py:4:1: IPL001" in out

    good = run([pre_commit, "try-repo", toolenv["repo"], "inplace-lint", "--verbose", "--files", "good.py"],
               cwd=project, env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    notebook = run([pre_commit, "try-repo", toolenv["repo"], "inplace-lint", "--files", "nb.ipynb"],
                   cwd=project, env=env)
    assert notebook.returncode == 1, notebook.stdout + notebook.stderr
    assert "nb.ipynb:cell 2:2:1: IPL001" in notebook.stdout



# ---------------------------------------------------------------------------------------------------------------
# flake8


@pytest.mark.network
def test_flake8_select_ipl(toolenv, project):
    flake8 = toolenv["bin"] / "flake8"
    version = run([flake8, "--version"], cwd=project)
    assert f"inplace-lint: {__version__}" in version.stdout

    result = run([flake8, "--select", "IPL", "bad.py", "good.py"], cwd=project)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith("bad.py:4:1: IPL001 In-place `add_` on `w`")
    assert "good.py" not in result.stdout

    (project / "bad.py").write_text(BAD.replace("w.add_(1)", "w.add_(1)  # noqa: IPL001"))
    assert run([flake8, "--select", "IPL", "bad.py"], cwd=project).returncode == 0

    (project / "bad.py").write_text(BAD)
    other = run([flake8, "--select", "E9", "bad.py"], cwd=project)
    assert other.returncode == 0 and "IPL" not in other.stdout


def test_plugin_class_directly():
    lines = BAD.splitlines(keepends=True)
    found = list(Plugin(None, "bad.py", lines).run())
    assert [(line, col, msg.split()[0]) for line, col, msg, _ in found] == [(4, 0, "IPL001")]
    assert found[0][3] is Plugin
    assert list(Plugin(None, "x.py", ["x = 1\n"]).run()) == []
    assert list(Plugin(None, "x.py", ["import torch\n", "def f(:\n"]).run()) == []  # E999 is flake8's


def test_plugin_reads_the_file_when_flake8_gives_no_lines(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(textwrap.dedent(BAD))
    assert [msg.split()[0] for _, _, msg, _ in Plugin(None, str(path)).run()] == ["IPL001"]


# ---------------------------------------------------------------------------------------------------------------
# The README's pre-commit and CI snippets, executed (the repository URL pointed at this checkout's copy, tagged
# with the release tag the snippets pin)


def _readme_block(lang: str, needle: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```" + lang + r"\n(.*?)```", readme, re.S) if needle in b]
    assert len(blocks) == 1, f"{len(blocks)} README {lang} blocks contain {needle!r}"
    return blocks[0]


@pytest.fixture(scope="module")
def tagged_repo(toolenv):
    repo = toolenv["repo"]
    tags = run(["git", "tag", "--list", f"v{__version__}"], cwd=repo).stdout.split()
    if not tags:
        git("tag", f"v{__version__}", cwd=repo)
    return repo


@pytest.mark.network
def test_readme_pre_commit_config_runs(toolenv, tagged_repo, project):
    snippet = _readme_block("yaml", "rev: ")
    assert README_URL in snippet and f"rev: v{__version__}" in snippet
    (project / ".pre-commit-config.yaml").write_text(snippet.replace(README_URL, str(tagged_repo)))
    git("add", "-A", cwd=project)
    env = clean_env(PRE_COMMIT_HOME=str(toolenv["root"] / "pre-commit-home"), PRE_COMMIT_COLOR="never")
    pre_commit = toolenv["bin"] / "pre-commit"
    bad = run([pre_commit, "run", "--files", "bad.py"], cwd=project, env=env)
    skip_if_offline(bad, "building the hook's environment")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.py:4:1: IPL001" in bad.stdout and "Failed" in bad.stdout
    good = run([pre_commit, "run", "--files", "good.py"], cwd=project, env=env)
    assert good.returncode == 0 and "Passed" in good.stdout, good.stdout + good.stderr


@pytest.mark.network
def test_readme_ci_commands_run(toolenv, tagged_repo, project, tmp_path):
    lines = [line for line in _readme_block("sh", "--output-format github").splitlines() if line.strip()]
    venv = tmp_path / "ci-venv"
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    env = clean_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", VIRTUAL_ENV=str(venv))
    url = f"git+file://localhost{tagged_repo}"  # pip refuses `name @ git+file:///path` (no host) in a requirement
    install = run(["bash", "-c", lines[0].replace(f"git+{README_URL}", url)], cwd=project, env=env)
    skip_if_offline(install, "pip install from the repository")
    assert install.returncode == 0, install.stdout + install.stderr
    gate = run(["bash", "-c", lines[1]], cwd=project, env=env)
    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert gate.stdout.startswith("::error file=bad.py,line=4,col=1")
    sarif = run(["bash", "-c", lines[2]], cwd=project, env=env)
    assert sarif.returncode == 0, sarif.stderr
    assert json.loads((project / "inplace-lint.sarif").read_text())["runs"][0]["results"]
