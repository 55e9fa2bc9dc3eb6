"""Validation throughput: the warm worker (torch imported once, one forked child per snippet) against a cold
subprocess per snippet (torch imported every time); and the probe's overhead on small training steps.

    python bench/validate_bench.py                 # 100 snippets warm, 8 cold, overhead table
    python bench/validate_bench.py --snippets 200 --cold 4 --json bench/results/validate.json

The snippets are the runnable examples of ``rules/*.md`` (bad, good and fixed), cycled to the requested count;
each is validated as a script job with its flagged lines watched, exactly as ``--validate`` runs it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
# bench/ holds a profile.py that would shadow the standard library's (torch._dynamo imports cProfile)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from inplace_lint.registry import analyze_source  # noqa: E402
from inplace_lint.catalog import load_rule  # noqa: E402
from inplace_lint.validate.runner import script_job  # noqa: E402
from inplace_lint.validate.sandbox import ColdRunner, Limits, Worker  # noqa: E402


def snippets(folder: Path):
    out = []
    for path in sorted((ROOT / "rules").glob("IPL*.md")):
        for ex in load_rule(path).examples():
            if ex.attrs.get("static-only"):
                continue
            file = folder / f"{ex.name}.py"
            file.write_text(ex.source, encoding="utf-8")
            diags = analyze_source(ex.source, str(file))
            out.append((ex.name, script_job(str(file), ex.source, diags)))
    return out


def run_all(runner, jobs):
    times, kinds = [], 0
    for _, job in jobs:
        started = time.perf_counter()
        result = runner.run(job)
        times.append(time.perf_counter() - started)
        if result.get("status") == "error":
            raise SystemExit(f"{job['path']}: {result.get('error')}")
        kinds += len(result.get("events") or [])
    return times, kinds


def throughput(n_warm: int, n_cold: int):
    with tempfile.TemporaryDirectory() as tmp:
        pool = snippets(Path(tmp))
        warm_jobs = [pool[i % len(pool)] for i in range(n_warm)]
        cold_jobs = [pool[(i * 7) % len(pool)] for i in range(n_cold)]

        started = time.perf_counter()
        worker = Worker(Limits(timeout=60))
        try:
            worker.run({"kind": "ping", "path": "", "source": "", "lines": []})
            startup = time.perf_counter() - started
            warm_times, _ = run_all(worker, warm_jobs)
        finally:
            worker.close()
        warm_total = time.perf_counter() - started

        cold = ColdRunner(Limits(timeout=120))
        try:
            cold_times, _ = run_all(cold, cold_jobs)
        finally:
            cold.close()
    return {
        "snippets_warm": n_warm,
        "warm_startup_s": round(startup, 2),
        "warm_per_snippet_ms": round(1000 * statistics.mean(warm_times), 1),
        "warm_median_ms": round(1000 * statistics.median(warm_times), 1),
        "warm_total_s": round(warm_total, 2),
        "warm_snippets_per_s": round(n_warm / warm_total, 2),
        "warm_steady_snippets_per_s": round(n_warm / sum(warm_times), 2),
        "snippets_cold": n_cold,
        "cold_per_snippet_s": round(statistics.mean(cold_times), 2),
        "cold_snippets_per_s": round(n_cold / sum(cold_times), 3),
        "speedup_total": round((n_warm / warm_total) / (n_cold / sum(cold_times)), 1),
        "speedup_steady": round((n_warm / sum(warm_times)) / (n_cold / sum(cold_times)), 1),
    }


def overhead(repeats: int = 3):
    """Probe overhead on small CPU training steps (best of ``repeats``)."""
    import torch
    from torch import nn

    from inplace_lint.validate.probe import Probe

    torch.set_num_threads(1)

    def mlp():
        return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))

    def wide_mlp():
        return nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

    def cnn():
        return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
                             nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Dropout(0.2),
                             nn.Linear(16 * 16 * 16, 10))

    def loop(model, x, steps):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        y = torch.randint(0, 10, (x.shape[0],))
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

    rows = {}
    for name, make, x, steps in (("mlp 64-128-128-10, batch 64", mlp, torch.randn(64, 64), 200),
                                 ("mlp 256-512-512-10, batch 256", wide_mlp, torch.randn(256, 256), 50),
                                 ("cnn 2 conv + bn + linear, 32x3x16x16", cnn, torch.randn(32, 3, 16, 16), 30)):
        loop(make(), x, 3)
        with Probe():
            loop(make(), x, 3)
        best = {}
        for label in ("plain", "probe"):
            timings = []
            for _ in range(repeats):
                torch.manual_seed(0)
                model = make()
                started = time.perf_counter()
                if label == "probe":
                    with Probe():
                        loop(model, x, steps)
                else:
                    loop(model, x, steps)
                timings.append(time.perf_counter() - started)
            best[label] = min(timings) / steps
        rows[name] = {"plain_ms_per_step": round(1000 * best["plain"], 2),
                      "probe_ms_per_step": round(1000 * best["probe"], 2),
                      "overhead": round(best["probe"] / best["plain"], 2)}
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snippets", type=int, default=100, help="snippets validated by the warm worker")
    parser.add_argument("--cold", type=int, default=8, help="snippets validated with a cold subprocess each")
    parser.add_argument("--no-overhead", action="store_true", help="skip the probe overhead measurement")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args(argv)

    numbers = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    try:
        import torch

        numbers["torch"] = torch.__version__
    except ImportError:
        raise SystemExit("torch is needed for this benchmark")
    numbers["throughput"] = throughput(args.snippets, args.cold)
    t = numbers["throughput"]
    print(f"warm worker : {t['snippets_warm']} snippets in {t['warm_total_s']} s "
          f"(startup {t['warm_startup_s']} s, {t['warm_per_snippet_ms']} ms/snippet) "
          f"= {t['warm_snippets_per_s']} snippets/s ({t['warm_steady_snippets_per_s']} after startup)")
    print(f"cold        : {t['snippets_cold']} snippets, {t['cold_per_snippet_s']} s/snippet "
          f"= {t['cold_snippets_per_s']} snippets/s")
    print(f"speed-up    : {t['speedup_total']}x including the worker's startup, {t['speedup_steady']}x after it")
    if not args.no_overhead:
        numbers["overhead"] = overhead()
        for name, row in numbers["overhead"].items():
            print(f"probe overhead, {name}: {row['plain_ms_per_step']} -> {row['probe_ms_per_step']} ms/step "
                  f"({row['overhead']}x)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
