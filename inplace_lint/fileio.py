"""Writing files so that nothing is ever half-written: the one atomic writer (fixed sources, cache entries, baselines).

A temporary file in the target's folder, flushed, then ``os.replace``d over the target (atomic on POSIX and
Windows); on any failure the temporary file is removed and the target is untouched.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Union


class NotWritable(Exception):
    """The target is read-only (``--fix`` must leave it alone rather than replace it)."""


def write_atomic(path: Union[str, Path], data: bytes, *, keep_mode: bool = False, fsync: bool = False) -> None:
    """Replace ``path``'s content by ``data``. ``keep_mode``: the file must exist and be writable, and the new file
    gets its permission bits (``NotWritable`` otherwise; symlinks are followed). ``fsync``: the data reaches the disk
    before the rename."""
    target = os.path.realpath(path) if keep_mode else os.fspath(path)
    mode = None
    if keep_mode:
        st = os.stat(target)
        if not os.access(target, os.W_OK) or not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise NotWritable("the file is read-only")
        mode = stat.S_IMODE(st.st_mode)
    folder, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".inplace-lint.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
