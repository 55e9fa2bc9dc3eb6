"""``--format sarif``: valid SARIF 2.1.0 (checked against the official schema), with the real rule catalog."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from inplace_lint import catalog
from inplace_lint.cli import cli
from inplace_lint.report import sarif

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

BAD = """\
import torch

w = torch.zeros(3, requires_grad=True)
w.add_(1)
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Run in a temp folder."""
    monkeypatch.chdir(tmp_path)


def run_sarif(*args):
    result = CliRunner().invoke(cli, ["--format", "sarif", "--no-cache", *args])
    return result, json.loads(result.stdout)


def validate(log):
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_real_findings_validate_against_the_schema(write):
    write("pkg/bad.py", BAD)
    write("pkg/good.py", "import torch\nx = torch.zeros(3)\nx.add_(1)\n")
    write("examples/train_bad.py", (REPO / "examples" / "train_bad.py").read_text(encoding="utf-8"))
    result, log = run_sarif("pkg", "examples")
    assert result.exit_code == 1
    validate(log)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"IPL001", "IPL004", "IPL005", "IPL006"}
    first = results[0]
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "examples/train_bad.py", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert run["columnKind"] == "unicodeCodePoints"
    # ruleIndex points at the matching descriptor
    rules = run["tool"]["driver"]["rules"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["partialFingerprints"]["inplaceLint/v1"]
        assert r["level"] in ("error", "warning")


def test_locations_are_one_based_and_match_the_json_report(write):
    write("bad.py", BAD)
    _, log = run_sarif("bad.py")
    (res,) = log["runs"][0]["results"]
    region = res["locations"][0]["physicalLocation"]["region"]
    as_json = json.loads(CliRunner().invoke(cli, ["--format", "json", "--no-cache", "bad.py"]).stdout)[0]
    assert region == {"startLine": as_json["line"], "startColumn": as_json["col"], "endLine": as_json["end_line"],
                      "endColumn": as_json["end_col"]}
    assert region == {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 10}
    assert res["message"]["text"] == as_json["message"]
    assert res["properties"]["fixDescription"] == as_json["fix"]["description"]


def test_driver_rules_come_from_the_catalog_with_help(write):
    write("clean.py", "x = 1\n")
    result, log = run_sarif("clean.py")
    assert result.exit_code == 0
    validate(log)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "inplace-lint" and driver["version"]
    assert log["runs"][0]["results"] == []
    by_id = {r["id"]: r for r in driver["rules"]}
    docs = catalog.all_rules()
    assert set(by_id) == set(docs)
    for code, doc in docs.items():
        rule = by_id[code]
        assert rule["name"] == doc.name
        assert rule["shortDescription"]["text"] == doc.summary
        assert rule["defaultConfiguration"]["level"] == doc.severity
    ipl001 = by_id["IPL001"]
    doc_text = (REPO / "rules" / docs["IPL001"].path.name).read_text(encoding="utf-8")
    assert "## Why is this bad?" in ipl001["help"]["markdown"]
    assert ipl001["help"]["text"].splitlines()[0] in doc_text


def test_unreadable_path_is_a_notification_and_syntax_errors_are_results(write):
    write("broken.py", "import torch\ndef f(:\n")
    result, log = run_sarif("broken.py", "missing.py")
    assert result.exit_code == 2
    validate(log)
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["IPL900"]
    assert run["results"][0]["partialFingerprints"]["inplaceLint/v1"]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "missing.py" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_fixes_with_a_concrete_edit_become_sarif_fixes(write):
    """The finding's own edits (the ones --fix applies) become SARIF replacements."""
    write("bad.py", BAD)
    _, log = run_sarif("bad.py")
    validate(log)
    (res,) = log["runs"][0]["results"]
    (fix,) = res["fixes"]
    assert fix["description"]["text"].startswith("Wrap")
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "bad.py"
    (replacement,) = change["replacements"]
    # the last line of the file: the region runs to its end, the newline stays
    assert replacement["deletedRegion"] == {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 10}
    assert replacement["insertedContent"]["text"] == "with torch.no_grad():\n    w.add_(1)"


def test_fix_in_the_middle_replaces_whole_lines(write):
    write("bad.py", BAD + "print(w)\n")
    _, log = run_sarif("bad.py")
    validate(log)
    (replacement,) = log["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement["deletedRegion"] == {"startLine": 4, "startColumn": 1, "endLine": 5, "endColumn": 1}
    assert replacement["insertedContent"]["text"] == "with torch.no_grad():\n    w.add_(1)\n"


def test_no_fixes_entry_without_a_safe_fix(write):
    write("bad.py", "import torch\nx = torch.ones(3, requires_grad=True)\ny = x.clone().detach()\n"
                    "y.requires_grad_(True)\n(3 * y).sum().backward()\nprint(x.grad)\n")
    _, log = run_sarif("bad.py")
    validate(log)
    (res,) = log["runs"][0]["results"]
    assert "fixes" not in res and res["properties"]["fixApplicability"] == "unsafe"


def _apply_sarif(text, replacements):
    """Apply SARIF replacements (1-based line/column regions, end exclusive) to ``text``, last first."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line, col):
        assert 1 <= line <= len(lines), "a region line past the end of the file"
        return starts[line - 1] + col - 1

    spans = [(offset(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
              offset(r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]), r["insertedContent"]["text"])
             for r in replacements]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


@pytest.mark.parametrize("text, edit", [
    ("a\nb\n", (3, 1, 3, 1, "c\n")),          # insertion after the last line
    ("a\nb\n", (2, 1, 3, 1, "")),              # deleting the last line
    ("a\nb\n", (2, 1, 3, 1, "x\ny\n")),        # replacing the last line
    ("a\nb\n", (1, 1, 2, 1, "")),              # deleting the first line
    ("a\nb\n", (1, 1, 1, 1, "import torch\n")),  # insertion at the top
    ("a\r\nb\r\n", (2, 1, 3, 1, "x\r\n")),       # CRLF
    ("a\nb", (2, 1, 2, 2, "c")),               # no final newline
    ("é\nb\n", (1, 1, 2, 1, "ü\n")),           # columns in code points
])
def test_replacements_say_what_the_edits_do(text, edit):
    from inplace_lint.diagnostics import Edit
    from inplace_lint.edits import apply_edits

    e = Edit(*edit)
    lines = text.splitlines(keepends=True)
    assert _apply_sarif(text, [sarif._replacement(e, lines)]) == apply_edits(text, [e])


def test_paths_are_uri_encoded(write):
    write("my dir/bad file.py", BAD)
    _, log = run_sarif("my dir")
    validate(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20dir/bad%20file.py"


def test_real_fixer_previews_become_sarif_fixes(write):
    write("bad.py", BAD + "print(w)\n")
    _, log = run_sarif("bad.py")
    validate(log)
    (res,) = log["runs"][0]["results"]
    (replacement,) = res["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement["deletedRegion"]["startLine"] == 4
    assert "with torch.no_grad():" in replacement["insertedContent"]["text"]
    assert "w.add_(1)" in replacement["insertedContent"]["text"]
