"""``inplace-lint server`` end to end: a real LSP client (pytest-lsp) drives the server over stdio.

One server process serves the module's tests (starting one costs about a second); the crash and shutdown tests
start their own. The server/CLI equality over every rule example is in ``test_server_equality.py``.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("pygls")
pytest.importorskip("pytest_lsp")

import pytest_lsp  # noqa: E402
from lsprotocol import types as lsp  # noqa: E402
from pytest_lsp import LanguageClient  # noqa: E402

from lsp_support import (KILL_MARKER, RAISE_MARKER, REPO, apply_text_edits, change_text, config,  # noqa: E402
                         diagnostics_for, edits_by_uri, open_text, server_env, start)

LEAF_BUG = textwrap.dedent("""\
    import torch

    w = torch.zeros(3, requires_grad=True)
    w.add_(1)
    loss = (w * 2).sum()
""")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("workspace")


@pytest_lsp.fixture(config=config(), scope="module")
async def client(lsp_client: LanguageClient, root):
    await start(lsp_client, root)
    yield
    await lsp_client.shutdown_session()


def _uri(root, name):
    return (root / name).as_uri()


async def _actions(client, uri, line, only=None):
    return await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        range=lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0)),
        context=lsp.CodeActionContext(diagnostics=[], only=only))) or []


@pytest.mark.asyncio(loop_scope="module")
async def test_unsaved_leaf_bug_gets_ipl001_and_its_quick_fix_clears_it(client, root):
    uri = _uri(root, "unsaved.py")  # never written to disk: the buffer's text is what is checked
    open_text(client, uri, LEAF_BUG)
    diags = await diagnostics_for(client, uri, 1)
    assert [(d.code, d.range.start.line) for d in diags] == [("IPL001", 3)]
    d = diags[0]
    assert d.severity == lsp.DiagnosticSeverity.Error and d.source == "inplace-lint"
    assert d.code_description.href.endswith("/rules/IPL001-inplace-on-leaf.md")
    assert (d.range.start.character, d.range.end.character) == (0, 9)
    assert d.data["fix"]["applicability"] == "safe"

    actions = await _actions(client, uri, 3, only=[lsp.CodeActionKind.QuickFix])
    fixes = [a for a in actions if a.is_preferred]
    assert len(fixes) == 1 and fixes[0].title.startswith("Fix IPL001")
    fixed = apply_text_edits(LEAF_BUG, edits_by_uri(fixes[0].edit)[uri])
    assert "with torch.no_grad():\n    w.add_(1)\n" in fixed
    change_text(client, uri, fixed, 2)
    assert await diagnostics_for(client, uri, 2) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_noqa_action_suppresses_the_finding(client, root):
    uri = _uri(root, "noqa.py")
    text = LEAF_BUG.replace("w.add_(1)", "w.add_(1)  # bump")
    open_text(client, uri, text)
    assert [d.code for d in await diagnostics_for(client, uri, 1)] == ["IPL001"]
    noqa = [a for a in await _actions(client, uri, 3) if "noqa" in a.title]
    assert len(noqa) == 1
    new = apply_text_edits(text, edits_by_uri(noqa[0].edit)[uri])
    assert "w.add_(1)  # noqa: IPL001 # bump\n" in new  # the edit --add-noqa makes
    change_text(client, uri, new, 2)
    assert await diagnostics_for(client, uri, 2) == []


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="module")
async def test_fix_all_is_resolved_and_equals_the_cli_fix(client, root, tmp_path):
    uri = _uri(root, "fixall.py")
    text = LEAF_BUG + "b = torch.ones(2, requires_grad=True)\nb.mul_(3)\n"
    open_text(client, uri, text)
    assert len(await diagnostics_for(client, uri, 1)) == 2
    actions = await _actions(client, uri, 0, only=["source.fixAll"])
    assert [a.kind for a in actions] == ["source.fixAll.inplace-lint"]
    assert actions[0].edit is None  # the client resolves it (VS Code's capabilities)
    resolved = await client.code_action_resolve_async(actions[0])
    fixed = apply_text_edits(text, edits_by_uri(resolved.edit)[uri])
    target = tmp_path / "fixall.py"
    target.write_text(text)
    subprocess.run([sys.executable, "-m", "inplace_lint", "--fix", "--no-cache", "--no-config", str(target)],
                   env=server_env(), capture_output=True, check=False)
    assert fixed == target.read_text()


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_explains_the_rule(client, root):
    uri = _uri(root, "hover.py")
    open_text(client, uri, LEAF_BUG)
    await diagnostics_for(client, uri, 1)
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(3, 2)))
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    assert "**IPL001** `inplace-on-leaf`" in hover.contents.value and "## What it does" in hover.contents.value
    assert await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 2))) is None


@pytest.mark.asyncio(loop_scope="module")
async def test_related_locations_and_tags(client, root):
    uri = _uri(root, "related.py")
    text = textwrap.dedent("""\
        import torch

        x = torch.randn(3, requires_grad=True)
        y = x.sigmoid()
        y.mul_(2)
        y.sum().backward()
        w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            w.data.add_(-0.1 * w.grad)
    """)
    open_text(client, uri, text)
    diags = {d.code: d for d in await diagnostics_for(client, uri, 1)}
    assert set(diags) == {"IPL003", "IPL004"}
    related = diags["IPL003"].related_information
    assert related and related[0].location.uri == uri and related[0].location.range.start.line == 3
    assert list(diags["IPL004"].tags) == [lsp.DiagnosticTag.Deprecated]
    assert diags["IPL004"].severity == lsp.DiagnosticSeverity.Warning


@pytest.mark.asyncio(loop_scope="module")
async def test_config_of_the_file_applies(client, root):
    project = root / "project"
    (project / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.inplace-lint]\nper-file-ignores = { "sub/*" = ["IPL001"] }\n'
                                            'exclude = ["legacy/"]\n')
    for name, version in (("sub/a.py", None), ("b.py", None), ("legacy/c.py", None)):
        open_text(client, (project / name).as_uri(), LEAF_BUG)
    assert await diagnostics_for(client, (project / "sub/a.py").as_uri()) == []
    assert [d.code for d in await diagnostics_for(client, (project / "b.py").as_uri())] == ["IPL001"]
    assert await diagnostics_for(client, (project / "legacy/c.py").as_uri()) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_notebook_cells_are_one_program(client, root):
    nb_uri = _uri(root, "train.ipynb")
    cells = ["# Training", "import torch\nw = torch.zeros(3, requires_grad=True)\n%matplotlib inline",
             "w.add_(1)"]
    cell_uris = [f"{nb_uri}#cell{i}" for i in range(len(cells))]
    client.notebook_document_did_open(lsp.DidOpenNotebookDocumentParams(
        notebook_document=lsp.NotebookDocument(uri=nb_uri, notebook_type="jupyter-notebook", version=1, cells=[
            lsp.NotebookCell(kind=lsp.NotebookCellKind.Markup if i == 0 else lsp.NotebookCellKind.Code,
                             document=cell_uris[i]) for i in range(len(cells))]),
        cell_text_documents=[lsp.TextDocumentItem(uri=cell_uris[i], language_id="markdown" if i == 0 else "python",
                                                  version=1, text=cells[i]) for i in range(len(cells))]))
    diags = await diagnostics_for(client, cell_uris[2])
    assert [(d.code, d.range.start.line) for d in diags] == [("IPL001", 0)]
    assert "cell 2, line 2" in diags[0].message  # as the CLI says it
    actions = [a for a in await _actions(client, cell_uris[2], 0) if a.is_preferred]
    edits = edits_by_uri(actions[0].edit)
    assert list(edits) == [cell_uris[2]]
    fixed = apply_text_edits(cells[2], edits[cell_uris[2]])
    assert fixed == "with torch.no_grad():\n    w.add_(1)"
    client.notebook_document_did_change(lsp.DidChangeNotebookDocumentParams(
        notebook_document=lsp.VersionedNotebookDocumentIdentifier(uri=nb_uri, version=2),
        change=lsp.NotebookDocumentChangeEvent(cells=lsp.NotebookDocumentCellChanges(text_content=[
            lsp.NotebookDocumentCellContentChanges(
                document=lsp.VersionedTextDocumentIdentifier(uri=cell_uris[2], version=2),
                changes=[lsp.TextDocumentContentChangeWholeDocument(text=fixed)])]))))
    assert await diagnostics_for(client, cell_uris[2]) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_unknown_command_argument_and_closed_documents(client, root):
    result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command="inplace-lint.applyFixAll", arguments=[_uri(root, "never-opened.py")]))
    assert result == {"applied": False, "reason": "the document is not open"}


@pytest_lsp.fixture(config=config(module="tests.lsp_support"))
async def crashing(lsp_client: LanguageClient, root):
    await start(lsp_client, root)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_crash_in_one_analysis_is_logged_and_the_server_goes_on(crashing, root):
    for i, marker in enumerate((RAISE_MARKER, KILL_MARKER)):
        uri = _uri(root, f"crash{i}.py")
        open_text(crashing, uri, LEAF_BUG + f"# {marker}\n")
        for _ in range(100):
            errors = [m.message for m in crashing.log_messages if m.type == lsp.MessageType.Error]
            if any(uri in m for m in errors):
                break
            await __import__("asyncio").sleep(0.1)
        assert any(uri in m for m in errors), crashing.log_messages
    good = _uri(root, "after.py")
    open_text(crashing, good, LEAF_BUG)
    assert [d.code for d in await diagnostics_for(crashing, good, 1)] == ["IPL001"]
    messages = "\n".join(m.message for m in crashing.log_messages)
    assert "injected analysis failure" in messages and "analysis process died" in messages


@pytest.mark.slow
def test_shutdown_and_exit_end_the_process(tmp_path):
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    data = b"".join(b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                    for body in (json.dumps(r).encode() for r in requests))
    proc = subprocess.run([sys.executable, "-m", "inplace_lint", "server"], input=data, capture_output=True,
                          env=server_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b'"id": 2' in proc.stdout.replace(b'"id":2', b'"id": 2')


@pytest.mark.slow
def test_without_the_extra_the_command_says_what_to_install():
    code = ("import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None\n"
            "from inplace_lint.cli import main; main(['server'])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=server_env(),
                          cwd=str(REPO), timeout=60)
    assert proc.returncode == 2
    assert "pip install 'inplace-lint[lsp]'" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="module")
async def test_validate_command_runs_the_file_and_publishes_verdicts(client, root):
    path = root / "validate_me.py"
    path.write_text(LEAF_BUG)
    uri = path.as_uri()
    open_text(client, uri, LEAF_BUG)
    await diagnostics_for(client, uri, 1)
    result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command="inplace-lint.validate.runsYourCode", arguments=[uri]))
    assert result["ok"] and "1 confirmed" in result["summary"], result
    assert [d["validation"]["verdict"] for d in result["diagnostics"]] == ["confirmed"]
    [d] = await diagnostics_for(client, uri, 1)
    assert "[validator: confirmed" in d.message and d.data["validation"]["verdict"] == "confirmed"
    assert any("RUNS ITS CODE" in m.message for m in client.messages)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_server_leaves_no_process_behind(tmp_path):
    import os
    import signal
    import time

    def descendants(pid):
        found, todo = set(), [pid]
        while todo:
            children = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True).stdout
            todo += [int(c) for c in children.split()]
            found |= {int(c) for c in children.split()}
        return found

    def alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}}).encode()
    body2 = json.dumps({"jsonrpc": "2.0", "method": "initialized", "params": {}}).encode()
    proc = subprocess.Popen([sys.executable, "-m", "inplace_lint", "server"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=server_env())
    for b in (body, body2):
        proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(b), b))
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while len(descendants(proc.pid)) < 2 and time.monotonic() < deadline:  # the analysis processes are up
        time.sleep(0.2)
    children = descendants(proc.pid)
    assert children
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [c for c in children if alive(c)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left
