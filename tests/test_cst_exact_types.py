"""The analysis tells LibCST node kinds apart by exact type (``type(node) is cst.Name``) where it is hot: an
``isinstance`` against a LibCST class goes through ``ABCMeta.__instancecheck__`` on every miss (about a tenth of a
cold run). That is only the same test while no LibCST class it names has a subclass: checked here for the installed
LibCST, so an upgrade that subclasses one fails this test instead of silently missing nodes."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import libcst as cst

ANALYSIS = Path(__file__).resolve().parent.parent / "inplace_lint" / "analysis"
_EXACT = re.compile(r"type\([^()]*(?:\([^()]*\))?[^()]*\)\s+(?:is not|is|not in|in)\s+(\([^)]*\)|cst\.\w+)")


def _named_classes():
    names = set()
    for path in ANALYSIS.glob("*.py"):
        for m in _EXACT.finditer(path.read_text(encoding="utf-8")):
            names.update(re.findall(r"cst\.(\w+)", m.group(1)))
    return names


def test_the_analysis_compares_exact_types():
    assert len(_named_classes()) > 30  # the regex still finds the comparisons


def test_every_class_compared_by_exact_type_is_a_concrete_leaf():
    for name in sorted(_named_classes()):
        cls = getattr(cst, name)
        assert inspect.isclass(cls) and issubclass(cls, cst.CSTNode), name
        assert not inspect.isabstract(cls), f"cst.{name} is abstract: use isinstance"
        assert not cls.__subclasses__(), f"cst.{name} has subclasses {cls.__subclasses__()}: use isinstance"


def test_no_isinstance_left_against_a_concrete_leaf_in_the_interpreter():
    """New code keeps the habit: ``isinstance(x, cst.Name)`` in the interpreter would pay the ABC check again."""
    text = (ANALYSIS / "interp.py").read_text(encoding="utf-8")
    leftovers = [m.group(0) for m in re.finditer(r"isinstance\([^,()]+,\s*cst\.(\w+)\)", text)
                 if not inspect.isabstract(getattr(cst, m.group(1))) and not m.group(1).startswith("Base")
                 and not getattr(cst, m.group(1)).__subclasses__()]
    assert leftovers == []
