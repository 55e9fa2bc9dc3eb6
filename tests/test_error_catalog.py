"""Tests for torch's error catalog: ``docs/error-catalog.json`` and ``.md``, made by
``tools/generate_error_catalog.py``.

The expected messages are never written here: the drift test regenerates the catalog from torch and compares it with
the committed files, and the other tests compare the committed catalog with the rule docs and the analyzer.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inplace_lint.catalog import load_rule
from inplace_lint.engine import analyze_text

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "generate_error_catalog.py"
JSON_PATH = ROOT / "docs" / "error-catalog.json"
MD_PATH = ROOT / "docs" / "error-catalog.md"
RULES_DIR = ROOT / "rules"
OUT_OF_SCOPE = "out-of-scope: "

CATALOG = json.loads(JSON_PATH.read_text(encoding="utf-8"))
ENTRIES = CATALOG["entries"]
RULE_CODES = sorted({e["rule"] for e in ENTRIES if e["rule"]})


def _ids(entries):
    return [e["id"] for e in entries]


def _rule_doc(code):
    """The rule doc ``rules/<code>-*.md`` (None when the rule is not documented on this branch)."""
    docs = sorted(RULES_DIR.glob(f"{code}-*.md"))
    return load_rule(docs[0]) if len(docs) == 1 else None


def _generate(*args, timeout=600):
    return subprocess.run(
        [sys.executable, str(TOOL), *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")})


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    meta = CATALOG["meta"]
    if torch.__version__ != meta["torch_version"]:
        pytest.skip(f"catalog is for torch {meta['torch_version']}, installed {torch.__version__}")
    if (importlib.util.find_spec("numpy") is not None) != meta["numpy_available"]:
        pytest.skip(f"catalog was generated with numpy_available={meta['numpy_available']} "
                    "(see the entry numpy-of-requires-grad)")
    return torch


# ---------------------------------------------------------------------------------------------------------------
# (a) drift: regenerating from torch reproduces the committed files


@pytest.mark.slow
def test_catalog_is_up_to_date(torch, tmp_path):
    """Runs the generator in a subprocess (it imports torch and runs ~90 small programs: about 3 s)."""
    out_json, out_md = tmp_path / "catalog.json", tmp_path / "catalog.md"
    proc = _generate("--json", out_json, "--md", out_md)
    assert proc.returncode == 0, proc.stderr
    regenerated = json.loads(out_json.read_text(encoding="utf-8"))
    assert regenerated["meta"] == CATALOG["meta"]
    fresh = {e["id"]: e for e in regenerated["entries"]}
    assert list(fresh) == _ids(ENTRIES), "entries added, removed or reordered: rerun the generator"
    for entry in ENTRIES:
        assert fresh[entry["id"]] == entry, f"{entry['id']} is stale: rerun python tools/generate_error_catalog.py"
    assert out_json.read_bytes() == JSON_PATH.read_bytes()
    assert out_md.read_bytes() == MD_PATH.read_bytes()


# ---------------------------------------------------------------------------------------------------------------
# (d) control: the drift check does fail on an edited catalog


@pytest.mark.slow
def test_check_fails_when_the_json_is_edited(torch, tmp_path):
    edited, md = tmp_path / "catalog.json", tmp_path / "catalog.md"
    catalog = json.loads(JSON_PATH.read_text(encoding="utf-8"))
    catalog["entries"][0]["message"] += " (edited)"
    edited.write_text(json.dumps(catalog, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    md.write_bytes(MD_PATH.read_bytes())
    proc = _generate("--check", "--json", edited, "--md", md)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{edited} is stale" in proc.stderr
    assert f"{md} is stale" not in proc.stderr  # the untouched Markdown still matches


# ---------------------------------------------------------------------------------------------------------------
# the committed files


def test_json_is_canonical():
    text = JSON_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    assert CATALOG["meta"]["generated_by"] == "tools/generate_error_catalog.py"
    assert CATALOG["meta"]["counts"]["entries"] == len(ENTRIES)


def test_ids_are_unique_and_in_the_markdown():
    ids = _ids(ENTRIES)
    assert len(ids) == len(set(ids))
    md = MD_PATH.read_text(encoding="utf-8")
    for entry_id in ids:
        assert f"\n### {entry_id}\n" in md, entry_id


# ---------------------------------------------------------------------------------------------------------------
# (b) and (c): dispositions


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_every_entry_has_a_disposition(entry):
    disposition = entry["disposition"]
    if entry["rule"] is None:
        assert disposition.startswith(OUT_OF_SCOPE), disposition
    else:
        assert disposition == entry["rule"]
    if entry["kind"] == "unreachable":
        assert disposition.startswith(OUT_OF_SCOPE + "cannot be reached from Python code (")
        assert entry["found_in"] and entry["source"], "an unreachable message names where it lives in torch"
    else:
        assert entry["program"], "a reachable entry has the program that reproduces it"
    if entry["kind"] in ("error", "warning"):
        assert entry["message"] and entry["type"] and entry["raised_at"]


OUT_OF_SCOPE_ENTRIES = [e for e in ENTRIES if e["rule"] is None]


@pytest.mark.parametrize("entry", OUT_OF_SCOPE_ENTRIES, ids=_ids(OUT_OF_SCOPE_ENTRIES))
def test_out_of_scope_reason_is_given(entry):
    reason = entry["disposition"][len(OUT_OF_SCOPE):]
    assert reason.strip() and reason == reason.strip()


@pytest.mark.parametrize("code", RULE_CODES)
def test_rule_doc_documents_the_message(code):
    """Every rule an entry names has a doc, and a ``python bad`` example of it quotes the message torch gave:
    ``raises="..."`` (or ``warns="..."`` for a warning) is a substring of the entry's message. (IPL009-IPL012 fail
    until their docs exist.)"""
    rule = _rule_doc(code)
    assert rule is not None, f"no rule doc rules/{code}-<name>.md"
    assert rule.code == code
    missing = []
    for entry in (e for e in ENTRIES if e["rule"] == code):
        attr = "warns" if entry["kind"] == "warning" else "raises"
        quoted = [ex.attrs[attr] for ex in rule.examples()
                  if ex.role == "bad" and isinstance(ex.attrs.get(attr), str)]
        if not any(q in entry["message"] for q in quoted):
            missing.append(f"{entry['id']}: no bad example with {attr}= quoting {entry['message']!r}")
    assert not missing, "\n".join(missing)


# ---------------------------------------------------------------------------------------------------------------
# the analyzer agrees with the dispositions


RUNNABLE = [e for e in ENTRIES if e["program"]]


@pytest.mark.parametrize("entry", RUNNABLE, ids=_ids(RUNNABLE))
def test_analyzer_agrees_with_the_disposition(entry):
    """A program mapped to a rule draws that rule's finding; an out-of-scope program draws none at all (when a rule
    starts reporting one, its disposition must change)."""
    found = {d.code for d in analyze_text(entry["program"], f"{entry['id']}.py")}
    if entry["rule"] is None:
        assert not found, f"out of scope, yet reported: {sorted(found)}"
    elif _rule_doc(entry["rule"]) is None:
        pytest.skip(f"{entry['rule']} is not implemented on this branch (test_rule_doc_documents_the_message fails)")
    else:
        assert entry["rule"] in found, f"{entry['rule']} does not report it; found {sorted(found)}"
