"""Every case file under tests/cases/ (format: tests/cases/README.md) is two tests:

* statically: the analyzer reports exactly the ``# error: CODE`` / ``# warning: CODE`` markers of the file (the rule
  docs' marker syntax, parsed by ``inplace_lint.catalog.parse_markers``) -- nothing at all for ``expect: clean``;
* under torch, the oracle: the file runs clean and its ``check:`` expression is true after, or it raises an exception
  containing the ``torch: raises "..."`` substring.

A case the analysis gets wrong today says so in its header -- ``known-miss: <why>`` (a marked case whose markers are
not all reported exactly) or ``known-false-positive: <why>`` (a clean case that is reported) -- and its static test is
a strict xfail: it fails loudly the day the analysis gets the case right, so that the header goes.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from lookalike import run_clean_under_torch, run_raising_under_torch

from inplace_lint.catalog import parse_markers, strip_markers

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT / "tests" / "cases"

# the folders and how many cases each had when the format was introduced (the count may grow, never drop)
MIN_CASES = {"lookalikes": 38, "lookalikes-saved": 31, "real-bugs": 277, "real-lookalikes": 280, "real-library": 27, "whole-program": 252}

HEADER_LINE = re.compile(r"^# (?P<key>[a-z][a-z-]*): (?P<value>\S.*?)\s*$")
KEYS = ("case", "source", "expect", "torch", "check", "known-miss", "known-false-positive")
REQUIRED = ("case", "expect", "torch")


class CaseError(ValueError):
    pass


@dataclass
class Case:
    path: Path
    name: str
    text: str
    expect: str                      # "clean" | "markers"
    raises: Optional[str]            # None: torch runs it clean
    check: Optional[str]
    source: Optional[str] = None
    markers: List[Tuple[int, str, str]] = field(default_factory=list)
    known_miss: Optional[str] = None             # why the analysis does not report exactly the markers yet
    known_false_positive: Optional[str] = None   # why the analysis reports this clean case

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.name}"


def parse_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    header: Dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = HEADER_LINE.match(line)
        if not m:
            raise CaseError(f"{path.name}: header line {line!r} is not '# key: value'")
        key, value = m.group("key"), m.group("value")
        if key not in KEYS:
            raise CaseError(f"{path.name}: unknown header key {key!r} (known: {', '.join(KEYS)})")
        if key in header:
            raise CaseError(f"{path.name}: header key {key!r} given twice")
        header[key] = value
    missing = [k for k in REQUIRED if k not in header]
    if missing:
        raise CaseError(f"{path.name}: missing header {', '.join(missing)}")
    if header["case"] != path.stem:
        raise CaseError(f"{path.name}: 'case: {header['case']}' is not the file's name")
    if header["expect"] not in ("clean", "markers"):
        raise CaseError(f"{path.name}: 'expect:' is 'clean' or 'markers', not {header['expect']!r}")
    verdict = header["torch"]
    raises = None
    if verdict != "clean":
        m = re.fullmatch(r"raises (?P<literal>(['\"]).+\2)", verdict)
        if not m:
            raise CaseError(f"{path.name}: 'torch:' is 'clean' or 'raises \"substring\"', not {verdict!r}")
        raises = ast.literal_eval(m.group("literal"))
    if (raises is None) != ("check" in header):
        raise CaseError(f"{path.name}: 'check:' is required with 'torch: clean' and only there")
    markers = parse_markers(text)
    if (header["expect"] == "clean") != (not markers):
        raise CaseError(f"{path.name}: 'expect: {header['expect']}' but the file has {len(markers)} marker(s)")
    if "known-miss" in header and header["expect"] != "markers":
        raise CaseError(f"{path.name}: 'known-miss:' goes only with 'expect: markers'")
    if "known-false-positive" in header and header["expect"] != "clean":
        raise CaseError(f"{path.name}: 'known-false-positive:' goes only with 'expect: clean'")
    return Case(path, path.stem, text, header["expect"], raises, header.get("check"), header.get("source"), markers,
                header.get("known-miss"), header.get("known-false-positive"))


def all_cases() -> List[Case]:
    return [parse_case(p) for p in sorted(CASES_DIR.glob("*/*.py"))]


def check_statically(case: Case) -> None:
    from inplace_lint.registry import analyze_source

    found = analyze_source(strip_markers(case.text), case.path.relative_to(ROOT).as_posix()
                           if case.path.is_relative_to(ROOT) else case.path.name)
    assert sorted((d.line, d.code, d.severity) for d in found) == sorted(case.markers), [
        (d.line, d.code, d.message) for d in found]


def check_statically_or_known_gap(case: Case) -> None:
    """``check_statically``; for a case with ``known-miss`` / ``known-false-positive``, a strict xfail: the check
    must fail (then the test is reported xfailed with the reason), and passing it fails the test."""
    gap = case.known_miss or case.known_false_positive
    if gap is None:
        check_statically(case)
        return
    key = "known-miss" if case.known_miss else "known-false-positive"
    try:
        check_statically(case)
    except AssertionError:
        pytest.xfail(f"{key}: {gap}")
    pytest.fail(f"{case.id} has '{key}: {gap}', but the analysis now reports exactly its markers: remove the header")


def check_under_torch(case: Case) -> None:
    code = strip_markers(case.text)
    if case.raises is None:
        run_clean_under_torch(code, case.check, str(case.path))
    else:
        run_raising_under_torch(code, case.raises, str(case.path))


CASES = all_cases()
PARAMS = [pytest.param(case, id=case.id) for case in CASES]


# --------------------------------------------------------------------------------------------------------------------
# the cases


def test_every_folder_keeps_its_cases():
    counts = {folder: sum(1 for c in CASES if c.path.parent.name == folder) for folder in MIN_CASES}
    assert all(counts[f] >= n for f, n in MIN_CASES.items()), counts
    assert {c.path.parent.name for c in CASES} == set(MIN_CASES), "a new folder gets an entry in MIN_CASES"
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "case names are unique across folders"
    assert not [p for p in CASES_DIR.rglob("*") if p.is_file() and p.suffix != ".py" and p.name != "README.md"]


@pytest.mark.parametrize("case", PARAMS)
def test_case_statically(case):
    check_statically_or_known_gap(case)


@pytest.mark.parametrize("case", PARAMS)
def test_case_under_torch(case):
    check_under_torch(case)


# --------------------------------------------------------------------------------------------------------------------
# the format and the checks themselves, on synthetic cases


FLAGGED = '''\
# case: leaf-add
# source: https://example.com/leaf
# expect: markers
# torch: raises "a leaf Variable that requires grad"

import torch

w = torch.zeros(3, requires_grad=True)
w.add_(1)  # error: IPL001
'''


def _case(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_flagged_case_is_parsed_and_passes_both_checks(tmp_path):
    case = parse_case(_case(tmp_path, "leaf-add", FLAGGED))
    assert (case.expect, case.raises, case.check, case.source) == (
        "markers", "a leaf Variable that requires grad", None, "https://example.com/leaf")
    assert case.markers == [(9, "IPL001", "error")]
    check_statically(case)
    check_under_torch(case)


def test_the_checks_fail_on_a_wrong_expectation(tmp_path):
    # the finding is on line 9, the marker on line 8
    moved = FLAGGED.replace("w = torch.zeros(3, requires_grad=True)\n", "w = torch.zeros(3, requires_grad=True)  "
                            "# error: IPL001\n").replace("w.add_(1)  # error: IPL001", "w.add_(1)")
    with pytest.raises(AssertionError):
        check_statically(parse_case(_case(tmp_path, "leaf-add", moved)))
    # a different exception message
    other = FLAGGED.replace("a leaf Variable", "a different message")
    with pytest.raises(AssertionError):
        check_under_torch(parse_case(_case(tmp_path, "leaf-add", other)))
    # declared to raise, runs clean
    clean = ("# case: quiet\n# expect: clean\n# torch: raises 'boom'\n\nimport torch\nx = torch.ones(2)\n")
    with pytest.raises(pytest.fail.Exception, match="ran clean"):
        check_under_torch(parse_case(_case(tmp_path, "quiet", clean)))
    # declared clean, check false; declared clean, raises
    false_check = ("# case: f\n# expect: clean\n# torch: clean\n# check: x.sum() == 3\n\n"
                   "import torch\nx = torch.ones(2)\n")
    with pytest.raises(AssertionError, match="is not true"):
        check_under_torch(parse_case(_case(tmp_path, "f", false_check)))
    with pytest.raises(pytest.fail.Exception, match="raised"):
        check_under_torch(parse_case(_case(tmp_path, "leaf-add", FLAGGED.replace(
            '# torch: raises "a leaf Variable that requires grad"', "# torch: clean\n# check: True"))))
    # declared clean, but the analyzer finds something
    unmarked = FLAGGED.replace("# expect: markers", "# expect: clean").replace("  # error: IPL001", "")
    with pytest.raises(AssertionError):
        check_statically(parse_case(_case(tmp_path, "leaf-add", unmarked)))


def test_a_known_gap_is_a_strict_xfail(tmp_path):
    # a known miss that is still missed: xfailed
    missed = FLAGGED.replace("# torch:", "# known-miss: the analysis is told nothing\n# torch:").replace(
        "w = torch.zeros(3, requires_grad=True)\nw.add_(1)  # error: IPL001",
        "w = torch.zeros(3, requires_grad=True)\nw.add_(1)\nw.add_(1)  # error: IPL001")
    case = parse_case(_case(tmp_path, "leaf-add", missed))
    assert case.known_miss == "the analysis is told nothing"
    with pytest.raises(pytest.xfail.Exception, match="known-miss: the analysis is told nothing"):
        check_statically_or_known_gap(case)
    # a known miss the analysis now catches: a loud failure
    caught = parse_case(_case(tmp_path, "leaf-add", FLAGGED.replace("# torch:", "# known-miss: stale\n# torch:")))
    with pytest.raises(pytest.fail.Exception, match="remove the header"):
        check_statically_or_known_gap(caught)
    # a known false positive, symmetrically
    fp = FLAGGED.replace("# expect: markers", "# expect: clean\n# known-false-positive: flags a leaf").replace(
        "  # error: IPL001", "")
    case = parse_case(_case(tmp_path, "leaf-add", fp))
    with pytest.raises(pytest.xfail.Exception, match="known-false-positive: flags a leaf"):
        check_statically_or_known_gap(case)
    quiet = ("# case: quiet\n# expect: clean\n# known-false-positive: stale\n# torch: clean\n# check: True\n\n"
             "import torch\nx = torch.ones(2)\n")
    with pytest.raises(pytest.fail.Exception, match="remove the header"):
        check_statically_or_known_gap(parse_case(_case(tmp_path, "quiet", quiet)))


@pytest.mark.parametrize("header, message", [
    ("# case: other\n# expect: clean\n# torch: clean\n# check: True\n", "not the file's name"),
    ("# case: bad\n# expect: clean\n# torch: clean\n", "'check:' is required"),
    ("# case: bad\n# expect: clean\n# torch: raises 'x'\n# check: True\n", "'check:' is required"),
    ("# case: bad\n# expect: nothing\n# torch: clean\n# check: True\n", "'expect:' is 'clean' or 'markers'"),
    ("# case: bad\n# expect: clean\n# torch: raises x\n", "'torch:' is 'clean' or 'raises"),
    ("# case: bad\n# expect: clean\n# torch: clean\n# check: True\n# color: red\n", "unknown header key 'color'"),
    ("# case: bad\n# case: bad\n# expect: clean\n# torch: clean\n# check: True\n", "given twice"),
    ("# case: bad\n# torch: clean\n# check: True\n", "missing header expect"),
    ("# case: bad\n#expect: clean\n# torch: clean\n# check: True\n", "is not '# key: value'"),
    ("# case: bad\n# expect: markers\n# torch: clean\n# check: True\n", "'expect: markers' but the file has 0"),
    ("# case: bad\n# expect: clean\n# torch: clean\n# check: True\n\nx = 1  # warning: IPL004\n",
     "'expect: clean' but the file has 1"),
    ("# case: bad\n# expect: clean\n# known-miss: why\n# torch: clean\n# check: True\n",
     "'known-miss:' goes only with 'expect: markers'"),
    ("# case: bad\n# expect: markers\n# known-false-positive: why\n# torch: clean\n# check: True\n\nx = 1  # error: IPL001\n",
     "'known-false-positive:' goes only with 'expect: clean'"),
    ("# case: bad\n# expect: clean\n# known_miss: why\n# torch: clean\n# check: True\n", "is not '# key: value'"),
])
def test_malformed_headers_are_rejected(tmp_path, header, message):
    with pytest.raises(CaseError, match=re.escape(message)):
        parse_case(_case(tmp_path, "bad", header + "\nx = 1\n"))


# --------------------------------------------------------------------------------------------------------------------
# bench/realbugs.py, the recall/precision report over real-bugs/ and real-lookalikes/


def _realbugs():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_realbugs_for_tests", ROOT / "bench" / "realbugs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_realbugs_report_agrees_with_the_case_headers():
    realbugs = _realbugs()
    summary = realbugs.summarize(realbugs.run(CASES_DIR))
    bugs = [c for c in CASES if c.path.parent.name == "real-bugs"]
    lookalikes = [c for c in CASES if c.path.parent.name == "real-lookalikes"]
    assert (summary["bug_cases"], summary["lookalike_cases"]) == (len(bugs), len(lookalikes))
    # a bug's static test fails (it carries a known-miss) exactly when the report misses it or finds more than its
    # markers there (a finding on an unmarked line of a bug case counts against precision)
    missed = {m["case"] for m in summary["misses"]}
    extra = {fp["case"] for fp in summary["false_positives"] if fp["case"].startswith("real-bugs/")}
    assert missed | extra == {c.id for c in bugs if c.known_miss}
    assert all(m["known_miss"] for m in summary["misses"])
    flagged = {fp["case"] for fp in summary["false_positives"] if fp["case"].startswith("real-lookalikes/")}
    assert flagged == {c.id for c in lookalikes if c.known_false_positive}
    assert 0 <= summary["true_positives"] <= summary["findings"]
    assert realbugs.render(summary).count("| **total** |") == 1


def test_the_realbugs_report_counts_recall_and_precision(tmp_path):
    realbugs = _realbugs()
    bugs, lookalikes = tmp_path / "real-bugs", tmp_path / "real-lookalikes"
    bugs.mkdir()
    lookalikes.mkdir()
    (bugs / "found.py").write_text(FLAGGED.replace("leaf-add", "found"), encoding="utf-8")
    (bugs / "missed.py").write_text(
        "# case: missed\n# expect: markers\n# known-miss: a helper\n# torch: raises 'x'\n\nimport torch\n\n\n"
        "def f(w):\n    w.add_(1)  # error: IPL001\n", encoding="utf-8")
    (lookalikes / "flagged.py").write_text(
        "# case: flagged\n# expect: clean\n# known-false-positive: why\n# torch: clean\n# check: True\n\nimport torch\n"
        "w = torch.zeros(3, requires_grad=True)\nw.mul_(2)\n", encoding="utf-8")
    s = realbugs.summarize(realbugs.run(tmp_path))
    assert (s["found"], s["recall"]) == (1, 0.5)
    assert (s["true_positives"], s["findings"], s["precision"]) == (1, 2, 0.5)
    assert s["families"]["IPL001"]["bug_cases"] == 2 and s["families"]["IPL001"]["recall"] == 0.5
    assert [m["case"] for m in s["misses"]] == ["real-bugs/missed"] and s["misses"][0]["known_miss"] == "a helper"
    assert [(fp["case"], fp["known_false_positive"]) for fp in s["false_positives"]] == [("real-lookalikes/flagged", "why")]
