"""Facts about torch ops for the static checker, read from a generated table.

This module never imports torch.  The table ``data/ops.json`` is produced by
``python tools/generate_ops.py`` in a source checkout (see that script's
docstring for how each fact is discovered and for the full JSON schema; it is
not part of the installed package) and loaded once, lazily.

Names
-----
* Tensor methods are plain names: ``"add_"``, ``"view"``, ``"T"``.  A
  ``"Tensor."`` or ``"torch.Tensor."`` prefix is accepted and stripped.
* Callables are canonical qualified names: ``"torch.relu_"``,
  ``"torch.nn.functional.relu"``, ``"torch.nn.ReLU"``.  Spellings users write
  that are not canonical (``"torch.nn.modules.activation.ReLU"``,
  ``"torch.nn.parameter.Parameter"``) are mapped through the table's
  ``aliases``.
* ``saved`` keys: ``"torch.sigmoid"``, ``"Tensor.sigmoid"``,
  ``"torch.nn.functional.linear"``, ``"torch.nn.Linear"``, ``"operator.mul"``;
  a ``"@variant"`` suffix selects a separately probed variant
  (``"torch.nn.Dropout@eval"``, ``"operator.pow@scalar"`` for ``x ** 2``,
  ``"operator.pow@rscalar"`` for ``2 ** x``).

Requires-grad patterns
----------------------
One character per differentiable tensor argument, in the order of the entry's
``tensor_args`` (positional arguments first, then keywords): ``'1'`` the
argument requires grad, ``'0'`` it does not, ``'?'`` unknown.  For module
keys the only pattern-bearing tensors are the ``forward`` inputs (parameters
always require grad).  :func:`saved_inputs` resolves a pattern like this:

1. the pattern was probed -> that pattern's record;
2. the pattern has the entry's arity but was not probed -> if no character
   can be ``'1'`` (and the key is not a module) nothing requires grad, no
   graph is built and nothing is saved; otherwise the union of the records
   of every probed pattern that has a ``'1'`` wherever the request has a
   ``'1'`` or ``'?'`` (requiring grad on more inputs never saves less, so
   this over-approximates); when no probed pattern covers it, the union of
   all probed patterns;
3. wrong length or ``None`` -> the union of all probed patterns.

Results are conservative unions over the argument variants that were probed
(e.g. ``matmul`` on 1-D and 2-D operands, see ``rank_dependent``).
"""

from __future__ import annotations

import functools
import json
import pathlib

__all__ = [
    "table", "is_inplace_method", "inplace_function_target", "inplace_kwarg",
    "inplace_module_kwarg", "is_no_grad_function", "is_view_method",
    "is_view_function", "shares_version", "is_factory", "saved_info",
    "saved_inputs", "saves_result", "version", "inplace_methods", "derivative",
]

DATA_PATH = pathlib.Path(__file__).parent / "data" / "ops.json"

_METHOD_PREFIXES = ("torch.Tensor.", "Tensor.")


@functools.lru_cache(maxsize=None)
def table() -> dict:
    """The raw JSON table (loaded once; treat it as read-only)."""
    with DATA_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


@functools.lru_cache(maxsize=None)
def _set(*keys: str) -> frozenset[str]:
    t = table()
    return frozenset(name for key in keys for name in t.get(key, ()))


def _method(name: str) -> str:
    for prefix in _METHOD_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _canonical(qualname: str) -> str:
    """Apply ``aliases``; keep a ``@variant`` suffix; ``torch.Tensor.x`` -> ``Tensor.x``."""
    base, sep, variant = qualname.partition("@")
    if base.startswith("torch.Tensor."):
        base = "Tensor." + base[len("torch.Tensor."):]
    base = table().get("aliases", {}).get(base, base)
    return base + sep + variant


# --------------------------------------------------------------------------
# in-place operations
# --------------------------------------------------------------------------


def is_inplace_method(name: str) -> bool:
    """``x.<name>(...)`` mutates ``x`` (``add_``, ``copy_``, ``__iadd__``,
    ``__setitem__``...).  Includes ``apply_``/``map_``-style methods that
    mutate without bumping the version counter (``unversioned_inplace_methods``).
    ``requires_grad_``, ``share_memory_`` and ``detach_`` are not in-place."""
    return _method(name) in _set("inplace_methods", "inplace_dunders")


def inplace_function_target(qualname: str) -> int | None:
    """Positional index of the argument mutated by ``torch.relu_(x)`` & co."""
    value = table()["inplace_functions"].get(_canonical(qualname))
    return None if value is None else int(value)


def inplace_kwarg(qualname: str) -> tuple[str, int] | None:
    """``("inplace", index)`` for callables taking an ``inplace`` parameter
    (``F.relu(x, inplace=True)`` mutates argument 0)."""
    info = table()["inplace_kwarg_functions"].get(_canonical(qualname))
    if info is None:
        return None
    return str(info["param"]), int(info["index"])


