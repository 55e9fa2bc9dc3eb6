"""Harnesses: decide how to reach flagged lines and run them under the probe. Imports torch (child processes only).

A *job* (a JSON-able dict built by ``inplace_lint.validate.runner``) says what to run:

* ``{"kind": "script", "path", "source", "lines", "inspect"}``: run the source as ``__main__`` (its top level and
  its ``if __name__ == "__main__":`` block);
* ``{"kind": "function", "path", "source", "qualname", "callable_kind", "module", "package", "lines",
  "inspect"}``: import the source as a module (not ``__main__``) and call one function, method or
  ``nn.Module.forward`` with synthesized inputs (small float tensors that require grad, tried in a few shapes
  until a flagged line runs); tensor results are reduced with ``.sum()`` and back-propagated. A custom
  ``autograd.Function`` is also checked with ``torch.autograd.gradcheck`` in float64.

``lines`` are the lines to watch (a line tracer on that one file records whether each ran, with grad mode on or
off); ``inspect`` lists what the rules of the findings ask for beyond the events of the probe (their ``Runtime``
declarations, ``inplace_lint/rules/*/runtime.py``): ``{"line", "code", "after_run": "module:function"}`` calls that
hook on the values once the line ran; ``{"line", "code", "watch": true, "read_line"}`` watches the statement for
in-place writes into tensors its caller reads again.

``run_job`` returns a JSON-able dict: ``status`` (``ok`` | ``exception`` | ``error`` | ``not-reached``),
``events`` (probe events, exceptions included), ``hits`` (line -> [runs with grad on, runs with grad off]),
``error`` (why a harness could not run), ``harness`` (a label), ``backward`` (a backward pass ran), ``warnings``.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import os
import re
import random
import sys
import traceback
import types
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import torch

from .. import rules
from . import events as ev
from . import isolation
from .probe import Probe
from .targets import assignment_names, parse, statement_at

MAX_WARNINGS = 20
GENERIC_SHAPES: Tuple[Tuple[int, ...], ...] = ((3,), (4, 4), (2, 3), (2, 3, 8, 8), (2, 4, 16))
FLOAT_NAMES = {"lr", "learning_rate", "alpha", "beta", "beta1", "beta2", "eps", "epsilon", "momentum",
               "weight_decay", "scale", "gamma", "rate", "tau", "temperature", "p", "dropout", "decay", "factor",
               "threshold", "min_val", "max_val", "clip", "max_norm"}
INT_NAMES = {"dim", "axis", "n", "k", "steps", "num_steps", "epochs", "iters", "iterations", "size", "batch_size",
             "index", "idx", "step", "seed", "num", "count", "depth", "width", "hidden", "in_features",
             "out_features", "channels"}
LIST_NAMES = {"params", "parameters", "tensors", "weights", "param_list", "grads"}
MODEL_NAMES = {"model", "module", "net", "network", "layer"}
OPTIMIZER_NAMES = {"optimizer", "opt", "optim"}


# ---------------------------------------------------------------------------------------------------------------
# Line tracing


class LineTracer:
    """Record which of ``lines`` of one file ran, with grad mode on or off; keep the last frame that ran each
    ``keep`` line (for the after-run checks); and around each ``watch`` statement, notice tensors that the statement
    wrote in place (a call that overwrites its caller's tensor)."""

    def __init__(self, path: str, lines: Iterable[int], keep: Iterable[int] = (),
                 watch: Optional[Dict[int, "_Watch"]] = None):
        self.path = path
        self.lines = set(lines)
        self.keep = set(keep)
        self.watch = watch or {}
        self.hits: Dict[int, List[int]] = {}
        self.frames: Dict[int, types.FrameType] = {}
        self.events: List[Dict[str, Any]] = []
        self._open: Dict[int, Tuple["_Watch", List[Tuple[str, torch.Tensor, int, Optional[torch.Tensor]]]]] = {}
        self._previous = None
        self.raised: List[BaseException] = []  # torch's in-place errors raised through this file (caught or not)
        self._seen_exc: Set[int] = set()

    def _global(self, frame, event, arg):
        if frame.f_code.co_filename == self.path:
            return self._local
        return None

    def _local(self, frame, event, arg):
        if event == "line":
            line = frame.f_lineno
            if self._open:
                self._close(frame, line)
            if line in self.lines:
                hit = self.hits.get(line)
                if hit is None:
                    hit = self.hits[line] = [0, 0]
                hit[0 if torch.is_grad_enabled() else 1] += 1
                if line in self.keep:
                    self.frames[line] = frame
                watch = self.watch.get(line)
                if watch is not None:
                    self._open[id(frame)] = (watch, watch.snapshot(frame))
        elif event == "return" and self._open:
            self._close(frame, None)
        elif event == "exception":
            self._exception(arg[1])
        return self._local

    def _exception(self, exc) -> None:
        if id(exc) in self._seen_exc or not isinstance(exc, BaseException):
            return
        self._seen_exc.add(id(exc))
        blocked = (isolation.blocked_by_os(os.strerror(exc.errno)) if isinstance(exc, OSError) and exc.errno
                   else isolation.blocked_by_os(str(exc)) if isinstance(exc, RuntimeError) else None)
        if blocked is not None:
            from . import guard

            guard.violations.append(f"sandbox: {blocked} (not seen by the Python guard): {exc}"[:400])
        elif isinstance(exc, RuntimeError) and (ev.kind_of_message(str(exc))
                                                or rules.rule_of_message(str(exc)) is not None):
            self.raised.append(exc)

    def _close(self, frame, line: Optional[int]) -> None:
        opened = self._open.get(id(frame))
        if opened is None:
            return
        watch, snapshot = opened
        if line is not None and watch.first <= line <= watch.last:
            return  # still inside the watched statement
        del self._open[id(frame)]
        event = watch.compare(snapshot)
        if event is not None:
            self.events.append(event)

    def start(self) -> None:
        self._previous = sys.gettrace()
        sys.settrace(self._global)

    def stop(self) -> None:
        sys.settrace(self._previous)

    @property
    def reached(self) -> bool:
        return bool(self.hits)


class _Watch:
    """Tensors named on a flagged call line, compared before and after the statement runs."""

    def __init__(self, path: str, line: int, first: int, last: int, names: Sequence[str],
                 read_line: Optional[int]):
        self.path, self.line, self.first, self.last = path, line, first, last
        self.names = list(names)
        self.read_line = read_line

    def snapshot(self, frame):
        taken = []
        scope = frame.f_locals
        for name in self.names:
            value = scope.get(name)
            if isinstance(value, torch.Tensor) and value.layout == torch.strided:
                copy = value.detach().clone() if value.numel() <= 1 << 20 else None
                taken.append((name, value, value._version, copy))
        return taken

    def compare(self, snapshot) -> Optional[Dict[str, Any]]:
        for name, tensor, version, copy in snapshot:
            moved = tensor._version != version
            changed = copy is not None and copy.shape == tensor.shape and not torch.equal(copy, tensor.detach())
            if not (moved or changed):
                continue
            detail = f"its version went {version} -> {tensor._version}" if moved else "its version did not move"
            if copy is not None and changed and tensor.numel() <= 6:
                detail += f"; values {_values(copy)} became {_values(tensor.detach())}"
            elif changed:
                diff = (tensor.detach().double() - copy.double()).abs()
                detail += f"; {int((diff > 0).sum())} of {tensor.numel()} values changed"
            read = f"; the caller reads `{name}` again at line {self.read_line}" if self.read_line else ""
            return {"kind": ev.CLOBBERED, "path": self.path, "line": self.line, "count": 1,
                    "message": f"this call wrote in place into the tensor `{name}` holds ({detail}){read}"}
        return None


def _values(t: torch.Tensor) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in t.reshape(-1).tolist()) + "]"


