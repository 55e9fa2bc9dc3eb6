"""Benchmark inplace-lint against TorchFix on a real corpus: ``python bench/run.py`` (see bench/README.md).

Steps: fetch (or reuse) the pinned corpus (bench/corpus.py); install TorchFix 0.7.0 into bench/.venv-torchfix (or
reuse it); take a snapshot of the analysis at git HEAD (``git archive``, so edits in the work tree are not
measured unless ``--tree``); then time, alternating over the repetitions, on the same files:

  floor              LibCST parsing alone (bench/floor.py: ``libcst.parse_module`` in a loop), one process
  inplace-lint cold  ``inplace-lint check --format json --exit-zero --no-cache`` (``--no-cache`` when it exists)
  inplace-lint warm  the same with the cache, after one untimed-for-the-ratio run that fills it ("fill" row)
  torchfix           ``torchfix --select ALL``

Each child is measured with ``os.wait4`` (wall, user+sys CPU of it and its waited-for workers, peak RSS of its
largest process) plus a sampler of the RSS summed over its process tree. The CPU that other processes used on the
machine meanwhile is recorded too (``bg CPU``): this machine is shared, and wall times are only as good as that.
Prints a Markdown table and writes the raw results to bench/results/<date>.json.
"""
from __future__ import annotations

import argparse
import collections
import datetime as _dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (bench/corpus.py)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"              # gitignored: snapshot, cache, outputs
RESULTS = BENCH / "results"
TORCHFIX_VENV = BENCH / ".venv-torchfix"
TORCHFIX_REQUIREMENTS = BENCH / "torchfix-requirements.txt"

TOOLS = ("floor", "inplace-lint-cold", "inplace-lint-warm", "torchfix")
ALIASES = {"inplace-lint": ("inplace-lint-cold", "inplace-lint-warm"), "cold": ("inplace-lint-cold",),
           "warm": ("inplace-lint-warm",), "il": ("inplace-lint-cold", "inplace-lint-warm"), "all": TOOLS}
LABELS = {
    "floor": "floor: LibCST parse only",
    "inplace-lint-fill": "inplace-lint, first run (fills cache)",
    "inplace-lint-cold": "inplace-lint cold",
    "inplace-lint-warm": "inplace-lint warm (cache)",
    "torchfix": "TorchFix --select ALL",
}
ORDER = ("floor", "inplace-lint-fill", "inplace-lint-cold", "inplace-lint-warm", "torchfix")
PAGE = os.sysconf("SC_PAGE_SIZE")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Measuring one child


def _proc_table() -> Dict[int, int]:
    """pid -> ppid for every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) > 1:
            table[int(entry)] = int(fields[1])
    return table


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants."""
    children = collections.defaultdict(list)
    for pid, ppid in _proc_table().items():
        children[ppid].append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def _busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


class Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, _tree_rss(self.pid))
            except Exception:  # noqa: BLE001 - a sampling hiccup must not kill the run
                pass
            self.stop.wait(self.interval)


def measure(cmd: Sequence[str], *, cwd: Path, env: Dict[str, str], stdout: Path, stderr: Path) -> dict:
    """Run ``cmd`` to completion; wall, CPU (user+sys, including waited-for workers), peak RSS, exit code."""
    load_before = os.getloadavg()[0]
    busy0 = _busy_seconds()
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
        sampler = Sampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except OSError:
                pass
            raise
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    busy = _busy_seconds() - busy0
    return {
        "wall_s": round(wall, 3), "user_s": round(usage.ru_utime, 3), "sys_s": round(usage.ru_stime, 3),
        "cpu_s": round(cpu, 3), "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "tree_rss_mb": round(max(sampler.peak / 2**20, usage.ru_maxrss / 1024), 1),
        "exit_code": proc.returncode, "bg_cpu_s": round(max(0.0, busy - cpu), 1),
        "loadavg_before": round(load_before, 2), "loadavg_after": round(os.getloadavg()[0], 2),
    }


# ---------------------------------------------------------------------------------------------------------------
# Setup: TorchFix venv, analysis snapshot, machine facts


