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
    return elapsed, proc.stdout


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="--jobs for inplace-lint")
    parser.add_argument("--repeat", type=int, default=1, help="take the best of this many runs of each kind")
    args = parser.parse_args(argv)
    target = os.path.abspath(args.directory)
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
