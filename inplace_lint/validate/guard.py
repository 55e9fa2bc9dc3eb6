"""A write guard for the validation child: user code may write only inside its own temporary folders.

Installed with ``sys.addaudithook`` right before user code runs (in the forked job child, or the cold one-shot
process), it refuses — with ``PermissionError`` — opening a file for writing, creating, removing, renaming or
changing the mode of anything outside the allowed folders (the job's working directory, its HOME/TMPDIR, /dev/shm
for DataLoader workers, /dev/null). A refused write is remembered, so the job is reported as ``error`` with the
path even when the user code swallows the exception. It also counts the processes the job starts (``os.fork``,
``subprocess``...; ``MAX_PROCESSES`` in all, descendants included) and refuses more. Like the rest of the sandbox this stops accidents, not
attackers: C extensions and ``ctypes`` do not go through audit hooks.
"""
from __future__ import annotations

import mmap
import os
import struct
import sys
from typing import List, Optional, Sequence

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.replace": (0, 1),
    "os.chmod": (0,), "os.chown": (0,), "os.truncate": (0,), "os.link": (0, 1), "os.symlink": (1,),
    "shutil.rmtree": (0,), "shutil.move": (0, 1), "shutil.copyfile": (1,), "os.utime": (0,),
}

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

    def inside(path) -> bool:
        if isinstance(path, int):
            return True  # an already open descriptor
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return True
        if real == os.devnull:
            return True
        return any(real == r or real.startswith(r + os.sep) for r in roots)

    def refuse(event: str, path) -> None:
        message = f"sandbox: {event} outside the temporary folder: {os.fsdecode(path)}"
        violations.append(message)
        raise PermissionError(message)

    def hook(event: str, args) -> None:
        if event in _SPAWN_EVENTS and counter is not None and _bump(counter) > MAX_PROCESSES:
            message = f"sandbox: more than {MAX_PROCESSES} processes started (a fork bomb?); refused"
            violations.append(message)
            raise PermissionError(message)
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if path is not None and _writes(mode, flags) and not inside(path):
                refuse("write", path)
        elif event in _PATH_EVENTS:
            for i in _PATH_EVENTS[event]:
                if i < len(args) and args[i] is not None and not isinstance(args[i], int) and not inside(args[i]):
                    refuse(event, args[i])

    sys.dont_write_bytecode = True
    sys.addaudithook(hook)


def verdict(result: dict) -> dict:
    """Turn a job that tried to write outside its folders into an ``error`` naming the first such path."""
    if violations:
        result = dict(result)
        result["status"] = "error"
        result["error"] = violations[0]
    return result
