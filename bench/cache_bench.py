"""Cold vs warm: how much the results cache saves on an unchanged tree. Not a test; run it by hand::

    python bench/cache_bench.py DIR [--jobs N] [--repeat K]
    python bench/cache_bench.py "$(python -c 'import torch, os; print(os.path.dirname(torch.__file__))')"

Each run is a fresh ``python -m inplace_lint DIR --format json --exit-zero`` process (startup included, as users
see it) with this checkout first on ``PYTHONPATH``:

  uncached   ``--no-cache``                          what a run costs without the cache
  cold       ``--cache-dir <empty temp dir>``        the same plus writing every entry
  warm       the same cache dir again                 nothing changed: every file is a cache hit

Times are wall-clock, best of ``--repeat`` (each cold run gets a new empty cache). The JSON outputs of all runs
must be identical (the cache never changes what is reported); the script fails otherwise. It prints the times and
the cold/warm ratio.

``--edit REL`` adds a fourth run: on a copy of DIR (a ``pyproject.toml`` at its top makes it one project; DIR itself
is never written), after the warm run, one line is appended to the file ``REL`` and the cached run is repeated with
``-v``. It prints how many files were analysed again (not from the cache): ``REL`` and the files whose analysis
consulted it (looked a helper up in it); against an upper bound, ``REL`` and every file (with or without torch: both
are cached) whose import closure (``project.import_closure``, transitive) contains it::

    python bench/cache_bench.py bench/corpus/transformers --edit transformers/activations.py
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

REPO = Path(__file__).resolve().parent.parent


def run(target: str, extra: List[str], jobs: int) -> Tuple[float, bytes]:
    elapsed, out, _ = run_full(target, extra, jobs)
    return elapsed, out


def run_full(target: str, extra: List[str], jobs: int) -> Tuple[float, bytes, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("INPLACE_LINT_RULES_DIR", None)
    env.pop("INPLACE_LINT_CACHE_DIR", None)
    cmd = [sys.executable, "-m", "inplace_lint", target, "--format", "json", "--exit-zero", "--jobs", str(jobs),
           *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 2):  # 2: some path had an internal error, still a complete report
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed, proc.stdout, proc.stderr.decode(errors="replace")


def affected_by(root: Path, edited: Path) -> List[Path]:
    """The files under ``root`` whose findings may change when ``edited`` does: itself and its importers."""
    sys.path.insert(0, str(REPO))
    from inplace_lint.analysis.project import import_closure

    out = [edited]
    memo: dict = {}  # resolutions and scans shared by the files of the tree
    for path in sorted(root.rglob("*.py")):
        if path == edited:
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        if edited in [p.resolve() for p in import_closure(str(path), text, memo)]:
            out.append(path)
    return out


def edit_run(target: str, rel: str, jobs: int) -> None:
    """Cold, warm, then one file edited: how many files the cached run analyses again."""
    import re

    work = Path(tempfile.mkdtemp(prefix="inplace-lint-edit-bench-"))
    try:
        copy = work / "project"
        shutil.copytree(target, copy)
        (copy / "pyproject.toml").write_text("")
        cache_dir = str(work / "cache")
        cold, _, _ = run_full(str(copy), ["--cache-dir", cache_dir], jobs)
        warm, _, warm_err = run_full(str(copy), ["--cache-dir", cache_dir, "-v"], jobs)
        edited = (copy / rel).resolve()
        with open(edited, "a", encoding="utf-8") as fh:
            fh.write("\n# edited by cache_bench\n")
        expected = affected_by(copy.resolve(), edited)
        after, _, err = run_full(str(copy), ["--cache-dir", cache_dir, "-v"], jobs)

        def not_cached(stderr: str) -> int:
            m = re.search(r"checked (\d+) files?, (\d+) from the cache", stderr)
            if m is None:
                sys.exit(f"no -v summary in:\n{stderr}")
            return int(m.group(1)) - int(m.group(2))

        base, again = not_cached(warm_err), not_cached(err)
        print(f"  edit {rel}: cold {cold:.2f} s, warm {warm:.2f} s, after the edit {after:.2f} s")
        print(f"  not from the cache: {base} file(s) in the warm run (never cached: no torch, or no parse), "
              f"{again} after the edit, so {again - base} analysed again; an upper bound of what the edit can affect: "
              f"{len(expected)} (it and every file whose imports reach it, transitively)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="--jobs for inplace-lint")
    parser.add_argument("--repeat", type=int, default=1, help="take the best of this many runs of each kind")
    parser.add_argument("--edit", metavar="REL", help="then edit this file (path relative to DIR) in a copy and "
                        "count the files analysed again")
    args = parser.parse_args(argv)
    target = os.path.abspath(args.directory)
    if args.edit:
        edit_run(target, args.edit, args.jobs)
        return 0
    files = sum(1 for p in Path(target).rglob("*") if p.suffix in (".py", ".pyi", ".ipynb"))

    uncached, cold, warm = [], [], []
    outputs = set()
    for _ in range(args.repeat):
        t, out = run(target, ["--no-cache"], args.jobs)
        uncached.append(t)
        outputs.add(out)
        cache_dir = tempfile.mkdtemp(prefix="inplace-lint-cache-bench-")
        try:
            t, out = run(target, ["--cache-dir", cache_dir], args.jobs)
            cold.append(t)
            outputs.add(out)
            t, out = run(target, ["--cache-dir", cache_dir], args.jobs)
            warm.append(t)
            outputs.add(out)
        finally:
            shutil.rmtree(cache_dir, ignore_errors=True)
    if len(outputs) != 1:
        sys.exit("the runs reported different findings: the cache changed the results")
    findings = next(iter(outputs)).count(b'"code":')
    print(f"{target}: {files} files, {findings} findings, --jobs {args.jobs}, best of {args.repeat}")
    print(f"  uncached  {min(uncached):8.2f} s")
    print(f"  cold      {min(cold):8.2f} s  (fills the cache)")
    print(f"  warm      {min(warm):8.2f} s")
    print(f"  cold/warm ratio: {min(cold) / min(warm):.1f}x   (uncached/warm: {min(uncached) / min(warm):.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
