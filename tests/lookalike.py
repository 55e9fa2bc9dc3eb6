"""Shared by the look-alike tests: run a snippet under torch and require that it runs clean."""
from __future__ import annotations

import traceback
import warnings

import pytest


def run_clean_under_torch(code: str, check: str, filename: str) -> None:
    """Execute ``code`` with UserWarnings as errors; fail on any exception or when ``check`` is not true after."""
    torch = pytest.importorskip("torch")
    ns = {"__name__": "__main__"}
    grad_enabled = torch.is_grad_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "The .grad attribute of a Tensor that is not a leaf..."
        try:
            exec(compile(code, filename, "exec"), ns)
        except Exception as exc:  # noqa: BLE001
            pytest.fail("raised:\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        finally:
            torch.set_grad_enabled(grad_enabled)
        assert eval(check, {"torch": torch, **ns}), f"check {check!r} is not true"
