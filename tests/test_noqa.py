"""``# noqa`` hygiene (issue #18, item 6): malformed directives suppress nothing, IPL902 reports unused / non-enabled /
unknown codes with a safe fix, file-level ``# inplace-lint: noqa``, ``--add-noqa``. The real analyzer throughout."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from inplace_lint.cli import cli
from inplace_lint.config import resolve_settings
from inplace_lint.engine import check_source
from inplace_lint.fixes import fix_text
from inplace_lint import engine

HEAD = "import torch\n\nw = torch.ones(3, requires_grad=True)\n"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def found(body, **options):
    settings = resolve_settings(["."], no_config=True, **options)
    return [(d.line, d.code, d.message) for d in check_source(HEAD + body, "t.py", settings)]


def codes(body, **options):
    return [(line, code) for line, code, _ in found(body, **options)]


@pytest.mark.parametrize("comment", ["# noqa: IPL-001", "# noqa: inplace-on-leaf", "# noqa:", "# NOQA : ipl_001"])
def test_malformed_noqa_suppresses_nothing_and_is_reported(comment):
    out = found(f"w.add_(1)  {comment}\n")
    assert [(line, code) for line, code, _ in out] == [(4, "IPL001"), (4, "IPL902")]
    assert out[1][2].startswith("Malformed `noqa` directive")


def test_valid_forms_still_suppress():
    for comment in ("# noqa", "# noqa: IPL001", "# noqa:ipl001", "# noqa: E501, IPL001", "# noqa: IPL001 why"):
        assert codes(f"w.add_(1)  {comment}\n") == [], comment


def test_unused_unknown_and_non_enabled_codes():
    out = found("with torch.no_grad():\n    w.add_(1)  # noqa: IPL001, IPL999, E501\n")
    assert [(line, code) for line, code, _ in out] == [(5, "IPL902")]
    assert out[0][2] == "Unused `noqa` directive (unused: `IPL001`; unknown: `IPL999`)"
    off = found("w.add_(1)  # noqa: IPL001, IPL004\n", ignore=["IPL004"])
    assert [(c, m) for _, c, m in off] == [("IPL902", "Unused `noqa` directive (non-enabled: `IPL004`)")]


def test_foreign_codes_blanket_noqa_and_ignoring_ipl902_are_left_alone():
    assert codes("x = 1  # noqa: E501, F401\n") == []
    assert codes("x = 1  # noqa\n") == []
    assert codes("x = 1  # noqa: IPL001, IPL902\n") == []  # suppressing the rule itself on that line
    assert codes("x = 1  # noqa: IPL001\n", ignore=["IPL902"]) == []


def test_no_unused_noqa_in_a_file_that_does_not_parse():
    assert codes("def f(:\n    w.add_(1)  # noqa: IPL001\n") == [(4, "IPL900")]


def test_file_level_noqa():
    body = "(w * w).sum().backward()\nw.data.add_(-0.1 * w.grad)\nw.add_(1)\n"
    assert codes(body) == [(5, "IPL004"), (6, "IPL001")]
    assert codes("# inplace-lint: noqa\n" + body) == []
    assert codes("# inplace-lint: noqa: IPL004\n" + body) == [(7, "IPL001")]
    assert codes("# inplace-lint: noqa: IPL003\n" + body) == [(4, "IPL902"), (6, "IPL004"), (7, "IPL001")]
    malformed = found("# inplace-lint: noqa: data-mutation\n" + body)
    assert [(line, code) for line, code, _ in malformed] == [(4, "IPL902"), (6, "IPL004"), (7, "IPL001")]
    assert malformed[0][2].startswith("Malformed file-level `noqa` directive")


@pytest.mark.parametrize("line, fixed", [
    ("    w.add_(1)  # noqa: IPL001\n", "    w.add_(1)\n"),
    ("    w.add_(1)  # noqa: IPL001, E501\n", "    w.add_(1)  # noqa: E501\n"),
    ("    w.add_(1)  # noqa: IPL001 it was a leaf\n", "    w.add_(1)  # it was a leaf\n"),
    ("    w.add_(1)  # type: ignore  # noqa: IPL001\n", "    w.add_(1)  # type: ignore\n"),
])
def test_the_fix_removes_what_is_unused(line, fixed):
    source = HEAD + "with torch.no_grad():\n" + line
    settings = resolve_settings(["."], no_config=True)
    result = fix_text(source, "t.py", check=lambda t: engine.analyze_text(t, "t.py", settings, fix_budget=None))
    assert result.source == HEAD + "with torch.no_grad():\n" + fixed
    assert result.remaining == []


def test_fix_through_the_cli_then_nothing_is_left(write):
    write("a.py", HEAD + "w.add_(1)  # noqa: IPL001, IPL004\n")
    result = CliRunner().invoke(cli, ["--no-cache", "--fix", "a.py"])
    assert result.exit_code == 0, result.output
    assert (HEAD + "w.add_(1)  # noqa: IPL001\n") == open("a.py").read()


def test_add_noqa_makes_the_next_run_clean(write):
    write("a.py", HEAD + "(w * w).sum().backward()\nw.data.add_(-0.1 * w.grad)  # keep me\nw.add_(1)\n"
                         "w.mul_(\n    2)\nw.data.sub_(w.grad)  # noqa: E501\n")
    write("clean.py", "x = 1\n")
    runner = CliRunner()
    added = runner.invoke(cli, ["--no-cache", "--add-noqa", "."])
    assert added.exit_code == 0, added.output
    assert added.stderr == "Added 4 noqa directives.\n"
    assert open("a.py").read() == HEAD + (
        "(w * w).sum().backward()\n"
        "w.data.add_(-0.1 * w.grad)  # noqa: IPL004 # keep me\n"
        "w.add_(1)  # noqa: IPL001\n"
        "w.mul_(  # noqa: IPL001\n"
        "    2)\n"
        "w.data.sub_(w.grad)  # noqa: E501, IPL004\n")
    assert open("clean.py").read() == "x = 1\n"
    again = runner.invoke(cli, ["--no-cache", "."])
    assert again.exit_code == 0, again.output
    assert runner.invoke(cli, ["--no-cache", "--add-noqa", "."]).stderr == "Added 0 noqa directives.\n"
