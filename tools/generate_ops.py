"""Generate ``inplace_lint/ops/data/ops.json`` from the installed torch.

Run with torch installed::

    python tools/generate_ops.py            # writes the packaged ops.json
    python tools/generate_ops.py --output /tmp/ops.json
    python tools/generate_ops.py --check    # exit 1 if the committed file is stale

The static checker must not import torch, so every fact it needs about torch
is discovered here, once, and frozen into a JSON table that
:mod:`inplace_lint.ops` loads.  Nothing in the table is a hand-written fact:
this file only holds hand-written lists of *what to probe* and *with which
sample arguments*; every fact is established by introspection
(``inspect.signature``, docstrings, operator schemas) or, preferably, by
executing the op on small tensors and looking at what happened.

Method
------
inplace_methods
    Every public ``torch.Tensor`` attribute whose name ends in ``_`` is called
    on a fresh small tensor with a few argument sets (float32, float64, int,
    bool tensors; hand-written overrides for ops such as ``index_put_``).  It
    is kept when a call succeeds and ``t._version`` increases (evidence
    ``"version"``), or when it changes ``t``'s data or shape *without* bumping
    the version (``apply_``, ``map_``, ``map2_``: evidence ``"data"``, also
    listed in ``unversioned_inplace_methods`` -- autograd cannot catch these,
    they silently corrupt gradients).  Names that cannot be run are kept only
    when an ``aten::<name>`` schema marks ``self`` as written
    (``Tensor(a!) self``; evidence ``"schema"``).
    ``non_mutating_trailing_underscore`` lists the rejected names
    (``requires_grad_``, ``share_memory_``, ``detach_``).  In-place dunders
    (``__iadd__``... and ``__setitem__``) are verified the same way and
    listed in ``inplace_dunders``.
inplace_functions
    ``torch.<op>_`` and ``torch.nn.functional.<op>_`` callables, mapped to the
    positional index of the argument whose version counter was bumped (or the
    schema's written argument when not runnable).
no_grad_functions
    Every public ``torch.nn.init`` function whose name ends in ``_`` (they
    mutate their argument under ``torch.no_grad()``).
inplace_kwarg_functions / inplace_modules
    ``inspect.signature`` of every public ``torch.nn.functional`` / ``torch``
    callable, resp. ``__init__`` of every ``nn.Module`` subclass exported by
    ``torch.nn``, looking for an ``inplace`` parameter.  Functions map to
    ``{"param": "inplace", "index": i, "target": 0}``; modules map to the
    positional index of ``inplace`` in ``__init__`` (``self`` excluded).
view_* / maybe_view_* / shares_version_*
    Each candidate is run on leaves requiring grad: a contiguous float32
    (3, 4) tensor, a non-contiguous one and a float64 one (complex inputs for
    ``real``/``imag``/``view_as_real``, 0-d/1-d ones for ``atleast_*``).  Then
    ``x`` is bumped in place under ``no_grad`` to see whether the result
    shares its version counter.  Per input the result is a *view*
    (``out._base is x`` and the version is shared), *shares_version* (version
    shared but not a view: ``detach`` returns a new tensor, ``positive`` /
    ``resolve_conj`` return ``x`` itself) or a *copy*.  A view for every
    input that ran -> ``view_*`` (``view_tuple_*`` when a tuple of views is
    returned), always version-sharing -> ``shares_version_*``, aliasing for
    some inputs and a copy for others (``reshape``, ``contiguous``, ``to``,
    ``x[i]``) -> ``maybe_view_*``.  Properties go to ``view_attributes``
    (``x.data`` shares storage but not the version counter, so it is not
    listed).
factory_functions
    Public ``torch`` callables whose signature (or, for builtins, docstring)
    has ``requires_grad``, plus a short list of builtins to try; each is
    called with sample arguments and ``requires_grad=True`` to learn whether
    it accepts it and whether its default dtype can require grad.
derivatives
    torch's own derivative formulas, read from the ``derivatives.yaml`` that
    ships with torch 2.x (``torchgen/packaged/autograd/derivatives.yaml``),
    for every elementwise unary op (``NAME(Tensor self) -> Tensor`` marked
    ``result: auto_element_wise``) for which ``torch.NAME`` exists.  The
    formula for ``self`` is translated to Python (names ``grad``, ``result``,
    ``self``; helpers such as ``sigmoid_backward`` become
    ``torch.ops.aten.sigmoid_backward``; ``.conj()`` is dropped: the
    ``--fix-with function`` rewrites are for real tensors) and kept only when
    it evaluates to the gradient autograd computes for ``torch.NAME`` on
    random float64 inputs.  ``uses`` lists which of ``result`` / ``self``
    the backward needs; ``zero_safe`` says that the formula gives exactly 0
    for a zero ``grad`` whatever finite value ``result`` / ``self`` holds (a
    backward may then read a stand-in value where the gradient is zero).
saved
    The core table: what each differentiable op saves for backward.  Each
    op is run under every non-empty requires-grad pattern of its
    differentiable tensor arguments; the autograd graph is walked from the
    outputs' ``grad_fn`` through ``next_functions`` (stopping at
    ``AccumulateGrad``; inputs are fresh leaves so they have no history) and
    every ``_saved_<name>`` attribute that has a ``_raw_saved_<name>`` twin
    (those are the tensor slots; ``saved_tensors`` of Python functions too)
    is matched against the inputs (same object, or same storage/offset/
    sizes/strides) -> input; same storage but different geometry -> input
    ``via_view`` (``w.t()`` inside ``F.linear``); same storage as an output
    -> result; anything else is an internal temporary and ignored.

JSON schema (top-level keys, all sorted)
---------------------------------------
``meta``: ``{"torch_version", "generated_by", "counts": {...},
"saved_skipped": {key: reason}}`` (``counts`` has the length of every
section plus ``saved_probed`` / ``saved_recorded`` / ``saved_skipped``).

``aliases``: ``{"torch.nn.modules.activation.ReLU": "torch.nn.ReLU", ...}``

``inplace_methods``: sorted list of Tensor method names;
``inplace_methods_evidence``: ``{name: "version" | "data" | "schema"}``;
``unversioned_inplace_methods``: sorted list (evidence ``"data"``);
``non_mutating_trailing_underscore``: ``{name: reason}``;
``inplace_dunders``: sorted list (``__iadd__``, ..., ``__setitem__``).

``inplace_functions``: ``{"torch.relu_": 0, "torch.nn.functional.elu_": 0, ...}``;
``non_mutating_trailing_underscore_functions``: ``{"torch.detach_": reason}``.

``no_grad_functions``: sorted list (``torch.nn.init.normal_``, ...)

``inplace_kwarg_functions``: ``{"torch.nn.functional.relu": {"param": "inplace",
"index": 1, "target": 0}, ...}``

``inplace_modules``: ``{"torch.nn.ReLU": 0, ...}``

``inplace_saves_result``: ``{"torch.nn.LeakyReLU": true, "Tensor.relu_": true, "Tensor.sin_": false, ...}``:
whether an in-place form (a module built with ``inplace=True``, a function called with ``inplace=True``,
``x.<op>_()``, ``torch.<op>_(x)``) saves its result, probed by writing the result again before backward. The
out-of-place form may differ (``leaky_relu`` saves its input, ``leaky_relu_`` its result).

``view_methods``, ``view_tuple_methods``, ``maybe_view_methods``,
``shares_version_methods``, ``view_attributes``, ``view_functions``,
``view_tuple_functions``, ``maybe_view_functions``,
``shares_version_functions``: sorted lists (methods by bare name, functions
by qualified name).

``multi_output_view_methods``, ``multi_output_view_functions``: the
tuple-of-views ops (and ``__iter__``: iterating a tensor) whose outputs are
multi-output views -- an in-place write into one raises "... This view is the
output of a function that returns multiple views ..." when it requires grad.

``factory_functions``: ``{"torch.randn": {"float_requires_grad": true,
"verified": true, "evidence": "docstring"}, "torch.randint":
{"float_requires_grad": false, ...}, ...}`` (``float_requires_grad``: the
default-dtype result may require grad; ``null`` when the probe arguments did
not run; ``evidence``: ``"signature"``, ``"docstring"`` or ``"call"`` for
builtins whose docstring is silent but which accepted ``requires_grad=True``,
such as ``torch.normal(mean, std, size)``).

``saved``: ``{key: entry}`` where key is ``torch.<fn>``, ``torch.linalg.<fn>``,
``torch.special.<fn>``, ``torch.nn.functional.<fn>``, ``Tensor.<method>``,
``torch.nn.<Module>``, ``operator.<op>``; a suffix ``@<variant>`` marks a
separately probed variant: ``torch.nn.Dropout@eval`` (module in eval mode,
present only where it differs from train mode, which is the plain key),
``operator.mul@scalar`` (``x * 2``), ``operator.pow@rscalar`` (``2 ** x``).
An entry is::

    {
      "kind": "function",         # | "method" | "module" | "operator"
      "arity": 2,                 # number of requires-grad pattern characters
      "tensor_args": [0, 1],      # what each pattern char refers to: positional
                                  # index (a list of tensors counts once) or
                                  # keyword name
      "inputs": [0, 1],           # every tensor argument (incl. int indices)
      "patterns": {               # one per probed pattern, '1' = requires grad
        "10": {"args": [1], "kwargs": [], "result": false, "via_view": []},
        "01": {...}, "11": {...}
      },
      "result_view_of": [],       # arguments the output aliases
      "rank_dependent": false,    # records differ between argument variants
      "nodes": ["MulBackward0"],  # autograd node types seen
      "by_variant": {label: {pattern: record}},  # only when rank_dependent
      "variant_keys": ["torch.nn.Dropout@eval"]  # only when such keys exist
    }

A pattern record may also hold ``"params": ["weight", ...]`` (modules: saved
parameters/buffers, by ``named_parameters``/``named_buffers`` name) and
``"outputs": [1]`` (tuple-returning ops: which outputs were saved, e.g. the
indices of ``max(x, dim)``).  For modules the all-zeros pattern is probed too,
since parameters always require grad; a module whose input cannot require
grad (``nn.Embedding``) has arity 0 and the single pattern ``""``.

``args`` are positional indices (``self`` is 0 for ``Tensor.*`` keys, the
forward input is 0 for modules), ``kwargs`` are keyword names, ``params`` are
module parameter/buffer names, ``via_view`` lists the entries of args/kwargs/
params that were saved as a view of the argument rather than the argument
itself.  A pattern's record is the union over the probed argument variants
(e.g. ``matmul`` on 1-D and 2-D operands).
"""

from __future__ import annotations

import argparse
import inspect
import json
import operator
import re
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "inplace_lint" / "ops" / "data" / "ops.json"
GENERATED_BY = "tools/generate_ops.py"

# ---------------------------------------------------------------------------
# sample tensors
# ---------------------------------------------------------------------------


