"""Parallel runs (--jobs) and the results cache: same findings as a serial uncached run, warm runs skip parsing,
every input of a finding invalidates, concurrent writers never corrupt it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from inplace_lint import cache as cache_module
from inplace_lint import engine
from inplace_lint.cache import Cache, from_cache, to_cache
from inplace_lint.cli import cli
from inplace_lint.config import resolve_settings
from inplace_lint.diagnostics import Diagnostic, Edit, Fix
from inplace_lint.engine import lint_paths

REPO = Path(__file__).resolve().parent.parent

LEAF = "import torch\nw = torch.zeros(3, requires_grad=True)\nw.add_({n})\n"
DATA = "import torch\np = torch.nn.Parameter(torch.zeros(2))\np.data.add_({n})\n"
NOTEBOOK = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "code", "source": ["import torch\n", "w = torch.ones(2, requires_grad=True)\n"], "metadata": {},
     "outputs": [], "execution_count": 1},
    {"cell_type": "code", "source": ["w.mul_(2)\n"], "metadata": {}, "outputs": [], "execution_count": 2}]})


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.delenv(cache_module.CACHE_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def tree(write):
    """A small project: findings in some files, clean files, a notebook, a syntax error, an unreadable file."""
    for i in range(6):
        write(f"pkg/leaf{i}.py", LEAF.format(n=i))
        write(f"pkg/data{i}.py", DATA.format(n=i))
        write(f"pkg/clean{i}.py", f"import torch\nx = torch.zeros({i + 1})\nx.add_(1)\n")
    write("pkg/nb.ipynb", NOTEBOOK)
    write("pkg/broken.py", "import torch\ndef f(:\n")
    write("pkg/binary.py", data=b"\x00\x01torch")
    write("pkg/noqa.py", "import torch\nw = torch.zeros(3, requires_grad=True)\nw.add_(1)  # noqa: IPL001\n")
    return Path("pkg")


def lint(*paths, cache=None, jobs=1, **options):
    settings = resolve_settings(list(paths), **options)
    return lint_paths(list(paths), settings, jobs=jobs, cache=cache)


def as_json(result):
    return [d.to_json() for d in result.diagnostics], [str(e) for e in result.errors], result.files_checked


def make_cache(path=".cache", **options):
    return Cache.for_settings(resolve_settings(["pkg"], **options), path)


# ---------------------------------------------------------------------------------------------------------------
# Parallel


def test_parallel_run_equals_serial_run(tree, monkeypatch):
    pools = []
    real_pool = ProcessPoolExecutor

    def recording_pool(*args, **kwargs):
        pools.append(kwargs.get("max_workers"))
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(engine, "ProcessPoolExecutor", recording_pool)
    serial = lint("pkg", jobs=1)
    assert pools == []
    parallel = lint("pkg", jobs=3)
    assert pools == [3]
    assert as_json(parallel) == as_json(serial)
    assert parallel.paths == serial.paths
    assert set(parallel.sources) == set(serial.sources)
    codes = {(d.path, d.code) for d in serial.diagnostics}
    assert ("pkg/nb.ipynb", "IPL001") in codes and ("pkg/broken.py", "IPL900") in codes
    assert ("pkg/binary.py", "IPL901") in codes and not any(p == "pkg/noqa.py" for p, _ in codes)
    nb = [d for d in parallel.diagnostics if d.path == "pkg/nb.ipynb"][0]
    assert nb.cell == (2, 1)
    # fixes computed in a worker are finished text edits, the same as in a serial run (no LibCST payload)
    fixable = [d for d in parallel.diagnostics if d.fix is not None and d.fix.edits]
    assert fixable and all(d.fix.edit is None for d in parallel.diagnostics if d.fix is not None)
    assert [d.fix for d in parallel.diagnostics] == [d.fix for d in serial.diagnostics]


def test_cli_jobs_option(tree):
    one = CliRunner().invoke(cli, ["--no-cache", "--jobs", "1", "--format", "json", "pkg"])
    two = CliRunner().invoke(cli, ["--no-cache", "-j", "2", "--format", "json", "pkg"])
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    bad = CliRunner().invoke(cli, ["--jobs", "0", "pkg"])
    assert bad.exit_code == 2 and "--jobs" in bad.output


# ---------------------------------------------------------------------------------------------------------------
# Cache


def test_warm_run_reads_the_cache_and_parses_nothing(tree, monkeypatch):
    cold = lint("pkg", cache=make_cache())
    assert cold.cached == 0
    import libcst

    from inplace_lint.analysis import interp

    def no_parsing(*args, **kwargs):
        raise AssertionError("a warm run must not parse")

    monkeypatch.setattr(libcst, "parse_module", no_parsing)
    monkeypatch.setattr(interp, "analyze_for_fixes", no_parsing)
    monkeypatch.setattr(interp, "analyze_module", no_parsing)
    warm = lint("pkg", cache=make_cache())
    assert warm.cached == warm.files_checked == cold.files_checked
    assert as_json(warm) == as_json(cold)
    assert set(warm.sources) == set(cold.sources)  # excerpts still work
    assert isinstance(warm.sources["pkg/nb.ipynb"], str) and hasattr(warm.sources["pkg/nb.ipynb"], "locate")


def test_cached_fixable_findings_keep_their_edits(tree):
    cold = lint("pkg", cache=make_cache())
    warm = lint("pkg", cache=make_cache())
    assert warm.cached == warm.files_checked
    fixable = [d for d in warm.diagnostics if d.fix is not None and d.fix.edits]
    assert fixable and [d.fix for d in warm.diagnostics] == [d.fix for d in cold.diagnostics]


def test_fix_reads_the_cache_and_its_result_is_cached(tree, monkeypatch):
    """--fix takes the findings (and their fixes) of unchanged files from the cache, and caches what it finds in
    the fixed text: a lint run right after --fix parses nothing."""
    lint("pkg", cache=make_cache())
    fixed = CliRunner().invoke(cli, ["--fix", "--cache-dir", ".cache", "pkg"])
    assert "Fixed" in fixed.stdout
    import libcst

    from inplace_lint.analysis import interp

    def no_parsing(*args, **kwargs):
        raise AssertionError("the fixed files' findings must come from the cache")

    monkeypatch.setattr(libcst, "parse_module", no_parsing)
    monkeypatch.setattr(interp, "analyze_for_fixes", no_parsing)
    monkeypatch.setattr(interp, "analyze_module", no_parsing)
    after = lint("pkg", cache=make_cache())
    assert after.cached == after.files_checked - 1  # all but the notebook (fixed through its cells' program)
    assert not any(d.fix is not None and d.fix.applies() for d in after.diagnostics)


def test_changed_file_is_rechecked(tree):
    lint("pkg", cache=make_cache())
    Path("pkg/clean0.py").write_text(LEAF.format(n=9), encoding="utf-8")
    result = lint("pkg", cache=make_cache())
    assert result.cached == result.files_checked - 1
    assert ("pkg/clean0.py", "IPL001") in {(d.path, d.code) for d in result.diagnostics}


def test_config_tool_version_and_rules_change_the_salt(tree, write, monkeypatch):
    base = make_cache()
    assert make_cache().salt == base.salt
    assert make_cache(ignore=["IPL004"]).salt != base.salt
    write("pyproject.toml", '[tool.inplace-lint]\nper-file-ignores = {"pkg/leaf0.py" = ["IPL001"]}\n')
    assert make_cache().salt != base.salt
    Path("pyproject.toml").unlink()
    cache_module.code_version.cache_clear()
    monkeypatch.setattr(cache_module, "__version__", "99.0")
    try:
        assert make_cache().salt != base.salt
    finally:
        cache_module.code_version.cache_clear()


def test_selection_change_does_not_reuse_stale_results(tree):
    lint("pkg", cache=make_cache())
    result = lint("pkg", cache=make_cache(ignore=["IPL004"]), ignore=["IPL004"])
    assert result.cached == 0
    assert "IPL004" not in {d.code for d in result.diagnostics}


def test_a_swapped_analyzer_does_not_read_the_real_analyzers_entries(tree, monkeypatch):
    real = make_cache().salt
    from conftest import fake_analyze_for_fixes

    monkeypatch.setattr(engine, "analyze_for_fixes", fake_analyze_for_fixes)  # what conftest's fake_analyzer does
    assert make_cache().salt != real


def test_corrupt_entries_are_ignored_and_rewritten(tree):
    cache = make_cache()
    cold = lint("pkg", cache=cache)
    entries = sorted(cache.folder.rglob("*.json"))
    assert len(entries) == cold.files_checked
    entries[0].write_text("{not json", encoding="utf-8")
    entries[1].write_text(json.dumps({"v": 1, "diagnostics": [{"path": 1}], "fixable": False}), encoding="utf-8")
    entries[2].write_bytes(b"")
    warm = lint("pkg", cache=make_cache())
    assert warm.cached == warm.files_checked - 3
    assert as_json(warm) == as_json(cold)
    again = lint("pkg", cache=make_cache())
    assert again.cached == again.files_checked


def test_cache_dir_layout_gitignore_and_no_temp_files(tree):
    result = CliRunner().invoke(cli, ["pkg"])
    assert result.exit_code == 1
    folder = Path(".inplace_lint_cache")
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert not [p for p in folder.rglob("*") if p.name.startswith(".tmp-")]
    # git ignores the whole cache
    subprocess.run(["git", "init", "-q"], check=True)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], capture_output=True,
                            text=True, check=True).stdout
    assert ".inplace_lint_cache" not in status


def test_cache_lives_next_to_the_config_file(tree, write):
    write("pyproject.toml", "[tool.inplace-lint]\nignore = []\n")
    os.chdir("pkg")
    result = CliRunner().invoke(cli, ["."])
    assert result.exit_code == 1
    assert Path("../.inplace_lint_cache/.gitignore").is_file() and not Path(".inplace_lint_cache").exists()


def test_no_cache_and_cache_dir_options(tree, monkeypatch):
    CliRunner().invoke(cli, ["--no-cache", "pkg"])
    assert not Path(".inplace_lint_cache").exists()
    CliRunner().invoke(cli, ["--cache-dir", "elsewhere", "pkg"])
    assert Path("elsewhere/.gitignore").is_file() and not Path(".inplace_lint_cache").exists()
    monkeypatch.setenv(cache_module.CACHE_DIR_ENV, "fromenv")
    CliRunner().invoke(cli, ["pkg"])
    assert Path("fromenv/.gitignore").is_file()


def test_unwritable_cache_dir_does_not_fail_the_run(tree):
    Path("blocker").write_text("a file, not a folder")
    result = CliRunner().invoke(cli, ["--cache-dir", "blocker/cache", "--format", "json", "pkg"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)


def test_diagnostic_round_trip_with_its_edits():
    d = Diagnostic("a.py", 3, 5, 4, 2, "IPL001", "inplace-on-leaf", "error", "msg ü", fix=Fix(
        "wrap", "safe", edits=(Edit(3, 1, 4, 1, "with torch.no_grad():\n    w.add_(1)\n"), Edit(1, 1, 1, 1, "é\n")),
        template="t", priority=0), related=[(1, 2, "here")],
        cell=(2, 1), stmt_line=3, fingerprint="abc", validation={"verdict": "confirmed"})
    back = from_cache(json.loads(json.dumps(to_cache(d))))
    assert back == d and back.fix.edits == d.fix.edits and back.fix.priority == 0
    assert (back.related, back.cell, back.stmt_line, back.fingerprint) == ([(1, 2, "here")], (2, 1), 3, "abc")
    plain = Diagnostic("a.py", 1, 1, 1, 2, "IPL900", "syntax-error", "error", "bad")
    assert from_cache(to_cache(plain)) == plain


# ---------------------------------------------------------------------------------------------------------------
# Concurrency


def _hammer(args):
    directory, salt, worker = args
    cache = Cache(Path(directory), salt)
    diags = [Diagnostic("a.py", i, 1, i, 2, "IPL001", "n", "error", "m" * 200) for i in range(1, 30)]
    for round_ in range(40):
        for k in range(8):
            cache.put(Cache.key(f"f{k}.py", b"x"), diags[: (worker + round_ + k) % 29 + 1])
            cache.get(Cache.key(f"f{(k + 3) % 8}.py", b"x"))
    return True


@pytest.mark.slow
def test_concurrent_writers_never_leave_a_corrupt_entry(tmp_path):
    directory = tmp_path / "c"
    with ProcessPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(_hammer, [(str(directory), "salt", w) for w in range(4)]))
    cache = Cache(directory, "salt")
    entries = list(cache.folder.rglob("*.json"))
    assert len(entries) == 8
    for k in range(8):
        entry = cache.get(Cache.key(f"f{k}.py", b"x"))
        assert entry is not None and 1 <= len(entry.diagnostics) <= 29
    assert not [p for p in directory.rglob("*") if p.name.startswith(".tmp-")]


@pytest.mark.slow
def test_two_cli_processes_sharing_a_cache(tree):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "inplace_lint", "--format", "json", "--cache-dir", "shared", "-j", "1", "pkg"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1, 1], [o[1] for o in outputs]
    assert outputs[0][0] == outputs[1][0] == outputs[2][0]
    warm = subprocess.run(cmd, capture_output=True, env=env, timeout=300)
    assert warm.stdout == outputs[0][0]
    uncached_cmd = [sys.executable, "-m", "inplace_lint", "--format", "json", "--no-cache", "-j", "1", "pkg"]
    uncached = subprocess.run(uncached_cmd, capture_output=True, env=env, timeout=300)
    assert uncached.stdout == outputs[0][0]
