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

At the namespace level (``isolation.py``), a supervisor forked per job builds the job's mount/PID/IPC/UTS
namespaces, runs it under a minimal init, watches its processes and memory from outside and reports what the
sandbox saw; otherwise (``run_grouped``) the job runs in its own process group under the write guard only.
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
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import cgroup, channel, isolation

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


def _job_folders(workdir: str) -> Tuple[str, str, str]:
    """(job root, its working directory, its HOME): fresh per job, removed after it."""
    root = tempfile.mkdtemp(prefix="job-", dir=workdir)
    work, home = os.path.join(root, "work"), os.path.join(root, "home")
    os.mkdir(work, 0o700)
    os.mkdir(home, 0o700)
    return root, work, home


def _redirect(out_path: str, err_path: str) -> Tuple[int, int]:
    out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return out_fd, err_fd


def _job_process(job: Dict[str, Any], work: str, home: str, tmp: str, out_fd: int, err_fd: int, key: bytes,
                 result_fd: int, allowed: Sequence[str], counter, timeout: float,
                 note: Optional[str] = None) -> bytes:
    """In the job process, before user code: cwd, per-job HOME/TMPDIR, stdio, limits, the guard; then the job.
    Returns the framed result."""
    _set_cpu_limit(timeout)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-size write fails instead of killing us
    os.chdir(work)
    os.environ.update({"HOME": home, "TMPDIR": tmp})
    tempfile.tempdir = None
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    for fd in (devnull, out_fd, err_fd):
        os.close(fd)
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")
    from . import guard
    from .harness import run_job

    guard.install(list(allowed), counter)
    me = os.getpid()
    result = run_job(job)
    if os.getpid() != me:  # a process the user code forked, unwinding out of it: it has nothing to report
        os._exit(1)
    forged = channel.tampered()
    if forged:
        guard.violations.append(f"sandbox: the job's code replaced the JSON encoder ({', '.join(forged)}): an "
                                f"attempt to forge its result? The result was encoded with the validator's own")
    result = guard.verdict(result)
    if note:
        result["isolation_note"] = note
    return channel.frame(key, result)


def _write_all(fd: int, data: bytes) -> bool:
    view = memoryview(data)
    try:
        while view:
            written = os.write(fd, view[:65536])
            view = view[written:]
    except OSError:
        return False
    return True


def _finish(result: Optional[Dict[str, Any]], problem: Optional[str], exit_status, timed_out: bool,
            timeout: float, size: int) -> Dict[str, Any]:
    if timed_out:
        return {"status": "error", "error": f"timed out after {timeout:g}s (every process of the job killed)",
                "events": [], "hits": {}}
    if size > RESULT_CAP:
        return {"status": "error", "error": f"result larger than {RESULT_CAP} bytes", "events": [], "hits": {}}
    if not isinstance(result, dict):
        if problem:
            return {"status": "error", "error": f"sandbox: {problem}", "events": [], "hits": {}}
        return {"status": "error", "error": _death(exit_status) if exit_status is not None else
                "the child vanished before reporting", "events": [], "hits": {}}
    return result


def _note(result: Dict[str, Any], message: str, escaped: bool = False) -> None:
    """A sandbox event, kept whatever the job's own outcome: listed in ``sandbox``; the job becomes an error."""
    notes = result.setdefault("sandbox", [])
    if message not in notes:
        notes.append(message)
    if escaped:
        result["escaped"] = True
    if result.get("status") != "error" or not (result.get("error") or "").startswith("sandbox:"):
        result["job_status"] = result.get("status")
        result["status"] = "error"
        result["error"] = message


def _blocked_writes(result: Dict[str, Any], texts: Sequence[str]) -> None:
    """What the namespaces refused that the Python guard did not see (subprocesses, C code): the job's output names
    it (every tool prints strerror). Such an access escaped the guard; the OS stopped it."""
    seen = {what for note in result.get("sandbox") or [] for what in isolation.BLOCKED_BY_OS.values() if what in note}
    exc = result.get("exception") or {}
    lines = [line for text in texts for line in text.splitlines()] + [exc.get("message") or ""]
    for line in lines:
        what = isolation.blocked_by_os(line)
        if what is not None and what not in seen:
            seen.add(what)
            _note(result, f"sandbox: {what} (not seen by the Python guard): {line.strip()[:300]}", escaped=True)


