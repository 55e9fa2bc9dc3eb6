"""``--format junit``: a JUnit XML report for CI systems that show test results (GitLab, Jenkins, Azure...).

One ``<testcase>`` per file checked (its ``name`` and ``file`` are the path), passing when the file is clean; one
``<failure>`` per finding in it (``type`` is the code, ``message`` is ``line:col: CODE message``, the text is the
full ``path:line:col: CODE message`` line plus the fix hint). ``failures`` counts findings. Paths that could not be
checked at all (missing, internal error) are ``<error>`` test cases.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Dict, List, TextIO

from ..diagnostics import Diagnostic
from .common import ReportOptions

SUITE = "inplace-lint"


def _location(d: Diagnostic) -> str:
    if d.cell is not None:
        return f"cell {d.cell[0]}:{d.cell[1]}:{d.col}"
    return f"{d.line}:{d.col}"


def write_junit(result, out: TextIO, options: ReportOptions) -> None:
    by_path: Dict[str, List[Diagnostic]] = {}
    for path in getattr(result, "paths", []):
        by_path.setdefault(path, [])
    for d in result.diagnostics:
        by_path.setdefault(d.path, []).append(d)
    errors = list(result.errors)
    total = len(by_path) + len(errors)
    attrs = {"name": SUITE, "tests": str(total), "failures": str(len(result.diagnostics)),
             "errors": str(len(errors))}
    root = ET.Element("testsuites", attrs)
    suite = ET.SubElement(root, "testsuite", dict(attrs, skipped="0"))
    for path, diags in by_path.items():
        case = ET.SubElement(suite, "testcase", {"name": path, "classname": SUITE, "file": path})
        for d in diags:
            text = f"{d.path}:{_location(d)}: {d.code} {d.message}"
            if d.fix is not None:
                text += f"\nhelp: {d.fix.description}"
            failure = ET.SubElement(case, "failure", {"type": d.code,
                                                       "message": f"{_location(d)}: {d.code} {d.message}"})
            failure.text = text
    for error in errors:
        case = ET.SubElement(suite, "testcase", {"name": error.path, "classname": SUITE, "file": error.path})
        ET.SubElement(case, "error", {"type": error.kind, "message": str(error)}).text = str(error)
    ET.indent(root, space="  ")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
