"""Validation, parent side (torch-free): plan the runs for a file's findings, send them to the sandboxed worker,
and turn what the probe saw into verdicts.

For each file with findings:

1. **script**: run the file as ``__main__`` with the probe, watching the flagged lines;
2. **function**: each finding the script did not reach is reached through the function, method or
   ``nn.Module.forward`` that contains it, called with synthesized inputs (``harness.run_function``);
3. **verdicts**: ``confirmed`` when the probe saw the finding's breakage at its line (a torch error, a silent
   corruption, a ``.grad`` that stayed None, ...); ``not-reproduced`` when the line ran and nothing broke;
   ``not-reached`` when no harness ran it; ``error`` when the harness itself failed.

Probe events in the checked files that no finding explains become *runtime* findings (``Diagnostic.runtime``).
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .. import catalog, rules
from ..diagnostics import ERROR, Diagnostic
from . import events as ev
from .sandbox import Limits, make_runner
from .targets import call_contexts, enclosing_callable, parse

CONFIRMED, NOT_REPRODUCED, NOT_REACHED, ERROR_VERDICT = "confirmed", "not-reproduced", "not-reached", "error"
VERDICTS = (CONFIRMED, NOT_REPRODUCED, NOT_REACHED, ERROR_VERDICT)


def skipped(code: str) -> bool:
    """Findings of a rule with no runtime declaration (engine-level: syntax errors, unreadable files) are not run."""
    return rules.runtime_of(code) is None


@dataclass
class ValidateOptions:
    limits: Limits = field(default_factory=Limits)
    warm: bool = True


@dataclass
class FileOutcome:
    """Everything the harnesses found for one file."""

    verdicts: Dict[int, Dict[str, Any]] = field(default_factory=dict)  # id(diagnostic) -> validation
    events: List[Dict[str, Any]] = field(default_factory=list)
    used: Set[Tuple[str, str, int]] = field(default_factory=set)  # event keys that explained a finding
    runs: List[Dict[str, Any]] = field(default_factory=list)  # one per job: harness, status, error, seconds


# ---------------------------------------------------------------------------------------------------------------
# Lines of a finding


MADE_IN_PLACE = "made in place"  # the label of a related location where such a module was built


def target_lines(d: Diagnostic) -> Set[int]:
    """The lines whose execution (or events) belong to ``d``: its span, its statement's first line, and the
    construction of a module the finding made in place (``m.inplace = True``: the module writes where it runs)."""
    lines = set(range(d.line, max(d.end_line, d.line) + 1))
    if d.stmt_line and d.stmt_line <= d.line:
        lines.add(d.stmt_line)
    lines.update(line for line, _, label in d.related if label.endswith(MADE_IN_PLACE))
    return lines


def _read_line(d: Diagnostic) -> Optional[int]:
    for line, _, label in d.related:
        if "used here" in label or "read" in label:
            return line
    return d.related[0][0] if d.related else None


def module_identity(abs_path: str) -> Tuple[Optional[str], Optional[str], List[str]]:
    """(dotted module name, package, folder to put on sys.path) for a file inside packages (``__init__.py``)."""
    folder = os.path.dirname(abs_path)
    parts = [os.path.splitext(os.path.basename(abs_path))[0]]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    if len(parts) == 1:
        return None, None, []
    return ".".join(parts), ".".join(parts[:-1]), [folder]


def _same_file(a: Optional[str], b: str) -> bool:
    if not a:
        return False
    return a == b or os.path.abspath(a) == b


# ---------------------------------------------------------------------------------------------------------------
# Planning jobs


def script_job(abs_path: str, source: str, diags: Sequence[Diagnostic]) -> Dict[str, Any]:
    lines: Set[int] = set()
    inspect = []
    for d in diags:
        lines |= target_lines(d)
        runtime = rules.runtime_of(d.code)
        if runtime is not None and (runtime.after_run or runtime.watch_writes):
            item: Dict[str, Any] = {"line": d.line, "code": d.code}
            if runtime.after_run:
                item["after_run"] = runtime.after_run
            if runtime.watch_writes:
                item["watch"] = True
                item["read_line"] = _read_line(d)
            inspect.append(item)
    return {"kind": "script", "path": abs_path, "source": source, "lines": sorted(lines), "inspect": inspect}


def _calls_from_other_files(diags: Sequence[Diagnostic]) -> list:
    """The grad modes of the calls in other files the static analysis followed into these findings' function (their
    "reached from this call" locations): a helper of ``utils.py`` called by ``train.py`` under ``no_grad`` runs
    with grad off."""
    from ..diagnostics import REACHED_FROM_CALL
    from .targets import calls_from_other_file

    out, seen = [], set()
    for d in diags:
        for path, line, _col, label in getattr(d, "related_files", ()) or ():
            if label != REACHED_FROM_CALL or (path, line) in seen:
                continue
            seen.add((path, line))
            try:
                with open(path, encoding="utf-8") as fh:
                    tree = parse(fh.read())
            except (OSError, UnicodeDecodeError):
                continue
            if tree is not None:
                out.extend(calls_from_other_file(tree, line, path))
    return out


def function_jobs(abs_path: str, source: str, diags: Sequence[Diagnostic]) -> Tuple[List[Tuple[Dict[str, Any],
                                                                                              List[Diagnostic]]],
                                                                                   List[Diagnostic]]:
    """(jobs with the findings each one covers, findings no function harness can reach)."""
    tree = parse(source)
    groups: Dict[Tuple[str, ...], Tuple[Any, List[Diagnostic]]] = {}
    unreachable: List[Diagnostic] = []
    for d in diags:
        target = enclosing_callable(tree, d.line) if tree is not None else None
        if target is None:
            unreachable.append(d)
            continue
        groups.setdefault(target.qualname, (target, []))[1].append(d)
    module, package, sys_path = module_identity(abs_path)
    jobs = []
    for qualname, (target, covered) in groups.items():
        job = script_job(abs_path, source, covered)
        job.update({"kind": "function", "qualname": list(qualname), "callable_kind": target.kind,
                    "module": module, "package": package, "sys_path": sys_path,
                    "contexts": [c.as_dict() for c in call_contexts(tree, target) + _calls_from_other_files(covered)]})
        jobs.append((job, covered))
    return jobs, unreachable


# ---------------------------------------------------------------------------------------------------------------
# Verdicts


def _hits(result: Dict[str, Any], lines: Iterable[int]) -> Tuple[int, int]:
    on = off = 0
    hits = result.get("hits") or {}
    for line in lines:
        pair = hits.get(str(line))
        if pair:
            on += pair[0]
            off += pair[1]
    return on, off


def matching_events(d: Diagnostic, abs_path: str, events: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Events that confirm ``d``: a kind its rule accepts, at one of its lines (or inside a module built there)."""
    lines = target_lines(d)
    runtime = rules.runtime_of(d.code)
    kinds = runtime.confirms if runtime is not None else ev.REPORTABLE
    raises = (runtime.raises + runtime.confirms_raised) if runtime is not None else ()
    found = []
    for event in events:
        if event["kind"] not in kinds and not (event["kind"] == ev.EXCEPTION and raises
                                               and any(p in (event.get("message") or "") for p in raises)):
            continue
        at_line = _same_file(event.get("path"), abs_path) and event.get("line") in lines
        in_module = any(_same_file(site[0], abs_path) and site[1] in lines
                        for site in event.get("module_sites") or [])
        if at_line or in_module:
            found.append(event)
    found.sort(key=lambda e: kinds.index(e["kind"]) if e["kind"] in kinds else len(kinds))
    return found


