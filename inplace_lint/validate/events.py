"""What the runtime probe reports: event kinds, their JSON shape, and turning an exception into an event.

Torch-free: the parent process (the CLI) reads events written by children, and ``sitecustomize`` hooks that run
before torch is imported use ``exception_event``.

An event is a plain dict (it crosses process boundaries as one JSON line)::

    {"kind": "saved-modified", "path": "/abs/train.py", "line": 12, "op": "aten.mul_.Tensor",
     "message": "...", "count": 1,
     # optional:
     "saved_path": "/abs/train.py", "saved_line": 11, "saved_op": "SigmoidBackward0",
     "tensor": "torch.FloatTensor [3]", "via": "torch/nn/functional.py:1704 relu", "values": "..."}
"""
from __future__ import annotations

import os
import traceback
from typing import Any, Dict, Iterable, List, Optional, Tuple

# --- kinds -------------------------------------------------------------------------------------------------------
LEAF = "leaf-inplace"  # torch raised: a leaf Variable that requires grad is being used in an in-place operation
LEAF_VIEW = "leaf-view-inplace"  # torch raised: a view of a leaf Variable ...
OUT_GRAD = "out-requires-grad"  # torch raised: functions with out=... arguments don't support autodiff
SAVED = "saved-modified"  # a tensor saved by a live graph was modified (torch raises at backward; so does the probe)
DATA_CORRUPTION = "data-corruption"  # a write that bypassed the version counter changed saved bytes: silent
DATA_WRITE = "data-write"  # a write through an alias (.data) of a tensor that requires grad; nothing saved it
FN_DIRTY = "function-dirty"  # autograd.Function.forward wrote into an input without ctx.mark_dirty
FN_DIRTY_LEAF = "function-dirty-leaf"  # torch raised: mark_dirty on a leaf that requires grad
NONLEAF_GRAD = "nonleaf-grad"  # a name read for .grad holds a non-leaf: its .grad is None
GRAD_CUT = "grad-cut"  # a detached copy trains: no gradient reaches the original
FN_SAVED_WRITE = "function-saved-modified"  # Function.forward wrote a tensor after ctx.save_for_backward(it)
FN_GRAD_WRITE = "function-grad-modified"  # Function.backward wrote into a gradient it received
CLOBBERED = "input-clobbered"  # a call wrote in place into a tensor its caller holds (and reads again)
# a module wrote in place, during the model call, into the output of a module that has forward hooks (what they
# kept changes): confirms a static finding, never reported alone (a hook may keep nothing)
HOOK_OUTPUT_CLOBBERED = "hook-output-clobbered"
GRADCHECK = "gradcheck-failed"  # torch.autograd.gradcheck disagreed on a custom autograd.Function
EXCEPTION = "exception"  # any other exception the harness saw (evidence, never a finding on its own)

# Kinds that are a breakage in their own right (reported as runtime findings when the static checker missed them).
REPORTABLE = (LEAF, LEAF_VIEW, OUT_GRAD, SAVED, DATA_CORRUPTION, FN_DIRTY, FN_DIRTY_LEAF, FN_SAVED_WRITE,
              FN_GRAD_WRITE, CLOBBERED, NONLEAF_GRAD, GRAD_CUT, GRADCHECK)

# Which kinds confirm a finding of which rule, and which rule a runtime-only event is reported under, is each rule's
# ``Runtime`` declaration (``inplace_lint/rules/<rule>/runtime.py``).

# Exception messages torch raises for each kind (substring match, first hit wins).
MESSAGE_KINDS: Tuple[Tuple[str, str], ...] = (
    ("a view of a leaf Variable that requires grad is being used in an in-place operation", LEAF_VIEW),
    ("a leaf Variable that requires grad is being used in an in-place operation", LEAF),
    ("a leaf Variable that requires grad has been used in an in-place operation", FN_DIRTY_LEAF),
    ("arguments don't support automatic differentiation, but one of the arguments requires grad", OUT_GRAD),
    ("one of the variables needed for gradient computation has been modified by an inplace operation", SAVED),
)

SAVED_MESSAGE = "one of the variables needed for gradient computation has been modified by an inplace operation"


def kind_of_message(message: str) -> Optional[str]:
    for needle, kind in MESSAGE_KINDS:
        if needle in message:
            return kind
    return None


def event_key(event: Dict[str, Any]) -> Tuple[str, str, int]:
    return (event["kind"], event.get("path") or "", int(event.get("line") or 0))


