"""IPL011 at runtime: torch raises at the write, at the op that saves the tensor, or where it is made to require
grad."""
from __future__ import annotations

from .._base import Runtime

RUNTIME = Runtime(confirms=(), raises=(
    "Inplace update to inference tensor outside InferenceMode is not allowed",
    "Inference tensors cannot be saved for backward",
    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed",
))
