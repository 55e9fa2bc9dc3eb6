"""IPL012 at runtime: torch raises at the write."""
from __future__ import annotations

from .._base import Runtime

RUNTIME = Runtime(confirms=(), raises=("This view was created inside a custom Function",))