def evidence_of(event: Dict[str, Any]) -> str:
    kind = event["kind"]
    text = ev.describe(event)
    if kind in (ev.LEAF, ev.LEAF_VIEW, ev.OUT_GRAD, ev.FN_DIRTY_LEAF, ev.EXCEPTION):
        text = f"torch raised {text}" if not text.startswith("torch") else text
    elif kind == ev.SAVED:
        text = f"backward() would raise: {text}" if event.get("path") else text
    elif kind == ev.DATA_CORRUPTION:
        text = f"silent corruption (torch reports nothing): {text}"
    elif kind == ev.DATA_WRITE:
        text = f"hidden write (torch reports nothing): {text}; no live graph had saved these bytes in this run"
    if event.get("via"):
        text += f" [inside {event['via']}]"
    if event.get("note"):
        text += f" ({event['note']})"
    return text


def verdict_for(d: Diagnostic, abs_path: str, results: Sequence[Dict[str, Any]]) -> Tuple[Dict[str, Any],
                                                                                         List[Dict[str, Any]]]:
    """The validation dict for ``d`` from the results of the jobs that watched it (script first). What the sandbox
    saw in those runs (a blocked write, a process left running, a limit hit) is attached to every verdict
    (``sandbox``), a confirmed one included: it is never dropped."""
    validation, used = _verdict(d, abs_path, results)
    notes = sandbox_notes(results)
    if notes:
        validation["sandbox"] = notes
        validation["evidence"] += " [" + "; ".join(notes) + "]"
    levels = sorted({r.get("isolation") for r in results if r.get("isolation")})
    if levels:
        validation["isolation"] = levels[0] if len(levels) == 1 else ", ".join(levels)
    return validation, used


