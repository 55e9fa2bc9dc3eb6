"""Running jobs in a sandboxed child process (torch-free: this is the parent side).

``Worker`` is the warm path: one long-lived ``python -m inplace_lint.validate.worker`` child that imports torch once
and runs each job in a fresh forked grandchild. ``ColdRunner`` starts a new interpreter per job (the benchmark's
baseline, and the fallback where ``fork`` is missing). Both apply the same limits:

- a scrubbed environment: only ``PATH``, locale and timezone variables survive; ``HOME`` and ``TMPDIR`` point into a
  fresh temporary folder; ``PYTHONPATH`` holds only what is needed to import inplace_lint and torch;
  ``CUDA_VISIBLE_DEVICES`` is empty (validation runs on CPU); one thread for OpenMP/MKL;
- a temporary working directory, removed at the end; stdin is ``/dev/null``;
- resource limits: ``RLIMIT_AS`` (address space), ``RLIMIT_FSIZE`` (largest file written), ``RLIMIT_CORE`` = 0,
  ``RLIMIT_NPROC`` (when not root: the processes the user already has plus a margin), ``RLIMIT_CPU`` per job;
- a wall-clock timeout per job; the child runs in its own session / process group, which is killed at the end;
- captured output is capped.

On Linux the worker also isolates every job in its own namespaces (``isolation.py``, ``worker.run_isolated``):
read-only file system except the job's folders, private /tmp and /dev/shm, no network, every process of the job
killed with it. ``Worker.isolation`` says which level the worker got (docs/validator.md, "Safety model").
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from .worker import group_alive

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEEP_ENV = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_MESSAGES", "TZ", "SYSTEMROOT",
            "INPLACE_LINT_ISOLATION")
STARTUP_SECONDS = 120.0  # importing torch on a cold disk can be slow
OUTPUT_CAP = 64 * 1024
RESULT_CAP = 32 * 1024 * 1024  # the cold runner's result line


@dataclass
class Limits:
    timeout: float = 60.0  # wall clock per job, seconds (also its CPU-time limit)
    memory_mb: int = 4096  # RLIMIT_AS of the worker and its children
    file_mb: int = 256  # RLIMIT_FSIZE
    extra_processes: int = 64  # RLIMIT_NPROC margin over what the user already runs (not for root)


def sandbox_env(home: str, marker: str = "1") -> Dict[str, str]:
    """The environment a validation child gets."""
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    paths = [PACKAGE_ROOT]
    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and os.path.isdir(user_site):
        paths.append(user_site)  # HOME changes below, so the user site would be lost otherwise
    env.update({
        "HOME": home,
        "TMPDIR": home,
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "INPLACE_LINT_VALIDATE_CHILD": marker,  # the runner's folder: names every process of a run
    })
    return env


def _user_process_count() -> int:
    uid = os.getuid()
    count = 0
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.stat(f"/proc/{entry}").st_uid == uid:
                        count += len(os.listdir(f"/proc/{entry}/task"))
                except OSError:
                    continue
    except OSError:
        return 0
    return count


def _preexec(limits: Limits, nproc: Optional[int]):
    def apply() -> None:
        try:
            import resource
        except ImportError:
            return

        def cap(kind, value):
            try:
                soft, hard = resource.getrlimit(kind)
                if hard != resource.RLIM_INFINITY:
                    value = min(value, hard)
                resource.setrlimit(kind, (value, hard))
            except (ValueError, OSError):
                pass

        cap(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
        cap(resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024)
        cap(resource.RLIMIT_CORE, 0)
        if nproc:
            cap(resource.RLIMIT_NPROC, nproc)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    return apply


def _nproc_limit(limits: Limits) -> Optional[int]:
    if not hasattr(os, "getuid") or os.getuid() == 0:
        return None  # root is not bound by RLIMIT_NPROC anyway
    current = _user_process_count()
    return current + limits.extra_processes if current else None


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _collect(proc: subprocess.Popen, data: bytes, timeout: float):
    """Feed ``data`` to ``proc`` and read its stdout/stderr until *it* exits (not until the pipes close: a process
    it started may hold them), then kill its process group. (stdout, stderr, exited in time, a process it started
    was still running)."""
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except OSError:
        pass
    streams = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    deadline = time.monotonic() + timeout
    finished = lingering = False

    def read(wait: float) -> None:
        ready, _, _ = select.select(list(streams), [], [], wait)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                del streams[fd]
            elif len(streams[fd]) < 2 * OUTPUT_CAP + RESULT_CAP:
                streams[fd] += chunk

    out, err = proc.stdout.fileno(), proc.stderr.fileno()
    buffers = dict(streams)
    while streams and time.monotonic() < deadline:
        read(0.05)
        if proc.poll() is not None:
            break
    if proc.poll() is None:
        try:
            proc.wait(timeout=max(0.0, min(2.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            pass
    finished = proc.poll() is not None
    if finished:
        lingering = group_alive(proc.pid)
    _kill(proc)
    drain_until = time.monotonic() + 5.0
    while streams and time.monotonic() < drain_until:  # what was written before the end (the group is dead: the
        read(0.5)                                       # pipes close, unless a process left the group)
    return bytes(buffers[out]), bytes(buffers[err]), finished, lingering


def _error(message: str, **extra) -> Dict[str, Any]:
    out = {"status": "error", "error": message, "events": [], "hits": {}}
    out.update(extra)
    return out


class Worker:
    """The warm worker. ``run(job)`` returns the job's result dict (``status: error`` on any failure; the worker
    is restarted for the next job if it died)."""

    def __init__(self, limits: Optional[Limits] = None, python: Optional[str] = None):
        self.limits = limits or Limits()
        self.python = python or sys.executable
        self.proc: Optional[subprocess.Popen] = None
        self.root = tempfile.mkdtemp(prefix="inplace-lint-validate-")
        self.starts = 0
        self.startup_seconds = 0.0
        self.isolation: Dict[str, str] = {}
        self._buffer = b""
        self._next_id = 0

    # --- lifecycle -----------------------------------------------------------------------------------------------

    def _start(self) -> Optional[str]:
        """Start the worker and wait for its ready line; an error message, or None."""
        home = tempfile.mkdtemp(prefix="home-", dir=self.root)
        cwd = tempfile.mkdtemp(prefix="work-", dir=self.root)
        started = time.monotonic()
        self.stderr_path = os.path.join(self.root, f"worker-{self.starts}.stderr")
        stderr = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(
                [self.python, "-m", "inplace_lint.validate.worker", f"--memory-mb={self.limits.memory_mb}"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd,
                env=sandbox_env(home, self.root), start_new_session=True,
                preexec_fn=_preexec(self.limits, _nproc_limit(self.limits)), close_fds=True)
        except OSError as exc:
            return f"cannot start the validation worker: {exc}"
        finally:
            stderr.close()
        self.starts += 1
        self._buffer = b""
        line = self._read_line(STARTUP_SECONDS)
        self.startup_seconds += time.monotonic() - started
        if line is None:
            why = self._stderr_tail()
            self._stop()
            return "the validation worker did not start" + (f": {why}" if why else "")
        try:
            ready = json.loads(line)
        except ValueError:
            ready = {}
        if not ready.get("ready"):
            self._stop()
            return f"the validation worker did not start: {line[:200]!r}"
        self.isolation = ready.get("isolation") or {"level": "none", "why": "the worker did not say"}
        return None

    def _stderr_tail(self) -> str:
        try:
            with open(self.stderr_path, "rb") as fh:
                data = fh.read()[-1500:]
        except OSError:
            return ""
        text = data.decode("utf-8", "replace").strip()
        return text.splitlines()[-1] if text else ""

    def _stop(self) -> None:
        if self.proc is not None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
            except OSError:
                pass
            _kill(self.proc)
            for stream in (self.proc.stdout,):
                try:
                    if stream:
                        stream.close()
                except OSError:
                    pass
            self.proc = None

    def close(self) -> None:
        """Stop the worker (its whole process group) and remove the temporary folders."""
        self._stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- jobs ----------------------------------------------------------------------------------------------------

    def _read_line(self, timeout: float) -> Optional[str]:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace")

    def run(self, job: Dict[str, Any]) -> Dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            problem = self._start()
            if problem:
                return _error(problem)
        job = dict(job)
        job.setdefault("timeout", self.limits.timeout)
        self._next_id += 1
        job["id"] = self._next_id
        try:
            assert self.proc is not None and self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(job) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (OSError, ValueError) as exc:
            self._stop()
            return _error(f"the validation worker is gone: {exc}")
        line = self._read_line(float(job["timeout"]) + 30.0)
        if line is None:
            why = self._stderr_tail()
            self._stop()
            return _error("the validation worker stopped answering" + (f": {why}" if why else ""))
        try:
            result = json.loads(line)
        except ValueError:
            result = None
        if not isinstance(result, dict) or result.get("id") != job["id"]:
            self._stop()
            return _error(f"the validation worker sent garbage: {line[:200]!r}")
        return result


class ColdRunner:
    """One fresh interpreter per job (``python -m inplace_lint.validate.worker --once``): torch imported each time."""

    def __init__(self, limits: Optional[Limits] = None, python: Optional[str] = None):
        self.limits = limits or Limits()
        self.python = python or sys.executable
        self.root = tempfile.mkdtemp(prefix="inplace-lint-validate-")
        self.isolation: Dict[str, str] = {}

    def run(self, job: Dict[str, Any]) -> Dict[str, Any]:
        job = dict(job)
        job.setdefault("timeout", self.limits.timeout)
        home = tempfile.mkdtemp(prefix="home-", dir=self.root)
        cwd = tempfile.mkdtemp(prefix="work-", dir=self.root)
        try:
            proc = subprocess.Popen(
                [self.python, "-m", "inplace_lint.validate.worker", "--once",
                 f"--memory-mb={self.limits.memory_mb}"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=sandbox_env(home, self.root),
                start_new_session=True, preexec_fn=_preexec(self.limits, _nproc_limit(self.limits)))
        except OSError as exc:
            return _error(f"cannot start python: {exc}")
        try:
            out, err, finished, lingering = _collect(proc, json.dumps(job).encode("utf-8"),
                                                     float(job["timeout"]) + STARTUP_SECONDS)
            if not finished:
                return _error(f"timed out after {job['timeout']}s")
        finally:
            _kill(proc)
            shutil.rmtree(cwd, ignore_errors=True)
            shutil.rmtree(home, ignore_errors=True)
        lines = out.decode("utf-8", "replace").strip().splitlines()
        try:
            result = json.loads(lines[-1]) if lines else None
        except ValueError:
            result = None
        if not isinstance(result, dict):
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            return _error(f"the child exited with status {proc.returncode}: {tail[0][:300]}")
        result.setdefault("stderr", err.decode("utf-8", "replace")[:OUTPUT_CAP])
        self.isolation = {"level": result.get("isolation") or "none", "why": result.pop("isolation_why", ""),
                          **(result.pop("isolation_cgroup", None) or {})}
        if lingering:
            message = ("sandbox: a process the job started was still running when the job ended (a child or "
                       "grandchild outlived it); it was killed")
            result.setdefault("sandbox", []).append(message)
            if not (result.get("error") or "").startswith("sandbox:"):
                result.update(job_status=result.get("status"), status="error", error=message)
        return result

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "ColdRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_runner(limits: Optional[Limits] = None, warm: bool = True):
    """The warm ``Worker`` where ``fork`` exists, else a ``ColdRunner``."""
    if warm and hasattr(os, "fork"):
        return Worker(limits)
    return ColdRunner(limits)


__all__: List[str] = ["ColdRunner", "Limits", "Worker", "make_runner", "sandbox_env"]