# ---------------------------------------------------------------------------------------------------------------
# Entry point


def run_job(job: Dict[str, Any]) -> Dict[str, Any]:
    torch.manual_seed(0)
    random.seed(0)
    try:
        torch.set_num_threads(1)
    except RuntimeError:
        pass
    kind = job.get("kind")
    try:
        if kind == "script":
            return run_script(job)
        if kind == "function":
            return run_function(job)
        if kind == "ping":
            return {"status": "ok", "events": [], "hits": {}}
        return _error(f"unknown job kind {kind!r}")
    except Exception as exc:  # noqa: BLE001 - a harness bug must come back as an error verdict, not a crash
        return _error(f"harness failure: {type(exc).__name__}: {exc}",
                      detail="".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-2000:])


def _error(message: str, **extra) -> Dict[str, Any]:
    out = {"status": "error", "error": message, "events": [], "hits": {}}
    out.update(extra)
    return out


def _compile(job: Dict[str, Any]):
    return compile(job["source"], job["path"], "exec", dont_inherit=True)


# ---------------------------------------------------------------------------------------------------------------
# script


MAX_ROUNDS = 8  # runs of one script: each gets past one more confirmed error
RESUMABLE = (ev.LEAF, ev.LEAF_VIEW, ev.OUT_GRAD, ev.SAVED)


