"""A write guard for the validation child: user code may write only inside its own temporary folders.

Installed with ``sys.addaudithook`` right before user code runs (in the forked job child, or the cold one-shot
process), it refuses — with ``PermissionError`` — opening a file for writing, creating, removing, renaming or
changing the mode of anything outside the allowed folders (the job's working directory, its HOME/TMPDIR, /dev/shm
for DataLoader workers, /dev/null), and looking up libc's file functions (``open``, ``unlink``, ``rename``,
``mkfifo``...) through ``ctypes`` (audit hooks see the lookup, not the C call and where it writes). It refuses
network connections (``socket.connect``/``sendto`` to an IPv4/IPv6 address: validation jobs have no network) and
signals to processes that are not the job's own (``os.kill``/``os.killpg`` of its parent, of the worker...). A refusal is remembered, so the job is reported as ``error`` with what it tried even when the
user code swallows the exception. It also counts the processes the job starts (``os.fork``, ``subprocess``...;
``MAX_PROCESSES`` in all, descendants included) and refuses more. Like the rest of the sandbox this stops accidents,
not attackers: C extensions and subprocesses do not go through audit
hooks -- the namespace level (``isolation.py``) stops what they do, and names it where it can.
"""
from __future__ import annotations

import mmap
import os
import signal
import socket
import struct
import sys
from typing import Any, List, Optional, Sequence, Set

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# event -> ((path argument, its dir_fd argument or None), ...)
_PATH_EVENTS = {
    "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),), "os.rename": ((0, 2), (1, 3)),
    "os.replace": ((0, 2), (1, 3)), "os.chmod": ((0, 2),), "os.chown": ((0, 3),), "os.truncate": ((0, None),),
    "os.link": ((0, 2), (1, 3)), "os.symlink": ((1, 2),), "shutil.rmtree": ((0, 1),), "shutil.move": ((0, None),
                                                                                                     (1, None)),
    "shutil.copyfile": ((1, None),), "os.utime": ((0, 3),), "sqlite3.connect": ((0, None),),
}

# libc's file-system writers: looking one of them up through ctypes is refused (audit hooks see the lookup, not the
# calls: where the C function would write cannot be checked).
_C_WRITERS = frozenset({
    "open", "open64", "openat", "openat64", "creat", "creat64", "fopen", "fopen64", "freopen", "unlink", "unlinkat",
    "remove", "rmdir", "mkdir", "mkdirat", "rename", "renameat", "renameat2", "truncate", "truncate64", "ftruncate",
    "ftruncate64", "chmod", "fchmod", "fchmodat", "chown", "lchown", "fchown", "fchownat", "link", "linkat",
    "symlink", "symlinkat", "mkfifo", "mkfifoat", "mknod", "mknodat", "utime", "utimes", "utimensat"})


def _c_writers() -> Set[int]:
    """The addresses of libc's file-system writers (as the process resolves them, and in libc itself)."""
    try:
        import ctypes
        import ctypes.util
    except ImportError:
        return set()
    out: Set[int] = set()
    for library in (ctypes.util.find_library("c"), None):
        try:
            lib = ctypes.CDLL(library)
        except OSError:
            continue
        for name in _C_WRITERS:
            try:
                address = ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
            except (AttributeError, TypeError, ValueError):
                continue
            if address:
                out.add(address)
    return out


def _resolve(handle: Any, name: str) -> Optional[int]:
    """The address ``name`` has in the library ``handle`` (a ctypes library or its handle)."""
    try:
        import _ctypes

        return _ctypes.dlsym(getattr(handle, "_handle", handle), name)
    except (ImportError, AttributeError, OSError, TypeError, ValueError):
        return None