def ensure_torchfix() -> Path:
    """bench/.venv-torchfix with the pinned requirements (installed with --no-deps); its torchfix executable."""
    exe = TORCHFIX_VENV / "bin" / "torchfix"
    stamp = TORCHFIX_VENV / ".bench-requirements"
    wanted = TORCHFIX_REQUIREMENTS.read_text()
    if exe.exists() and stamp.exists() and stamp.read_text() == wanted:
        return exe
    log(f"installing TorchFix into {TORCHFIX_VENV.relative_to(REPO)} (pinned, --no-deps)")
    if TORCHFIX_VENV.exists():
        shutil.rmtree(TORCHFIX_VENV)
    subprocess.run([sys.executable, "-m", "venv", str(TORCHFIX_VENV)], check=True)
    py = TORCHFIX_VENV / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "-r", str(TORCHFIX_REQUIREMENTS)], check=True)
    check = subprocess.run([str(py), "-m", "pip", "check", "--disable-pip-version-check"], capture_output=True,
                           text=True)
    if check.returncode != 0:
        raise SystemExit(f"[bench] the TorchFix venv is inconsistent:\n{check.stdout}{check.stderr}")
    stamp.write_text(wanted)
    return exe


def torchfix_versions() -> Dict[str, str]:
    py = TORCHFIX_VENV / "bin" / "python"
    out = subprocess.run([str(py), "-m", "pip", "freeze", "--disable-pip-version-check"], capture_output=True,
                         text=True).stdout
    return dict(line.split("==", 1) for line in out.splitlines() if "==" in line)


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True).stdout.strip()


def analysis_source(use_tree: bool) -> dict:
    """Where the measured inplace-lint comes from: a ``git archive`` of HEAD (default) or the work tree."""
    try:
        commit = git("rev-parse", "HEAD")
        subject = git("log", "-1", "--format=%s")
        last_change = git("log", "-1", "--format=%H", commit, "--", "inplace_lint", "rules")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "inplace_lint", "rules"))
    except (OSError, subprocess.CalledProcessError):
        commit, subject, dirty, last_change, use_tree = None, None, None, None, True
    if use_tree:
        return {"kind": "work tree", "path": str(REPO), "commit": commit, "subject": subject,
                "analysis_last_changed_in": last_change, "dirty": dirty}
    snapshot = WORK / f"snapshot-{commit[:12]}"
    if not (snapshot / ".complete").exists():
        WORK.mkdir(parents=True, exist_ok=True)
        tar_path = WORK / "snapshot.tar"
        git("archive", "--format=tar", "-o", str(tar_path), commit)
        with tarfile.open(tar_path) as tf:
            tf.extractall(snapshot, filter="data") if hasattr(tarfile, "data_filter") else tf.extractall(snapshot)
        tar_path.unlink()
        (snapshot / ".complete").write_text(commit + "\n")
    return {"kind": "git HEAD snapshot", "path": str(snapshot), "commit": commit, "subject": subject,
            "analysis_last_changed_in": last_change, "work_tree_dirty": dirty}