def run_script(job: Dict[str, Any]) -> Dict[str, Any]:
    """Run the file as ``__main__``. When it stops at a confirmed error while other watched lines have no event
    (not reached, or reached but their error not raised yet), run it again past that error (the failing statement wrapped in ``torch.no_grad()`` for the leaf errors and the errors
    rules declare as their symptom, the probe recording instead of raising for modified saved tensors), up to
    ``MAX_ROUNDS`` times."""
    source = job["source"]
    result: Optional[Dict[str, Any]] = None
    raise_on_saved = True
    notes: List[str] = []
    for round_number in range(MAX_ROUNDS):
        current = _run_script_once(job, source, raise_on_saved)
        if current.get("status") == "error":
            return current if result is None else result
        for event in current["events"]:
            if round_number:
                event["round"] = round_number
                event["note"] = "; ".join(notes)
        result = current if result is None else _merge(result, current)
        stop = _stop_event(current, job["path"])
        if stop is None or not _open_lines(job, result):
            break
        if stop["kind"] == ev.SAVED:
            if not raise_on_saved:
                break
            raise_on_saved = False
            notes.append(f"ran again with the probe recording, not raising, modified saved tensors "
                         f"(line {stop['line']})")
            continue
        patched = _neutralise(source, stop["line"])
        if patched is None:
            break
        source = patched
        notes.append(f"ran again with line {stop['line']} wrapped in torch.no_grad()")
    assert result is not None
    if notes:
        result["rounds"] = notes
    return result


def _open_lines(job: Dict[str, Any], result: Dict[str, Any]) -> Set[int]:
    """Watched lines without an event yet: not reached, or reached before an error stopped the run short of what
    they would break (a backward that raised at the first of two modified saved tensors never unpacks the
    second)."""
    path = job["path"]
    seen: Set[int] = set()
    for event in result["events"]:
        if event.get("path") == path:
            seen.add(int(event.get("line") or 0))
        seen.update(int(site[1]) for site in event.get("module_sites") or [] if site[0] == path)
    return set(int(n) for n in job.get("lines") or []) - seen


def _stop_event(result: Dict[str, Any], path: str) -> Optional[Dict[str, Any]]:
    """The confirmed error that stopped the run, if it is in this file and one the next round can get past."""
    exc = result.get("exception")
    if not exc:
        return None
    kind = ev.kind_of_message(exc.get("message") or "")
    if kind not in RESUMABLE:
        # an error a rule declares as its symptom (``Runtime.raises``: multi-output or no_grad views written in
        # place, inference tensors...): torch raised it at the flagged write, and no_grad gets past it
        if rules.rule_of_message(exc.get("message") or "") is None:
            return None
        kind = ev.EXCEPTION
    if kind == ev.SAVED:
        return {"kind": kind, "line": exc.get("line") or 0}
    if exc.get("path") != path or not exc.get("line"):
        return None
    return {"kind": kind, "line": exc["line"]}


