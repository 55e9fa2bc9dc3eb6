"""IPL008 at runtime: the flagged statement is watched for writes into tensors its caller reads again; a module
writing, during the model call, into the output of a module with forward hooks confirms the hook variant."""
from __future__ import annotations

from ...validate.events import CLOBBERED, HOOK_OUTPUT_CLOBBERED
from .._base import Runtime

RUNTIME = Runtime(confirms=(CLOBBERED, HOOK_OUTPUT_CLOBBERED), reports=(CLOBBERED,), watch_writes=True)
