"""The sandbox of the validator: limits, isolation and recovery of the warm worker, and the cold runner."""
from __future__ import annotations

import os
import time

import pytest

pytest.importorskip("torch")

from inplace_lint.validate.sandbox import ColdRunner, Limits, Worker, sandbox_env  # noqa: E402


@pytest.fixture(scope="module")
def worker():
    with Worker(Limits(timeout=20, memory_mb=3072)) as w:
        yield w


def job(source: str, path: str = "/nonexistent/job.py", **extra):
    out = {"kind": "script", "path": path, "source": source, "lines": [], "inspect": []}
    out.update(extra)
    return out


def test_a_job_runs_and_reports(worker):
    result = worker.run(job("import torch\nprint('hello', torch.ones(2).sum().item())\n"))
    assert result["status"] == "ok"
    assert result["stdout"] == "hello 2.0\n"


@pytest.mark.slow
def test_timeout_kills_the_job_and_the_worker_survives(worker):
    started = time.monotonic()
    result = worker.run(job("while True:\n    pass\n", timeout=2))
    assert result["status"] == "error" and "timed out after 2s" in result["error"]
    assert time.monotonic() - started < 15
    assert worker.run(job("x = 1\n"))["status"] == "ok"


def test_stdin_is_closed(worker):
    result = worker.run(job("input()\n"))
    assert result["exception"]["type"] == "EOFError"


@pytest.mark.parametrize("gigabytes", [6, 50])
def test_memory_is_limited(worker, gigabytes):
    result = worker.run(job(f"blob = bytearray({gigabytes} * 1024 ** 3)\n"))
    assert result["exception"]["type"] == "MemoryError"
    assert worker.run(job("x = 1\n"))["status"] == "ok"


def test_memory_limit_through_torch_is_an_error_with_the_reason(worker):
    result = worker.run(job("import torch\nt = torch.empty(50 * 1024 ** 3, dtype=torch.uint8)\n"))
    assert result["exception"]["type"] in ("RuntimeError", "MemoryError")
    assert "alloc" in result["exception"]["message"].lower() or result["exception"]["type"] == "MemoryError"


def test_environment_is_scrubbed_and_cwd_is_a_fresh_temp_folder(worker, monkeypatch, tmp_path):
    source = ("import os, json\n"
              "print(json.dumps({'secret': os.environ.get('IPL_TEST_SECRET'), 'home': os.environ['HOME'],\n"
              "                  'cwd': os.getcwd(), 'cuda': os.environ.get('CUDA_VISIBLE_DEVICES'),\n"
              "                  'files': os.listdir('.')}))\n")
    monkeypatch.setenv("IPL_TEST_SECRET", "hunter2")
    env = sandbox_env(str(tmp_path))
    assert "IPL_TEST_SECRET" not in env and env["HOME"] == str(tmp_path) and env["CUDA_VISIBLE_DEVICES"] == ""
    import json

    seen = json.loads(worker.run(job(source))["stdout"])
    assert seen["secret"] is None
    assert seen["home"] != os.path.expanduser("~") and "inplace-lint-validate-" in seen["home"]
    assert "inplace-lint-validate-" in seen["cwd"] and seen["files"] == []  # a fresh folder per job
    assert seen["cuda"] == ""


def test_output_is_capped(worker):
    result = worker.run(job("print('x' * 100000)\n"))
    assert result["status"] == "ok"
    assert len(result["stdout"]) < 20000 and result["stdout"].endswith("[... output truncated]")


def test_hard_exit_and_crash_are_errors_not_hangs(worker):
    result = worker.run(job("import os\nprint('bye')\nos._exit(3)\n"))
    assert result["status"] == "error" and "exited with status 3" in result["error"]
    assert result["stdout"] == "bye\n"
    result = worker.run(job("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"))
    assert result["status"] == "error" and "SIGSEGV" in result["error"]


