"""``--validate`` for the ``torch.autograd.Function`` rewrites (``--fix-with function``, or offered as a template):
``torch.autograd.gradcheck`` on each generated Function, its outputs and gradients compared with the original chain
run out of place, and ``gradgradcheck`` where the chain is twice differentiable.

The check runs in a child process (``python -m inplace_lint.validate.gradcheck``: JSON in on stdin, JSON out) so
that this module stays importable without torch; only ``check_function`` and ``main`` need torch. The code run is
the generated Function and the chain's own torch calls, on small random float64 tensors: no user code beyond the
chain's statements.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Callable, Dict, Iterable, List, Optional

SHAPE = (6, 6)  # every input: small enough for gradgradcheck, big enough for literal index writes like h[:, 4:6]
VERIFIED, FAILED, ERROR = "verified", "failed", "error"


# ---------------------------------------------------------------------------------------------------------------
# In the child process (torch)


def _namespace(info: Dict[str, Any]) -> Dict[str, Any]:
    import importlib

    import torch

    ns: Dict[str, Any] = {"__name__": "inplace_lint_gradcheck", info.get("torch", "torch"): torch}
    for local, qualname in (info.get("imports") or {}).items():
        try:
            ns[local] = importlib.import_module(qualname)
        except ImportError:
            module, _, attr = qualname.rpartition(".")
            try:
                ns[local] = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError, ValueError):
                pass
    exec(compile(info["source"], f"<{info['name']}>", "exec"), ns)
    exec(compile(info["reference"], "<reference>", "exec"), ns)
    return ns


# Shapes tried for the inputs that are not certainly tensors of the chain's shape (``h *= s``, ``h[:, 1] = v``):
# the same (8, 8), a row (8,), a scalar; each with standard normal values, then positive ones (log, sqrt...).
_ATTEMPTS = [(shape, positive) for shape in (SHAPE, SHAPE[1:], ()) for positive in (False, True)]


def _inputs(info: Dict[str, Any], attempt: int, seed: int = 0) -> List[Any]:
    import torch

    shape, positive = _ATTEMPTS[attempt]
    maybe = set(info.get("maybe_tensors") or ())
    g = torch.Generator().manual_seed(seed + attempt)
    out = []
    for name in info["inputs"]:
        size = shape if name in maybe else SHAPE
        if positive:
            t = torch.rand(*size, generator=g, dtype=torch.float64) * 0.8 + 0.1
        else:
            t = torch.randn(*size, generator=g, dtype=torch.float64)
        out.append(t.requires_grad_())
    return out


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def check_function(info: Dict[str, Any]) -> Dict[str, Any]:
    """gradcheck the Function ``info`` describes (``function_fix.FunctionPlan.info``) against its reference."""
    import torch

    try:
        ns = _namespace(info)
        fn, ref = ns[info["name"]], ns["reference"]
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return {"status": ERROR, "evidence": f"the generated code does not load: {type(exc).__name__}: {exc}"}

    # the Function may write an input in place (mark_dirty): it gets non-leaf copies, as in the model
    def run_fn(*args):
        return fn.apply(*[a.clone() for a in args])

    def run_ref(*args):
        return ref(*[a.clone() for a in args])

    args = None
    for attempt in range(len(_ATTEMPTS)):
        candidate = _inputs(info, attempt)
        try:
            outs = _as_tuple(run_ref(*candidate))
        except Exception:  # noqa: BLE001 - try the positive inputs
            continue
        if all(torch.isfinite(o).all() for o in outs if torch.is_tensor(o)):
            args = candidate
            break
    if args is None:
        return {"status": ERROR, "evidence": f"the chain does not run to a finite output on random float64 inputs "
                                             f"of shape {SHAPE} (or rows, scalars for its other operands)"}
    try:
        got, want = _as_tuple(run_fn(*args)), _as_tuple(run_ref(*args))
        if len(got) != len(want) or not all(torch.allclose(a, b, rtol=1e-10, atol=1e-12) for a, b in zip(got, want)):
            return {"status": FAILED, "evidence": "the Function's outputs differ from the out-of-place chain's"}
        weights = [torch.randn_like(o) for o in want]
        grads_fn = torch.autograd.grad(got, args, weights, allow_unused=True)
        grads_ref = torch.autograd.grad(want, args, weights, allow_unused=True)
        for name, a, b in zip(info["inputs"], grads_fn, grads_ref):
            arg = args[info["inputs"].index(name)]
            a = torch.zeros_like(arg) if a is None else a
            b = torch.zeros_like(arg) if b is None else b
            if a.shape != b.shape or not torch.allclose(a, b, rtol=1e-7, atol=1e-9):
                err = (a - b).abs().max().item() if a.shape == b.shape else float("nan")
                return {"status": FAILED, "evidence": f"the gradient of `{name}` differs from the out-of-place "
                                                      f"chain's (max abs difference {err:.3g})"}
        torch.autograd.gradcheck(run_fn, args, eps=1e-6, atol=1e-5, rtol=1e-3)
    except Exception as exc:  # noqa: BLE001 - gradcheck raises GradcheckError; anything else is a failure too
        return {"status": FAILED, "evidence": f"gradcheck failed: {' '.join(str(exc).split())[:300]}"}
    shapes = ", ".join(f"{name} {tuple(a.shape)}" for name, a in zip(info["inputs"], args))
    evidence = (f"gradcheck passed ({info.get('backward')} backward; float64 inputs {shapes}); outputs and "
                f"gradients equal the out-of-place chain's")
    second: Optional[bool] = None
    try:
        torch.autograd.gradgradcheck(run_ref, args, eps=1e-6, atol=1e-5, rtol=1e-3)
        twice = True
    except Exception:  # noqa: BLE001 - the chain itself is not twice differentiable here: nothing to compare
        twice = False
    if twice:
        try:
            torch.autograd.gradgradcheck(run_fn, args, eps=1e-6, atol=1e-5, rtol=1e-3)
            second = True
            evidence += "; gradgradcheck passed"
        except Exception as exc:  # noqa: BLE001
            second = False
            evidence += f"; gradgradcheck failed (first derivatives only): {' '.join(str(exc).split())[:120]}"
    else:
        evidence += "; gradgradcheck not run (the chain is not twice differentiable)"
    return {"status": VERIFIED, "evidence": evidence, "gradgradcheck": second}


def main() -> int:
    import warnings

    warnings.simplefilter("ignore")
    infos = json.load(sys.stdin)
    json.dump([check_function(info) for info in infos], sys.stdout)
    return 0


# ---------------------------------------------------------------------------------------------------------------
# In the linter process (torch-free)


def run_checks(infos: List[Dict[str, Any]], timeout: float = 120.0) -> List[Dict[str, Any]]:
    """``check_function`` for each of ``infos`` in one child process."""
    if not infos:
        return []
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        proc = subprocess.run([sys.executable, "-m", "inplace_lint.validate.gradcheck"], input=json.dumps(infos),
                              capture_output=True, text=True, timeout=timeout, env=env)
        results = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        return [{"status": ERROR, "evidence": f"gradcheck did not run: {exc}"} for _ in infos]
    if not isinstance(results, list) or len(results) != len(infos):
        tail = " ".join((proc.stderr or "").split()[-30:])
        return [{"status": ERROR, "evidence": f"gradcheck did not run: {tail or 'no output'}"} for _ in infos]
    return results


def _offered(diagnostics: Iterable[Any]) -> List[Any]:
    return [d for d in diagnostics if d.fix is not None and d.fix.function]


def check_functions(result: Any, timeout: float = 120.0,
                    echo: Optional[Callable[[str], None]] = None) -> List[Dict[str, Any]]:
    """``--validate``: gradcheck every Function the run offered (as a template or the fix of a remaining finding)
    or applied (``--fix --fix-with function``). The verdict goes into the fix's ``function`` record (JSON) and
    under its template (text); applied ones are reported through ``echo``. Returns the records."""
    offered = _offered(result.diagnostics)
    applied = []
    for path, change in (getattr(result, "changes", None) or {}).items():
        left = {(d.code, d.fix.function.get("name")) for d in _offered(change.remaining)}
        for d in _offered(change.initial):
            if d.fix.applicability == "unsafe" and d.fix.edits and (d.code, d.fix.function.get("name")) not in left:
                applied.append(d)
    unique: Dict[str, Dict[str, Any]] = {}
    for d in offered + applied:
        unique.setdefault(d.fix.function["source"] + d.fix.function["reference"], d.fix.function)
    keys = list(unique)
    verdicts = dict(zip(keys, run_checks([unique[k] for k in keys], timeout)))
    records = []
    for d in offered:
        verdict = verdicts[d.fix.function["source"] + d.fix.function["reference"]]
        d.fix.function = {**d.fix.function, "validation": verdict}
        if d.fix.template:
            d.fix.template = d.fix.template.rstrip("\n") + f"\n# --validate: {verdict['status']}: {verdict['evidence']}\n"
    seen = set()
    for d in applied:
        key = (d.path, d.fix.function["name"])
        if key in seen:
            continue
        seen.add(key)
        verdict = verdicts[d.fix.function["source"] + d.fix.function["reference"]]
        record = {"path": d.path, "line": d.line, "code": d.code, "name": d.fix.function["name"], **verdict}
        records.append(record)
        if echo is not None:
            echo(f"{d.path}:{d.line}: {d.code} autograd.Function `{record['name']}` {verdict['status']}: "
                 f"{verdict['evidence']}")
    return records


if __name__ == "__main__":
    sys.exit(main())
