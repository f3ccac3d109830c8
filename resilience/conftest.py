"""One private Folio system for the whole run (see stack.py), the summary table, and the
order of scenarios: the destructive ones that restart parts of the system run last."""

from __future__ import annotations

import platform
import os
import time

import pytest

from stack import Stack
from summary import Summary

SUMMARY = Summary()
STARTED = time.monotonic()


@pytest.fixture(scope="session")
def stack():
    system = Stack()
    try:
        system.start()
        yield system
    finally:
        system.stop()
        if os.environ.get("RESILIENCE_KEEP_WORKDIR"):
            print(f"\nkept logs and data in {system.workdir}")
        else:
            system.cleanup()


@pytest.fixture(scope="session")
def summary() -> Summary:
    return SUMMARY


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not SUMMARY.rows:
        return
    outcome = "passed" if exitstatus == 0 else "FAILED"
    header = (
        f"# Folio resilience suite: {outcome}\n\n"
        f"{platform.machine()}, {os.cpu_count()} cores; {os.environ.get('RESILIENCE_PROFILE', 'release')} builds; whole run "
        f"{time.monotonic() - STARTED:.0f} s."
    )
    path = SUMMARY.write(header)
    terminalreporter.write_line("")
    terminalreporter.write(SUMMARY.markdown(header))
    terminalreporter.write_line(f"written to {path}")
