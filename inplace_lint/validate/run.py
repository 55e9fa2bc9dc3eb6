"""``inplace-lint run -- CMD ...``: run any command with the probe in every Python process it starts (like
``coverage run``), then report what the probe saw, merged with the static findings of the files involved.

How: a temporary folder with a ``sitecustomize.py`` goes first on ``PYTHONPATH``; Python imports it at startup, and
it arms ``inplace_lint.validate.bootstrap`` (the probe is installed right after the process imports torch). Every
process appends its events, as JSON lines, to one file named by ``INPLACE_LINT_PROBE_EVENTS``. Under pytest,
``PYTEST_PLUGINS`` adds ``inplace_lint.validate.pytest_plugin`` to record the exceptions failing tests raise.

The command runs as you would run it yourself (same working directory, environment, stdin and terminal; not
sandboxed), in its own process group, which is killed when it ends (stray children included) or when ``--timeout``
expires. With a machine-readable ``--format`` its standard output goes to stderr, so that stdout holds the report
alone.

Reported: every runtime event in the checked paths (``--path``, default: the current folder) that no static finding
explains (a *runtime* finding, marked as such), and the static findings of the files where something happened, each
with its verdict. Exit status: the command's own status when it failed; otherwise 1 when the probe confirmed a
finding, else 0 (``--exit-zero``: 0 unless the command failed).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Set

from ..diagnostics import Diagnostic
from . import events as ev
from .bootstrap import EVENTS_ENV, LINES_ENV
from .runner import (CONFIRMED, NOT_REACHED, NOT_REPRODUCED, evidence_of, matching_events,
                     runtime_diagnostics, skipped, target_lines)
from .sandbox import PACKAGE_ROOT

SITECUSTOMIZE = '''\
# Written by inplace-lint run: arms the runtime probe in this Python process (see inplace_lint/validate/bootstrap.py)
import os as _os
import sys as _sys

try:
    from inplace_lint.validate import bootstrap as _inplace_lint_bootstrap
except Exception as _exc:  # inplace_lint not importable from this interpreter
    _sys.stderr.write("inplace-lint run: probe not installed: %s\\n" % (_exc,))
else:
    _inplace_lint_bootstrap.chain_next_sitecustomize(_os.path.dirname(_os.path.abspath(__file__)))
    _inplace_lint_bootstrap.install()
'''
PLUGIN = "inplace_lint.validate.pytest_plugin"


@dataclass
class RunOutcome:
    returncode: int
    events: List[Dict[str, Any]] = field(default_factory=list)
    hits: Dict[str, Dict[int, int]] = field(default_factory=dict)
    errors: List[str] = field(default_factory=list)
    timed_out: bool = False
    seconds: float = 0.0


def run_with_probe(command: Sequence[str], watch: Optional[Dict[str, Set[int]]] = None,
                   timeout: Optional[float] = None, env: Optional[Dict[str, str]] = None,
                   cwd: Optional[str] = None, stdout_to_stderr: bool = False) -> RunOutcome:
    """Run ``command`` with the probe injected; collect the events and line hits of all its Python processes.
    ``stdout_to_stderr``: send the command's output to stderr (so that stdout holds only a JSON report)."""
    tmp = tempfile.mkdtemp(prefix="inplace-lint-run-")
    try:
        site_dir = os.path.join(tmp, "site")
        os.mkdir(site_dir)
        with open(os.path.join(site_dir, "sitecustomize.py"), "w", encoding="utf-8") as fh:
            fh.write(SITECUSTOMIZE)
        events_path = os.path.join(tmp, "events.jsonl")
        child_env = dict(os.environ if env is None else env)
        paths = [site_dir, PACKAGE_ROOT] + [p for p in child_env.get("PYTHONPATH", "").split(os.pathsep) if p]
        child_env["PYTHONPATH"] = os.pathsep.join(paths)
        child_env[EVENTS_ENV] = events_path
        if watch:
            lines_path = os.path.join(tmp, "lines.json")
            with open(lines_path, "w", encoding="utf-8") as fh:
                json.dump({p: sorted(lines) for p, lines in watch.items()}, fh)
            child_env[LINES_ENV] = lines_path
        plugins = [p for p in child_env.get("PYTEST_PLUGINS", "").split(",") if p.strip()]
        if PLUGIN not in plugins:
            plugins.append(PLUGIN)
        child_env["PYTEST_PLUGINS"] = ",".join(plugins)
        started = time.monotonic()
        try:
            proc = subprocess.Popen(list(command), env=child_env, cwd=cwd, start_new_session=True,
                                    stdout=sys.stderr.fileno() if stdout_to_stderr else None)
        except OSError as exc:
            return RunOutcome(returncode=127, errors=[f"cannot run {command[0]}: {exc}"])
        timed_out = False
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _killpg(proc.pid)
            returncode = proc.wait()
        except KeyboardInterrupt:
            _killpg(proc.pid, signal.SIGINT)
            try:
                returncode = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _killpg(proc.pid)
                returncode = proc.wait()
        finally:
            _killpg(proc.pid)  # stray children of the command
        outcome = RunOutcome(returncode=returncode, timed_out=timed_out,
                             seconds=round(time.monotonic() - started, 3))
        _read_events(events_path, outcome)
        return outcome
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _killpg(pid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _read_events(path: str, outcome: RunOutcome) -> None:
    """Merge the JSON lines of all processes: streamed events, final counts, line hits."""
    streamed: List[Dict[str, Any]] = []
    finals: Dict[int, List[Dict[str, Any]]] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.readlines()
    except OSError:
        lines = []
    for raw in lines:
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        kind = record.get("type")
        if kind == "event":
            streamed.append(record["event"])
        elif kind == "final":
            finals[record.get("pid", 0)] = record.get("events") or []
            outcome.errors.extend(f"probe: {e}" for e in record.get("internal_errors") or [])
        elif kind == "hits":
            for file, per_line in (record.get("hits") or {}).items():
                target = outcome.hits.setdefault(file, {})
                for line, count in per_line.items():
                    target[int(line)] = target.get(int(line), 0) + int(count)
        elif kind == "error":
            outcome.errors.append(record.get("error") or "probe error")
    final_keys = set()
    merged: List[Dict[str, Any]] = []
    for events in finals.values():
        merged.extend(events)
        final_keys.update(ev.event_key(e) for e in events)
    # events of processes that died without writing their final counts
    merged.extend(e for e in streamed if ev.event_key(e) not in final_keys)
    outcome.events = ev.merge_events(merged)


# ---------------------------------------------------------------------------------------------------------------
# Verdicts from a run


def verdicts_from_run(diags: Sequence[Diagnostic], outcome: RunOutcome) -> Set:
    """Set ``validation`` on each static finding from what the run saw; returns the event keys used."""
    used: Set = set()
    for d in diags:
        if skipped(d.code):
            continue
        abs_path = os.path.abspath(d.path)
        matched = matching_events(d, abs_path, outcome.events)
        if matched:
            d.validation = {"verdict": CONFIRMED, "evidence": evidence_of(matched[0]), "harness": "run",
                            "events": [{k: v for k, v in e.items() if k != "module_sites"} for e in matched[:3]]}
            used.update(ev.event_key(e) for e in matched)
            continue
        hits = outcome.hits.get(abs_path, {})
        count = sum(hits.get(line, 0) for line in target_lines(d))
        if count:
            d.validation = {"verdict": NOT_REPRODUCED, "harness": "run",
                            "evidence": f"the line ran {count} time{'s' if count != 1 else ''} and nothing broke"}
        else:
            d.validation = {"verdict": NOT_REACHED, "harness": "run", "evidence": "the command never ran this line"}
    return used


def run_command(command: Sequence[str], paths: Sequence[str], settings, *, timeout: Optional[float] = None,
                stdout_to_stderr: bool = False):
    """Lint ``paths``, run ``command`` with the probe watching the flagged lines, and return
    ``(result, outcome)``: ``result`` holds the findings to report (static findings of the files where something
    ran or happened, with verdicts, plus runtime findings)."""
    from .. import engine

    static = engine.lint_paths(list(paths), settings)
    files, _ = engine.discover([p for p in paths if p != engine.STDIN], settings)
    display_of = {os.path.abspath(str(f)): engine.display_path(f) for f in files}
    watch: Dict[str, Set[int]] = {}
    for d in static.diagnostics:
        if not skipped(d.code):
            watch.setdefault(os.path.abspath(d.path), set()).update(target_lines(d))
    outcome = run_with_probe(command, watch=watch, timeout=timeout, stdout_to_stderr=stdout_to_stderr)

    touched = {os.path.abspath(e["path"]) for e in outcome.events if e.get("path")}
    touched |= {p for p, hits in outcome.hits.items() if hits}
    result = engine.Result(errors=list(static.errors), files_checked=static.files_checked)
    kept = [d for d in static.diagnostics if os.path.abspath(d.path) in touched]
    used = verdicts_from_run(kept, outcome)
    sources: Dict[str, str] = {}
    for abs_path in display_of:
        if abs_path in touched:
            try:
                sources[abs_path] = engine.read_source(abs_path)
            except Exception:  # noqa: BLE001
                pass
    extra = runtime_diagnostics(outcome.events, used, kept, display_of, sources)
    filtered = []
    for d in extra:
        filtered.extend(engine.filter_diagnostics([d], sources.get(os.path.abspath(d.path)), d.path, settings))
    result.diagnostics = sorted(kept + filtered, key=Diagnostic.sort_key)
    for d in result.diagnostics:
        abs_path = os.path.abspath(d.path)
        if abs_path in sources:
            result.sources[d.path] = sources[abs_path]
        elif d.path in static.sources:
            result.sources[d.path] = static.sources[d.path]
    return result, outcome


def exit_status(result, outcome: RunOutcome, exit_zero: bool = False) -> int:
    if outcome.returncode not in (0, None):
        return outcome.returncode if outcome.returncode > 0 else 1
    if exit_zero:
        return 0
    confirmed = any((d.validation or {}).get("verdict") == CONFIRMED for d in result.diagnostics)
    return 1 if confirmed else 0


def summary_line(result, outcome: RunOutcome, command: Sequence[str]) -> str:
    confirmed = sum(1 for d in result.diagnostics if (d.validation or {}).get("verdict") == CONFIRMED)
    runtime = sum(1 for d in result.diagnostics if d.runtime)
    status = "timed out" if outcome.timed_out else f"exited with {outcome.returncode}"
    return (f"inplace-lint run: `{' '.join(command)}` {status} after {outcome.seconds:.1f}s; the probe saw "
            f"{len([e for e in outcome.events if e['kind'] in ev.REPORTABLE])} breakage event(s): {confirmed} "
            f"finding(s) confirmed, {runtime} found only at run time.")


__all__ = ["RunOutcome", "exit_status", "run_command", "run_with_probe", "summary_line", "verdicts_from_run"]