_LEVEL: Dict[str, Any] = {"level": isolation.NONE, "why": "not set up"}  # what enter() managed, in this worker
_CGROUPS: List[cgroup.JobCgroups] = []  # the worker's per-job cgroups, when cgroup.detect() found a tree for them


def enter(memory_mb: Optional[int] = None) -> Dict[str, str]:
    """Set up this worker's isolation, before importing torch (a user namespace needs a single thread)."""
    wanted = isolation.level()
    if wanted == isolation.NAMESPACES:
        try:
            isolation.enter_worker()
            _LEVEL.update(level=isolation.NAMESPACES, why="")
        except OSError as exc:
            _LEVEL.update(level=isolation.NONE, why=f"namespaces unavailable: {exc}")
    else:
        _LEVEL.update(level=isolation.NONE, why=isolation.why())
    _LEVEL["memory_mb"] = memory_mb
    _CGROUPS.clear()
    if _LEVEL["level"] == isolation.NAMESPACES:  # per-job cgroup v2 limits where the tree allows them
        found = cgroup.detect()
        cgroups = {"cgroup": "v2" if found.available else "none", "cgroup_why": found.why}
        if found.available:
            _CGROUPS.append(cgroup.JobCgroups(found.base))
    else:
        cgroups = {"cgroup": "none", "cgroup_why": "not used without namespaces"}
    _LEVEL.update(cgroups)
    return {"level": _LEVEL["level"], "why": _LEVEL["why"], **cgroups}


def run_forked(job: Dict[str, Any], workdir: str, close_fds=()) -> Dict[str, Any]:
    """Run ``job`` in a forked child, isolated by namespaces when the worker could set them up (``run_isolated``),
    else in its own process group under the write guard only (``run_grouped``); always returns a result dict."""
    if _LEVEL["level"] == isolation.NAMESPACES:
        result = run_isolated(job, workdir, close_fds, _LEVEL.get("memory_mb"))
    else:
        result = run_grouped(job, workdir, close_fds)
    result["isolation"] = _LEVEL["level"]
    return result


def run_grouped(job: Dict[str, Any], workdir: str, close_fds=()) -> Dict[str, Any]:
    """The guard-only level: the job in a forked child in its own process group."""
    timeout = float(job.get("timeout") or 60.0)
    jobroot, work, home = _job_folders(workdir)
    tmp = os.path.join(jobroot, "tmp")
    os.mkdir(tmp, 0o700)
    out_path, err_path = os.path.join(jobroot, ".stdout"), os.path.join(jobroot, ".stderr")
    read_fd, write_fd = os.pipe()
    key_r, key_w = os.pipe()
    key = channel.new_key()
    os.write(key_w, key)
    os.close(key_w)
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
            secret = os.read(key_r, 64)
            os.close(key_r)
            out_fd, err_fd = _redirect(out_path, err_path)
            payload = _job_process(job, work, home, tmp, out_fd, err_fd, secret, write_fd,
                                   [work, home, tmp], counter, timeout)
        except BaseException as exc:  # noqa: BLE001
            payload = channel.frame(key, {"status": "error", "error": f"worker child: {type(exc).__name__}: {exc}",
                                          "events": [], "hits": {}})
            status = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        if not _write_all(write_fd, payload):
            status = 1
        os._exit(status)

    os.close(write_fd)
    os.close(key_r)
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
    shutil.rmtree(jobroot, ignore_errors=True)
    record, problem = channel.parse(key, b"".join(chunks))
    result = _finish(record, problem, exit_status, timed_out, timeout, size)
    if problem and record is not None:
        _note(result, f"sandbox: {problem}")
    if spawned > guard.MAX_PROCESSES:  # the cause of whatever else went wrong
        _note(result, f"sandbox: the job and its processes tried to start more than {guard.MAX_PROCESSES} "
                      f"processes (a fork bomb?); refused, all killed")
    if lingering:
        _note(result, "sandbox: a process the job started was still running when the job ended (a child or "
                      "grandchild outlived it); it was killed")
    _carry_guard(result)
    result["stdout"], result["stderr"] = stdout, stderr
    result["seconds"] = round(elapsed, 3)
    return result


