"""``--format sarif``: SARIF 2.1.0, the format GitHub code scanning (``github/codeql-action/upload-sarif``) and other
CI dashboards read.

One run. ``tool.driver.rules`` is the whole rule catalog: ``id`` (code), ``name``, ``shortDescription`` (summary),
``help`` (the rule's Markdown doc from ``rules/``, as text and markdown), ``defaultConfiguration.level`` and the fix
kind in ``properties``. Each result has ``ruleId``/``ruleIndex``, ``level``, the message, one location (path relative
to ``%SRCROOT%``, the current folder; 1-based lines and columns, ``endColumn`` exclusive, columns in Unicode code
points as ``run.columnKind`` says), related locations, ``partialFingerprints`` (``inplaceLint/v1``: the diagnostic's
statement fingerprint, stable when lines shift), and ``fixes`` when the fix is a safe concrete edit: the fixer (``inplace_lint.fixes``) previews it alone on the file and
the change becomes whole-line text replacements (see ``FIX_TEXT_HOOK``). A fix without such an edit is described in
``properties.fixDescription``. Paths that could not be checked are ``toolExecutionNotifications``.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, TextIO
from urllib.parse import quote

from .. import __version__, catalog
from ..diagnostics import ERROR, Diagnostic
from .common import ReportOptions, is_fixable

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "inplaceLint/v1"
INFORMATION_URI = "https://github.com/inplace-lint/inplace-lint"

# (source text, diagnostic) -> the source with only that diagnostic's fix applied, or None when it cannot be
# applied. None: use inplace_lint.fixes (``preview_fix``); tests may set it directly.
FIX_TEXT_HOOK: Optional[Callable[[str, Diagnostic], Optional[str]]] = None


def _fix_hook() -> Optional[Callable[[str, Diagnostic], Optional[str]]]:
    if FIX_TEXT_HOOK is not None:
        return FIX_TEXT_HOOK
    try:
        from .. import fixes  # noqa: F401 - only whether the fixer is there
    except ImportError:
        return None
    return preview_fix


MAX_PREVIEWS_PER_FILE = 100  # beyond this many fixable findings in one file, the rest are reported without a fix
_analysed: Dict[str, Any] = {}  # the last file's analysis, shared by the previews of its findings


def preview_fix(source: str, d: Diagnostic) -> Optional[str]:
    """``source`` with only the fix of ``d`` applied (what one round of ``fixes.fix_text`` keeping just that finding
    makes of it), or None when it does not apply.

    The file is analysed once for all its findings (it was analysed again for each: a file with 500 findings took
    minutes), on a big stack when deep (``analysis.guard.run_deep``)."""
    from .. import fixes
    from ..registry import analyze_module
    from ..analysis.guard import run_deep

    key = (d.code, d.line, d.col, d.end_line, d.end_col)
    if _analysed.get("source") is not source or _analysed.get("path") != d.path:
        _analysed.clear()
        module, found = analyze_module(source, d.path)
        _analysed.update(source=source, path=d.path, module=module, found=found, previews=0,
                         compiled=fixes._compiles(source, d.path) if module is not None else False)
    module = _analysed["module"]
    matches = [x for x in _analysed["found"] if (x.code, x.line, x.col, x.end_line, x.end_col) == key]
    if module is None or not any(fixes.is_applicable(x) for x in matches):
        return None
    if _analysed["previews"] >= MAX_PREVIEWS_PER_FILE:
        return None
    _analysed["previews"] += 1

    def apply() -> Optional[str]:
        new, used = fixes.apply_fixes(module, matches, unsafe=False)
        if not used or new == source or fixes._problem(new, d.path, _analysed["compiled"]) is not None:
            return None
        return new

    return run_deep(apply)


def artifact_uri(path: str) -> Dict[str, str]:
    """A SARIF artifactLocation for a reported path: relative ones against %SRCROOT%, absolute ones as file URIs."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    # bytes: a file name that is not valid UTF-8 (surrogate-escaped by Python) is percent-encoded byte by byte
    return {"uri": quote(os.fsencode(path.replace(os.sep, "/"))), "uriBaseId": SRCROOT}


def fingerprint(d: Diagnostic) -> str:
    if d.fingerprint:
        return d.fingerprint
    return hashlib.sha1(f"{d.code}:{' '.join(d.message.split())}".encode()).hexdigest()[:16]


def _region(line: int, col: int, end_line: int, end_col: int) -> Dict[str, int]:
    region = {"startLine": max(1, line), "startColumn": max(1, col)}
    if end_line >= line:
        region["endLine"] = end_line
        if end_line > line or end_col > col:
            region["endColumn"] = max(1, end_col)
    return region