def _neutralise(source: str, line: int) -> Optional[str]:
    """The source with the simple statement at ``line`` prefixed by ``with torch.no_grad():`` on the same line
    (line numbers unchanged); None when that is not possible."""
    tree = parse(source)
    if tree is None:
        return None
    stmt = statement_at(tree, line)
    if stmt is None:
        return None
    lines = source.splitlines(keepends=True)
    text = lines[stmt.lineno - 1]
    col = stmt.col_offset
    if text[:col].strip():
        return None
    lines[stmt.lineno - 1] = text[:col] + "with __import__('torch').no_grad(): " + text[col:]
    patched = "".join(lines)
    return patched if parse(patched) is not None else None


def _merge(first: Dict[str, Any], later: Dict[str, Any]) -> Dict[str, Any]:
    seen = {ev.event_key(e) for e in first["events"]}
    first["events"].extend(e for e in later["events"] if ev.event_key(e) not in seen)
    for line, (on, off) in later["hits"].items():
        hit = first["hits"].setdefault(line, [0, 0])
        hit[0] += on
        hit[1] += off
    first["backward"] = first.get("backward") or later.get("backward")
    return first


def _run_script_once(job: Dict[str, Any], source: str, raise_on_saved: bool) -> Dict[str, Any]:
    path = job["path"]
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return _error(f"cannot compile: {exc}")
    module = types.ModuleType("__main__")
    module.__dict__.update({"__file__": path, "__builtins__": builtins, "__spec__": None, "__package__": None,
                            "__cached__": None})
    sys.modules["__main__"] = module
    sys.argv = [path] + list(job.get("argv") or [])
    script_dir = os.path.dirname(path)
    if not sys.path or sys.path[0] != script_dir:
        sys.path.insert(0, script_dir)
    tracer = _tracer(job)
    outcome = _run_traced(lambda: exec(code, module.__dict__), tracer, raise_on_saved=raise_on_saved)
    result = _result("script", outcome, tracer)
    result["events"].extend(_inspect(job, tracer))
    return result


def _tracer(job: Dict[str, Any]) -> LineTracer:
    lines, keep = _lines(job)
    watches: Dict[int, _Watch] = {}
    tree = None
    for item in job.get("inspect") or []:
        if not item.get("watch"):
            continue
        tree = tree or parse(job["source"])
        if tree is None:
            break
        line = int(item["line"])
        stmt = statement_at(tree, line)
        if stmt is None:
            continue
        names = sorted({n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)})
        watches[stmt.lineno] = _Watch(job["path"], line, stmt.lineno, stmt.end_lineno or stmt.lineno, names,
                                      item.get("read_line"))
    return LineTracer(job["path"], sorted(set(lines) | set(watches)), keep, watches)


class _Outcome:
    def __init__(self, probe: Probe, error: Optional[BaseException], warnings_seen: List[Dict[str, Any]],
                 exit_code: Optional[int] = None):
        self.probe, self.error, self.warnings, self.exit_code = probe, error, warnings_seen, exit_code


def _run_traced(fn, tracer: LineTracer, raise_on_saved: bool = True) -> _Outcome:
    """Call ``fn`` with a fresh probe and the tracer; never raises for the user's exceptions."""
    probe = Probe(raise_on_saved=raise_on_saved)
    error: Optional[BaseException] = None
    exit_code = None
    grad_mode = torch.is_grad_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probe.install()
        tracer.start()
        try:
            fn()
        except SystemExit as exc:
            code = exc.code
            if code not in (None, 0):
                exit_code = code if isinstance(code, int) else 1
                error = exc
        except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt included: it is the user's code
            error = exc
        finally:
            tracer.stop()
            probe.uninstall()
            torch.set_grad_enabled(grad_mode)
    if error is not None and not isinstance(error, SystemExit):
        probe.add_exception(error)
    for exc in tracer.raised:  # torch raised it here and the code caught it: still torch's verdict
        if exc is not error:
            event = probe.add_exception(exc)
            if event is not None:
                event["caught"] = True
    seen = []
    for w in caught[:MAX_WARNINGS]:
        seen.append({"message": str(w.message)[:500], "category": w.category.__name__,
                     "path": w.filename, "line": w.lineno})
    return _Outcome(probe, error, seen, exit_code)


