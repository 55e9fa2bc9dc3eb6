"""The in-process runtime probe: while user code runs, record every tensor mutation that breaks (or silently
corrupts) autograd, at the user's ``file:line``.

Imports torch; only ever imported inside a validation child process (or by tests and the ``run`` sitecustomize).

How it sees things (all verified on torch 2.13, see ``docs/validator.md``):

* A ``TorchDispatchMode`` sees every aten call below autograd, including backward-pass ops. An argument whose schema
  ``alias_info.is_write`` is set is written (``add_``, ``copy_`` from ``x[0] = v``, ``index_put_`` from
  ``x[mask] = 0``, ``out=`` arguments, lists of ``_foreach_*_``). ``x.data.mul_`` arrives as ``detach`` then
  ``mul_`` on the alias.
* ``saved_tensors_hooks`` tell what a live graph saved. Registering them switches off torch's own version check at
  unpack time, so the probe records ``_version`` at pack time and raises torch's error itself at unpack time
  (otherwise the probe would turn torch errors into silent wrong gradients). It packs ``t.detach()`` (which shares
  the version counter and the storage), never ``t``: packing an output would make a reference cycle through its
  ``grad_fn``.
* torch bumps the version counter *after* the dispatch mode returns (in the ADInplaceOrView kernel), so whether a
  write was seen by the counter is resolved lazily, at the next aten call, pack or unpack: a write to saved bytes
  whose target's counter moved while the saved tensor's did not went through an alias with its own counter
  (``.data``, ``from_numpy``): torch will never notice it. Those are reported only when the written bytes overlap
  the saved bytes; writes torch does track are reported (and raised on) for any view of the saved base, even a
  disjoint slice, exactly like torch.
* The leaf checks (``a leaf Variable that requires grad is being used in an in-place operation``, ``out=``
  with grad) raise in the autograd layer before the dispatch mode is reached: those come from the exception
  (``events.exception_event``), not from here.
* ``autograd.Function.apply`` and ``FunctionCtx.mark_dirty`` are wrapped while a probe is installed, to report a
  ``forward`` that writes into an input it did not mark dirty.
"""
from __future__ import annotations

import inspect
import os
import re
import sys
import weakref
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from . import events as ev

ev.add_internal_prefix(os.path.dirname(torch.__file__))

SNAPSHOT_MAX_ELEMENTS = 1 << 20  # saved tensors up to this size get their pre-write values kept as evidence
EXACT_OVERLAP_MAX_ELEMENTS = 1 << 22  # strided overlap is checked element by element up to this storage size

_WRITES: Dict[Any, Tuple[Tuple[int, str], ...]] = {}
_STRIDED = torch.strided
_DETACH = torch.ops.aten.detach.default


def written_arguments(func) -> Tuple[Tuple[int, str], ...]:
    """(position, name) of the arguments an aten overload writes, from its schema (cached)."""
    info = _WRITES.get(func)
    if info is None:
        try:
            info = tuple((i, a.name) for i, a in enumerate(func._schema.arguments)
                         if a.alias_info is not None and a.alias_info.is_write)
        except Exception:  # noqa: BLE001 - an op without a schema writes nothing we can see
            info = ()
        _WRITES[func] = info
    return info


_CODE_KIND: Dict[Any, int] = {}  # code object -> 0 user, 1 library (torch), 2 machinery / inplace_lint


def _code_kind(code) -> int:
    kind = _CODE_KIND.get(code)
    if kind is None:
        filename = code.co_filename
        kind = 0 if not ev.is_internal_file(filename) else (2 if ev.is_own_file(filename) else 1)
        if len(_CODE_KIND) > 100_000:
            _CODE_KIND.clear()
        _CODE_KIND[code] = kind
    return kind


def where(depth: int = 1, want_via: bool = True) -> Tuple[Optional[str], int, Optional[str]]:
    """(file, line) of the innermost frame outside torch and inplace_lint, and ``file:line name`` of the innermost
    library frame below it (e.g. ``torch/nn/functional.py:1700 relu``) if the call went through one."""
    frame = sys._getframe(depth + 1)
    via = None
    library = None
    while frame is not None:
        code = frame.f_code
        kind = _CODE_KIND.get(code)
        if kind is None:
            kind = _code_kind(code)
        if kind == 0:
            if library is not None and want_via:
                via = f"{ev.short_path(library[0].co_filename)}:{library[1]} {library[0].co_name}"
            return code.co_filename, frame.f_lineno, via
        if kind == 1 and library is None:
            library = (code, frame.f_lineno)
        frame = frame.f_back
    return None, 0, None


