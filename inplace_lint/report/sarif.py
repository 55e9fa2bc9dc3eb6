"""``--format sarif``: SARIF 2.1.0, the format GitHub code scanning (``github/codeql-action/upload-sarif``) and other
CI dashboards read.

One run. ``tool.driver.rules`` is the whole rule catalog: ``id`` (code), ``name``, ``shortDescription`` (summary),
``help`` (the rule's Markdown doc from ``rules/``, as text and markdown), ``defaultConfiguration.level`` and the fix
kind in ``properties``. Each result has ``ruleId``/``ruleIndex``, ``level``, the message, one location (path relative
to ``%SRCROOT%``, the current folder; 1-based lines and columns, ``endColumn`` exclusive, columns in Unicode code
points as ``run.columnKind`` says), related locations, ``partialFingerprints`` (``inplaceLint/v1``: the diagnostic's
statement fingerprint, stable when lines shift), and ``fixes`` when the finding's fix is safe: its text edits, as
replacements (regions never reach past the end of the file). Every fix is also described in
``properties.fixDescription`` with its ``fixApplicability``. Paths that could not be checked are ``toolExecutionNotifications``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO
from urllib.parse import quote

from .. import __version__, catalog
from ..diagnostics import ERROR, Diagnostic, Edit, is_fixable
from .common import ReportOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "inplaceLint/v1"
INFORMATION_URI = "https://github.com/inplace-lint/inplace-lint"

def artifact_uri(path: str) -> Dict[str, str]:
    """A SARIF artifactLocation for a reported path: relative ones against %SRCROOT%, absolute ones as file URIs."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    # bytes: a file name that is not valid UTF-8 (surrogate-escaped by Python) is percent-encoded byte by byte
    return {"uri": quote(os.fsencode(path.replace(os.sep, "/"))), "uriBaseId": SRCROOT}


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
    """The safe fix of ``d`` as SARIF replacements (notebook findings: none, their edits are in program lines)."""
    if source is None or d.cell is not None or not is_fixable(d):
        return None
    lines = str(source).splitlines(keepends=True)
    return [_replacement(e, lines) for e in d.fix.edits] or None


def _replacement(e: Edit, lines: List[str]) -> Dict[str, Any]:
    """One edit as a SARIF replacement. An edit ending past the last line (after its newline) becomes one ending at
    that line's end, its inserted text giving up the newline it would otherwise add twice."""
    line, col, end_line, end_col, text = e.line, e.col, e.end_line, e.end_col, e.content
    n = len(lines)
    if n and end_line > n:
        last = lines[-1]
        body = last.rstrip("\r\n")
        newline = last[len(body):]
        if (line, col) == (end_line, end_col):  # an insertion after the end: after the last line's text
            line, col = n, len(body) + 1
            text = newline + text[:len(text) - len(newline)] if newline and text.endswith(newline) else text
        elif newline and text.endswith(newline):
            text = text[:len(text) - len(newline)]
        elif newline and not text and line > 1:  # deleting the last lines: from the end of the line before
            before = lines[line - 2]
            line, col = line - 1, len(before.rstrip("\r\n")) + 1
        end_line, end_col = n, len(body) + 1
    deleted = {"startLine": max(1, line), "startColumn": max(1, col), "endLine": max(1, end_line),
               "endColumn": max(1, end_col)}
    return {"deletedRegion": deleted, "insertedContent": {"text": text}}


def _result(d: Diagnostic, rule_index: Dict[str, int], source: Optional[str]) -> Dict[str, Any]:
    location = {"physicalLocation": {"artifactLocation": artifact_uri(d.path),
                                      "region": _region(d.line, d.col, d.end_line, d.end_col)}}
    res: Dict[str, Any] = {
        "ruleId": d.code,
        "level": "error" if d.severity == ERROR else "warning",
        "message": {"text": d.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: d.stable_fingerprint()},
    }
    if d.code in rule_index:
        res["ruleIndex"] = rule_index[d.code]
    if d.related:
        res["relatedLocations"] = [
            {"id": i, "message": {"text": label},
             "physicalLocation": {"artifactLocation": artifact_uri(d.path), "region": _region(line, col, line, col)}}
            for i, (line, col, label) in enumerate(d.related, start=1)]
    if d.related_files:
        first = len(d.related) + 1
        res.setdefault("relatedLocations", []).extend(
            {"id": i, "message": {"text": label},
             "physicalLocation": {"artifactLocation": artifact_uri(path), "region": _region(line, col, line, col)}}
            for i, (path, line, col, label) in enumerate(d.related_files, start=first))
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
    return {"$schema": SCHEMA_URI, "version": VERSION, "runs": [run]}


def write_sarif(result, out: TextIO, options: ReportOptions) -> None:
    json.dump(sarif_log(result), out, indent=2, ensure_ascii=False)
    out.write("\n")