def _result(label: str, outcome: _Outcome, tracer: LineTracer) -> Dict[str, Any]:
    probe = outcome.probe
    probe.flush()
    events = [dict(e) for e in probe.events] + [dict(e) for e in tracer.events]
    exception = None
    if outcome.error is not None:
        location, _ = ev.user_frame_of_traceback(outcome.error.__traceback__)
        exception = {"type": type(outcome.error).__name__, "message": str(outcome.error)[:2000],
                     "path": location[0] if location else None, "line": location[1] if location else 0}
    return {
        "status": "exception" if outcome.error is not None else "ok",
        "harness": label,
        "events": events,
        "hits": {str(k): v for k, v in tracer.hits.items()},
        "exception": exception,
        "backward": probe.backward_calls > 0,
        "warnings": outcome.warnings,
        "internal_errors": probe.internal_errors[:10],
    }


def _lines(job: Dict[str, Any]) -> Tuple[List[int], List[int]]:
    lines = [int(n) for n in job.get("lines") or []]
    keep = [int(item["line"]) for item in job.get("inspect") or [] if item.get("after_run")]
    return sorted(set(lines) | set(keep)), keep


def _hook(spec: str):
    """The function ``"package.module:function"`` names."""
    import importlib

    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


# ---------------------------------------------------------------------------------------------------------------
# After-run checks for silent bugs (a rule's ``Runtime.after_run`` hook)


def _inspect(job: Dict[str, Any], tracer: LineTracer) -> List[Dict[str, Any]]:
    requests = job.get("inspect") or []
    if not requests:
        return []
    tree = parse(job["source"])
    if tree is None:
        return []
    found = []
    for item in requests:
        if not item.get("after_run"):
            continue
        line = int(item["line"])
        frame = tracer.frames.get(line)
        if frame is None:
            continue
        names, root = assignment_names(tree, line)
        scope = dict(frame.f_globals)
        scope.update(frame.f_locals)
        try:
            found.extend(_hook(item["after_run"])(job["path"], line, names, root, scope))
        except Exception as exc:  # noqa: BLE001 - a check that cannot run proves nothing
            found.append({"kind": ev.EXCEPTION, "path": job["path"], "line": line, "count": 1,
                          "message": f"after-run check failed: {type(exc).__name__}: {exc}", "check": True})
    return found


# ---------------------------------------------------------------------------------------------------------------
# function


def run_function(job: Dict[str, Any]) -> Dict[str, Any]:
    path = job["path"]
    qualname: List[str] = list(job["qualname"])
    label = "function:" + ".".join(qualname)
    try:
        code = _compile(job)
    except SyntaxError as exc:
        return _error(f"cannot compile: {exc}", harness=label)
    name = job.get("module") or "__inplace_lint_target__"
    module = types.ModuleType(name)
    module.__dict__.update({"__file__": path, "__builtins__": builtins, "__package__": job.get("package") or None})
    sys.modules[name] = module
    sys.argv = [path]
    for extra in reversed([os.path.dirname(path)] + list(job.get("sys_path") or [])):
        sys.path.insert(0, extra)
    import_error = None
    try:
        exec(code, module.__dict__)
    except BaseException as exc:  # noqa: BLE001 - definitions before the failure may still be usable
        import_error = f"{type(exc).__name__}: {exc}"
    obj = module.__dict__.get(qualname[0])
    if obj is None:
        why = f"importing {os.path.basename(path)} failed ({import_error})" if import_error else \
            f"{qualname[0]} is not defined at module level"
        return _error(why, harness=label)
    lines, keep = _lines(job)
    kind = job.get("callable_kind") or "function"
    if kind == "function-class":
        return _run_function_class(job, obj, qualname, lines, keep, label)
    owner = _module_whose_init_calls(job, module.__dict__) if len(qualname) == 1 else None
    if owner is not None:
        # a helper the program calls from a module's constructor (``init_pos(self.pos.weight)``): build that module,
        # which calls it with the real tensors, rather than synthesize them
        result = _attempts(job, label, lambda: owner(), [()], lambda shape: ((), {}), lines, keep)
        if result.get("status") != "not-reached":
            return result
    try:
        target, shapes, make_inputs = _bind(obj, qualname, kind)
    except _CannotCall as exc:
        return _error(str(exc), harness=label)
    return _attempts(job, label, target, shapes, make_inputs, lines, keep)