def _geometry(t: torch.Tensor) -> Tuple[Tuple[int, ...], Tuple[int, ...], int, int]:
    return tuple(t.shape), tuple(t.stride()), t.storage_offset(), t.element_size()


def _byte_range(geom) -> Tuple[int, int]:
    shape, stride, offset, itemsize = geom
    if any(s == 0 for s in shape):
        return 0, 0
    span = 1 + sum((s - 1) * abs(st) for s, st in zip(shape, stride))
    return offset * itemsize, (offset + span) * itemsize


def _is_contiguous_run(geom) -> bool:
    shape, stride, _, _ = geom
    expected = 1
    for s, st in reversed(list(zip(shape, stride))):
        if s != 1 and st != expected:
            return False
        expected *= s
    return True


def bytes_overlap(a, b) -> bool:
    """Do two tensor geometries on one storage share a byte? Exact for small storages, conservative otherwise."""
    lo_a, hi_a = _byte_range(a)
    lo_b, hi_b = _byte_range(b)
    if hi_a <= lo_b or hi_b <= lo_a or hi_a == lo_a or hi_b == lo_b:
        return False
    if _is_contiguous_run(a) and _is_contiguous_run(b):
        return True
    if a[3] != b[3]:
        return True  # different dtypes over one storage: keep the conservative answer
    top = max(hi_a, hi_b) // a[3]
    if top > EXACT_OVERLAP_MAX_ELEMENTS:
        return True
    with torch.no_grad():
        base = torch.arange(top)
        ia = base.as_strided(a[0], a[1], a[2]).reshape(-1)
        ib = base.as_strided(b[0], b[1], b[2]).reshape(-1)
        return bool(torch.isin(ia, ib).any())


def tensor_label(t: torch.Tensor) -> str:
    """``torch.FloatTensor [3]``, as torch's saved-tensor message prints it."""
    try:
        name = t.type()
    except Exception:  # noqa: BLE001
        name = f"torch.{t.dtype}"
    return f"{name} [{', '.join(str(s) for s in t.shape)}]"


def _values(t: torch.Tensor, limit: int = 6) -> str:
    flat = t.detach().reshape(-1)
    items = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat[:limit].tolist()]
    return "[" + ", ".join(items) + (", ..." if flat.numel() > limit else "") + "]"


def _value_change(before: torch.Tensor, after: torch.Tensor) -> Optional[str]:
    try:
        if before.shape != after.shape:
            return None
        diff = (after.double() - before.double()).abs()
        changed = int((diff > 0).sum())
        if not changed:
            return "the write left the saved values unchanged this time (torch raises on the version anyway)"
        if before.numel() <= 6:
            return f"saved value {_values(before)} became {_values(after)} before backward() used it"
        return (f"{changed} of {before.numel()} saved elements changed (max |delta| {float(diff.max()):.4g}) "
                f"before backward() used them")
    except Exception:  # noqa: BLE001 - evidence is best effort
        return None


class _Saved:
    """What the probe packs for one saved tensor. Dies with the graph node that holds it (hence ``__weakref__``)."""

    __slots__ = ("d", "version", "key", "geom", "path", "line", "op", "output_nr", "is_output", "saver", "ref",
                 "tracked", "hidden", "snapshot", "__weakref__")

    def __init__(self, d: torch.Tensor, version: int, key: int, geom, path, line, op, output_nr, ref,
                 is_output: bool = False, saver: Optional[str] = None):
        self.d = d
        self.version = version
        self.key = key
        self.geom = geom
        self.path, self.line, self.op = path, line, op
        self.output_nr = output_nr
        self.is_output = is_output  # saved as an output of the op that saved it (torch then names that op)
        self.saver = saver  # the aten op that saved it, e.g. `pow`
        self.ref = ref  # weak reference to the saved tensor itself (for its current grad_fn), or None
        self.tracked: List[Tuple] = []  # writes the version counter saw: (path, line, op, via)
        self.hidden: List[Tuple] = []  # writes it did not see: (path, line, op, via, geom)
        self.snapshot: Optional[torch.Tensor] = None


class _Pending:
    __slots__ = ("t", "tv", "recs", "owner", "loc", "geom")

    def __init__(self, t, tv, recs, owner, loc, geom):
        self.t, self.tv, self.recs, self.owner, self.loc, self.geom = t, tv, recs, owner, loc, geom


class _FunctionCall:
    """One ``autograd.Function.apply`` in progress: its tensor inputs, the writes of its forward, what it marked
    dirty."""

    __slots__ = ("cls", "inputs", "writes", "dirty", "saved")

    def __init__(self, cls, inputs):
        self.cls = cls
        self.inputs = inputs  # [(position, tensor)]
        self.writes: List[Tuple] = []  # (key, geom, path, line, op, via)
        self.dirty: List[torch.Tensor] = []
        self.saved: List[Tuple[int, Any]] = []  # (key, geom) of what ctx.save_for_backward got so far


