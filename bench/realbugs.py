"""Recall and precision of the analysis on the real cases: ``tests/cases/real-bugs/`` (bugs from public issue
threads and forum questions, each marked ``# error: IPLxxx`` where it breaks) and ``tests/cases/real-lookalikes/``
(the same code done right: no finding expected). Every case was labelled by running it under torch
(``tests/test_cases.py``); this script only runs the static analysis (no torch needed).

* recall: a bug case counts as found when every one of its markers is reported (same line and code); per rule
  family, over the bug cases that have a marker of that code;
* precision: reported findings that sit on a marked line with the marker's code, over all findings in both folders
  (a finding on a look-alike, or with the wrong code, or on an unmarked line, counts against it); per family, by the
  finding's code.

    python bench/realbugs.py          # the table, then every missed bug with its known-miss reason
    python bench/realbugs.py --json   # the same as JSON
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inplace_lint.catalog import parse_markers, strip_markers  # noqa: E402
from inplace_lint.registry import analyze_source  # noqa: E402

CASES = ROOT / "tests" / "cases"
BUGS, LOOKALIKES = "real-bugs", "real-lookalikes"
HEADER_LINE = re.compile(r"^# (?P<key>[a-z][a-z-]*): (?P<value>\S.*?)\s*$")

# the rule families; IPL009-IPL012 are the rules being written (no rule doc on this branch yet)
FAMILIES = {
    "IPL001": "inplace-on-leaf",
    "IPL002": "inplace-on-leaf-view",
    "IPL003": "inplace-on-saved",
    "IPL004": "data-mutation",
    "IPL005": "grad-of-non-leaf",
    "IPL006": "detached-copy-trains",
    "IPL007": "function-dirty",
    "IPL008": "inplace-clobbers-input",
    "IPL009": "inplace-on-multi-output-view",
    "IPL010": "inplace-on-no-grad-view",
    "IPL011": "inference-tensor-in-autograd",
    "IPL012": "inplace-on-custom-function-view",
}


@dataclass
class Result:
    folder: str
    name: str
    source: Optional[str]
    known_miss: Optional[str]
    known_false_positive: Optional[str]
    markers: Set[Tuple[int, str]]
    findings: List[Tuple[int, str, str]] = field(default_factory=list)  # (line, code, message)

    @property
    def found(self) -> bool:
        return self.markers <= {(line, code) for line, code, _ in self.findings}

    def true_positives(self) -> List[Tuple[int, str, str]]:
        return [f for f in self.findings if (f[0], f[1]) in self.markers]


def header(text: str) -> Dict[str, str]:
    out = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = HEADER_LINE.match(line)
        if m:
            out[m.group("key")] = m.group("value")
    return out


def run(cases_dir: Path = CASES) -> List[Result]:
    results = []
    for folder in (BUGS, LOOKALIKES):
        for path in sorted((cases_dir / folder).glob("*.py")):
            text = path.read_text(encoding="utf-8")
            head = header(text)
            r = Result(folder, path.stem, head.get("source"), head.get("known-miss"), head.get("known-false-positive"),
                       {(line, code) for line, code, _ in parse_markers(text)})
            for d in analyze_source(strip_markers(text), f"tests/cases/{folder}/{path.name}"):
                r.findings.append((d.line, d.code, d.message))
            results.append(r)
    return results


def ratio(num: int, den: int) -> Optional[float]:
    return None if den == 0 else num / den


def summarize(results: List[Result]) -> dict:
    bugs = [r for r in results if r.folder == BUGS]
    lookalikes = [r for r in results if r.folder == LOOKALIKES]
    findings = [(r, f) for r in results for f in r.findings]
    tp = [(r, f) for r in bugs for f in r.true_positives()]

    families = {}
    for code in FAMILIES:
        cases = [r for r in bugs if any(c == code for _, c in r.markers)]
        reported = [f for _, f in findings if f[1] == code]
        correct = [f for _, f in tp if f[1] == code]
        families[code] = {
            "name": FAMILIES[code],
            "bug_cases": len(cases),
            "found": sum(r.found for r in cases),
            "recall": ratio(sum(r.found for r in cases), len(cases)),
            "findings": len(reported),
            "true_positives": len(correct),
            "precision": ratio(len(correct), len(reported)),
        }
    other = sorted({f[1] for _, f in findings} - set(FAMILIES))
    misses = [{"case": f"{r.folder}/{r.name}", "codes": sorted({c for _, c in r.markers}),
               "known_miss": r.known_miss,
               "reported": [{"line": line, "code": code} for line, code, _ in r.findings]}
              for r in bugs if not r.found]
    false_positives = [{"case": f"{r.folder}/{r.name}", "line": f[0], "code": f[1], "message": f[2],
                        "known_false_positive": r.known_false_positive if r.folder == LOOKALIKES else None}
                       for r in results for f in r.findings if (f[0], f[1]) not in r.markers]
    return {
        "bug_cases": len(bugs),
        "lookalike_cases": len(lookalikes),
        "found": sum(r.found for r in bugs),
        "recall": ratio(sum(r.found for r in bugs), len(bugs)),
        "findings": len(findings),
        "true_positives": len(tp),
        "precision": ratio(len(tp), len(findings)),
        "lookalikes_flagged": sum(bool(r.findings) for r in lookalikes),
        "families": families,
        "other_codes": other,
        "misses": misses,
        "false_positives": false_positives,
    }


def pct(x: Optional[float]) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def render(s: dict) -> str:
    lines = [f"{s['bug_cases']} real bugs, {s['lookalike_cases']} look-alikes (tests/cases/{BUGS}, {LOOKALIKES})", "",
             "| family | bug cases | found | recall | findings | on a marked line, right code | precision |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for code, f in s["families"].items():
        if f["bug_cases"] or f["findings"]:
            lines.append(f"| {code} {f['name']} | {f['bug_cases']} | {f['found']} | {pct(f['recall'])} | "
                         f"{f['findings']} | {f['true_positives']} | {pct(f['precision'])} |")
    lines.append(f"| **total** | {s['bug_cases']} | {s['found']} | **{pct(s['recall'])}** | {s['findings']} | "
                 f"{s['true_positives']} | **{pct(s['precision'])}** |")
    lines += ["", f"look-alikes with a finding: {s['lookalikes_flagged']} of {s['lookalike_cases']}", "",
              f"missed bugs ({len(s['misses'])}), by reason:"]
    by_reason: Dict[str, List[dict]] = defaultdict(list)
    for m in s["misses"]:
        by_reason[m["known_miss"] or "(no known-miss header)"].append(m)
    for reason, ms in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"- {reason}")
        for m in ms:
            got = ", ".join(f"{r['code']}@{r['line']}" for r in m["reported"]) or "nothing"
            lines.append(f"    {m['case']} [{', '.join(m['codes'])}] -- reported: {got}")
    lines += ["", f"findings that are not a marked line with its code ({len(s['false_positives'])}):"]
    for fp in s["false_positives"]:
        why = f" -- known-false-positive: {fp['known_false_positive']}" if fp["known_false_positive"] else ""
        lines.append(f"- {fp['case']}:{fp['line']} {fp['code']}{why}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    summary = summarize(run())
    print(json.dumps(summary, indent=2) if args.json else render(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