# --- locating user code ------------------------------------------------------------------------------------------

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_internal_prefixes: List[str] = [_PACKAGE_DIR]


def add_internal_prefix(prefix: str) -> None:
    """Treat files under ``prefix`` as library code (the probe adds torch's folder once torch is imported)."""
    prefix = os.path.abspath(prefix).rstrip(os.sep) + os.sep
    if prefix not in _internal_prefixes:
        _internal_prefixes.append(prefix)
        _INTERNAL_CACHE.clear()


_INTERNAL_CACHE: Dict[str, bool] = {}


def is_internal_file(filename: str) -> bool:
    """True for torch's and inplace-lint's own files (and for CPython's frozen/builtin pseudo files)."""
    hit = _INTERNAL_CACHE.get(filename)
    if hit is None:
        if filename.startswith("<frozen"):
            hit = True
        else:
            absolute = filename if os.path.isabs(filename) else os.path.abspath(filename)
            hit = any(absolute.startswith(p) for p in _internal_prefixes)
        _INTERNAL_CACHE[filename] = hit
    return hit


_MACHINERY = tuple(os.sep + p for p in (
    os.path.join("torch", "_dynamo") + os.sep, os.path.join("torch", "utils", "_python_dispatch.py"),
    os.path.join("torch", "_ops.py"), os.path.join("torch", "utils", "_contextlib.py"),
    os.path.join("torch", "_compile.py")))


def is_own_file(filename: str) -> bool:
    """True for inplace-lint's own files and torch's dispatch machinery: never shown as the library frame a call
    went through (``via``)."""
    return filename.startswith(_PACKAGE_DIR) or any(m in filename for m in _MACHINERY)


def user_frame_of_traceback(tb) -> Tuple[Optional[Tuple[str, int]], Optional[str]]:
    """(path, line) of the innermost traceback entry in user code, and a ``file:line name`` of the innermost
    library frame below it (where the error was raised inside torch), if any."""
    entries = traceback.extract_tb(tb)
    via = None
    for entry in reversed(entries):
        if is_internal_file(entry.filename):
            if via is None and not is_own_file(entry.filename):
                via = f"{_short(entry.filename)}:{entry.lineno} {entry.name}"
            continue
        return (entry.filename, entry.lineno or 0), via
    return None, via


def _short(filename: str) -> str:
    for marker in (os.sep + "torch" + os.sep, os.sep + "inplace_lint" + os.sep):
        i = filename.rfind(marker)
        if i >= 0:
            return filename[i + 1:]
    return filename


def short_path(filename: str) -> str:
    return _short(filename)


def exception_event(exc: BaseException) -> Dict[str, Any]:
    """An event for an exception: its kind from torch's message (``exception`` if it is not one of torch's
    in-place errors), located at the innermost user frame of its traceback."""
    message = f"{type(exc).__name__}: {exc}".strip()
    first_line = message.splitlines()[0] if message else type(exc).__name__
    location, via = user_frame_of_traceback(exc.__traceback__)
    kind = kind_of_message(str(exc)) or EXCEPTION
    event: Dict[str, Any] = {"kind": kind, "path": location[0] if location else None,
                             "line": location[1] if location else 0, "op": None, "message": first_line,
                             "count": 1, "exc_type": type(exc).__name__}
    if via:
        event["via"] = via
    return event


def merge_events(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Deduplicate events by (kind, path, line), summing counts; keeps the first event's details."""
    merged: Dict[Tuple[str, str, int], Dict[str, Any]] = {}
    for event in events:
        key = event_key(event)
        if key in merged:
            merged[key]["count"] = merged[key].get("count", 1) + event.get("count", 1)
        else:
            merged[key] = dict(event)
    return list(merged.values())


def describe(event: Dict[str, Any]) -> str:
    """One line of evidence for an event, as shown in reports."""
    kind = event["kind"]
    msg = event.get("message") or ""
    parts = [msg] if msg else []
    if event.get("saved_line"):
        saved_by = f" by {event['saved_op']}" if event.get("saved_op") else ""
        parts.append(f"saved{saved_by} at {_display(event.get('saved_path'))}:{event['saved_line']}")
    if event.get("values"):
        parts.append(event["values"])
    if event.get("count", 1) > 1:
        parts.append(f"{event['count']} times")
    text = "; ".join(parts) if parts else kind
    return text


def _display(path: Optional[str]) -> str:
    if not path:
        return "?"
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith(os.pardir) else rel
