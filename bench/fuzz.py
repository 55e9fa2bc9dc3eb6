"""Long fuzz runs and a load test of inplace-lint (outside the normal test run; ``tests/test_fuzz.py`` is the bounded
version that runs with the tests).

    python bench/fuzz.py --count 100000 --seed 1          # fuzz: 100,000 inputs, 2 worker processes
    python bench/fuzz.py --seed 1 --only 4711             # re-check one input (what a failure report says to run)
    python bench/fuzz.py --load 10000 --seed 1            # load: lint 10,000 generated files, -j N against -j 1
    python bench/fuzz.py --load-dir bench/corpus          # load: the same on a real tree (the benchmark corpus)

Fuzz: input ``i`` of seed ``S`` is a function of ``(S, i)`` only (``random.Random(f"S:i")``), so any input can be
regenerated alone. About half are random torch-flavoured programs (1 in 20 long enough for the pre-filter to blank
blocks), half are real files -- the rule examples, ``examples/``, the package's own source -- damaged by mutations
(``tests/fuzz_support.py``: deleted lines, truncated tokens, random bytes, tabs, CRLF/CR, BOMs, other encodings with
coding cookies, NUL bytes, nesting...). Before them, the fixed extremes (500- to 100,000-deep nesting of every kind,
5 MB single-line files, empty, binary...) run once. Each input is checked against every invariant of
``fuzz_support.check_bytes`` (no crash or internal error; lint findings a subset of the full analysis; ``--fix``
output parses, compiles and is a fixed point; deterministic), with a time limit (``--timeout``, a hang is a
failure). Every ``--cli-every``-th input also goes through the command line in-process (``check``, ``--fix`` on a
copy, ``--format sarif``), and at the end ``--order-runs`` folders of generated files are linted as subprocesses with
``--jobs 1``, ``--jobs 2`` and in shuffled order (identical output required).

A failing input is saved as ``bench/fuzz-failures/<seed>-<i>.bin`` (the exact bytes) with ``<seed>-<i>.txt`` (what
failed and how to reproduce it). The run prints counts per input kind, the slowest inputs and the failures; the exit
status is 1 when anything failed.

Load: ``--load N`` writes N generated files (programs and mutated real files, a few dozen lines each) into a
temporary folder and lints it as a subprocess with ``--jobs`` (default: the CPU count) and with ``--jobs 1``, each
measured from its own wrapper process (wall time, and peak RSS: ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``,
the largest single process); the two JSON outputs must be identical (no finding lost or added in parallel).
``--load-dir PATH`` does the same on an existing tree instead of generated files.
"""
from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import fuzz_support as fs  # noqa: E402

FAILURES = BENCH / "fuzz-failures"


class Timeout(Exception):
    pass


def make_input(seed: int, i: int) -> Tuple[str, bytes]:
    """Input ``i`` of ``seed``: (kind, bytes)."""
    rnd = random.Random(f"{seed}:{i}")
    ch = fs.RandomChooser(rnd)
    roll = rnd.random()
    if roll < 0.025:
        return "program-long", fs.gen_program(ch, long=True).encode()
    if roll < 0.45:
        return "program", fs.gen_program(ch).encode()
    if roll < 0.5:  # a program with odd bytes
        return "program-mutated", fs.mutate(ch, fs.gen_program(ch))
    name, text = ch.pick(fs.seeds())
    kind = "mutated-rule-example" if name.startswith("rules/") else "mutated-source"
    return kind, fs.mutate(ch, text, max_lines=ch.pick([20, 40, 80]))


def _alarm(signum, frame):
    raise Timeout()


_SETTINGS = None


def _init_worker() -> None:
    global _SETTINGS
    signal.signal(signal.SIGALRM, _alarm)
    _SETTINGS = fs.settings_for()
    fs.seeds()


