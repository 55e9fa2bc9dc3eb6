"""Filesystem hostility: whatever the tree holds, a run ends with diagnostics or a one-line error, never a traceback or a
hang, and ``--fix`` never damages a file it cannot write completely.

Symlink loops, unreadable files and folders (provoked by monkeypatching where the tests run as root, where
``chmod 000`` denies nothing; the real thing when not root), files deleted between discovery and reading, paths with
spaces, non-ASCII and non-UTF-8 bytes (every output format), a read-only file and a full disk under ``--fix`` (the
original intact, no temporary file left behind), a folder named ``x.py``, a FIFO named ``x.py`` (skipped in a
folder, reported when named: never read), a symlink to ``/dev/zero``, an empty file, a 0-byte notebook, a binary
``.py``, a non-UTF-8 ``pyproject.toml``, and a run from inside a daemonic process (a ``multiprocessing`` worker).
"""
from __future__ import annotations

import errno
import multiprocessing
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from inplace_lint import engine, fileio, fixes
from inplace_lint.config import resolve_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_support as fs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BAD = "import torch\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n"  # IPL001, safely fixable
GOOD = "import torch\nw = torch.ones(2, requires_grad=True)\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
FORMATS = ["text", "json", "sarif", "github", "junit"]


@pytest.fixture(autouse=True)
def in_tmp(monkeypatch, tmp_path):
    """The cwd is the test's folder."""
    monkeypatch.delenv("INPLACE_LINT_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)


def settings():
    return resolve_settings(["."], config=None, no_config=True, select=None, extend_select=[], ignore=[],
                            force_exclude=False, stdin_filename=None)


def lint(*paths, jobs=1, cache=None):
    return engine.lint_paths(list(paths) or ["."], settings(), jobs=jobs, cache=cache)


def found(result):
    return sorted((d.path, d.code) for d in result.diagnostics)


def cli(*args, subprocess_=False, input_=None):
    """(exit code, output) of ``inplace-lint --no-config ARGS``; asserts the run ended cleanly."""
    code, output = fs.run_cli(["--no-config", *args], subprocess_=subprocess_, input_=input_)
    assert code in (0, 1, 2), output
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    return code, output


def files_in(folder: Path):
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------------------------------------------
# Symlinks


def test_symlink_loops_end_and_report_what_they_can(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(BAD)
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg")  # a folder loop
    (tmp_path / "pkg" / "up").symlink_to(tmp_path)  # and back to the top
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")  # a file loop a.py -> b.py -> a.py
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    result = lint(".")
    assert found(result) == [("pkg/bad.py", "IPL001")]  # each real file once; links that lead nowhere skipped
    assert result.errors == []
    named = lint("a.py", "dangling.py")  # named explicitly, they are reported
    assert [d.code for d in named.diagnostics] == ["IPL901", "IPL901"]
    assert "symbolic links" in named.diagnostics[0].message
    code, output = cli("--no-cache", ".", "a.py")
    assert code == 1


# ---------------------------------------------------------------------------------------------------------------
# Unreadable files and folders


def _deny(monkeypatch, name: str):
    """Make opening any path whose name is ``name`` fail with EACCES (root can read everything)."""
    real_open = os.open

    def guarded_open(path, flags, *args, **kwargs):
        if os.path.basename(os.fspath(path)) == name:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)


@pytest.mark.parametrize("jobs", [1, 2])
def test_unreadable_file_is_ipl901_and_the_others_are_checked(tmp_path, monkeypatch, jobs):
    for i in range(9):  # enough files for a parallel run
        (tmp_path / f"ok{i}.py").write_text(GOOD)
    (tmp_path / "secret.py").write_text(BAD)
    (tmp_path / "bad.py").write_text(BAD)
    _deny(monkeypatch, "secret.py")
    result = lint(".", jobs=jobs)
    assert found(result) == [("bad.py", "IPL001"), ("secret.py", "IPL901")]
    assert [d.message for d in result.diagnostics if d.code == "IPL901"] == ["permission denied"]
    assert result.errors == [] and result.files_checked == 11


def test_unreadable_file_under_fix_is_reported_and_untouched(tmp_path, monkeypatch):
    (tmp_path / "secret.py").write_text(BAD)
    (tmp_path / "bad.py").write_text(BAD)
    _deny(monkeypatch, "secret.py")
    run = fixes.fix_paths(["."], settings(), fixes.FixOptions())
    assert found(run) == [("secret.py", "IPL901")]
    assert run.files_fixed == 1 and "no_grad" in (tmp_path / "bad.py").read_text()
    assert (tmp_path / "secret.py").read_text() == BAD


def test_unreadable_cache_entry_and_file_with_the_cache_on(tmp_path, monkeypatch):
    from inplace_lint.cache import Cache

    (tmp_path / "secret.py").write_text(BAD)
    _deny(monkeypatch, "secret.py")
    cache = Cache.for_settings(settings(), str(tmp_path / "cache"))
    assert found(lint(".", cache=cache)) == [("secret.py", "IPL901")]


def _deny_listing(monkeypatch, name: str):
    real_scandir = os.scandir

    def guarded_scandir(path="."):
        if os.path.basename(os.fspath(path)) == name:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded_scandir)


