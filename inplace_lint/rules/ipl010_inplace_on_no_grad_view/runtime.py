"""IPL010 at runtime: torch raises at the write."""
from __future__ import annotations

from .._base import Runtime

RUNTIME = Runtime(confirms=(), raises=(
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled",
    "which was created in no_grad mode and is being modified inplace with grad mode enabled",
    "A view was created in inference mode and is being modified inplace in normal mode",
    "which was created in inference mode and is being modified inplace in normal mode",
))