def sandbox_notes(results: Sequence[Dict[str, Any]]) -> List[str]:
    notes: List[str] = []
    for result in results:
        for note in result.get("sandbox") or []:
            if note not in notes:
                notes.append(note)
    return notes


def _verdict(d: Diagnostic, abs_path: str, results: Sequence[Dict[str, Any]]) -> Tuple[Dict[str, Any],
                                                                                      List[Dict[str, Any]]]:
    lines = target_lines(d)
    runtime = rules.runtime_of(d.code)
    unaffected = runtime.unaffected if runtime is not None else ()
    condition = None  # (result, events) showing the condition without a wrong value
    for result in results:
        matched = matching_events(d, abs_path, result.get("events") or [])
        if matched and all(m["kind"] in unaffected for m in matched):
            condition = condition or (result, matched)
            continue
        if matched:
            best = matched[0]
            evidence = evidence_of(best)
            others = [m for m in matched[1:] if m["kind"] != best["kind"]
                      and not (m["kind"] == ev.DATA_WRITE and best["kind"] == ev.DATA_CORRUPTION)]
            if others:
                evidence += "; also " + "; ".join(evidence_of(m) for m in others[:2])
            validation = _validation(CONFIRMED, evidence, result, matched)
            if best.get("caught"):
                validation["caught"] = True  # confirmed (caught by the code)
            return validation, matched
    if condition is not None:
        result, matched = condition
        evidence = ("condition reproduced, gradient unaffected in this run: " + evidence_of(matched[0])
                    + "; no wrong gradient or value was seen (it would be with other data or a later read)")
        return _validation(NOT_REPRODUCED, evidence, result, matched), matched
    for result in results:
        on, off = _hits(result, lines)
        if on or off:
            exc = result.get("exception")
            here = bool(exc) and _same_file(exc.get("path"), abs_path) and exc.get("line") in lines
            if here:  # torch did raise at this line, only not what this rule predicts: never "nothing broke"
                evidence = (f"the line ran and raised another error than this rule predicts: {exc['type']}: "
                            f"{_short(exc['message'])}")
            elif on:
                evidence = f"the line ran {on} time{'s' if on != 1 else ''} with grad mode on and nothing broke"
            else:
                evidence = f"the line ran {off} time{'s' if off != 1 else ''}, only with grad mode off"
            if exc and not here:
                evidence += f" (the run then stopped: {exc['type']}: {_short(exc['message'])} at line {exc['line']})"
            if result.get("inputs"):
                evidence += f"; inputs {result['inputs']}"
            return _validation(NOT_REPRODUCED, evidence, result, []), []
    errors = [r for r in results if r.get("status") == "error"]
    if errors and len(errors) == len(results):
        return _validation(ERROR_VERDICT, errors[-1].get("error") or "the harness failed", errors[-1], []), []
    reasons = []
    for result in results:
        label = result.get("harness") or "script"
        if result.get("status") == "error":
            reasons.append(f"{label}: {result.get('error')}")
        elif result.get("status") == "not-reached":
            reasons.append(f"{label}: {result.get('error') or 'not reached'}")
        elif result.get("exception"):
            exc = result["exception"]
            reasons.append(f"{label} stopped at line {exc['line']}: {exc['type']}: {_short(exc['message'])}")
        else:
            reasons.append(f"{label} ran to the end without running this line")
    evidence = "; ".join(reasons) if reasons else "no harness could run this line"
    return _validation(NOT_REACHED, evidence, results[-1] if results else {}, []), []


