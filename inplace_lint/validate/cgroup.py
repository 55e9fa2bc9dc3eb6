"""Per-job cgroup v2 limits (``pids.max``, ``memory.max``) where the machine gives a writable cgroup v2 tree
(torch-free, standard library only).

``detect()`` reads ``/proc/self/mountinfo`` (where a ``cgroup2`` file system is mounted) and ``/proc/self/cgroup``
(the ``0::/path`` line: this process's cgroup in it), then checks, in that cgroup (the *base*):

- that it offers the ``pids`` and ``memory`` controllers (``cgroup.controllers``). On a *hybrid* machine (cgroup v1
  hierarchies for the controllers, plus an empty cgroup v2 tree, e.g. at ``/sys/fs/cgroup/unified``) it does not:
  no per-job cgroup there, said so;
- that they are enabled for its children (``cgroup.subtree_control``; a base holding no process may enable them
  itself: cgroup v2 forbids controllers in the children of a cgroup with processes of its own, except at the root);
- that this user may create a cgroup under it (a delegated subtree, like systemd's ``Delegate=yes`` units).

Then ``JobCgroups`` makes ``<base>/inplace-lint-<pid>`` (no process of its own: it only enables the controllers
for its children) and one child per job, ``job-<n>``, with ``pids.max`` and ``memory.max`` (``memory.swap.max`` 0
where it exists). The job's PID 1 is moved into it before it starts the job, so every process of the job is
counted together: the kernel refuses the fork past ``pids.max`` and OOM-kills past ``memory.max`` (``pids.events``
/ ``memory.events`` say it happened: the sandbox notes). At the end ``cgroup.kill`` (kernel 5.14+) kills whatever is
left and the folder is removed.

Where there is no such tree (cgroup v1 only, hybrid, not delegated, not Linux), ``detect()`` says why, and the
supervisor's watchdog (``worker.py``: process count and total PSS every 0.1 s) plus ``RLIMIT_AS``/``RLIMIT_NPROC``
enforce the totals instead. Paths come from ``root`` (``/`` normally; a test gives a temporary folder laid out like
``/proc`` and a cgroup file system).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

CONTROLLERS = ("pids", "memory")


@dataclass
class Detection:
    base: Optional[str]  # the cgroup v2 folder jobs go under (None: not available)
    why: str  # what was found: the reason it is not available, or how it is used

    @property
    def available(self) -> bool:
        return self.base is not None


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def _unescape(field: str) -> str:
    """mountinfo escapes spaces and such as ``\\040``."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def cgroup2_mounts(mountinfo: str) -> List[Tuple[str, str]]:
    """(mount point, root of the mount inside the cgroup2 hierarchy) of every ``cgroup2`` mount."""
    out = []
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or not right.split() or right.split()[0] != "cgroup2":
            continue
        out.append((_unescape(fields[4]), _unescape(fields[3])))
    return out


def own_cgroup2_path(proc_cgroup: str) -> Optional[str]:
    """This process's path in the cgroup v2 hierarchy: the ``0::/path`` line of ``/proc/self/cgroup``."""
    for line in proc_cgroup.splitlines():
        if line.startswith("0::"):
            return line[3:].strip() or "/"
    return None