def test_unreadable_folder_is_reported_not_silently_skipped(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "bad.py").write_text(BAD)
    (tmp_path / "bad.py").write_text(BAD)
    _deny_listing(monkeypatch, "locked")
    result = lint(".")
    assert found(result) == [("bad.py", "IPL001"), ("locked", "IPL901")]
    assert [d.message for d in result.diagnostics if d.code == "IPL901"] == [
        "cannot list the folder: Permission denied"]
    run = fixes.fix_paths(["."], settings(), fixes.FixOptions(write=False))
    assert found(run) == [("locked", "IPL901")] and run.files_fixed == 1  # bad.py's finding is fixed (--diff)


@pytest.mark.skipif(IS_ROOT or not hasattr(os, "geteuid"), reason="root reads any file and lists any folder")
@pytest.mark.parametrize("kind", ["file", "folder"])
def test_unreadable_file_or_folder_for_real(tmp_path, kind):
    """The same as the simulated tests above, with real permissions (only a non-root user can see them)."""
    if kind == "file":
        locked = tmp_path / "secret.py"
        locked.write_text(BAD)
        expected = [("secret.py", "IPL901", "permission denied")]
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        (locked / "bad.py").write_text(BAD)
        expected = [("locked", "IPL901", "cannot list the folder: Permission denied")]
    locked.chmod(0)
    try:
        assert [(d.path, d.code, d.message) for d in lint(".").diagnostics] == expected
    finally:
        locked.chmod(0o755)


# ---------------------------------------------------------------------------------------------------------------
# Files that disappear


def _discover_with_ghost(monkeypatch, ghost: Path):
    real = engine.discover

    def discover(paths, settings):
        files, errors = real(paths, settings)
        return sorted(files + [ghost]), errors

    monkeypatch.setattr(engine, "discover", discover)