def f(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Float tensor with values in (0.1, 0.9): inside the domain of log, sqrt,
    acos, atanh, logit, binary_cross_entropy..."""
    return torch.rand(*shape, dtype=dtype) * 0.8 + 0.1


def spd(n: int = 3) -> torch.Tensor:
    """Well conditioned symmetric positive definite matrix."""
    a = torch.rand(n, n)
    return a @ a.T + n * torch.eye(n)


def ints(high: int, *shape: int) -> torch.Tensor:
    return torch.randint(0, high, shape)


def idx(*values: int) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.long)


def mask(*shape: int) -> torch.Tensor:
    m = torch.zeros(*shape, dtype=torch.bool)
    m.view(-1)[::2] = True
    return m


def cplx(*shape: int) -> torch.Tensor:
    return torch.complex(f(*shape), f(*shape))


def signs(n: int) -> torch.Tensor:
    return torch.tensor([1.0, -1.0] * n)[:n]


def A(*args: Any, **kwargs: Any) -> tuple[tuple, dict]:
    """Spell a sample call: ``A(f(3, 4), 1, dim=0)``."""
    return args, kwargs


def img() -> torch.Tensor:
    return f(2, 3, 4, 4)


def vol() -> torch.Tensor:
    return f(1, 2, 4, 4, 4)


def seq() -> torch.Tensor:
    return f(2, 3, 4)


def _pool_out(dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[dim]
    x = {1: seq, 2: img, 3: vol}[dim]()
    with torch.no_grad():
        return pool(x, 2, return_indices=True)


def _ctc() -> tuple[tuple, dict]:
    log_probs = torch.log_softmax(torch.rand(5, 2, 4), dim=2)
    targets = torch.tensor([[1, 2, 3], [3, 2, 1]])
    return A(log_probs, targets, torch.tensor([5, 5]), torch.tensor([3, 3]))


# ---------------------------------------------------------------------------
# what to probe for `saved`, and with which arguments
# ---------------------------------------------------------------------------

# Default argument sets for ops without an override, tried in order; the first
# one that runs is used.
DEFAULT_VARIANTS: list[Callable[[], tuple[tuple, dict]]] = [
    lambda: A(f(3, 4)),
    lambda: A(f(3, 4), f(3, 4)),
]
LINALG_DEFAULT_VARIANTS = [lambda: A(spd()), lambda: A(spd(), spd())]

# torch.X and Tensor.X share these (self is argument 0); a key with a
# "torch." or "Tensor." prefix overrides the bare name for that key only.
# A value is a dict {variant label: builder}; builders return (args, kwargs).
R = dict  # readability: R(label=builder, ...)
OVERRIDES: dict[str, dict[str, Callable[[], tuple[tuple, dict]]]] = {
    "addbmm": R(d2=lambda: A(f(3, 5), f(2, 3, 4), f(2, 4, 5))),
    "addcdiv": R(d2=lambda: A(f(3, 4), f(3, 4), f(3, 4))),
    "addcmul": R(d2=lambda: A(f(3, 4), f(3, 4), f(3, 4))),
    "addmm": R(d2=lambda: A(f(3, 5), f(3, 4), f(4, 5))),
    "addmv": R(d2=lambda: A(f(3), f(3, 4), f(4))),
    "addr": R(d2=lambda: A(f(3, 4), f(3), f(4))),
    "as_strided": R(d2=lambda: A(f(3, 4), (2, 2), (1, 2))),
    "as_strided_scatter": R(d2=lambda: A(f(3, 4), f(2, 2), (2, 2), (1, 2))),
    "baddbmm": R(d3=lambda: A(f(2, 3, 5), f(2, 3, 4), f(2, 4, 5))),
    "bmm": R(d3=lambda: A(f(2, 3, 4), f(2, 4, 5))),
    "broadcast_to": R(d2=lambda: A(f(3, 4), (2, 3, 4))),
    "expand": R(d2=lambda: A(f(3, 4), 2, 3, 4)),
    "expand_as": R(d2=lambda: A(f(3, 4), f(2, 3, 4))),
    "cholesky": R(d2=lambda: A(spd())),
    "cholesky_inverse": R(d2=lambda: A(torch.linalg.cholesky(spd()))),
    "cholesky_solve": R(d2=lambda: A(f(3, 2), torch.linalg.cholesky(spd()))),
    "chunk": R(d2=lambda: A(f(3, 4), 2, 1)),
    "unsafe_chunk": R(d2=lambda: A(f(3, 4), 2, 1)),
    "clamp": R(d2=lambda: A(f(3, 4), 0.3, 0.7), tensor_bounds=lambda: A(f(3, 4), f(3, 4))),
    "clip": R(d2=lambda: A(f(3, 4), 0.3, 0.7)),
    "clamp_max": R(d2=lambda: A(f(3, 4), 0.5)),
    "clamp_min": R(d2=lambda: A(f(3, 4), 0.5)),
    "cross": R(d2=lambda: A(f(3, 3), f(3, 3), dim=1)),
    "cummax": R(d2=lambda: A(f(3, 4), 1)),
    "cummin": R(d2=lambda: A(f(3, 4), 1)),
    "cumprod": R(d2=lambda: A(f(3, 4), 1)),
    "cumsum": R(d2=lambda: A(f(3, 4), 1)),
    "logcumsumexp": R(d2=lambda: A(f(3, 4), 1)),
    "det": R(d2=lambda: A(spd())),
    "logdet": R(d2=lambda: A(spd())),
    "slogdet": R(d2=lambda: A(spd())),
    "inverse": R(d2=lambda: A(spd())),
    "matrix_exp": R(d2=lambda: A(spd())),
    "matrix_power": R(d2=lambda: A(spd(), 2)),
    "trace": R(d2=lambda: A(spd())),
    "diagonal_scatter": R(d2=lambda: A(f(3, 4), f(3))),
    "dot": R(d1=lambda: A(f(4), f(4))),
    "vdot": R(d1=lambda: A(f(4), f(4))),
    "dsplit": R(d3=lambda: A(f(2, 3, 4), 2)),
    "hsplit": R(d2=lambda: A(f(3, 4), 2)),
    "vsplit": R(d2=lambda: A(f(4, 3), 2)),
    "flip": R(d2=lambda: A(f(3, 4), (0,))),
    "gather": R(d2=lambda: A(f(3, 4), 1, ints(4, 3, 2))),
    "ger": R(d1=lambda: A(f(3), f(4))),
    "outer": R(d1=lambda: A(f(3), f(4))),
    "index_add": R(d2=lambda: A(f(3, 4), 0, idx(0, 2), f(2, 4))),
    "index_copy": R(d2=lambda: A(f(3, 4), 0, idx(0, 2), f(2, 4))),
    "index_fill": R(d2=lambda: A(f(3, 4), 1, idx(0, 2), 0.5)),
    "index_put": R(d2=lambda: A(f(3, 4), (idx(0, 2),), f(2, 4))),
    "index_reduce": R(d2=lambda: A(f(3, 4), 0, idx(0, 2), f(2, 4), "prod")),
    "index_select": R(d2=lambda: A(f(3, 4), 0, idx(0, 2))),
    "kthvalue": R(d2=lambda: A(f(3, 4), 2, 1)),
    "lerp": R(scalar_weight=lambda: A(f(3, 4), f(3, 4), 0.5)),
    "log_softmax": R(d2=lambda: A(f(3, 4), 1)),
    "softmax": R(d2=lambda: A(f(3, 4), 1)),
    "logsumexp": R(d2=lambda: A(f(3, 4), 1)),
    "lu": R(d2=lambda: A(spd())),
    "masked_fill": R(d2=lambda: A(f(3, 4), mask(3, 4), 0.5)),
    "masked_scatter": R(d2=lambda: A(f(3, 4), mask(3, 4), f(3, 4))),
    "masked_select": R(d2=lambda: A(f(3, 4), mask(3, 4))),
    "matmul": R(
        d1_d1=lambda: A(f(4), f(4)),
        d2_d1=lambda: A(f(3, 4), f(4)),
        d1_d2=lambda: A(f(3), f(3, 4)),
        d2_d2=lambda: A(f(3, 4), f(4, 5)),
        d3_d2=lambda: A(f(2, 3, 4), f(4, 5)),
        d3_d3=lambda: A(f(2, 3, 4), f(2, 4, 5)),
    ),
    "max": R(all=lambda: A(f(3, 4)), dim=lambda: A(f(3, 4), 1)),
    "min": R(all=lambda: A(f(3, 4)), dim=lambda: A(f(3, 4), 1)),
    "median": R(all=lambda: A(f(3, 4)), dim=lambda: A(f(3, 4), 1)),
    "nanmedian": R(all=lambda: A(f(3, 4)), dim=lambda: A(f(3, 4), 1)),
    "mode": R(d2=lambda: A(f(3, 4), 1)),
    "mm": R(d2=lambda: A(f(3, 4), f(4, 5))),
    "mv": R(d2=lambda: A(f(3, 4), f(4))),
    "mvlgamma": R(d2=lambda: A(f(3, 4) + 1, 2)),
    "nanquantile": R(d2=lambda: A(f(3, 4), 0.5)),
    "quantile": R(d2=lambda: A(f(3, 4), 0.5)),
    "narrow": R(d2=lambda: A(f(3, 4), 1, 0, 2)),
    "narrow_copy": R(d2=lambda: A(f(3, 4), 1, 0, 2)),
    "permute": R(d2=lambda: A(f(3, 4), (1, 0))),
    "torch.polygamma": R(d2=lambda: A(1, f(3, 4))),
    "Tensor.polygamma": R(d2=lambda: A(f(3, 4), 1)),
    "prelu": R(d2=lambda: A(f(3, 4), f(1))),
    "put": R(d2=lambda: A(f(3, 4), idx(0, 5), f(2))),
    "renorm": R(d2=lambda: A(f(3, 4), 2, 0, 1.0)),
    "repeat_interleave": R(d2=lambda: A(f(3, 4), 2)),
    "reshape": R(d2=lambda: A(f(3, 4), (12,))),
    "roll": R(d2=lambda: A(f(3, 4), 1, 0)),
    "scatter": R(src=lambda: A(f(3, 4), 1, ints(4, 3, 2), f(3, 2))),
    "scatter_add": R(d2=lambda: A(f(3, 4), 1, ints(4, 3, 2), f(3, 2))),
    "scatter_reduce": R(d2=lambda: A(f(3, 4), 1, ints(4, 3, 2), f(3, 2), "prod")),
    "select": R(d2=lambda: A(f(3, 4), 0, 1)),
    "select_scatter": R(d2=lambda: A(f(3, 4), f(4), 0, 1)),
    "slice_scatter": R(d2=lambda: A(f(3, 4), f(1, 4), 0, 0, 1)),
    "split": R(d2=lambda: A(f(3, 4), 2, 1)),
    "unsafe_split": R(d2=lambda: A(f(3, 4), 2, 1)),
    "split_with_sizes": R(d2=lambda: A(f(3, 4), [1, 3], 1)),
    "unsafe_split_with_sizes": R(d2=lambda: A(f(3, 4), [1, 3], 1)),
    "squeeze": R(d3=lambda: A(f(3, 1, 4))),
    "swapaxes": R(d2=lambda: A(f(3, 4), 0, 1)),
    "swapdims": R(d2=lambda: A(f(3, 4), 0, 1)),
    "movedim": R(d2=lambda: A(f(3, 4), 0, 1)),
    "moveaxis": R(d2=lambda: A(f(3, 4), 0, 1)),
    "take": R(d2=lambda: A(f(3, 4), idx(0, 5))),
    "take_along_dim": R(d2=lambda: A(f(3, 4), ints(4, 3, 2), 1)),
    "tensor_split": R(d2=lambda: A(f(3, 4), 2, 1)),
    "tile": R(d2=lambda: A(f(3, 4), (2,))),
    "topk": R(d2=lambda: A(f(3, 4), 2)),
    "transpose": R(d2=lambda: A(f(3, 4), 0, 1)),
    "triangular_solve": R(d2=lambda: A(f(3, 2), torch.triu(spd()))),
    "unflatten": R(d2=lambda: A(f(3, 4), 1, (2, 2))),
    "unsqueeze": R(d2=lambda: A(f(3, 4), 0)),
    "torch.where": R(d2=lambda: A(mask(3, 4), f(3, 4), f(3, 4))),
    "Tensor.where": R(d2=lambda: A(f(3, 4), mask(3, 4), f(3, 4))),
    "nonzero_static": R(d2=lambda: A(f(3, 4), size=3)),
    "histc": R(d2=lambda: A(f(3, 4), 4)),
    "bernoulli": R(d2=lambda: A(f(3, 4))),
    "multinomial": R(d1=lambda: A(f(4), 2)),
    "diff": R(d2=lambda: A(f(3, 4))),
    "float_power": R(d2=lambda: A(f(3, 4), f(3, 4))),
    "pow": R(tensor=lambda: A(f(3, 4), f(3, 4))),
    # Tensor-only methods
    "view": R(d2=lambda: A(f(3, 4), 12)),
    "view_as": R(d2=lambda: A(f(3, 4), f(12))),
    "reshape_as": R(d2=lambda: A(f(3, 4), f(12))),
    "repeat": R(d2=lambda: A(f(3, 4), 2, 1)),
    "unfold": R(d2=lambda: A(f(3, 4), 1, 2, 1)),
    "sum_to_size": R(d2=lambda: A(f(3, 4), 1, 4)),
    "type_as": R(d2=lambda: A(f(3, 4), f(2, dtype=torch.float64))),
    "to": R(d2=lambda: A(f(3, 4), torch.float64)),
    "new_tensor": R(d2=lambda: A(f(3, 4), [1.0, 2.0])),
    "__getitem__": R(
        basic=lambda: A(f(3, 4), (slice(None), 1)),
        long_index=lambda: A(f(3, 4), idx(0, 2)),
        bool_mask=lambda: A(f(3, 4), mask(3, 4)),
    ),
    # torch-only functions
    "cat": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "concat": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "concatenate": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "stack": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "hstack": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "vstack": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "dstack": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "column_stack": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "row_stack": R(d2=lambda: A([f(3, 4), f(3, 4)])),
    "block_diag": R(d2=lambda: A(f(2, 2), f(3, 3))),
    "cartesian_prod": R(d1=lambda: A(f(2), f(3))),
    "broadcast_tensors": R(d2=lambda: A(f(3, 1), f(1, 4))),
    "meshgrid": R(d1=lambda: A(f(2), f(3), indexing="ij")),
    "einsum": R(mm=lambda: A("ij,jk->ik", f(3, 4), f(4, 5))),
    "tensordot": R(d2=lambda: A(f(3, 4), f(4, 5), 1)),
    "chain_matmul": R(d2=lambda: A(f(3, 4), f(4, 5))),
    "cdist": R(d2=lambda: A(f(3, 4), f(2, 4))),
    "cosine_similarity": R(d2=lambda: A(f(3, 4), f(3, 4))),
    "pairwise_distance": R(d2=lambda: A(f(3, 4), f(3, 4))),
    "pdist": R(d2=lambda: A(f(3, 4))),
    "trapezoid": R(d2=lambda: A(f(3, 4))),
    "cumulative_trapezoid": R(d2=lambda: A(f(3, 4))),
    "atleast_1d": R(d0=lambda: A(torch.tensor(0.5)), d2=lambda: A(f(3, 4))),
    "atleast_2d": R(d1=lambda: A(f(4)), d2=lambda: A(f(3, 4))),
    "atleast_3d": R(d2=lambda: A(f(3, 4)), d3=lambda: A(f(2, 3, 4))),
    "conv1d": R(d3=lambda: A(seq(), f(2, 3, 3), f(2))),
    "conv2d": R(d4=lambda: A(f(2, 3, 5, 5), f(2, 3, 3, 3), f(2))),
    "conv3d": R(d5=lambda: A(f(1, 3, 4, 4, 4), f(2, 3, 3, 3, 3), f(2))),
    "conv_transpose1d": R(d3=lambda: A(seq(), f(3, 2, 3), f(2))),
    "conv_transpose2d": R(d4=lambda: A(img(), f(3, 2, 3, 3), f(2))),
    "conv_transpose3d": R(d5=lambda: A(f(1, 3, 4, 4, 4), f(3, 2, 3, 3, 3), f(2))),
    "conv_tbc": R(d3=lambda: A(f(5, 2, 3), f(3, 3, 2), f(2), 1)),
    "bilinear": R(d2=lambda: A(f(3, 4), f(3, 5), f(2, 4, 5), f(2))),
    "layer_norm": R(d2=lambda: A(f(3, 4), (4,), f(4), f(4))),
    "group_norm": R(d4=lambda: A(f(2, 4, 3, 3), 2, f(4), f(4))),
    "embedding": R(d2=lambda: A(ints(5, 2, 3), f(5, 4))),
    "torch.embedding": R(d2=lambda: A(f(5, 4), ints(5, 2, 3))),  # (weight, indices)
    "real": R(c=lambda: A(cplx(3, 4))),
    "imag": R(c=lambda: A(cplx(3, 4))),
    "dropout": R(train=lambda: A(f(3, 4), 0.5, True)),
    "alpha_dropout": R(train=lambda: A(f(3, 4), 0.5, True)),
    "feature_dropout": R(train=lambda: A(img(), 0.5, True)),
    "feature_alpha_dropout": R(train=lambda: A(img(), 0.5, True)),
    "threshold": R(d2=lambda: A(f(3, 4), 0.5, 0.0)),
    "hardshrink": R(d2=lambda: A(f(3, 4))),
    "kron": R(d2=lambda: A(f(2, 2), f(2, 3))),
    "frobenius_norm": R(d2=lambda: A(f(3, 4), (0, 1))),
    "nuclear_norm": R(d2=lambda: A(f(3, 4))),
    "std_mean": R(d2=lambda: A(f(3, 4))),
    "var_mean": R(d2=lambda: A(f(3, 4))),
    "rot90": R(d2=lambda: A(f(3, 4))),
    "svd_lowrank": R(d2=lambda: A(f(3, 4), 2)),
    "pca_lowrank": R(d2=lambda: A(f(3, 4), 2)),
    "view_as_real": R(c=lambda: A(cplx(3, 4))),
    "view_as_complex": R(d2=lambda: A(f(3, 2))),
    "istft": None,  # needs a complex spectrogram; not probed
    "stft": None,
}

# torch-only functions (not Tensor methods) to probe as torch.<name>
TORCH_ONLY = [
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack",
    "column_stack", "row_stack", "block_diag", "cartesian_prod",
    "broadcast_tensors", "meshgrid", "einsum", "tensordot", "chain_matmul",
    "cdist", "cosine_similarity", "pairwise_distance", "pdist", "trapezoid",
    "cumulative_trapezoid", "atleast_1d", "atleast_2d", "atleast_3d",
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "conv_tbc", "bilinear", "layer_norm", "group_norm",
    "embedding", "dropout", "alpha_dropout", "feature_dropout",
    "feature_alpha_dropout", "threshold", "selu", "celu", "rrelu", "kron",
    "frobenius_norm", "nuclear_norm", "std_mean", "var_mean", "logaddexp",
    "view_as_real", "view_as_complex", "svd_lowrank", "pca_lowrank",
]

# Tensor-only methods to probe as Tensor.<name>
TENSOR_ONLY = [
    "view", "view_as", "reshape_as", "expand", "expand_as", "repeat",
    "contiguous", "float", "double", "to", "type_as", "unfold", "sum_to_size",
    "__getitem__", "new_tensor", "H", "T", "mT", "mH",
]

# names in dir(torch) & dir(Tensor) that are metadata/predicates, not ops
NOT_OPS = {
    "device", "dtype", "layout", "get_device", "numel", "equal", "allclose",
    "is_same_size", "hash_tensor", "int_repr", "dequantize", "qscheme",
    "q_per_channel_axis", "q_per_channel_scales", "q_per_channel_zero_points",
    "q_scale", "q_zero_point", "is_nonzero", "resize_as_sparse_", "smm",
    "sspaddmm",
}

LINALG_OVERRIDES = {
    "cross": R(d2=lambda: A(f(3, 3), f(3, 3))),
    "vecdot": R(d2=lambda: A(f(3, 4), f(3, 4))),
    "vector_norm": R(d2=lambda: A(f(3, 4))),
    "norm": R(d2=lambda: A(f(3, 4))),
    "matrix_norm": R(d2=lambda: A(f(3, 4))),
    "matrix_power": R(d2=lambda: A(spd(), 2)),
    "matrix_rank": R(d2=lambda: A(spd())),
    "multi_dot": R(d2=lambda: A([f(3, 4), f(4, 5)])),
    "solve": R(d2=lambda: A(spd(), f(3, 2))),
    "solve_ex": R(d2=lambda: A(spd(), f(3, 2))),
    "lstsq": R(d2=lambda: A(spd(), f(3, 2))),
    "solve_triangular": R(d2=lambda: A(torch.triu(spd()), f(3, 2), upper=True)),
    "tensorinv": R(d2=lambda: A(spd().reshape(3, 3), ind=1)),
    "tensorsolve": R(d2=lambda: A(spd(), f(3))),
    "vander": R(d1=lambda: A(f(4))),
    "diagonal": R(d2=lambda: A(f(3, 4))),
    "householder_product": R(d2=lambda: A(f(4, 3), f(2))),
    "lu_solve": R(d2=lambda: (lambda lu: A(lu[0], lu[1], f(3, 2)))(torch.linalg.lu_factor(spd()))),
    "ldl_solve": None,
}

SPECIAL_OVERRIDES = {
    "polygamma": R(d2=lambda: A(1, f(3, 4))),
    "multigammaln": R(d2=lambda: A(f(3, 4) + 1, 2)),
    "log_softmax": R(d2=lambda: A(f(3, 4), 1)),
    "softmax": R(d2=lambda: A(f(3, 4), 1)),
    "logsumexp": R(d2=lambda: A(f(3, 4), 1)),
    "chebyshev_polynomial_t": R(d2=lambda: A(f(3, 4), 2)),
}

FFT_PROBE = ["fft", "ifft", "rfft", "irfft", "fft2", "rfft2", "fftn", "rfftn",
             "hfft", "ihfft", "fftshift", "ifftshift"]

# torch.nn.functional.<name> -> argument variants (default: DEFAULT_VARIANTS)
F_OVERRIDES = {
    "adaptive_avg_pool1d": R(d3=lambda: A(seq(), 2)),
    "adaptive_avg_pool2d": R(d4=lambda: A(img(), 2)),
    "adaptive_avg_pool3d": R(d5=lambda: A(vol(), 2)),
    "adaptive_max_pool1d": R(d3=lambda: A(seq(), 2)),
    "adaptive_max_pool2d": R(d4=lambda: A(img(), 2)),
    "adaptive_max_pool3d": R(d5=lambda: A(vol(), 2)),
    "adaptive_max_pool1d_with_indices": R(d3=lambda: A(seq(), 2)),
    "adaptive_max_pool2d_with_indices": R(d4=lambda: A(img(), 2)),
    "adaptive_max_pool3d_with_indices": R(d5=lambda: A(vol(), 2)),
    "affine_grid": R(d3=lambda: A(f(2, 2, 3), [2, 3, 4, 4], align_corners=False)),
    "alpha_dropout": R(train=lambda: A(f(3, 4), 0.5, True)),
    "feature_alpha_dropout": R(train=lambda: A(img(), 0.5, True)),
    "avg_pool1d": R(d3=lambda: A(seq(), 2)),
    "avg_pool2d": R(d4=lambda: A(img(), 2)),
    "avg_pool3d": R(d5=lambda: A(vol(), 2)),
    "batch_norm": R(
        train=lambda: A(f(3, 4), f(4), f(4), f(4), f(4), training=True),
        eval=lambda: A(f(3, 4), f(4), f(4), f(4), f(4)),
    ),
    "instance_norm": R(d4=lambda: A(img(), None, None, f(3), f(3))),
    "bilinear": OVERRIDES["bilinear"],
    "channel_shuffle": R(d4=lambda: A(f(2, 4, 2, 2), 2)),
    "native_channel_shuffle": R(d4=lambda: A(f(2, 4, 2, 2), 2)),
    "conv1d": OVERRIDES["conv1d"],
    "conv2d": OVERRIDES["conv2d"],
    "conv3d": OVERRIDES["conv3d"],
    "conv_transpose1d": OVERRIDES["conv_transpose1d"],
    "conv_transpose2d": OVERRIDES["conv_transpose2d"],
    "conv_transpose3d": OVERRIDES["conv_transpose3d"],
    "conv_tbc": OVERRIDES["conv_tbc"],
    "cosine_embedding_loss": R(d2=lambda: A(f(3, 4), f(3, 4), signs(3))),
    "cross_entropy": R(d2=lambda: A(f(3, 4), ints(4, 3))),
    "nll_loss": R(d2=lambda: A(f(3, 4), ints(4, 3))),
    "multi_margin_loss": R(d2=lambda: A(f(3, 4), ints(4, 3))),
    "multilabel_margin_loss": R(d2=lambda: A(f(3, 4), torch.tensor([[0, 1, -1, 0]] * 3))),
    "ctc_loss": R(d=_ctc),
    "dropout1d": R(d3=lambda: A(seq())),
    "dropout2d": R(d4=lambda: A(img())),
    "dropout3d": R(d5=lambda: A(vol())),
    "embedding": R(d2=lambda: A(ints(5, 2, 3), f(5, 4))),
    "embedding_bag": R(d2=lambda: A(ints(5, 2, 3), f(5, 4))),
    "fold": R(d3=lambda: A(f(1, 12, 9), (4, 4), 2)),
    "unfold": R(d4=lambda: A(img(), 2)),
    "fractional_max_pool2d": R(d4=lambda: A(img(), 2, output_size=2)),
    "fractional_max_pool3d": R(d5=lambda: A(vol(), 2, output_size=2)),
    "fractional_max_pool2d_with_indices": R(d4=lambda: A(img(), 2, output_size=2)),
    "fractional_max_pool3d_with_indices": R(d5=lambda: A(vol(), 2, output_size=2)),
    "gaussian_nll_loss": R(d2=lambda: A(f(3, 4), f(3, 4), f(3, 4))),
    "grid_sample": R(d4=lambda: A(img(), f(2, 3, 3, 2), align_corners=False)),
    "group_norm": OVERRIDES["group_norm"],
    "hinge_embedding_loss": R(d2=lambda: A(f(3, 4), signs(4))),
    "interpolate": R(
        nearest=lambda: A(img(), scale_factor=2),
        bilinear=lambda: A(img(), scale_factor=2, mode="bilinear"),
    ),
    "upsample": R(d4=lambda: A(img(), scale_factor=2)),
    "upsample_bilinear": R(d4=lambda: A(img(), scale_factor=2)),
    "upsample_nearest": R(d4=lambda: A(img(), scale_factor=2)),
    "layer_norm": OVERRIDES["layer_norm"],
    "rms_norm": R(d2=lambda: A(f(3, 4), (4,), f(4))),
    "linear": R(
        d1=lambda: A(f(4), f(5, 4), f(5)),
        d2=lambda: A(f(3, 4), f(5, 4), f(5)),
        d3=lambda: A(f(2, 3, 4), f(5, 4), f(5)),
    ),
    "linear_cross_entropy": R(d2=lambda: A(f(3, 4), f(6, 4), ints(6, 3))),
    "local_response_norm": R(d4=lambda: A(img(), 2)),
    "log_softmax": R(d2=lambda: A(f(3, 4), 1)),
    "softmax": R(d2=lambda: A(f(3, 4), 1)),
    "softmin": R(d2=lambda: A(f(3, 4), 1)),
    "gumbel_softmax": R(d2=lambda: A(f(3, 4))),
    "lp_pool1d": R(d3=lambda: A(seq(), 2, 2)),
    "lp_pool2d": R(d4=lambda: A(img(), 2, 2)),
    "lp_pool3d": R(d5=lambda: A(vol(), 2, 2)),
    "margin_ranking_loss": R(d1=lambda: A(f(3), f(3), signs(3))),
    "max_pool1d": R(d3=lambda: A(seq(), 2)),
    "max_pool2d": R(d4=lambda: A(img(), 2)),
    "max_pool3d": R(d5=lambda: A(vol(), 2)),
    "max_pool1d_with_indices": R(d3=lambda: A(seq(), 2)),
    "max_pool2d_with_indices": R(d4=lambda: A(img(), 2)),
    "max_pool3d_with_indices": R(d5=lambda: A(vol(), 2)),
    "max_unpool1d": R(d3=lambda: A(*_pool_out(1), 2)),
    "max_unpool2d": R(d4=lambda: A(*_pool_out(2), 2)),
    "max_unpool3d": R(d5=lambda: A(*_pool_out(3), 2)),
    "one_hot": R(d1=lambda: A(ints(4, 3))),
    "pad": R(constant=lambda: A(f(3, 4), (1, 1)), reflect=lambda: A(seq(), (1, 1), mode="reflect")),
    "pixel_shuffle": R(d4=lambda: A(f(1, 4, 2, 2), 2)),
    "pixel_unshuffle": R(d4=lambda: A(f(1, 1, 4, 4), 2)),
    "prelu": R(d2=lambda: A(f(3, 4), f(1))),
    "rrelu": R(eval=lambda: A(f(3, 4)), train=lambda: A(f(3, 4), training=True)),
    "scaled_dot_product_attention": R(d3=lambda: A(f(2, 3, 4), f(2, 3, 4), f(2, 3, 4))),
    "threshold": R(d2=lambda: A(f(3, 4), 0.5, 0.0)),
    "triplet_margin_loss": R(d2=lambda: A(f(3, 4), f(3, 4), f(3, 4))),
    "triplet_margin_with_distance_loss": R(d2=lambda: A(f(3, 4), f(3, 4), f(3, 4))),
    "glu": R(d2=lambda: A(f(3, 4))),
}

# helpers in torch.nn.functional that are not ops
F_NOT_OPS = {"Optional", "assert_int_or_pair", "boolean_dispatch",
             "handle_torch_function", "has_torch_function",
             "has_torch_function_unary", "has_torch_function_variadic"}

# fixed (never requires grad) tensor positions per key, e.g. running stats
FIXED = {
    "torch.nn.functional.batch_norm": {1, 2},
}

# nn module name -> (constructor, {variant label: input builder})
MODULES: dict[str, tuple[Callable[[], nn.Module], dict]] = {}


def _mod(name: str, ctor: Callable[[], nn.Module], **variants: Callable) -> None:
    MODULES[name] = (ctor, variants or {"d2": lambda: A(f(3, 4))})


def _register_modules() -> None:
    x2 = lambda: A(f(3, 4))  # noqa: E731
    pair = lambda: A(f(3, 4), f(3, 4))  # noqa: E731
    for act in ["CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid",
                "Hardswish", "Hardtanh", "Identity", "LeakyReLU", "LogSigmoid",
                "Mish", "PReLU", "RReLU", "ReLU", "ReLU6", "SELU", "SiLU",
                "Sigmoid", "Softplus", "Softshrink", "Softsign", "Tanh",
                "Tanhshrink", "Dropout", "AlphaDropout", "Flatten"]:
        _mod(act, getattr(nn, act), d2=x2)
    _mod("Softmax", lambda: nn.Softmax(1))
    _mod("Softmin", lambda: nn.Softmin(1))
    _mod("LogSoftmax", lambda: nn.LogSoftmax(1))
    _mod("Softmax2d", nn.Softmax2d, d4=lambda: A(img()))
    _mod("Threshold", lambda: nn.Threshold(0.5, 0.0))
    _mod("Unflatten", lambda: nn.Unflatten(1, (2, 2)))
    for loss in ["BCELoss", "BCEWithLogitsLoss", "HuberLoss", "KLDivLoss",
                 "L1Loss", "MSELoss", "MultiLabelSoftMarginLoss",
                 "PoissonNLLLoss", "SmoothL1Loss", "SoftMarginLoss",
                 "CosineSimilarity", "PairwiseDistance"]:
        _mod(loss, getattr(nn, loss), d2=pair)
    _mod("HingeEmbeddingLoss", nn.HingeEmbeddingLoss, d2=lambda: A(f(3, 4), signs(4)))
    _mod("CosineEmbeddingLoss", nn.CosineEmbeddingLoss, d2=lambda: A(f(3, 4), f(3, 4), signs(3)))
    _mod("MarginRankingLoss", nn.MarginRankingLoss, d1=lambda: A(f(3), f(3), signs(3)))
    _mod("GaussianNLLLoss", nn.GaussianNLLLoss, d2=lambda: A(f(3, 4), f(3, 4), f(3, 4)))
    _mod("TripletMarginLoss", nn.TripletMarginLoss, d2=lambda: A(f(3, 4), f(3, 4), f(3, 4)))
    _mod("TripletMarginWithDistanceLoss", nn.TripletMarginWithDistanceLoss,
         d2=lambda: A(f(3, 4), f(3, 4), f(3, 4)))
    for loss in ["CrossEntropyLoss", "NLLLoss", "MultiMarginLoss"]:
        _mod(loss, getattr(nn, loss), d2=lambda: A(f(3, 4), ints(4, 3)))
    _mod("NLLLoss2d", nn.NLLLoss2d, d4=lambda: A(img(), ints(3, 2, 4, 4)))
    _mod("MultiLabelMarginLoss", nn.MultiLabelMarginLoss,
         d2=lambda: A(f(3, 4), torch.tensor([[0, 1, -1, 0]] * 3)))
    _mod("CTCLoss", nn.CTCLoss, d=_ctc)
    _mod("AdaptiveLogSoftmaxWithLoss", lambda: nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4]),
         d2=lambda: A(f(3, 4), ints(6, 3)))
    _mod("LinearCrossEntropyLoss", lambda: nn.LinearCrossEntropyLoss(4, 6),
         d2=lambda: A(f(3, 4), ints(6, 3)))
    _mod("Linear", lambda: nn.Linear(4, 5),
         d1=lambda: A(f(4)), d2=lambda: A(f(3, 4)), d3=lambda: A(f(2, 3, 4)))
    _mod("LazyLinear", lambda: nn.LazyLinear(5))
    _mod("Bilinear", lambda: nn.Bilinear(4, 5, 2), d2=lambda: A(f(3, 4), f(3, 5)))
    _mod("Embedding", lambda: nn.Embedding(5, 4), d2=lambda: A(ints(5, 2, 3)))
    _mod("EmbeddingBag", lambda: nn.EmbeddingBag(5, 4), d2=lambda: A(ints(5, 2, 3)))
    _mod("LayerNorm", lambda: nn.LayerNorm(4))
    _mod("RMSNorm", lambda: nn.RMSNorm(4))
    _mod("GroupNorm", lambda: nn.GroupNorm(2, 4), d4=lambda: A(f(2, 4, 3, 3)))
    _mod("LocalResponseNorm", lambda: nn.LocalResponseNorm(2), d4=lambda: A(img()))
    _mod("CrossMapLRN2d", lambda: nn.CrossMapLRN2d(3), d4=lambda: A(img()))
    _mod("ChannelShuffle", lambda: nn.ChannelShuffle(2), d4=lambda: A(f(2, 4, 2, 2)))
    _mod("PixelShuffle", lambda: nn.PixelShuffle(2), d4=lambda: A(f(1, 4, 2, 2)))
    _mod("PixelUnshuffle", lambda: nn.PixelUnshuffle(2), d4=lambda: A(f(1, 1, 4, 4)))
    _mod("Fold", lambda: nn.Fold((4, 4), 2), d3=lambda: A(f(1, 12, 9)))
    _mod("Unfold", lambda: nn.Unfold(2), d4=lambda: A(img()))
    _mod("Upsample", lambda: nn.Upsample(scale_factor=2), d4=lambda: A(img()))
    _mod("UpsamplingBilinear2d", lambda: nn.UpsamplingBilinear2d(scale_factor=2), d4=lambda: A(img()))
    _mod("UpsamplingNearest2d", lambda: nn.UpsamplingNearest2d(scale_factor=2), d4=lambda: A(img()))
    for d, inp, ch in [(1, seq, 3), (2, img, 3), (3, vol, 2)]:
        _mod(f"BatchNorm{d}d", (lambda d=d, ch=ch: getattr(nn, f"BatchNorm{d}d")(ch)), x=lambda inp=inp: A(inp()))
        _mod(f"LazyBatchNorm{d}d", getattr(nn, f"LazyBatchNorm{d}d"), x=lambda inp=inp: A(inp()))
        _mod(f"InstanceNorm{d}d", (lambda d=d, ch=ch: getattr(nn, f"InstanceNorm{d}d")(ch, affine=True)),
             x=lambda inp=inp: A(inp()))
        _mod(f"LazyInstanceNorm{d}d", (lambda d=d: getattr(nn, f"LazyInstanceNorm{d}d")(affine=True)),
             x=lambda inp=inp: A(inp()))
        _mod(f"Dropout{d}d", getattr(nn, f"Dropout{d}d"), x=lambda inp=inp: A(inp()))
        for pool in ["AvgPool", "MaxPool", "AdaptiveAvgPool", "AdaptiveMaxPool"]:
            _mod(f"{pool}{d}d", (lambda pool=pool, d=d: getattr(nn, f"{pool}{d}d")(2)), x=lambda inp=inp: A(inp()))
        _mod(f"LPPool{d}d", (lambda d=d: getattr(nn, f"LPPool{d}d")(2, 2)), x=lambda inp=inp: A(inp()))
        _mod(f"MaxUnpool{d}d", (lambda d=d: getattr(nn, f"MaxUnpool{d}d")(2)),
             x=lambda d=d: A(*_pool_out(d)))
        for pad in ["CircularPad", "ReflectionPad", "ReplicationPad", "ZeroPad"]:
            _mod(f"{pad}{d}d", (lambda pad=pad, d=d: getattr(nn, f"{pad}{d}d")(1)), x=lambda inp=inp: A(inp()))
        _mod(f"ConstantPad{d}d", (lambda d=d: getattr(nn, f"ConstantPad{d}d")(1, 0.5)), x=lambda inp=inp: A(inp()))
        cin = {1: seq, 2: lambda: f(2, 3, 5, 5), 3: lambda: f(1, 3, 4, 4, 4)}[d]
        for conv in ["Conv", "ConvTranspose"]:
            _mod(f"{conv}{d}d", (lambda conv=conv, d=d: getattr(nn, f"{conv}{d}d")(3, 2, 3)), x=lambda cin=cin: A(cin()))
            _mod(f"Lazy{conv}{d}d", (lambda conv=conv, d=d: getattr(nn, f"Lazy{conv}{d}d")(2, 3)),
                 x=lambda cin=cin: A(cin()))
    _mod("FeatureAlphaDropout", nn.FeatureAlphaDropout, d4=lambda: A(img()))
    _mod("FractionalMaxPool2d", lambda: nn.FractionalMaxPool2d(2, output_size=2), d4=lambda: A(img()))
    _mod("FractionalMaxPool3d", lambda: nn.FractionalMaxPool3d(2, output_size=2), d5=lambda: A(vol()))
    for rnn in ["RNN", "GRU", "LSTM"]:
        _mod(rnn, (lambda rnn=rnn: getattr(nn, rnn)(4, 5)), d3=lambda: A(seq()))
        _mod(rnn + "Cell", (lambda rnn=rnn: getattr(nn, rnn + "Cell")(4, 5)), d2=lambda: A(f(3, 4)))
    _mod("MultiheadAttention", lambda: nn.MultiheadAttention(4, 2),
         d3=lambda: A(f(3, 2, 4), f(3, 2, 4), f(3, 2, 4)))
    tkw = dict(dim_feedforward=8, dropout=0.0)
    _mod("TransformerEncoderLayer", lambda: nn.TransformerEncoderLayer(4, 2, **tkw), d3=lambda: A(f(3, 2, 4)))
    _mod("TransformerDecoderLayer", lambda: nn.TransformerDecoderLayer(4, 2, **tkw),
         d3=lambda: A(f(3, 2, 4), f(3, 2, 4)))
    _mod("TransformerEncoder",
         lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, **tkw), 1, enable_nested_tensor=False),
         d3=lambda: A(f(3, 2, 4)))
    _mod("TransformerDecoder", lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, **tkw), 1),
         d3=lambda: A(f(3, 2, 4), f(3, 2, 4)))
    _mod("Transformer", lambda: nn.Transformer(4, 2, 1, 1, **tkw), d3=lambda: A(f(3, 2, 4), f(3, 2, 4)))


_register_modules()

# Python operators: key -> (callable, {variant label: builder}); "@scalar"
# keys put a Python number on the right, "@rscalar" on the left.
BINARY_OPERATORS = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"]
UNARY_OPERATORS = ["neg", "pos", "abs"]


def _operator_probes() -> list[tuple[str, Callable, dict]]:
    out = []
    for name in BINARY_OPERATORS:
        op = getattr(operator, name)
        if name == "matmul":
            out.append((f"operator.{name}", op, OVERRIDES["matmul"]))
            continue
        out.append((f"operator.{name}", op, R(d2=lambda: A(f(3, 4), f(3, 4)))))
        out.append((f"operator.{name}@scalar", op, R(d2=lambda: A(f(3, 4), 2.0))))
        out.append((f"operator.{name}@rscalar", op, R(d2=lambda: A(2.0, f(3, 4)))))
    for name in UNARY_OPERATORS:
        out.append((f"operator.{name}", getattr(operator, name), R(d2=lambda: A(f(3, 4)))))
    return out


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _seed() -> None:
    torch.manual_seed(0)


def _is_diff(t: Any) -> bool:
    return isinstance(t, torch.Tensor) and (t.is_floating_point() or t.is_complex())


def _same_geometry(a: torch.Tensor, b: torch.Tensor) -> bool:
    return (
        _same_storage(a, b)
        and a.storage_offset() == b.storage_offset()
        and a.shape == b.shape
        and a.stride() == b.stride()
        and a.dtype == b.dtype
    )


def _same_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    try:
        return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr() != 0
    except Exception:  # sparse, nested, ...
        return False


def _flatten_tensors(obj: Any) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _flatten_tensors(o)]
    return []


def _slots(args: tuple, kwargs: dict) -> list[tuple[int | str, list[torch.Tensor]]]:
    """Every tensor-holding argument: (position or keyword, tensors)."""
    out: list[tuple[int | str, list[torch.Tensor]]] = []
    for i, a in enumerate(args):
        ts = _flatten_tensors(a)
        if ts:
            out.append((i, ts))
    for k, v in kwargs.items():
        ts = _flatten_tensors(v)
        if ts:
            out.append((k, ts))
    return out


def _walk_saved(outputs: list[torch.Tensor]) -> tuple[list[torch.Tensor], set[str]]:
    """All tensors saved by the graph behind ``outputs`` and the node types."""
    saved: list[torch.Tensor] = []
    kinds: set[str] = set()
    seen: set[int] = set()
    keep = []  # keep nodes alive so ids are not reused
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        keep.append(node)
        name = type(node).__name__
        if name == "AccumulateGrad":
            continue
        kinds.add(name)
        for attr in sorted(dir(node)):
            if not attr.startswith("_raw_saved_"):
                continue
            try:
                value = getattr(node, "_saved_" + attr[len("_raw_saved_"):])
            except Exception:
                continue
            saved.extend(_flatten_tensors(value))
        if hasattr(type(node), "saved_tensors"):  # Python autograd.Function
            try:
                saved.extend(_flatten_tensors(node.saved_tensors))
            except Exception:
                pass
        stack.extend(fn for fn, _ in node.next_functions)
    return saved, kinds


def _aliases(out: torch.Tensor, x: torch.Tensor) -> bool:
    return out is x or out._base is x or _same_storage(out, x)


# ---------------------------------------------------------------------------
# saved: probing one op
# ---------------------------------------------------------------------------


class Skip(Exception):
    pass


def _run_once(fn: Callable, builder: Callable, pattern: str | None,
              fixed: set, module_factory: Callable | None = None, train: bool = True):
    """Run ``fn`` on fresh sample args with the given requires-grad pattern.

    Returns (layout, tensor slots, record, aliased slots, node kinds,
    has_graph); raises on failure.  With ``pattern=None`` nothing requires
    grad (used to discover the argument layout).
    """
    _seed()
    args, kwargs = builder()
    slots = _slots(args, kwargs)
    layout = [s for s, ts in slots if s not in fixed and all(_is_diff(t) for t in ts)]
    if pattern is not None:
        if len(pattern) != len(layout):
            raise Skip("layout")
        flags = dict(zip(layout, pattern))
        for s, ts in slots:
            if flags.get(s) == "1":
                for t in ts:
                    t.requires_grad_(True)
    params: dict[str, torch.Tensor] = {}
    _seed()
    if module_factory is not None:
        module = module_factory()
        module.train(train)
        out = module(*args, **kwargs)
        params = dict(module.named_parameters())
        params.update(dict(module.named_buffers()))
    else:
        out = fn(*args, **kwargs)
    outs = _flatten_tensors(out)
    if not outs:
        raise Skip("no tensor output")
    saved, kinds = _walk_saved(outs)
    rec: dict[str, Any] = {"args": set(), "kwargs": set(), "params": set(),
                           "result": False, "via_view": set(), "outputs": set()}

    def add(slot: int | str, via_view: bool, is_param: bool = False) -> None:
        if is_param:
            rec["params"].add(slot)
        elif isinstance(slot, int):
            rec["args"].add(slot)
        else:
            rec["kwargs"].add(slot)
        if via_view:
            rec["via_view"].add(slot)

    candidates = [(s, t, False) for s, ts in slots for t in ts]
    candidates += [(n, t, True) for n, t in params.items()]
    for s in saved:
        # 1. the very object, 2. same geometry: an input / parameter
        hit = next(((slot, p) for slot, t, p in candidates if s is t), None)
        if hit is None:
            hit = next(((slot, p) for slot, t, p in candidates if _same_geometry(s, t)), None)
        if hit is not None:
            add(hit[0], False, hit[1])
            continue
        # 3. same geometry as an output: the result
        oi = next((i for i, o in enumerate(outs) if _same_geometry(s, o)), None)
        if oi is not None:
            rec["result"] = True
            rec["outputs"].add(oi)
            continue
        # 4. a view of an input / parameter (e.g. w.t() inside F.linear)
        hit = next(((slot, p) for slot, t, p in candidates if _same_storage(s, t)), None)
        if hit is not None:
            add(hit[0], True, hit[1])
            continue
        # 5. a view of an output
        oi = next((i for i, o in enumerate(outs) if _same_storage(s, o)), None)
        if oi is not None:
            rec["result"] = True
            rec["outputs"].add(oi)
        # else: internal temporary (incl. 0-dim tensors wrapping Python scalars)
    aliased = {s for s, ts in slots for t in ts for o in outs if _aliases(o, t)}
    has_graph = any(o.grad_fn is not None for o in outs)
    if len(outs) == 1 and not isinstance(out, (tuple, list)):
        rec["outputs"] = set()
    return layout, [s for s, _ in slots], rec, aliased, kinds, has_graph


def _finish_record(rec: dict) -> dict:
    def order(xs):
        return sorted(xs, key=lambda v: (isinstance(v, str), v))
    out = {"args": order(rec["args"]), "kwargs": order(rec["kwargs"]),
           "result": bool(rec["result"]), "via_view": order(rec["via_view"])}
    if rec["params"]:
        out["params"] = order(rec["params"])
    if rec["outputs"]:
        out["outputs"] = order(rec["outputs"])
    return out


def _merge(a: dict, b: dict) -> dict:
    return {k: (a[k] | b[k] if isinstance(a[k], set) else a[k] or b[k]) for k in a}


def probe_op(key: str, fn: Callable | None, variants: dict, *,
             module_factory: Callable | None = None, train: bool = True) -> tuple[dict | None, str]:
    """Probe one op over all argument variants and requires-grad patterns.

    Returns (entry, "") or (None, skip reason)."""
    fixed = FIXED.get(key, set())
    per_variant: dict[str, dict[str, dict]] = {}
    layout = inputs = None
    aliased: set = set()
    kinds: set[str] = set()
    any_graph = False
    last_error = "no variant ran"
    for label, builder in variants.items():
        try:
            lay, inp, *_ = _run_once(fn, builder, None, fixed, module_factory, train)
        except Exception as e:  # noqa: BLE001 - any failure means "skip"
            last_error = f"error:{type(e).__name__}"
            continue
        if layout is None:
            layout, inputs = lay, list(inp)
        elif lay != layout:
            continue  # a variant with another argument layout: ignore
        else:
            inputs = sorted(set(inputs) | set(inp), key=lambda v: (isinstance(v, str), v))
        if not layout and module_factory is None:
            last_error = "no differentiable tensor argument"
            layout = None
            continue
        recs = {}
        # modules: parameters always require grad, so the all-zeros pattern
        # (no input requires grad) still builds a graph and is probed too
        first = 0 if module_factory is not None else 1
        for n in range(first, 2 ** len(layout)):
            pattern = format(n, f"0{len(layout)}b") if layout else ""
            try:
                _, _, rec, al, kd, graph = _run_once(fn, builder, pattern, fixed, module_factory, train)
            except Exception as e:  # noqa: BLE001
                last_error = f"error:{type(e).__name__}"
                continue
            any_graph = any_graph or graph or bool(al)
            aliased |= al
            kinds |= kd
            recs[pattern] = rec
        if recs:
            per_variant[label] = recs
    if not per_variant:
        return None, last_error
    if not any_graph:
        return None, "not differentiable"
    patterns: dict[str, dict] = {}
    for recs in per_variant.values():
        for p, rec in recs.items():
            patterns[p] = _merge(patterns[p], rec) if p in patterns else rec
    finished = {label: {p: _finish_record(r) for p, r in sorted(recs.items())}
                for label, recs in per_variant.items()}
    distinct = {json.dumps(v, sort_keys=True) for v in finished.values()}
    entry: dict[str, Any] = {
        "arity": len(layout),
        "tensor_args": layout,
        "inputs": inputs,
        "patterns": {p: _finish_record(r) for p, r in sorted(patterns.items())},
        "result_view_of": sorted(aliased, key=lambda v: (isinstance(v, str), v)),
        "rank_dependent": len(distinct) > 1,
        "nodes": sorted(kinds),
    }
    if len(distinct) > 1:
        entry["by_variant"] = finished
    return entry, ""


def _method_caller(name: str) -> Callable:
    def call(self, *args, **kwargs):
        attr = getattr(self, name)
        if not callable(attr):  # properties such as T, mT
            if args or kwargs:
                raise TypeError("property takes no arguments")
            return attr
        return attr(*args, **kwargs)
    return call


def _variants_for(key: str, name: str, overrides: dict, default: list) -> dict | None:
    if key in overrides:
        v = overrides[key]
    elif name in overrides:
        v = overrides[name]
    else:
        return {f"default{i}": b for i, b in enumerate(default)}
    return v


def saved_probes() -> list[tuple[str, Callable | None, dict, dict]]:
    """The full, ordered list of (key, fn, variants, options) to probe."""
    probes: list[tuple[str, Callable | None, dict, dict]] = []
    tensor_attrs = set(dir(torch.Tensor))
    both = sorted(
        n for n in set(dir(torch)) & tensor_attrs
        if not n.startswith("_") and not n.endswith("_") and n not in NOT_OPS
        and not n.startswith("is_") and callable(getattr(torch, n))
    )
    def add(key, fn, variants, **opts):
        if variants is None:
            return
        if not isinstance(variants, dict):
            raise TypeError(key)
        probes.append((key, fn, variants, opts))

    # torch.<name> tried with the first default variant that runs; the
    # defaults are alternatives, not variants to union.
    for name in sorted(set(both) | set(TORCH_ONLY)):
        if not hasattr(torch, name):
            continue
        key = f"torch.{name}"
        add(key, getattr(torch, name), _variants_for(key, name, OVERRIDES, DEFAULT_VARIANTS),
            first=(key not in OVERRIDES and name not in OVERRIDES))
    for name in sorted(set(both) | set(TENSOR_ONLY)):
        if not hasattr(torch.Tensor, name):
            continue
        key = f"Tensor.{name}"
        add(key, _method_caller(name), _variants_for(key, name, OVERRIDES, DEFAULT_VARIANTS),
            first=(key not in OVERRIDES and name not in OVERRIDES))
    for ns, mod, overrides, default in [
        ("torch.linalg", torch.linalg, LINALG_OVERRIDES, LINALG_DEFAULT_VARIANTS),
        ("torch.special", torch.special, SPECIAL_OVERRIDES, DEFAULT_VARIANTS),
    ]:
        for name in sorted(dir(mod)):
            obj = getattr(mod, name)
            if name.startswith("_") or not callable(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
                continue
            key = f"{ns}.{name}"
            add(key, obj, _variants_for(key, name, overrides, default), first=name not in overrides)
    for name in FFT_PROBE:
        add(f"torch.fft.{name}", getattr(torch.fft, name), {"d2": lambda: A(f(3, 4))})
    for name in sorted(_public_functional_names()):
        key = f"torch.nn.functional.{name}"
        add(key, getattr(F, name), _variants_for(key, name, F_OVERRIDES, DEFAULT_VARIANTS),
            first=name not in F_OVERRIDES)
    for name, (ctor, variants) in sorted(MODULES.items()):
        add(f"torch.nn.{name}", None, variants, module=ctor)
    for key, op, variants in _operator_probes():
        add(key, op, variants)
    return probes


def _public_functional_names() -> list[str]:
    out = []
    for name in dir(F):
        obj = getattr(F, name)
        if (name.startswith("_") or name.endswith("_") or name in F_NOT_OPS
                or inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj)):
            continue
        out.append(name)
    return out


def build_saved(verbose: bool = False) -> tuple[dict, dict]:
    saved: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    probed = 0
    for key, fn, variants, opts in saved_probes():
        probed += 1
        if opts.get("first"):
            # alternatives: use the first argument set that runs
            entry, why = None, "no variant ran"
            for label, builder in variants.items():
                entry, why = probe_op(key, fn, {label: builder})
                if entry is not None or why == "not differentiable":
                    break
        elif "module" in opts:
            entry, why = probe_op(key, None, variants, module_factory=opts["module"], train=True)
            if entry is not None:
                ev, _ = probe_op(key, None, variants, module_factory=opts["module"], train=False)
                if ev is not None and _core(ev) != _core(entry):
                    ev_key = key + "@eval"
                    saved[ev_key] = ev
                    entry["variant_keys"] = [ev_key]
        else:
            entry, why = probe_op(key, fn, variants)
        if entry is None:
            skipped[key] = why
            if verbose:
                print(f"  skip {key}: {why}", file=sys.stderr)
        else:
            saved[key] = entry
    for key, entry in saved.items():
        entry["kind"] = _kind(key)
    stats = {"probed": probed, "recorded": len([k for k in saved if "@eval" not in k]),
             "skipped": len(skipped), "entries": len(saved)}
    return saved, {"stats": stats, "skipped": dict(sorted(skipped.items()))}


def _kind(key: str) -> str:
    if key.startswith("Tensor."):
        return "method"
    if key.startswith("operator."):
        return "operator"
    if key.startswith("torch.nn.") and key.partition("@")[0].rsplit(".", 1)[1][:1].isupper():
        return "module"
    return "function"


def _core(entry: dict) -> tuple:
    """What must match for eval mode to be considered identical to train mode."""
    return json.dumps(entry["patterns"], sort_keys=True), entry["result_view_of"]


# ---------------------------------------------------------------------------
# in-place methods / functions
# ---------------------------------------------------------------------------

NEVER_CALL = {"share_memory_"}  # would allocate shared memory; decided by schema

INPLACE_OVERRIDES: dict[str, list[Callable[[], tuple[torch.Tensor, tuple, dict]]]] = {
    "addbmm_": [lambda: (f(3, 4), (f(2, 3, 5), f(2, 5, 4)), {})],
    "addmm_": [lambda: (f(3, 4), (f(3, 5), f(5, 4)), {})],
    "addmv_": [lambda: (f(3), (f(3, 4), f(4)), {})],
    "addr_": [lambda: (f(3, 4), (f(3), f(4)), {})],
    "baddbmm_": [lambda: (f(2, 3, 4), (f(2, 3, 5), f(2, 5, 4)), {})],
    "as_strided_": [lambda: (f(3, 4), ((2, 2), (1, 2)), {})],
    "apply_": [lambda: (f(3, 4), (lambda v: v * 2,), {})],
    "map_": [lambda: (f(3, 4), (f(3, 4), lambda a, b: a + b), {})],
    "map2_": [lambda: (f(3, 4), (f(3, 4), f(3, 4), lambda a, b, c: a + b + c), {})],
    "index_add_": [lambda: (f(3, 4), (0, idx(0, 2), f(2, 4)), {})],
    "index_copy_": [lambda: (f(3, 4), (0, idx(0, 2), f(2, 4)), {})],
    "index_fill_": [lambda: (f(3, 4), (1, idx(0, 2), 0.5), {})],
    "index_put_": [lambda: (f(3, 4), ((idx(0, 2),), f(2, 4)), {})],
    "index_reduce_": [lambda: (f(3, 4), (0, idx(0, 2), f(2, 4), "prod"), {})],
    "masked_fill_": [lambda: (f(3, 4), (mask(3, 4), 0.5), {})],
    "masked_scatter_": [lambda: (f(3, 4), (mask(3, 4), f(3, 4)), {})],
    "put_": [lambda: (f(3, 4), (idx(0, 5), f(2)), {})],
    "renorm_": [lambda: (f(3, 4), (2, 0, 1.0), {})],
    "scatter_": [lambda: (f(3, 4), (1, ints(4, 3, 2), f(3, 2)), {})],
    "scatter_add_": [lambda: (f(3, 4), (1, ints(4, 3, 2), f(3, 2)), {})],
    "scatter_reduce_": [lambda: (f(3, 4), (1, ints(4, 3, 2), f(3, 2), "sum"), {})],
    "clamp_": [lambda: (f(3, 4), (0.3, 0.7), {})],
    "clip_": [lambda: (f(3, 4), (0.3, 0.7), {})],
    "transpose_": [lambda: (f(3, 4), (0, 1), {})],
    "swapaxes_": [lambda: (f(3, 4), (0, 1), {})],
    "swapdims_": [lambda: (f(3, 4), (0, 1), {})],
    "unsqueeze_": [lambda: (f(3, 4), (0,), {})],
    "squeeze_": [lambda: (f(3, 1, 4), (), {})],
    "mvlgamma_": [lambda: (f(3, 4) + 1, (2,), {})],
    "polygamma_": [lambda: (f(3, 4), (1,), {})],
    "resize_": [lambda: (f(3, 4), (2, 2), {})],
    "resize_as_": [lambda: (f(3, 4), (f(2, 2),), {})],
    "set_": [lambda: (f(3, 4), (f(2),), {})],
    "fill_diagonal_": [lambda: (f(3, 4), (0.5,), {})],
    "geometric_": [lambda: (f(3, 4), (0.5,), {})],
    "lerp_": [lambda: (f(3, 4), (f(3, 4), 0.5), {})],
    "sparse_resize_": [lambda: (torch.zeros(3, 4).to_sparse(), ((3, 4), 2, 0), {})],
    "sparse_resize_and_clear_": [lambda: (torch.zeros(3, 4).to_sparse(), ((3, 4), 2, 0), {})],
    "__setitem__": [lambda: (f(3, 4), (0, 0.5), {})],
    "__imatmul__": [lambda: (f(3, 4), (f(4, 4),), {})],
}


def _generic_inplace_calls(dtype_kind: str):
    def base():
        if dtype_kind == "float":
            return f(3, 4)
        if dtype_kind == "double":
            return f(3, 4, dtype=torch.float64)
        if dtype_kind == "int":
            return torch.randint(1, 6, (3, 4))
        return mask(3, 4)

    return [
        lambda: (base(), (), {}),
        lambda: (base(), (base(),), {}),
        lambda: (base(), (2,), {}),
        lambda: (base(), (1,), {}),
        lambda: (base(), (0.5,), {}),
        lambda: (base(), (base(), base()), {}),
    ]


def _bumps(name: str, make: Callable) -> bool | str | None:
    """True if the call ran and bumped self's version; "data" if it changed
    self's data or geometry *without* bumping the version (``apply_``);
    False if it ran and changed nothing visible; None if it did not run."""
    _seed()
    try:
        self, args, kwargs = make()
        before = self._version
        snapshot = self.detach().clone() if self.layout == torch.strided else None
        geometry = (tuple(self.shape), self.stride() if snapshot is not None else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(self, name)(*args, **kwargs)
    except Exception:  # noqa: BLE001
        return None
    if self._version > before:
        return True
    if snapshot is not None:
        if (tuple(self.shape), self.stride()) != geometry or not torch.equal(self, snapshot):
            return "data"
    return False


def _schema_written(name: str) -> list[int]:
    """Positional indices the aten schema of ``name`` marks as written."""
    written: set[int] = set()
    try:
        schemas = torch._C._jit_get_schemas_for_operator("aten::" + name)
    except Exception:  # noqa: BLE001
        schemas = []
    for s in schemas:
        for i, a in enumerate(s.arguments):
            if a.alias_info is not None and a.alias_info.is_write:
                written.add(i)
    return sorted(written)


def build_inplace_methods() -> dict:
    names = sorted(n for n in dir(torch.Tensor) if n.endswith("_") and not n.startswith("_"))
    dunders = sorted(
        n for n in dir(torch.Tensor)
        if n.startswith("__i") and n.endswith("__") and ("__" + n[3:]) in dir(torch.Tensor)
    ) + ["__setitem__"]
    methods, evidence, rejected, verified_dunders = [], {}, {}, []
    unversioned = []
    for name in names + dunders:
        outcome: bool | str | None = None
        if name not in NEVER_CALL:
            makers = INPLACE_OVERRIDES.get(name, []) + [
                m for kind in ("float", "double", "int", "bool") for m in _generic_inplace_calls(kind)]
            for make in makers:
                r = _bumps(name, make)
                if r is True:
                    outcome = True
                    break
                if r == "data":
                    outcome = "data"
                elif r is False and outcome is None:
                    outcome = False
        if outcome is True:
            why = "version"
        elif outcome == "data":
            why = "data"  # mutates self but autograd cannot notice
        elif outcome is False:
            rejected[name] = "runs without changing self or its _version"
            continue
        elif 0 in _schema_written(name):
            why = "schema"
        else:
            rejected[name] = "not runnable and no schema writes self"
            continue
        if why == "data":
            unversioned.append(name)
        if name.startswith("__"):
            verified_dunders.append(name)
        else:
            methods.append(name)
            evidence[name] = why
    return {
        "inplace_methods": methods,
        "inplace_methods_evidence": evidence,
        "inplace_dunders": verified_dunders,
        "unversioned_inplace_methods": unversioned,
        "non_mutating_trailing_underscore": {k: v for k, v in rejected.items() if not k.startswith("__")},
    }


INPLACE_FN_ARGS: dict[str, list[Callable[[], tuple]]] = {
    "clamp_": [lambda: (f(3, 4), 0.3, 0.7)],
    "clip_": [lambda: (f(3, 4), 0.3, 0.7)],
    "index_put_": [lambda: (f(3, 4), (idx(0, 2),), f(2, 4))],
    "threshold_": [lambda: (f(3, 4), 0.5, 0.0)],
    "embedding_renorm_": [lambda: (f(5, 4), idx(0, 2), 1.0, 2.0)],
    "as_strided_": [lambda: (f(3, 4), (2, 2), (1, 2))],
    "addmv_": [lambda: (f(3), f(3, 4), f(4))],
    "dropout_": [lambda: (f(3, 4), 0.5, True)],
    "alpha_dropout_": [lambda: (f(3, 4), 0.5, True)],
    "feature_dropout_": [lambda: (img(), 0.5, True)],
    "feature_alpha_dropout_": [lambda: (img(), 0.5, True)],
    "fill_": [lambda: (f(3, 4), 0.5)],
    "resize_as_": [lambda: (f(3, 4), f(2, 2))],
}


def _fn_bump(fn: Callable, make: Callable) -> int | None | bool:
    """Index of the positional argument whose version was bumped; False when
    the call ran without bumping; None when it did not run."""
    _seed()
    try:
        args = make()
        before = [a._version if isinstance(a, torch.Tensor) else None for a in args]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(*args)
    except Exception:  # noqa: BLE001
        return None
    for i, (a, b) in enumerate(zip(args, before)):
        if b is not None and a._version > b:
            return i
    return False


def build_inplace_functions() -> tuple[dict, dict]:
    found: dict[str, int] = {}
    rejected: dict[str, str] = {}
    for ns, mod in [("torch", torch), ("torch.nn.functional", F)]:
        for name in sorted(dir(mod)):
            obj = getattr(mod, name)
            if (not name.endswith("_") or name.startswith("_") or not callable(obj)
                    or inspect.isclass(obj) or inspect.ismodule(obj)):
                continue
            qual = f"{ns}.{name}"
            makers = INPLACE_FN_ARGS.get(name, []) + [
                lambda: (f(3, 4),), lambda: (f(3, 4), f(3, 4)), lambda: (f(3, 4), 0.5),
                lambda: (torch.randint(1, 6, (3, 4)), torch.randint(1, 6, (3, 4))),
            ]
            outcome: int | None | bool = None
            for make in makers:
                r = _fn_bump(obj, make)
                if r is not None and r is not False:
                    outcome = r
                    break
                if r is False and outcome is None:
                    outcome = False
            if outcome is False:
                rejected[qual] = "runs without bumping a version"
            elif outcome is None:
                written = _schema_written(name)
                if written:
                    found[qual] = written[0]
                else:
                    rejected[qual] = "not runnable and no schema writes an argument"
            else:
                found[qual] = outcome
    return found, rejected


def build_no_grad_functions() -> list[str]:
    return sorted(
        f"torch.nn.init.{n}" for n, obj in inspect.getmembers(torch.nn.init, inspect.isfunction)
        if n.endswith("_") and not n.startswith("_") and obj.__module__ == "torch.nn.init"
    )


# ---------------------------------------------------------------------------
# `inplace` keyword parameters
# ---------------------------------------------------------------------------


def build_inplace_kwargs() -> dict:
    out: dict[str, dict] = {}
    for ns, mod in [("torch", torch), ("torch.nn.functional", F)]:
        for name in sorted(dir(mod)):
            if name.startswith("_"):
                continue
            obj = getattr(mod, name)
            if inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
                continue
            try:
                params = list(inspect.signature(obj).parameters)
            except (TypeError, ValueError):
                continue
            if "inplace" in params:
                out[f"{ns}.{name}"] = {"param": "inplace", "index": params.index("inplace"), "target": 0}
    return out


def nn_module_classes() -> dict[str, type]:
    """Public nn.Module subclasses reachable as torch.nn.<Name>."""
    return {
        n: c for n, c in sorted(vars(nn).items())
        if inspect.isclass(c) and issubclass(c, nn.Module) and not n.startswith("_")
    }


def build_inplace_modules() -> dict:
    out: dict[str, int] = {}
    seen = set()
    for modname in sorted(n for n in dir(nn.modules) if not n.startswith("_")):
        sub = getattr(nn.modules, modname)
        if not inspect.ismodule(sub):
            continue
        for name, cls in sorted(vars(sub).items()):
            if (not inspect.isclass(cls) or not issubclass(cls, nn.Module) or name.startswith("_")
                    or cls in seen):
                continue
            seen.add(cls)
            try:
                params = list(inspect.signature(cls.__init__).parameters)[1:]
            except (TypeError, ValueError):
                continue
            if "inplace" in params:
                qual = f"torch.nn.{name}" if getattr(nn, name, None) is cls else f"{cls.__module__}.{name}"
                out[qual] = params.index("inplace")
    return out


def _inplace_saves_result(call: Callable[[torch.Tensor], Any]) -> bool | None:
    """Does the in-place form ``call(h)`` save its result for backward? ``h`` (a non-leaf that requires grad) is
    written by ``call``; then written once more: if backward raises, the op saved its result (the tensor itself).
    None when the op does not run on such a tensor or backward fails without the second write."""
    def run(second_write: bool) -> bool | None:
        _seed()
        x = torch.randn(2, 3, 5, requires_grad=True)
        h = x * 1.5
        try:
            y = call(h)
            if not isinstance(y, torch.Tensor):
                y = h
            if second_write:
                y.add_(1)
            y.sum().backward()
        except RuntimeError as exc:
            return "modified by an inplace operation" in str(exc)
        except Exception:  # noqa: BLE001 - an op that needs other arguments: not probed
            return None
        return False
    clean = run(False)
    if clean is not False:
        return None
    return run(True)


def build_inplace_saves_result(modules: dict, kwargs: dict, methods: list, functions: dict) -> dict:
    """For each in-place form torch has (a module built with ``inplace=True``, a function called with
    ``inplace=True``, ``x.<op>_()``, ``torch.<op>_(x)``): whether it saves its result, probed. The out-of-place
    form may differ (``leaky_relu`` saves its input, ``leaky_relu_`` its result)."""
    out: dict[str, bool] = {}
    for qual, index in modules.items():
        cls = getattr(nn, qual.split(".")[-1], None) if qual.startswith("torch.nn.") else None
        if cls is None:
            continue
        ctor_args = (0.1, 0.0) if qual.endswith("Threshold") else ()
        try:
            mod = cls(*ctor_args, inplace=True)
        except Exception:  # noqa: BLE001
            continue
        mod.train()
        got = _inplace_saves_result(mod)
        if got is not None:
            out[qual] = got
    for qual in kwargs:
        fn = _resolve(qual)
        if fn is None:
            continue
        extra = (0.1, 0.0) if qual.endswith(".threshold") else ()
        got = _inplace_saves_result(lambda h, fn=fn, extra=extra: fn(h, *extra, inplace=True))
        if got is not None:
            out[qual] = got
    for name in methods:
        if not name.endswith("_") or name.startswith("_"):
            continue
        got = _inplace_saves_result(lambda h, name=name: getattr(h, name)())
        if got is not None:
            out["Tensor." + name] = got
    for qual, target in functions.items():
        if target != 0:
            continue
        fn = _resolve(qual)
        if fn is None:
            continue
        got = _inplace_saves_result(lambda h, fn=fn: fn(h))
        if got is not None:
            out[qual] = got
    return dict(sorted(out.items()))


def _resolve(qual: str) -> Callable | None:
    obj: Any = torch
    for part in qual.split(".")[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj if callable(obj) else None


def build_aliases() -> dict:
    """Non-canonical spellings users write -> canonical qualified names."""
    aliases: dict[str, str] = {}
    for name, cls in nn_module_classes().items():
        canon = f"torch.nn.{name}"
        if cls.__module__.startswith("torch.nn.modules"):
            aliases[f"{cls.__module__}.{name}"] = canon
        if getattr(nn.modules, name, None) is cls:
            aliases[f"torch.nn.modules.{name}"] = canon
    for name, obj in vars(nn).items():  # Parameter, Buffer, ...
        mod = getattr(obj, "__module__", "") or ""
        if inspect.isclass(obj) and mod.startswith("torch.nn.parameter"):
            aliases[f"{mod}.{name}"] = f"torch.nn.{name}"
    return dict(sorted(aliases.items()))


# ---------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------

def _leaf(t: torch.Tensor) -> torch.Tensor:
    return t.detach().requires_grad_(True)


INPUTS_REAL = {
    "contiguous_f32": lambda: _leaf(f(3, 4)),
    "noncontiguous_f32": lambda: _leaf(f(4, 3).t()),
    "contiguous_f64": lambda: _leaf(f(3, 4, dtype=torch.float64)),
}
INPUTS_COMPLEX = {
    "contiguous_c64": lambda: _leaf(cplx(3, 4)),
    "noncontiguous_c64": lambda: _leaf(cplx(4, 3).t()),
}
INPUTS_PAIR = {"contiguous_f32_pair": lambda: _leaf(f(3, 2))}
INPUTS_LOWRANK = {**INPUTS_REAL, "d0_f32": lambda: _leaf(torch.tensor(0.5)), "d1_f32": lambda: _leaf(f(4))}

# name -> (extra args after self, input kind)
VIEW_CANDIDATES: dict[str, tuple[tuple, dict]] = {
    "view": ((12,), INPUTS_REAL), "view_as": ((torch.empty(12),), INPUTS_REAL),
    "reshape": ((12,), INPUTS_REAL), "reshape_as": ((torch.empty(12),), INPUTS_REAL),
    "t": ((), INPUTS_REAL), "transpose": ((0, 1), INPUTS_REAL), "permute": (((1, 0),), INPUTS_REAL),
    "narrow": ((1, 0, 2), INPUTS_REAL), "select": ((0, 1), INPUTS_REAL),
    "unsqueeze": ((0,), INPUTS_REAL), "squeeze": ((), INPUTS_REAL),
    "expand": ((2, 3, 4), INPUTS_REAL), "expand_as": ((torch.empty(2, 3, 4),), INPUTS_REAL),
    "broadcast_to": (((2, 3, 4),), INPUTS_REAL),
    "flatten": ((), INPUTS_REAL), "ravel": ((), INPUTS_REAL), "unflatten": ((1, (2, 2)), INPUTS_REAL),
    "unfold": ((1, 2, 1), INPUTS_REAL), "diagonal": ((), INPUTS_REAL),
    "chunk": ((2, 1), INPUTS_REAL), "split": ((2, 1), INPUTS_REAL), "unbind": ((), INPUTS_REAL),
    "split_with_sizes": (([1, 3], 1), INPUTS_REAL), "tensor_split": ((2, 1), INPUTS_REAL),
    "hsplit": ((2,), INPUTS_REAL), "vsplit": ((3,), INPUTS_REAL),
    "detach": ((), INPUTS_REAL), "as_strided": (((2, 2), (1, 2)), INPUTS_REAL),
    "movedim": ((0, 1), INPUTS_REAL), "moveaxis": ((0, 1), INPUTS_REAL),
    "swapaxes": ((0, 1), INPUTS_REAL), "swapdims": ((0, 1), INPUTS_REAL),
    "adjoint": ((), INPUTS_REAL), "contiguous": ((), INPUTS_REAL),
    "float": ((), INPUTS_REAL), "double": ((), INPUTS_REAL), "to": ((torch.float32,), INPUTS_REAL),
    "type_as": ((torch.empty(1),), INPUTS_REAL), "clone": ((), INPUTS_REAL),
    "narrow_copy": ((1, 0, 2), INPUTS_REAL), "atleast_1d": ((), INPUTS_LOWRANK),
    "atleast_2d": ((), INPUTS_LOWRANK), "atleast_3d": ((), INPUTS_LOWRANK),
    "__getitem__": ((0,), INPUTS_REAL), "view_as_real": ((), INPUTS_COMPLEX),
    "view_as_complex": ((), INPUTS_PAIR), "conj": ((), INPUTS_COMPLEX),
    "resolve_conj": ((), INPUTS_COMPLEX), "real": ((), INPUTS_COMPLEX), "imag": ((), INPUTS_COMPLEX),
    "alias": ((), INPUTS_REAL), "squeeze_copy": ((), INPUTS_REAL), "positive": ((), INPUTS_REAL),
}
# torch.Tensor properties that may be views
VIEW_ATTR_CANDIDATES = {"T": INPUTS_REAL, "mT": INPUTS_REAL, "H": INPUTS_REAL, "mH": INPUTS_REAL,
                        "real": INPUTS_COMPLEX, "imag": INPUTS_COMPLEX, "data": INPUTS_REAL}
# extra index expressions for Tensor.__getitem__
GETITEM_EXTRA = [(slice(0, 2),), (idx(0, 2),), (mask(3, 4),)]


def _classify_alias(call: Callable, inputs: dict, extra_calls: list | None = None) -> str | None:
    """'view' | 'view_tuple' | 'shares_version' | 'maybe_view' | None."""
    kinds = []
    for make in inputs.values():
        for c in [call] + (extra_calls or []):
            _seed()
            x = make()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = c(x)
            except Exception:  # noqa: BLE001
                continue
            outs = list(out) if isinstance(out, (tuple, list)) else [out]
            if not outs or not all(isinstance(o, torch.Tensor) for o in outs):
                continue
            versions = [o._version for o in outs]
            with torch.no_grad():
                x.add_(0)  # bump x's version counter
            shares = all(o._version > v for o, v in zip(outs, versions))
            is_view = all(o._base is x for o in outs)
            if is_view and shares:
                kinds.append("view_tuple" if isinstance(out, (tuple, list)) else "view")
            elif shares:
                kinds.append("shares_version")
            else:
                kinds.append("copy")
    if not kinds:
        return None
    if all(k == kinds[0] for k in kinds):
        return None if kinds[0] == "copy" else kinds[0]
    if "copy" in kinds:
        return "maybe_view"
    # view in some inputs, the very same object in others (atleast_2d)
    return "view_tuple" if "view_tuple" in kinds else "view"


def build_views() -> dict:
    res: dict[str, list[str]] = {k: [] for k in [
        "view_methods", "view_tuple_methods", "maybe_view_methods", "shares_version_methods",
        "view_attributes", "view_functions", "view_tuple_functions", "maybe_view_functions",
        "shares_version_functions"]}
    for name, (extra, inputs) in sorted(VIEW_CANDIDATES.items()):
        if hasattr(torch.Tensor, name) and callable(getattr(torch.Tensor, name)) \
                and not isinstance(inspect.getattr_static(torch.Tensor, name), property):
            extras = None
            if name == "__getitem__":
                extras = [lambda x, e=e: x.__getitem__(*e) for e in GETITEM_EXTRA]
            kind = _classify_alias(lambda x, n=name, e=extra: getattr(x, n)(*e), inputs, extras)
            if kind:
                res[f"{kind}_methods"].append(name)
        fn = getattr(torch, name, None)
        if fn is not None and callable(fn) and not name.startswith("_"):
            kind = _classify_alias(lambda x, fn=fn, e=extra: fn(x, *e), inputs)
            if kind:
                res[f"{kind}_functions"].append(f"torch.{name}")
    for name, inputs in sorted(VIEW_ATTR_CANDIDATES.items()):
        kind = _classify_alias(lambda x, n=name: getattr(x, n), inputs)
        if kind == "view":
            res["view_attributes"].append(name)
    return {k: sorted(v) for k, v in res.items()}


MULTI_OUTPUT_MESSAGE = "This view is the output of a function that returns multiple views"


def _writes_multi_output_view(call: Callable) -> bool:
    """Writing in place into the first output of ``call(y)`` (``y`` a non-leaf that requires grad, grad mode on)
    raises torch's multi-output-view error: the op's outputs are views created by one node that returns several
    (autograd's ``CreationMeta::MULTI_OUTPUT_NODE``)."""
    _seed()
    x = f(3, 4).requires_grad_()
    try:
        out = call(x * 1)
    except Exception:  # noqa: BLE001
        return False
    outs = list(out)
    if not outs or not isinstance(outs[0], torch.Tensor):
        return False
    try:
        outs[0].mul_(1)
    except RuntimeError as exc:
        return MULTI_OUTPUT_MESSAGE in str(exc)
    return False


def build_multi_output_views(views: dict) -> dict:
    """Which tuple-of-views ops (and iteration over a tensor, ``__iter__``) make multi-output views: an in-place
    write into one of them raises with grad mode on (``split``/``chunk``/``unbind`` do; ``tensor_split``/
    ``hsplit`` return separate slices, which do not)."""
    methods = []
    for name in views["view_tuple_methods"] + ["__iter__"]:
        extra = VIEW_CANDIDATES.get(name, ((), None))[0]
        if name == "__iter__":
            call = lambda y: list(iter(y))  # noqa: E731
        else:
            call = lambda y, n=name, e=extra: getattr(y, n)(*e)  # noqa: E731
        if _writes_multi_output_view(call):
            methods.append(name)
    functions = []
    for qual in views["view_tuple_functions"]:
        name = qual.split(".", 1)[1]
        fn = getattr(torch, name)
        extra = VIEW_CANDIDATES.get(name, ((), None))[0]
        if _writes_multi_output_view(lambda y, fn=fn, e=extra: fn(y, *e)):
            functions.append(qual)
    return {"multi_output_view_methods": sorted(methods), "multi_output_view_functions": sorted(functions)}


# ---------------------------------------------------------------------------
# factories
# ---------------------------------------------------------------------------

# name -> sample positional args (a trailing dict holds keyword args)
FACTORY_ARGS: dict[str, list[Callable[[], tuple]]] = {
    "arange": [lambda: (5.0,)], "range": [lambda: (0.0, 3.0)],
    "asarray": [lambda: ([1.0, 2.0],)], "tensor": [lambda: ([1.0, 2.0],)],
    "empty_permuted": [lambda: ((3, 4), (0, 1))], "empty_strided": [lambda: ((3, 4), (4, 1))],
    "eye": [lambda: (3,)], "frombuffer": [lambda: (bytearray(8), {"dtype": torch.float32})],
    "full": [lambda: ((3, 4), 0.5)], "full_like": [lambda: (f(3, 4), 0.5)],
    "linspace": [lambda: (0.0, 1.0, 5)], "logspace": [lambda: (0.0, 1.0, 5)],
    "randint": [lambda: (0, 5, (3, 4))], "randint_like": [lambda: (f(3, 4), 5)],
    "randperm": [lambda: (4,)],
    "sparse_coo_tensor": [lambda: (torch.tensor([[0, 1], [1, 0]]), torch.tensor([1.0, 2.0]), (2, 2))],
    "sparse_csr_tensor": [lambda: (torch.tensor([0, 1, 2]), torch.tensor([1, 0]),
                                   torch.tensor([1.0, 2.0]), (2, 2))],
    "sparse_csc_tensor": [lambda: (torch.tensor([0, 1, 2]), torch.tensor([1, 0]),
                                   torch.tensor([1.0, 2.0]), (2, 2))],
    "sparse_bsr_tensor": [lambda: (torch.tensor([0, 1]), torch.tensor([0]), f(1, 2, 2), (2, 2))],
    "sparse_bsc_tensor": [lambda: (torch.tensor([0, 1]), torch.tensor([0]), f(1, 2, 2), (2, 2))],
    "sparse_compressed_tensor": [lambda: (torch.tensor([0, 1, 2]), torch.tensor([1, 0]),
                                          torch.tensor([1.0, 2.0]), (2, 2),
                                          {"layout": torch.sparse_csr})],
}
FACTORY_DEFAULT_ARGS = [lambda: ((3, 4),), lambda: (f(3, 4),), lambda: (4,)]
# builtins whose docstring does not mention requires_grad but that may accept
# it: candidates to *try* (kept only if a call with requires_grad=True runs)
FACTORY_TRY: dict[str, list[Callable[[], tuple]]] = {
    "normal": [lambda: (0.0, 1.0, (3, 4))],
    "as_tensor": [lambda: ([1.0, 2.0],)],
    "scalar_tensor": [lambda: (1.0,)],
    "tril_indices": [lambda: (3, 3)],
    "triu_indices": [lambda: (3, 3)],
    "complex": [lambda: (f(2), f(2))],
    "polar": [lambda: (f(2), f(2))],
    "bernoulli": [lambda: (f(3, 4),)],
    "poisson": [lambda: (f(3, 4),)],
    "clone": [lambda: (f(3, 4),)],
}


def _try_factory(obj: Callable, makers: list) -> tuple[bool | None, bool]:
    """(float_requires_grad, accepted): accepted is False when every call
    rejected the ``requires_grad`` keyword itself."""
    rejected_kw = True
    for make in makers:
        _seed()
        try:
            args = make()
            kwargs = args[-1] if args and isinstance(args[-1], dict) else {}
            args = args[:-1] if kwargs else args
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = obj(*args, **kwargs, requires_grad=True)
            return bool(isinstance(t, torch.Tensor) and t.requires_grad), True
        except RuntimeError as e:
            if "floating point" in str(e) or "complex" in str(e):
                return False, True
            rejected_kw = False
        except TypeError as e:
            if "requires_grad" not in str(e):
                rejected_kw = False
        except Exception:  # noqa: BLE001
            rejected_kw = False
    return None, not rejected_kw


def build_factories() -> dict:
    out: dict[str, dict] = {}
    for name in sorted(dir(torch)):
        if name.startswith("_"):
            continue
        obj = getattr(torch, name)
        if inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
            continue
        try:
            accepts = "requires_grad" in inspect.signature(obj).parameters
            evidence = "signature"
        except (TypeError, ValueError):
            accepts = "requires_grad" in (getattr(obj, "__doc__", None) or "")
            evidence = "docstring"
        if accepts:
            result, _ = _try_factory(obj, FACTORY_ARGS.get(name, []) + FACTORY_DEFAULT_ARGS)
        elif name in FACTORY_TRY:
            result, accepted = _try_factory(obj, FACTORY_TRY[name])
            if result is None or not accepted:
                continue
            evidence = "call"
        else:
            continue
        out[f"torch.{name}"] = {"float_requires_grad": result, "verified": result is not None,
                                "evidence": evidence}
    return out


# ---------------------------------------------------------------------------
# assemble
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------------------
# derivatives: torch's formulas for elementwise unary ops, translated to Python and checked against autograd

_FORMULA_NAMES = {"grad", "result", "self"}


def derivatives_yaml() -> Path | None:
    """The ``derivatives.yaml`` torch ships (in ``torchgen``), or None."""
    try:
        import torchgen
    except ImportError:
        return None
    path = Path(torchgen.__file__).parent / "packaged" / "autograd" / "derivatives.yaml"
    return path if path.exists() else None


def _translate_formula(formula: str) -> str | None:
    """``sigmoid_backward(grad, result)`` -> ``torch.ops.aten.sigmoid_backward(grad, result)``; None when the formula
    uses anything but ``grad``/``result``/``self``, numbers, methods and aten functions."""
    import re
    import keyword

    text = formula.replace(".conj()", "")
    out, pos = [], 0
    for m in re.finditer(r"(?<![\w.])([A-Za-z_]\w*)(\s*\()?", text):
        name, call = m.group(1), m.group(2)
        out.append(text[pos:m.start()])
        pos = m.end()
        if call:
            if not hasattr(torch.ops.aten, name):
                return None
            out.append(f"torch.ops.aten.{name}(")
        elif name in _FORMULA_NAMES or keyword.iskeyword(name) and name in ("and", "or", "not"):
            out.append(name)
        else:
            return None
    out.append(text[pos:])
    python = "".join(out)
    if "::" in python or "[" in python:
        return None
    return python


def _eval_formula(python: str, grad: torch.Tensor, result: torch.Tensor, self: torch.Tensor) -> torch.Tensor:
    return eval(python, {"torch": torch, "__builtins__": {}}, {"grad": grad, "result": result, "self": self})


def build_derivatives() -> dict:
    import yaml

    path = derivatives_yaml()
    if path is None:
        return {}
    entries = yaml.safe_load(path.read_text())
    out: dict[str, dict] = {}
    for entry in entries:
        m = re.fullmatch(r"(\w+)\(Tensor self\) -> Tensor", entry.get("name", ""))
        if not m or entry.get("result") != "auto_element_wise" or not isinstance(entry.get("self"), str):
            continue
        name = m.group(1)
        fn = getattr(torch, name, None)
        if not callable(fn) or name.endswith("_"):
            continue
        python = _translate_formula(entry["self"])
        if python is None:
            continue
        verified = False
        for make in (lambda: torch.randn(5, 4, dtype=torch.float64), lambda: torch.rand(5, 4, dtype=torch.float64) * 0.8 + 0.1):
            torch.manual_seed(0)
            x = make().requires_grad_()
            try:
                y = fn(x)
                if not torch.isfinite(y).all():
                    continue
                g = torch.randn_like(y)
                expected, = torch.autograd.grad(y, x, g)
                got = _eval_formula(python, g, y.detach(), x.detach())
            except Exception:  # noqa: BLE001 - an op that cannot run on these inputs is not recorded
                continue
            if torch.isfinite(expected).all() and got.shape == expected.shape \
                    and torch.allclose(got, expected, rtol=1e-10, atol=1e-12):
                verified = True
                break
        if not verified:
            continue
        uses = sorted(n for n in ("result", "self") if re.search(rf"(?<![\w.]){n}(?!\w)", python))
        values = torch.tensor([-1e3, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 1e3], dtype=torch.float64)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                zero = _eval_formula(python, torch.zeros_like(values), values, values)
            zero_safe = bool(torch.isfinite(zero).all() and (zero == 0).all())
        except Exception:  # noqa: BLE001
            zero_safe = False
        out[name] = {"formula": entry["self"], "python": python, "uses": uses, "zero_safe": zero_safe}
    return dict(sorted(out.items()))


def build_table(verbose: bool = False) -> dict:
    """Run every probe and return the table (a JSON-able dict)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prev_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            inplace = build_inplace_methods()
            inplace_functions, rejected_fns = build_inplace_functions()
            no_grad = build_no_grad_functions()
            kwargs = build_inplace_kwargs()
            modules = build_inplace_modules()
            views = build_views()
            multi_output = build_multi_output_views(views)
            factories = build_factories()
            saved, saved_meta = build_saved(verbose)
            derivatives = build_derivatives()
            inplace_saves = build_inplace_saves_result(modules, kwargs, inplace["inplace_methods"],
                                                       inplace_functions)
        finally:
            torch.set_num_threads(prev_threads)
    table: dict[str, Any] = {
        **inplace,
        "inplace_functions": dict(sorted(inplace_functions.items())),
        "non_mutating_trailing_underscore_functions": dict(sorted(rejected_fns.items())),
        "no_grad_functions": no_grad,
        "inplace_kwarg_functions": kwargs,
        "inplace_modules": modules,
        **views,
        **multi_output,
        "factory_functions": factories,
        "saved": saved,
        "aliases": build_aliases(),
        "derivatives": derivatives,
        "inplace_saves_result": inplace_saves,
    }
    counts = {k: len(v) for k, v in table.items()}
    counts.update({f"saved_{k}": v for k, v in saved_meta["stats"].items()})
    table["meta"] = {
        "torch_version": torch.__version__,
        "generated_by": GENERATED_BY,
        "counts": dict(sorted(counts.items())),
        "saved_skipped": saved_meta["skipped"],
    }
    # round-trip through JSON so the dict equals what a loader would read
    return json.loads(dumps(table))


def dumps(table: dict) -> str:
    return json.dumps(table, sort_keys=True, indent=1, allow_nan=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    p.add_argument("--check", action="store_true", help="compare with --output instead of writing")
    p.add_argument("-v", "--verbose", action="store_true", help="print skipped probes")
    ns = p.parse_args(argv)
    table = build_table(verbose=ns.verbose)
    text = dumps(table)
    c = table["meta"]["counts"]
    print(f"saved: probed {c['saved_probed']}, recorded {c['saved_recorded']}, "
          f"skipped {c['saved_skipped']} ({c['saved_entries']} entries incl. @eval variants)")
    print(f"inplace_methods {c['inplace_methods']}, inplace_functions {c['inplace_functions']}, "
          f"view_methods {c['view_methods']}, factory_functions {c['factory_functions']}")
    if ns.check:
        current = ns.output.read_text() if ns.output.exists() else ""
        if current != text:
            print(f"{ns.output} is stale; rerun python tools/generate_ops.py", file=sys.stderr)
            return 1
        return 0
    ns.output.parent.mkdir(parents=True, exist_ok=True)
    ns.output.write_text(text)
    print(f"wrote {ns.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
