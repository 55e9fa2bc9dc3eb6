"""Architecture of the rules (issue #17): one rule is one folder of ``inplace_lint/rules`` plus one doc in ``rules/``;
no code outside a rule's folder is keyed on its code; the analysis does not import the rules."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from inplace_lint import catalog, registry, rules

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "inplace_lint"
RULES = PACKAGE / "rules"
CODE = re.compile(r"^IPL[0-9]{3}$")


def _rule_folders():
    return sorted(p for p in RULES.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def _docstrings(tree: ast.AST):
    """The constant nodes that are docstrings (of the module, classes and functions)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def test_rule_codes_are_spelled_only_in_their_own_folder():
    """A string literal that is a rule code (docstrings aside) appears only inside that rule's folder."""
    folder_of = {p.name[:6].upper(): p for p in _rule_folders()}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docs:
                continue
            for code in re.findall(r"IPL[0-9]{3}", node.value):
                home = folder_of.get(code)
                if home is None or home not in path.parents:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not offenders, "rule codes spelled outside their rule folder:\n" + "\n".join(offenders)


def test_scan_catches_a_spelled_code(tmp_path):
    """Control for the scan above: it sees a code in an ordinary string."""
    tree = ast.parse('"""Doc IPL001."""\nX = "IPL001"\n')
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and id(n) not in _docstrings(tree) and re.search(r"IPL[0-9]{3}", n.value)]
    assert [n.lineno for n in found] == [2]


def test_every_rule_folder_has_a_doc_and_every_doc_a_folder():
    docs = {p.name.split("-", 1)[0]: p for p in (ROOT / "rules").glob("IPL*.md")}
    folders = {p.name[:6].upper(): p for p in _rule_folders()}
    assert set(docs) == set(folders)
    for code, folder in folders.items():
        doc = catalog.load_rule(docs[code])
        assert doc.code == code
        assert folder.name == f"{code.lower()}_{doc.name.replace('-', '_')}", folder.name
        assert docs[code].name == f"{code}-{doc.name}.md"


def test_rules_are_discovered_with_their_code_from_the_folder():
    assert rules.codes() == sorted(p.name[:6].upper() for p in _rule_folders())
    for package in rules.packages():
        assert CODE.match(package.CODE) and package.__name__.rsplit(".", 1)[1].startswith(package.CODE.lower() + "_")
    for cls in registry.check_classes():
        assert "name" not in vars(cls) and "severity" not in vars(cls), f"{cls.__name__} duplicates its doc"
        doc = catalog.packaged_rule(cls.code)
        check = cls()
        assert (check.name, check.severity) == (doc.name, doc.severity)


def test_engine_rules_have_no_decision_and_no_runtime():
    assert set(rules.engine_codes()) == {c for c in rules.codes() if c not in {k.code for k in registry.check_classes()}}
    for code in rules.engine_codes():
        assert rules.runtime_of(code) is None


def test_each_runtime_kind_is_reported_under_one_rule():
    kinds = rules.rule_of_kind()
    for code, runtime in rules.runtimes().items():
        assert runtime.confirms or runtime.raises, code
        for kind in runtime.reports:
            assert kinds[kind] == code


def test_the_analysis_does_not_import_the_rules():
    for path in sorted((PACKAGE / "analysis").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = ("." * node.level) + (node.module or "")
                names = [a.name for a in node.names]
                assert not (module.lstrip(".").startswith("rules") and node.level >= 2), (path, module)
                assert not (module == ".." and "rules" in names), (path, module)
                assert not module.startswith("inplace_lint.rules"), (path, module)
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("inplace_lint.rules") for a in node.names), path


def test_events_are_frozen_dataclasses_with_a_hook():
    import dataclasses
    import inspect

    from inplace_lint.analysis import events

    classes = [c for _, c in inspect.getmembers(events, inspect.isclass) if c.__module__ == events.__name__]
    assert classes
    for cls in classes:
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, cls
        assert cls.HOOK.startswith("on_"), cls
    hooks = [c.HOOK for c in classes]
    assert len(hooks) == len(set(hooks))


def test_checks_subscribe_only_to_existing_facts():
    import inspect

    from inplace_lint.analysis import events

    hooks = {c.HOOK for _, c in inspect.getmembers(events, inspect.isclass) if c.__module__ == events.__name__}
    for cls in registry.check_classes():
        subscribed = {n for n in vars(cls) if n.startswith("on_")}
        assert subscribed and subscribed <= hooks, (cls, subscribed - hooks)


def test_rules_do_not_reach_into_interpreter_internals():
    """Rules read a fact's fields and ask the context; the abstract state is only passed back to the context."""
    offenders = []
    for path in sorted(RULES.rglob("check.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "state"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: .state.{node.attr}")
            if isinstance(node, ast.Name) and node.id == "it":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: the interpreter `it`")
            if isinstance(node, ast.Attribute) and node.attr in ("current", "created_sites", "env", "checks"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    assert not offenders, "\n".join(offenders)


def test_the_interpreter_names_no_rule_and_no_hook():
    for name in ("interp.py", "torch_semantics.py"):
        text = (PACKAGE / "analysis" / name).read_text(encoding="utf-8")
        assert not re.search(r"IPL[0-9]", text), name
        assert not re.search(r"""["']on_[a-z_]+["']""", text), name
