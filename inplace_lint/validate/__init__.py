"""The runtime validator: run flagged code under torch with a probe and confirm or refute each finding.

Torch-free at import time (``import inplace_lint.cli`` must work without torch): torch is only imported by
``probe`` and ``harness``, which run inside the sandboxed worker process (``worker``), never in the CLI process.

- ``runner``: plans the runs for each file, turns probe events into verdicts (``validate_result``) and checks fixes
  (``verify_fix``);
- ``sandbox``: the warm worker and the cold runner, with their limits;
- ``worker``: the child side (imports torch once, forks a grandchild per job);
- ``harness``: script / function / autograd.Function harnesses (torch);
- ``probe``: the in-process probe (torch);
- ``events``: event kinds and their mapping to rules (torch-free);
- ``targets``: what to call to reach a line (``ast``, torch-free);
- ``run``: ``inplace-lint run -- CMD``: any command with the probe injected through ``sitecustomize``.

Validation executes the user's code. See docs/validator.md for the safety model.
"""
from __future__ import annotations

from typing import Any

__all__ = ["Limits", "Summary", "ValidateOptions", "Validator", "validate_result", "verify_fix"]


def __getattr__(name: str) -> Any:  # lazy: keep `import inplace_lint.validate` cheap
    if name in ("Summary", "ValidateOptions", "Validator", "validate_result", "verify_fix"):
        from . import runner

        return getattr(runner, name)
    if name == "Limits":
        from .sandbox import Limits

        return Limits
    raise AttributeError(name)
