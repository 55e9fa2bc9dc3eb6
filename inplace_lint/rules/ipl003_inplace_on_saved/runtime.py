"""IPL003 at runtime: the probe sees a saved tensor modified."""
from __future__ import annotations

from ...validate.events import DATA_CORRUPTION, SAVED
from .._base import Runtime

RUNTIME = Runtime(confirms=(SAVED, DATA_CORRUPTION), reports=(SAVED,))
