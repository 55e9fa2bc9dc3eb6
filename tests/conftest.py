"""Shared fixtures.

Every test runs against the real rule catalog (rules/*.md) and the real analyzer.  Tests of the engine/CLI plumbing
that want a predictable stand-in opt in with ``fake_analyzer`` (a fake analyzer that flags ``x.add_/mul_/zero_(...)``
plus a small matching catalog) or ``fake_rules`` (the small catalog alone)."""
from __future__ import annotations

import ast
import textwrap

import pytest

from inplace_lint import catalog, engine
from inplace_lint.diagnostics import Diagnostic, Edit, Fix

RULE_DOC = """---
code: {code}
name: {name}
severity: {severity}
summary: {summary}
fix: {fix}
---
# {code} `{name}`

## What it does
{summary}.

## Example
```python bad raises="boom"
x.{method}(1)  # {severity}: {code}
```
"""

# method name -> (code, name, severity, fix kind); the fake analyzer flags `anything.<method>(...)`.
FAKE_RULES = {
    "add_": ("IPL001", "inplace-on-leaf", "error", "safe"),
    "mul_": ("IPL002", "inplace-on-leaf-view", "error", "none"),
    "zero_": ("IPL004", "data-mutation", "warning", "display-only"),
}


@pytest.fixture(autouse=True)
def real_catalog(monkeypatch):
    """The real catalog for every test, whatever the developer's environment says (opt out with ``fake_rules``)."""
    monkeypatch.delenv(catalog.RULES_DIR_ENV, raising=False)


@pytest.fixture
def fake_rules(real_catalog, tmp_path_factory, monkeypatch):
    """Opt-in: a small catalog with IPL001, IPL002 and IPL004 (plus the built-in IPL900/IPL901), matching
    ``fake_analyze``; returns its folder."""
    folder = tmp_path_factory.mktemp("rules")
    for method, (code, name, severity, fix) in FAKE_RULES.items():
        (folder / f"{code}-{name}.md").write_text(RULE_DOC.format(
            code=code, name=name, severity=severity, fix=fix, method=method, summary=f"Fake rule {name}"))
    monkeypatch.setenv(catalog.RULES_DIR_ENV, str(folder))
    return folder


def _fix(kind: str, source: str = "", line: int = 0):
    if kind == "safe":  # a finished fix: the flagged line under `with torch.no_grad():`
        text = source.splitlines(keepends=True)[line - 1] if 0 < line <= len(source.splitlines()) else ""
        indent = text[:len(text) - len(text.lstrip())]
        body = text if text.endswith("\n") else text + "\n"
        new = f"{indent}with torch.no_grad():\n    {body}"
        return Fix("Wrap the statement in `with torch.no_grad():`", "safe", edits=(Edit(line, 1, line + 1, 1, new),))
    if kind == "display-only":
        return Fix("Clone before mutating", "display-only", template="y = x.clone()\ny.zero_()")
    return None


def fake_analyze(source: str, path: str = "<string>"):
    """Flags `<expr>.add_/mul_/zero_(...)` calls (with stmt_line set) and reports syntax errors as IPL900."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        line = exc.lineno or 1
        return [Diagnostic(path, line, exc.offset or 1, line, (exc.offset or 1) + 1, "IPL900", "syntax-error",
                           "error", f"syntax error: {exc.msg}")]
    stmt_line = {}
    for stmt in ast.walk(tree):  # outer statements first, so the innermost one wins
        if isinstance(stmt, ast.stmt):
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call):
                    stmt_line[node] = stmt.lineno
    found = []
    for call, first_line in stmt_line.items():
        if isinstance(call.func, ast.Attribute) and call.func.attr in FAKE_RULES:
            code, name, severity, fix = FAKE_RULES[call.func.attr]
            found.append(Diagnostic(path, call.lineno, call.col_offset + 1, call.end_lineno, call.end_col_offset + 1,
                                    code, name, severity, f"in-place `{call.func.attr}` flagged", fix=_fix(fix, source, first_line),
                                    stmt_line=first_line))
    return sorted(found, key=Diagnostic.sort_key)


def fake_analyze_for_fixes(source: str, path: str = "<string>"):
    """``fake_analyze`` in the shape of the engine's analysis seam (``engine.analyze_for_fixes``)."""
    return None, source, fake_analyze(source, path)


@pytest.fixture
def fake_analyzer(fake_rules, monkeypatch):
    """Opt-in: the engine runs ``fake_analyze`` against the ``fake_rules`` catalog."""
    monkeypatch.setattr(engine, "analyze_for_fixes", fake_analyze_for_fixes)
    return fake_analyze


@pytest.fixture
def write(tmp_path):
    """write("pkg/a.py", "code") -> the path, creating folders; the code is dedented."""
    def _write(rel: str, text: str = "", data: bytes = None):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return _write
