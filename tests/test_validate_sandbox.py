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


def test_timeout_kills_the_job_and_the_worker_survives(worker):
    started = time.monotonic()
    result = worker.run(job("while True:\n    pass\n", timeout=2))
    assert result["status"] == "error" and "timed out after 2s" in result["error"]
    assert time.monotonic() - started < 15
    assert worker.run(job("x = 1\n"))["status"] == "ok"


def test_stdin_is_closed(worker):
    result = worker.run(job("input()\n"))
    assert result["exception"]["type"] == "EOFError"


def test_memory_is_limited(worker):
    result = worker.run(job("blob = bytearray(6 * 1024 ** 3)\n"))
    assert result["exception"]["type"] == "MemoryError"


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
    assert "inplace-lint-validate-" in seen["cwd"] and seen["files"] == [".stdout", ".stderr"]
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


def test_children_of_the_job_are_killed(worker):
    import signal

    received = []
    previous = signal.signal(signal.SIGUSR1, lambda *a: received.append(1))
    try:
        source = (f"import os, signal, time\n"
                  f"if os.fork() == 0:\n"
                  f"    time.sleep(3)\n"
                  f"    os.kill({os.getpid()}, signal.SIGUSR1)\n"
                  f"    os._exit(0)\n")
        result = worker.run(job(source))
        assert result["status"] == "ok"
        time.sleep(4)
        assert not received  # the whole process group went down with the job
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_writes_outside_the_job_folder_are_refused_and_reported(worker, tmp_path):
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


def test_a_dead_worker_is_restarted():
    with Worker(Limits(timeout=10)) as w:
        assert w.run(job("x = 1\n"))["status"] == "ok"
        os.killpg(w.proc.pid, 9)
        w.proc.wait()
        assert w.run(job("x = 2\n"))["status"] == "ok"
        assert w.starts == 2
    assert w.proc is None and not os.path.exists(w.root)


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
