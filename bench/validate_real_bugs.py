"""Does ``--validate`` agree with plain torch on the real-bug cases? (issue #16)

For every case of ``tests/cases/real-bugs`` and ``tests/cases/real-lookalikes`` (their headers say what plain torch
does: ``torch: raises "..."`` or ``torch: clean`` with a ``check``), the marker-free script is linted and validated
through one warm validator. A **false confirmation** is a ``confirmed`` verdict on a finding that is not one of the
case's markers (the markers are the lines torch shows broken), or a runtime finding in a case torch runs clean
without a symptom (``expect: clean``). Prints the counts per verdict and every disagreement.

    python bench/validate_real_bugs.py [--json OUT]
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inplace_lint.catalog import parse_markers, strip_markers  # noqa: E402
from inplace_lint.config import resolve_settings  # noqa: E402
from inplace_lint.engine import lint_paths  # noqa: E402
from inplace_lint.validate.runner import Validator, validate_result  # noqa: E402


def header(code: str) -> dict:
    out = {}
    for line in code.splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*([\w-]+):\s*(.*)", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def main() -> int:
    cases = sorted((ROOT / "tests/cases/real-bugs").glob("*.py")) + sorted(
        (ROOT / "tests/cases/real-lookalikes").glob("*.py"))
    work = Path(tempfile.mkdtemp(prefix="ipl-realbugs-"))
    counts, false_confirmations, disagreements, rows, unmarked_but_torch = {}, [], [], [], []
    with Validator() as validator:
        for case in cases:
            code = case.read_text()
            head = header(code)
            marked = {(line, c) for line, c, _ in parse_markers(code)}
            path = work / case.name
            path.write_text(strip_markers(code))
            settings = resolve_settings([str(path)], no_config=True)
            result = lint_paths([str(path)], settings, jobs=1)
            validate_result(result, settings, files=[str(path)], validator=validator)
            torch_raises = head.get("torch", "").startswith("raises")
            for d in result.diagnostics:
                verdict = (d.validation or {}).get("verdict")
                counts[verdict] = counts.get(verdict, 0) + 1
                row = {"case": case.stem, "line": d.line, "code": d.code, "verdict": verdict,
                       "runtime": d.runtime, "marked": (d.line, d.code) in marked, "torch": head.get("torch"),
                       "evidence": (d.validation or {}).get("evidence", "")[:300]}
                rows.append(row)
                raised = re.search(r'raises "([^"]+)"', head.get("torch", ""))
                row["torch_message_in_evidence"] = bool(raised and raised.group(1)[:40] in row["evidence"])
                if verdict == "confirmed" and not row["marked"]:
                    # torch raises in this case: a confirmation of a line torch's error comes from (its message
                    # quoted) or of a marked line under another code is torch's verdict; anything else is false
                    marked_lines = {line for line, _ in marked}
                    if not (torch_raises and (row["torch_message_in_evidence"] or d.line in marked_lines)):
                        false_confirmations.append(row)
                    else:
                        unmarked_but_torch.append(row)
            confirmed = [d for d in result.diagnostics if (d.validation or {}).get("verdict") == "confirmed"]
            if torch_raises and not confirmed:
                disagreements.append({"case": case.stem, "torch": head.get("torch"),
                                      "verdicts": [(d.line, d.code, (d.validation or {}).get("verdict"))
                                                   for d in result.diagnostics]})
    print(f"{len(cases)} cases, {len(rows)} findings: " + ", ".join(f"{v}: {n}" for v, n in sorted(
        counts.items(), key=lambda kv: str(kv[0]))))
    print(f"false confirmations: {len(false_confirmations)}")
    for row in false_confirmations:
        print(f"  {row['case']}:{row['line']} {row['code']} {row['evidence']}")
    print(f"confirmed at a line torch's error comes from, under another code than the marker: "
          f"{len(unmarked_but_torch)}")
    for row in unmarked_but_torch:
        print(f"  {row['case']}:{row['line']} {row['code']}")
    wrong_not_reproduced = [r for r in rows if r["verdict"] == "not-reproduced" and r["marked"]
                            and (r["torch"] or "").startswith("raises")]
    print(f"not-reproduced on a marked line of a case where torch raises: {len(wrong_not_reproduced)}")
    for row in wrong_not_reproduced:
        print(f"  {row['case']}:{row['line']} {row['code']}: {row['evidence'][:160]}")
    print(f"cases where torch raises but nothing was confirmed: {len(disagreements)} (no static finding in them: "
          f"{sum(1 for r in disagreements if not r['verdicts'])})")
    for row in disagreements:
        print(f"  {row['case']}: torch {row['torch'][:80]}; verdicts {row['verdicts']}")
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(rows, indent=1))
    return 1 if false_confirmations else 0


if __name__ == "__main__":
    sys.exit(main())
