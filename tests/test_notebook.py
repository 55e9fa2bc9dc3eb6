"""Jupyter notebooks: cells checked as one program, IPython syntax masked, diagnostics mapped back to cells,
malformed notebooks reported as IPL901, and fixes written back into the notebook JSON."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inplace_lint.cli import cli
from inplace_lint.config import resolve_settings
from inplace_lint.engine import UnreadableSource, lint_paths
from inplace_lint.notebook import Notebook, NotebookSource, fix_notebook_text, mask_magics


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def notebook(*cells, language="python", nbformat=4):
    """A notebook as nbformat writes it. A cell is "code text", ("markdown", text) or ("code", text, outputs)."""
    raw = []
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            cell = ("code", cell)
        kind, text = cell[0], cell[1]
        entry = {"cell_type": kind, "metadata": {"tags": [f"t{i}"]}, "source": text.splitlines(keepends=True)}
        if kind == "code":
            entry["execution_count"] = i
            entry["outputs"] = cell[2] if len(cell) > 2 else []
        raw.append(entry)
    meta = {"kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"},
            "language_info": {"name": language}}
    return json.dumps({"cells": raw, "metadata": meta, "nbformat": nbformat, "nbformat_minor": 5}, indent=1,
                      sort_keys=True, ensure_ascii=False) + "\n"


CROSS_CELL = notebook(
    ("markdown", "# Training\n"),
    "import torch\nw = torch.zeros(3, requires_grad=True)\n",
    ("markdown", "Some text"),
    ("code", "print(w)", [{"name": "stdout", "output_type": "stream", "text": ["tensor([0., 0., 0.])\n"]}]),
    "lr = 0.1\nw.add_(lr)\n",
)


def run(*args):
    return CliRunner().invoke(cli, ["--no-cache", *args])


def lint(*paths):
    return lint_paths(list(paths), resolve_settings(list(paths)))


# ---------------------------------------------------------------------------------------------------------------
# Cross-cell flow and reporting


def test_leaf_defined_in_cell_2_mutated_in_cell_5(write):
    write("nb.ipynb", CROSS_CELL)
    result = run("nb.ipynb")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("nb.ipynb:cell 5:2:1: IPL001 ")
    assert "at cell 2, line 2" in first  # "created at line N" speaks in cells too
    assert "2 | w.add_(lr)" in result.stdout  # the excerpt's gutter shows the line within the cell


def test_json_has_cell_and_cell_line(write):
    write("nb.ipynb", CROSS_CELL)
    (d,) = json.loads(run("--format", "json", "nb.ipynb").stdout)
    assert (d["code"], d["cell"], d["cell_line"], d["col"], d["end_col"]) == ("IPL001", 5, 2, 1, 11)


def test_notebooks_are_found_in_folders_and_clean_ones_pass(write):
    write("sub/nb.ipynb", CROSS_CELL)
    write("sub/clean.ipynb", notebook("import torch\nx = torch.zeros(3)\nx.add_(1)\n"))
    result = lint(".")
    assert [(d.path, d.code, d.cell) for d in result.diagnostics] == [("sub/nb.ipynb", "IPL001", (5, 2))]
    assert result.files_checked == 2


def test_noqa_in_a_cell(write):
    write("nb.ipynb", notebook("import torch\nw = torch.zeros(3, requires_grad=True)\n",
                               "w.add_(1)  # noqa: IPL001\n"))
    assert lint("nb.ipynb").diagnostics == []


def test_syntax_error_is_reported_in_its_cell(write):
    write("nb.ipynb", notebook("import torch\n", "x = 1\ndef f(:\n    pass\n"))
    (d,) = lint("nb.ipynb").diagnostics
    assert (d.code, d.cell) == ("IPL900", (2, 2))


def test_non_python_notebooks_are_skipped(write):
    write("r.ipynb", notebook("library(torch)\nx$add_(1)\n", language="R"))
    assert lint("r.ipynb").diagnostics == []


# ---------------------------------------------------------------------------------------------------------------
# Magics


MAGICS = notebook(
    "%matplotlib inline\n%load_ext autoreload\nimport torch\n!pip install tqdm\nfiles = !ls\n",
    "torch.zeros?\n??torch.ones\nw = torch.ones(2, requires_grad=True)\n",
    "%%time\nw.mul_(2)\n",  # a Python cell magic: the body is checked
    "%%bash\necho w.add_(1)\n",  # not Python: skipped
    'doc = """\n%not a magic, inside a string\n"""\nx = (1\n     % 2)\nfor i in range(2):\n    !echo $i\n'
    "    w.sub_(1)\n",
)


def test_magics_are_masked_and_positions_stay(write):
    write("nb.ipynb", MAGICS)
    result = lint("nb.ipynb")
    assert result.errors == []
    assert [(d.code, d.cell, d.col) for d in result.diagnostics] == [
        ("IPL001", (3, 2), 1), ("IPL001", (5, 8), 5)]


def test_mask_keeps_line_count_and_leaves_python_alone():
    magics = {}
    source = ("%matplotlib inline\nx = (1\n  % 2)\ns = '''\n%d items\n'''\ny = %time f()\n!pip install a \\\n"
              "   b\nif x:\n    !ls\nobj?\n")
    masked = mask_magics(source, magics)
    lines = masked.splitlines()
    assert len(lines) == len(source.splitlines())
    assert lines[0].startswith("pass  # inplace-lint: magic")
    assert lines[1:6] == ["x = (1", "  % 2)", "s = '''", "%d items", "'''"]
    assert lines[6].startswith("y = ...  #")
    assert lines[7].startswith("pass") and lines[8].startswith("pass")  # the continuation, at the same indent
    assert lines[10].startswith("    pass  #")
    assert lines[11].startswith("pass")
    compile(masked, "<masked>", "exec")
    assert sorted(orig for orig, _ in magics.values()) == sorted(
        ["%matplotlib inline", "y = %time f()", "!pip install a \\", "   b", "    !ls", "obj?"])


def test_non_python_cell_magic_masks_the_whole_cell():
    magics = {}
    masked = mask_magics("%%writefile x.py\nimport torch\n  nonsense(\n", magics)
    compile(masked, "<masked>", "exec")
    assert len(masked.splitlines()) == 3 and "torch" not in masked


# ---------------------------------------------------------------------------------------------------------------
# Malformed notebooks


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not valid JSON"),
    ("[]", "top level is not a JSON object"),
    (json.dumps({"nbformat": 3, "worksheets": []}), "nbformat 3"),
    (json.dumps({"nbformat": 4, "metadata": {}}), "no 'cells' list"),
    (json.dumps({"cells": []}), "no integer 'nbformat'"),
    (json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}), "cell 1 has a 'source'"),
    (json.dumps({"nbformat": 4, "cells": ["x"]}), "cell 1 is not a JSON object"),
])
def test_malformed_notebooks_are_ipl901(write, text, reason):
    write("bad.ipynb", text)
    result = lint("bad.ipynb")
    assert result.errors == []
    (d,) = result.diagnostics
    assert d.code == "IPL901" and reason in d.message, d.message
    with pytest.raises(UnreadableSource):
        Notebook.parse(text)


def test_malformed_notebook_through_the_cli(write):
    write("bad.ipynb", data=b"\xff\xfe{")
    result = run("bad.ipynb")
    assert result.exit_code == 1
    assert "bad.ipynb:1:1: IPL901 invalid notebook: not UTF-8" in result.stdout


# ---------------------------------------------------------------------------------------------------------------
# Writing back


def test_unchanged_program_round_trips_byte_for_byte():
    for text in (CROSS_CELL, MAGICS, CROSS_CELL.rstrip("\n"), json.dumps(json.loads(CROSS_CELL))):
        nb = Notebook.parse(text)
        assert nb.with_program(nb.source) == text


def test_source_as_a_string_and_pickling():
    import pickle

    text = json.dumps({"nbformat": 4, "nbformat_minor": 2, "metadata": {},
                       "cells": [{"cell_type": "code", "source": "import torch\nx = 1", "outputs": [],
                                  "metadata": {}, "execution_count": None}]}, indent=2)
    nb = Notebook.parse(text)
    src = NotebookSource(nb)
    again = pickle.loads(pickle.dumps(src))
    assert again == src and again.locate(3) == (1, 2)
    new = nb.with_program(nb.source.replace("x = 1", "x = 2"))
    data = json.loads(new)
    assert data["cells"][0]["source"] == "import torch\nx = 2"  # still a string, no newline added
    assert new.startswith('{\n  "nbformat"')  # indentation and key order kept


def test_fix_notebook_text_with_the_real_fixer_keeps_outputs_metadata_and_magics():
    from inplace_lint import fixes
    text = notebook(
        "%matplotlib inline\nimport torch\nw = torch.zeros(3, requires_grad=True)\n",
        ("code", "!echo hi\nprint(w)\n", [{"name": "stdout", "output_type": "stream", "text": ["hi\n"]}]),
        ("markdown", "Notes"),
        "for _ in range(2):\n    %time x = 1\n    w.add_(1)\n",
    )
    new = fix_notebook_text(text, lambda program: fixes.fix_text(program, "nb.ipynb").source)
    assert new is not None
    before, after = json.loads(text), json.loads(new)
    assert after["metadata"] == before["metadata"] and after["nbformat"] == before["nbformat"]
    for old_cell, new_cell in zip(before["cells"], after["cells"]):
        assert {k: v for k, v in old_cell.items() if k != "source"} == {
            k: v for k, v in new_cell.items() if k != "source"}
    assert after["cells"][:3] == before["cells"][:3]  # untouched cells are identical
    fixed = "".join(after["cells"][3]["source"])
    assert "%time x = 1" in fixed and "with torch.no_grad():" in fixed
    assert "# inplace-lint" not in fixed
    compile(Notebook.parse(new).source, "<fixed>", "exec")
    assert not [d for d in fixes.fix_text(Notebook.parse(new).source).remaining if d.code == "IPL001"]


def test_fixer_adding_lines_above_the_first_cell():
    text = notebook("w = make()\n")
    new = fix_notebook_text(text, lambda program: "import torch\n" + program)
    assert json.loads(new)["cells"][0]["source"] == ["import torch\n", "w = make()\n"]


def test_fixer_moving_cell_boundaries_is_refused():
    text = notebook("x = 1\n", "y = 2\n")
    with pytest.raises(ValueError, match="cell markers changed"):
        fix_notebook_text(text, lambda program: program.replace("# inplace-lint: cell 2\n", ""))


def test_cli_fix_rewrites_the_notebook(write):
    """`inplace-lint --fix nb.ipynb` goes through notebook.fix_notebook_text (fixes.fix_paths routes .ipynb)."""
    path = write("nb.ipynb", CROSS_CELL)
    result = run("--fix", "nb.ipynb")
    assert result.exit_code == 0, result.output
    after = json.loads(path.read_text(encoding="utf-8"))
    assert "with torch.no_grad():" in "".join(after["cells"][4]["source"])
    assert after["cells"][3]["outputs"] == json.loads(CROSS_CELL)["cells"][3]["outputs"]