class _CannotCall(Exception):
    pass


_INSIDE_INIT = re.compile(r"inside (\w+)\.__init__")


def _module_whose_init_calls(job: Dict[str, Any], namespace: Dict[str, Any]):
    """The ``nn.Module`` class of the file whose ``__init__`` is, by the program's call contexts, where the function
    is called (``as called at line 15 ... (inside Emb.__init__, ...)``), or None."""
    for context in job.get("contexts") or []:
        for name in _INSIDE_INIT.findall(context.get("text", "")):
            cls = namespace.get(name)
            if isinstance(cls, type) and issubclass(cls, torch.nn.Module):
                return cls
    return None


def _bind(obj, qualname: List[str], kind: str):
    """(callable, shapes to try, inputs maker) for a plain function, a method or an nn.Module method."""
    if len(qualname) == 1:
        if not callable(obj):
            raise _CannotCall(f"{qualname[0]} is not callable")
        return obj, list(GENERIC_SHAPES), _synthesize_for(obj)
    cls, method_name = obj, qualname[1]
    raw = inspect.getattr_static(cls, method_name, None)
    if raw is None:
        raise _CannotCall(f"{cls.__name__} has no attribute {method_name}")
    if isinstance(raw, (staticmethod, classmethod)):
        target = getattr(cls, method_name)
        return target, list(GENERIC_SHAPES), _synthesize_for(target)
    try:
        instance = cls()
    except Exception as exc:  # noqa: BLE001
        raise _CannotCall(f"cannot build {cls.__name__}() without arguments: {type(exc).__name__}: {exc}")
    if method_name == "__init__" and isinstance(instance, torch.nn.Module):
        # a line of a module's constructor (``m.inplace = True`` in a ``.modules()`` loop): what it breaks shows
        # when the module built that way trains -- build it, run it forward, and backpropagate
        def build_and_run(*args, **kwargs):
            module = cls()
            module.train()
            return module(*args, **kwargs)

        return build_and_run, _module_shapes(instance) + list(GENERIC_SHAPES), _synthesize_for(instance.forward)
    shapes = list(GENERIC_SHAPES)
    if isinstance(instance, torch.nn.Module):
        instance.train()
        shapes = _module_shapes(instance) + shapes
    if method_name == "forward" and isinstance(instance, torch.nn.Module):
        target = instance  # through __call__, hooks included
        signature_of = instance.forward
    else:
        target = getattr(instance, method_name)
        signature_of = target
    return target, shapes, _synthesize_for(signature_of)


def _module_shapes(module: torch.nn.Module) -> List[Any]:
    nn = torch.nn
    for sub in module.modules():
        if isinstance(sub, nn.Linear):
            return [(2, sub.in_features)]
        if isinstance(sub, nn.Conv1d):
            return [(2, sub.in_channels, 16)]
        if isinstance(sub, nn.Conv2d):
            return [(2, sub.in_channels, 8, 8)]
        if isinstance(sub, nn.Conv3d):
            return [(2, sub.in_channels, 4, 4, 4)]
        if isinstance(sub, nn.BatchNorm1d):
            return [(4, sub.num_features)]
        if isinstance(sub, nn.BatchNorm2d):
            return [(4, sub.num_features, 4, 4)]
        if isinstance(sub, nn.LayerNorm):
            return [(2,) + tuple(sub.normalized_shape)]
        if isinstance(sub, nn.Embedding):
            return [("long", sub.num_embeddings, (2, 3))]
        if isinstance(sub, nn.RNNBase):
            return [(3, 2, sub.input_size)]
    return []


def _leaf(shape, dtype=torch.float32) -> torch.Tensor:
    if isinstance(shape, tuple) and shape and shape[0] == "long":
        _, high, size = shape
        return torch.randint(0, max(int(high), 1), size)
    t = torch.randn(shape, dtype=dtype, requires_grad=True)
    t.grad = torch.ones_like(t)  # so that code reading `p.grad` (hand-written updates) can run
    return t