class _BackwardCall:
    """One custom ``Function.backward`` in progress and the gradients it received."""

    __slots__ = ("cls", "grads")

    def __init__(self, cls, grads):
        self.cls = cls
        self.grads = grads  # [(position, tensor, key, geom)]


class _Mode(TorchDispatchMode):
    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # no torch._disable_dynamo wrapper around every call: it costs as much as the probe itself

    def __init__(self, probe: "Probe"):
        super().__init__()
        self.probe = probe

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        probe = self.probe
        if kwargs is None:
            kwargs = {}
        if probe._pending:
            probe._resolve()
        if probe._awaiting and not probe._busy:
            # inputs are packed before their op is dispatched: this op is the one that saved them
            name = _short_op(func)
            for rec in probe._awaiting:
                rec.saver = name
            probe._awaiting = []
        if func is _DETACH and args and not probe._busy:
            source = args[0]  # `.data` and `.detach()` arrive here: remember whose storage the alias shares
            if isinstance(source, torch.Tensor) and source.requires_grad:
                probe._register_owner(source)
        info = _WRITES.get(func)
        if info is None:
            info = written_arguments(func)
        if info and not probe._busy:
            try:
                probe._on_write(func, info, args, kwargs)
            except Exception as exc:  # noqa: BLE001 - the probe must never break the user's program
                probe.internal_errors.append(f"{func}: {type(exc).__name__}: {exc}")
        out = func(*args, **kwargs)
        if not probe._busy:
            probe._last_func = func  # for outputs packed next: the op that saved them
        return out


_no_dispatch = getattr(torch._C, "_DisableTorchDispatch", None)
if _no_dispatch is None:  # pragma: no cover - older torch
    import contextlib

    _no_dispatch = contextlib.nullcontext

try:
    _next_sequence_nr = torch._C._autograd._get_sequence_nr
except AttributeError:  # pragma: no cover - older torch: every saved tensor counts as an input
    def _next_sequence_nr() -> int:
        return -1

_ACTIVE: Optional["Probe"] = None
_ORIGINAL_APPLY = None
_ORIGINAL_MARK_DIRTY = None
_ORIGINAL_SAVE = None
_ORIGINAL_BACKWARD_APPLY = None
_ORIGINAL_MODULE_INIT = None
_CALL_IMPL_CODE = None


def _storage_geometry(t: torch.Tensor):
    if t.layout != torch.strided or t.device.type == "meta":
        return 0, None
    return t.untyped_storage().data_ptr(), _geometry(t)


_USER_CLASSES: Dict[Any, bool] = {}


def _is_user_class(cls) -> bool:
    """A Function defined in user code (torch's own Functions are torch's business, not the user's findings)."""
    known = _USER_CLASSES.get(cls)
    if known is None:
        module = sys.modules.get(getattr(cls, "__module__", ""), None)
        filename = getattr(module, "__file__", None) or ""
        known = _USER_CLASSES[cls] = not (filename and ev.is_internal_file(filename))
    return known


def _patched_apply(cls, *args, **kwargs):
    probe = _ACTIVE
    if probe is None or probe._busy or not _is_user_class(cls):
        return _ORIGINAL_APPLY.__func__(cls, *args, **kwargs)
    call = _FunctionCall(cls, [(i, a) for i, a in enumerate(args) if isinstance(a, torch.Tensor)])
    probe._fn_stack.append(call)
    try:
        return _ORIGINAL_APPLY.__func__(cls, *args, **kwargs)
    finally:
        probe._fn_stack.pop()
        try:
            probe._check_function(call)
        except Exception as exc:  # noqa: BLE001
            probe.internal_errors.append(f"{cls.__name__}.apply: {type(exc).__name__}: {exc}")


def _patched_mark_dirty(self, *args):
    probe = _ACTIVE
    if probe is not None and probe._fn_stack:
        probe._fn_stack[-1].dirty.extend(a for a in args if isinstance(a, torch.Tensor))
    return _ORIGINAL_MARK_DIRTY(self, *args)


def _patched_save_for_backward(self, *tensors):
    probe = _ACTIVE
    if probe is not None and probe._fn_stack:
        call = probe._fn_stack[-1]
        for t in tensors:
            if isinstance(t, torch.Tensor):
                key, geom = _storage_geometry(t)
                if key:
                    call.saved.append((key, geom))
    return _ORIGINAL_SAVE(self, *tensors)


