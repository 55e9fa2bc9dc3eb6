"""``[*]`` never lies: for every rule example and every test fixture, a finding is marked fixable exactly when
``--fix`` (``--fix --unsafe-fixes`` for unsafe fixes) changes the file, and each fixable finding's own edits, applied
alone, change the text into code that still compiles.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from inplace_lint import engine
from inplace_lint.diagnostics import is_fixable
from inplace_lint.edits import apply_edits
from inplace_lint.fixes import fix_text
from test_rule_examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_DIRS = [ROOT / "tests" / name for name in ("fixtures", "snippets", "cases")] + [ROOT / "examples"]


# files whose --fix does not settle today (strict: the xfail fails the day it is fixed, so the entry goes)
KNOWN_UNSETTLED: dict = {}


def _sources():
    out = [pytest.param(p.values[1].source, id=p.values[1].name) for p in EXAMPLES]
    for folder in FIXTURE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            marks = [pytest.mark.xfail(reason=KNOWN_UNSETTLED[rel], strict=True)] if rel in KNOWN_UNSETTLED else []
            out.append(pytest.param(path.read_text(encoding="utf-8"), id=rel, marks=marks))
    return out


SOURCES = _sources()


def test_the_corpus_has_fixable_and_unfixable_findings():
    """The exactness test below means something only if both kinds occur."""
    kinds = set()
    for p in SOURCES:
        for d in engine.analyze_text(p.values[0], "example.py"):
            kinds.add("safe" if is_fixable(d) else "unsafe" if is_fixable(d, unsafe=True) else "none")
    assert kinds == {"safe", "unsafe", "none"}


@pytest.mark.parametrize("source", SOURCES)
def test_marked_fixable_exactly_when_fix_changes_the_file(source):
    found = engine.analyze_text(source, "example.py")
    for d in found:
        if is_fixable(d, unsafe=True):
            alone = apply_edits(source, d.fix.edits)
            assert alone is not None and alone != source, f"{d.code} at line {d.line}: its edits change nothing"
            compile(alone, "example.py", "exec", dont_inherit=True)
    for unsafe in (False, True):
        result = fix_text(source, "example.py", unsafe=unsafe)
        assert result.error is None, result.error
        marked = any(is_fixable(d, unsafe) for d in found)
        assert result.changed == marked, (f"--fix{' --unsafe-fixes' if unsafe else ''}: marked fixable {marked}, "
                                          f"changed {result.changed}")