def _carry_guard(result: Dict[str, Any]) -> None:
    """The write guard's refusals (the job reported them itself) as sandbox notes."""
    for message in result.pop("violations", None) or []:
        _note(result, message)


# --- the namespace level ----------------------------------------------------------------------------------------


def run_isolated(job: Dict[str, Any], workdir: str, close_fds=(), memory_mb: Optional[int] = None) -> Dict[str, Any]:
    """The namespace level: a supervisor child builds the job's namespaces (``isolation``), starts the job as PID 1
    of its PID namespace, watches its processes from outside (count, memory, what is left at the end) and sends the
    worker a report the job cannot reach."""
    timeout = float(job.get("timeout") or 60.0)
    jobroot, work, home = _job_folders(workdir)
    out_path, err_path = os.path.join(jobroot, ".stdout"), os.path.join(jobroot, ".stderr")
    from . import guard

    report_r, report_w = os.pipe()
    group = procs_fd = None
    group_problem = ""
    pids_max = guard.MAX_PROCESSES + 3  # + the supervisor, the job's init and the job itself
    if _CGROUPS and memory_mb:
        try:
            group = _CGROUPS[0].create(pids_max, memory_mb * 1024 * 1024)
            procs_fd = cgroup.JobCgroups.procs_fd(group)
        except OSError as exc:
            group_problem = f"none: no group for this job ({exc}); the watchdog alone enforced the limits"
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the supervisor: trusted, runs no user code
        try:
            os.close(report_r)
            for fd in close_fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            os.setpgid(0, 0)
            if procs_fd is not None:  # into the job's group before forking its init: all of the job inherits it
                os.write(procs_fd, b"0")
                os.close(procs_fd)
            report = _supervise(job, work, home, out_path, err_path, timeout, memory_mb, report_w)
        except BaseException as exc:  # noqa: BLE001
            report = {"status": "error", "error": f"sandbox: the job could not be isolated: "
                                                  f"{type(exc).__name__}: {exc}", "events": [], "hits": {}}
        _write_all(report_w, json.dumps(report, default=str).encode("utf-8"))
        os._exit(0)

    os.close(report_w)
    if procs_fd is not None:
        os.close(procs_fd)
    chunks, size = [], 0
    deadline = started + timeout + 15.0  # the supervisor enforces the job's timeout; this is in case it hangs
    gone = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([report_r], [], [], min(0.5, max(0.0, deadline - time.monotonic())))
            if ready:
                data = os.read(report_r, 1 << 20)
                if not data:
                    gone = True
                    break
                size += len(data)
                if size <= 2 * RESULT_CAP:
                    chunks.append(data)
    finally:
        os.close(report_r)
        _kill_group(pid)  # the job dies with its supervisor (PR_SET_PDEATHSIG), its PID namespace with the job
        status = _reap(pid)
    stdout, stderr = _read_capped(out_path), _read_capped(err_path)
    shutil.rmtree(jobroot, ignore_errors=True)
    try:
        result = json.loads(b"".join(chunks).decode("utf-8")) if gone and chunks else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        result = {"status": "error", "error": "the job supervisor " + ("hung" if not gone else _death(status)),
                  "events": [], "hits": {}}
    if group is not None:  # what the kernel enforced in the job's group; then kill what is left and remove it
        for message in cgroup.notes(cgroup.JobCgroups.events(group), pids_max, memory_mb or 0):
            _note(result, message)
        _CGROUPS[0].remove(group)
        result["cgroup"] = "v2"
    elif group_problem:
        result["cgroup"] = group_problem
    _blocked_writes(result, [stdout, stderr])
    if any("not seen by the Python guard" in note for note in result.get("sandbox") or []):
        result["escaped"] = True
    result["stdout"], result["stderr"] = stdout, stderr
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def _job_paths(job: Dict[str, Any]) -> List[str]:
    """The absolute paths a job names (its script, project root, sys.path additions...): they must stay readable."""
    out: List[str] = []
    for value in job.values():
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(v, str) and v.startswith("/"):
                out.append(v)
    return out


