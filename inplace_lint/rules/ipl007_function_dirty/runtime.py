"""IPL007 at runtime: the probe watches custom autograd.Functions; gradcheck."""
from __future__ import annotations

from ...validate.events import FN_DIRTY, FN_DIRTY_LEAF, FN_GRAD_WRITE, FN_SAVED_WRITE, GRADCHECK, SAVED
from .._base import Runtime

RUNTIME = Runtime(confirms=(FN_DIRTY, FN_DIRTY_LEAF, FN_SAVED_WRITE, FN_GRAD_WRITE, GRADCHECK, SAVED),
                  reports=(FN_DIRTY, FN_DIRTY_LEAF, FN_SAVED_WRITE, FN_GRAD_WRITE, GRADCHECK))
