"""OS-level isolation of validation jobs on Linux, without root: user, mount, PID and network namespaces.

Torch-free, standard library only (``ctypes`` for ``unshare(2)``/``mount(2)``: Python 3.11 has no ``os.unshare``).

The warm worker calls ``enter_worker()`` once, before it imports torch (``unshare`` of a user namespace needs a
single-threaded process): it moves into a new **user** namespace (mapped to the caller's own uid/gid, so files keep
their owner) and a new **network** namespace (only a loopback interface, down: no network at all). Owning that user
namespace gives the worker the capabilities to build, for every job, in the forked job supervisor
(``worker.run_isolated``):

- a new **mount** namespace in which the whole file system is read-only (``mount_setattr(AT_RECURSIVE)``, or a
  remount of every mount point), except the job's own folders (bound back read-write), and a private, empty tmpfs
  on ``/tmp`` and ``/dev/shm`` (gone when the job's last process is);
- a new **PID** namespace whose PID 1 is the job: when it exits or is killed, the kernel kills every process of the
  job (``setsid``, double forks and killed parents change nothing); a private ``/proc`` shows only them;
- new IPC and UTS namespaces;
- then the job moves into a **nested user namespace**, so that it holds no capability over the mount, PID and network
  namespaces built for it (it can neither remount the file system read-write nor unmount the private folders), and
  sets ``no_new_privs``.

``level()`` says what this machine allows (checked once per process, by a forked test of the whole sequence).
``INPLACE_LINT_ISOLATION=none`` forces the guard-only level (for comparisons and debugging).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys
from typing import Dict, List, Optional, Sequence

NAMESPACES = "namespaces"  # user + mount + PID + network namespaces, read-only file system, rlimits + watchdog
NONE = "none"  # the Python write guard and process-group kills only

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 0x400, 0x800, 0x200000
_MOUNT_FLAGS = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}

SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442}  # same number on every architecture since 5.12
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38

DESCRIPTIONS = {
    NAMESPACES: "user+mount+PID+network namespaces: read-only file system except the job folder, private /tmp and "
                "/dev/shm, no network, every process of the job killed with it; memory and process limits per job "
                "(RLIMIT_AS/RLIMIT_NPROC and a watchdog over the job's processes)",
    NONE: "NO OS ISOLATION: only a Python audit-hook write guard and process-group kills (the code can write your "
          "files through C code or subprocesses, read them, reach the network, and leave processes running)",
}

# What the namespaces refuse, by the error text every tool prints (strerror), and how the note says it.
BLOCKED_BY_OS = {
    os.strerror(errno.EROFS): "a write outside the job folder was refused by the read-only file system",
    os.strerror(errno.ENETUNREACH): "a network access was refused (the job's network namespace has no network)",
}


def blocked_by_os(text: str) -> Optional[str]:
    """The note's wording when ``text`` is an error the namespaces caused (a write to the read-only file system, a
    connection in a network namespace without network), else None."""
    for error, what in BLOCKED_BY_OS.items():
        if error in text:
            return what
    return None


_libc = None


class IsolationError(OSError):
    pass


def _lib():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise IsolationError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_lib().unshare(ctypes.c_int(flags)), "unshare")


def mount(source: Optional[str], target: str, fstype: Optional[str], flags: int, data: Optional[str] = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_lib().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def prctl(option: int, arg: int) -> None:
    _check(_lib().prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                        ctypes.c_ulong(0)), "prctl")


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _map_ids(uid: int, gid: int) -> None:
    """Map the caller's ids to themselves in the user namespace it just created."""
    try:
        _write("/proc/self/setgroups", "deny")
    except OSError:
        pass  # kernels before 3.19
    _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
    _write("/proc/self/gid_map", f"{gid} {gid} 1\n")


def disabled() -> bool:
    return os.environ.get("INPLACE_LINT_ISOLATION", "").strip().lower() in ("none", "off", "0", "no")


def enter_worker() -> None:
    """In the worker, single-threaded, before importing torch: a new user and network namespace."""
    if not sys.platform.startswith("linux"):
        raise IsolationError(errno.ENOSYS, f"no namespaces on {sys.platform}")
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER | CLONE_NEWNET)
    _map_ids(uid, gid)


def _mount_points() -> List[Dict[str, str]]:
    out = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields = line.split()
            out.append({"point": fields[4].encode().decode("unicode_escape"), "options": fields[5]})
    return out


def _make_readonly() -> None:
    """Every mount of this (new, private) mount namespace read-only."""
    machine = os.uname().machine
    number = SYS_MOUNT_SETATTR.get(machine)
    if number is not None:
        attr = (ctypes.c_uint64 * 4)(MOUNT_ATTR_RDONLY, 0, 0, 0)  # attr_set, attr_clr, propagation, userns_fd
        result = _lib().syscall(ctypes.c_long(number), ctypes.c_int(-100), b"/", ctypes.c_uint(AT_RECURSIVE),
                                ctypes.byref(attr), ctypes.c_size_t(32))
        if result == 0:
            return
    for entry in sorted(_mount_points(), key=lambda e: e["point"].count("/")):
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for opt in entry["options"].split(","):
            flags |= _MOUNT_FLAGS.get(opt, 0)
        try:
            mount(None, entry["point"], None, flags)
        except IsolationError as exc:
            if exc.errno not in (errno.ENOENT, errno.EACCES):
                raise


