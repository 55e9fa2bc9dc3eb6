"""The language server's protocol side, on pygls + lsprotocol (the ``lsp`` extra; the only module importing them).

What it offers (LSP 3.17):

* **Diagnostics** pushed for every open buffer (``textDocument/publishDiagnostics``), from the buffer's text with its
  unsaved edits: at once on open, ``debounce`` seconds after the last change (initialization option
  ``debounceMs``, default ``DEFAULT_DEBOUNCE_MS``). Each has the rule code, severity, message, ``codeDescription``
  (the rule's doc), ``relatedInformation`` (where the tensor was saved, where ``.grad`` is read...), the rule's
  ``tags`` (unnecessary / deprecated) and, in ``data``, the finding's name and fix exactly as ``--format json``
  gives them.
* **Code actions**: each finding's fix as a ``quickfix`` (safe ones ``isPreferred``; unsafe ones titled as such),
  "add ``# noqa: CODE``" for its line, and "fix all safe" as ``source.fixAll.inplace-lint`` (what
  ``inplace-lint --fix`` does to the file; computed on ``codeAction/resolve`` when the client supports it).
* **Hover** on a flagged line: the finding and its rule's documentation (``inplace-lint explain``).
* **Notebooks** (``notebookDocument/*``): the code cells analysed as one program like ``inplace-lint nb.ipynb``;
  diagnostics, fixes and ``# noqa`` land in the cells they belong to.
* **Commands** (``workspace/executeCommand``): ``inplace-lint.applyFixAll`` [uri] applies "fix all safe";
  ``inplace-lint.validate.runsYourCode`` [uri] runs the file's code under torch (``--validate``) and republishes the
  findings with their verdicts. That RUNS THE USER'S CODE; it is never run unless invoked by name.

The analysis never runs on the event loop: jobs go to worker processes (``documents.py``), so a slow file never
stalls the protocol, a newer version of a buffer supersedes an older one, and a crash -- an exception, or a worker
process that dies -- is reported to the client as a ``window/logMessage`` and the server carries on (a new worker
process replaces a dead one).
"""
from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__, catalog
from ..diagnostics import SAFE, UNSAFE, WARNING, Diagnostic, Edit
from ..notebook import split_keepends
from . import documents

NAME = "inplace-lint"
SOURCE = "inplace-lint"
FIX_ALL_KIND = "source.fixAll.inplace-lint"
CMD_FIX_ALL = "inplace-lint.applyFixAll"
CMD_VALIDATE = "inplace-lint.validate.runsYourCode"
DEFAULT_DEBOUNCE_MS = 50
CONFIG_NAMES = ("pyproject.toml", "inplace-lint.toml", ".inplace-lint.toml")
_TAGS = {"unnecessary": lsp.DiagnosticTag.Unnecessary, "deprecated": lsp.DiagnosticTag.Deprecated}


# ---------------------------------------------------------------------------------------------------------------
# Worker processes


def _worker_start(initializer: Optional[Callable[[], None]], early, server_pid: int) -> None:
    """In each worker process: stdout is the protocol's channel, so anything printed goes to stderr instead; early
    results go to ``early``; the worker ends when the server process is gone (killed, say: the pool's pipes are
    shared by its workers, so they would never see it close)."""
    try:
        os.dup2(2, 1)
    except OSError:
        pass
    sys.stdout = sys.stderr
    documents.set_early_channel(early)
    threading.Thread(target=_watch_server, args=(server_pid,), name="inplace-lint-watch", daemon=True).start()
    if initializer is not None:
        initializer()


def _watch_server(pid: int, interval: float = 1.0) -> None:
    while True:
        time.sleep(interval)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except OSError:  # exists, not ours to signal
            pass


