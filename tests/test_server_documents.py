"""The language server's computations without the protocol (``inplace_lint/server/documents.py``): settings per
file, the early result, ``# noqa`` edits, notebook cells and fix-all. No pygls needed."""
from __future__ import annotations

import textwrap

from inplace_lint.edits import apply_edits
from inplace_lint.server import documents

LEAF = textwrap.dedent("""\
    import torch
    w = torch.zeros(3, requires_grad=True)
    w.add_(1)
""")


class Channel(list):
    def put(self, item):
        self.append(item)


def test_early_result_has_the_findings_without_their_unfinished_fixes(monkeypatch, tmp_path):
    channel = Channel()
    monkeypatch.setattr(documents, "_EARLY", channel)
    analysis = documents.lint_text(LEAF, str(tmp_path / "a.py"), str(tmp_path), job=7)
    assert [d.code for d in analysis.diagnostics] == ["IPL001"] and analysis.diagnostics[0].fix.edits
    [(job, early)] = channel
    assert job == 7 and early.fixes_pending
    assert [(d.code, d.line, d.message) for d in early.diagnostics] == \
        [(d.code, d.line, d.message) for d in analysis.diagnostics]
    assert early.diagnostics[0].fix is None


def test_settings_of_the_file_and_a_broken_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.inplace-lint]\nignore = [\"IPL001\"]\n")
    assert documents.lint_text(LEAF, str(tmp_path / "a.py"), use_cache=False).diagnostics == []
    (tmp_path / "pyproject.toml").write_text("[tool.inplace-lint]\nignore = [\"NOPE1\"]\n")
    analysis = documents.lint_text(LEAF, str(tmp_path / "a.py"), use_cache=False)
    assert "NOPE1" in analysis.config_error and [d.code for d in analysis.diagnostics] == ["IPL001"]


def test_noqa_edits():
    edit = documents.noqa_edit(LEAF, [3], "IPL001")
    assert apply_edits(LEAF, [edit]).endswith("w.add_(1)  # noqa: IPL001\n")
    with_codes = LEAF.replace("w.add_(1)", "w.add_(1)  # noqa: IPL004 (why)")
    edit = documents.noqa_edit(with_codes, [3], "IPL001")
    assert "w.add_(1)  # noqa: IPL004, IPL001 (why)\n" in apply_edits(with_codes, [edit])
    continued = "import torch\nw = torch.zeros(3, requires_grad=True)\nw.add_(1 + \\\n       2)\n"
    assert documents.noqa_edit(continued, [3], "IPL001") is None  # a comment after a backslash breaks the code
    bracketed = continued.replace(" \\\n", "\n")
    edit = documents.noqa_edit(bracketed, [3], "IPL001")
    assert "w.add_(1 +  # noqa: IPL001\n" in apply_edits(bracketed, [edit])
    assert documents.noqa_edit(LEAF.replace("w.add_(1)", "w.add_(1)  # noqa"), [3], "IPL001") is None


def test_notebook_fix_is_an_edit_of_its_cell_and_fix_all_matches():
    cells = [("markdown", "# title"), ("code", "import torch\nw = torch.zeros(3, requires_grad=True)"),
             ("code", "%time 1\nw.add_(1)\n")]
    analysis = documents.lint_notebook(cells, {}, None)
    [d] = analysis.diagnostics
    assert d.cell == (3, 2)
    per_cell = analysis.cell_fixes[0]
    assert list(per_cell) == [3]
    assert apply_edits(cells[2][1], per_cell[3]) == "%time 1\nwith torch.no_grad():\n    w.add_(1)\n"
    changed, error = documents.fix_all_notebook(cells, {}, None)
    assert error is None and changed == per_cell


def test_excluded_files_are_not_checked(tmp_path):
    (tmp_path / "inplace-lint.toml").write_text('exclude = ["gen/"]\n')
    analysis = documents.lint_text(LEAF, str(tmp_path / "gen" / "a.py"), use_cache=False)
    assert analysis.excluded and analysis.diagnostics == []
    assert documents.fix_all_text(LEAF, str(tmp_path / "gen" / "a.py")) == ((), None)
