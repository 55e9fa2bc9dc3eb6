"""The engine: discovery, decoding, filtering (selection, per-file-ignores, noqa), error handling."""
from __future__ import annotations

import io
import os

import pytest

from inplace_lint import engine, sources
from inplace_lint.config import Settings, resolve_settings
from inplace_lint.engine import (UnreadableSource, check_source, decode_source, discover, lint_paths, noqa_lines,
                                 parse_noqa)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def codes_at(diags):
    return [(d.path, d.line, d.code) for d in diags]


def lint(*paths, **options):
    return lint_paths(list(paths), resolve_settings(list(paths), **options))


# ---------------------------------------------------------------------------------------------------------------
# Decoding


def test_decode_utf8_bom():
    assert decode_source(b"\xef\xbb\xbfx = 'caf\xc3\xa9'\n") == "x = 'café'\n"


def test_decode_coding_cookie():
    assert decode_source(b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n").endswith("x = 'café'\n")


@pytest.mark.parametrize("data, reason", [
    (b"x = 1\x00\n", "NUL bytes"),
    (b"x = 'caf\xe9'\n", "cannot decode as utf-8"),
    (b"# coding: no-such-codec\nx = 1\n", "unknown encoding"),
])
def test_decode_failures(data, reason):
    with pytest.raises(UnreadableSource, match=reason):
        decode_source(data)


def test_unreadable_files_become_ipl901(write, fake_analyzer):
    write("bin.py", data=b"\x7fELF\x00\x00")
    write("latin.py", data=b"x = 'caf\xe9'\n")
    write("cookie.py", data=b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\nx.add_(1)\n")
    write("bom.py", data=b"\xef\xbb\xbfx.add_(1)\n")
    result = lint(".")
    assert codes_at(result.diagnostics) == [
        ("bin.py", 1, "IPL901"), ("bom.py", 1, "IPL001"), ("cookie.py", 3, "IPL001"), ("latin.py", 1, "IPL901")]
    assert "NUL" in result.diagnostics[0].message
    assert result.diagnostics[0].col == 1 and result.diagnostics[0].name == "unreadable"
    assert result.errors == []


def test_permission_error_is_ipl901(write, monkeypatch):
    write("a.py", "x = 1\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sources, "open", denied, raising=False)
    result = lint("a.py")
    assert [(d.code, d.message) for d in result.diagnostics] == [("IPL901", "permission denied")]


# ---------------------------------------------------------------------------------------------------------------
# Discovery


def test_discovery_sorted_py_and_pyi_only(write):
    for rel in ("b.py", "a.pyi", "c.txt", "sub/z.py", "sub/a.py", "README.md"):
        write(rel)
    files, errors = discover(["."], Settings())
    assert [str(f) for f in files] == ["a.pyi", "b.py", os.path.join("sub", "a.py"), os.path.join("sub", "z.py")]
    assert errors == []


def test_default_excludes(write):
    for rel in (".git/x.py", ".venv/x.py", "venv/x.py", "build/x.py", "dist/x.py", "__pycache__/x.py",
                "node_modules/x.py", "lib/site-packages/x.py", ".tox/x.py", ".inplace_lint_cache/x.py",
                "myenv/pyvenv.cfg", "myenv/lib/x.py", "env/x.py", "src/ok.py"):
        write(rel)
    files, _ = discover(["."], Settings())
    # `env` without a pyvenv.cfg is an ordinary folder
    assert sorted(str(f) for f in files) == [os.path.join("env", "x.py"), os.path.join("src", "ok.py")]


def test_config_exclude_globs(write):
    write("pyproject.toml", """
        [tool.inplace-lint]
        exclude = ["legacy/", "*_pb2.py"]
        extend-exclude = ["src/gen/**"]
    """)
    for rel in ("legacy/a.py", "src/legacy/b.py", "src/m_pb2.py", "src/gen/deep/c.py", "src/ok.py"):
        write(rel)
    files, _ = discover(["."], resolve_settings(["."]))
    assert [str(f) for f in files] == [os.path.join("src", "ok.py")]


def test_explicit_folder_under_an_excluded_one_is_walked(write):
    write("pyproject.toml", '[tool.inplace-lint]\nexclude = ["legacy/"]\n')
    write("legacy/sub/a.py")
    assert discover(["."], resolve_settings(["."]))[0] == []
    assert [str(f) for f in discover(["legacy/sub"], resolve_settings(["."]))[0]] == [
        os.path.join("legacy", "sub", "a.py")]
    assert discover(["legacy/sub"], resolve_settings(["."], force_exclude=True))[0] == []


def test_explicit_file_linted_even_if_excluded_unless_force_exclude(write, fake_analyzer):
    write("pyproject.toml", '[tool.inplace-lint]\nexclude = ["gen"]\n')
    write("gen/a.py", "x.add_(1)\n")
    write("build/b.py", "x.add_(1)\n")
    assert len(lint("gen/a.py", "build/b.py").diagnostics) == 2
    assert lint("gen/a.py", "build/b.py", force_exclude=True).diagnostics == []


def test_symlink_loop_and_duplicates(write, tmp_path):
    write("pkg/a.py", "x = 1\n")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    os.symlink(tmp_path / "pkg" / "a.py", tmp_path / "alias.py")
    files, _ = discover([".", "pkg/a.py"], Settings())
    assert [str(f) for f in files] == ["alias.py"]  # alias.py and pkg/a.py are one file


def test_missing_path_is_an_error_and_others_still_linted(write, fake_analyzer):
    write("a.py", "x.add_(1)\n")
    result = lint("nope.py", "a.py")
    assert codes_at(result.diagnostics) == [("a.py", 1, "IPL001")]
    assert [str(e) for e in result.errors] == ["inplace-lint: error: path not found: nope.py"]


# ---------------------------------------------------------------------------------------------------------------
# Running the analyzer


def test_syntax_error_reported_and_other_files_linted(write, fake_analyzer):
    write("a_bad.py", "def f(:\n")
    write("b.py", "x.add_(1)\n")
    result = lint(".")
    assert codes_at(result.diagnostics) == [("a_bad.py", 1, "IPL900"), ("b.py", 1, "IPL001")]


def test_analyzer_crash_is_an_internal_error_for_that_file_only(write, monkeypatch):
    write("a.py", "boom\n")
    write("b.py", "x.add_(1)\n")

    def analyze(source, path):
        if "boom" in source:
            raise ValueError("kaboom")
        from conftest import fake_analyze_for_fixes
        return fake_analyze_for_fixes(source, path)

    monkeypatch.setattr(engine, "analyze_for_fixes", analyze)
    result = lint(".")
    assert codes_at(result.diagnostics) == [("b.py", 1, "IPL001")]
    assert [str(e) for e in result.errors] == ["a.py: internal error: ValueError: kaboom"]


def test_deterministic_ordering(write, fake_analyzer):
    write("z.py", "x.zero_(); y.add_(1)\nx.mul_(2)\n")
    write("a/b.py", "x.mul_(2)\n")
    write("a.py", "x.add_(1)\n")
    first = lint("z.py", ".", "a.py")
    assert codes_at(first.diagnostics) == [
        ("a.py", 1, "IPL001"), (os.path.join("a", "b.py"), 1, "IPL002"),
        ("z.py", 1, "IPL004"), ("z.py", 1, "IPL001"), ("z.py", 2, "IPL002")]
    assert [d.to_json() for d in lint(".").diagnostics] == [d.to_json() for d in first.diagnostics]


def test_paths_under_cwd_reported_relative(write, tmp_path, fake_analyzer):
    write("pkg/a.py", "x.add_(1)\n")
    result = lint(str(tmp_path / "pkg" / "a.py"))
    assert result.diagnostics[0].path == os.path.join("pkg", "a.py")


def test_stdin_with_filename(write, fake_analyzer):
    write("pyproject.toml", '[tool.inplace-lint.per-file-ignores]\n"tests/*" = ["IPL002"]\n')
    settings = resolve_settings(["-"], stdin_filename="tests/t.py")
    text = b"x.add_(1)\nx.mul_(1)\n"
    result = lint_paths(["-"], settings, stdin_filename="tests/t.py", stdin=io.BytesIO(text))
    assert codes_at(result.diagnostics) == [(os.path.join("tests", "t.py"), 1, "IPL001")]
    result = lint_paths(["-"], Settings(), stdin=io.BytesIO(text))
    assert codes_at(result.diagnostics) == [("-", 1, "IPL001"), ("-", 2, "IPL002")]


# ---------------------------------------------------------------------------------------------------------------
# noqa


@pytest.mark.parametrize("comment, codes", [
    ("# noqa", {"*"}),
    ("# NOQA", {"*"}),
    ("#noqa", {"*"}),
    ("# noqa: IPL001", {"IPL001"}),
    ("# noqa:IPL001", {"IPL001"}),
    ("# noqa: ipl001,IPL002", {"IPL001", "IPL002"}),
    ("# noqa: IPL001, IPL002", {"IPL001", "IPL002"}),
    ("# noqa: IPL001 IPL002", {"IPL001", "IPL002"}),
    ("# type: ignore  # noqa: IPL004 -- reason", {"IPL004"}),
    ("# no qa", None),
    ("# noqanope", None),
    ("# a comment", None),
])
def test_parse_noqa(comment, codes):
    assert parse_noqa(comment) == codes


def test_noqa_in_string_does_not_count():
    assert noqa_lines('x = "# noqa"\ny = 1  # noqa: IPL001\n') == {2: {"IPL001"}}


def test_noqa_fallback_when_tokenize_fails():
    assert noqa_lines('x = """unterminated\n# noqa\n') == {2: {"*"}}


def check(text):
    return [(d.line, d.code) for d in check_source(text, "t.py", Settings())]


def test_noqa_filtering(fake_analyzer):
    source = (
        "a.add_(1)  # noqa\n"
        "b.add_(1)  # noqa: IPL001\n"
        "c.add_(1)  # noqa: IPL002\n"
        "d.add_(1); d.mul_(1)  # noqa:IPL002\n"
        "e.add_('# noqa')\n"
        "f.add_(1)  # NoQA: IPL004, IPL001\n"
    )
    # IPL902: line 3's IPL002 and line 6's IPL004 suppressed nothing
    assert check(source) == [(3, "IPL001"), (3, "IPL902"), (4, "IPL001"), (5, "IPL001"), (6, "IPL902")]


def test_noqa_on_first_line_of_multiline_statement(fake_analyzer):
    source = (
        "y = foo(  # noqa: IPL001\n"
        "    x.add_(1),\n"
        "    x.mul_(1),\n"
        ")\n"
        "z = foo(\n"
        "    x.add_(1),  # noqa\n"
        "    x.add_(1),\n"
        ")\n"
    )
    assert check(source) == [(3, "IPL002"), (7, "IPL001")]


def test_noqa_suppresses_syntax_error(fake_analyzer):
    assert check("def f(:  # noqa: IPL900\n") == []


# ---------------------------------------------------------------------------------------------------------------
# Selection, per-file-ignores, severity


def test_selection_is_applied(write, fake_analyzer):
    write("a.py", "x.add_(1)\nx.mul_(1)\nx.zero_()\n")
    assert [d.code for d in lint("a.py", select=["IPL00"], ignore=["IPL002"]).diagnostics] == ["IPL001", "IPL004"]
    assert [d.code for d in lint("a.py", select=["IPL002"], ignore=["IPL0"]).diagnostics] == ["IPL002"]
    assert [d.code for d in lint("a.py", select=["IPL9"], extend_select=["IPL004"]).diagnostics] == ["IPL004"]


def test_ipl900_and_ipl901_can_be_ignored(write, fake_analyzer):
    write("a.py", "def f(:\n")
    write("b.py", data=b"\x00")
    assert lint(".", ignore=["IPL9"]).diagnostics == []


def test_per_file_ignores(write, fake_analyzer):
    write("pyproject.toml", """
        [tool.inplace-lint.per-file-ignores]
        "tests/**" = ["IPL001"]
        "__init__.py" = ["ALL"]
        "scripts/" = ["IPL00"]
    """)
    for rel in ("tests/unit/t.py", "pkg/__init__.py", "scripts/s.py", "pkg/m.py"):
        write(rel, "x.add_(1)\nx.mul_(1)\n")
    result = lint(".")
    assert codes_at(result.diagnostics) == [
        (os.path.join("pkg", "m.py"), 1, "IPL001"), (os.path.join("pkg", "m.py"), 2, "IPL002"),
        (os.path.join("tests", "unit", "t.py"), 2, "IPL002")]


def test_severity_override(write, fake_analyzer):
    write("pyproject.toml", '[tool.inplace-lint.severity]\nIPL004 = "error"\nIPL00 = "warning"\n')
    write("a.py", "x.zero_()\nx.add_(1)\n")
    assert [(d.code, d.severity) for d in lint("a.py").diagnostics] == [("IPL004", "error"), ("IPL001", "warning")]


# ---------------------------------------------------------------------------------------------------------------
# The real analyzer (these start passing when it lands)

REAL_SNIPPET = """\
import torch
w = torch.randn(3, requires_grad=True)
w.add_(1)          # IPL001 at line 3 col 1
"""


def test_real_analyzer_finds_inplace_on_leaf():
    found = check_source(REAL_SNIPPET, "t.py", Settings())
    assert [(d.line, d.col, d.code) for d in found] == [(3, 1, "IPL001")]
    assert found[0].stmt_line == 3


def test_real_analyzer_reports_syntax_errors():
    assert [d.code for d in check_source("def f(:\n", "t.py", Settings())] == ["IPL900"]


def test_real_analyzer_noqa_suppresses():
    assert check_source(REAL_SNIPPET, "t.py", Settings())  # vacuous until the analyzer finds something
    assert check_source(REAL_SNIPPET.replace("# IPL001", "# noqa: IPL001"), "t.py", Settings()) == []
