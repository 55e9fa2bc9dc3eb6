"""Generate ``docs/error-catalog.md`` and ``docs/error-catalog.json`` from the installed torch.

Run with torch installed::

    python tools/generate_error_catalog.py            # rewrites both files
    python tools/generate_error_catalog.py --check    # exit 1 if either committed file is stale

The catalog lists the errors (and warnings) torch gives for in-place writes, views, inference mode and
``requires_grad`` under autograd, and says for each one which inplace-lint rule reports it -- or why none does.
Nothing in it is a remembered message: this file holds only hand-written *programs* and what they are about; every
message in the output is what torch printed when the program ran.

Method
------
Where the entries come from
    The messages were found in torch's own sources as shipped in the wheel: the headers under
    ``torch/include/`` (``torch/csrc/autograd/VariableTypeUtils.h``: ``check_inplace``,
    ``throw_error_out_requires_grad``; ``c10/core/TensorImpl.h``: the inference-tensor and version-counter checks),
    the strings compiled into ``torch/lib/libtorch_cpu.so``, ``libtorch_python.so`` and ``libc10.so`` (``strings``
    on them, searched for ``inplace``, ``in-place``, ``leaf``, ``view``, ``requires_grad``, ``inference``,
    ``version``, ``detach``, ``resize``, ``out=``, ``.grad``, ``backward``) -- in particular every branch of
    ``handle_view_on_rebase`` in ``torch/csrc/autograd/variable.cpp`` (multi-output, no_grad and inference-mode
    views, views made inside a custom Function or a ``BackwardHookFunction``, each direct, "view of a view" and
    "its base ... has been modified" form) and the checks of ``torch/csrc/autograd/custom_function.cpp`` -- and
    the ``.py`` files of the wheel (``torch/_tensor.py``, ``torch/optim/optimizer.py``). Messages about other
    subsystems that merely mention these words (TorchScript tracing, ONNX, DDP internals, sparse/nested/quantized
    layouts, the generic "forward AD not implemented for <op>") are left out.
Running
    Each entry's program runs in this process, in a fresh namespace, compiled with the file name ``<id>``; torch's
    grad mode is restored afterwards (the programs use no randomness that could change a message). The outcome is
    the exception it raised (type and ``str()``), else the first warning issued while the program was on the stack
    (warnings torch issues on its own, such as a missing NumPy at import, are ignored), else nothing. An entry
    declares what it expects (``error``, ``warning`` or ``silent``); any other outcome aborts the generation, so a
    torch upgrade that changes behaviour cannot slip through as a quietly different catalog. ``silent`` entries
    (torch says nothing) carry a ``symptom`` expression that must be true after the run (the gradient is wrong).
Unreachable messages
    Messages found in the sources that no program could trigger keep their source text and the disposition
    ``out-of-scope: cannot be reached from Python code (...)``; the generator checks that the text really is in
    the installed torch (``found_in``) and, when the entry has an ``attempt`` program (the closest call that
    should reach the check), runs it and records what happened instead.
Normalisation (``message``)
    The exact ``str()`` of the exception or warning, minus the `` (Triggered internally at <build path>:<line>.)``
    suffix torch appends to warnings raised from C++ (a build-machine path and a line number). Everything else is
    kept verbatim -- the autograd node names (``Unbind``, ``Split``, ``Select``, ``BackwardHookFunction``), output
    indices, ``[torch.FloatTensor [3]]``, version numbers and the op name in ``add(): ...`` -- because this is the
    text a user sees and the text rule docs quote in ``raises="..."``; the programs fix all of them.
``template``
    The message with those per-call parts replaced by placeholders: ``Output <i> of <Node>``, ``which is output <i>
    of <Node>``, ``[<tensor type> [<shape>]]``, ``version <n>``, ``<op>(): functions with out=...``: what every
    instance of the error has in common.

JSON schema
-----------
``{"meta": {...}, "entries": [...]}``; ``meta``: ``torch_version``, ``generated_by``, ``numpy_available`` (the one
other thing an outcome depends on: without NumPy, ``Tensor.numpy()`` fails before its requires-grad check),
``counts`` (``entries``, ``reproduced``, ``unreachable``, ``out_of_scope``, ``by_rule``: ``{code: n}``). Each
entry, in catalog order::

    {
      "id": "multi-output-view-inplace",
      "kind": "error",                 # | "warning" | "silent" | "unreachable"
      "type": "RuntimeError",          # exception or warning class; null when silent / unreachable
      "message": "Output 0 of Unbind is a view and is being modified inplace. ...",   # "" when silent
      "template": "Output <i> of <Node> is a view and is being modified inplace. ...",
      "summary": "Output 0 of Unbind is a view ...",   # the first sentence(s), as in the Markdown table
      "raised_at": {"line": 5, "code": "a.mul_(2)"},   # the program line torch raised/warned at; null if none
      "trigger": "...", "families": ["unbind", ...],
      "disposition": "IPL009",         # or "out-of-scope: <reason>"
      "rule": "IPL009",                # the code, or null when out of scope
      "source": "torch/csrc/autograd/variable.cpp (handle_view_on_rebase)",
      "program": "import torch\\n...",  # null for unreachable entries without a program
      "symptom": null,                 # silent entries: the expression that held after the run
      "found_in": null,                # unreachable entries: the torch files holding the text
      "attempt": null, "attempt_outcome": null      # unreachable entries: the closest call and what it did
    }
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import mmap
import re
import sys
import textwrap
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch

ROOT = Path(__file__).resolve().parents[1]
JSON_OUTPUT = ROOT / "docs" / "error-catalog.json"
MD_OUTPUT = ROOT / "docs" / "error-catalog.md"
GENERATED_BY = "tools/generate_error_catalog.py"
TORCH_DIR = Path(torch.__file__).resolve().parent

KINDS = ("error", "warning", "silent", "unreachable")
OUT_OF_SCOPE = "out-of-scope: "
UNREACHABLE = OUT_OF_SCOPE + "cannot be reached from Python code"


@dataclass
class Entry:
    """One catalog entry: a program and what it is about. Its message is never written here."""

    id: str  # stable, kebab-case
    program: Optional[str]  # a complete script; None only for unreachable entries
    families: list[str]  # the op families involved
    trigger: str  # one sentence
    disposition: str  # "IPL00x" or "out-of-scope: <reason>"
    source: str  # where torch raises it (file and function), for readers
    expect: str = "error"  # one of KINDS
    symptom: Optional[str] = None  # silent entries: true after the run
    source_text: Optional[str] = None  # unreachable entries: the message as it appears in torch's source
    attempt: Optional[str] = None  # unreachable entries: the closest call, run to show what happens instead


def program(code: str) -> str:
    """A program: dedented, starting with ``import torch``."""
    return "import torch\n" + textwrap.dedent(code).strip("\n") + "\n"


# ---------------------------------------------------------------------------
# the entries
# ---------------------------------------------------------------------------

_VIEW_RULE_SOURCE = "torch/csrc/autograd/variable.cpp (handle_view_on_rebase, called by check_inplace)"
_INDIRECT_SOURCE = "torch/csrc/autograd/variable.cpp (handle_view_on_rebase from VariableHooks::grad_fn)"
_CUSTOM_FN_SOURCE = "torch/csrc/autograd/custom_function.cpp (_process_backward_mode_ad)"
_JVP_SOURCE = "torch/csrc/autograd/custom_function.cpp (_process_forward_mode_AD)"
_FWD_AD = "forward-mode AD with a custom Function's jvp; inplace-lint analyses reverse-mode autograd only"

ENTRIES: list[Entry] = [
    # --- check_inplace: leaves -------------------------------------------------------------------------------
    Entry(
        "leaf-inplace", program("""
            w = torch.ones(3, requires_grad=True)
            w.add_(1)
        """),
        ["in-place method", "augmented assignment", "torch.<op>_", "F.<op>(inplace=True)"],
        "An in-place operation on a leaf tensor that requires grad while grad mode is on.",
        "IPL001", "torch/csrc/autograd/VariableTypeUtils.h (check_inplace)"),
    Entry(
        "leaf-inplace-masked-setitem", program("""
            w = torch.ones(3, requires_grad=True)
            w[w > 0] = 0.0
        """),
        ["item assignment (boolean mask)", "index_put_"],
        "Boolean-mask item assignment on a leaf that requires grad: it is an index_put_ on the leaf itself, not on "
        "a view, so torch names the leaf error.",
        "IPL002", "torch/csrc/autograd/VariableTypeUtils.h (check_inplace)"),
    Entry(
        "leaf-set", program("""
            w = torch.ones(3, requires_grad=True)
            w.set_(torch.zeros(4))
        """),
        ["set_"],
        "Tensor.set_() on a leaf that requires grad (set_ goes through the same in-place check).",
        "IPL001", "torch/csrc/autograd/VariableTypeUtils.h (check_inplace)"),
    Entry(
        "leaf-view-inplace", program("""
            w = torch.ones(3, requires_grad=True)
            w[0].mul_(2)
        """),
        ["in-place method", "indexing", "view"],
        "An in-place operation on a view (index, slice, view(), t(), ...) of a leaf that requires grad.",
        "IPL002", "torch/csrc/autograd/VariableTypeUtils.h (check_inplace)"),
    Entry(
        "leaf-view-setitem", program("""
            w = torch.ones(3, requires_grad=True)
            w[0] = 5.0
        """),
        ["item assignment", "slice assignment", "copy_"],
        "Item or slice assignment into a leaf that requires grad (a copy_ into a view of the leaf).",
        "IPL002", "torch/csrc/autograd/VariableTypeUtils.h (check_inplace)"),
    Entry(
        "out-argument-is-leaf", program("""
            w = torch.ones(3, requires_grad=True)
            torch.add(torch.ones(3), 1, out=w)
        """),
        ["out="],
        "A call whose out= tensor is a leaf that requires grad.",
        "IPL001", "torch/csrc/autograd/VariableTypeUtils.h (throw_error_out_requires_grad)"),
    Entry(
        "out-argument-input-requires-grad", program("""
            w = torch.ones(3, requires_grad=True)
            buf = torch.empty(3)
            torch.mul(w, 2, out=buf)
        """),
        ["out="],
        "A call with out= whose inputs require grad (the out tensor itself does not).",
        "out-of-scope: no rule reports out= calls whose inputs require grad when the out tensor is neither a leaf "
        "(IPL001) nor saved for backward (IPL003)",
        "torch/csrc/autograd/VariableTypeUtils.h (throw_error_out_requires_grad)"),
    Entry(
        "out-argument-tensordot-shape", program("""
            a, b = torch.ones(2, 3), torch.ones(3, 4)
            out = torch.empty(5, requires_grad=True) * 1
            torch.tensordot(a, b, dims=1, out=out)
        """),
        ["out=", "tensordot"],
        "torch.tensordot with an out= tensor that requires grad and has the wrong shape.",
        "out-of-scope: a tensordot-specific shape check; no rule reports it for a non-leaf out tensor, and for a "
        "leaf one IPL001 flags the out= call but names the generic out= error, not this message",
        "aten/src/ATen/native/Linear.cpp (tensordot_out)"),
    # --- version counter --------------------------------------------------------------------------------------
    Entry(
        "saved-tensor-modified", program("""
            x = torch.ones(3, requires_grad=True)
            y = x.sigmoid()
            y.mul_(2)
            y.sum().backward()
        """),
        ["in-place method", "augmented assignment", "item assignment", "out=", "in-place modules",
         "optimizer.step()"],
        "A tensor saved for backward (here sigmoid's result) is written in place before backward() runs.",
        "IPL003", "torch/csrc/autograd/saved_variable.cpp (SavedVariable::unpack)"),
    Entry(
        "saved-tensor-modified-anomaly-mode", program("""
            x = torch.ones(3, requires_grad=True)
            with torch.autograd.set_detect_anomaly(True):
                y = x.sigmoid()
                y.mul_(2)
                y.sum().backward()
        """),
        ["in-place method", "anomaly detection"],
        "The same version-counter error with anomaly detection on: the hint changes and torch also prints the "
        "forward traceback of the failing node.",
        "IPL003", "torch/csrc/autograd/saved_variable.cpp (SavedVariable::unpack)"),
    Entry(
        "saved-tensor-detached-in-place", program("""
            x = torch.ones(3, requires_grad=True)
            h = x * 1
            y = h.sin()
            h.detach_()
            y.sum().backward()
        """),
        ["detach_"],
        "detach_() on a non-leaf tensor that an earlier operation saved for backward.",
        "out-of-scope: detach_() is not a data write; no rule models it",
        "torch/csrc/autograd/saved_variable.cpp (SavedVariable::unpack)"),
    # --- handle_view_on_rebase: multi-output views ------------------------------------------------------------
    Entry(
        "multi-output-view-inplace", program("""
            x = torch.ones(2, 3, requires_grad=True)
            a, b = x.unbind()
            a.mul_(2)
        """),
        ["unbind", "in-place method"],
        "An in-place write to an output of unbind() of a tensor that requires grad, with grad mode on.",
        "IPL009", _VIEW_RULE_SOURCE),
    Entry(
        "multi-output-view-inplace-split", program("""
            x = torch.ones(4, requires_grad=True)
            a, b = (x * 1).split(2)
            b.add_(1)
        """),
        ["split", "in-place method"],
        "An in-place write to an output of split() of a tensor that requires grad.",
        "IPL009", _VIEW_RULE_SOURCE),
    Entry(
        "multi-output-view-inplace-chunk", program("""
            x = torch.ones(4, requires_grad=True)
            a, b = (x * 1).chunk(2)
            a += 1
        """),
        ["chunk", "augmented assignment"],
        "An augmented assignment to an output of chunk() (torch names the node Split: chunk is implemented "
        "with split).",
        "IPL009", _VIEW_RULE_SOURCE),
    Entry(
        "multi-output-view-inplace-split-with-sizes", program("""
            x = torch.ones(4, requires_grad=True)
            a, b = (x * 1).split_with_sizes([1, 3])
            a.add_(1)
        """),
        ["split_with_sizes", "in-place method"],
        "An in-place write to an output of split_with_sizes().",
        "IPL009", _VIEW_RULE_SOURCE),
    Entry(
        "multi-output-view-inplace-iteration", program("""
            x = torch.ones(2, 3, requires_grad=True)
            for row in x * 1:
                row.zero_()
        """),
        ["iteration over a tensor (unbind)", "in-place method"],
        "An in-place write to a row obtained by iterating over a tensor that requires grad (Tensor.__iter__ is "
        "unbind(0)).",
        "IPL009", _VIEW_RULE_SOURCE),
    Entry(
        "multi-output-view-of-view-inplace", program("""
            x = torch.ones(2, 3, requires_grad=True)
            a, b = (x * 1).unbind()
            a[0] = 0.0
        """),
        ["unbind", "item assignment", "view of a view"],
        "Item assignment into an output of unbind(): the write goes through a view (select) of the output, so "
        "torch names Select, not Unbind.",
        "IPL009", _VIEW_RULE_SOURCE),
    Entry(
        "multi-output-view-base-modified", program("""
            x = torch.ones(2, 3, requires_grad=True)
            y = x * 1
            a, b = y.unbind()
            y.mul_(2)
            a.sum().backward()
        """),
        ["unbind", "in-place method on the base"],
        "The base of unbind()'s outputs is written in place and an output is used afterwards.",
        "out-of-scope: the write is to the base, not to an output; IPL009 as specified reports writes to the "
        "outputs (and views of them) only",
        _INDIRECT_SOURCE),
    Entry(
        "multi-output-custom-function-views", program("""
            class TwoViews(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x.view_as(x), x[:1]

                @staticmethod
                def backward(ctx, g, h):
                    return g

            x = torch.ones(3, requires_grad=True)
            a, b = TwoViews.apply(x * 1)
            a.mul_(2)
        """),
        ["custom autograd.Function", "in-place method"],
        "An in-place write to an output of a custom autograd.Function that returns several views of its input "
        "(torch treats it as a multi-output view, naming the Function).",
        "IPL009", _CUSTOM_FN_SOURCE + " and " + _VIEW_RULE_SOURCE),
    # --- handle_view_on_rebase: views made under no_grad ------------------------------------------------------
    Entry(
        "no-grad-view-inplace", program("""
            x = torch.ones(3, requires_grad=True)
            with torch.no_grad():
                v = x[:2]
            v.mul_(2)
        """),
        ["torch.no_grad", "slicing", "in-place method"],
        "A view of a tensor that requires grad is made under torch.no_grad() and written in place after the "
        "block, with grad mode on.",
        "IPL010", _VIEW_RULE_SOURCE),
    Entry(
        "no-grad-view-of-view-inplace", program("""
            x = torch.ones(3, requires_grad=True)
            y = x * 2
            with torch.no_grad():
                v = y[:2]
            v[0].mul_(2)
        """),
        ["torch.no_grad", "view of a view", "in-place method"],
        "A view taken with grad mode on of a view made under torch.no_grad() is written in place.",
        "IPL010", _VIEW_RULE_SOURCE),
    Entry(
        "no-grad-view-base-modified", program("""
            x = torch.ones(3, requires_grad=True)
            y = x * 2
            with torch.no_grad():
                v = y[:2]
            y.mul_(2)
            v.sum().backward()
        """),
        ["torch.no_grad", "in-place method on the base"],
        "The base of a view made under torch.no_grad() is written in place with grad mode on, then the view is "
        "used.",
        "out-of-scope: the write is to the base, not to the view; IPL010 as specified reports writes to the "
        "view only",
        _INDIRECT_SOURCE),
    # --- handle_view_on_rebase: views made in inference mode --------------------------------------------------
    Entry(
        "inference-mode-view-inplace", program("""
            x = torch.ones(3, requires_grad=True)
            with torch.inference_mode():
                v = x[:2]
            v.mul_(2)
        """),
        ["torch.inference_mode", "slicing", "in-place method"],
        "A view of a normal tensor that requires grad is made under torch.inference_mode() and written in place "
        "outside it.",
        "IPL010", _VIEW_RULE_SOURCE),
    Entry(
        "inference-mode-view-of-view-inplace", program("""
            x = torch.ones(3, requires_grad=True)
            y = x * 2
            with torch.inference_mode():
                v = y[:2]
            v[0].mul_(2)
        """),
        ["torch.inference_mode", "view of a view", "in-place method"],
        "A view taken outside inference mode of a view made inside it is written in place.",
        "IPL010", _VIEW_RULE_SOURCE),
    Entry(
        "inference-mode-view-base-modified", program("""
            x = torch.ones(3, requires_grad=True)
            y = x * 2
            with torch.inference_mode():
                v = y[:2]
            y.mul_(2)
            v.sum().backward()
        """),
        ["torch.inference_mode", "in-place method on the base"],
        "The base of a view made in inference mode is written in place in normal mode, then the view is used.",
        "out-of-scope: the write is to the base, not to the view; IPL010 as specified reports writes to the "
        "view only",
        _INDIRECT_SOURCE),
    # --- inference tensors ------------------------------------------------------------------------------------
    Entry(
        "inference-tensor-inplace", program("""
            with torch.inference_mode():
                t = torch.ones(3)
            t.add_(1)
        """),
        ["torch.inference_mode", "in-place method", "item assignment", "out="],
        "A tensor created under torch.inference_mode() is written in place outside it.",
        "IPL011", "c10/core/TensorImpl.h (TensorImpl::bump_version)"),
    Entry(
        "inference-tensor-saved-for-backward", program("""
            with torch.inference_mode():
                t = torch.ones(3)
            w = torch.ones(3, requires_grad=True)
            y = w * t
        """),
        ["torch.inference_mode", "ops that save their inputs"],
        "An op run outside inference mode saves an inference tensor for backward (here w * t saves t because w "
        "requires grad).",
        "IPL011", "torch/csrc/autograd/saved_variable.cpp (SavedVariable::SavedVariable)"),
    Entry(
        "inference-tensor-requires-grad", program("""
            with torch.inference_mode():
                t = torch.ones(3)
            t.requires_grad_()
        """),
        ["torch.inference_mode", "requires_grad_", "requires_grad ="],
        "requires_grad_() (or requires_grad = True) on an inference tensor outside inference mode.",
        "IPL011", "c10/core/TensorImpl.cpp (TensorImpl::set_requires_grad)"),
    Entry(
        "inference-tensor-parameter", program("""
            with torch.inference_mode():
                t = torch.ones(3)
            p = torch.nn.Parameter(t)
        """),
        ["torch.inference_mode", "nn.Parameter"],
        "nn.Parameter(t) of an inference tensor outside inference mode (Parameter sets requires_grad=True).",
        "IPL011", "c10/core/TensorImpl.cpp (TensorImpl::set_requires_grad)"),
    Entry(
        "backward-through-inference-result", program("""
            w = torch.ones(3, requires_grad=True)
            with torch.inference_mode():
                y = (w * 2).sum()
            y.backward()
        """),
        ["torch.inference_mode", "backward", "torch.autograd.grad"],
        "backward() or torch.autograd.grad() through a result computed under torch.inference_mode() (inside the "
        "block, even under torch.enable_grad(), or after it): no graph was recorded.",
        "IPL011", "torch/csrc/autograd/autograd.cpp (_make_grads / run_backward)"),
    Entry(
        "inference-tensor-version", program("""
            with torch.inference_mode():
                t = torch.ones(3)
            t._version
        """),
        ["torch.inference_mode", "Tensor._version"],
        "Reading the private _version attribute of an inference tensor.",
        "out-of-scope: only reachable through the private Tensor._version attribute",
        "c10/core/TensorImpl.h (VariableVersion::current_version)"),
    Entry(
        "inference-tensor-unsafe-set-version", program("""
            with torch.inference_mode():
                t = torch.ones(3)
            torch._C._autograd._unsafe_set_version_counter((t,), (2,))
        """),
        ["torch.inference_mode", "torch._C._autograd._unsafe_set_version_counter"],
        "Setting the version counter of an inference tensor through the internal setter.",
        "out-of-scope: only reachable through the internal torch._C._autograd._unsafe_set_version_counter",
        "c10/core/TensorImpl.h (VariableVersion::set_version)"),
    # --- handle_view_on_rebase: custom Function / BackwardHookFunction views ----------------------------------
    Entry(
        "custom-function-view-inplace", program("""
            class ViewOf(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x.view_as(x)

                @staticmethod
                def backward(ctx, g):
                    return g

            x = torch.ones(3, requires_grad=True)
            y = ViewOf.apply(x * 1)
            y.mul_(2)
        """),
        ["custom autograd.Function", "in-place method"],
        "An in-place write to the output of a custom autograd.Function that returns a view of its input.",
        "IPL012", _VIEW_RULE_SOURCE),
    Entry(
        "custom-function-input-returned-inplace", program("""
            class Identity(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x

                @staticmethod
                def backward(ctx, g):
                    return g

            x = torch.ones(3, requires_grad=True)
            y = Identity.apply(x)
            y.mul_(2)
        """),
        ["custom autograd.Function", "in-place method"],
        "An in-place write to the output of a custom autograd.Function that returns its input as-is (autograd "
        "turns it into a view).",
        "IPL012", _VIEW_RULE_SOURCE),
    Entry(
        "custom-function-view-of-output-inplace", program("""
            class Identity(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x

                @staticmethod
                def backward(ctx, g):
                    return g

            x = torch.ones(3, requires_grad=True)
            y = Identity.apply(x * 1)
            y[0].mul_(2)
        """),
        ["custom autograd.Function", "view of a view", "in-place method"],
        "An in-place write to a view (here y[0]) of a custom Function's view output: torch names Select.",
        "IPL012", _VIEW_RULE_SOURCE),
    Entry(
        "backward-hook-output-inplace", program("""
            import torch.nn as nn

            m = nn.Linear(3, 3)
            m.register_full_backward_hook(lambda mod, grad_in, grad_out: None)
            out = m(torch.ones(1, 3))
            out.relu_()
        """),
        ["register_full_backward_hook", "nn.Module output", "in-place method"],
        "An in-place write to the output of a module that has a full backward hook (outputs are wrapped by "
        "BackwardHookFunction, a custom Function returning its inputs as views).",
        "IPL012", _VIEW_RULE_SOURCE),
    Entry(
        "backward-hook-inplace-module", program("""
            import torch.nn as nn

            act = nn.ReLU(inplace=True)
            act.register_full_backward_hook(lambda mod, grad_in, grad_out: None)
            x = torch.ones(3, requires_grad=True)
            act(x * 1)
        """),
        ["register_full_backward_hook", "in-place modules"],
        "A full backward hook on a module that writes its input in place (nn.ReLU(inplace=True)): the input "
        "is wrapped by BackwardHookFunction before the module writes it.",
        "IPL012", _VIEW_RULE_SOURCE),
    # --- custom Function: mark_dirty / setup_context ----------------------------------------------------------
    Entry(
        "custom-function-dirty-leaf", program("""
            class Double(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    x.mul_(2)
                    ctx.mark_dirty(x)
                    return x

                @staticmethod
                def backward(ctx, g):
                    return 2 * g

            w = torch.ones(3, requires_grad=True)
            Double.apply(w)
        """),
        ["custom autograd.Function", "ctx.mark_dirty"],
        "A custom Function that writes its input in place (and says so with mark_dirty) is applied to a leaf "
        "that requires grad.",
        "out-of-scope: no rule follows a leaf into a Function that marks it dirty (IPL007 reports the missing "
        "mark_dirty, not this)",
        _CUSTOM_FN_SOURCE),
    Entry(
        "custom-function-dirty-not-returned", program("""
            class Bad(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    x.mul_(2)
                    ctx.mark_dirty(x)
                    return x * 1

                @staticmethod
                def backward(ctx, g):
                    return 2 * g

            x = torch.ones(3, requires_grad=True)
            Bad.apply(x * 1)
        """),
        ["custom autograd.Function", "ctx.mark_dirty"],
        "A custom Function marks an input dirty but does not return it.",
        "out-of-scope: no rule checks that a dirty input is returned (IPL007 reports the missing mark_dirty)",
        _CUSTOM_FN_SOURCE),
    Entry(
        "custom-function-dirty-non-input", program("""
            class Bad(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    y = x * 2
                    ctx.mark_dirty(y)
                    return y

                @staticmethod
                def backward(ctx, g):
                    return 2 * g

            x = torch.ones(3, requires_grad=True)
            Bad.apply(x * 1)
        """),
        ["custom autograd.Function", "ctx.mark_dirty"],
        "A custom Function passes a tensor that is not one of its inputs to ctx.mark_dirty().",
        "out-of-scope: a harmless misuse (a warning); no rule checks mark_dirty's arguments",
        _CUSTOM_FN_SOURCE, expect="warning"),
    Entry(
        "custom-function-dirty-view-several-outputs", program("""
            class Bad(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    x.mul_(2)
                    ctx.mark_dirty(x)
                    return x, x * 3

                @staticmethod
                def backward(ctx, g1, g2):
                    return 2 * g1

            x = torch.ones(3, requires_grad=True)
            Bad.apply((x * 1)[:2])
        """),
        ["custom autograd.Function", "ctx.mark_dirty", "view"],
        "A custom Function that writes an input in place returns several tensors while that input is a view.",
        "out-of-scope: no rule models a dirty view input of a Function with several outputs",
        _CUSTOM_FN_SOURCE),
    Entry(
        "custom-function-setup-context-input-saved", program("""
            class Identity(torch.autograd.Function):
                @staticmethod
                def forward(x):
                    return x

                @staticmethod
                def setup_context(ctx, inputs, output):
                    ctx.save_for_backward(output)

                @staticmethod
                def backward(ctx, g):
                    return g

            x = torch.ones(3, requires_grad=True)
            Identity.apply(x * 1)
        """),
        ["custom autograd.Function", "setup_context", "save_for_backward"],
        "A custom Function with setup_context saves an input that forward returned as-is.",
        "out-of-scope: no rule models save_for_backward of an input returned as-is under setup_context",
        _CUSTOM_FN_SOURCE),
    Entry(
        "custom-function-pure-view", program("""
            class PureView(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x, z):
                    ctx._is_pure_view = True
                    return x.view_as(x)

                @staticmethod
                def backward(ctx, g):
                    return g, None

            x = torch.ones(3, requires_grad=True)
            PureView.apply(x * 1, torch.ones(3))
        """),
        ["custom autograd.Function", "ctx._is_pure_view"],
        "A custom Function flagged as a pure view (private ctx._is_pure_view) has more than one input or output.",
        "out-of-scope: only reachable through the private ctx._is_pure_view flag",
        "torch/csrc/autograd/custom_function.cpp (_wrap_outputs)"),
    # --- custom Function: forward-mode AD (jvp) ---------------------------------------------------------------
    Entry(
        "custom-function-jvp-not-inplace", program("""
            import torch.autograd.forward_ad as fwAD

            class Double(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    x.mul_(2)
                    ctx.mark_dirty(x)
                    return x

                @staticmethod
                def backward(ctx, g):
                    return 2 * g

                @staticmethod
                def jvp(ctx, t):
                    return 2 * t

            with fwAD.dual_level():
                d = fwAD.make_dual(torch.ones(3), torch.ones(3))
                Double.apply(d * 1)
        """),
        ["custom autograd.Function", "jvp", "ctx.mark_dirty", "forward-mode AD"],
        "Under forward-mode AD, an in-place custom Function whose jvp does not modify the tangent in place.",
        OUT_OF_SCOPE + _FWD_AD, _JVP_SOURCE),
    Entry(
        "custom-function-jvp-not-as-is", program("""
            import torch.autograd.forward_ad as fwAD

            class Double(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    x.mul_(2)
                    ctx.mark_dirty(x)
                    return x

                @staticmethod
                def backward(ctx, g):
                    return 2 * g

                @staticmethod
                def jvp(ctx, t):
                    t.mul_(2)
                    return t.view_as(t)

            with fwAD.dual_level():
                d = fwAD.make_dual(torch.ones(3), torch.ones(3))
                Double.apply(d * 1)
        """),
        ["custom autograd.Function", "jvp", "ctx.mark_dirty", "forward-mode AD"],
        "Under forward-mode AD, an in-place custom Function whose jvp modifies the tangent in place but returns "
        "another tensor.",
        OUT_OF_SCOPE + _FWD_AD, _JVP_SOURCE),
    Entry(
        "custom-function-jvp-dirty-non-input", program("""
            import torch.autograd.forward_ad as fwAD

            class Bad(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    y = x * 2
                    ctx.mark_dirty(y)
                    return y

                @staticmethod
                def backward(ctx, g):
                    return 2 * g

                @staticmethod
                def jvp(ctx, t):
                    return 2 * t

            with fwAD.dual_level():
                d = fwAD.make_dual(torch.ones(3), torch.ones(3))
                Bad.apply(d * 1)
        """),
        ["custom autograd.Function", "jvp", "ctx.mark_dirty", "forward-mode AD"],
        "Under forward-mode AD, a custom Function passes a tensor that is not an input to ctx.mark_dirty().",
        OUT_OF_SCOPE + _FWD_AD, _JVP_SOURCE),
    Entry(
        "custom-function-jvp-not-view", program("""
            import torch.autograd.forward_ad as fwAD

            class ViewOf(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x.view_as(x)

                @staticmethod
                def backward(ctx, g):
                    return g

                @staticmethod
                def jvp(ctx, t):
                    return t * 1

            with fwAD.dual_level():
                d = fwAD.make_dual(torch.ones(3), torch.ones(3))
                ViewOf.apply(d * 1)
        """),
        ["custom autograd.Function", "jvp", "view", "forward-mode AD"],
        "Under forward-mode AD, a custom Function returns a view but its jvp does not return a view.",
        OUT_OF_SCOPE + _FWD_AD, _JVP_SOURCE),
    Entry(
        "custom-function-jvp-view-of-other", program("""
            import torch.autograd.forward_ad as fwAD

            class ViewOf(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x.view_as(x)

                @staticmethod
                def backward(ctx, g):
                    return g

                @staticmethod
                def jvp(ctx, t):
                    return torch.ones(3)[:]

            with fwAD.dual_level():
                d = fwAD.make_dual(torch.ones(3), torch.ones(3))
                ViewOf.apply(d * 1)
        """),
        ["custom autograd.Function", "jvp", "view", "forward-mode AD"],
        "Under forward-mode AD, a custom Function returns a view of its input but its jvp returns a view of "
        "something other than the input's tangent.",
        OUT_OF_SCOPE + _FWD_AD, _JVP_SOURCE),
    Entry(
        "custom-function-jvp-view-other-base", program("""
            import torch.autograd.forward_ad as fwAD

            class ViewOf(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x.view_as(x)

                @staticmethod
                def backward(ctx, g):
                    return g

                @staticmethod
                def jvp(ctx, t):
                    return (t * 1)[:]

            with fwAD.dual_level():
                d = fwAD.make_dual(torch.ones(3), torch.ones(3))
                ViewOf.apply(d[:])
        """),
        ["custom autograd.Function", "jvp", "view", "forward-mode AD"],
        "Under forward-mode AD, a custom Function applied to a view returns a view, but its jvp returns a view "
        "with another base than the input tangent's.",
        OUT_OF_SCOPE + _FWD_AD, _JVP_SOURCE),
    # --- requires_grad flags ----------------------------------------------------------------------------------
    Entry(
        "requires-grad-flag-non-leaf", program("""
            x = torch.ones(3, requires_grad=True)
            y = x * 2
            y.requires_grad_(False)
        """),
        ["requires_grad_", "requires_grad ="],
        "requires_grad_(False) (or requires_grad = False) on a non-leaf tensor.",
        "out-of-scope: no rule models requires_grad flag changes on non-leaf tensors",
        "torch/csrc/autograd/variable.cpp (VariableHooks::requires_grad_)"),
    Entry(
        "requires-grad-integer-tensor", program("""
            t = torch.ones(3, dtype=torch.long)
            t.requires_grad_()
        """),
        ["requires_grad_", "requires_grad ="],
        "requires_grad_() on an integer tensor.",
        "out-of-scope: a dtype error, not an autograd-bookkeeping one; no rule tracks dtypes",
        "torch/csrc/autograd/python_variable.cpp / python_variable_methods.cpp (requires_grad_)"),
    Entry(
        "requires-grad-integer-factory", program("""
            t = torch.ones(3, dtype=torch.long, requires_grad=True)
        """),
        ["factory requires_grad=True"],
        "A factory called with an integer dtype and requires_grad=True.",
        "out-of-scope: a dtype error, not an autograd-bookkeeping one; no rule tracks dtypes",
        "torch/csrc/utils/tensor_new.cpp / the generated Python factory bindings"),
    Entry(
        "requires-grad-not-bool", program("""
            t = torch.ones(3)
            t.requires_grad = 1
        """),
        ["requires_grad ="],
        "Assigning a non-bool to Tensor.requires_grad.",
        "out-of-scope: a type error; no rule checks the value assigned",
        "torch/csrc/autograd/python_variable.cpp (THPVariable_set_requires_grad)"),
    Entry(
        "requires-grad-in-functorch-transform", program("""
            from torch.func import grad

            def f(x):
                x.requires_grad_()
                return x.sum()

            grad(f)(torch.ones(3))
        """),
        ["torch.func", "requires_grad_"],
        "requires_grad_() inside a function transformed by torch.func (grad, vjp, jacrev, ...).",
        "out-of-scope: torch.func transforms are not modelled",
        "aten/src/ATen/functorch (DynamicLayer / the functorch autograd checks)"),
    Entry(
        "retain-grad-in-functorch-transform", program("""
            from torch.func import grad

            def f(x):
                y = x * 2
                y.retain_grad()
                return y.sum()

            grad(f)(torch.ones(3))
        """),
        ["torch.func", "retain_grad"],
        "retain_grad() inside a function transformed by torch.func.",
        "out-of-scope: torch.func transforms are not modelled",
        "aten/src/ATen/functorch (DynamicLayer / the functorch autograd checks)"),
    Entry(
        "retain-grad-without-requires-grad", program("""
            t = torch.ones(3)
            t.retain_grad()
        """),
        ["retain_grad"],
        "retain_grad() on a tensor that does not require grad (on a leaf that does, it is a silent no-op).",
        "out-of-scope: no rule models retain_grad",
        "torch/csrc/autograd/variable.cpp (VariableHooks::retain_grad)"),
    Entry(
        "register-hook-without-requires-grad", program("""
            t = torch.ones(3)
            t.register_hook(lambda g: g)
        """),
        ["register_hook"],
        "Tensor.register_hook on a tensor that does not require grad.",
        "out-of-scope: no rule models tensor hooks",
        "torch/_tensor.py (Tensor.register_hook)"),
    Entry(
        "grad-dtype-non-leaf-set", program("""
            x = torch.ones(3, requires_grad=True)
            y = x * 2
            y.grad_dtype = torch.float64
        """),
        ["grad_dtype"],
        "Setting grad_dtype on a non-leaf tensor.",
        "out-of-scope: no rule models grad_dtype",
        "torch/csrc/autograd/variable.cpp (grad_dtype setter)"),
    Entry(
        "grad-dtype-non-leaf-get", program("""
            x = torch.ones(3, requires_grad=True)
            y = x * 2
            y.grad_dtype
        """),
        ["grad_dtype"],
        "Reading grad_dtype of a non-leaf tensor.",
        "out-of-scope: no rule models grad_dtype",
        "torch/csrc/autograd/variable.cpp (grad_dtype getter)"),
    # --- .grad, backward(), optimizers ------------------------------------------------------------------------
    Entry(
        "grad-of-non-leaf", program("""
            w = torch.ones(3, requires_grad=True)
            w = w * 2
            w.sum().backward()
            g = w.grad
        """),
        [".grad"],
        "Reading .grad of a non-leaf tensor (here a name rebound to the result of an op on the leaf).",
        "IPL005", "aten/src/ATen/core/TensorBody.h (TensorBase::grad)", expect="warning"),
    Entry(
        "backward-without-grad-fn", program("""
            w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
            for _ in range(2):
                loss = (w * w).sum()
                loss.backward()
                with torch.no_grad():
                    w = w - 0.1 * w.grad
        """),
        ["backward()", "torch.no_grad"],
        "backward() on a result that does not require grad (here computed from a name rebound under "
        "torch.no_grad() in an update loop).",
        "IPL005", "torch/csrc/autograd/python_engine.cpp (THPEngine_run_backward)"),
    Entry(
        "optimizer-non-leaf", program("""
            w = torch.ones(3, requires_grad=True) * 2
            opt = torch.optim.SGD([w], lr=0.1)
        """),
        ["torch.optim"],
        "An optimizer is given a non-leaf tensor.",
        "IPL005", "torch/optim/optimizer.py (Optimizer.add_param_group)"),
    Entry(
        "autograd-grad-input-without-requires-grad", program("""
            w = torch.ones(3, requires_grad=True)
            t = torch.ones(3)
            torch.autograd.grad((w * t).sum(), [t])
        """),
        ["torch.autograd.grad"],
        "torch.autograd.grad asked for the gradient of an input that does not require grad.",
        "out-of-scope: no rule models torch.autograd.grad inputs",
        "torch/csrc/autograd/python_engine.cpp (THPEngine_run_backward)"),
    Entry(
        "backward-twice", program("""
            w = torch.ones(3, requires_grad=True)
            loss = (w * w).sum()
            loss.backward()
            loss.backward()
        """),
        ["backward()"],
        "backward() through a graph whose saved tensors were freed by an earlier backward().",
        "out-of-scope: not an in-place problem; no rule models retain_graph",
        "torch/csrc/autograd/saved_variable.cpp (SavedVariable::unpack, ERR_BACKWARD_TWICE)"),
    Entry(
        "leaf-moved-into-graph-interior", program("""
            w = torch.ones(3, requires_grad=True)
            loss = (w * 2).sum()
            w.requires_grad_(False)
            w.mul_(torch.ones(3, requires_grad=True))
            loss.backward()
        """),
        ["requires_grad_", "in-place method"],
        "A leaf already used in a graph stops requiring grad, is written in place by an op with an input that "
        "requires grad (so it gains a grad_fn), and the old graph is backpropagated.",
        "out-of-scope: no rule follows a leaf through requires_grad_(False) and back",
        "torch/csrc/autograd/functions/accumulate_grad.cpp (AccumulateGrad::apply)"),
    # --- resize_ / set_ / .data ------------------------------------------------------------------------------
    Entry(
        "resize-requires-grad", program("""
            w = torch.ones(3, requires_grad=True)
            h = w * 2
            h.resize_(4)
        """),
        ["resize_", "resize_as_"],
        "resize_() or resize_as_() on any tensor that requires grad (leaf or not).",
        "out-of-scope: no rule reports resize_ on a non-leaf; on a leaf IPL001 flags the call as an in-place "
        "write but names the leaf error, not this message",
        "torch/csrc/autograd/VariableTypeManual.cpp (resize_, resize_as_)"),
    Entry(
        "resize-forward-grad", program("""
            import torch.autograd.forward_ad as fwAD

            with fwAD.dual_level():
                d = fwAD.make_dual(torch.ones(3), torch.ones(3))
                d.resize_(4)
        """),
        ["resize_", "forward-mode AD"],
        "resize_() on a dual tensor under forward-mode AD.",
        OUT_OF_SCOPE + "forward-mode AD; inplace-lint analyses reverse-mode autograd only",
        "torch/csrc/autograd/VariableTypeManual.cpp (resize_)"),
    Entry(
        "set-non-leaf-backward", program("""
            w = torch.ones(3, requires_grad=True)
            y = w * 1
            y.set_(torch.ones(3))
            y.sum().backward()
        """),
        ["set_"],
        "set_() on a non-leaf that requires grad succeeds, and backward() through it fails.",
        "out-of-scope: no rule reports set_ on a non-leaf",
        "torch/csrc/autograd/functions/basic_ops.cpp (NotImplemented::apply)"),
    Entry(
        "data-assign-incompatible-type", program("""
            w = torch.ones(2, 2, requires_grad=True)
            w.data = torch.ones(2, 2).to_sparse()
        """),
        [".data ="],
        "Assigning to .data a tensor of another kind (here a sparse tensor to a dense one).",
        "out-of-scope: a layout error, not an autograd-bookkeeping one; no rule models .data assignment",
        "torch/csrc/autograd/variable.cpp (VariableHooks::set_data)"),
    Entry(
        "data-assign-integer", program("""
            w = torch.ones(3, requires_grad=True)
            w.data = torch.ones(3, dtype=torch.long)
        """),
        [".data ="],
        "Assigning an integer tensor to .data of a tensor that requires grad.",
        "out-of-scope: a dtype error; no rule models .data assignment",
        "torch/csrc/autograd/variable.cpp (VariableHooks::set_data)"),
    # --- other in-place / requires_grad messages --------------------------------------------------------------
    Entry(
        "detach-view-in-place", program("""
            w = torch.ones(3, requires_grad=True)
            w[:2].detach_()
        """),
        ["detach_", "view"],
        "detach_() on a view (also on DDP gradients with gradient_as_bucket_view=True).",
        "out-of-scope: detach_() is not a data write; no rule models it",
        "torch/csrc/autograd/VariableTypeManual.cpp (detach_)"),
    Entry(
        "apply-requires-grad", program("""
            w = torch.ones(3, requires_grad=True)
            (w * 1).apply_(lambda v: v * 2)
        """),
        ["apply_"],
        "Tensor.apply_ (a Python-callback in-place write autograd cannot see) on a tensor that requires grad.",
        "out-of-scope: no rule reports apply_ on a non-leaf; on a leaf IPL001 flags it as an in-place write but "
        "names the leaf error, not this message",
        "torch/csrc/autograd/python_variable_methods.cpp (THPVariable_apply_)"),
    Entry(
        "map-requires-grad", program("""
            w = torch.ones(3, requires_grad=True)
            (w * 1).map_(torch.ones(3), lambda a, b: a + b)
        """),
        ["map_"],
        "Tensor.map_ on a tensor that requires grad.",
        "out-of-scope: no rule reports map_ on a non-leaf; on a leaf IPL001 flags it as an in-place write but "
        "names the leaf error, not this message",
        "torch/csrc/autograd/python_variable_methods.cpp (THPVariable_map_)"),
    Entry(
        "map2-requires-grad", program("""
            w = torch.ones(3, requires_grad=True)
            (w * 1).map2_(torch.ones(3), torch.ones(3), lambda a, b, c: a + b + c)
        """),
        ["map2_"],
        "Tensor.map2_ on a tensor that requires grad.",
        "out-of-scope: no rule reports map2_ on a non-leaf; on a leaf IPL001 flags it as an in-place write but "
        "names the leaf error, not this message",
        "torch/csrc/autograd/python_variable_methods.cpp (THPVariable_map2_)"),
    Entry(
        "pack-hook-modifies-input", program("""
            x = torch.ones(3, requires_grad=True)

            def pack(t):
                t.mul_(2)
                return t

            with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
                y = (x * 1).exp()
        """),
        ["saved_tensors_hooks", "in-place method"],
        "A saved-tensor pack hook writes the tensor it is given in place.",
        "out-of-scope: no rule models saved_tensors_hooks",
        "torch/csrc/autograd/saved_variable.cpp (SavedVariable::SavedVariable)"),
    Entry(
        "inplace-elu-negative-alpha", program("""
            x = torch.ones(3, requires_grad=True)
            y = torch.nn.functional.elu_(x * 1, alpha=-1.0)
            y.sum().backward()
        """),
        ["F.elu_", "F.elu(inplace=True)", "nn.ELU(inplace=True)"],
        "The in-place ELU with a negative alpha is backpropagated (its backward needs the input it overwrote).",
        "out-of-scope: no rule checks the slope argument of in-place activations",
        "aten/src/ATen/native/Activation.cpp (elu_backward)"),
    Entry(
        "inplace-leaky-relu-negative-slope", program("""
            x = torch.ones(3, requires_grad=True)
            y = torch.nn.functional.leaky_relu_(x * 1, -0.1)
            y.sum().backward()
        """),
        ["F.leaky_relu_", "F.leaky_relu(inplace=True)", "nn.LeakyReLU(inplace=True)"],
        "The in-place leaky ReLU with a negative slope is backpropagated.",
        "out-of-scope: no rule checks the slope argument of in-place activations",
        "aten/src/ATen/native/Activation.cpp (leaky_relu_backward)"),
    Entry(
        "scalar-of-requires-grad", program("""
            w = torch.ones(1, requires_grad=True)
            v = float(w)
        """),
        ["float()", "int()", "item-like conversions"],
        "Converting a tensor that requires grad to a Python number.",
        "out-of-scope: not an in-place problem; no rule models scalar conversion",
        "torch/csrc/autograd/python_variable_methods.cpp (dispatch to Python scalar)", expect="warning"),
    Entry(
        "copy-construct-from-tensor", program("""
            x = torch.ones(3, requires_grad=True)
            y = torch.tensor(x, requires_grad=True)
            (y * y).sum().backward()
            g = x.grad
        """),
        ["torch.tensor(tensor)"],
        "torch.tensor(t) of a tensor (a detached copy); here the copy is then trained while x.grad is read.",
        "IPL006", "torch/csrc/utils/tensor_new.cpp (internal_new_from_data)", expect="warning"),
    Entry(
        "copy-construct-new-tensor", program("""
            x = torch.ones(3, requires_grad=True)
            y = x.new_tensor(x)
        """),
        ["Tensor.new_tensor(tensor)"],
        "t.new_tensor(t) of a tensor (a detached copy).",
        "out-of-scope: IPL006 recognises detach(), clone().detach() and torch.tensor(x) as detaching copies, "
        "not new_tensor",
        "torch/csrc/utils/tensor_new.cpp (new_tensor)", expect="warning"),
    Entry(
        "asarray-requires-grad-default", program("""
            x = torch.ones(3, requires_grad=True)
            y = torch.asarray(x)
        """),
        ["torch.asarray"],
        "torch.asarray of a tensor that requires grad without an explicit requires_grad.",
        "out-of-scope: a deprecation notice about a default; no rule models torch.asarray",
        "torch/csrc/utils/tensor_new.cpp (asarray)", expect="warning"),
    # --- silent ----------------------------------------------------------------------------------------------
    Entry(
        "unsafe-split-inplace-silent", program("""
            x = torch.ones(4, requires_grad=True)
            y = x.exp()
            a, b = y.unsafe_split(2)
            b.add_(1)
            y.sum().backward()
        """),
        ["unsafe_split", "unsafe_chunk", "in-place method"],
        "An output of unsafe_split/unsafe_chunk is written in place while its base is saved for backward: the "
        "outputs are not tracked as views, so torch raises nothing and the gradient uses the overwritten values.",
        "out-of-scope: torch raises nothing (the unsafe_ variants opt out of the multi-output check); no rule "
        "treats unsafe_split outputs as aliases of the saved tensor",
        "aten/src/ATen/native/native_functions.yaml (unsafe_split, unsafe_chunk)",
        expect="silent", symptom="not torch.allclose(x.grad, x.detach().exp())"),
    # --- unreachable -----------------------------------------------------------------------------------------
    Entry(
        "numpy-of-requires-grad", None,
        ["Tensor.numpy()"],
        "Tensor.numpy() on a tensor that requires grad.",
        UNREACHABLE + " (not here: NumPy is not installed in this environment and torch raises 'Numpy is not "
        "available' before this check; with NumPy installed, w.numpy() on a tensor that requires grad raises it)",
        "torch/csrc/utils/tensor_numpy.cpp (tensor_to_numpy)", expect="unreachable",
        source_text="Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
        attempt=program("""
            w = torch.ones(3, requires_grad=True)
            w.numpy()
        """)),
    Entry(
        "metadata-change-on-data", None,
        [".data", "detach()", "resize_", "set_"],
        "Changing sizes/strides/storage of a tensor obtained from .data or .detach().",
        UNREACHABLE + " (TensorImpl::set_allow_tensor_metadata_change always sets the flag to true in this torch, "
        "so the check never fails; the attempt below resizes w.data without error)",
        "c10/core/TensorImpl.h (err_msg_tensor_metadata_change_not_allowed)", expect="unreachable",
        source_text="is not allowed on a Tensor created from .data or .detach().",
        attempt=program("""
            w = torch.ones(3, requires_grad=True)
            w.data.resize_(4)
        """)),
    Entry(
        "inference-tensor-set-version-counter", None,
        ["torch.inference_mode", "version counter"],
        "Giving an inference tensor an enabled version counter.",
        UNREACHABLE + " (not reproduced: .data assignment and torch.autograd.graph.increment_version leave an "
        "inference tensor's missing version counter alone, as the attempt shows; a comment in "
        "torch/distributed/_local_tensor/__init__.py reports DeviceMesh internals hitting it under "
        "inference_mode, which is no user-level path)",
        "c10/core/TensorImpl.h (TensorImpl::set_version_counter)", expect="unreachable",
        source_text="Cannot set version_counter for inference tensor",
        attempt=program("""
            x = torch.ones(3)
            with torch.inference_mode():
                t = torch.ones(3)
            x.data = t
            torch.autograd.graph.increment_version(t)
        """)),
    Entry(
        "view-inplace-several-outputs", None,
        ["in-place on a view", "multi-output ops"],
        "An in-place op with several differentiable outputs writes a view.",
        UNREACHABLE + " (rebase_history raises it only for an in-place node with several outputs on a view; no "
        "built-in in-place op has several differentiable outputs, and custom Functions are stopped earlier by "
        "custom_function.cpp's 'If your Function modifies inplace an input that is a view' check)",
        "torch/csrc/autograd/variable.cpp (impl::rebase_history)", expect="unreachable",
        source_text="Functions which modify views in-place must return a single Variable"),
    Entry(
        "forward-grad-set-twice", None,
        ["forward-mode AD", "in-place"],
        "A forward gradient is set on a tensor that already has one, outside an in-place op.",
        UNREACHABLE + " (AutogradMeta::set_fw_grad is only called by generated kernels and custom-Function "
        "handling that check this first; make_dual on a dual tensor is rejected earlier with its own message)",
        "torch/csrc/autograd/autograd_meta.cpp (AutogradMeta::set_fw_grad)", expect="unreachable",
        source_text="Cannot set a value of a forward grad if it already exists. Inplace operations should modify it "
                    "inplace.",
        attempt=program("""
            import torch.autograd.forward_ad as fwAD

            with fwAD.dual_level():
                d = fwAD.make_dual(torch.ones(3), torch.ones(3))
                fwAD.make_dual(d, torch.ones(3))
        """)),
    Entry(
        "forward-grad-reset-not-inplace", None,
        ["forward-mode AD", "in-place"],
        "A non-in-place op re-sets the forward gradient of a tensor that has one.",
        UNREACHABLE + " (an internal consistency check of AutogradMeta::set_fw_grad; no Python call passes "
        "is_inplace_op=false for a tensor that already has a forward grad)",
        "torch/csrc/autograd/autograd_meta.cpp (AutogradMeta::set_fw_grad)", expect="unreachable",
        source_text="Only inplace operations can re-set the forward grad of a Tensor that already has one."),
]


# ---------------------------------------------------------------------------
# running a program
# ---------------------------------------------------------------------------

_TRIGGERED_INTERNALLY = re.compile(r" \(Triggered internally at [^)]*\.\)\Z")


@dataclass
class Outcome:
    kind: str  # "error" | "warning" | "silent"
    type: Optional[str]
    message: Optional[str]
    line: Optional[int]
    namespace: dict


def normalise(message: str) -> str:
    """The message as the user sees it, minus the build path and line of torch's C++ warning suffix."""
    return _TRIGGERED_INTERNALLY.sub("", message.rstrip())


def run_program(code: str, filename: str) -> Outcome:
    """Run ``code`` as a script in a fresh namespace; restore grad mode afterwards.

    A warning counts when the program is on the stack as it is issued (C++ warnings are attributed to the
    innermost Python frame, often one of torch's own files such as ``autograd/function.py``); its line is the
    program's innermost frame. Warnings torch issues on its own (a lazy import, say) do not count."""
    ns: dict[str, Any] = {"__name__": "__main__"}
    caught: list[tuple[str, str, int]] = []

    def showwarning(message, category, *_args, **_kwargs):
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != filename:
            frame = frame.f_back
        if frame is not None:
            caught.append((category.__name__, str(message), frame.f_lineno))

    grad_enabled = torch.is_grad_enabled()
    exc: Optional[BaseException] = None
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = showwarning
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(code, filename, "exec"), ns)
        except Exception as e:  # noqa: BLE001 - the exception is the result
            exc = e
        finally:
            torch.set_grad_enabled(grad_enabled)
    if exc is not None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
        return Outcome("error", type(exc).__name__, normalise(str(exc)), frames[-1].lineno if frames else None, ns)
    if caught:
        category, message, line = caught[0]
        return Outcome("warning", category, normalise(message), line, ns)
    return Outcome("silent", None, None, None, ns)


# ---------------------------------------------------------------------------
# looking for a message in the installed torch
# ---------------------------------------------------------------------------


def torch_files() -> tuple[list[Path], list[Path]]:
    """The compiled libraries, and the Python sources and headers, of the installed torch."""
    libs = sorted((TORCH_DIR / "lib").glob("*.so*"))
    return libs, sorted(TORCH_DIR.rglob("*.py")) + sorted((TORCH_DIR / "include").rglob("*.h"))


def find_in_torch(texts: list[str]) -> dict[str, list[str]]:
    """For each of ``texts``, the files (relative to the torch package) whose bytes contain it: the compiled
    libraries that do, or else the ``.py`` / ``.h`` files that do (a message raised in Python)."""
    libs, sources = torch_files()
    found = _grep(texts, libs)
    missing = [t for t in texts if not found[t]]
    if missing:
        found.update(_grep(missing, sources))
    return found


def _grep(texts: list[str], files: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {t: [] for t in texts}
    needles = [(t, t.encode()) for t in texts]
    for path in files:
        try:
            with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                for text, needle in needles:
                    if mm.find(needle) >= 0:
                        found[text].append(path.relative_to(TORCH_DIR).as_posix())
        except (OSError, ValueError):  # empty or unreadable file
            continue
    return found


# ---------------------------------------------------------------------------
# deriving the other fields
# ---------------------------------------------------------------------------

TEMPLATE_RULES = [
    (re.compile(r"\[torch\.\w+ \[[\d, ]*\]\]"), "[<tensor type> [<shape>]]"),
    (re.compile(r"\bOutput \d+ of \w+"), "Output <i> of <Node>"),
    (re.compile(r"\bwhich is output \d+ of \w+"), "which is output <i> of <Node>"),
    (re.compile(r"\bversion \d+"), "version <n>"),
    (re.compile(r"\A\w+\(\): functions with out="), "<op>(): functions with out="),
]

# a sentence ends at . ! or ? followed by a space and a capital, or directly by a capitalised word
# (torch sometimes omits the space: "is not allowed.You can ..."); "out=... arguments", "e.g. with" and
# "[torch.FloatTensor [3]]" do not end one
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s+(?=[A-Z`])|(?=[A-Z][a-z]+ ))")
SUMMARY_MIN = 80


def template_of(message: str) -> str:
    for pattern, repl in TEMPLATE_RULES:
        message = pattern.sub(repl, message)
    return message


def summary_of(message: str) -> str:
    """The first sentences of ``message`` (exact text, at least SUMMARY_MIN characters of it when there is that
    much), with " …" when something was cut."""
    for m in _SENTENCE_END.finditer(message):
        if m.start() >= SUMMARY_MIN:
            return message[:m.start()].rstrip() + " …"
    return message


def rule_of(disposition: str) -> Optional[str]:
    return None if disposition.startswith(OUT_OF_SCOPE) else disposition


def check_entry(e: Entry) -> None:
    """Refuse a malformed entry before anything runs."""
    def require(ok: Any, what: str) -> None:
        if not ok:
            raise SystemExit(f"entry {e.id}: {what}")

    require(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", e.id), "the id is not kebab-case")
    require(e.expect in KINDS, f"expect is not one of {KINDS}")
    require(e.families and e.trigger and e.source, "families, trigger and source are required")
    if e.disposition.startswith(OUT_OF_SCOPE):
        require(e.disposition[len(OUT_OF_SCOPE):].strip(), "an out-of-scope disposition needs a reason")
    else:
        require(re.fullmatch(r"IPL\d{3}", e.disposition), "the disposition is neither a rule code nor out-of-scope")
    if e.expect == "unreachable":
        require(e.disposition.startswith(UNREACHABLE), f"an unreachable entry's disposition starts {UNREACHABLE!r}")
        require(e.source_text and e.program is None, "an unreachable entry has source_text and no program")
    else:
        require(e.program and e.source_text is None and e.attempt is None,
                "a reachable entry has a program, and no source_text or attempt")
    require((e.symptom is not None) == (e.expect == "silent"), "symptom goes with (only) silent entries")


def build_entry(e: Entry, found_in: dict[str, list[str]]) -> dict:
    filename = f"<{e.id}>"
    record: dict[str, Any] = {
        "id": e.id, "kind": e.expect, "trigger": e.trigger, "families": e.families,
        "disposition": e.disposition, "rule": rule_of(e.disposition), "source": e.source,
        "program": e.program, "symptom": e.symptom, "found_in": None, "attempt": e.attempt,
        "attempt_outcome": None, "raised_at": None, "type": None,
    }
    if e.expect == "unreachable":
        found = found_in[e.source_text]
        if not found:
            raise SystemExit(f"{e.id}: {e.source_text!r} is not in the installed torch")
        record.update(found_in=found, message=e.source_text)
        if e.attempt is not None:
            o = run_program(e.attempt, filename)
            record["attempt_outcome"] = (f"{o.type}: {o.message}" if o.kind != "silent"
                                         else "no error and no warning")
            if o.kind != "silent" and e.source_text in (o.message or ""):
                raise SystemExit(f"{e.id}: the attempt reached the message in this environment "
                                 f"(NumPy installed?); the catalog is generated where it does not")
    else:
        o = run_program(e.program, filename)
        if o.kind != e.expect:
            raise SystemExit(f"{e.id}: expected {e.expect}, got {o.kind}: {o.type}: {o.message}")
        if e.expect == "silent":
            if not eval(e.symptom, o.namespace):
                raise SystemExit(f"{e.id}: the symptom {e.symptom!r} does not hold")
            record["message"] = ""
        else:
            lines = e.program.splitlines()
            record.update(type=o.type, message=o.message,
                          raised_at={"line": o.line, "code": lines[o.line - 1].strip()} if o.line else None)
    record["template"] = template_of(record["message"])
    record["summary"] = summary_of(record["message"])
    return record


def build_catalog() -> dict:
    """Run every entry and return the catalog (a JSON-able dict)."""
    ids = [e.id for e in ENTRIES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for e in ENTRIES:
        check_entry(e)
    found_in = find_in_torch([e.source_text for e in ENTRIES if e.source_text])
    prev_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        entries = [build_entry(e, found_in) for e in ENTRIES]
    finally:
        torch.set_num_threads(prev_threads)
    by_rule: dict[str, int] = {}
    for r in entries:
        if r["rule"]:
            by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    counts = {
        "entries": len(entries),
        "reproduced": sum(r["kind"] != "unreachable" for r in entries),
        "unreachable": sum(r["kind"] == "unreachable" for r in entries),
        "out_of_scope": sum(r["rule"] is None for r in entries),
        "by_rule": dict(sorted(by_rule.items())),
    }
    meta = {"torch_version": torch.__version__, "generated_by": GENERATED_BY, "counts": counts,
            "numpy_available": importlib.util.find_spec("numpy") is not None}
    catalog = {"meta": meta, "entries": entries}
    return json.loads(dumps_json(catalog))  # what a loader would read


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------


def dumps_json(catalog: dict) -> str:
    return json.dumps(catalog, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _code(text: str) -> str:
    """``text`` as a Markdown code span that survives backticks and table pipes inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|").replace("\n", " ")


def _cell(text: str) -> str:
    """Plain text for a table cell: no line breaks, no pipes, no angle brackets taken for HTML."""
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def _fenced(text: str, info: str) -> str:
    longest = max((len(m) for m in re.findall(r"^`{3,}", text, re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def render_markdown(catalog: dict) -> str:
    meta, entries = catalog["meta"], catalog["entries"]
    c = meta["counts"]
    by_rule = ", ".join(f"{code}: {n}" for code, n in c["by_rule"].items())
    out = [
        "# torch's in-place, view, inference-mode and requires_grad errors",
        "",
        f"<!-- Generated by {meta['generated_by']} from torch {meta['torch_version']}; do not edit. -->",
        "",
        f"Every message torch {meta['torch_version']} gives for in-place writes, views, inference mode and "
        "`requires_grad` under autograd that we found in its sources, each with a minimal program that "
        "triggers it and the inplace-lint rule that reports it, or why none does. The messages are not "
        "typed in: `tools/generate_error_catalog.py` runs every program under torch and records what torch "
        "said. Regenerate both this file and [error-catalog.json](error-catalog.json) (the full data) with "
        "`python tools/generate_error_catalog.py`; `--check` exits 1 when they are stale "
        "(`tests/test_error_catalog.py` runs it).",
        "",
        f"{c['entries']} entries: {c['entries'] - c['out_of_scope']} reported by a rule ({by_rule}), "
        f"{c['out_of_scope']} out of scope, of which {c['unreachable']} cannot be reached from Python code "
        "(their text is quoted from torch's source and checked to be in the installed torch).",
        "",
        "The message column is the start of the exact text (the full text and the program are below). Messages "
        "are verbatim except for the ` (Triggered internally at <path>:<line>.)` suffix of warnings raised in "
        "C++, which is dropped. Node names (`Unbind`, `Split`, `Select`, `BackwardHookFunction`), output "
        "indices, `[torch.FloatTensor [3]]` and version numbers are kept as the program produces them; the JSON's "
        "`template` field replaces them with placeholders (`Output <i> of <Node>`, `[<tensor type> [<shape>]]`, "
        "`version <n>`, `<op>(): ...`).",
        "",
        "| id | message | trigger | op families | rule / out-of-scope reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in entries:
        message = {"silent": "(no error, no warning)"}.get(r["kind"], r["summary"])
        kind = {"warning": " (warning)", "unreachable": " (not reached)"}.get(r["kind"], "")
        rule = r["rule"] or r["disposition"][len(OUT_OF_SCOPE):]
        out.append(f"| [`{r['id']}`](#{r['id']}) | {_code(message)}{kind} | {_cell(r['trigger'])} | "
                   f"{_cell(', '.join(r['families']))} | {_cell(rule)} |")
    out += ["", "## Entries", ""]
    for r in entries:
        out.append(f"### {r['id']}")
        out.append("")
        if r["rule"]:
            lines = [f"Reported by **{r['rule']}**."]
        else:
            lines = [f"Out of scope: {_cell(r['disposition'][len(OUT_OF_SCOPE):])}."]
        if r["kind"] == "unreachable":
            lines.append("The text is in `" + "`, `".join(r["found_in"]) + "` of the installed torch.")
        elif r["kind"] == "silent":
            lines.append(f"torch says nothing; after the run, `{r['symptom']}` holds.")
        else:
            where = r["raised_at"]
            verb = "raises" if r["kind"] == "error" else "warns"
            lines.append(f"`{r['type']}`: torch {verb} at line {where['line']} (`{where['code']}`).")
        lines.append(f"Source: {_cell(r['source'])}.")
        out += [" ".join(lines), ""]
        if r["message"]:
            out += [_fenced(r["message"], "text"), ""]
        if r["program"]:
            out += [_fenced(r["program"], "python"), ""]
        if r["attempt"]:
            out += ["Closest attempt, which gives " + _code(r["attempt_outcome"]) + " instead:", "",
                    _fenced(r["attempt"], "python"), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", type=Path, default=JSON_OUTPUT, help=f"default: {JSON_OUTPUT}")
    p.add_argument("--md", type=Path, default=MD_OUTPUT, help=f"default: {MD_OUTPUT}")
    p.add_argument("--check", action="store_true", help="compare with --json / --md instead of writing")
    ns = p.parse_args(argv)
    catalog = build_catalog()
    outputs = {ns.json: dumps_json(catalog), ns.md: render_markdown(catalog)}
    c = catalog["meta"]["counts"]
    print(f"{c['entries']} entries ({c['reproduced']} reproduced, {c['unreachable']} unreachable); "
          f"by rule {c['by_rule']}, out of scope {c['out_of_scope']}")
    if ns.check:
        stale = [path for path, text in outputs.items()
                 if not path.exists() or path.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path} is stale; rerun python tools/generate_error_catalog.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
