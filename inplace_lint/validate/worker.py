"""The validation worker: ``python -m inplace_lint.validate.worker [--once]``.

Warm mode (the default): import torch once, then read jobs (one JSON object per line) from stdin and answer each
with one JSON line on stdout. Every job runs in a fresh *forked* grandchild (fork after ``import torch``, before any
torch op has started a thread pool), so jobs cannot see each other's state and a crash, hang or ``os._exit`` in user
code only loses that job. The grandchild:

- gets its own process group (the worker kills the whole group when the job ends or times out),
- runs in a fresh temporary folder as its cwd, with stdin on ``/dev/null`` and stdout/stderr captured to files
  whose first ``OUTPUT_CAP`` bytes are returned,
- has ``RLIMIT_CPU`` set to the job's timeout (plus the limits the parent set on the worker: address space, file
  size, process count, no core files),
- sends its result back through a pipe (at most ``RESULT_CAP`` bytes).

``--once``: run a single job read from stdin in this process (no fork) and exit: the *cold* path, one torch import
per job, used by the benchmark and as a fallback where ``fork`` is unavailable.

The worker protects itself from the user code it forks (it is not a security boundary, see docs/validator.md).
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from typing import Any, Dict

OUTPUT_CAP = 16 * 1024
RESULT_CAP = 32 * 1024 * 1024


def _read_capped(path: str, cap: int = OUTPUT_CAP) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except OSError:
        return ""
    text = data[:cap].decode("utf-8", "replace")
    return text + ("\n[... output truncated]" if len(data) > cap else "")


def _set_cpu_limit(seconds: float) -> None:
    try:
        import resource

        soft = max(1, int(seconds) + 1)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        new_hard = soft + 1 if hard == resource.RLIM_INFINITY else min(hard, soft + 1)
        resource.setrlimit(resource.RLIMIT_CPU, (min(soft, new_hard), new_hard))
    except (ImportError, ValueError, OSError):
        pass


def run_forked(job: Dict[str, Any], workdir: str, close_fds=()) -> Dict[str, Any]:
    """Run ``job`` in a forked child (see the module docstring); always returns a result dict."""
    timeout = float(job.get("timeout") or 60.0)
    jobdir = tempfile.mkdtemp(prefix="job-", dir=workdir)
    out_path, err_path = os.path.join(jobdir, ".stdout"), os.path.join(jobdir, ".stderr")
    read_fd, write_fd = os.pipe()
    from . import guard

    counter = guard.process_counter()
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the grandchild: never returns
        status = 0
        try:
            os.close(read_fd)
            for fd in close_fds:  # the worker's protocol pipes are not the user's business
                try:
                    os.close(fd)
                except OSError:
                    pass
            os.setpgid(0, 0)
            _set_cpu_limit(timeout)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-size write fails instead of killing us
            os.chdir(jobdir)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out_fd, 1)
            os.dup2(err_fd, 2)
            for fd in (devnull, out_fd, err_fd):
                os.close(fd)
            sys.stdin = open(0, "r", closefd=False)
            sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
            sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")
            from .harness import run_job

            guard.install([jobdir, os.environ.get("HOME", ""), os.environ.get("TMPDIR", "")], counter)
            result = guard.verdict(run_job(job))
            payload = json.dumps(result, default=str).encode("utf-8")
        except BaseException as exc:  # noqa: BLE001
            payload = json.dumps({"status": "error", "error": f"worker child: {type(exc).__name__}: {exc}",
                                  "events": [], "hits": {}}).encode("utf-8")
            status = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        view = memoryview(payload)
        try:
            while view:
                written = os.write(write_fd, view[:65536])
                view = view[written:]
        except OSError:
            status = 1
        os._exit(status)

    os.close(write_fd)
    try:
        os.setpgid(pid, pid)  # in case the child has not done it yet (so that killpg cannot miss)
    except OSError:
        pass
    chunks, size, timed_out = [], 0, False
    exit_status = None
    deadline = started + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], min(remaining, 0.25))
            if ready:
                data = os.read(read_fd, 65536)
                if not data:
                    break
                size += len(data)
                if size <= RESULT_CAP:
                    chunks.append(data)
                continue
            if exit_status is None:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    exit_status = status
                    # the child is gone; a process it forked may still hold the pipe open: drain what is there
                    while select.select([read_fd], [], [], 0.05)[0]:
                        data = os.read(read_fd, 65536)
                        if not data:
                            break
                        size += len(data)
                        if size <= RESULT_CAP:
                            chunks.append(data)
                    break
    finally:
        os.close(read_fd)
        if exit_status is None and not timed_out:
            exit_status = _wait_exit(pid, min(deadline, time.monotonic() + 2.0))
        lingering = exit_status is not None and group_alive(pid)  # the job ended; did something it started not?
        _kill_group(pid)
        if exit_status is None:
            exit_status = _reap(pid)
    spawned = guard.processes_started(counter)
    counter.close()
    elapsed = time.monotonic() - started
    stdout, stderr = _read_capped(out_path), _read_capped(err_path)
    shutil.rmtree(jobdir, ignore_errors=True)
    if timed_out:
        result = {"status": "error", "error": f"timed out after {timeout:g}s (process group killed)",
                  "events": [], "hits": {}}
    elif size > RESULT_CAP:
        result = {"status": "error", "error": f"result larger than {RESULT_CAP} bytes", "events": [], "hits": {}}
    else:
        try:
            result = json.loads(b"".join(chunks).decode("utf-8")) if chunks else None
        except ValueError:
            result = None
        if not isinstance(result, dict):
            result = {"status": "error", "error": _death(exit_status), "events": [], "hits": {}}
    if spawned > guard.MAX_PROCESSES:  # the cause of whatever else went wrong
        result.update(status="error", error=f"sandbox: the job and its processes tried to start more than "
                                            f"{guard.MAX_PROCESSES} processes (a fork bomb?); refused, all killed")
    elif lingering and result.get("status") != "error":
        result.update(status="error", error="sandbox: a process the job started was still running when the job "
                                            "ended (a child or grandchild outlived it); it was killed")
    result["stdout"], result["stderr"] = stdout, stderr
    result["seconds"] = round(elapsed, 3)
    return result


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _wait_exit(pid: int, until: float) -> "int | None":
    """The exit status of ``pid`` once it has exited (reaped), or None if it is still running at ``until``."""
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return 0
        if done:
            return status
        if time.monotonic() >= until:
            return None
        time.sleep(0.005)


def group_alive(pgid: int) -> bool:
    """Is any process left in the process group ``pgid``?"""
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but we may not signal it (it changed its user): still there


def _reap(pid: int) -> int:
    try:
        _, status = os.waitpid(pid, 0)
        return status
    except ChildProcessError:
        return 0


def _death(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed: memory or time limit?)",
                "SIGSEGV": " (crash)"}.get(name, "")
        return f"the child died from {name}{hint} before reporting"
    if os.WIFEXITED(status):
        return f"the child exited with status {os.WEXITSTATUS(status)} before reporting"
    return "the child vanished before reporting"


def serve(workdir: str) -> None:
    """The warm loop: jobs on stdin, results on stdout, one JSON line each."""
    # The protocol owns the original stdin/stdout; anything else printed by accident goes to stderr.
    proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    os.close(devnull)
    import torch  # noqa: F401 - the point of the warm worker: import once, fork many times

    try:  # torch.optim imports torch._dynamo (and sympy, ...) lazily on the first step: ~4 s, once here
        import torch._dynamo  # noqa: F401
    except Exception:  # noqa: BLE001 - only a warm-up
        pass
    from . import harness, probe  # noqa: F401 - loaded before forking, so each job starts warm

    proto_out.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    proto_out.flush()
    for line in proto_in:
        line = line.strip()
        if not line:
            continue
        try:
            job = json.loads(line)
        except ValueError as exc:
            result = {"status": "error", "error": f"bad job: {exc}", "events": [], "hits": {}}
        else:
            if job.get("kind") == "exit":
                break
            result = run_forked(job, workdir, close_fds=(proto_in.fileno(), proto_out.fileno()))
            result["id"] = job.get("id")
        proto_out.write(json.dumps(result, default=str) + "\n")
        proto_out.flush()


def once() -> None:
    """The cold path: one job from stdin, run in this process, result on stdout."""
    job = json.loads(sys.stdin.read())
    real_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # user prints go to stderr, the result alone to stdout
    _set_cpu_limit(float(job.get("timeout") or 60.0))
    from . import guard
    from .harness import run_job

    guard.install([os.getcwd(), os.environ.get("HOME", ""), os.environ.get("TMPDIR", "")], guard.process_counter())
    started = time.monotonic()
    result = guard.verdict(run_job(job))
    result["seconds"] = round(time.monotonic() - started, 3)
    result["id"] = job.get("id")
    real_out.write(json.dumps(result, default=str) + "\n")
    real_out.flush()
    os._exit(0)


def main(argv=None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--once" in args:
        once()
        return
    workdir = os.getcwd()
    serve(workdir)


if __name__ == "__main__":
    main()