def _under(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/")) if root not in ("", "/") else path


def detect(root: str = "/") -> Detection:
    """Where per-job cgroups can be made, or why not (see the module docstring)."""
    mountinfo = _read(_under(root, "/proc/self/mountinfo"))
    membership = _read(_under(root, "/proc/self/cgroup"))
    if mountinfo is None or membership is None:
        return Detection(None, "no /proc/self/mountinfo or /proc/self/cgroup (not Linux?)")
    mounts = cgroup2_mounts(mountinfo)
    if not mounts:
        return Detection(None, "no cgroup v2 file system mounted (cgroup v1 only)")
    path = own_cgroup2_path(membership)
    if path is None:
        return Detection(None, "this process is in no cgroup v2 group (/proc/self/cgroup has no 0:: line)")
    own = None
    for point, mount_root in mounts:  # the mount that shows our group (its root is our group or an ancestor)
        top = mount_root.rstrip("/") or "/"
        if top != "/" and path != top and not path.startswith(top + "/"):
            continue
        rel = path[len(top):].lstrip("/") if top != "/" else path.lstrip("/")
        own = os.path.join(_under(root, point), rel) if rel else _under(root, point)
        break
    if own is None:
        return Detection(None, f"this process's cgroup v2 group {path} is not visible under any cgroup2 mount")
    controllers = (_read(os.path.join(own, "cgroup.controllers")) or "").split()
    missing = [c for c in CONTROLLERS if c not in controllers]
    if missing:
        return Detection(None, f"the cgroup v2 tree at {point} offers no {'/'.join(missing)} controller here "
                               f"(a hybrid setup: they are bound to cgroup v1 hierarchies)")
    # jobs go in a new group under our own (when it may have children with those controllers), else beside it
    # (under its parent, which enables them for us: we see them in cgroup.controllers)
    reasons = []
    for base, is_own in ((own, True), (os.path.dirname(own), False)):
        if not is_own and (path == "/" or not base.startswith(_under(root, point))):
            break
        if not (os.access(base, os.W_OK | os.X_OK) and os.access(os.path.join(base, "cgroup.procs"), os.W_OK)):
            reasons.append(f"{base} is not writable by this user (not delegated)")
            continue
        enabled = (_read(os.path.join(base, "cgroup.subtree_control")) or "").split()
        busy = (_read(os.path.join(base, "cgroup.procs")) or "").split() and base != _under(root, point)
        if not all(c in enabled for c in CONTROLLERS) and busy:
            reasons.append(f"{base} holds processes and does not enable {'/'.join(CONTROLLERS)} for its children")
            continue
        return Detection(base, f"cgroup v2: a group per job under {base}, with pids.max and memory.max")
    return Detection(None, "no writable cgroup v2 group for the jobs: " + "; ".join(reasons))


class JobCgroups:
    """Per-job groups under ``<base>/inplace-lint-<pid>`` (made lazily; removed by ``close``)."""

    def __init__(self, base: str, tag: Optional[str] = None):
        self.base = base
        self.parent = os.path.join(base, f"inplace-lint-{tag or os.getpid()}")
        self._count = 0
        self._ready = False

    def _write(self, path: str, text: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)  # O_CREAT: only for a test's stand-in folder
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)

    def _prepare(self) -> None:
        if self._ready:
            return
        enabled = (_read(os.path.join(self.base, "cgroup.subtree_control")) or "").split()
        wanted = " ".join(f"+{c}" for c in CONTROLLERS if c not in enabled)
        if wanted:  # a base without processes of its own (or the root) may enable them itself
            self._write(os.path.join(self.base, "cgroup.subtree_control"), wanted)
        os.makedirs(self.parent, exist_ok=True)
        self._write(os.path.join(self.parent, "cgroup.subtree_control"), " ".join(f"+{c}" for c in CONTROLLERS))
        self._ready = True

    def create(self, pids_max: int, memory_max: int) -> str:
        """A new job group with its limits; its path."""
        self._prepare()
        self._count += 1
        path = os.path.join(self.parent, f"job-{self._count}")
        os.mkdir(path)
        self._write(os.path.join(path, "pids.max"), str(int(pids_max)))
        self._write(os.path.join(path, "memory.max"), str(int(memory_max)))
        if os.path.exists(os.path.join(path, "memory.swap.max")):
            self._write(os.path.join(path, "memory.swap.max"), "0")
        return path

    @staticmethod
    def procs_fd(path: str) -> int:
        """A descriptor on the group's ``cgroup.procs``: writing a pid there moves that process (opened before the
        job's mounts turn the file system read-only)."""
        return os.open(os.path.join(path, "cgroup.procs"), os.O_WRONLY | os.O_CREAT, 0o644)

    @staticmethod
    def events(path: str) -> Dict[str, int]:
        """What the kernel counted: ``pids.max`` refusals (``pids.events`` max) and OOM kills (``memory.events``
        oom_kill), and the group's memory peak in bytes where the kernel reports it (``memory.peak``)."""
        out: Dict[str, int] = {}
        for name, key, label in (("pids.events", "max", "pids_refused"), ("memory.events", "oom_kill", "oom_kills")):
            for line in (_read(os.path.join(path, name)) or "").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == key and parts[1].isdigit():
                    out[label] = int(parts[1])
        peak = (_read(os.path.join(path, "memory.peak")) or "").strip()
        if peak.isdigit():
            out["memory_peak"] = int(peak)
        return out

    def remove(self, path: str) -> None:
        """Kill what is left in the job group (``cgroup.kill``) and remove it (on a cgroup file system ``rmdir``
        removes the interface files with the folder)."""
        if os.path.exists(os.path.join(path, "cgroup.kill")):
            try:
                self._write(os.path.join(path, "cgroup.kill"), "1")
            except OSError:
                pass
        try:
            os.rmdir(path)
        except OSError:
            pass

    def close(self) -> None:
        try:
            os.rmdir(self.parent)
        except OSError:
            pass


def notes(counted: Dict[str, int], pids_max: int, memory_mb: int) -> List[str]:
    """Sandbox notes for what the kernel enforced in a job's group."""
    out = []
    if counted.get("pids_refused"):
        out.append(f"sandbox: the job hit its cgroup's pids.max ({pids_max} processes): the kernel refused "
                   f"{counted['pids_refused']} fork{'s' if counted['pids_refused'] != 1 else ''}")
    if counted.get("oom_kills"):
        out.append(f"sandbox: the job's processes went over its cgroup's memory.max ({memory_mb} MiB together): the "
                   f"kernel killed {counted['oom_kills']} of them")
    return out