def inplace_module_kwarg(qualname: str) -> int | None:
    """Positional index of ``inplace`` in the module constructor
    (``nn.ReLU(True)`` -> 0, ``nn.Dropout(0.5, True)`` -> 1)."""
    value = table()["inplace_modules"].get(_canonical(qualname))
    return None if value is None else int(value)


def is_no_grad_function(qualname: str) -> bool:
    """``torch.nn.init.*_``: mutates its argument under ``torch.no_grad()``."""
    return _canonical(qualname) in _set("no_grad_functions")


# --------------------------------------------------------------------------
# views and version counters
# --------------------------------------------------------------------------


def is_view_method(name: str) -> bool:
    """The result of ``x.<name>(...)`` (or of the property ``x.<name>``, e.g.
    ``T``/``mT``/``real``) is always a view of ``x``; tuple-returning
    ``split``/``chunk``/``unbind`` count.  Not ``detach`` (shares the version
    counter but is not a view, see :func:`shares_version`) and not
    maybe-views such as ``reshape``/``flatten``/``contiguous``."""
    return _method(name) in _set("view_methods", "view_tuple_methods", "view_attributes")


def makes_multi_output_views(name: str) -> bool:
    """``x.unbind()``, ``x.split(...)``, ``torch.chunk(x, ...)``, ``iter(x)`` (``"__iter__"``)...: the outputs are
    views made by one node that returns several; an in-place write into one raises when it requires grad. Accepts
    a method name or a qualified function name."""
    if "." not in name:
        return name in _set("multi_output_view_methods")
    return _canonical(name) in _set("multi_output_view_functions")


def returns_views_tuple(name: str) -> bool:
    """``x.split(2)``, ``torch.unbind(x)``, ``x.tensor_split(3)``...: a tuple of views. A method name or a
    qualified function name."""
    if "." not in name:
        return _method(name) in _set("view_tuple_methods")
    return _canonical(name) in _set("view_tuple_functions")


def is_view_attribute(name: str) -> bool:
    """``x.T``, ``x.mT``, ``x.real``...: an attribute read that returns a view."""
    return name in _set("view_attributes")


def is_view_function(qualname: str) -> bool:
    """``torch.<fn>(x, ...)`` always returns a view of ``x`` (or a tuple of
    views).  ``torch.detach`` (and other functions returning an alias that
    shares ``x``'s version counter) are included; maybe-views such as
    ``torch.reshape``/``torch.flatten`` are not."""
    return _canonical(qualname) in _set(
        "view_functions", "view_tuple_functions", "shares_version_functions")


def shares_version(name: str) -> bool:
    """The result shares the version counter of its input: every view
    method/attribute plus ``detach`` & co.  Accepts a method name (``"detach"``)
    or a qualified function name (``"torch.detach"``, ``"torch.transpose"``)."""
    method = _method(name)
    if method in _set("view_methods", "view_tuple_methods", "view_attributes",
                      "shares_version_methods"):
        return True
    return _canonical(name) in _set("view_functions", "view_tuple_functions",
                                    "shares_version_functions")


def is_factory(qualname: str) -> bool:
    """``torch.<fn>`` creates a fresh tensor and accepts ``requires_grad=``."""
    return _canonical(qualname) in table()["factory_functions"]


# --------------------------------------------------------------------------
# what ops save for backward
# --------------------------------------------------------------------------


def module_result_view_of(qualname: str) -> int | None:
    """The input of which a torch.nn module's output is always a view (``nn.Unflatten``: its forward is
    ``unflatten``, a view op), or None. Modules whose output was a view only in the generating run because the op
    is a maybe-view (``nn.Flatten``: ``flatten`` copies a non-contiguous input) are not."""
    entry = saved_info(qualname)
    if not entry or entry.get("kind") != "module" or len(entry.get("result_view_of", ())) != 1:
        return None
    if not is_view_method(_canonical(qualname).rsplit(".", 1)[-1].lower()):
        return None
    return int(entry["result_view_of"][0])


def saved_info(key: str) -> dict | None:
    """The ``saved`` entry for ``key`` (see the module docstring), or None."""
    return table()["saved"].get(_canonical(key))


def _records(entry: dict, rg_pattern: str | None, variant: str | None = None) -> list[dict]:
    patterns: dict = entry["patterns"]
    if variant is not None and variant in entry.get("by_variant", {}):
        patterns = entry["by_variant"][variant]
    if rg_pattern is not None and rg_pattern in patterns:
        return [patterns[rg_pattern]]
    if rg_pattern is None or len(rg_pattern) != entry["arity"]:
        return list(patterns.values())
    maybe = [i for i, c in enumerate(rg_pattern) if c != "0"]
    if not maybe and entry.get("kind") != "module":
        return []  # nothing requires grad: no graph, nothing saved
    covering = [rec for p, rec in patterns.items() if all(p[i] == "1" for i in maybe)]
    return covering or list(patterns.values())