class Workers:
    """A pool of analysis processes that is replaced when one of them dies, plus the channel on which a job sends
    its findings before it has finished their fixes (read by a thread, handed to the event loop)."""

    def __init__(self, jobs: int, initializer: Optional[Callable[[], None]] = None):
        self.jobs = jobs
        self.initializer = initializer
        self._pool: Optional[ProcessPoolExecutor] = None
        self._early = None
        self._waiting: Dict[int, Callable[[Any], None]] = {}
        self._ids = itertools.count(1)
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def _context(self):
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["inplace_lint.server.documents"])
        return ctx

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = self._context()
            self._early = ctx.SimpleQueue()  # a new one with each pool: a dead worker may have held its lock
            threading.Thread(target=self._read, args=(self._early,), name="inplace-lint-early", daemon=True).start()
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx, initializer=_worker_start,
                                             initargs=(self.initializer, self._early, os.getpid()))
        return self._pool

    def _read(self, queue) -> None:
        while True:
            try:
                job, payload = queue.get()
            except (EOFError, OSError, ValueError, TypeError):
                return  # closed with its pool
            loop = self._loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._deliver, job, payload)

    def _deliver(self, job: int, payload: Any) -> None:
        callback = self._waiting.get(job)
        if callback is not None:
            callback(payload)

    async def run(self, fn: Callable[..., Any], *args: Any, early: Optional[Callable[[Any], None]] = None) -> Any:
        """``fn(*args)`` in a worker process; with ``early``, ``fn`` also gets a job id as its last argument and
        ``early(payload)`` is called on the event loop with what it sends before returning."""
        self._loop = asyncio.get_running_loop()
        pool = self.pool()
        job = None
        if early is not None:
            job = next(self._ids)
            self._waiting[job] = early
            args = (*args, job)
        try:
            return await self._loop.run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            if self._pool is pool:
                self._pool = None
                self._stop(pool, self._early)
            raise
        finally:
            if job is not None:
                self._waiting.pop(job, None)

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            self._stop(pool, self._early)

    @staticmethod
    def _stop(pool: ProcessPoolExecutor, early) -> None:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:  # a worker busy with a long analysis is not waited for
            try:
                process.kill()
            except (OSError, AttributeError):
                pass
        if early is not None:
            try:
                early.close()  # the reader thread's get() fails and it ends
            except (OSError, AttributeError):
                pass


# ---------------------------------------------------------------------------------------------------------------
# State of one open document


@dataclass
class DocState:
    uri: str  # a text document's URI, or a notebook's
    notebook: bool = False
    analysis: Optional[documents.Analysis] = None
    analysed_version: Optional[int] = None
    task: Optional[asyncio.Task] = None
    inflight: Optional[asyncio.Future] = None
    published: List[str] = field(default_factory=list)  # URIs diagnostics were published to (notebook cells)
    validated: Optional[Tuple[int, List[Diagnostic]]] = None  # (version, findings with verdicts)
    shown: Optional[tuple] = None  # (version, findings) last published


