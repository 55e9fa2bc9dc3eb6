"""Peak memory of the two fixes for an in-place write into a saved activation (docs/fixes.md, "Memory").

    python bench/function_fix_memory.py            # prints a Markdown table, saves bench/results/function-fix-memory.json
    python bench/function_fix_memory.py --size 2048 --depth 8

The chain is the one of issue #15: ``h = torch.sigmoid(x); h.mul_(2)`` in a module's ``forward`` (backward raises).
Each variant is the code inplace-lint itself writes (``fix_text``), run on a ``(size, size)`` float32 activation
(``--size 4096``: 64 MB) that requires grad:

* ``out-of-place`` -- the default fix, ``h = h.mul(2)``;
* ``function, closed form`` -- ``--fix-with function``: an autograd.Function writing in place and saving its output;
* ``function, recompute`` -- the same chain with the factor in a variable (``h.mul_(scale)``), which makes the
  generated Function save its inputs and run the chain again in ``backward``.

The model is one such block, and four blocks each followed by a layer that saves its input (``Scale``: ``x * w``, as
a linear layer or a convolution would), in an ``nn.Sequential``: a network holds every block's saved tensors until
backward. Each variant is measured in its own process on CPU with ``torch.profiler.profile(activities=[CPU], profile_memory=True)``: the allocator's
"Total Allocated" counter of the trace's ``[memory]`` events, which counts from the start of the profile (the input
``x`` is allocated before and is not counted). Reported: the peak during ``forward``, what the graph still holds
when ``forward`` returns (the live bytes at its end), and the peak over ``forward`` + ``backward``
(``out.sum().backward()``; the gradient of ``x`` is included).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

from inplace_lint.fixes import fix_text  # noqa: E402

SOURCE = textwrap.dedent("""\
    import torch
    import torch.nn as nn


    class Gate(nn.Module):
        def forward(self, x):
            h = torch.sigmoid(x)
            h.mul_(2)
            return h
""")


class Scale(torch.nn.Module):
    """``x * w`` with a per-column weight: like most layers, it saves its input (the Gate's output) for backward."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.linspace(0.5, 1.5, size))

    def forward(self, x):
        return x * self.w


def variants() -> dict:
    recompute_source = SOURCE.replace("h.mul_(2)", "h.mul_(scale)").replace(
        "class Gate", "scale = 2.0\n\n\nclass Gate")
    out = {
        "out-of-place": fix_text(SOURCE, "gate.py", unsafe=True).source,
        "function, closed form": fix_text(SOURCE, "gate.py", unsafe=True, fix_with="function").source,
        "function, recompute": fix_text(recompute_source, "gate.py", unsafe=True, fix_with="function").source,
    }
    assert "autograd.Function" not in out["out-of-place"]
    assert "ops.aten.sigmoid_backward" in out["function, closed form"]
    assert "torch.enable_grad()" in out["function, recompute"]
    return out


def _trace(prof) -> list:
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        prof.export_chrome_trace(path)
        return json.loads(Path(path).read_text())["traceEvents"]
    finally:
        os.unlink(path)


def measure(code: str, size: int, depth: int = 1) -> dict:
    """One profile of forward + backward (in a fresh process: the allocator counter the trace reports is only
    updated while a profile runs)."""
    from torch.profiler import record_function

    ns: dict = {}
    exec(compile(code, "gate.py", "exec"), ns)
    layers = [ns["Gate"]()] if depth == 1 else [m for _ in range(depth) for m in (ns["Gate"](), Scale(size))]
    model = torch.nn.Sequential(*layers)
    x = torch.randn(size, size, requires_grad=True)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        with record_function("forward"):
            out = model(x)
        out.sum().backward()
    events = _trace(prof)
    forward = next(e for e in events if e.get("name") == "forward" and e.get("ph") == "X")
    end = forward["ts"] + forward["dur"]
    mem = sorted((e for e in events if e.get("name") == "[memory]"), key=lambda e: e["ts"])
    base = int(mem[0]["args"]["Total Allocated"]) - int(mem[0]["args"]["Bytes"])  # the counter before the profile
    total = [int(e["args"]["Total Allocated"]) - base for e in mem]
    in_forward = [t for e, t in zip(mem, total) if e["ts"] <= end]
    reference = x.detach().clone().requires_grad_()
    y = reference
    for layer in layers:
        y = torch.sigmoid(y) * 2 if not isinstance(layer, Scale) else y * layer.w.detach()
    y.sum().backward()
    assert torch.allclose(x.grad, reference.grad, atol=1e-6), "wrong gradient"
    return {"forward_peak": max(in_forward), "held_after_forward": in_forward[-1], "peak": max(total)}


def _measure_in_child(name: str, size: int, depth: int) -> dict:
    import subprocess

    proc = subprocess.run([sys.executable, __file__, "--size", str(size), "--depth", str(depth), "--variant", name],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=4096, help="the activation is (size, size) float32 (4096: 64 MB)")
    p.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "function-fix-memory.json")
    p.add_argument("--depth", type=int, default=0, help="1: one Gate; N > 1: N x (Gate, Scale) (default: 1 and 4)")
    p.add_argument("--variant", help=argparse.SUPPRESS)  # internal: measure one variant, print JSON
    ns = p.parse_args(argv)
    torch.set_num_threads(1)
    if ns.variant:
        print(json.dumps(measure(variants()[ns.variant], ns.size, ns.depth or 1)))
        return 0
    mb = 2 ** 20
    activation = ns.size * ns.size * 4
    depths = [ns.depth] if ns.depth else [1, 4]
    rows = {depth: {name: _measure_in_child(name, ns.size, depth) for name in variants()} for depth in depths}
    print(f"activation: ({ns.size}, {ns.size}) float32 = {activation / mb:.0f} MB; torch {torch.__version__}, CPU\n")
    print("| model | fix | forward peak | held by the graph after forward | forward + backward peak |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for depth, by_name in rows.items():
        for name, r in by_name.items():
            model = "one Gate" if depth == 1 else f"{depth} x (Gate, Scale)"
            print(f"| {model} | {name} | {r['forward_peak'] / mb:.0f} MB | {r['held_after_forward'] / mb:.0f} MB | "
                  f"{r['peak'] / mb:.0f} MB |")
    ns.output.parent.mkdir(parents=True, exist_ok=True)
    ns.output.write_text(json.dumps({"torch": torch.__version__, "size": ns.size, "activation_bytes": activation,
                                     "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
