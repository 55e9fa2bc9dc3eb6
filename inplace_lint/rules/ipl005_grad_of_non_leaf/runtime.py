"""IPL005 at runtime: after the flagged assignment ran, the name it binds holds a non-leaf (or a tensor that does not
require grad) whose ``.grad`` backward never fills. Runs in the validator's child process (torch imported there)."""
from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence

from ...validate.events import NONLEAF_GRAD
from .._base import Runtime

RUNTIME = Runtime(confirms=(NONLEAF_GRAD,), reports=(NONLEAF_GRAD,), after_run=__name__ + ":check_nonleaf")


def check_nonleaf(path: str, line: int, names: Sequence[str], root: Optional[str],
                  scope: Dict[str, Any]) -> List[Dict[str, Any]]:
    """A ``NONLEAF_GRAD`` event per name bound at ``line`` that holds a tensor whose ``.grad`` stays None."""
    import torch

    out = []
    for name in names:
        value = scope.get(name)
        if not isinstance(value, torch.Tensor):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grad = value.grad
        state = "None" if grad is None else "set (retain_grad)"
        if not value.is_leaf:
            grad_fn = type(value.grad_fn).__name__ if value.grad_fn is not None else "?"
            message = (f"`{name}` holds a non-leaf tensor after this line (grad_fn={grad_fn}): backward() never "
                       f"fills its .grad, which is {state}")
        elif not value.requires_grad and grad is None:
            message = (f"`{name}` holds a tensor that does not require grad after this line (computed with grad "
                       f"mode off): backward() never fills its .grad, which is None")
        else:
            continue
        out.append({"kind": NONLEAF_GRAD, "path": path, "line": line, "count": 1, "message": message})
    return out