class InplaceLintServer(LanguageServer):
    def __init__(self, jobs: int = 2, worker_initializer: Optional[Callable[[], None]] = None):
        super().__init__(
            NAME, __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            notebook_document_sync=lsp.NotebookDocumentSyncOptions(
                notebook_selector=[lsp.NotebookDocumentFilterWithCells(
                    notebook="*", cells=[lsp.NotebookCellLanguage(language="python")])],
                save=True))
        self.workers = Workers(jobs, worker_initializer)
        self.docs: Dict[str, DocState] = {}
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000
        self.reported_config_errors: set = set()

    # -- helpers ------------------------------------------------------------------------------------------------

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_log_message(lsp.LogMessageParams(type=kind, message=f"{NAME}: {message}"))

    def root(self) -> Optional[str]:
        try:
            return self.workspace.root_path
        except RuntimeError:  # before initialize
            return None

    def codec(self):
        return self.workspace.position_codec

    def file_path(self, uri: str) -> Optional[str]:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return os.path.abspath(path) if path else None

    def version_of(self, state: DocState) -> Optional[int]:
        if state.notebook:
            nb = self.workspace.get_notebook_document(notebook_uri=state.uri)
            return nb.version if nb is not None else None
        doc = self.workspace.text_documents.get(state.uri)
        return doc.version if doc is not None else None

    def notebook_cells(self, uri: str) -> Tuple[List[documents.Cell], List[str], Optional[Dict[str, Any]]]:
        """(kind, text) of each cell, the cells' URIs, and the notebook's metadata."""
        nb = self.workspace.get_notebook_document(notebook_uri=uri)
        cells: List[documents.Cell] = []
        uris: List[str] = []
        for cell in nb.cells if nb is not None else []:
            doc = self.workspace.text_documents.get(cell.document)
            text = doc.source if doc is not None else ""
            code = cell.kind == lsp.NotebookCellKind.Code and (doc is None or doc.language_id in (None, "python"))
            cells.append((documents.CODE if code else documents.MARKDOWN, text))
            uris.append(cell.document)
        metadata = nb.metadata if nb is not None and isinstance(nb.metadata, dict) else None
        return cells, uris, metadata

    def state_for(self, uri: str) -> Tuple[Optional[DocState], Optional[str]]:
        """The state of the document ``uri`` belongs to (a cell belongs to its notebook), and the cell's URI."""
        if uri in self.docs:
            return self.docs[uri], None
        nb = self.workspace.get_notebook_document(cell_uri=uri)
        if nb is not None and nb.uri in self.docs:
            return self.docs[nb.uri], uri
        return None, None

    # -- analysis -----------------------------------------------------------------------------------------------

    def schedule(self, uri: str, notebook: bool, delay: float) -> None:
        state = self.docs.setdefault(uri, DocState(uri, notebook))
        if state.task is not None and not state.task.done():
            state.task.cancel()
        state.task = asyncio.ensure_future(self._analyse_later(state, delay))

    async def _analyse_later(self, state: DocState, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        if state.inflight is not None and not state.inflight.done():  # one job per document at a time
            await asyncio.wait([state.inflight])
        await self.analyse(state)

    async def analyse(self, state: DocState) -> Optional[documents.Analysis]:
        """Analyse the document's current version and publish; None when it changed meanwhile or the job failed.

        The findings are published as soon as the analysis has them (their unfinished fixes left out, marked
        ``fixPending``), then again with every fix finished: finishing the fixes of a file with many findings can
        cost more than finding them. Code actions wait for the second."""
        version = self.version_of(state)
        if version is None:
            return None
        if state.analysed_version == version and state.analysis is not None:
            return state.analysis

        def early(quick: documents.Analysis) -> None:
            if self.version_of(state) == version and state.uri in self.docs and state.analysed_version != version:
                self.publish(state, quick, version)

        future = asyncio.ensure_future(self._run_job(state, early))
        state.inflight = future
        analysis = await asyncio.shield(future)
        if analysis is None or self.version_of(state) != version or state.uri not in self.docs:
            return None
        state.analysis, state.analysed_version = analysis, version
        if analysis.config_error and analysis.config_error not in self.reported_config_errors:
            self.reported_config_errors.add(analysis.config_error)
            self.window_show_message(lsp.ShowMessageParams(
                type=lsp.MessageType.Error, message=f"{NAME}: {analysis.config_error} (using the default settings)"))
        self.publish(state, analysis, version)
        return analysis

    async def _run_job(self, state: DocState, early: Callable[[Any], None]) -> Optional[documents.Analysis]:
        path = self.file_path(state.uri)
        try:
            if state.notebook:
                cells, _, metadata = self.notebook_cells(state.uri)
                return await self.workers.run(documents.lint_notebook, cells, metadata, path, self.root(),
                                              early=early)
            doc = self.workspace.get_text_document(state.uri)
            return await self.workers.run(documents.lint_text, doc.source, path, self.root(), True, early=early)
        except asyncio.CancelledError:
            raise
        except BrokenProcessPool:
            self.log(f"the analysis process died while checking {state.uri}; it was restarted "
                     f"(this is a bug in {NAME}; please report it with the file)", lsp.MessageType.Error)
        except Exception as exc:  # noqa: BLE001 - a crash in one analysis must never take the server down
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            remote = getattr(exc, "__cause__", None)
            self.log(f"internal error while checking {state.uri}: {detail}\n{remote or ''}\n"
                     f"This is a bug in {NAME}; please report it with the file.", lsp.MessageType.Error)
        return None

    async def current(self, state: DocState) -> Optional[documents.Analysis]:
        """The analysis of the document's current version (waiting for it, or running it, when needed)."""
        version = self.version_of(state)
        if state.analysis is not None and state.analysed_version == version:
            return state.analysis
        if state.inflight is not None and not state.inflight.done():
            await asyncio.wait([state.inflight])
        return await self.analyse(state)

    # -- diagnostics --------------------------------------------------------------------------------------------

    def findings(self, state: DocState, analysis: documents.Analysis) -> List[Diagnostic]:
        if state.validated is not None and state.validated[0] == state.analysed_version:
            return state.validated[1]
        return analysis.diagnostics

    def publish(self, state: DocState, analysis: documents.Analysis, version: Optional[int]) -> None:
        shown = (version, analysis.fixes_pending, self.findings(state, analysis))
        if state.shown == shown:  # the quick analysis already published exactly this
            return
        state.shown = shown
        by_uri = self.lsp_diagnostics(state, analysis)
        targets = list(by_uri)
        for uri in state.published:
            by_uri.setdefault(uri, [])
        if not state.notebook:
            by_uri.setdefault(state.uri, [])
        for uri, diags in by_uri.items():
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=uri, diagnostics=diags, version=version if uri == state.uri else None))
        state.published = targets

    def lsp_diagnostics(self, state: DocState, analysis: documents.Analysis) -> Dict[str, List[lsp.Diagnostic]]:
        out: Dict[str, List[lsp.Diagnostic]] = {}
        for index, d in enumerate(self.findings(state, analysis)):
            placed = self.place(state, analysis, d)
            if placed is not None:
                uri, lines, offset = placed
                out.setdefault(uri, []).append(self.to_lsp(state, analysis, d, index, uri, lines, offset))
        return out

    def place(self, state: DocState, analysis: documents.Analysis,
              d: Diagnostic) -> Optional[Tuple[str, List[str], int]]:
        """(URI, lines of that document, line offset: finding line - offset = line in the document)."""
        if not state.notebook:
            doc = self.workspace.text_documents.get(state.uri)
            return state.uri, split_keepends(doc.source if doc is not None else ""), 0
        if d.cell is None:
            return None
        cells, uris, _ = self.notebook_cells(state.uri)
        number, cell_line = d.cell
        if not 1 <= number <= len(uris):
            return None
        return uris[number - 1], split_keepends(cells[number - 1][1]), d.line - cell_line

    def position(self, lines: Sequence[str], line: int, col: int) -> lsp.Position:
        """A 1-based (line, column in characters) as an LSP position in the client's encoding."""
        index = line - 1
        if index < 0:
            return lsp.Position(0, 0)
        if index >= len(lines):
            return lsp.Position(len(lines), 0)
        text = lines[index].rstrip("\r\n")
        return lsp.Position(index, self.codec().client_num_units(text[:max(0, col - 1)]))

    def range(self, lines: Sequence[str], line: int, col: int, end_line: int, end_col: int) -> lsp.Range:
        start = self.position(lines, line, col)
        end = self.position(lines, end_line, end_col)
        if (end.line, end.character) < (start.line, start.character):
            end = start
        return lsp.Range(start, end)

    def to_lsp(self, state: DocState, analysis: documents.Analysis, d: Diagnostic, index: int, uri: str,
               lines: List[str], offset: int) -> lsp.Diagnostic:
        rule = catalog.all_rules().get(d.code)
        end_line = d.end_line - offset
        end_col = d.end_col
        if end_line > len(lines):  # a span reaching into the next cell: up to the end of this one
            end_line, end_col = len(lines), len(lines[-1].rstrip("\r\n")) + 1 if lines else 1
        related = []
        for line, col, label in d.related:
            where = self.related_location(state, analysis, uri, lines, offset, line, col)
            if where is not None:
                related.append(lsp.DiagnosticRelatedInformation(location=where, message=label))
        message = d.message
        if d.validation:
            message += f" [validator: {d.validation.get('verdict')}"
            evidence = d.validation.get("evidence")
            message += f": {evidence}]" if evidence else "]"
        data: Dict[str, Any] = {"name": d.name, "fix": d.fix.to_json() if d.fix else None, "index": index}
        if analysis.fixes_pending:
            data["fixPending"] = True  # a quick result: the fixes follow in the next publication
        if d.validation is not None:
            data["validation"] = d.validation
        return lsp.Diagnostic(
            range=self.range(lines, d.line - offset, d.col, end_line, end_col),
            severity=lsp.DiagnosticSeverity.Warning if d.severity == WARNING else lsp.DiagnosticSeverity.Error,
            code=d.code, code_description=lsp.CodeDescription(href=rule.url) if rule is not None else None,
            source=SOURCE, message=message,
            tags=[_TAGS[t] for t in rule.tags] if rule is not None and rule.tags else None,
            related_information=related or None, data=data)

    def related_location(self, state: DocState, analysis: documents.Analysis, uri: str, lines: List[str],
                         offset: int, line: int, col: int) -> Optional[lsp.Location]:
        if not state.notebook:
            pos = self.position(lines, line, col)
            return lsp.Location(uri=uri, range=lsp.Range(pos, pos))
        program = analysis.program
        where = program.locate(line) if program is not None and hasattr(program, "locate") else None
        if where is None:
            return None
        cells, uris, _ = self.notebook_cells(state.uri)
        number, cell_line = where
        if not 1 <= number <= len(uris):
            return None
        cell_lines = split_keepends(cells[number - 1][1])
        pos = self.position(cell_lines, cell_line, col)
        return lsp.Location(uri=uris[number - 1], range=lsp.Range(pos, pos))

    # -- edits --------------------------------------------------------------------------------------------------

    def text_edits(self, lines: Sequence[str], edits: Sequence[Edit]) -> List[lsp.TextEdit]:
        return [lsp.TextEdit(range=self.range(lines, e.line, e.col, e.end_line, e.end_col), new_text=e.content)
                for e in edits]

    def workspace_edit(self, per_uri: Dict[str, List[lsp.TextEdit]], versions: Dict[str, Optional[int]]):
        caps = self.client_capabilities
        document_changes = bool(caps and caps.workspace and caps.workspace.workspace_edit
                                and caps.workspace.workspace_edit.document_changes)
        if document_changes:
            return lsp.WorkspaceEdit(document_changes=[
                lsp.TextDocumentEdit(text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=versions.get(uri)), edits=edits) for uri, edits in per_uri.items()])
        return lsp.WorkspaceEdit(changes=per_uri)

    def doc_version(self, uri: str) -> Optional[int]:
        doc = self.workspace.text_documents.get(uri)
        return doc.version if doc is not None else None

    def fix_edits(self, state: DocState, analysis: documents.Analysis, index: int,
                  d: Diagnostic) -> Dict[str, List[lsp.TextEdit]]:
        """A finding's fix as LSP edits, per document."""
        if d.fix is None or not d.fix.edits:
            return {}
        if not state.notebook:
            doc = self.workspace.text_documents.get(state.uri)
            return {state.uri: self.text_edits(split_keepends(doc.source), d.fix.edits)}
        return self.cell_text_edits(state, analysis.cell_fixes.get(index) or {})

    def cell_text_edits(self, state: DocState, per_cell: Dict[int, Sequence[Edit]]) -> Dict[str, List[lsp.TextEdit]]:
        cells, uris, _ = self.notebook_cells(state.uri)
        out = {}
        for number, edits in per_cell.items():
            if 1 <= number <= len(uris):
                out[uris[number - 1]] = self.text_edits(split_keepends(cells[number - 1][1]), edits)
        return out

    async def fix_all_edit(self, state: DocState) -> Optional[lsp.WorkspaceEdit]:
        path = self.file_path(state.uri)
        try:
            if state.notebook:
                cells, uris, metadata = self.notebook_cells(state.uri)
                per_cell, error = await self.workers.run(documents.fix_all_notebook, cells, metadata, path,
                                                         self.root())
                per_uri = self.cell_text_edits(state, per_cell)
            else:
                doc = self.workspace.get_text_document(state.uri)
                edits, error = await self.workers.run(documents.fix_all_text, doc.source, path, self.root())
                per_uri = {state.uri: self.text_edits(split_keepends(doc.source), edits)} if edits else {}
        except BrokenProcessPool:
            self.log(f"the analysis process died while fixing {state.uri}; it was restarted", lsp.MessageType.Error)
            return None
        except Exception as exc:  # noqa: BLE001
            self.log(f"internal error while fixing {state.uri}: {type(exc).__name__}: {exc}", lsp.MessageType.Error)
            return None
        if error:
            self.log(f"cannot fix {state.uri}: {error}", lsp.MessageType.Warning)
        if not per_uri:
            return None
        return self.workspace_edit(per_uri, {uri: self.doc_version(uri) for uri in per_uri})

    def noqa_action(self, state: DocState, analysis: documents.Analysis, d: Diagnostic, uri: str,
                    lines: List[str], offset: int, diagnostic: lsp.Diagnostic) -> Optional[lsp.CodeAction]:
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return None
        candidates = [d.line - offset] + ([d.stmt_line - offset] if d.stmt_line else [])
        edit = documents.noqa_edit(doc.source, candidates, d.code)
        if edit is None:
            return None
        return lsp.CodeAction(
            title=f"Disable {d.code} for this line (# noqa: {d.code})", kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=self.workspace_edit({uri: self.text_edits(lines, [edit])}, {uri: self.doc_version(uri)}))


