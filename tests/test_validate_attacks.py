"""The validator's attack suite (issue #16): every route by which user code used to write outside its folder, leave
processes, exceed the limits, forge its verdict, read the caller's environment or reach the network is contained by
the namespace level -- as the current user (root in CI) and as an unprivileged user (``setpriv``) -- and named in
the report, while the finding the job also holds is still confirmed. The routes are in ``validate_attacks.py``."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("torch")

from inplace_lint.validate import cgroup, isolation  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate_attacks as va  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

needs_namespaces = pytest.mark.skipif(isolation.level() != isolation.NAMESPACES,
                                      reason=f"no namespace isolation on this machine ({isolation.why()})")


@pytest.fixture(scope="module")
def as_current_user():
    return va.run_routes()


def _blocked_ancestor(path: str):
    """The first folder on the way to ``path`` that other users cannot enter (like /root), and its child there."""
    parts = Path(path).resolve().parts
    for i in range(1, len(parts)):
        folder = Path(*parts[:i + 1])
        if folder.is_dir() and not os.stat(folder).st_mode & 0o001:
            return str(folder), str(Path(*parts[:i + 2])) if i + 1 < len(parts) else None
    return None, None


def _dropped_user_command(script_args):
    """Run the attack script as uid/gid 65534 without capabilities. When the interpreter lives under a folder
    other users cannot enter (pyenv under /root), a private mount namespace (root's, made before dropping) shows
    only that interpreter's folder there."""
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", sys.executable] + script_args
    blocked, child = _blocked_ancestor(sys.base_prefix)
    if blocked is None:
        return drop, None
    stage = tempfile.mkdtemp(prefix="ipl-stage-")
    script = (f"mount --bind {child} {stage} && mount -t tmpfs -o mode=755 tmpfs {blocked} && mkdir -p {child} && "
              f"mount --move {stage} {child} && exec " + " ".join(f"'{a}'" for a in drop))
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script], stage


def _others_can_read(path: Path) -> bool:
    """Can a user with no group in common enter every folder down to ``path`` and list it (the interpreter's own
    folder under /root is handled by ``_dropped_user_command``)?"""
    path = path.resolve()
    if _blocked_ancestor(sys.base_prefix)[0] is not None and str(path).startswith(sys.base_prefix):
        return True
    for folder in [*reversed(path.parents), path]:
        mode = folder.stat().st_mode
        if not mode & 0o001 or (folder == path and not mode & 0o004):
            return False
    return True


@pytest.fixture(scope="module")
def as_dropped_user():
    if os.getuid() != 0:
        pytest.skip("the dropped-user run needs root to drop from (CI runs as root)")
    if not shutil.which("setpriv") or not shutil.which("unshare"):
        pytest.skip("setpriv/unshare missing")
    closed = [str(p) for p in (ROOT, Path(sys.prefix)) if not _others_can_read(p)]
    if closed:  # e.g. a clone made by ``mktemp -d`` (mode 0700): another user cannot import the code under test
        pytest.skip(f"the dropped user cannot read {closed[0]} (a folder on the way is closed to other users)")
    out_dir = tempfile.mkdtemp(prefix="ipl-dropped-")  # not under pytest's folder: root-only
    os.chmod(out_dir, 0o777)
    out = Path(out_dir) / "results.json"
    folder = va.make_canaries(va.canary_base())
    command, stage = _dropped_user_command([str(Path(va.__file__)), str(out), folder])
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
    env.update(HOME="/nonexistent", PYTHONPATH=str(ROOT))
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd="/")
        assert proc.returncode == 0, proc.stderr[-3000:]
        data = json.loads(out.read_text())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(out_dir, ignore_errors=True)
        if stage:
            os.rmdir(stage)
    assert data["uid"] == 65534
    return data["results"]


def _check(name, entry):
    assert entry["isolation"]["level"] == isolation.NAMESPACES, entry["isolation"]
    result = entry["result"]
    assert entry["canary_changed"] == [], f"{name} changed files outside the job folder: {result}"
    assert entry["left"] == [], f"{name} left processes running: {entry['left']}"
    assert entry["connections"] == [], f"{name} reached the test's listener"
    assert not entry["shm_left"], f"{name} left a file in /dev/shm"
    assert result["isolation"] == isolation.NAMESPACES
    assert any(va.NAMED[name] in note for note in result.get("sandbox") or []), (name, result)
    assert result["status"] == "error" and result["error"].startswith("sandbox:"), (name, result)
    assert ["saved-modified", va.CONFIRMED_LINE] in [[e["kind"], e["line"]] for e in result.get("events")
                                                     or []], (name, result)


@needs_namespaces
@pytest.mark.parametrize("name", list(va.ROUTES))
def test_route_is_contained(as_current_user, name):
    _check(name, as_current_user[name])


@needs_namespaces
@pytest.mark.parametrize("name", list(va.ROUTES))
def test_route_is_contained_for_an_unprivileged_user(as_dropped_user, name):
    _check(name, as_dropped_user[name])


FORGER = textwrap.dedent("""\
    import os, subprocess, torch
    x = torch.randn(3, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    found = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                found.append(open(f'/proc/{pid}/environ', 'rb').read().decode('latin-1'))
            except OSError:
                pass
            subprocess.run(['sh', '-c', f'echo FORGED-REPORT > /proc/{pid}/fd/1'], stderr=subprocess.DEVNULL)
    leaked = [e for e in found if 'IPL_ATTACK_SECRET' in e]
    if leaked:
        raise RuntimeError('leaked ' + leaked[0][:2000])
    y.sum().backward()
""")


@needs_namespaces
def test_the_job_can_neither_write_the_cli_output_nor_read_its_environment(tmp_path):
    (tmp_path / "forger.py").write_text(FORGER)
    env = dict(os.environ, IPL_ATTACK_SECRET="hunter2-secret",
               PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(
                   os.pathsep) if p]))
    env.pop("INPLACE_LINT_CACHE_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "inplace_lint", "check", "--no-cache", "--validate", "--format",
                           "json", "forger.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert "FORGED" not in proc.stdout and "hunter2" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    found = [d for d in report if d["code"] == "IPL003"]
    assert found and found[0]["validation"]["verdict"] == "confirmed"
    assert found[0]["validation"]["isolation"] == isolation.NAMESPACES
    assert "isolation: namespaces" in proc.stderr
    found_cgroup = cgroup.detect()  # the summary says how the job's totals were limited
    assert (", per-job cgroup v2 limits" if found_cgroup.available
            else f", job limits by watchdog (no cgroup v2: {found_cgroup.why})") in proc.stderr
    assert proc.returncode == 1


def test_without_isolation_the_guard_still_works_and_the_level_says_so(tmp_path, monkeypatch):
    from inplace_lint.validate.sandbox import Limits, Worker

    monkeypatch.setenv("INPLACE_LINT_ISOLATION", "none")
    target = tmp_path / "outside.txt"
    with Worker(Limits(timeout=20, memory_mb=3072)) as worker:
        result = worker.run({"kind": "script", "path": "/nonexistent/job.py", "lines": [], "inspect": [],
                             "source": f"try:\n    open({str(target)!r}, 'w')\nexcept PermissionError:\n    pass\n"})
        assert worker.isolation == {"level": isolation.NONE, "why": "INPLACE_LINT_ISOLATION=none", "cgroup": "none",
                                    "cgroup_why": "not used without namespaces"}
    assert result["isolation"] == isolation.NONE
    assert result["status"] == "error" and "outside the temporary folder" in result["sandbox"][0]
    assert not target.exists()
