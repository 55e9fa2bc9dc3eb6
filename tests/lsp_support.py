"""Helpers for the language-server tests: start ``inplace-lint server`` as a real subprocess with a real LSP client
(pytest-lsp over stdio), wait for diagnostics of a given version, apply a ``WorkspaceEdit`` to a text.

``crash_on_markers`` is a worker initializer (``python -m tests.lsp_support`` starts a server with it): the analysis
of a buffer holding ``RAISE-IN-ANALYSIS`` raises, and one holding ``KILL-THE-WORKER`` kills its worker process; the
server must report both to the client and keep serving.
"""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities, make_test_lsp_client

REPO = Path(__file__).resolve().parent.parent
_CACHE_DIR = tempfile.mkdtemp(prefix="inplace-lint-lsp-cache-")  # the servers' results cache, never the repo's
RAISE_MARKER = "RAISE-IN-ANALYSIS"
KILL_MARKER = "KILL-THE-WORKER"


def server_env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("INPLACE_LINT_RULES_DIR", None)
    env["INPLACE_LINT_CACHE_DIR"] = _CACHE_DIR
    return env


def config(*extra: str, module: str = "inplace_lint") -> ClientServerConfig:
    command = [sys.executable, "-m", module] + (["server"] if module == "inplace_lint" else []) + list(extra)
    return ClientServerConfig(server_command=command, server_env=server_env(), client_factory=make_client)


async def start(client: LanguageClient, root: Path, options: Optional[dict] = None, spec: str = "visual-studio-code"):
    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params):  # what editors do: accept (the server watches its config files)
        client.registrations = list(getattr(client, "registrations", [])) + list(params.registrations)

    params = lsp.InitializeParams(capabilities=client_capabilities(spec), root_uri=root.as_uri(),
                                  initialization_options=options or {"debounceMs": 0})
    return await client.initialize_session(params)


def make_client() -> LanguageClient:
    """pytest-lsp's client, also recording every ``publishDiagnostics`` (so none is missed between awaits)."""
    client = make_test_lsp_client()
    client.published = []
    client.seen = 0
    original = client.protocol._handle_notification

    def handle(method, params):
        if method == lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            client.published.append(params)
        return original(method, params)

    client.protocol._handle_notification = handle
    return client


def pending(params) -> bool:
    """A quick publication, whose fixes follow in the next one."""
    return any(isinstance(d.data, dict) and d.data.get("fixPending") for d in params.diagnostics)


async def diagnostics_for(client: LanguageClient, uri: str, version: Optional[int] = None,
                          timeout: float = 30.0, final: bool = True) -> List[lsp.Diagnostic]:
    """The diagnostics of the first publication for ``uri`` (of ``version`` when given) not returned before;
    with ``final``, quick publications whose fixes are still pending are passed over."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    taken = getattr(client, "taken", None)
    if taken is None:
        taken = client.taken = set()
    while loop.time() < deadline:
        for i, params in enumerate(client.published):
            if i not in taken and params.uri == uri and (version is None or params.version == version):
                taken.add(i)
                if final and pending(params):
                    continue
                return list(params.diagnostics)
        await asyncio.sleep(0.01)
    raise TimeoutError(f"no diagnostics for {uri} (version {version})")


def open_text(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))


def change_text(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))


def _offset(text: str, position: lsp.Position) -> int:
    """UTF-16 positions (the tests' client) to an offset; lines end at \\n."""
    lines = text.splitlines(keepends=True)
    if position.line >= len(lines):
        return len(text)
    start = sum(len(line) for line in lines[:position.line])
    line, units, i = lines[position.line], 0, 0
    while i < len(line) and units < position.character:
        units += 2 if ord(line[i]) > 0xFFFF else 1
        i += 1
    return start + i


def apply_text_edits(text: str, edits: Sequence[lsp.TextEdit]) -> str:
    spans = sorted(((_offset(text, e.range.start), _offset(text, e.range.end), e.new_text) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_by_uri(edit: lsp.WorkspaceEdit) -> Dict[str, List[lsp.TextEdit]]:
    out: Dict[str, List[lsp.TextEdit]] = {}
    for change in edit.document_changes or []:
        out.setdefault(change.text_document.uri, []).extend(change.edits)
    for uri, edits in (edit.changes or {}).items():
        out.setdefault(uri, []).extend(edits)
    return out


def crash_on_markers() -> None:
    """Worker initializer: make the analysis raise or die on the marker texts (see the module docstring)."""
    from inplace_lint.server import documents

    real = documents.engine.check_source

    def check_source(text, path, settings, **kwargs):
        if RAISE_MARKER in text:
            raise RuntimeError("injected analysis failure")
        if KILL_MARKER in text:
            os._exit(70)
        return real(text, path, settings, **kwargs)

    documents.engine.check_source = check_source


if __name__ == "__main__":  # a server whose analysis crashes on demand
    sys.path.insert(0, str(REPO))
    from inplace_lint.server import lsp as server_lsp  # noqa: E402
    from tests.lsp_support import crash_on_markers as initializer  # by module name: worker processes import it

    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    server_lsp.create_server(jobs=1, worker_initializer=initializer).start_io(sys.stdin.buffer, stdout)
