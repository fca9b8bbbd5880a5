"""What the plugin shows of a test's contracts: a "console.log" report section and the call trace of a revert.

Every ``console.log`` line a test's transactions and calls print (on the
engines that record them, py-evm) goes into a "console.log" section of the
test's report, which pytest prints with the test's failure, or for passed
tests with ``-rA``; with ``-s`` (no capture) they are printed as they
happen. A test that fails on a :class:`~sandbox.errors.ContractReverted`
gets a "call trace" section: the failing path of the call tree
(``--sandbox-trace=full`` for the whole tree, ``off`` for none).
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from typing import Any

import pytest

from sandbox.contracts.transactor import Transactor

CONSOLE_SECTION = "console.log"
TRACE_SECTION = "call trace"


def add_options(group: Any) -> None:
    group.addoption(
        "--sandbox-trace",
        choices=("short", "full", "off"),
        default="short",
        help="call trace of a failing test's revert: the failing path (short, default), the whole tree (full), or none (off)",
    )


class Inspect:
    """The hooks: console lines per test phase, the trace of a revert at report time."""

    def __init__(self, config: pytest.Config) -> None:
        self.trace_mode = str(config.getoption("sandbox_trace", "short"))
        self.live = config.getoption("capture", "fd") == "no"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, None]:
        lines: list[str] = []

        def listen(new: list[str]) -> None:
            lines.extend(new)
            if self.live:
                for line in new:
                    sys.stdout.write(f"console.log: {line}\n")

        Transactor.console_listeners.append(listen)
        try:
            yield
        finally:
            Transactor.console_listeners.remove(listen)
            if lines:
                item.add_report_section("call", CONSOLE_SECTION, "\n".join(lines))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if self.trace_mode == "off" or call.excinfo is None or report.when != "call":
            return
        trace = _trace_of(call.excinfo.value)
        if trace is not None:
            report.sections.append((TRACE_SECTION, trace.format(full=self.trace_mode == "full")))


def _trace_of(exc: BaseException | None) -> Any:
    """The trace a ``ContractReverted`` carries, here or in the exceptions it caused."""
    seen = 0
    while exc is not None and seen < 5:
        trace = getattr(exc, "trace", None)
        if trace is not None and hasattr(trace, "format"):
            return trace
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None
