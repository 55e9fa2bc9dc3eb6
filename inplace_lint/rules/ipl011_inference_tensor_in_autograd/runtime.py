"""IPL011 at runtime: torch raises at the write, at the op that saves the tensor, or where it is made to require
grad."""
from __future__ import annotations

from .._base import Runtime

RUNTIME = Runtime(confirms=(), raises=(
    "Inplace update to inference tensor outside InferenceMode is not allowed",
    "Inference tensors cannot be saved for backward",
    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed",
), confirms_raised=(
    # backward through a result computed in inference mode (torch says the same of any tensor without a graph)
    "element 0 of tensors does not require grad and does not have a grad_fn",
))
