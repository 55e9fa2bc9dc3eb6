"""IPL008 at runtime: the flagged statement is watched for writes into tensors its caller reads again."""
from __future__ import annotations

from ...validate.events import CLOBBERED
from .._base import Runtime

RUNTIME = Runtime(confirms=(CLOBBERED,), reports=(CLOBBERED,), watch_writes=True)