def _patched_backward_apply(self, *args):
    probe = _ACTIVE
    if probe is None or probe._busy or not _is_user_class(getattr(self, "_forward_cls", type(self))):
        return _ORIGINAL_BACKWARD_APPLY(self, *args)
    grads = []
    for i, g in enumerate(args):
        if isinstance(g, torch.Tensor):
            key, geom = _storage_geometry(g)
            if key:
                grads.append((i, g, key, geom))
    probe._bw_stack.append(_BackwardCall(getattr(self, "_forward_cls", type(self)), grads))
    try:
        return _ORIGINAL_BACKWARD_APPLY(self, *args)
    finally:
        probe._bw_stack.pop()


def _patched_module_init(self, *args, **kwargs):
    _ORIGINAL_MODULE_INIT(self, *args, **kwargs)
    probe = _ACTIVE
    if probe is not None:
        try:
            probe._module_sites[self] = _construction_site(self)
        except TypeError:
            pass


def _construction_site(module) -> Tuple[Optional[str], int]:
    """Where ``module`` was built: the first user frame that is not one of its own ``__init__``s."""
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if _code_kind(code) == 0 and not (code.co_name == "__init__" and frame.f_locals.get("self") is module):
            return code.co_filename, frame.f_lineno
        frame = frame.f_back
    return None, 0


def _patch_functions() -> None:
    global _ORIGINAL_APPLY, _ORIGINAL_MARK_DIRTY, _ORIGINAL_SAVE, _ORIGINAL_BACKWARD_APPLY, _ORIGINAL_MODULE_INIT
    global _CALL_IMPL_CODE
    from torch.autograd import function as F

    if _ORIGINAL_APPLY is None:
        _ORIGINAL_APPLY = F.Function.__dict__["apply"]
        _ORIGINAL_MARK_DIRTY = F.FunctionCtx.mark_dirty
        _ORIGINAL_SAVE = F.FunctionCtx.save_for_backward
        _ORIGINAL_BACKWARD_APPLY = F.BackwardCFunction.apply
        _ORIGINAL_MODULE_INIT = torch.nn.Module.__init__
        _CALL_IMPL_CODE = torch.nn.Module._call_impl.__code__
    F.Function.apply = classmethod(_patched_apply)
    F.FunctionCtx.mark_dirty = _patched_mark_dirty
    F.FunctionCtx.save_for_backward = _patched_save_for_backward
    F.BackwardCFunction.apply = _patched_backward_apply
    torch.nn.Module.__init__ = _patched_module_init


def _unpatch_functions() -> None:
    from torch.autograd import function as F

    if _ORIGINAL_APPLY is not None:
        F.Function.apply = _ORIGINAL_APPLY
        F.FunctionCtx.mark_dirty = _ORIGINAL_MARK_DIRTY
        F.FunctionCtx.save_for_backward = _ORIGINAL_SAVE
        F.BackwardCFunction.apply = _ORIGINAL_BACKWARD_APPLY
        torch.nn.Module.__init__ = _ORIGINAL_MODULE_INIT


def _call_site_of(frame, sites) -> Optional[Tuple[str, int]]:
    """The construction site of the module whose ``__call__`` ``frame`` runs, if it is one we saw built."""
    if frame.f_code is not _CALL_IMPL_CODE:
        return None
    module = frame.f_locals.get("self")
    site = sites.get(module) if module is not None else None
    return site if site is not None and site[0] else None


def _traceback_module_sites(tb, sites) -> List[Tuple[str, int]]:
    """Construction sites of the modules whose ``__call__`` an exception went through, innermost first."""
    out: List[Tuple[str, int]] = []
    while tb is not None and sites:
        site = _call_site_of(tb.tb_frame, sites)
        if site is not None:
            out.append(site)
        tb = tb.tb_next
    return out[::-1]