def _supervise(job: Dict[str, Any], work: str, home: str, out_path: str, err_path: str, timeout: float,
               memory_mb: Optional[int], report_fd: int) -> Dict[str, Any]:
    from . import guard

    out_fd, err_fd = _redirect(out_path, err_path)
    host_proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)  # the worker's view, where the job's pids live
    isolation.enter_job_mounts([work, home], visible=_job_paths(job))
    key = channel.new_key()
    key_r, key_w = os.pipe()
    os.write(key_w, key)
    os.close(key_w)
    result_r, result_w = os.pipe()
    ack_r, ack_w = os.pipe()
    counter = guard.process_counter()
    started = time.monotonic()
    status_r, status_w = os.pipe()
    job_pid = os.fork()
    if job_pid == 0:  # PID 1 of the job's namespace: a minimal init that runs the job as PID 2 and reaps orphans
        try:
            for fd in (result_r, ack_w, host_proc, report_fd, status_r):
                os.close(fd)
            note = isolation.enter_job_process()
        except BaseException as exc:  # noqa: BLE001
            _write_all(result_w, channel.frame(key, {"status": "error", "error": f"sandbox: the job could not be "
                                                     f"isolated: {type(exc).__name__}: {exc}", "events": [],
                                                     "hits": {}}))
            os._exit(1)
        inner = os.fork()
        if inner == 0:  # the job (PID 2: signals to itself work as usual, unlike for PID 1)
            os.close(status_w)
            _run_job_process(job, work, home, out_fd, err_fd, key, key_r, result_w, ack_r, counter, timeout, note)
        for fd in (out_fd, err_fd, key_r, result_w, ack_r):
            os.close(fd)
        os.write(status_w, f"{inner}\n".encode())
        status = 0
        while True:
            try:
                pid, raw = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if pid == inner:
                status = raw
                break
        os.write(status_w, f"{status}\n".encode())
        os._exit(0)  # the kernel now kills every other process of the namespace

    os.close(status_w)
    reported = b""
    until = time.monotonic() + 10.0
    while b"\n" not in reported and time.monotonic() < until:  # the job's pid, written by its init at once
        if not select.select([status_r], [], [], 0.5)[0]:
            continue
        data = os.read(status_r, 4096)
        if not data:
            break
        reported += data
    inner_pid = -1  # the job's pid as the supervisor sees it: the init's only child at this point
    try:
        with open(f"{job_pid}/task/{job_pid}/children", "rb",
                  opener=lambda p, f: os.open(p, f, dir_fd=host_proc)) as fh:
            children = fh.read().split()
        inner_pid = int(children[0]) if len(children) == 1 else -1
    except (OSError, ValueError):
        pass
    for fd in (out_fd, err_fd, key_r, result_w, ack_r):
        os.close(fd)
    memory_limit = (memory_mb or 0) * 1024 * 1024
    chunks: List[bytes] = []
    size = 0
    notes: List[str] = []
    aborted = False
    exit_status = None
    timed_out = False
    peak = 0
    next_watch = 0.0
    deadline = started + timeout
    while True:
        now = time.monotonic()
        if now >= deadline:
            timed_out = True
            break
        ready, _, _ = select.select([result_r], [], [], min(0.05, deadline - now))
        if ready:
            data = os.read(result_r, 1 << 20)
            if data:
                size += len(data)
                if size <= RESULT_CAP:
                    chunks.append(data)
                if channel.complete(key, b"".join(chunks)):
                    break
                continue
        done, status = os.waitpid(job_pid, os.WNOHANG)
        if done:
            exit_status = status
            break
        if time.monotonic() >= next_watch:
            next_watch = time.monotonic() + 0.1
            pids = _process_tree(host_proc, job_pid)
            over = None
            if len(pids) > guard.MAX_PROCESSES + 2:  # + the namespace's init
                over = (f"sandbox: the job ran more than {guard.MAX_PROCESSES} processes at once (a fork bomb?); "
                        f"its processes were killed")
            elif memory_limit:
                used = sum(_memory(host_proc, p) for p in pids)
                peak = max(peak, used)
                if used > memory_limit:
                    over = (f"sandbox: the job's processes used {used / 2 ** 20:.0f} MiB together, over the "
                            f"{memory_mb} MiB limit; its processes were killed")
            if over is not None:
                notes.append(over)
                # the job's children first: the job itself may still finish and report what the probe saw; a
                # second breach (the job itself forking or allocating) ends the job
                if len(notes) > 1 or not _kill_descendants(host_proc, job_pid, {job_pid, inner_pid}):
                    aborted = True
                    break
    lingering = []
    if exit_status is None and not timed_out and not aborted:
        time.sleep(0.02)  # a child started in the job's last instant: let it show up in /proc
        lingering = [p for p in _process_tree(host_proc, job_pid) if p not in (job_pid, inner_pid)]
    os.close(ack_w)
    if exit_status is None:
        exit_status = _wait_exit(job_pid, time.monotonic() + (2.0 if not (timed_out or aborted) else 0.0))
    if exit_status is None:
        try:
            os.kill(job_pid, signal.SIGKILL)  # PID 1 of the namespace: the kernel kills every process in it
        except OSError:
            pass
        exit_status = _reap(job_pid)
    while True:  # what was written before the end
        ready, _, _ = select.select([result_r], [], [], 0)
        if not ready:
            break
        data = os.read(result_r, 1 << 20)
        if not data:
            break
        size += len(data)
        if size <= RESULT_CAP:
            chunks.append(data)
    os.close(result_r)
    while select.select([status_r], [], [], 0)[0]:
        data = os.read(status_r, 4096)
        if not data:
            break
        reported += data
    os.close(status_r)
    lines = reported.split()
    if len(lines) >= 2 and lines[1].lstrip(b"-").isdigit():
        exit_status = int(lines[1])  # the job's own status (its init only relays it)
    spawned = guard.processes_started(counter)
    record, problem = channel.parse(key, b"".join(chunks))
    result = _finish(record, problem, exit_status, timed_out, timeout, size)
    if problem and record is not None:
        _note(result, f"sandbox: {problem}")
    for message in notes:
        _note(result, message)
    if spawned > guard.MAX_PROCESSES:
        _note(result, f"sandbox: the job and its processes tried to start more than {guard.MAX_PROCESSES} "
                      f"processes (a fork bomb?); refused, all killed")
    if lingering:
        _note(result, f"sandbox: {len(lingering)} process{'es' if len(lingering) != 1 else ''} the job started "
                      f"{'were' if len(lingering) != 1 else 'was'} still running when the job ended; killed with "
                      f"its PID namespace")
    left = _left_in_shared_memory()
    if left:
        _note(result, f"sandbox: the job left {len(left)} file{'s' if len(left) != 1 else ''} in /dev/shm "
                      f"({', '.join(left[:5])}{', ...' if len(left) > 5 else ''}): this job's private /dev/shm, "
                      f"discarded with it (without isolation they would outlive the run, visible to the next job)")
    _carry_guard(result)
    if peak:
        result["memory_peak_mb"] = round(peak / 2 ** 20)
    return result


