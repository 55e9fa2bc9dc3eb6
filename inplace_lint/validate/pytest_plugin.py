"""A pytest plugin loaded by ``inplace-lint run -- pytest ...`` (through ``PYTEST_PLUGINS``): records the
exceptions that make tests fail, because pytest catches them before ``sys.excepthook`` could (the leaf errors
torch raises at the mutating line are only visible there)."""
from __future__ import annotations

import pytest

from .bootstrap import record_exception


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    excinfo = call.excinfo
    if excinfo is not None and not excinfo.errisinstance((pytest.skip.Exception, pytest.xfail.Exception)):
        try:
            record_exception(excinfo.value)
        except Exception:  # noqa: BLE001 - never break the test run
            pass
    return outcome
