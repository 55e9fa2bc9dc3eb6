"""IPL001 at runtime: torch raises at the write."""
from __future__ import annotations

from ...validate.events import LEAF, LEAF_VIEW, OUT_GRAD
from .._base import Runtime

RUNTIME = Runtime(confirms=(LEAF, LEAF_VIEW, OUT_GRAD), reports=(LEAF, OUT_GRAD))
