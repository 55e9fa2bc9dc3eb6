"""What the CLI calls for ``check --validate`` (and ``--validate --fix`` / ``--diff``), kept here so that the CLI only
needs a few lines. Torch-free."""
from __future__ import annotations

import os
from typing import Callable, Dict, List, Optional, Sequence

from .. import catalog, engine
from ..diagnostics import ERROR, Diagnostic
from .runner import CONFIRMED, Summary, ValidateOptions, Validator, line_map, validate_result, verify_fix
from .sandbox import Limits

WARNING = ("inplace-lint: --validate runs the flagged code (as the current user, in a subprocess with resource "
           "limits, not a security sandbox); never use it on code you would not run yourself.")


def capture_sources(targets: Sequence[str], settings) -> Dict[str, str]:
    """The text of every Python file the run will check (before ``--fix`` rewrites them), by displayed path."""
    files, _ = engine.discover([t for t in targets if t != engine.STDIN], settings)
    out: Dict[str, str] = {}
    for file in files:
        if file.suffix not in (".py",):
            continue
        try:
            out[engine.display_path(file)] = engine.read_source(file)
        except Exception:  # noqa: BLE001 - unreadable files have nothing to verify
            continue
    return out


def checked_files(targets: Sequence[str], settings) -> List[str]:
    files, _ = engine.discover([t for t in targets if t != engine.STDIN], settings)
    return [engine.display_path(f) for f in files]


def fixed_findings(original: str, fixed: str, initial: Sequence[Diagnostic],
                   remaining: Sequence[Diagnostic]) -> List[Diagnostic]:
    """The findings of ``original`` that the fixed text no longer has (matched by code and moved line)."""
    mapping = line_map(original, fixed)
    left = {(d.code, d.line) for d in remaining}
    return [d for d in initial if (d.code, mapping.get(d.line, -1)) not in left]


def verify_fixes(originals: Dict[str, str], settings, unsafe: bool, validator: Validator,
                 fixed_texts: Optional[Dict[str, str]] = None) -> List[Dict]:
    """Re-run every file ``--fix`` changes, before and after, and check each fix (``runner.verify_fix``).
    ``fixed_texts`` (if given) receives the fixed text of each changed file."""
    try:
        from ..fixes import fix_text
    except ImportError:  # the fixer is not available: nothing to verify
        return []
    records: List[Dict] = []
    for path, text in originals.items():
        def keep(diags, t, path=path):
            return engine.filter_diagnostics(diags, t, path, settings)

        outcome = fix_text(text, path, unsafe=unsafe, keep=keep)
        if not outcome.changed:
            continue
        if fixed_texts is not None:
            fixed_texts[path] = outcome.source
        fixed = fixed_findings(text, outcome.source, outcome.initial, outcome.remaining)
        if fixed:
            records.extend(verify_fix(validator, os.path.abspath(path), text, outcome.source, fixed))
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


def run_validation(result, settings, targets: Sequence[str], *, timeout: float = 60.0, memory_mb: int = 4096,
                   originals: Optional[Dict[str, str]] = None, unsafe: bool = False,
                   echo: Optional[Callable[[str], None]] = None) -> Summary:
    """``--validate``: verdicts on ``result`` in place, runtime findings added, fixes verified when ``originals``
    (the files before ``--fix``) are given. ``echo`` gets the summary and the fix-verification lines."""
    options = ValidateOptions(limits=Limits(timeout=timeout, memory_mb=memory_mb))
    with Validator(options) as validator:
        fixed_texts: Dict[str, str] = {}
        records = verify_fixes(originals, settings, unsafe, validator, fixed_texts) if originals else []
        summary = validate_result(result, settings, files=checked_files(targets, settings), validator=validator)
        extra = unverified_diagnostics(records)
        if extra:
            for d in extra:
                result.sources.setdefault(d.path, fixed_texts.get(d.path, ""))
            result.diagnostics.extend(extra)
            result.diagnostics.sort(key=Diagnostic.sort_key)
        summary.fixes = records
        summary.jobs = validator.jobs
    if echo is not None:
        for record in records:
            echo(f"{record['path']}:{record['line']}: {record['code']} fix {record['status']}: {record['evidence']}")
        echo(summary.line())
    return summary
