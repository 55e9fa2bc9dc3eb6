"""The release story (issue #18, items 1, 2 and 11): one version everywhere, the sdist and wheel `python -m build`
makes, the wheel installed offline on Python 3.9 to 3.13 and linting a project with a pyproject.toml, the GitHub
Action's steps run as a runner would run them.

The wheel is built once per session. The wheels of its dependencies (libcst, click, tomli, ...) for each Python are
fetched with that Python's pip (``network``: skipped when the registry cannot be reached), then the install itself is
offline (``--no-index``)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from inplace_lint import __version__
from inplace_lint.report.sarif import INFORMATION_URI

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
URL = "https://github.com/inplace-lint/inplace-lint"
TAG = f"v{__version__}"
PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
NETWORK_TROUBLE = ("Could not find a version that satisfies", "No matching distribution found",
                   "Failed to establish a new connection", "Temporary failure in name resolution",
                   "Network is unreachable", "Max retries exceeded", "ProxyError", "ReadTimeoutError")
BAD = "import torch\n\nw = torch.ones(3, requires_grad=True)\nw.add_(1)\nw.mul_(2)\n"


def _toml():
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------------------
# One version, one URL


def test_snippets_pin_the_release_tag_of_the_package_version():
    pins = re.findall(r"inplace-lint/inplace-lint@(v[0-9][^\s\"']*)", README)
    revs = re.findall(r"rev: (v\S+)", README)
    assert pins and revs
    assert set(pins) == set(revs) == {TAG}
    for path in ("docs/integrations.md", "action.yml", ".pre-commit-hooks.yaml"):
        text = (REPO / path).read_text(encoding="utf-8")
        assert "<owner>" not in text, path
        assert set(re.findall(r"(?:inplace-lint/inplace-lint@|rev: )(v[0-9][\w.]*)", text)) <= {TAG}, path
    assert "pip install inplace-lint\n" not in README and "<owner>" not in README


def test_one_repository_url_everywhere():
    urls = _toml()["project"]["urls"]
    assert urls["Homepage"] == urls["Repository"] == URL == INFORMATION_URI
    assert set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", README)) >= {URL}
    assert not [u for u in re.findall(r"https://github\.com/([\w.-]+/[\w.-]+)", README)
                if u.split("/")[0] == "inplace-lint" and u != "inplace-lint/inplace-lint"]


def test_tomli_below_3_11_and_the_extras():
    project = _toml()["project"]
    assert "tomli>=1.1; python_version < '3.11'" in project["dependencies"]
    assert project["requires-python"] == ">=3.9"
    assert project["optional-dependencies"]["watch"] == ["watchfiles>=0.18"]
    assert not [d for d in project["dependencies"] if d.startswith("torch")]


# ---------------------------------------------------------------------------------------------------------------
# python -m build


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """The sdist and wheel of this checkout, built once (without build isolation: offline, with the hatchling the
    dev extra installs)."""
    pytest.importorskip("build")
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist, "dir": out}


@pytest.mark.slow
def test_build_makes_an_sdist_and_a_wheel_with_everything(dist):
    assert dist["wheel"].name == f"inplace_lint-{__version__}-py3-none-any.whl"
    assert dist["sdist"].name == f"inplace_lint-{__version__}.tar.gz"
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"inplace_lint-{__version__}.dist-info/METADATA").decode()
    assert "inplace_lint/_rules/IPL001-inplace-on-leaf.md" in names  # the catalog explain/SARIF read
    assert "inplace_lint/ops/data/ops.json" in names
    assert re.search(r"""Requires-Dist: tomli>=1\.1; python_version < ['"]3\.11['"]""", metadata), metadata
    assert f"Project-URL: Homepage, {URL}" in metadata
    assert not [n for n in names if n.startswith(("tests/", "tools/"))]
    with tarfile.open(dist["sdist"]) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    for needed in ("pyproject.toml", "README.md", "action.yml", ".pre-commit-hooks.yaml", "rules/README.md",
                   "docs/integrations.md", "inplace_lint/cli.py", "tests/test_release.py"):
        assert needed in members, needed


