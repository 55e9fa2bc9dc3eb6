"""How long after an edit an editor shows the new diagnostics: ``inplace-lint server`` driven over stdio by a real
LSP client (pygls's), timed from sending ``textDocument/didChange`` to receiving the ``publishDiagnostics`` of that
version. The server's default debounce is included (it is part of what a user waits for).

    python bench/lsp_latency.py                 # the 2,000-line file, 30 edits, prints a table
    python bench/lsp_latency.py --edits 50 --json bench/results/lsp-latency.json

Three 2,000-line files (no download):

* ``library`` -- real code: torch's own ``torch/nn/modules/rnn.py`` (from the installed torch, located without
  importing it; padded with comment lines to 2,000), no findings; skipped when torch is not installed;
* ``model`` -- what people edit: 50 blocks of a model module (an ``nn.Module`` with ``__init__``/``forward``, a
  hand-written training step, a helper), one in-place bug in every tenth block (5 findings, each with a fix);
* ``dense`` -- the worst case: every rule-doc example concatenated at module level and repeated (~90 findings, most
  with fixes to finish), far more findings per line than real code has.

Each edit toggles a bug on a line in the middle of the file (so every version's diagnostics differ from the last).
Also measured: the round trip of a ``textDocument/hover`` sent while the dense file is being analysed, showing that
the analysis runs off the event loop.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
LINES = 2000

BLOCK = '''\

class Block{k}(nn.Module):
    """Block {k}: a residual MLP layer."""

    def __init__(self, dim: int = 64, hidden: int = 256) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.scale = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm(x)
        h = torch.relu(self.fc1(h))
        h = self.fc2(h) * self.scale
        return x + h


def train_step_{k}(model: nn.Module, batch: torch.Tensor, target: torch.Tensor, lr: float = 1e-3) -> float:
    out = model(batch)
    loss = ((out - target) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
            p.grad = None
    return loss.item()


def make_weights_{k}(n: int) -> torch.Tensor:
    w = torch.randn(n, n, requires_grad=True)
    b = torch.zeros(n, requires_grad=True)
{bug}    y = torch.tanh(w @ w.T + b)
    return y.sum()
'''
BUG = "    w.add_(1.0)\n"
HEADER = '"""A generated model module (bench/lsp_latency.py)."""\nimport torch\nimport torch.nn as nn\n'


def model_file() -> str:
    """Whole blocks up to ``LINES`` lines, padded with comment lines to exactly ``LINES``."""
    text, k = HEADER, 0
    while True:
        block = BLOCK.format(k=k, bug=BUG if k % 10 == 5 else "")
        if (text + block).count("\n") > LINES:
            break
        text += block
        k += 1
    return text + "# padding\n" * (LINES - text.count("\n"))


def library_file() -> Optional[str]:
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "nn" / "modules" / "rnn.py"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    return "".join(lines) + "# padding\n" * max(0, LINES - len(lines))


def dense_file() -> str:
    """Rule examples, whole ones only, repeated up to ``LINES`` lines (padded with comment lines)."""
    sys.path.insert(0, str(ROOT))
    from inplace_lint import catalog

    examples = [ex.source for rule in catalog.all_rules().values() for ex in rule.examples()
                if "IPL900" not in rule.code and "IPL901" not in rule.code]
    text, i = "", 0
    while (text + examples[i % len(examples)]).count("\n") + 1 <= LINES:
        text += examples[i % len(examples)] + "\n"
        i += 1
    return text + "# padding\n" * (LINES - text.count("\n"))


def toggled(text: str, on: bool) -> str:
    """The text with a leaf bug inserted before a module-level line in the middle (or a harmless line)."""
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    while lines[middle].startswith((" ", "\t")) or not lines[middle].strip():
        middle += 1
    extra = "_edit_w = torch.zeros(2, requires_grad=True); _edit_w.add_(1)\n" if on else "_edit_w = 0\n"
    new = "".join(lines[:middle]) + extra + "".join(lines[middle:])
    compile(new, "<edited>", "exec")  # the edit must leave valid Python (else it measures a syntax error)
    return new


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("lsp-latency-bench", "1")
        self.arrived: Dict[tuple, float] = {}  # first publication of a version (diagnostics shown)
        self.final: Dict[tuple, float] = {}  # the one with every fix finished
        self.counts: Dict[tuple, int] = {}
        self.event = asyncio.Event()


async def wait_for(client: Client, uri: str, version: int, final: bool = False, timeout: float = 120.0) -> float:
    table = client.final if final else client.arrived
    deadline = time.perf_counter() + timeout
    while (uri, version) not in table:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no diagnostics for {uri} version {version}")
        client.event.clear()
        try:
            await asyncio.wait_for(client.event.wait(), timeout=max(0.0, deadline - time.perf_counter()))
        except asyncio.TimeoutError:
            pass
    return table[(uri, version)]


def engine_ms(text: str) -> Dict[str, int]:
    """The engine alone in this process (median of 3, CPU time): the analysis, and with the fixes finished."""
    sys.path.insert(0, str(ROOT))
    from inplace_lint import engine
    from inplace_lint.config import Settings

    quick, full = [], []
    for _ in range(3):
        start = time.process_time()
        found = engine.filter_diagnostics(engine.analyze_for_fixes(text, "bench.py")[2], text, "bench.py", Settings())
        quick.append(time.process_time() - start)
        start = time.process_time()
        engine.check_source(text, "bench.py", Settings())
        full.append(time.process_time() - start)
    del found
    return {"analysis_cpu_ms": round(statistics.median(quick) * 1000),
            "with_fixes_cpu_ms": round(statistics.median(full) * 1000)}


async def run(edits: int, debounce: Optional[int]) -> Dict[str, object]:
    client = Client()

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        now = time.perf_counter()
        client.arrived.setdefault((params.uri, params.version), now)
        if not any(isinstance(d.data, dict) and d.data.get("fixPending") for d in params.diagnostics):
            client.final.setdefault((params.uri, params.version), now)
        client.counts[(params.uri, params.version)] = len(params.diagnostics)
        client.event.set()

    @client.feature(lsp.WINDOW_LOG_MESSAGE)
    def logged(params: lsp.LogMessageParams) -> None:
        print(f"server log: {params.message}", file=sys.stderr)

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    await client.start_io(sys.executable, "-m", "inplace_lint", "server", env=env, cwd=str(ROOT))
    folder = Path(os.path.realpath(os.environ.get("TMPDIR", "/tmp"))) / "inplace-lint-lsp-bench"
    folder.mkdir(parents=True, exist_ok=True)
    options = {} if debounce is None else {"debounceMs": debounce}
    started = time.perf_counter()
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(),
                                                       root_uri=folder.as_uri(), initialization_options=options))
    client.initialized(lsp.InitializedParams())
    results: Dict[str, object] = {}
    files = [("library", library_file()), ("model", model_file()), ("dense", dense_file())]
    for name, text in files:
        if text is None:
            continue
        uri = (folder / f"{name}.py").as_uri()  # never written: the buffer is what is analysed
        sent = time.perf_counter()
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        first = await wait_for(client, uri, 1, final=True) - sent
        latencies: List[float] = []
        finals: List[float] = []
        findings = set()
        for i in range(edits):
            version = i + 2
            new = toggled(text, on=i % 2 == 0)
            sent = time.perf_counter()
            client.text_document_did_change(lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=new)]))
            latencies.append(await wait_for(client, uri, version) - sent)
            finals.append(await wait_for(client, uri, version, final=True) - sent)
            findings.add(client.counts[(uri, version)])
        latencies.sort()
        finals.sort()
        results[name] = {
            "lines": text.count("\n"), "findings": sorted(findings), "open_ms": round(first * 1000),
            "median_ms": round(statistics.median(latencies) * 1000),
            "p90_ms": round(latencies[int(0.9 * (len(latencies) - 1))] * 1000),
            "max_ms": round(latencies[-1] * 1000), "edits": edits,
            "fixes_ready_median_ms": round(statistics.median(finals) * 1000),
            **engine_ms(toggled(text, True)),
        }
        if name == "dense":  # responsiveness while a long analysis runs
            version = edits + 2
            client.text_document_did_change(lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=toggled(text, True))]))
            await asyncio.sleep(0.15)  # past the debounce: the analysis is running
            model_uri = (folder / "model.py").as_uri()
            sent = time.perf_counter()
            await client.text_document_hover_async(lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=model_uri), position=lsp.Position(0, 0)))
            results["hover_during_analysis_ms"] = round((time.perf_counter() - sent) * 1000, 1)
            await wait_for(client, uri, version)
    results["server_start_ms"] = round((time.perf_counter() - started) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--debounce", type=int, default=None, metavar="MS", help="default: the server's")
    parser.add_argument("--json", metavar="FILE", help="also save the results here")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.edits, args.debounce))
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "load": os.getloadavg() if hasattr(os, "getloadavg") else None}
    print("| file | lines | findings | open | after an edit: median | p90 | max | fixes ready (median) | "
          "engine CPU: analysis / with fixes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in ("library", "model", "dense"):
        if name not in results:
            continue
        r = results[name]
        print(f"| {name} | {r['lines']} | {'/'.join(map(str, r['findings']))} | {r['open_ms']} ms | "
              f"{r['median_ms']} ms | {r['p90_ms']} ms | {r['max_ms']} ms | {r['fixes_ready_median_ms']} ms | "
              f"{r['analysis_cpu_ms']} / {r['with_fixes_cpu_ms']} ms |")
    print(f"hover while the dense file is analysed: {results['hover_during_analysis_ms']} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