def variant_of(key: str, args) -> str | None:
    """Which probed variant of ``key`` a call with these arguments (positions and keyword names) is, when the
    table tells variants apart: ``x.max()`` ("all": saves ``x`` and the result) and ``x.max(dim)`` ("dim": saves
    only the indices) for max/min/median/nanmedian."""
    entry = saved_info(key)
    if entry is None or set(entry.get("by_variant", ())) != {"all", "dim"}:
        return None
    return "dim" if (1 in args or "dim" in args) else "all"


def saved_inputs(key: str, rg_pattern: str | None, variant: str | None = None) -> frozenset:
    """Arguments saved for backward by ``key`` under the requires-grad pattern
    ``rg_pattern``: positional indices (``int``), keyword names and, for
    modules, parameter/buffer names (``str``).  An argument saved as a view of
    itself (``w.t()`` in ``F.linear``) counts.  Unknown keys give an empty set
    (use :func:`saved_info` to tell "unknown" from "saves nothing").  See the
    module docstring for how unprobed patterns are resolved."""
    entry = saved_info(key)
    if entry is None:
        return frozenset()
    out: set = set()
    for rec in _records(entry, rg_pattern, variant):
        out.update(rec.get("args", ()))
        out.update(rec.get("kwargs", ()))
        out.update(rec.get("params", ()))
    return frozenset(out)


def saves_result(key: str, rg_pattern: str | None = None, variant: str | None = None) -> bool:
    """``key`` saves its output for backward (``sigmoid``, ``exp``, ``relu``...)
    under ``rg_pattern``; with ``None``, under any probed pattern. For an op
    that returns a tuple, the first output (the values) must be among the saved
    ``outputs`` (``x.max(dim)`` saves only its indices)."""
    entry = saved_info(key)
    if entry is None:
        return False
    return any(rec.get("result", False) and 0 in rec.get("outputs", (0,))
               for rec in _records(entry, rg_pattern, variant))


# how many tensors an op that returns a tuple returns, where its saved outputs do not tell (``torch.slogdet``:
# (sign, logabsdet), saves the first)
_TUPLE_SIZES = {"slogdet": 2, "std_mean": 2, "triangular_solve": 2, "lstsq": 4, "cholesky_ex": 2, "inv_ex": 2,
                "solve_ex": 2, "pca_lowrank": 3, "svd_lowrank": 3}


def tuple_outputs(key: str, variant: str | None = None) -> tuple[int, frozenset] | None:
    """For an op that returns a tuple of tensors (``torch.linalg.eigh``, ``x.max(dim)``, ``x.sort()``): how many, and
    which of them it saves for backward (under any probed pattern); None for an op returning one tensor (``x.max()``
    with no ``dim``, the variant "all")."""
    entry = saved_info(key)
    if entry is None or entry.get("kind") == "module":
        return None
    outputs: set = set()
    for rec in _records(entry, None, variant):
        if "outputs" not in rec:
            return None
        if rec.get("result", False):
            outputs.update(rec["outputs"])
    if not outputs:
        return None
    return max(max(outputs) + 1, _TUPLE_SIZES.get(key.split(".")[-1], 0)), frozenset(outputs)


def inplace_saves_result(key: str) -> bool | None:
    """Whether the in-place form ``key`` saves its result for backward, as probed (``"torch.nn.LeakyReLU"`` built
    with ``inplace=True``, ``"torch.nn.functional.elu"`` called with ``inplace=True``, ``"Tensor.relu_"``,
    ``"torch.sigmoid_"``); None when it was not probed. It may differ from the out-of-place form."""
    got = table().get("inplace_saves_result", {}).get(_canonical(key))
    return bool(got) if got is not None else None


def version() -> str:
    """The torch version the table was generated from."""
    return str(table()["meta"]["torch_version"])


def inplace_methods() -> frozenset:
    """Every Tensor method name that mutates ``self`` (for quick membership tests)."""
    return _set("inplace_methods", "inplace_dunders")


def derivative(name: str) -> dict | None:
    """torch's derivative formula for the elementwise unary op ``name`` (``"sigmoid"``), from ``derivatives.yaml``,
    translated to Python and checked against autograd by the generator: ``{"formula": torch's text, "python": an
    expression of ``grad``, ``result``, ``self`` (``torch.`` prefixed calls), "uses": ["result"] / ["self"] / [],
    "zero_safe": bool}``; None when the table has none."""
    return table().get("derivatives", {}).get(_method(name))
