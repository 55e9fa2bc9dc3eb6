"""IPL006 at runtime: after the flagged assignment ran, no gradient flows from the detached copy it binds to the
tensor it copied. Runs in the validator's child process (torch imported there)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ...validate.events import GRAD_CUT, LEAF
from .._base import Runtime

RUNTIME = Runtime(confirms=(GRAD_CUT, LEAF), reports=(GRAD_CUT,), after_run=__name__ + ":check_cut")


def check_cut(path: str, line: int, names: Sequence[str], root: Optional[str],
              scope: Dict[str, Any]) -> List[Dict[str, Any]]:
    """A ``GRAD_CUT`` event when no gradient flows from the copy bound at ``line`` to ``root``, the tensor it
    copied."""
    import torch

    if not names or not root:
        return []
    copy, source = scope.get(names[0]), scope.get(root)
    if not isinstance(copy, torch.Tensor) or not isinstance(source, torch.Tensor) or copy is source:
        return []
    if not (source.requires_grad and copy.requires_grad and copy.is_leaf and copy.is_floating_point()):
        return []
    with torch.enable_grad():
        grad = torch.autograd.grad(copy.sum(), [source], allow_unused=True)[0]
    if grad is not None:
        return []
    source_grad = "None" if source.grad is None else "set by other uses"
    return [{"kind": GRAD_CUT, "path": path, "line": line, "count": 1,
             "message": (f"`{names[0]}` is a new leaf detached from `{root}`: autograd.grad({names[0]}.sum(), "
                         f"{root}) is None, so no loss on `{names[0]}` reaches `{root}` ({root}.grad is "
                         f"{source_grad})")}]
