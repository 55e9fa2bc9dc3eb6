"""What the CLI calls for ``check --validate`` (and ``--validate --fix`` / ``--diff``), kept here so that the CLI only
needs a few lines. Torch-free."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence

from .. import catalog
from ..diagnostics import ERROR, Diagnostic
from .runner import CONFIRMED, Summary, ValidateOptions, Validator, line_map, validate_result, verify_fix
from .sandbox import Limits

NO_ISOLATION = ("inplace-lint: WARNING: --validate ran your code WITHOUT OS ISOLATION ({why}): only a Python write "
                "guard and process-group kills; the code could write and read your files through C code or "
                "subprocesses, use the network and leave processes running. See docs/validator.md.")


def fixed_findings(original: str, fixed: str, initial: Sequence[Diagnostic],
                   remaining: Sequence[Diagnostic]) -> List[Diagnostic]:
    """The findings of ``original`` that the fixed text no longer has (matched by code and moved line)."""
    mapping = line_map(original, fixed)
    left = {(d.code, d.line) for d in remaining}
    return [d for d in initial if (d.code, mapping.get(d.line, -1)) not in left]


def verify_fixes(changes: Dict[str, Any], validator: Validator) -> List[Dict]:
    """Re-run every Python file ``--fix`` changed, before and after, and check each fix (``runner.verify_fix``).
    ``changes``: the run's ``fixes.FileFix`` records by path (the texts and findings the fixer already has: nothing
    is discovered, read or fixed again)."""
    records: List[Dict] = []
    for path, change in changes.items():
        if not path.endswith(".py"):
            continue
        fixed = fixed_findings(change.original, change.fixed, change.initial, change.remaining)
        if fixed:
            records.extend(verify_fix(validator, os.path.abspath(path), change.original, change.fixed, fixed))
    return records


def unverified_diagnostics(records: Sequence[Dict]) -> List[Diagnostic]:
    """A finding for each fix that did not verify (it is still a problem)."""
    out = []
    for record in records:
        if record.get("status") != "not-verified":
            continue
        rule = catalog.all_rules().get(record["code"])
        line = int(record.get("fixed_line") or record["line"])
        out.append(Diagnostic(
            path=record["path"], line=line, col=1, end_line=line, end_col=2, code=record["code"],
            name=rule.name if rule else record["code"], severity=rule.severity if rule else ERROR,
            message=f"the fix for this {record['code']} finding did not verify: {record['evidence']}",
            validation={"verdict": CONFIRMED, "evidence": record["evidence"], "harness": "fix-verification",
                        "fix": {"status": "not-verified", "line_before_fix": record["line"]}},
            runtime=True))
    return out


def run_validation(result, settings, *, timeout: float = 60.0, memory_mb: int = 4096,
                   echo: Optional[Callable[[str], None]] = None) -> Summary:
    """``--validate``: verdicts on ``result`` in place, runtime findings added, and, for a ``--fix`` / ``--diff``
    run (a ``fixes.FixRun``), every changed file's fixes verified. ``echo`` gets the summary and the
    fix-verification lines."""
    options = ValidateOptions(limits=Limits(timeout=timeout, memory_mb=memory_mb))
    changes = getattr(result, "changes", None) or {}
    with Validator(options) as validator:
        records = verify_fixes(changes, validator) if changes else []
        summary = validate_result(result, settings, files=[p for p in result.paths if p != result.stdin_path],
                                  validator=validator)
        extra = unverified_diagnostics(records)
        if extra:
            for d in extra:
                change = changes.get(d.path)
                result.sources.setdefault(d.path, change.fixed if change is not None else "")
            result.diagnostics.extend(extra)
            result.diagnostics.sort(key=Diagnostic.sort_key)
        summary.fixes = records
        summary.jobs = validator.jobs
        summary.isolation = validator.isolation
        summary.sandbox = list(validator.sandbox)
        summary.escaped = validator.escaped
    from .gradcheck import check_functions  # the autograd.Function rewrites (--fix-with function, templates)
    check_functions(result, timeout=max(timeout, 120.0), echo=echo)
    if echo is not None:
        if summary.jobs and summary.isolation.get("level") == "none":
            echo(NO_ISOLATION.format(why=summary.isolation.get("why") or "not available here"))
        for record in records:
            echo(f"{record['path']}:{record['line']}: {record['code']} fix {record['status']}: {record['evidence']}")
        echo(summary.line())
    return summary