def _synthesize_for(fn):
    """A function shape -> (args, kwargs) for ``fn``'s parameters without defaults."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []

    def make(shape):
        args, kwargs = [], {}
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.default is not p.empty:
                continue
            value = _value_for(p, shape)
            if p.kind == p.KEYWORD_ONLY:
                kwargs[p.name] = value
            else:
                args.append(value)
        return args, kwargs

    return make


def _annotation_text(p: inspect.Parameter) -> str:
    ann = p.annotation
    if ann is p.empty:
        return ""
    return ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))


def _value_for(p: inspect.Parameter, shape):
    name = p.name.lower()
    ann = _annotation_text(p)
    if ann == "int" or (not ann and name in INT_NAMES):
        return 2
    if ann == "float" or (not ann and name in FLOAT_NAMES):
        return 0.1
    if ann == "bool":
        return True
    if ann == "str":
        return "mean"
    tensor_shape = shape if not (isinstance(shape, tuple) and shape and shape[0] == "long") else (3,)
    if name in LIST_NAMES or any(k in ann for k in ("List", "list", "Iterable", "Sequence")):
        return [_leaf(tensor_shape), _leaf(tensor_shape)]
    if name in MODEL_NAMES:
        width = tensor_shape[-1] if isinstance(tensor_shape, tuple) and tensor_shape else 4
        return torch.nn.Linear(width, width)
    if name in OPTIMIZER_NAMES:
        return torch.optim.SGD([_leaf(tensor_shape)], lr=0.1)
    return _leaf(shape)


def _tensors(value) -> List[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _backprop(value) -> None:
    tensors = [t for t in _tensors(value) if t.requires_grad and t.is_floating_point() and t.grad_fn is not None]
    if tensors:
        total = tensors[0].sum()
        for t in tensors[1:]:
            total = total + t.sum()
        total.backward()


_GRAD_MODES = {"grad": lambda: torch.enable_grad(), "no_grad": lambda: torch.no_grad(),
               "inference_mode": lambda: torch.inference_mode()}
SYNTHESIZED = {"mode": "grad", "text": "a synthesized call with grad mode on (the file never calls it)"}


def _attempts(job, label, target, shapes, make_inputs, lines, keep) -> Dict[str, Any]:
    """Call ``target`` in the grad modes of the program's own call sites (``job["contexts"]``, found by
    ``targets.call_contexts``; grad on when the file never calls it): one result per distinct mode, the first
    that shows an event at a watched line, else the first that reached one. ``context`` says which was used."""
    contexts, modes = [], set()
    for context in job.get("contexts") or []:
        if context["mode"] not in modes:
            modes.add(context["mode"])
            contexts.append(context)
    contexts = contexts or [SYNTHESIZED]
    results = []
    for context in contexts:
        result = _attempts_in(job, label, target, shapes, make_inputs, lines, keep, context["mode"])
        result["context"] = context["text"]
        if len(contexts) > 1:
            result["contexts"] = [c["text"] for c in contexts]
        results.append(result)
        watched = set(lines)
        if any(e.get("path") == job["path"] and e.get("line") in watched for e in result["events"]):
            return result
    reached = [r for r in results if r.get("status") != "not-reached"]
    return (reached or results)[0]


def _attempts_in(job, label, target, shapes, make_inputs, lines, keep, mode: str) -> Dict[str, Any]:
    """Call ``target`` (in grad ``mode``) with inputs of each shape in turn until a watched line runs."""
    tried = []
    last: Optional[Dict[str, Any]] = None
    for shape in shapes:
        torch.manual_seed(0)
        try:
            args, kwargs = make_inputs(shape)
        except Exception as exc:  # noqa: BLE001
            tried.append(f"{shape}: cannot build inputs ({type(exc).__name__}: {exc})")
            continue
        tracer = _tracer(job)

        def call(args=args, kwargs=kwargs):
            with _GRAD_MODES[mode]():
                value = target(*args, **kwargs)
            _backprop(value)

        outcome = _run_traced(call, tracer)
        result = _result(label, outcome, tracer)
        result["inputs"] = _describe_inputs(args, kwargs)
        last = result
        if tracer.reached:
            result["events"].extend(_inspect(job, tracer))
            result["attempts"] = tried + [f"{_shape_text(shape)}: reached"]
            return result
        tried.append(f"{_shape_text(shape)}: " + (f"{result['exception']['type']}: "
                                                   f"{result['exception']['message'][:200]}"
                                                   if result["exception"] else "ran, flagged line not reached"))
    if last is None:
        return _error("no inputs could be synthesized", harness=label, attempts=tried)
    last["status"] = "not-reached"
    last["attempts"] = tried
    last["error"] = "no synthesized input reached the flagged line; tried " + "; ".join(tried)
    return last


def _shape_text(shape) -> str:
    if isinstance(shape, tuple) and shape and shape[0] == "long":
        return f"LongTensor{tuple(shape[2])}"
    return str(tuple(shape))


def _describe_inputs(args, kwargs) -> str:
    def one(v):
        if isinstance(v, torch.Tensor):
            return f"Tensor{tuple(v.shape)}" + (" requires_grad" if v.requires_grad else "")
        if isinstance(v, list):
            return "[" + ", ".join(one(x) for x in v) + "]"
        return type(v).__name__ if isinstance(v, torch.nn.Module) or hasattr(v, "param_groups") else repr(v)
    parts = [one(a) for a in args] + [f"{k}={one(v)}" for k, v in kwargs.items()]
    return "(" + ", ".join(parts) + ")"


# ---------------------------------------------------------------------------------------------------------------
# autograd.Function: run it, then gradcheck it


def _run_function_class(job, cls, qualname, lines, keep, label) -> Dict[str, Any]:
    if not (isinstance(cls, type) and issubclass(cls, torch.autograd.Function)):
        return _error(f"{qualname[0]} is not a torch.autograd.Function", harness=label)
    try:
        params = list(inspect.signature(cls.forward).parameters.values())
    except (TypeError, ValueError):
        params = []
    setup_context = "setup_context" in cls.__dict__
    inputs = [p for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not setup_context:
        inputs = inputs[1:]  # ctx
    count = len(inputs)
    path = job["path"]
    tried = []
    result = None
    for shape in GENERIC_SHAPES:
        tracer = _tracer(job)

        def make():
            torch.manual_seed(0)
            return [_value_for(p, shape) if _annotation_text(p) in ("int", "float", "bool")
                    or p.name.lower() in FLOAT_NAMES | INT_NAMES
                    else torch.randn(shape, dtype=torch.float64, requires_grad=True) for p in inputs]

        def call(make=make):
            _backprop(cls.apply(*make()))

        outcome = _run_traced(call, tracer)
        result = _result(label, outcome, tracer)
        if tracer.reached:
            break
        tried.append(f"{shape}: " + (result["exception"]["message"][:200] if result["exception"] else "not reached"))
    assert result is not None
    if not tracer.reached:
        result["status"] = "not-reached"
        result["error"] = "no synthesized input reached the flagged line; tried " + "; ".join(tried)
        return result
    result["inputs"] = f"{count} float64 tensor(s) of shape {tuple(shape)} requiring grad"
    failure = _gradcheck(cls, make)
    result["gradcheck"] = failure or "passed"
    if failure:
        for line_text, hit in result["hits"].items():
            result["events"].append({"kind": ev.GRADCHECK, "path": path, "line": int(line_text), "count": 1,
                                     "message": f"torch.autograd.gradcheck({qualname[0]}.apply) failed: {failure}"})
    return result


def _gradcheck(cls, make) -> Optional[str]:
    torch.manual_seed(0)
    inputs = make()
    try:
        ok = torch.autograd.gradcheck(cls.apply, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3,
                                      raise_exception=True)
    except Exception as exc:  # noqa: BLE001 - GradcheckError and whatever the function raises
        text = " ".join(str(exc).split())
        return f"{type(exc).__name__}: {text[:400]}"
    return None if ok else "gradcheck returned False"