def _wheelhouse(python: str, dest: Path, *extra: str) -> None:
    """The dependency wheels for ``python`` (the registry, once; pip's cache makes it cheap afterwards)."""
    proc = subprocess.run([python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                           "--only-binary=:all:", "--dest", str(dest), "libcst>=1.1", "click>=8.0", "tomli>=1.1",
                           *extra],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and any(m in proc.stdout + proc.stderr for m in NETWORK_TROUBLE):
        pytest.skip(f"the package registry cannot be reached: {(proc.stdout + proc.stderr).strip()[-300:]}")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("version", PYTHONS)
def test_wheel_installs_offline_and_lints_a_pyproject_project(dist, version, tmp_path):
    found = sorted(PYENV.glob(f"{version}.*/bin/python"))
    python = str(found[-1]) if found else shutil.which(f"python{version}")
    if python is None:
        pytest.skip(f"no Python {version} on this machine (pyenv versions)")
    wheels = tmp_path / "wheels"
    _wheelhouse(python, wheels)
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    vpython = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PIP_FIND_LINKS")}
    # that venv's own pip (ensurepip's, offline): a newer pip of ours may no longer support an old Python
    proc = subprocess.run([str(vpython), "-m", "pip", "install", "--quiet",
                           "--disable-pip-version-check", "--no-index", "--find-links", str(wheels),
                           str(dist["wheel"])], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "p"\n\n[tool.inplace-lint]\n'
                                            'per-file-ignores = { "pkg/b.py" = ["IPL001"] }\n')
    (project / "pkg" / "a.py").write_text(BAD)
    (project / "pkg" / "b.py").write_text(BAD)
    run = subprocess.run([str(venv / "bin" / "inplace-lint"), "--no-cache", "--output-format", "concise", "."],
                         cwd=project, capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.splitlines()[:2] == [
        "pkg/a.py:4:1: IPL001 [*] In-place `add_` on `w`, a leaf tensor that requires grad (created by "
        "`ones(..., requires_grad=True)` at line 3): torch raises \"a leaf Variable that requires grad is being "
        "used in an in-place operation\" here",
        "pkg/a.py:5:1: IPL001 [*] In-place `mul_` on `w`, a leaf tensor that requires grad (created by "
        "`ones(..., requires_grad=True)` at line 3): torch raises \"a leaf Variable that requires grad is being "
        "used in an in-place operation\" here"]
    assert "pkg/b.py" not in run.stdout  # the pyproject.toml was read
    version_out = subprocess.run([str(venv / "bin" / "inplace-lint"), "--version"], capture_output=True, text=True,
                                 env=env)
    assert version_out.stdout.strip() == f"inplace-lint {__version__}"


# ---------------------------------------------------------------------------------------------------------------
# The GitHub Action


def _action():
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def test_action_is_a_composite_that_runs_the_github_format():
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["output-format"]["default"] == "github"
    steps = action["runs"]["steps"]
    assert "$GITHUB_ACTION_PATH" in steps[0]["run"]  # installs the action's own ref
    assert all(step["shell"] == "bash" for step in steps)


def _expression(text: str, inputs: dict) -> str:
    """``${{ inputs.name }}`` (and ``inputs.name != ''``) as a runner evaluates them, for the forms the action uses."""
    def value(m):
        expr = m.group(1).strip()
        if re.fullmatch(r"inputs\.[\w-]+", expr):
            return inputs[expr.split(".", 1)[1]]
        cmp = re.fullmatch(r"inputs\.([\w-]+) != ''", expr)
        assert cmp, f"the test does not know the expression {expr!r}"
        return "true" if inputs[cmp.group(1)] != "" else "false"
    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_action(inputs: dict, workspace: Path, python: str, action_path: Path, env_extra=None):
    """Each step of action.yml, in order, as GitHub's runner does (``bash --noprofile --norc -eo pipefail``); stops
    at the first failing step. Returns [(name, CompletedProcess)]."""
    action = _action()
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs, python=python)
    results = []
    for i, step in enumerate(action["runs"]["steps"]):
        if "if" in step and _expression(step["if"], values) != "true":
            continue
        script = workspace.parent / f"step{i}.sh"
        script.write_text(step["run"])
        env = dict(os.environ, GITHUB_ACTION_PATH=str(action_path), GITHUB_WORKSPACE=str(workspace),
                   **(env_extra or {}))
        env.pop("PYTHONPATH", None)
        env.update({k: _expression(str(v), values) for k, v in step.get("env", {}).items()})
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=600)
        results.append((step["name"], proc))
        if proc.returncode != 0:
            break
    return results


@pytest.mark.slow
@pytest.mark.network
def test_action_steps_install_the_actions_ref_and_annotate(dist, tmp_path):
    """The action's steps on a workspace with a bad file: install (the repository as the action's checkout), SARIF,
    then the gating run with annotations, which fails the job."""
    python = sys.executable
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    vpython = str(venv / "bin" / "python")
    wheels = tmp_path / "wheels"
    _wheelhouse(vpython, wheels, "hatchling>=1.18")  # pip builds the action's checkout with it
    # The runner checks the action out at its ref; the sdist is that checkout's content (what git archive gives).
    action_path = tmp_path / "action"
    with tarfile.open(dist["sdist"]) as sdist:
        sdist.extractall(tmp_path / "unpacked")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    unpacked.rename(action_path)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "train.py").write_text(BAD)
    (workspace / "ok.py").write_text("x = 1\n")
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
    steps = run_action({"args": ". --no-cache", "sarif-file": "inplace-lint.sarif"}, workspace, vpython,
                       action_path, offline)
    names = [name for name, _ in steps]
    assert names == ["Install inplace-lint (the action's ref)", "Write SARIF", "Run inplace-lint"], [
        (n, p.returncode, p.stdout[-500:], p.stderr[-1500:]) for n, p in steps]
    install, sarif, gate = (proc for _, proc in steps)
    assert install.returncode == 0 and sarif.returncode == 0, install.stderr + sarif.stderr
    assert gate.returncode == 1  # findings fail the job
    assert gate.stdout.splitlines()[0].startswith("::error file=train.py,line=4,col=1,endLine=4,endColumn=10,"
                                                  "title=IPL001::In-place `add_` on `w`")
    log = json.loads((workspace / "inplace-lint.sarif").read_text())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["IPL001", "IPL001"]
    assert log["runs"][0]["tool"]["driver"]["informationUri"] == URL

    (workspace / "train.py").write_text("x = 2\n")
    clean = run_action({"args": ". --no-cache"}, workspace, vpython, action_path, offline)
    assert [name for name, _ in clean] == ["Install inplace-lint (the action's ref)", "Run inplace-lint"]
    assert clean[-1][1].returncode == 0 and clean[-1][1].stdout == ""
