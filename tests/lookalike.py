"""Shared by the case tests (tests/test_cases.py): run a snippet under torch, the oracle, and require the declared
verdict -- it runs clean (and a ``check`` expression is true after), or it raises an exception whose message contains
a given substring.  UserWarnings are errors in both."""
from __future__ import annotations

import traceback
import warnings
from typing import Optional

import pytest


def run_clean_under_torch(code: str, check: str, filename: str) -> None:
    """Execute ``code`` with UserWarnings as errors; fail on any exception or when ``check`` is not true after."""
    _run_under_torch(code, filename, check=check)


def run_raising_under_torch(code: str, raises: str, filename: str) -> None:
    """Execute ``code`` with UserWarnings as errors; fail unless it raises an exception whose message contains
    ``raises``."""
    _run_under_torch(code, filename, raises=raises)


def _run_under_torch(code: str, filename: str, check: Optional[str] = None, raises: Optional[str] = None) -> None:
    torch = pytest.importorskip("torch")
    dtype = torch.get_default_dtype()
    try:
        _exec_and_check(torch, code, filename, check, raises)
    finally:
        torch.set_default_dtype(dtype)  # a case may change it (float64 for a finite difference): not for the next


def _exec_and_check(torch, code: str, filename: str, check: Optional[str], raises: Optional[str]) -> None:
    ns = {"__name__": "__main__"}
    grad_enabled = torch.is_grad_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "The .grad attribute of a Tensor that is not a leaf..."
        try:
            exec(compile(code, filename, "exec"), ns)
        except Exception as exc:  # noqa: BLE001
            if raises is None:
                pytest.fail("raised:\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
            assert raises in str(exc), f"expected {raises!r} in the exception, got {type(exc).__name__}: {exc}"
            return
        finally:
            torch.set_grad_enabled(grad_enabled)
        if raises is not None:
            pytest.fail(f"expected an exception containing {raises!r}, the code ran clean")
        assert eval(check, {"torch": torch, **ns}), f"check {check!r} is not true"