def _innermost_module_id() -> Optional[int]:
    """``id`` of the module whose ``__call__`` is innermost on the stack, if any."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code is _CALL_IMPL_CODE:
            module = frame.f_locals.get("self")
            return id(module) if module is not None else None
        frame = frame.f_back
    return None


def _module_stack(sites) -> List[Tuple[str, int]]:
    """Construction sites of the modules whose ``__call__`` is on the stack, innermost first."""
    out = []
    frame = sys._getframe(2)
    while frame is not None:
        site = _call_site_of(frame, sites)
        if site is not None:
            out.append(site)
        frame = frame.f_back
    return out


class Probe:
    """Install with ``with Probe() as probe:`` (or ``install()`` / ``uninstall()``); read ``probe.events``.

    ``sink`` is called with each new event (first occurrence of a (kind, path, line)); ``raise_on_saved`` makes
    the probe raise torch's own error when a modified saved tensor is unpacked (always on, except in tests that
    want to see what happens without it).
    """

    def __init__(self, sink: Optional[Callable[[Dict[str, Any]], None]] = None, raise_on_saved: bool = True):
        self.sink = sink
        self.raise_on_saved = raise_on_saved
        self.events: List[Dict[str, Any]] = []
        self.internal_errors: List[str] = []
        self.backward_calls = 0  # unpacks seen: a backward pass ran
        self._index: Dict[Tuple[str, str, int], Dict[str, Any]] = {}
        self._live: Dict[int, "weakref.WeakSet[_Saved]"] = {}
        self._owners: Dict[int, "weakref.ref"] = {}
        self._pending: List[_Pending] = []
        self._fn_stack: List[_FunctionCall] = []
        self._bw_stack: List[_BackwardCall] = []
        self._module_sites: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
        self._busy = False
        self._last_func = None
        self._awaiting: List[_Saved] = []
        self._hooks = None
        self._mode: Optional[_Mode] = None
        # module calls running, and the outputs of the modules among them that have forward hooks (storage key ->
        # (the module's construction site, the output's geometry)), forgotten when the outermost call returns
        self._module_depth = 0
        self._hooked_outputs: Dict[int, Tuple[Optional[Tuple[str, int]], Tuple, int]] = {}
        self._module_hooks: List[Any] = []

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def install(self) -> "Probe":
        global _ACTIVE
        if _ACTIVE is not None:
            raise RuntimeError("another inplace-lint probe is already installed")
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)
        self._hooks.__enter__()
        self._mode = _Mode(self)
        self._mode.__enter__()
        _patch_functions()
        _ACTIVE = self
        from torch.nn.modules import module as nn_module

        self._module_hooks = [nn_module.register_module_forward_pre_hook(self._module_pre)]
        try:
            self._module_hooks.append(nn_module.register_module_forward_hook(self._module_post, always_call=True))
        except TypeError:  # (an older torch: no always_call)
            self._module_hooks.append(nn_module.register_module_forward_hook(self._module_post))
        return self

    def uninstall(self) -> None:
        global _ACTIVE
        if _ACTIVE is not self:
            return
        _ACTIVE = None
        _unpatch_functions()
        for handle in self._module_hooks:
            handle.remove()
        self._module_hooks = []
        try:
            self._mode.__exit__(None, None, None)
        finally:
            self._hooks.__exit__(None, None, None)
        self._resolve()

    def __enter__(self) -> "Probe":
        return self.install()

    def __exit__(self, *exc) -> None:
        self.uninstall()

    def flush(self) -> None:
        """Resolve writes whose version bump is still pending (call before reading ``events``)."""
        if self._pending:
            self._resolve()

    # --- events -------------------------------------------------------------------------------------------------

    def event(self, kind: str, path: Optional[str], line: int, **fields) -> Dict[str, Any]:
        key = (kind, path or "", line or 0)
        found = self._index.get(key)
        if found is not None:
            found["count"] = found.get("count", 1) + 1
            return found
        event = {"kind": kind, "path": path, "line": line, "count": 1}
        event.update({k: v for k, v in fields.items() if v is not None})
        self._index[key] = event
        self.events.append(event)
        if self.sink is not None:
            try:
                self.sink(event)
            except Exception as exc:  # noqa: BLE001
                self.internal_errors.append(f"sink: {type(exc).__name__}: {exc}")
        return event

    def add_exception(self, exc: BaseException) -> Optional[Dict[str, Any]]:
        """Record an exception the user code raised (the leaf checks live only there)."""
        event = ev.exception_event(exc)
        if event["kind"] == ev.SAVED and any(e["kind"] == ev.SAVED for e in self.events):
            return None  # the probe raised it and already recorded it at the mutating line
        fields = {k: v for k, v in event.items() if k not in ("kind", "path", "line", "count")}
        sites = _traceback_module_sites(exc.__traceback__, self._module_sites)
        if sites:
            fields["module_sites"] = sites  # raised inside a module's call: where those modules were built
        return self.event(event["kind"], event["path"], event["line"], **fields)

    # --- saved tensors ------------------------------------------------------------------------------------------

    def _pack(self, t: torch.Tensor):
        if self._pending:
            self._resolve()
        with _no_dispatch():  # our own detach need not go through the dispatch mode (a third of the pack's cost)
            d = t.detach()
        key = 0
        geom = None
        try:
            if d.layout is _STRIDED and not d.is_meta:
                key = d.untyped_storage().data_ptr()
                geom = _geometry(d)
        except Exception:  # noqa: BLE001 - sparse, nested, subclasses: not tracked
            key = 0
        path, line, _ = where(1, want_via=False)
        grad_fn = t.grad_fn
        op = type(grad_fn).__name__ if grad_fn is not None else None
        try:
            ref = weakref.ref(t)
        except TypeError:
            ref = None
        # An output is packed after its op ran, when its grad_fn is the newest node; an input is packed before
        # its op is dispatched (the op's node already took the newest sequence number).
        is_output = grad_fn is not None and grad_fn._sequence_nr() == _next_sequence_nr() - 1
        saver = _short_op(self._last_func) if is_output else None
        rec = _Saved(d, t._version, key, geom, path, line, op, getattr(t, "output_nr", 0), ref, is_output, saver)
        if not is_output:
            self._awaiting.append(rec)
        if key:
            live = self._live.get(key)
            if live is None:
                live = self._live[key] = weakref.WeakSet()
                if len(self._live) > 4096:
                    self._prune()
            live.add(rec)
            if t.requires_grad and ref is not None:
                self._owners[key] = weakref.ref(t, self._owner_gone(key))
        return rec

    def _register_owner(self, t: torch.Tensor) -> None:
        """``t`` requires grad: a later write to its storage through an alias with another version counter is a
        hidden (``.data``) write."""
        try:
            if t.layout is not _STRIDED or t.is_meta:
                return
            key = t.untyped_storage().data_ptr()
            if key:
                self._owners[key] = weakref.ref(t, self._owner_gone(key))
        except Exception:  # noqa: BLE001 - subclasses without storage
            pass

    def _owner_gone(self, key: int):
        def gone(r, owners=self._owners, key=key):
            if owners.get(key) is r:
                del owners[key]
        return gone

    def _prune(self) -> None:
        for key in [k for k, s in self._live.items() if not s]:
            del self._live[key]

    def _unpack(self, rec: _Saved) -> torch.Tensor:
        if self._pending:
            self._resolve()
        self.backward_calls += 1
        if rec.key and rec.d._version != rec.version:
            self._busy = True
            try:
                message = self._saved_message(rec)
                path, line, op, via, sites = rec.tracked[0] if rec.tracked else (None, 0, None, None, [])
                # every write the version counter saw since the save is a cause: torch raises as long as one is left
                for w_path, w_line, w_op, w_via, w_sites in (rec.tracked or [(None, 0, None, None, [])]):
                    self.event(ev.SAVED, w_path, w_line, op=w_op, via=w_via, module_sites=w_sites or None,
                               message=message.split(" Hint:")[0], saved_path=rec.path, saved_line=rec.line,
                               saved_op=rec.saver or rec.op, tensor=tensor_label(rec.d), values=self._change(rec))
            finally:
                self._busy = False
            if self.raise_on_saved:
                where_text = f" Modified at {path}:{line} by {op}" if path else ""
                saved_text = f"; saved at {rec.path}:{rec.line}" if rec.path else ""
                raise RuntimeError(f"{message}{where_text}{saved_text} (inplace-lint probe).")
        if rec.hidden:
            hidden, rec.hidden = rec.hidden, []
            self._busy = True
            try:
                for (path, line, op, via, sites), geom in hidden:
                    if bytes_overlap(geom, rec.geom):
                        self.event(ev.DATA_CORRUPTION, path, line, op=op, via=via, module_sites=sites or None,
                                   message=(f"in-place {_op_name(op)} through an alias with its own version "
                                            f"counter (.data) overwrote a tensor saved for backward; autograd "
                                            f"cannot see it and backward() silently uses the new value"),
                                   saved_path=rec.path, saved_line=rec.line, saved_op=rec.saver or rec.op,
                                   tensor=tensor_label(rec.d), values=self._change(rec))
            finally:
                self._busy = False
        return rec.d

    @staticmethod
    def _change(rec: _Saved) -> Optional[str]:
        return None if rec.snapshot is None else _value_change(rec.snapshot, rec.d)

    @staticmethod
    def _saved_message(rec: _Saved) -> str:
        t = rec.ref() if rec.ref is not None else None
        grad_fn = t.grad_fn if t is not None and not rec.is_output else None
        name = type(grad_fn).__name__ if grad_fn is not None else rec.op
        if name:
            name = re.sub(r"Backward\d*$", "", name) or name  # torch prints `Sigmoid` for SigmoidBackward0
        text = f"{ev.SAVED_MESSAGE}: [{tensor_label(rec.d)}]"
        if name:
            output_nr = t.output_nr if t is not None else rec.output_nr
            text += f", which is output {output_nr} of {name},"
        text += (f" is at version {rec.d._version}; expected version {rec.version} instead. Hint: enable anomaly "
                 f"detection to find the operation that failed to compute its gradient, with "
                 f"torch.autograd.set_detect_anomaly(True, check_nan=False).")
        return text

    # --- module calls and their forward hooks ---------------------------------------------------------------

    def _module_pre(self, module, args) -> None:
        self._module_depth += 1

    def _module_post(self, module, args, output) -> None:
        self._module_depth = max(0, self._module_depth - 1)
        if not self._module_depth:
            self._hooked_outputs.clear()
            return
        if not getattr(module, "_forward_hooks", None):
            return
        site = self._module_sites.get(module)
        for t in (output if isinstance(output, (tuple, list)) else (output,)):
            if isinstance(t, torch.Tensor) and t.layout is _STRIDED and not t.is_meta:
                key = t.untyped_storage().data_ptr()
                if key:
                    self._hooked_outputs[key] = (site, _geometry(t), id(module))

    def _check_hooked_output(self, t: torch.Tensor, key: int, geom, loc) -> None:
        """A write, while a model call runs, into the output of a module with forward hooks, by another module."""
        hooked = self._hooked_outputs.get(key)
        if hooked is None or not bytes_overlap(geom, hooked[1]):
            return
        path, line, op, via, sites = loc
        if not sites or _innermost_module_id() == hooked[2]:
            return  # (the hooked module, or its hooks, writing its own output)
        built = f" (built at line {hooked[0][1]})" if hooked[0] and hooked[0][1] else ""
        self.event(ev.HOOK_OUTPUT_CLOBBERED, path, line, op=op, via=via, module_sites=sites,
                   message=(f"in-place {_op_name(op)} by the module built at line {sites[0][1]} wrote into the output "
                            f"of a module with forward hooks{built} before the model call returned: what a hook "
                            f"kept of it now holds the new values"))

    # --- writes -------------------------------------------------------------------------------------------------

    def _on_write(self, func, info, args, kwargs) -> None:
        targets: List[torch.Tensor] = []
        for position, name in info:
            value = args[position] if position < len(args) else kwargs.get(name)
            if isinstance(value, torch.Tensor):
                targets.append(value)
            elif isinstance(value, (list, tuple)):
                targets.extend(v for v in value if isinstance(v, torch.Tensor))
        call = self._fn_stack[-1] if self._fn_stack else None
        backward_call = self._bw_stack[-1] if self._bw_stack else None
        loc = None
        for t in targets:
            if t.layout is not _STRIDED or t.is_meta:
                continue
            key = t.untyped_storage().data_ptr()
            if not key:
                continue
            geom = None
            if self._hooked_outputs and self._module_depth:
                geom = _geometry(t)
                if loc is None:
                    loc = self._location(str(func))
                self._check_hooked_output(t, key, geom, loc)
            live = self._live.get(key)
            owner = self._owners.get(key)
            owner_info = None
            if owner is not None:
                o = owner()
                if o is not None and o is not t and not t.requires_grad:
                    owner_info = (owner, o._version)  # a write through an alias: does o's counter move too?
            if not live and owner_info is None and call is None and backward_call is None:
                continue
            if geom is None:
                geom = _geometry(t)
            if loc is None:
                loc = self._location(str(func))
            if call is not None:
                call.writes.append((key, geom) + loc[:4])
                self._check_function_saved(call, key, geom, loc)
            if backward_call is not None:
                self._check_backward_grads(backward_call, key, geom, loc)
            recs = []
            if live:
                for rec in list(live):
                    recs.append((rec, rec.d._version))
                    if rec.snapshot is None and rec.d.numel() <= SNAPSHOT_MAX_ELEMENTS:
                        self._busy = True
                        try:
                            rec.snapshot = rec.d.clone()
                        finally:
                            self._busy = False
            if recs or owner_info is not None:
                self._pending.append(_Pending(t, t._version, recs, owner_info, loc, geom))

    def _location(self, op: str) -> Tuple:
        """(path, line, op, via, module construction sites) of the write being dispatched."""
        path, line, via = where(2)
        sites = _module_stack(self._module_sites) if self._module_sites else []
        return (path, line, op, via, sites)

    def _check_function_saved(self, call: _FunctionCall, key: int, geom, loc) -> None:
        for saved_key, saved_geom in call.saved:
            if saved_key == key and bytes_overlap(geom, saved_geom):
                path, line, op, via, sites = loc
                self.event(ev.FN_SAVED_WRITE, path, line, op=op, via=via, module_sites=sites or None,
                           message=(f"{call.cls.__name__}.forward wrote in place ({_op_name(op)}) into a tensor it "
                                    f"had already passed to ctx.save_for_backward(): the version is recorded when "
                                    f"forward returns, so backward() silently computes with the modified values"))
                return

    def _check_backward_grads(self, call: _BackwardCall, key: int, geom, loc) -> None:
        for position, grad, grad_key, grad_geom in call.grads:
            if grad_key == key and bytes_overlap(geom, grad_geom):
                try:
                    names = list(inspect.signature(call.cls.backward).parameters)[1:]
                except (TypeError, ValueError):
                    names = []
                name = names[position] if position < len(names) else f"#{position}"
                expanded = any(st == 0 and sz > 1 for sz, st in zip(grad.shape, grad.stride()))
                detail = (" (it is expanded: one element seen through a stride of 0)" if expanded else
                          " (autograd may hand the same tensor to other nodes)")
                path, line, op, via, sites = loc
                self.event(ev.FN_GRAD_WRITE, path, line, op=op, via=via,
                           message=(f"{call.cls.__name__}.backward wrote in place ({_op_name(op)}) into the "
                                    f"gradient it received, `{name}`{detail}: it is not its own to modify"))
                return

    def _resolve(self) -> None:
        pending, self._pending = self._pending, []
        for p in pending:
            moved = p.t._version != p.tv
            for rec, version in p.recs:
                if rec.d._version != version:
                    rec.tracked.append(p.loc)
                elif moved:
                    rec.hidden.append((p.loc, p.geom))
            if p.owner is not None and moved:
                owner = p.owner[0]()
                if owner is not None and owner._version == p.owner[1] and owner.requires_grad:
                    path, line, op, via, sites = p.loc
                    self.event(ev.DATA_WRITE, path, line, op=op, via=via, tensor=tensor_label(owner),
                               module_sites=sites or None,
                               message=(f"in-place {_op_name(op)} through an alias with its own version counter "
                                        f"(.data) wrote into a tensor that requires grad; its version counter "
                                        f"stayed at {owner._version}, so autograd cannot see this write"))

    # --- autograd.Function --------------------------------------------------------------------------------------

    def _check_function(self, call: _FunctionCall) -> None:
        if not call.writes or not call.inputs:
            return
        self.flush()
        self._busy = True
        try:
            self._check_function_writes(call)
        finally:
            self._busy = False

    def _check_function_writes(self, call: _FunctionCall) -> None:
        try:
            names = list(inspect.signature(call.cls.forward).parameters)[1:]
        except (TypeError, ValueError):
            names = []
        for key, geom, path, line, op, via in call.writes:
            for position, x in call.inputs:
                if x.layout != torch.strided or x.untyped_storage().data_ptr() != key:
                    continue
                if not bytes_overlap(geom, _geometry(x)):
                    continue
                if any(d is x or (d.untyped_storage().data_ptr() == key and bytes_overlap(_geometry(d), _geometry(x)))
                       for d in call.dirty):
                    continue
                name = names[position] if position < len(names) else f"#{position}"
                detail = ""
                if x.requires_grad and x.is_leaf:
                    detail = ": it is a leaf that requires grad, whose value now changed behind autograd's back"
                elif x.requires_grad:
                    detail = ": autograd still treats it as unmodified"
                self.event(ev.FN_DIRTY, path, line, op=op, via=via, tensor=tensor_label(x),
                           message=(f"{call.cls.__name__}.forward wrote in place into its input `{name}` "
                                    f"({_op_name(op)}) without ctx.mark_dirty(){detail}"))
                break


_SHORT_OPS: Dict[Any, str] = {}


def _short_op(func) -> Optional[str]:
    """``pow`` for ``aten.pow.Tensor_Scalar``."""
    if func is None:
        return None
    name = _SHORT_OPS.get(func)
    if name is None:
        text = str(func)
        parts = text.split(".")
        name = _SHORT_OPS[func] = parts[1] if len(parts) >= 2 and parts[0] == "aten" else text
    return name


def _op_name(op: Optional[str]) -> str:
    if not op:
        return "write"
    name = op.split(".")[1] if op.startswith("aten.") and "." in op else op
    return f"`{name}`"


def run_with_probe(fn: Callable[[], Any], **kwargs) -> Tuple[Any, Optional[BaseException], Probe]:
    """Call ``fn()`` under a fresh probe; return (result, exception or None, probe) with exceptions recorded."""
    probe = Probe(**kwargs)
    result, error = None, None
    probe.install()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - the exception is part of the outcome
        error = exc
    finally:
        probe.uninstall()
    if error is not None:
        probe.add_exception(error)
    return result, error, probe