def _left_in_shared_memory() -> List[str]:
    """What the job left in its /dev/shm (in the supervisor: the job's private tmpfs, its processes all gone)."""
    try:
        return sorted(os.listdir("/dev/shm"))
    except OSError:
        return []


def _run_job_process(job, work, home, out_fd, err_fd, key, key_r, result_w, ack_r, counter, timeout, note) -> None:
    """The job process of the namespace level (never returns)."""
    status = 0
    try:
        _set_nproc()
        secret = os.read(key_r, 64)
        os.close(key_r)
        payload = _job_process(job, work, home, "/tmp", out_fd, err_fd, secret, result_w,
                               [work, home, "/tmp"], counter, timeout, note)
    except BaseException as exc:  # noqa: BLE001
        payload = channel.frame(key, {"status": "error", "error": f"job: {type(exc).__name__}: {exc}",
                                      "events": [], "hits": {}})
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
    if not _write_all(result_w, payload):
        status = 1
    os.close(result_w)
    try:
        select.select([ack_r], [], [], 10.0)  # wait until the supervisor has looked at what is still running
    except OSError:
        pass
    os._exit(status)


def _kill_descendants(proc_fd: int, job_pid: int, keep) -> bool:
    """SIGKILL every process of the job but the job itself; False when they keep coming back."""
    for _ in range(50):
        others = [p for p in _process_tree(proc_fd, job_pid) if p not in keep]
        if not others:
            return True
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
    return False


