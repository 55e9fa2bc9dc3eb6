"""Where inplace-lint spends its time: ``python bench/profile.py [--top 15] [--packages timm]``.

Samples one cold, serial run (``--no-cache --jobs 1`` when the options exist) over a corpus package with py-spy
(pinned, installed into bench/.venv-profile), then prints the top functions by inclusive ("cumulative") and by
self time, as a share of all samples. Native code (LibCST's Rust parser) is charged to the Python function that
called it, e.g. ``parse_module``. The analysis measured is the same as run.py's: a snapshot of git HEAD, or the work
tree with ``--tree``. The raw collapsed stacks stay in bench/.work/profile-<package>.txt.
"""
from __future__ import annotations

import argparse
import collections
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
import run  # noqa: E402

PY_SPY = "py-spy==0.4.3"
VENV = run.BENCH / ".venv-profile"


def ensure_py_spy() -> Path:
    exe = VENV / "bin" / "py-spy"
    if not exe.exists():
        run.log(f"installing {PY_SPY} into {VENV.relative_to(run.REPO)}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--no-deps", PY_SPY], check=True)
    return exe


def parse_collapsed(path: Path) -> Tuple[int, Dict[str, int], Dict[str, int]]:
    """Total samples; inclusive samples per frame (counted once per stack); self samples per frame."""
    total = 0
    inclusive: Dict[str, int] = collections.Counter()
    self_: Dict[str, int] = collections.Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        self_[frames[-1]] += n
    return total, inclusive, self_


def table(title: str, counts: Dict[str, int], total: int, top: int, skip_wrappers: bool) -> List[str]:
    wrappers = ("<frozen runpy>", "click/", "inplace_lint/__main__.py", "(inplace_lint/cli.py)")
    rows = [(frame, n) for frame, n in sorted(counts.items(), key=lambda kv: -kv[1])
            if not (skip_wrappers and any(w in frame for w in wrappers))]
    out = [title, "", "| # | function (file) | share of samples |", "|---:|---|---:|"]
    for i, (frame, n) in enumerate(rows[:top], 1):
        out.append(f"| {i} | `{frame}` | {100 * n / total:.1f}% |")
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--packages", default="timm", metavar="NAMES", help="comma-separated corpus packages (default timm)")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--rate", type=int, default=200, help="samples per second (default 200)")
    p.add_argument("--tree", action="store_true", help="profile the work tree instead of a snapshot of git HEAD")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.packages.split(",") if n.strip()]
    stamps = corpus.ensure(names)
    run.WORK.mkdir(parents=True, exist_ok=True)
    source = run.analysis_source(args.tree)
    env = run.il_env(source["path"], run.WORK / "cache")
    opts = run.il_options(env)
    cmd = [sys.executable, "-m", "inplace_lint", "check", "--no-config", "--format", "json", "--exit-zero"]
    cmd += (["--no-cache"] if opts["no_cache"] else []) + (["--jobs", "1"] if opts["jobs"] else [])
    cmd += [s["path"] for s in stamps]
    raw = run.WORK / f"profile-{'+'.join(names)}.txt"
    spy = ensure_py_spy()
    run.log(f"profiling {' '.join(cmd[1:4])} ... on {', '.join(names)} at {str(source['commit'])[:12]}")
    proc = subprocess.run([str(spy), "record", "--format", "raw", "--nolineno", "--rate", str(args.rate),
                           "--output", str(raw), "--", *cmd], cwd=run.WORK, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0 or not raw.exists():
        print(proc.stderr[-3000:], file=sys.stderr)
        return 1
    total, inclusive, self_ = parse_collapsed(raw)
    print(f"inplace-lint {opts['version'].split()[-1]} at {source['commit']} ({source['kind']}), "
          f"{', '.join(s['name'] + ' ' + s['version'] for s in stamps)}: {total} samples at {args.rate}/s "
          f"(about {total / args.rate:.1f} s)\n")
    print("\n".join(table(f"Top {args.top} by cumulative (inclusive) time", inclusive, total, args.top, True)))
    print()
    print("\n".join(table(f"Top {args.top} by self time", self_, total, args.top, False)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