# ---------------------------------------------------------------------------------------------------------------
# The features


def _wants(only: Optional[Sequence[str]], kind: str) -> bool:
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def _fix_title(d: Diagnostic) -> str:
    title = f"Fix {d.code}: {d.fix.description}"
    if d.fix.applicability == UNSAFE:
        title += " (unsafe: may change behaviour)"
    return title


def _hover_markdown(findings: Sequence[Diagnostic]) -> str:
    parts = []
    seen = set()
    for d in findings:
        rule = catalog.all_rules().get(d.code)
        head = f"**{d.code}** `{d.name}` ({d.severity}): {d.message}"
        if d.fix is not None:
            head += f"\n\nFix ({d.fix.applicability}): {d.fix.description}"
            if d.fix.template:
                head += f"\n\n```python\n{d.fix.template.rstrip()}\n```"
        parts.append(head)
        if rule is not None and d.code not in seen:
            seen.add(d.code)
            parts.append(rule.body.strip() + f"\n\n[{rule.code} documentation]({rule.url})")
    return "\n\n---\n\n".join(parts)


def create_server(jobs: int = 2, worker_initializer: Optional[Callable[[], None]] = None) -> InplaceLintServer:
    server = InplaceLintServer(jobs=jobs, worker_initializer=worker_initializer)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: InplaceLintServer, params: lsp.InitializeParams) -> None:
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        debounce = options.get("debounceMs")
        if isinstance(debounce, (int, float)) and not isinstance(debounce, bool) and debounce >= 0:
            ls.debounce = debounce / 1000

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: InplaceLintServer, params: lsp.InitializedParams) -> None:
        caps = ls.client_capabilities
        watched = caps and caps.workspace and caps.workspace.did_change_watched_files
        if watched and watched.dynamic_registration:
            watchers = [lsp.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
            try:
                await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[lsp.Registration(
                    id="inplace-lint-config", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))
            except Exception as exc:  # noqa: BLE001 - only a convenience
                ls.log(f"could not watch config files: {exc}", lsp.MessageType.Warning)
        try:  # start the analysis processes now, so the first buffer does not wait for them
            await asyncio.gather(*(ls.workers.run(documents.warm_up) for _ in range(ls.workers.jobs)))
        except Exception as exc:  # noqa: BLE001
            ls.log(f"warming up the analysis processes failed: {type(exc).__name__}: {exc}", lsp.MessageType.Error)

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: InplaceLintServer, params: Any) -> None:
        for state in ls.docs.values():
            if state.task is not None:
                state.task.cancel()
        ls.workers.close()

    # -- documents ----------------------------------------------------------------------------------------------

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: InplaceLintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.docs.pop(params.text_document.uri, None)
        ls.schedule(params.text_document.uri, False, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: InplaceLintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, False, ls.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: InplaceLintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri.rsplit("/", 1)[-1] in CONFIG_NAMES:
            reanalyse_all(ls)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: InplaceLintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        close(ls, params.text_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    def nb_open(ls: InplaceLintServer, params: lsp.DidOpenNotebookDocumentParams) -> None:
        ls.docs.pop(params.notebook_document.uri, None)
        ls.schedule(params.notebook_document.uri, True, 0)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def nb_change(ls: InplaceLintServer, params: lsp.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, True, ls.debounce)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    def nb_save(ls: InplaceLintServer, params: lsp.DidSaveNotebookDocumentParams) -> None:
        pass

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def nb_close(ls: InplaceLintServer, params: lsp.DidCloseNotebookDocumentParams) -> None:
        close(ls, params.notebook_document.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: InplaceLintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        reanalyse_all(ls)

    # -- code actions -------------------------------------------------------------------------------------------

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
        code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll, FIX_ALL_KIND],
        resolve_provider=True))
    async def code_action(ls: InplaceLintServer, params: lsp.CodeActionParams) -> Optional[List[lsp.CodeAction]]:
        uri = params.text_document.uri
        state, cell_uri = ls.state_for(uri)
        if state is None:
            return None
        analysis = await ls.current(state)
        if analysis is None:
            return None
        only = params.context.only
        actions: List[lsp.CodeAction] = []
        first, last = params.range.start.line, params.range.end.line
        fixable = False
        for index, d in enumerate(analysis.diagnostics):
            placed = ls.place(state, analysis, d)
            if placed is None:
                continue
            target, lines, offset = placed
            if d.fix is not None and d.fix.applicability == SAFE and d.fix.edits:
                fixable = True
            if target != uri or not _wants(only, lsp.CodeActionKind.QuickFix):
                continue
            if not (d.line - offset - 1 <= last and d.end_line - offset - 1 >= first):
                continue
            diagnostic = ls.to_lsp(state, analysis, d, index, target, lines, offset)
            edits = ls.fix_edits(state, analysis, index, d)
            if edits:
                actions.append(lsp.CodeAction(
                    title=_fix_title(d), kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                    is_preferred=d.fix.applicability == SAFE,
                    edit=ls.workspace_edit(edits, {u: ls.doc_version(u) for u in edits})))
            noqa = ls.noqa_action(state, analysis, d, target, lines, offset, diagnostic)
            if noqa is not None:
                actions.append(noqa)
        if fixable and _wants(only, FIX_ALL_KIND):
            action = lsp.CodeAction(title=f"{NAME}: fix all safe problems", kind=FIX_ALL_KIND,
                                    data={"uri": state.uri, "version": ls.version_of(state)})
            caps = ls.client_capabilities
            resolve = caps and caps.text_document and caps.text_document.code_action \
                and caps.text_document.code_action.resolve_support
            if not (resolve and "edit" in (resolve.properties or [])):
                action.edit = await ls.fix_all_edit(state)
                action.data = None
            if action.edit is not None or action.data is not None:
                actions.append(action)
        return actions or None

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    async def resolve(ls: InplaceLintServer, action: lsp.CodeAction) -> lsp.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        state = ls.docs.get(data.get("uri", ""))
        if state is not None and action.kind == FIX_ALL_KIND and ls.version_of(state) == data.get("version"):
            action.edit = await ls.fix_all_edit(state)
        return action

    # -- hover --------------------------------------------------------------------------------------------------

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: InplaceLintServer, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        state, _ = ls.state_for(params.text_document.uri)
        if state is None:
            return None
        analysis = await ls.current(state)
        if analysis is None:
            return None
        line = params.position.line
        found = []
        for d in ls.findings(state, analysis):
            placed = ls.place(state, analysis, d)
            if placed is not None and placed[0] == params.text_document.uri \
                    and d.line - placed[2] - 1 <= line <= d.end_line - placed[2] - 1:
                found.append(d)
        if not found:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=_hover_markdown(found)))

    # -- commands -----------------------------------------------------------------------------------------------

    @server.command(CMD_FIX_ALL)
    async def apply_fix_all(ls: InplaceLintServer, *args: Any) -> Optional[Dict[str, Any]]:
        state, _ = ls.state_for(_uri_argument(args))
        if state is None:
            return {"applied": False, "reason": "the document is not open"}
        edit = await ls.fix_all_edit(state)
        if edit is None:
            return {"applied": False, "reason": "nothing to fix"}
        result = await ls.workspace_apply_edit_async(
            lsp.ApplyWorkspaceEditParams(edit=edit, label="inplace-lint: fix all"))
        return {"applied": bool(result.applied)}

    @server.command(CMD_VALIDATE)
    async def validate(ls: InplaceLintServer, *args: Any) -> Dict[str, Any]:
        """RUNS THE USER'S CODE under torch (``--validate``): only ever on an explicit command."""
        uri = _uri_argument(args)
        state, _ = ls.state_for(uri)
        path = ls.file_path(uri)
        if state is None or state.notebook or path is None:
            return {"ok": False, "reason": "validation runs an open Python file (not a notebook or untitled buffer)"}
        version = ls.version_of(state)
        doc = ls.workspace.get_text_document(uri)
        ls.window_show_message(lsp.ShowMessageParams(
            type=lsp.MessageType.Warning,
            message=f"{NAME}: validating {os.path.basename(path)} RUNS ITS CODE under torch (as your user, in a "
                    f"subprocess with resource limits, not a security sandbox)"))
        try:
            line, diagnostics = await ls.workers.run(documents.validate_text, doc.source, path, ls.root())
        except Exception as exc:  # noqa: BLE001 - a failed validation must not take the server down
            ls.log(f"validation of {uri} failed: {type(exc).__name__}: {exc}", lsp.MessageType.Error)
            return {"ok": False, "reason": f"{type(exc).__name__}: {exc}"}
        ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Info, message=f"{NAME}: {line}"))
        analysis = await ls.current(state)
        if analysis is not None and ls.version_of(state) == version:
            state.validated = (version, diagnostics)
            ls.publish(state, analysis, version)
        return {"ok": True, "summary": line, "diagnostics": [d.to_json() for d in diagnostics]}

    return server


def _uri_argument(args: Sequence[Any]) -> str:
    first = args[0] if args else ""
    if isinstance(first, dict):
        first = first.get("uri", "")
    return str(first)


def close(ls: InplaceLintServer, uri: str) -> None:
    state = ls.docs.pop(uri, None)
    if state is None:
        return
    if state.task is not None:
        state.task.cancel()
    for target in state.published or ([uri] if not state.notebook else []):
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=target, diagnostics=[]))


def reanalyse_all(ls: InplaceLintServer) -> None:
    """A config file changed: every open document is analysed again with the settings it now resolves to."""
    ls.reported_config_errors.clear()
    for state in list(ls.docs.values()):
        state.analysis, state.analysed_version = None, None
        ls.schedule(state.uri, state.notebook, 0)