def check_one(job) -> Tuple[int, str, List[str], float, Optional[bytes]]:
    """(i, kind, failures, seconds, the bytes when it failed)."""
    seed, i, timeout, cli_every, hostile = job
    if hostile is None:
        kind, data = make_input(seed, i)
    else:
        kind, data = f"hostile:{hostile}", fs.hostile_input(hostile)
    start = time.perf_counter()
    failures: List[str] = []
    signal.alarm(timeout)
    try:
        failures = fs.check_bytes(data, "fuzz.py", _SETTINGS)
        if cli_every and i % cli_every == 0:
            failures += _check_cli(data)
    except Timeout:
        failures.append(f"timeout: more than {timeout} s")
    except BaseException as exc:  # noqa: BLE001
        failures.append(f"the fuzz harness itself raised: {type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
    elapsed = time.perf_counter() - start
    return i, kind, failures, elapsed, data if failures else None


def _check_cli(data: bytes) -> List[str]:
    failures: List[str] = []
    with tempfile.TemporaryDirectory(prefix="ipl-fuzz-") as tmp:
        folder = Path(tmp)
        target = folder / "fuzz.py"
        target.write_bytes(data)
        failures += fs.check_cli(["--no-cache", "--no-config", "fuzz.py"], cwd=folder)
        failures += fs.check_cli(["--no-cache", "--no-config", "--format", "sarif", "fuzz.py"], cwd=folder)
        failures += fs.check_cli(["--no-cache", "--no-config", "--fix", "--unsafe-fixes", "fuzz.py"], cwd=folder)
        after = target.read_bytes()
        if after != data:
            text = after.decode("utf-8", "replace")
            if not fs._compiles(text) and fs._compiles(data.decode("utf-8", "replace")):
                failures.append("CLI --fix wrote a file that does not compile")
    return failures


def save_failure(seed: int, i: int, kind: str, data: bytes, failures: List[str]) -> Path:
    FAILURES.mkdir(exist_ok=True)
    stem = FAILURES / f"{seed}-{i}"
    stem.with_suffix(".bin").write_bytes(data)
    stem.with_suffix(".txt").write_text(
        f"input {i} of seed {seed} ({kind}, {len(data)} bytes)\n"
        f"reproduce: python bench/fuzz.py --seed {seed} --only {i}\n"
        f"or: python -m inplace_lint --no-cache {stem.with_suffix('.bin')}  (save it as .py first)\n\n"
        + "\n\n".join(failures) + "\n", encoding="utf-8")
    return stem


def fuzz(args) -> int:
    started = time.time()
    counts: Dict[str, int] = collections.Counter()
    failed: Dict[str, int] = collections.Counter()
    slowest: List[Tuple[float, int, str]] = []
    failures_seen: List[Tuple[int, str, List[str]]] = []
    jobs = []
    if args.only is not None:
        jobs = [(args.seed, args.only, args.timeout, 1, None)]
    else:
        if not args.no_hostile:
            for n, name in enumerate(fs.hostile_names(big=True)):  # made in the worker: some are 12 MB
                jobs.append((args.seed, -1 - n, args.timeout, 0, name))
        jobs += [(args.seed, i, args.timeout, args.cli_every, None) for i in range(args.start, args.start + args.count)]
    total = len(jobs)
    print(f"fuzz: seed {args.seed}, {total} inputs, {args.jobs} worker processes", flush=True)
    ctx = multiprocessing.get_context("fork")
    done = 0
    last_report = time.time()
    with ctx.Pool(args.jobs, initializer=_init_worker, maxtasksperchild=2000) as pool:
        for i, kind, failures, elapsed, data in pool.imap_unordered(check_one, jobs, chunksize=8):
            done += 1
            family = kind.split(":")[0]
            counts[family] += 1
            slowest.append((elapsed, i, kind))
            if len(slowest) > 200:
                slowest.sort(reverse=True)
                del slowest[20:]
            if failures:
                failed[family] += 1
                failures_seen.append((i, kind, failures))
                stem = save_failure(args.seed, i, kind, data or b"", failures)
                print(f"FAIL input {i} ({kind}): {failures[0].splitlines()[0][:200]} -> {stem}.txt", flush=True)
            if time.time() - last_report > args.progress:
                last_report = time.time()
                rate = done / (time.time() - started)
                print(f"  {done}/{total} inputs, {sum(failed.values())} failing, {rate:.0f}/s, "
                      f"eta {(total - done) / max(rate, 1e-9) / 60:.1f} min", flush=True)
    order_failures = 0
    if args.only is None and args.order_runs:
        order_failures = check_orders(args)
    elapsed = time.time() - started
    print(f"\n{done} inputs in {elapsed / 60:.1f} min ({done / elapsed:.0f}/s):")
    for family in sorted(counts):
        print(f"  {family:24} {counts[family]:>8}  failing {failed[family]}")
    print(f"  order runs               {args.order_runs:>8}  failing {order_failures}")
    slowest.sort(reverse=True)
    print("slowest: " + ", ".join(f"{k} #{i} {t:.1f}s" for t, i, k in slowest[:6]))
    bad = sum(failed.values()) + order_failures
    print(f"{bad} failure{'s' if bad != 1 else ''}" + (f" (saved under {FAILURES})" if bad else ""))
    return 1 if bad else 0


def check_orders(args) -> int:
    """Folders of generated files linted with --jobs 1/2 and in shuffled order (subprocesses): identical output."""
    bad = 0
    for run in range(args.order_runs):
        with tempfile.TemporaryDirectory(prefix="ipl-order-") as tmp:
            folder = Path(tmp)
            rnd = random.Random(f"{args.seed}:order:{run}")
            for j in range(12):
                kind, data = make_input(args.seed, 10_000_000 + run * 100 + j)
                sub = folder / rnd.choice(["", "pkg", "pkg/sub", "other dir", "ünï"])
                sub.mkdir(parents=True, exist_ok=True)
                (sub / f"f{j}.py").write_bytes(data)
            failures = fs.check_order(folder, seed=run, subprocess_=True)
            if failures:
                bad += 1
                keep = FAILURES / f"{args.seed}-order-{run}"
                if keep.exists():
                    shutil.rmtree(keep)
                shutil.copytree(folder, keep)
                (keep / "FAILURE.txt").write_text("\n\n".join(failures), encoding="utf-8")
                print(f"FAIL order run {run}: {failures[0][:200]} -> {keep}", flush=True)
    return bad


# ---------------------------------------------------------------------------------------------------------------
# Load


_MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.time()
proc = subprocess.run(sys.argv[2:], cwd=sys.argv[1], capture_output=True)
wall = time.time() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.buffer.write(proc.stderr)
sys.stdout.write(json.dumps({"code": proc.returncode, "wall": wall, "maxrss_kb": usage.ru_maxrss,
                             "cpu": usage.ru_utime + usage.ru_stime, "stdout": proc.stdout.decode("utf-8", "replace")}))
"""


def measure(folder: Path, args: List[str]) -> dict:
    """Run ``inplace-lint ARGS`` in ``folder`` from a fresh wrapper process: exit code, wall, CPU, peak RSS, stdout."""
    cmd = [sys.executable, "-c", _MEASURE, str(folder), sys.executable, "-m", "inplace_lint", *args]
    proc = subprocess.run(cmd, env=fs.cli_env(), capture_output=True, check=True)
    return json.loads(proc.stdout)


def load(args) -> int:
    if args.load_dir:
        folder = Path(args.load_dir).resolve()
        if not folder.is_dir():
            print(f"--load-dir: {folder} is not a folder (python bench/corpus.py fetches the corpus)")
            return 2
        files = [p for p in folder.rglob("*") if p.suffix in (".py", ".pyi", ".ipynb") and p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(f"load: {folder} ({len(files)} files, {size / 1e6:.1f} MB)", flush=True)
        return _load_runs(folder, args)
    with tempfile.TemporaryDirectory(prefix="ipl-load-") as tmp:
        folder = Path(tmp)
        start = time.time()
        for i in range(args.load):
            _, data = make_input(args.seed, 20_000_000 + i)
            sub = folder / f"pkg{i % 50}"
            sub.mkdir(exist_ok=True)
            (sub / f"mod{i}.py").write_bytes(data)
        size = sum(p.stat().st_size for p in folder.rglob("*.py"))
        print(f"load: {args.load} files ({size / 1e6:.1f} MB) written in {time.time() - start:.1f} s", flush=True)
        return _load_runs(folder, args)


def _load_runs(folder: Path, args) -> int:
    """Lint ``folder`` with ``--jobs N`` and ``--jobs 1``: wall, CPU, peak RSS, and the two outputs compared."""
    jobs = args.load_jobs or os.cpu_count() or 2
    base = ["--no-cache", "--no-config", "--format", "json", "--exit-zero"]
    parallel = measure(folder, base + ["--jobs", str(jobs), "."])
    serial = measure(folder, base + ["--jobs", "1", "."])
    findings = {}
    for label, run in (("parallel", parallel), ("serial", serial)):
        try:
            findings[label] = json.loads(run["stdout"])
        except ValueError:
            findings[label] = None
    ok = findings["parallel"] is not None and findings["parallel"] == findings["serial"]
    codes = collections.Counter(d["code"] for d in findings["serial"] or [])
    for label, run in (("parallel", parallel), ("serial", serial)):
        n = len(findings[label]) if findings[label] is not None else "unparsable"
        print(f"  --jobs {jobs if label == 'parallel' else 1:<2} exit {run['code']}, {run['wall']:.1f} s wall, "
              f"{run['cpu']:.1f} s CPU, peak RSS {run['maxrss_kb'] / 1024:.0f} MB, {n} findings")
    print(f"  findings by code: {dict(sorted(codes.items()))}")
    print("  parallel == serial: " + ("yes (no finding lost or added)" if ok else "NO"))
    if not ok and findings["parallel"] is not None and findings["serial"] is not None:
        key = lambda d: json.dumps(d, sort_keys=True)  # noqa: E731
        lost = {key(d) for d in findings["serial"]} - {key(d) for d in findings["parallel"]}
        added = {key(d) for d in findings["parallel"]} - {key(d) for d in findings["serial"]}
        print(f"  lost in parallel: {len(lost)}, added: {len(added)}")
    return 0 if ok and parallel["code"] in (0, 1) and serial["code"] in (0, 1) else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="inputs to generate (default 1000)")
    parser.add_argument("--start", type=int, default=0, help="index of the first input")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", type=int, help="check input ONLY of the seed and nothing else")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="worker processes")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per input before it counts as a hang")
    parser.add_argument("--cli-every", type=int, default=250, help="run every N-th input through the CLI too")
    parser.add_argument("--order-runs", type=int, default=10, help="folders checked for order independence")
    parser.add_argument("--no-hostile", action="store_true", help="skip the fixed extreme inputs")
    parser.add_argument("--progress", type=float, default=60, help="seconds between progress lines")
    parser.add_argument("--load", type=int, help="load test: lint this many generated files, parallel vs serial")
    parser.add_argument("--load-dir", help="load test on this existing folder instead (e.g. bench/corpus/transformers)")
    parser.add_argument("--load-jobs", type=int, help="--jobs of the parallel load run (default: the CPU count)")
    args = parser.parse_args(argv)
    os.environ.pop("INPLACE_LINT_RULES_DIR", None)
    if args.load or args.load_dir:
        return load(args)
    return fuzz(args)


if __name__ == "__main__":
    sys.exit(main())
