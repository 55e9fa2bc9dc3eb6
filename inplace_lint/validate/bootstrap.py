"""The child side of ``inplace-lint run``: installed by the ``sitecustomize`` that ``run`` puts first on
``PYTHONPATH``, in every Python process the command starts.

Torch-free until torch is imported: an import hook waits for ``import torch`` to finish and only then installs
the probe, so a process that never imports torch pays nothing (and never imports it). Events are appended, one JSON
line each, to the file named by ``INPLACE_LINT_PROBE_EVENTS``; at exit the process appends its final counts and,
when ``INPLACE_LINT_PROBE_LINES`` names a JSON file ``{path: [lines]}``, which of those lines ran (a line tracer
limited to those files).

Uncaught exceptions (the leaf errors are raised before the probe sees anything) are recorded through
``sys.excepthook``; under pytest, ``inplace_lint.validate.pytest_plugin`` records the ones tests raise.
"""
from __future__ import annotations

import atexit
import importlib.abc
import importlib.util
import json
import os
import sys
import threading
from typing import Any, Dict, Optional, Set

EVENTS_ENV = "INPLACE_LINT_PROBE_EVENTS"
LINES_ENV = "INPLACE_LINT_PROBE_LINES"

_state: Dict[str, Any] = {"probe": None, "installed": False, "hits": {}, "lock": threading.Lock()}


def _write(record: Dict[str, Any]) -> None:
    path = os.environ.get(EVENTS_ENV)
    if not path:
        return
    record = dict(record)
    record["pid"] = os.getpid()
    line = json.dumps(record, default=str) + "\n"
    with _state["lock"]:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        except OSError:
            pass


def record_exception(exc: BaseException) -> None:
    """Record an exception the user code raised (uncaught, or failing a test)."""
    probe = _state.get("probe")
    if probe is not None:
        probe.add_exception(exc)  # the sink writes it
        return
    from .events import exception_event  # torch never imported: still worth recording (e.g. TypeError)

    event = exception_event(exc)
    if event["kind"] != "exception":
        _write({"type": "event", "event": event})


def _install_probe() -> None:
    if _state["installed"]:
        return
    _state["installed"] = True
    try:
        from .probe import Probe

        probe = Probe(sink=lambda event: _write({"type": "event", "event": event}))
        probe.install()
        _state["probe"] = probe
    except Exception as exc:  # noqa: BLE001 - never break the user's program
        _write({"type": "error", "error": f"cannot install the probe: {type(exc).__name__}: {exc}"})


class _TorchImportHook(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps torch's loader so that the probe is installed right after torch loads."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module, original=original):
            original(module)
            _install_probe()

        loader.exec_module = exec_module
        return spec


def _watch_lines() -> None:
    """A line tracer restricted to the files that have static findings (for not-reached vs not-reproduced)."""
    path = os.environ.get(LINES_ENV)
    if not path:
        return
    try:
        with open(path, encoding="utf-8") as fh:
            wanted: Dict[str, Set[int]] = {k: set(v) for k, v in json.load(fh).items()}
    except (OSError, ValueError):
        return
    if not wanted:
        return
    hits: Dict[str, Dict[int, int]] = _state["hits"]

    def local(frame, event, arg):
        if event == "line":
            lines = wanted.get(frame.f_code.co_filename)
            if lines and frame.f_lineno in lines:
                per_file = hits.setdefault(frame.f_code.co_filename, {})
                per_file[frame.f_lineno] = per_file.get(frame.f_lineno, 0) + 1
        return local

    def global_trace(frame, event, arg):
        return local if frame.f_code.co_filename in wanted else None

    sys.settrace(global_trace)
    threading.settrace(global_trace)


def _at_exit() -> None:
    probe = _state.get("probe")
    if probe is not None:
        try:
            probe.flush()
            _write({"type": "final", "events": probe.events, "internal_errors": probe.internal_errors[:10]})
        except Exception:  # noqa: BLE001
            pass
    if _state["hits"]:
        _write({"type": "hits", "hits": {p: {str(k): v for k, v in lines.items()}
                                         for p, lines in _state["hits"].items()}})


def _excepthook(original):
    def hook(exc_type, exc, tb):
        try:
            if exc is not None:
                record_exception(exc)
        except Exception:  # noqa: BLE001
            pass
        return original(exc_type, exc, tb)
    return hook


def install() -> None:
    """Called by the generated sitecustomize: arm the probe for this process."""
    if not os.environ.get(EVENTS_ENV) or _state.get("armed"):
        return
    _state["armed"] = True
    if "torch" in sys.modules:
        _install_probe()
    else:
        sys.meta_path.insert(0, _TorchImportHook())
    _watch_lines()
    sys.excepthook = _excepthook(sys.excepthook)
    atexit.register(_at_exit)


def chain_next_sitecustomize(own_dir: str) -> Optional[object]:
    """Import the ``sitecustomize`` that ours shadows (the next one on ``sys.path``), if any."""
    import importlib.machinery

    rest = [p for p in sys.path if os.path.abspath(p or ".") != os.path.abspath(own_dir)]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 - theirs failing must not stop ours (Python ignores it too, with a message)
        return None
    return module
