"""IPL004 at runtime: the probe sees the write through `.data`."""
from __future__ import annotations

from ...validate.events import DATA_CORRUPTION, DATA_WRITE, SAVED
from .._base import Runtime

RUNTIME = Runtime(confirms=(DATA_CORRUPTION, DATA_WRITE, SAVED), reports=(DATA_CORRUPTION,),
                  unaffected=(DATA_WRITE,))  # a hidden write no saved tensor read: the gradient came out right