def il_env(src_path: str, cache_dir: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = src_path + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["INPLACE_LINT_CACHE_DIR"] = str(cache_dir)
    env.pop("INPLACE_LINT_RULES_DIR", None)
    return env


def il_options(env: Dict[str, str]) -> dict:
    """Which of --no-cache / --cache-dir / --jobs this inplace-lint has, and its version."""
    base = [sys.executable, "-m", "inplace_lint"]
    help_text = subprocess.run(base + ["check", "--help"], capture_output=True, text=True, env=env, cwd=WORK)
    if help_text.returncode != 0:
        raise SystemExit(f"[bench] `inplace-lint check --help` failed:\n{help_text.stderr[-3000:]}")
    version = subprocess.run(base + ["--version"], capture_output=True, text=True, env=env, cwd=WORK).stdout.strip()
    text = help_text.stdout
    return {"version": version, "no_cache": "--no-cache" in text, "cache_dir": "--cache-dir" in text,
            "jobs": "--jobs" in text}


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    import libcst
    return {"nproc": os.cpu_count(), "cpu_model": model, "ram_gib": round(mem_kb / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "libcst": getattr(libcst, "__version__", None) or _dist_version("libcst"),
            "click": _dist_version("click")}


def _dist_version(name: str) -> Optional[str]:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# Reading the tools' outputs

TORCHFIX_LINE = re.compile(r"^.+?:\d+:\d+: (TOR\d+) ")
INTERNAL = re.compile(r"^(?P<path>.+?): internal error: (?P<message>.*)$")


def il_findings(stdout: Path) -> Optional[Dict[str, int]]:
    try:
        data = json.loads(stdout.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return dict(sorted(collections.Counter(d.get("code", "?") for d in data).items()))


def il_internal_errors(stderr: Path) -> List[dict]:
    out = []
    for line in stderr.read_text(encoding="utf-8", errors="replace").splitlines():
        if "internal error" in line:
            m = INTERNAL.match(line)
            out.append({"path": m["path"], "message": m["message"]} if m else {"path": None, "message": line})
    return out


def torchfix_findings(stdout: Path) -> Dict[str, int]:
    counts = collections.Counter()
    with open(stdout, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = TORCHFIX_LINE.match(line)
            if m:
                counts[m[1]] += 1
    return dict(sorted(counts.items()))


def torchfix_checked(stderr: Path) -> Optional[int]:
    m = re.search(r"Finished checking (\d+) files", stderr.read_text(encoding="utf-8", errors="replace"))
    return int(m[1]) if m else None


def tail(path: Path, lines: int = 5) -> List[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return []


# ---------------------------------------------------------------------------------------------------------------
# The run


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Benchmark inplace-lint against TorchFix on a pinned real corpus.")
    p.add_argument("--quick", action="store_true", help=f"one package ({', '.join(corpus.QUICK)}) for a fast sanity run")
    p.add_argument("--packages", metavar="NAMES", help=f"comma-separated corpus packages (of: {', '.join(corpus.PACKAGES)})")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="tools to run, comma-separated or repeated: floor, inplace-lint (= cold,warm), cold, warm, "
                        "torchfix (default: all)")
    p.add_argument("--reps", type=int, default=3, metavar="N",
                   help="repetitions of the fast commands (floor, inplace-lint cold/warm); default 3")
    p.add_argument("--slow-reps", type=int, default=1, metavar="N", help="repetitions of TorchFix; default 1")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="pass --jobs N to inplace-lint (when it has --jobs) and TorchFix (default: each tool's own)")
    p.add_argument("--tree", action="store_true",
                   help="measure the package as it is in the work tree instead of a snapshot of git HEAD")
    p.add_argument("--output", metavar="FILE", help="where to write the raw JSON (default bench/results/<date>.json)")
    p.add_argument("--no-save", action="store_true", help="do not write the raw JSON")
    p.add_argument("--render", metavar="FILE", help="print the table of a saved results file and exit")
    args = p.parse_args(argv)
    tools: List[str] = []
    for value in args.only or ["all"]:
        for name in (part.strip() for part in value.split(",")):
            if not name:
                continue
            expanded = ALIASES.get(name, (name,))
            for tool in expanded:
                if tool not in TOOLS:
                    p.error(f"unknown tool {name!r}; choose from: {', '.join(TOOLS + tuple(ALIASES))}")
                if tool not in tools:
                    tools.append(tool)
    args.tools = [t for t in TOOLS if t in tools]
    if args.packages:
        args.names = [n.strip() for n in args.packages.split(",") if n.strip()]
        unknown = [n for n in args.names if n not in corpus.PACKAGES]
        if unknown:
            p.error(f"unknown package(s) {', '.join(unknown)}; choose from: {', '.join(corpus.PACKAGES)}")
    else:
        args.names = list(corpus.QUICK) if args.quick else list(corpus.PACKAGES)
    if args.reps < 1 or args.slow_reps < 1:
        p.error("--reps and --slow-reps must be at least 1")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.render:
        print(render(json.loads(Path(args.render).read_text(encoding="utf-8"))))
        return 0
    started = _dt.datetime.now(_dt.timezone.utc)
    WORK.mkdir(parents=True, exist_ok=True)
    out_dir = WORK / "out" / started.strftime("%Y%m%dT%H%M%S")  # the tools' outputs, kept per run
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = WORK / "cache"

    stamps = corpus.ensure(args.names)
    roots = [Path(s["path"]) for s in stamps]
    files = corpus.files(args.names)
    n_files, n_lines = sum(s["files"] for s in stamps), sum(s["lines"] for s in stamps)
    if len(files) != n_files:
        raise SystemExit(f"[bench] the corpus folders hold {len(files)} .py files, their stamps say {n_files}: "
                         f"delete bench/corpus/ and run again")
    walked_away = corpus.skipped_by_walk(files, roots)
    if walked_away:
        log(f"warning: {len(walked_away)} corpus files sit under folders the tools skip, e.g. {walked_away[0]}")
    file_list = WORK / "files.txt"
    file_list.write_text("".join(f"{f}\n" for f in files), encoding="utf-8")
    log(f"corpus: {', '.join(s['name'] + ' ' + s['version'] for s in stamps)}: {n_files} files, {n_lines:,} lines")

    source = analysis_source(args.tree)
    env_il = il_env(source["path"], cache_dir)
    opts = il_options(env_il)
    log(f"inplace-lint: {opts['version']} from {source['kind']} {str(source['commit'])[:12]} "
        f"(--no-cache: {opts['no_cache']}, --cache-dir: {opts['cache_dir']}, --jobs: {opts['jobs']})")
    torchfix_exe = ensure_torchfix() if "torchfix" in args.tools else None

    tools = list(args.tools)
    notes: List[str] = []
    if "inplace-lint-warm" in tools and not opts["no_cache"]:
        tools.remove("inplace-lint-warm")
        notes.append("inplace-lint at this commit has no results cache (--no-cache absent): no warm run")
    if args.jobs and not opts["jobs"]:
        notes.append(f"inplace-lint at this commit has no --jobs: it ran serially (TorchFix got --jobs {args.jobs})")

    il_base = [sys.executable, "-m", "inplace_lint", "check", "--no-config", "--format", "json", "--exit-zero"]
    if args.jobs and opts["jobs"]:
        il_base += ["--jobs", str(args.jobs)]
    il_cache = ["--cache-dir", str(cache_dir)] if opts["cache_dir"] else []
    root_args = [str(r) for r in roots]
    commands = {
        "floor": ([sys.executable, str(BENCH / "floor.py"), str(file_list)], dict(os.environ)),
        "inplace-lint-cold": (il_base + (["--no-cache"] if opts["no_cache"] else []) + root_args, env_il),
        "inplace-lint-fill": (il_base + il_cache + root_args, env_il),
        "inplace-lint-warm": (il_base + il_cache + root_args, env_il),
    }
    if torchfix_exe is not None:
        commands["torchfix"] = ([str(torchfix_exe), "--select", "ALL"]
                                + (["--jobs", str(args.jobs)] if args.jobs else []) + root_args, dict(os.environ))

    plan: List[tuple] = []  # (tool, rep)
    if "inplace-lint-warm" in tools:
        plan.append(("inplace-lint-fill", 0))
    for rep in range(max(args.reps, args.slow_reps if "torchfix" in tools else 1)):
        for tool in tools:
            reps = args.slow_reps if tool == "torchfix" else args.reps
            if rep < reps:
                plan.append((tool, rep))

    save_path = Path(args.output) if args.output else results_path(started, args)
    runs: List[dict] = []
    internal_errors: Dict[str, dict] = {}
    for i, (tool, rep) in enumerate(plan, 1):
        cmd, env = commands[tool]
        if tool == "inplace-lint-fill" and cache_dir.exists():
            shutil.rmtree(cache_dir)
        stdout, stderr = out_dir / f"{tool}-{rep}.out", out_dir / f"{tool}-{rep}.err"
        log(f"[{i}/{len(plan)}] {LABELS[tool]} (rep {rep + 1}) ...")
        m = measure(cmd, cwd=WORK, env=env, stdout=stdout, stderr=stderr)
        run = {"tool": tool, "rep": rep, "cmd": cmd, **m}
        if tool.startswith("inplace-lint"):
            run["findings"] = il_findings(stdout)
            errors = il_internal_errors(stderr)
            run["internal_errors"] = len(errors)
            for e in errors:
                internal_errors.setdefault(f"{e['path']}: {e['message']}", e)
            if run["findings"] is None:
                run["stderr_tail"] = tail(stderr, 20)
        elif tool == "torchfix":
            run["findings"] = torchfix_findings(stdout)
            run["files_checked"] = torchfix_checked(stderr)
            run["stderr_tail"] = tail(stderr, 3)
        elif tool == "floor":
            try:
                run["floor"] = json.loads(stdout.read_text())
            except ValueError:
                run["stderr_tail"] = tail(stderr, 20)
        if m["exit_code"] != 0:
            run.setdefault("stderr_tail", tail(stderr, 20))
        runs.append(run)
        extra = f", {sum(run['findings'].values())} findings" if run.get("findings") is not None else ""
        log(f"    wall {m['wall_s']:.1f} s, CPU {m['cpu_s']:.1f} s, RSS {m['max_rss_mb']:.0f} MB "
            f"(tree {m['tree_rss_mb']:.0f} MB), exit {m['exit_code']}, other load {m['bg_cpu_s']:.0f} CPU s{extra}")

        if not args.no_save:  # keep what is measured so far, should a later run die
            partial = {"date": started.isoformat(timespec="seconds"), "complete": False, "analysis": source,
                       "corpus_total": {"files": n_files, "lines": n_lines}, "runs": runs}
            save_path.parent.mkdir(parents=True, exist_ok=True)
            save_path.write_text(json.dumps(partial, indent=2) + "\n", encoding="utf-8")

    summary, ratios = summarize_and_compare(runs, n_files, n_lines)
    notes += invalid_run_notes(runs)
    notes += consistency_notes(runs, out_dir)

    result = {
        "date": started.isoformat(timespec="seconds"),
        "complete": True,
        "args": {k: v for k, v in vars(args).items() if k not in ("names",)},
        "analysis": {**source, **{"options": opts}},
        "machine": machine(),
        "torchfix": torchfix_versions() if torchfix_exe is not None else None,
        "corpus": [{k: s[k] for k in ("name", "version", "archive", "sha256", "files", "lines")} for s in stamps],
        "corpus_total": {"files": n_files, "lines": n_lines},
        "runs": runs,
        "summary": summary,
        "ratios": ratios,
        "internal_errors": list(internal_errors.values()),
        "outputs": str(out_dir),
        "notes": notes,
    }
    print(render(result))
    if not args.no_save:
        save_path.parent.mkdir(parents=True, exist_ok=True)
        save_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        log(f"raw results: {save_path.relative_to(REPO) if save_path.is_relative_to(REPO) else save_path}")
    return 0


def valid(run: dict) -> bool:
    """A run counts when its output could be read (a tool that died at startup is not a 0-second run)."""
    if run["tool"] == "floor":
        return "floor" in run
    if run["tool"] == "torchfix":
        return run.get("files_checked") is not None
    return run.get("findings") is not None


def invalid_run_notes(runs: List[dict]) -> List[str]:
    return [f"{r['tool']} rep {r['rep'] + 1} failed (exit {r['exit_code']}) and is left out of the table: "
            + " / ".join(r.get("stderr_tail") or [])[-300:] for r in runs if not valid(r)]


def summarize_and_compare(runs: List[dict], n_files: int, n_lines: int):
    """The per-tool summary (valid runs only) and the ratios between tools."""
    summary = summarize([r for r in runs if valid(r)], n_files, n_lines)
    ratios: Dict[str, Optional[float]] = {}
    pairs = [("inplace-lint-cold", "torchfix", "wall_s", "inplace-lint cold / TorchFix (wall)"),
             ("inplace-lint-cold", "torchfix", "cpu_s", "inplace-lint cold / TorchFix (CPU)"),
             ("inplace-lint-warm", "torchfix", "wall_s", "inplace-lint warm / TorchFix (wall)"),
             ("inplace-lint-cold", "floor", "cpu_s", "inplace-lint cold / floor (CPU)"),
             ("inplace-lint-cold", "floor", "wall_s", "inplace-lint cold / floor (wall)")]
    for a, b, key, name in pairs:
        if a in summary and b in summary:
            ratios[name] = _ratio(summary[a][key], summary[b][key])
    return summary, ratios


def consistency_notes(runs: List[dict], out_dir: Optional[Path] = None) -> List[str]:
    """Every inplace-lint run (cold, fill, warm, every repetition) must report the same findings."""
    mine = [r for r in runs if r["tool"].startswith("inplace-lint") and valid(r)]
    if len({json.dumps(r["findings"], sort_keys=True) for r in mine}) <= 1:
        return []
    counts = ", ".join(f"{r['tool']} rep {r['rep'] + 1}: {sum(r['findings'].values())}" for r in mine)
    note = f"inplace-lint runs disagree on the findings (nondeterminism?): {counts}"
    if out_dir is not None:
        keys = []
        for r in mine:
            try:
                data = json.loads((out_dir / f"{r['tool']}-{r['rep']}.out").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            keys.append({f"{d.get('code')} {d.get('path')}:{d.get('line')}" for d in data})
        if keys:
            unstable = sorted(set.union(*keys) - set.intersection(*keys))
            note += "; not in every run: " + "; ".join(unstable[:10])
    return [note]


def _ratio(a: float, b: float) -> Optional[float]:
    return float(f"{a / b:.3g}") if b else None


def summarize(runs: List[dict], n_files: int, n_lines: int) -> Dict[str, dict]:
    """Per tool: the median wall and CPU over its runs (and the max RSS), throughput from the median wall."""
    out: Dict[str, dict] = {}
    for tool in ORDER:
        mine = [r for r in runs if r["tool"] == tool]
        if not mine:
            continue
        wall = statistics.median(r["wall_s"] for r in mine)
        cpu = statistics.median(r["cpu_s"] for r in mine)
        out[tool] = {
            "runs": len(mine), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "wall_min_s": min(r["wall_s"] for r in mine), "wall_max_s": max(r["wall_s"] for r in mine),
            "max_rss_mb": max(r["max_rss_mb"] for r in mine), "tree_rss_mb": max(r["tree_rss_mb"] for r in mine),
            "files_per_s": round(n_files / wall, 1) if wall else None,
            "lines_per_s": round(n_lines / wall) if wall else None,
            "bg_cpu_s": max(r["bg_cpu_s"] for r in mine),
            "findings": mine[-1].get("findings"),
            "internal_errors": max((r.get("internal_errors", 0) for r in mine), default=0),
            "exit_codes": sorted({r["exit_code"] for r in mine}),
        }
    return out


def render(result: dict) -> str:
    s, m, a = result["summary"], result["machine"], result["analysis"]
    total = result["corpus_total"]
    lines = [
        f"corpus: {', '.join(c['name'] + ' ' + c['version'] for c in result['corpus'])} "
        f"({total['files']:,} files, {total['lines']:,} lines)",
        f"inplace-lint {a['options']['version'].split()[-1]} at {str(a['commit'])[:12]} ({a['kind']}; inplace_lint/ "
        f"last changed in {str(a.get('analysis_last_changed_in'))[:12]}); "
        f"TorchFix {(result['torchfix'] or {}).get('TorchFix', '-')} "
        f"(libcst {(result['torchfix'] or {}).get('libcst', '-')}); floor: libcst {m['libcst']}",
        f"machine: {m['nproc']} CPUs, {m['cpu_model']}, {m['ram_gib']} GiB RAM, Python {m['python']}",
        "",
        "| tool | runs | wall s (median) | CPU s | peak RSS MB (largest proc / all procs) | files/s | lines/s "
        "| findings | internal errors | other load, CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tool, row in s.items():
        findings = row.get("findings")
        n_findings = "-" if findings is None or tool == "floor" else f"{sum(findings.values()):,}"
        errors = row["internal_errors"] if tool.startswith("inplace-lint") else "-"
        spread = f" ({row['wall_min_s']:.1f}-{row['wall_max_s']:.1f})" if row["runs"] > 1 else ""
        lines.append(f"| {LABELS[tool]} | {row['runs']} | {row['wall_s']:.1f}{spread} | {row['cpu_s']:.1f} "
                     f"| {row['max_rss_mb']:.0f} / {row['tree_rss_mb']:.0f} | {row['files_per_s']:,.1f} "
                     f"| {row['lines_per_s']:,} | {n_findings} | {errors} | {row['bg_cpu_s']:.0f} |")
    lines.append("")
    for name, value in result["ratios"].items():
        lines.append(f"- {name}: {value:.3g}" if value is not None else f"- {name}: n/a")
    shown = False
    for tool in ("inplace-lint-cold", "inplace-lint-fill", "inplace-lint-warm", "torchfix"):
        if tool in s and s[tool].get("findings") is not None and not (shown and tool.startswith("inplace-lint")):
            per_code = ", ".join(f"{k} {v}" for k, v in s[tool]["findings"].items()) or "none"
            lines.append(f"- findings of {LABELS[tool]} (last run): {per_code}")
            shown = shown or tool.startswith("inplace-lint")
    for e in result["internal_errors"]:
        lines.append(f"- internal error: {e['path']}: {e['message']}")
    for note in result["notes"]:
        lines.append(f"- note: {note}")
    return "\n".join(lines)


def results_path(started: _dt.datetime, args: argparse.Namespace) -> Path:
    stem = started.strftime("%Y-%m-%d")
    if args.names != list(corpus.PACKAGES):
        stem += "-quick" if args.names == list(corpus.QUICK) else "-" + "+".join(args.names)
    path = RESULTS / f"{stem}.json"
    n = 2
    while path.exists():
        path = RESULTS / f"{stem}-{n}.json"
        n += 1
    return path


if __name__ == "__main__":
    sys.exit(main())