def _parent_of(pid: int) -> Optional[int]:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return int(fh.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


# Starting a process: counted in a counter shared by the job and every process it starts (``process_counter``), so
# a fork bomb stops at MAX_PROCESSES whatever the user (root is not bound by RLIMIT_NPROC).
_SPAWN_EVENTS = {"os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system", "subprocess.Popen"}
MAX_PROCESSES = 32

violations: List[str] = []
_installed = False


def process_counter() -> mmap.mmap:
    """A counter of started processes, shared with the processes forked after it is made (anonymous shared memory)."""
    return mmap.mmap(-1, 8)


def processes_started(counter: Optional[mmap.mmap]) -> int:
    return struct.unpack_from("q", counter, 0)[0] if counter is not None else 0


def _bump(counter: mmap.mmap) -> int:
    n = processes_started(counter) + 1  # not atomic: racing forks may undercount a little, never by much
    struct.pack_into("q", counter, 0, n)
    return n


def _writes(mode, flags) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and flags >= 0 and bool(flags & _WRITE_FLAGS)


def install(allowed: Sequence[str], counter: Optional[mmap.mmap] = None) -> None:
    """Allow writes under ``allowed`` (and /dev/null, /dev/shm) only, from now on, in this process; with
    ``counter``, allow at most ``MAX_PROCESSES`` processes to be started by it and its descendants."""
    global _installed
    if _installed:
        return
    _installed = True
    roots = tuple(os.path.realpath(p) for p in allowed if p) + ("/dev/shm",)
    c_writers = _c_writers()
    resolving = []  # the lookup below raises audit events of its own
    job = os.getpid()
    group = os.getpgrp()
    # kills are checked against /proc: only when it shows this process under its own pid (a private /proc at the
    # namespace level; the host's otherwise)
    police_kills = _parent_of(job) == os.getppid()

    def own(pid: int) -> bool:
        """Is ``pid`` the job or one of its descendants?"""
        for _ in range(256):
            if pid == job:
                return True
            if pid is None or pid <= 1:
                return False
            pid = _parent_of(pid)
        return False

    def inside(path, dir_fd=None) -> bool:
        try:
            if isinstance(path, int):  # an open descriptor (os.fchmod, os.ftruncate...): where does it point?
                target = os.readlink(f"/proc/self/fd/{path}")
                if not target.startswith("/"):
                    return True  # a pipe, socket, anonymous file
                real = os.path.realpath(target)
            else:
                name = os.fsdecode(path)
                if name in (":memory:", "") or name.startswith("file::memory:"):
                    return True
                if isinstance(dir_fd, int) and dir_fd >= 0 and not name.startswith("/"):
                    name = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), name)
                real = os.path.realpath(name)
        except (TypeError, ValueError, OSError):
            return isinstance(path, int)
        if real == os.devnull:
            return True
        return any(real == r or real.startswith(r + os.sep) for r in roots)

    def deny(message: str) -> None:
        """Refuse with ``message``, remembered for the report even when the user code catches the exception."""
        violations.append(message)
        raise PermissionError(message)

    def refuse(event: str, path) -> None:
        deny(f"sandbox: {event} outside the temporary folder: {os.fsdecode(path)}")

    def hook(event: str, args) -> None:
        if event in _SPAWN_EVENTS and counter is not None and _bump(counter) > MAX_PROCESSES:
            message = f"sandbox: more than {MAX_PROCESSES} processes started (a fork bomb?); refused"
            deny(message)
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if path is not None and _writes(mode, flags) and not inside(path):
                refuse("write", path)
        elif event in _PATH_EVENTS:
            for i, fd_index in _PATH_EVENTS[event]:
                dir_fd = args[fd_index] if fd_index is not None and fd_index < len(args) else None
                if i < len(args) and args[i] is not None and not inside(args[i], dir_fd):
                    refuse(event, args[i] if not isinstance(args[i], int) else f"file descriptor {args[i]}")
        elif event in ("ctypes.dlsym", "ctypes.dlsym/handle") and not resolving and len(args) > 1 \
                and args[1] in _C_WRITERS:
            resolving.append(True)
            try:
                address = _resolve(args[0], args[1])
            finally:
                resolving.pop()
            if address in c_writers:
                message = (f"sandbox: the C function {args[1]}() looked up through ctypes: refused (where C code "
                           f"writes is not checked by the guard; the job may write only inside its folders)")
                deny(message)
        elif event in ("socket.connect", "socket.sendto") and len(args) > 1 \
                and getattr(args[0], "family", None) in (socket.AF_INET, socket.AF_INET6):
            address = args[1]
            where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) and len(address) > 1 else address
            message = f"sandbox: network access refused (validation jobs have no network): {where}"
            deny(message)
        elif event in ("os.kill", "os.killpg") and police_kills and len(args) > 1 and args[1] != 0:
            target, sig = args[0], args[1]
            if event == "os.kill" and target > 0:
                allowed_kill = own(target)
            else:  # a process group: the job's own, or one led by a process of the job
                pgid = abs(target) if event == "os.kill" else target
                allowed_kill = pgid in (0, group) or own(pgid)
            if not allowed_kill:
                what = ("its parent" if target == os.getppid() else "a process outside the job")
                try:
                    sig = signal.Signals(sig).name
                except ValueError:
                    pass
                message = (f"sandbox: a signal ({sig}) to {what} (pid {target}) refused: the job may only signal "
                           f"its own processes")
                deny(message)
        elif event == "socket.bind" and len(args) > 1 and isinstance(args[1], (str, bytes)) and args[1] \
                and args[1][:1] not in ("\0", b"\0") and not inside(args[1]):
            refuse("bind of a unix socket", args[1])

    sys.dont_write_bytecode = True
    sys.addaudithook(hook)


def verdict(result: dict) -> dict:
    """Turn a job that tried to write outside its folders into an ``error`` naming the first such path."""
    if violations:
        result = dict(result)
        result["job_status"] = result.get("status")
        result["status"] = "error"
        result["error"] = violations[0]
        result["violations"] = list(dict.fromkeys(violations))[:20]
    return result