def _set_nproc() -> None:
    """RLIMIT_NPROC in the job's own user namespace: counts only the job's processes (not for root, whom the kernel
    exempts: the supervisor's watchdog counts for it)."""
    try:
        import resource
        from . import guard

        limit = guard.MAX_PROCESSES + 2
        _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def _process_tree(proc_fd: int, root: int) -> List[int]:
    """``root`` and its live descendants (orphans of the job are reparented to it: it is PID 1 of their namespace)."""
    out: List[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"{pid}/stat", "rb", opener=lambda p, f: os.open(p, f, dir_fd=proc_fd)) as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state in (b"Z", b"X"):
            continue
        out.append(pid)
        try:
            task_fd = os.open(f"{pid}/task", os.O_RDONLY | os.O_DIRECTORY, dir_fd=proc_fd)
        except OSError:
            continue
        try:
            tasks = os.listdir(task_fd)
        except OSError:
            tasks = []
        finally:
            os.close(task_fd)
        for task in tasks:
            try:
                with open(f"{pid}/task/{task}/children", "rb",
                          opener=lambda p, f: os.open(p, f, dir_fd=proc_fd)) as fh:
                    todo.extend(int(c) for c in fh.read().split())
            except (OSError, ValueError):
                continue
    return out


def _memory(proc_fd: int, pid: int) -> int:
    """The proportional set size of ``pid`` in bytes (shared pages, like torch's, counted once overall)."""
    try:
        with open(f"{pid}/smaps_rollup", "rb", opener=lambda p, f: os.open(p, f, dir_fd=proc_fd)) as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


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


def serve(workdir: str, memory_mb: Optional[int] = None) -> None:
    """The warm loop: jobs on stdin, results on stdout, one JSON line each."""
    # The protocol owns the original stdin/stdout; anything else printed by accident goes to stderr.
    proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    os.close(devnull)
    level = enter(memory_mb)
    import torch  # noqa: F401 - the point of the warm worker: import once, fork many times

    try:  # torch.optim imports torch._dynamo (and sympy, ...) lazily on the first step: ~4 s, once here
        import torch._dynamo  # noqa: F401
    except Exception:  # noqa: BLE001 - only a warm-up
        pass
    from . import harness, probe  # noqa: F401 - loaded before forking, so each job starts warm

    proto_out.write(json.dumps({"ready": True, "pid": os.getpid(), "isolation": level}) + "\n")
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
    for groups in _CGROUPS:
        groups.close()


def once(memory_mb: Optional[int] = None) -> None:
    """The cold path: one job from stdin, result on stdout; torch is imported by the job itself."""
    job = json.loads(sys.stdin.read())
    real_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # user prints go to stderr, the result alone to stdout
    level = enter(memory_mb)
    result = run_forked(job, os.getcwd())
    for groups in _CGROUPS:
        groups.close()
    result["id"] = job.get("id")
    result["isolation_why"] = level["why"]
    result["isolation_cgroup"] = {"cgroup": level.get("cgroup"), "cgroup_why": level.get("cgroup_why")}
    real_out.write(json.dumps(result, default=str) + "\n")
    real_out.flush()
    os._exit(0)


def main(argv=None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    memory_mb = None
    for arg in args:
        if arg.startswith("--memory-mb="):
            memory_mb = int(arg.split("=", 1)[1])
    if "--once" in args:
        once(memory_mb)
        return
    serve(os.getcwd(), memory_mb)


if __name__ == "__main__":
    main()