def _tmpfs(path: str) -> None:
    if os.path.isdir(path):
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=50%")


def _hidden_by_tmpfs(paths: Sequence[str]) -> List[str]:
    """The folders among ``paths`` (files: their folder) that the private /tmp and /dev/shm would hide: the
    interpreter, its packages and the code being validated may live there (a checkout or virtualenv under /tmp).
    Only the top-most of nested ones."""
    found = set()
    for p in paths:
        if not p or not os.path.isabs(p) or not os.path.exists(p):
            continue
        real = os.path.realpath(p)
        if not os.path.isdir(real):
            real = os.path.dirname(real)
        if real.startswith(("/tmp/", "/dev/shm/")):
            found.add(real)
    return sorted(p for p in found if not any(p != q and p.startswith(q + os.sep) for q in found))


def enter_job_mounts(writable: Sequence[str], visible: Sequence[str] = ()) -> None:
    """In the job supervisor (a child of the worker): new mount/PID/IPC/UTS namespaces (the PID namespace takes
    effect for the next child: the job), the file system read-only except ``writable``, private /tmp and /dev/shm.
    ``visible`` (and the interpreter's own paths) stay readable when they lie under /tmp or /dev/shm."""
    unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = _hidden_by_tmpfs(list(visible) + list(sys.path) + [sys.prefix, sys.exec_prefix, sys.executable])
    kept = [(p, os.open(p, os.O_RDONLY | os.O_DIRECTORY)) for p in keep]
    held = [(os.path.realpath(p), os.open(p, os.O_RDONLY | os.O_DIRECTORY)) for p in writable]
    try:
        _make_readonly()
        _tmpfs("/tmp")
        _tmpfs("/dev/shm")
        for path, fd in kept:  # read-only views of what the job must still read
            os.makedirs(path, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        for path, fd in held:  # the job's folders, read-write again, at the same paths (recreated inside /tmp)
            os.makedirs(path, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV)
    finally:
        for _, fd in kept + held:
            os.close(fd)


def enter_job_process() -> Optional[str]:
    """In the job (PID 1 of its PID namespace), before any user code: a private /proc, then a nested user namespace
    (no capability left over the namespaces above) and no_new_privs. A note when /proc could not be replaced."""
    uid, gid = os.geteuid(), os.getegid()
    note = None
    try:
        prctl(PR_SET_PDEATHSIG, 9)  # the supervisor dies (killed by the worker): so does the job, and its namespace
    except IsolationError:
        pass
    unshare(CLONE_NEWNS)  # the /proc mount below stays out of the supervisor's view (it watches through the old one)
    try:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except IsolationError as exc:
        note = f"private /proc unavailable ({exc.strerror}): the job can see other processes"
    unshare(CLONE_NEWUSER)
    _map_ids(uid, gid)
    try:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
    except IsolationError:
        pass
    return note


_LEVEL: Optional[str] = None
_WHY: str = ""


def level() -> str:
    """The isolation level this machine gives a validation job (tested once per process, in a forked child)."""
    global _LEVEL, _WHY
    if _LEVEL is not None:
        return _LEVEL
    if disabled():
        _LEVEL, _WHY = NONE, "INPLACE_LINT_ISOLATION=none"
        return _LEVEL
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        _LEVEL, _WHY = NONE, f"{sys.platform} has no Linux namespaces"
        return _LEVEL
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        message = b"ok"
        try:
            os.close(read_fd)
            enter_worker()
            enter_job_mounts([])
            inner = os.fork()
            if inner == 0:
                try:
                    enter_job_process()
                    ok = os.getpid() == 1
                    try:
                        open("/etc/.inplace-lint-probe", "w")
                        ok = False
                    except OSError:
                        pass
                    os._exit(0 if ok else 3)
                except BaseException:  # noqa: BLE001
                    os._exit(4)
            _, status = os.waitpid(inner, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                message = f"the job could not be isolated (status {os.waitstatus_to_exitcode(status)})".encode()
        except BaseException as exc:  # noqa: BLE001
            message = str(exc).encode()[:500]
        os.write(write_fd, message)
        os._exit(0)
    os.close(write_fd)
    chunks = []
    while True:
        data = os.read(read_fd, 4096)
        if not data:
            break
        chunks.append(data)
    os.close(read_fd)
    os.waitpid(pid, 0)
    answer = b"".join(chunks).decode("utf-8", "replace")
    if answer == "ok":
        _LEVEL, _WHY = NAMESPACES, ""
    else:
        _LEVEL, _WHY = NONE, f"namespaces unavailable: {answer or 'the test process died'}"
    return _LEVEL


def why() -> str:
    level()
    return _WHY


def describe(name: str) -> str:
    return DESCRIPTIONS.get(name, name)