def _outliving_child(how: str) -> str:
    """A job whose child (or grandchild) would signal this test process 3 s later, unless killed."""
    signal_us = f"    time.sleep(3)\n    os.kill({os.getpid()}, signal.SIGUSR1)\n    os._exit(0)\n"
    if how == "child":
        return "import os, signal, time\nif os.fork() == 0:\n" + signal_us
    if how == "grandchild":  # the child forks and exits at once: the grandchild is orphaned
        return ("import os, signal, time\nif os.fork() == 0:\n    if os.fork() == 0:\n"
                + signal_us.replace("    ", "        ") + "    os._exit(0)\nos.wait()\n")
    if how == "subprocess":
        return (f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', "
                f"'import os, signal, time; time.sleep(3); os.kill({os.getpid()}, signal.SIGUSR1)'])\n")
    raise ValueError(how)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["child", "grandchild", "subprocess"])
@pytest.mark.parametrize("runner", ["warm", "cold"])
def test_processes_that_outlive_the_job_are_an_error_and_killed(worker, how, runner):
    import signal

    received = []
    previous = signal.signal(signal.SIGUSR1, lambda *a: received.append(1))
    try:
        if runner == "warm":
            result = worker.run(job(_outliving_child(how)))
        else:
            with ColdRunner(Limits(timeout=20, memory_mb=3072)) as cold:
                result = cold.run(job(_outliving_child(how)))
        assert result["status"] == "error"
        assert "still running when the job ended" in result["error"] or "timed out" in result["error"]
        time.sleep(4)
        assert not received  # the whole process group went down with the job
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_a_child_the_job_waits_for_is_fine(worker):
    source = ("import os, subprocess, sys\n"
              "pid = os.fork()\n"
              "if pid == 0:\n    os._exit(0)\n"
              "os.waitpid(pid, 0)\n"
              "subprocess.run([sys.executable, '-c', 'pass'], check=True)\n")
    assert worker.run(job(source))["status"] == "ok"


@pytest.mark.slow
def test_a_fork_bomb_is_stopped_and_reported(worker):
    source = ("import os\n"
              "for _ in range(200):\n"
              "    try:\n"
              "        os.fork()\n"
              "    except OSError:\n"
              "        break\n"
              "import time\ntime.sleep(1)\n")
    started = time.monotonic()
    result = worker.run(job(source, timeout=10))
    assert result["status"] == "error" and "processes" in result["error"]
    assert time.monotonic() - started < 30
    assert worker.run(job("x = 1\n"))["status"] == "ok"


@pytest.fixture
def outside(tmp_path):
    """A folder outside /tmp (the job's /tmp is private at the namespace level: writes there never leave it)."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="ipl-outside-", dir="/var/tmp")) if os.path.isdir("/var/tmp") else tmp_path
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_writes_outside_the_job_folder_are_refused_and_reported(worker, outside):
    tmp_path = outside
    target = tmp_path / "outside.txt"
    source = (f"try:\n"
              f"    open({str(target)!r}, 'w').write('x')\n"
              f"except PermissionError:\n"
              f"    pass\n"
              f"open('inside.txt', 'w').write('fine')\n")
    result = worker.run(job(source))
    assert result["status"] == "error" and "outside the temporary folder" in result["error"]
    assert str(target) in result["error"]
    assert not target.exists()
    victim = tmp_path / "keep.txt"
    victim.write_text("data")
    result = worker.run(job(f"import os\nos.remove({str(victim)!r})\n"))
    assert result["status"] == "error" and victim.read_text() == "data"


@pytest.mark.slow
def test_a_dead_worker_is_restarted():
    with Worker(Limits(timeout=10)) as w:
        assert w.run(job("x = 1\n"))["status"] == "ok"
        os.killpg(w.proc.pid, 9)
        w.proc.wait()
        assert w.run(job("x = 2\n"))["status"] == "ok"
        assert w.starts == 2
    assert w.proc is None and not os.path.exists(w.root)


@pytest.mark.slow
def test_cold_runner_gives_the_same_answer(tmp_path):
    source = ("import torch\n"
              "x = torch.randn(3, requires_grad=True)\n"
              "y = x.sigmoid()\n"
              "y.mul_(2)\n"
              "y.sum().backward()\n")
    path = tmp_path / "bad.py"
    path.write_text(source)
    with ColdRunner(Limits(timeout=60)) as cold:
        result = cold.run(job(source, path=str(path), lines=[4]))
    assert result["status"] == "exception"
    assert [(e["kind"], e["line"]) for e in result["events"]] == [("saved-modified", 4)]
