"""Reading user files into text: never blocking, never guessing an encoding, saying why a file cannot be read.

``UnreadableSource`` carries the reason (reported as the unreadable-file rule); ``read_python_source`` decodes
Python the way CPython does (BOM, PEP 263 cookie, UTF-8 otherwise). Notebooks have their reader in ``notebook``.
"""
from __future__ import annotations

import io
import re
import os
import stat
import tokenize
from pathlib import Path
from typing import List, Union


class UnreadableSource(Exception):
    """The file cannot be turned into text; the message says why."""


def decode_source(data: bytes) -> str:
    """Decode Python source bytes honouring a BOM and a PEP 263 coding cookie (UTF-8 otherwise)."""
    if b"\x00" in data:
        raise UnreadableSource("file contains NUL bytes (binary file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "missing encoding declaration" not in str(exc):  # unknown codec, or a cookie contradicting the BOM
            raise UnreadableSource(f"cannot decode: {exc}") from exc
        encoding = "utf-8"  # the first lines are not UTF-8: let the decode below say where
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        hint = " (declare the encoding with a '# -*- coding: ... -*-' line)" if encoding.startswith("utf-8") else ""
        raise UnreadableSource(f"cannot decode as {encoding}: {exc.reason} at byte {exc.start}{hint}") from exc


def read_file_bytes(path: Union[str, Path]) -> bytes:
    """The bytes of a regular file. Never blocks: a FIFO, socket or device (even one swapped in after discovery) is
    ``UnreadableSource``, and so is a folder (saying why it could not be listed, when it cannot). ``OSError`` when
    the file cannot be opened or read."""
    try:
        with open(path, "rb", opener=_open_nonblocking) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise UnreadableSource("not a regular file (a FIFO, socket or device); it was not read")
            return fh.read()
    except IsADirectoryError:
        try:
            os.scandir(path).close()
        except OSError as exc:
            raise UnreadableSource(f"cannot list the folder: {exc.strerror or exc}") from exc
        raise UnreadableSource("a folder, not a file") from None


def _open_nonblocking(path, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def read_source_bytes(path: Path) -> bytes:
    """``read_file_bytes``, with any failure an ``UnreadableSource`` saying why (what the engine reports)."""
    try:
        return read_file_bytes(path)
    except PermissionError as exc:
        if os.path.isdir(path):  # a folder the walk could not list
            raise UnreadableSource("cannot list the folder: permission denied") from exc
        raise UnreadableSource("permission denied") from exc
    except OSError as exc:
        raise UnreadableSource(f"cannot read: {exc.strerror or exc}") from exc


def read_python_source(path: Path) -> str:
    """The text of a ``.py`` / ``.pyi`` file; ``UnreadableSource`` when it cannot be read or decoded."""
    return decode_source(read_source_bytes(path))


def split_lines(text: str) -> List[str]:
    """Lines as Python and LibCST count them (only \\r\\n, \\r and \\n end a line)."""
    return re.split(r"\r\n|\r|\n", text)