def _rule_descriptor(rule: catalog.RuleDoc) -> Dict[str, Any]:
    body = rule.body.strip() or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": body, "markdown": body},
        "defaultConfiguration": {"level": "error" if rule.severity == ERROR else "warning"},
        "properties": {"fix": rule.fix, "tags": ["pytorch", "autograd"]},
    }


def _replacements(d: Diagnostic, source: Optional[str]) -> Optional[List[Dict[str, Any]]]:
    """The fix of ``d`` as SARIF replacements of whole lines (from a diff of the source before and after it)."""
    hook = _fix_hook()
    if hook is None or source is None or d.cell is not None or not is_fixable(d):
        return None
    try:
        fixed = hook(str(source), d)
    except Exception:  # noqa: BLE001 - a failing fix preview must not break the report
        return None
    if fixed is None or fixed == source:
        return None
    old = source.splitlines(keepends=True)
    new = fixed.splitlines(keepends=True)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2:  # pure insertion before line i1 + 1: an empty region at its start
            deleted = {"startLine": i1 + 1, "startColumn": 1, "endLine": i1 + 1, "endColumn": 1}
        elif i2 < len(old):  # whole lines i1+1 .. i2, up to the start of the line after
            deleted = {"startLine": i1 + 1, "startColumn": 1, "endLine": i2 + 1, "endColumn": 1}
        else:  # through the last line: up to its end (a region cannot start past the end of the file)
            last = old[i2 - 1]
            body = last.rstrip("\r\n")
            deleted = {"startLine": i1 + 1, "startColumn": 1, "endLine": i2, "endColumn": len(body) + 1}
            inserted = "".join(new[j1:j2])
            if body != last and inserted.endswith(last[len(body):]):
                inserted = inserted[:len(inserted) - len(last) + len(body)]
            out.append({"deletedRegion": deleted, "insertedContent": {"text": inserted}})
            continue
        out.append({"deletedRegion": deleted, "insertedContent": {"text": "".join(new[j1:j2])}})
    return out or None


def _result(d: Diagnostic, rule_index: Dict[str, int], source: Optional[str]) -> Dict[str, Any]:
    location = {"physicalLocation": {"artifactLocation": artifact_uri(d.path),
                                      "region": _region(d.line, d.col, d.end_line, d.end_col)}}
    res: Dict[str, Any] = {
        "ruleId": d.code,
        "level": "error" if d.severity == ERROR else "warning",
        "message": {"text": d.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(d)},
    }
    if d.code in rule_index:
        res["ruleIndex"] = rule_index[d.code]
    if d.related:
        res["relatedLocations"] = [
            {"id": i, "message": {"text": label},
             "physicalLocation": {"artifactLocation": artifact_uri(d.path), "region": _region(line, col, line, col)}}
            for i, (line, col, label) in enumerate(d.related, start=1)]
    props: Dict[str, Any] = {"name": d.name}
    if d.fix is not None:
        replacements = _replacements(d, source)
        if replacements:
            res["fixes"] = [{"description": {"text": d.fix.description},
                             "artifactChanges": [{"artifactLocation": artifact_uri(d.path),
                                                  "replacements": replacements}]}]
        props["fixDescription"] = d.fix.description
        props["fixApplicability"] = d.fix.applicability
    if d.cell is not None:
        props["cell"], props["cellLine"] = d.cell
    if d.validation is not None:
        props["validation"] = d.validation
    res["properties"] = props
    return res


def sarif_log(result) -> Dict[str, Any]:
    rules = list(catalog.all_rules().values())
    known = {r.code for r in rules}
    for d in result.diagnostics:  # a code the catalog lacks still gets a descriptor
        if d.code not in known:
            known.add(d.code)
            rules.append(catalog.RuleDoc(d.code, d.name, d.severity, d.name or d.code))
    rule_index = {r.code: i for i, r in enumerate(rules)}
    run: Dict[str, Any] = {
        "tool": {"driver": {"name": "inplace-lint", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": [_rule_descriptor(r) for r in rules]}},
        "originalUriBaseIds": {SRCROOT: {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, rule_index, result.sources.get(d.path)) for d in result.diagnostics],
        "invocations": [{
            "executionSuccessful": not result.errors,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": str(e)},
                 "locations": [{"physicalLocation": {"artifactLocation": artifact_uri(e.path)}}]}
                for e in result.errors],
        }],
    }
    _analysed.clear()
    return {"$schema": SCHEMA_URI, "version": VERSION, "runs": [run]}


def write_sarif(result, out: TextIO, options: ReportOptions) -> None:
    json.dump(sarif_log(result), out, indent=2, ensure_ascii=False)
    out.write("\n")
