"""The language server reports what the CLI reports: for every example of every rule doc (``rules/*.md``: bad, good
and fixed), the diagnostics ``inplace-lint server`` publishes for the example opened as a buffer equal the findings
of ``inplace-lint --format json`` on the same file -- position, code, severity, message, related locations, name and
the fix with its edits.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

pytest.importorskip("pygls")
pytest.importorskip("pytest_lsp")

import pytest_lsp  # noqa: E402
from pytest_lsp import LanguageClient  # noqa: E402

from inplace_lint import catalog  # noqa: E402
from lsp_support import config, diagnostics_for, open_text, server_env, start  # noqa: E402


def _column(line_text: str, units: int) -> int:
    """A UTF-16 column (the test client's encoding) as the CLI's 1-based column in characters."""
    count, i = 0, 0
    while i < len(line_text) and count < units:
        count += 2 if ord(line_text[i]) > 0xFFFF else 1
        i += 1
    return i + 1


def _from_server(diag, lines):
    def pos(p):
        text = lines[p.line] if p.line < len(lines) else ""
        return p.line + 1, _column(text, p.character)

    (line, col), (end_line, end_col) = pos(diag.range.start), pos(diag.range.end)
    related = [dict(zip(("line", "col"), pos(r.location.range.start)), message=r.message)
               for r in diag.related_information or []]
    severity = "error" if diag.severity == 1 else "warning"
    return {"line": line, "col": col, "end_line": end_line, "end_col": end_col, "code": diag.code,
            "name": diag.data["name"], "severity": severity, "message": diag.message, "fix": diag.data["fix"],
            "related": related}


def _from_cli(entry):
    keys = ("line", "col", "end_line", "end_col", "code", "name", "severity", "message", "fix")
    return {**{k: entry[k] for k in keys}, "related": entry.get("related", [])}


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    files = {}
    for rule in catalog.all_rules().values():
        for ex in rule.examples():
            name = re.sub(r"[^\w-]", "_", ex.name) + ".py"
            (folder / name).write_text(ex.source, encoding="utf-8")
            files[name] = ex.source
    return folder, files


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient, examples):
    await start(lsp_client, examples[0])
    yield
    await lsp_client.shutdown_session()


@pytest.mark.slow
@pytest.mark.asyncio
async def test_server_diagnostics_equal_the_cli_json_for_every_rule_example(client, examples):
    folder, files = examples
    assert len(files) > 50
    cli = subprocess.run([sys.executable, "-m", "inplace_lint", "--format", "json", "--no-cache", "--exit-zero", "."],
                         cwd=str(folder), env=server_env(), capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    expected = {name: [] for name in files}
    for entry in json.loads(cli.stdout):
        expected[entry["path"]].append(_from_cli(entry))
    assert sum(len(v) for v in expected.values()) > 50

    for name, text in files.items():
        open_text(client, (folder / name).as_uri(), text)
    for name, text in files.items():
        diags = await diagnostics_for(client, (folder / name).as_uri(), 1, timeout=120)
        lines = text.splitlines()
        got = [_from_server(d, lines) for d in diags]
        assert got == expected[name], name