@pytest.mark.parametrize("jobs", [1, 2])
def test_file_deleted_after_discovery(tmp_path, monkeypatch, jobs):
    for i in range(9):
        (tmp_path / f"ok{i}.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    _discover_with_ghost(monkeypatch, Path("gone.py"))  # listed, then "deleted" (it never existed)
    from inplace_lint.cache import Cache

    for cache in (None, Cache.for_settings(settings(), str(tmp_path / ".cache"))):
        result = lint(".", jobs=jobs, cache=cache)
        assert found(result) == [("bad.py", "IPL001"), ("gone.py", "IPL901")]
        assert "No such file" in [d.message for d in result.diagnostics if d.code == "IPL901"][0]
        assert result.errors == []


def test_file_deleted_after_discovery_under_fix(tmp_path, monkeypatch):
    (tmp_path / "bad.py").write_text(BAD)
    _discover_with_ghost(monkeypatch, Path("gone.py"))
    run = fixes.fix_paths(["."], settings(), fixes.FixOptions())
    assert found(run) == [("gone.py", "IPL901")] and run.errors == []
    assert run.files_fixed == 1


def test_file_deleted_while_it_is_read(tmp_path, monkeypatch):
    """Deleted between opening and reading: the open file still reads (POSIX); deleted before: IPL901."""
    target = tmp_path / "bad.py"
    target.write_text(BAD)
    real_fstat = os.fstat

    def fstat_then_delete(fd):
        if target.exists():
            target.unlink()
        return real_fstat(fd)

    monkeypatch.setattr(os, "fstat", fstat_then_delete)
    result = lint("bad.py")
    assert found(result) == [("bad.py", "IPL001")] and not target.exists()


# ---------------------------------------------------------------------------------------------------------------
# Names


def _odd_names(tmp_path: Path):
    names = ["with space.py", "ünïcødé.py", "日本語.py", "emoji 😀.py", "-dash.py"]
    if sys.platform.startswith("linux"):
        names.append(os.fsdecode(b"latin1-\xe9-not-utf8.py"))  # not valid UTF-8: surrogate-escaped by Python
    for name in names:
        (tmp_path / "dir with space" / "ü").mkdir(parents=True, exist_ok=True)
        (tmp_path / "dir with space" / "ü" / name).write_text(BAD)
    return names


@pytest.mark.parametrize("output_format", FORMATS)
def test_odd_path_names_in_every_format(tmp_path, output_format):
    """Every format, on a strict UTF-8 output (CliRunner's, and a terminal's in a UTF-8 locale): a name that is not
    UTF-8 is printed escaped (it was an internal error: UnicodeEncodeError on the surrogates Python holds it with)."""
    names = _odd_names(tmp_path)
    code, output = cli("--no-cache", "--format", output_format, ".")
    assert code == 1
    if output_format in ("text", "github", "junit"):
        for name in names:
            shown = name.encode("utf-8", "backslashreplace").decode("utf-8")  # caf\udce9.py
            assert shown in output, (shown, output[:3000])
    if output_format == "json":
        import json

        paths = {d["path"] for d in json.loads(output[output.index("["):output.rindex("]") + 1])}
        assert {os.path.basename(p) for p in paths} == set(names)


def test_odd_path_names_sarif_uris_are_percent_encoded_bytes(tmp_path):
    """A name that is not UTF-8 is percent-encoded byte by byte (it was an internal error: surrogates cannot be
    encoded)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("needs a file system that accepts any bytes in names")
    (tmp_path / os.fsdecode(b"caf\xe9.py")).write_text(BAD)
    code, output = cli("--no-cache", "--format", "sarif", ".")
    assert code == 1 and '"uri": "caf%E9.py"' in output


@pytest.mark.slow
def test_odd_path_names_subprocess_and_fix(tmp_path):
    names = _odd_names(tmp_path)
    code, output = cli("--no-cache", ".", subprocess_=True)
    assert code == 1 and output.count("IPL001") == len(names)
    code, output = cli("--no-cache", "--fix", ".", subprocess_=True)
    assert code == 0, output
    for name in names:
        assert "no_grad" in (tmp_path / "dir with space" / "ü" / name).read_text()


# ---------------------------------------------------------------------------------------------------------------
# --fix that cannot write


def test_read_only_file_under_fix_is_reported_and_untouched(tmp_path):
    ro = tmp_path / "ro.py"
    ro.write_text(BAD)
    ro.chmod(0o444)
    try:
        code, output = cli("--no-cache", "--fix", "ro.py")
        assert code == 2 and "ro.py: cannot write the fixes: the file is read-only" in output
        assert ro.read_text() == BAD and stat.S_IMODE(ro.stat().st_mode) == 0o444
        assert files_in(tmp_path) == ["ro.py"]
    finally:
        ro.chmod(0o644)


def test_read_only_folder_under_fix(tmp_path, monkeypatch):
    """The temporary file cannot be created (a read-only folder; root may create it anyway, so simulated)."""
    target = tmp_path / "bad.py"
    target.write_text(BAD)

    def no_temp(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(fileio.tempfile, "mkstemp", no_temp)
    run = fixes.fix_paths(["bad.py"], settings(), fixes.FixOptions())
    assert [str(e) for e in run.errors] == [
        "bad.py: cannot write the fixes: Permission denied; the file was left unchanged"]
    assert target.read_text() == BAD and files_in(tmp_path) == ["bad.py"]
    assert found(run) == [("bad.py", "IPL001")]  # the finding is still reported


class _FullDisk:
    """A file object whose writes fail like a full disk."""

    def __init__(self, fh, where):
        self.fh, self.where = fh, where

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()
        return False

    def write(self, data):
        if self.where == "write":
            self.fh.write(data[: len(data) // 2])  # part of it made it to the disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.fh.write(data)

    def flush(self):
        self.fh.flush()

    def fileno(self):
        return self.fh.fileno()


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
@pytest.mark.parametrize("kind", ["py", "ipynb"])
def test_full_disk_while_writing_a_fix(tmp_path, monkeypatch, where, kind):
    if kind == "py":
        target = tmp_path / "bad.py"
        original = BAD.replace("\n", "\r\n").encode("latin-1")
    else:
        import json

        target = tmp_path / "bad.ipynb"
        original = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "metadata": {}, "source": BAD, "outputs": [], "execution_count": None}]},
            indent=1).encode()
    target.write_bytes(original)
    real_fdopen, real_fsync, real_replace = os.fdopen, os.fsync, os.replace

    def fdopen(fd, *args, **kwargs):
        return _FullDisk(real_fdopen(fd, *args, **kwargs), where)

    def fsync(fd):
        if where == "fsync":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    def replace(src, dst):
        if where == "replace":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(src, dst)

    monkeypatch.setattr(fileio.os, "fdopen", fdopen)
    monkeypatch.setattr(fileio.os, "fsync", fsync)
    monkeypatch.setattr(fileio.os, "replace", replace)
    run = fixes.fix_paths([target.name], settings(), fixes.FixOptions())
    assert [str(e) for e in run.errors] == [
        f"{target.name}: cannot write the fixes: No space left on device; the file was left unchanged"]
    assert target.read_bytes() == original  # intact
    assert files_in(tmp_path) == [target.name]  # no temporary file left behind
    assert [d.code for d in run.diagnostics] == ["IPL001"] and run.files_fixed == 0


def test_full_disk_through_the_cli(tmp_path, monkeypatch):
    (tmp_path / "bad.py").write_text(BAD)
    real_fdopen = os.fdopen
    monkeypatch.setattr(fileio.os, "fdopen", lambda fd, *a, **k: _FullDisk(real_fdopen(fd, *a, **k), "write"))
    code, output = cli("--no-cache", "--fix", "bad.py")
    assert code == 2 and "No space left on device; the file was left unchanged" in output
    assert (tmp_path / "bad.py").read_text() == BAD and files_in(tmp_path) == ["bad.py"]


# ---------------------------------------------------------------------------------------------------------------
# Things that are not regular files


def test_folder_named_like_a_python_file(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text(BAD)
    (tmp_path / "nb.ipynb").mkdir()
    assert found(lint(".")) == [("x.py/inner.py", "IPL001")]
    assert found(lint("x.py")) == [("x.py/inner.py", "IPL001")]  # named: walked like any folder
    code, _ = cli("--no-cache", "--fix", ".")
    assert code == 0 and "no_grad" in (tmp_path / "x.py" / "inner.py").read_text()


def _run_with_deadline(fn, seconds=60):
    """``fn()`` in a thread; fail (instead of hanging the test run) when it does not end in time."""
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "hung (a FIFO was opened for reading?)"
    return out[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_named_like_a_python_file_never_hangs(tmp_path):
    os.mkfifo(tmp_path / "x.py")
    (tmp_path / "bad.py").write_text(BAD)
    # in a folder: not a regular file, skipped
    assert _run_with_deadline(lambda: found(lint("."))) == [("bad.py", "IPL001")]
    # named explicitly: reported, never opened for a blocking read (it used to hang here)
    result = _run_with_deadline(lambda: lint("x.py"))
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("IPL901", "not a regular file (a FIFO, socket or device); it was not read")]
    run = _run_with_deadline(lambda: fixes.fix_paths(["x.py", "bad.py"], settings(), fixes.FixOptions(write=False)))
    assert found(run) == [("x.py", "IPL901")] and run.files_fixed == 1
    from inplace_lint.cache import Cache

    cache = Cache.for_settings(settings(), str(tmp_path / ".cache"))
    assert _run_with_deadline(lambda: found(lint("x.py", cache=cache))) == [("x.py", "IPL901")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_through_the_cli_subprocess(tmp_path):
    os.mkfifo(tmp_path / "x.py")
    os.mkfifo(tmp_path / "nb.ipynb")
    code, output = cli("--no-cache", ".", "x.py", "nb.ipynb", subprocess_=True)  # a hang fails (timeout)
    assert code == 1 and output.count("IPL901") == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_file_swapped_for_a_fifo_after_discovery(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "late.py")
    monkeypatch.setattr(engine, "discover", lambda paths, settings: ([Path("late.py")], []))
    result = _run_with_deadline(lambda: lint("."))
    assert found(result) == [("late.py", "IPL901")]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_symlink_to_an_endless_device(tmp_path):
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    assert _run_with_deadline(lambda: found(lint("."))) == []  # not a regular file: skipped
    result = _run_with_deadline(lambda: lint("zero.py"))
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("IPL901", "not a regular file (a FIFO, socket or device); it was not read")]


# ---------------------------------------------------------------------------------------------------------------
# Odd content


def test_empty_files_binary_files_and_empty_notebooks(tmp_path):
    (tmp_path / "empty.py").write_bytes(b"")
    (tmp_path / "empty.pyi").write_bytes(b"")
    (tmp_path / "empty.ipynb").write_bytes(b"")
    (tmp_path / "binary.py").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "elf.py").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(100))
    (tmp_path / "no-nul.py").write_bytes(bytes(range(1, 256)))
    (tmp_path / "bom-only.py").write_bytes(b"\xef\xbb\xbf")
    result = lint(".")
    assert found(result) == [("binary.py", "IPL901"), ("elf.py", "IPL901"), ("empty.ipynb", "IPL901"),
                             ("no-nul.py", "IPL901")]
    assert result.errors == []
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    code, output = cli("--no-cache", "--fix", "--unsafe-fixes", ".")
    assert code == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing written


def test_hostile_stdin():
    for data in (b"", b"\x00\x01", bytes(range(256)), b"import torch\n" + b"(" * 5000, b"\xff\xfe\x00"):
        code, output = cli("--no-cache", "-", input_=data)
        assert code in (0, 1)


def test_non_utf8_pyproject_is_a_config_error_not_a_crash(tmp_path):
    (tmp_path / "a.py").write_text(GOOD)
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.inplace-lint]\nselect = [\"\xff\"]\n")
    code, output = fs.run_cli(["--no-cache", "a.py"])
    assert code == 2 and "invalid TOML: not UTF-8" in output and "internal error" not in output


def _lint_in_daemon(folder: str):
    result = engine.lint_paths([folder], settings(), jobs=2)
    return sorted(d.code for d in result.diagnostics), [str(e) for e in result.errors]


def test_parallel_run_inside_a_daemonic_process(tmp_path):
    """A pool worker cannot start a pool of its own: the run is serial there (it raised AssertionError)."""
    for i in range(10):
        (tmp_path / f"f{i}.py").write_text(BAD)
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(1) as pool:
        codes, errors = pool.apply(_lint_in_daemon, (str(tmp_path),))
    assert codes == ["IPL001"] * 10 and errors == []