def _short(text: str, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _validation(verdict: str, evidence: str, result: Dict[str, Any], events: List[Dict[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"verdict": verdict, "evidence": evidence, "harness": result.get("harness") or "script"}
    if result.get("context"):  # the function harness: which call it made (a real call site's grad mode...)
        out["context"] = result["context"]
        out["evidence"] += f" [call context: {result['context']}]"
        if result.get("contexts"):
            out["contexts"] = list(result["contexts"])  # every grad mode the program calls it in, tried in turn
    if events:
        out["events"] = [{k: v for k, v in e.items() if k not in ("module_sites",)} for e in events[:3]]
    return out


# ---------------------------------------------------------------------------------------------------------------
# The validator


class Validator:
    """Runs the harness jobs of many files through one (warm) worker. Use as a context manager."""

    def __init__(self, options: Optional[ValidateOptions] = None, runner=None):
        self.options = options or ValidateOptions()
        self.runner = runner or make_runner(self.options.limits, warm=self.options.warm)
        self.jobs = 0
        self.sandbox: List[str] = []  # every sandbox note of every job
        self.escaped = False  # a violation the Python guard did not see (the OS stopped it, or nothing did)

    def close(self) -> None:
        self.runner.close()

    def __enter__(self) -> "Validator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, job: Dict[str, Any]) -> Dict[str, Any]:
        self.jobs += 1
        result = self.runner.run(job)
        result.setdefault("harness", job["kind"] if job["kind"] != "function" else
                          "function:" + ".".join(job["qualname"]))
        label = os.path.basename(job.get("path") or "") + f" ({result['harness']})"
        for note in result.get("sandbox") or []:
            entry = f"{label}: {note}"
            if entry not in self.sandbox:
                self.sandbox.append(entry)
        self.escaped = self.escaped or bool(result.get("escaped"))
        return result

    @property
    def isolation(self) -> Dict[str, str]:
        return dict(getattr(self.runner, "isolation", None) or {})

    def validate_file(self, abs_path: str, source: str, diags: Sequence[Diagnostic]) -> FileOutcome:
        outcome = FileOutcome()
        todo = [d for d in diags if not skipped(d.code)]
        if not todo:
            return outcome
        script = self.run(script_job(abs_path, source, todo))
        outcome.runs.append(_run_summary(script))
        outcome.events.extend(script.get("events") or [])
        results_of: Dict[int, List[Dict[str, Any]]] = {id(d): [script] for d in todo}
        unresolved = []
        for d in todo:
            validation, _ = verdict_for(d, abs_path, [script])
            if validation["verdict"] in (NOT_REACHED, ERROR_VERDICT):
                unresolved.append(d)
        if unresolved and not _fatal(script):
            jobs, _ = function_jobs(abs_path, source, unresolved)
            for job, covered in jobs:
                result = self.run(job)
                outcome.runs.append(_run_summary(result))
                outcome.events.extend(result.get("events") or [])
                for d in covered:
                    results_of[id(d)].append(result)
        for d in todo:
            validation, used = verdict_for(d, abs_path, results_of[id(d)])
            outcome.verdicts[id(d)] = validation
            outcome.used.update(ev.event_key(e) for e in used)
        outcome.events = ev.merge_events(outcome.events)
        return outcome


def _fatal(result: Dict[str, Any]) -> bool:
    """A script failure that a function harness would hit too (the file does not even compile)."""
    return result.get("status") == "error" and "cannot compile" in (result.get("error") or "")


def _run_summary(result: Dict[str, Any]) -> Dict[str, Any]:
    return {k: result.get(k) for k in ("harness", "status", "error", "seconds")}


# ---------------------------------------------------------------------------------------------------------------
# Runtime findings


def runtime_diagnostics(events: Sequence[Dict[str, Any]], used: Set[Tuple[str, str, int]],
                        diagnostics: Sequence[Diagnostic], display_of: Dict[str, str],
                        sources: Dict[str, str]) -> List[Diagnostic]:
    """Findings for reportable events no static finding explains, in the files of ``display_of`` (abs -> shown)."""
    # a line a static finding already covers, under the same rule (a static finding of another rule there -- the
    # analysis took the line for the wrong bug -- does not hide the error torch raised at it)
    taken = {(os.path.abspath(d.path), line, d.code) for d in diagnostics for line in target_lines(d)}
    out = []
    seen = set()
    for event in events:
        kind = event["kind"]
        by_message = rules.rule_of_message(event.get("message") or "") if kind == ev.EXCEPTION else None
        if (kind not in ev.REPORTABLE and by_message is None) or ev.event_key(event) in used or not event.get("path"):
            continue
        abs_path = os.path.abspath(event["path"])
        if abs_path not in display_of:
            continue
        line = int(event.get("line") or 0)
        code = by_message or rules.rule_of_kind().get(kind)
        if not line or code is None or (abs_path, line, code) in taken or (abs_path, line, code) in seen:
            continue
        seen.add((abs_path, line, code))
        out.append(make_runtime_diagnostic(display_of[abs_path], sources.get(abs_path), event, code))
    return out


def make_runtime_diagnostic(path: str, source: Optional[str], event: Dict[str, Any], code: str) -> Diagnostic:
    rule = catalog.all_rules().get(code)
    name = rule.name if rule else code
    severity = rule.severity if rule else ERROR
    line = int(event["line"])
    text = ""
    if source is not None:
        lines = source.splitlines()
        text = lines[line - 1] if 0 < line <= len(lines) else ""
    col = len(text) - len(text.lstrip()) + 1 if text.strip() else 1
    end_col = len(text.rstrip()) + 1 if text.strip() else 1
    message = f"runtime: {event.get('message') or kind_label(event['kind'])}"
    related = []
    if event.get("saved_line") and _same_file(event.get("saved_path"), os.path.abspath(path)):
        related.append((int(event["saved_line"]), 1, "saved for backward here"
                        + (f" by `{event['saved_op']}`" if event.get("saved_op") else "")))
    validation = {"verdict": CONFIRMED, "evidence": evidence_of(event), "harness": "runtime",
                  "events": [{k: v for k, v in event.items() if k != "module_sites"}]}
    return Diagnostic(path=path, line=line, col=col, end_line=line, end_col=max(end_col, col + 1), code=code,
                      name=name, severity=severity, message=message, related=related, validation=validation,
                      runtime=True)


def kind_label(kind: str) -> str:
    return kind.replace("-", " ")


# ---------------------------------------------------------------------------------------------------------------
# Whole runs


@dataclass
class Summary:
    counts: Dict[str, int] = field(default_factory=dict)
    runtime: int = 0
    jobs: int = 0
    fixes: List[Dict[str, Any]] = field(default_factory=list)
    isolation: Dict[str, str] = field(default_factory=dict)  # level, why (when lower than asked)
    sandbox: List[str] = field(default_factory=list)  # what the sandbox stopped or killed, per job
    escaped: bool = False  # a violation the Python guard did not see: exit status 2

    def to_json(self) -> Dict[str, Any]:
        return {"counts": dict(self.counts), "runtime": self.runtime, "jobs": self.jobs,
                "isolation": dict(self.isolation), "sandbox": list(self.sandbox), "escaped": self.escaped,
                "fixes": list(self.fixes)}

    def line(self) -> str:
        parts = [f"{self.counts[v]} {v}" for v in VERDICTS if self.counts.get(v)]
        text = "Validation: " + (", ".join(parts) if parts else "nothing to validate")
        if self.runtime:
            text += f"; {self.runtime} found only at run time"
        if self.fixes:
            good = sum(1 for f in self.fixes if f["status"] == "verified")
            bad = sum(1 for f in self.fixes if f["status"] == "not-verified")
            other = len(self.fixes) - good - bad
            text += f"; fixes: {good} verified, {bad} not verified" + (f", {other} unchecked" if other else "")
        text += f" ({self.jobs} run{'s' if self.jobs != 1 else ''}"
        if self.isolation.get("level"):
            text += f"; isolation: {self.isolation['level']}"
            if self.isolation.get("cgroup") == "v2":
                text += ", per-job cgroup v2 limits"
            elif self.isolation.get("level") == "namespaces" and self.isolation.get("cgroup_why"):
                text += f", job limits by watchdog (no cgroup v2: {self.isolation['cgroup_why']})"
        text += ")."
        for note in self.sandbox:
            text += f"\n  {note}"
        return text


def validate_result(result, settings=None, options: Optional[ValidateOptions] = None,
                    files: Optional[Iterable[str]] = None, validator: Optional[Validator] = None) -> Summary:
    """Attach a verdict to every finding of ``result`` (an ``engine.Result``) and add runtime findings for the
    files of the run. ``files`` are the checked paths (as displayed); runtime findings are limited to them (and to
    the files with findings). Runs code: only call this when the user asked for it (``--validate``)."""
    from .. import engine

    summary = Summary()
    own = validator is None
    validator = validator or Validator(options)
    try:
        by_path: Dict[str, List[Diagnostic]] = {}
        for d in result.diagnostics:
            by_path.setdefault(d.path, []).append(d)
        display_of = {os.path.abspath(p): p for p in (files or [])}
        sources: Dict[str, str] = {}
        events: List[Dict[str, Any]] = []
        used: Set[Tuple[str, str, int]] = set()
        for path, diags in by_path.items():
            if path == engine.STDIN or path not in result.sources:
                for d in diags:
                    if not skipped(d.code):
                        d.validation = {"verdict": ERROR_VERDICT, "evidence": "code read from stdin is not run"
                                        if path == engine.STDIN else "the source is not available"}
                continue
            abs_path = os.path.abspath(path)
            display_of[abs_path] = path
            source = result.sources[path]
            sources[abs_path] = source
            outcome = validator.validate_file(abs_path, source, diags)
            for d in diags:
                if id(d) in outcome.verdicts:
                    d.validation = outcome.verdicts[id(d)]
            events.extend(outcome.events)
            used |= outcome.used
        for abs_path in display_of:
            if abs_path not in sources:
                try:
                    sources[abs_path] = engine.read_source(abs_path)
                except Exception:  # noqa: BLE001 - no excerpt then
                    pass
        extra = runtime_diagnostics(ev.merge_events(events), used, result.diagnostics, display_of, sources)
        if extra and settings is not None:
            kept = []
            for d in extra:
                kept.extend(engine.filter_diagnostics([d], sources.get(os.path.abspath(d.path)), d.path, settings))
            extra = kept
        for d in extra:
            result.sources.setdefault(d.path, sources.get(os.path.abspath(d.path), ""))
        result.diagnostics.extend(extra)
        result.diagnostics.sort(key=Diagnostic.sort_key)
        summary.runtime = len(extra)
        for d in result.diagnostics:
            if d.validation and not d.runtime:
                summary.counts[d.validation["verdict"]] = summary.counts.get(d.validation["verdict"], 0) + 1
        summary.jobs = validator.jobs
        summary.isolation = validator.isolation
        summary.sandbox = list(validator.sandbox)
        summary.escaped = validator.escaped
    finally:
        if own:
            validator.close()
    return summary


# ---------------------------------------------------------------------------------------------------------------
# Fix verification


def line_map(old: str, new: str) -> Dict[int, int]:
    """Old line -> new line for lines the fix kept (1-based)."""
    mapping: Dict[int, int] = {}
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for i in range(size):
            mapping[a + i + 1] = b + i + 1
    return mapping


def verify_fix(validator: Validator, abs_path: str, original: str, fixed: str,
               applied: Sequence[Diagnostic]) -> List[Dict[str, Any]]:
    """Run ``original`` and ``fixed`` and say, for each applied fix, whether the breakage is gone and the fixed
    code left no probe event. Returns one record per applied finding: ``status`` is ``verified``,
    ``not-verified`` or ``unchecked`` (the breakage was not reproduced before the fix, so there is nothing to
    compare), with the evidence."""
    todo = [d for d in applied if not skipped(d.code)]
    if not todo:
        return []
    before = validator.validate_file(abs_path, original, todo)
    mapping = line_map(original, fixed)
    moved = []
    for d in todo:
        shift = _mapped_line(mapping, d.line) - d.line
        moved.append(_shifted(d, shift))
    after = validator.validate_file(abs_path, fixed, moved)
    before_keys = {(e["kind"], e.get("line")) for e in before.events}
    records = []
    for d, m in zip(todo, moved):
        was = before.verdicts.get(id(d)) or {}
        now = after.verdicts.get(id(m)) or {}
        record = {"path": d.path, "line": d.line, "code": d.code, "fixed_line": m.line,
                  "before": was.get("verdict"), "after": now.get("verdict")}
        fresh = [e for e in after.events if e["kind"] in ev.REPORTABLE and _same_file(e.get("path"), abs_path)
                 and (e.get("line") in target_lines(m) or (e["kind"], _unmap(mapping, e.get("line"))) not in
                      before_keys)]
        if was.get("verdict") != CONFIRMED:
            record["status"] = "unchecked"
            record["evidence"] = (f"the breakage was not reproduced before the fix ({was.get('verdict')}: "
                                  f"{was.get('evidence')}), so the fix cannot be checked by running it")
        elif now.get("verdict") == CONFIRMED:
            record["status"] = "not-verified"
            record["evidence"] = f"the breakage is still there after the fix: {now.get('evidence')}"
        elif fresh:
            record["status"] = "not-verified"
            record["evidence"] = (f"after the fix the probe saw: {evidence_of(fresh[0])} "
                                  f"(line {fresh[0].get('line')})")
            record["event"] = fresh[0]
        elif now.get("verdict") == NOT_REPRODUCED:
            record["status"] = "verified"
            record["evidence"] = (f"before: {was.get('evidence')}; after the fix: {now.get('evidence')}, "
                                  f"and the probe saw no event")
        else:
            record["status"] = "unchecked"
            record["evidence"] = f"the fixed line did not run ({now.get('verdict')}: {now.get('evidence')})"
        records.append(record)
    return records


def _mapped_line(mapping: Dict[int, int], line: int) -> int:
    if line in mapping:
        return mapping[line]
    before = [k for k in mapping if k < line]
    if before:
        k = max(before)
        return mapping[k] + (line - k)
    return line


def _unmap(mapping: Dict[int, int], line: Optional[int]) -> Optional[int]:
    if line is None:
        return None
    for old, new in mapping.items():
        if new == line:
            return old
    return None


def _shifted(d: Diagnostic, shift: int) -> Diagnostic:
    from dataclasses import replace

    return replace(d, line=d.line + shift, end_line=d.end_line + shift,
                   stmt_line=(d.stmt_line + shift) if d.stmt_line else None,
                   related=[(line + shift, col, label) for line, col, label in d.related], validation=None)
