"""What the plugin shows of a test's contracts: a "console.log" report section and the call trace of a revert.

Every ``console.log`` line a test's transactions and calls print (on the
engines that record them, py-evm) goes into a "console.log" section of the
test's report, which pytest prints with the test's failure, or for passed
tests with ``-rA``; with ``-s`` (no capture) they are printed as they
happen. A test that fails on a :class:`~sandbox.errors.ContractReverted`
gets a "call trace" section: the failing path of the call tree
(``--sandbox-trace=full`` for the whole tree, ``off`` for none). On py-evm,
hypothesis's explain phase is turned off (it re-runs a failing example
dozens of times: 62 s of a 65 s report, measured in issue 12), and the
collection report says so. A session that never imported hypothesis (and
whose reports carry nothing of it, from xdist workers either) drops
hypothesis's terminal-summary hook before it runs: that hook imports all of
hypothesis (0.3-0.4 s) to find it has nothing to print.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from typing import Any

import pytest

from sandbox.contracts.transactor import Transactor

CONSOLE_SECTION = "console.log"
#: hypothesis's pytest plugin (its entry point name) and the keys it puts on a test's report
HYPOTHESIS_PLUGIN = "hypothesispytest"
HYPOTHESIS_REPORT_KEYS = ("_hypothesis_stats", "_hypothesis_failing_examples")
TRACE_SECTION = "call trace"


EXPLAIN_NOTE = ("sandbox: hypothesis's explain phase is off on py-evm (it re-runs a failing example dozens of times, "
                "a minute per failure); --sandbox-hypothesis-explain keeps it")


def add_options(group: Any) -> None:
    group.addoption(
        "--sandbox-coverage",
        action="store_true",
        default=False,
        help="record which Solidity lines and branches of the project ran (py-evm; revm too, slowly), print a summary and write coverage/lcov.info",
    )
    group.addoption(
        "--sandbox-hypothesis-explain",
        action="store_true",
        default=False,
        help="keep hypothesis's explain phase on py-evm (the plugin turns it off there: it re-runs failing examples, slowly)",
    )
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
        self.coverage = bool(config.getoption("sandbox_coverage", False))
        #: Compile error message -> the test that showed it (the others refer to it).
        self.compile_errors: dict[str, str] = {}
        if self.coverage:
            from sandbox.backends.pyevm import coverage

            coverage.HITS = {}
            coverage.BRANCHES = {}

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        if not self.coverage:
            return
        from sandbox.backends.pyevm import coverage

        hits, coverage.HITS = coverage.HITS or {}, None
        branches, coverage.BRANCHES = coverage.BRANCHES or {}, None
        engine = self._engine(config)
        shown = {"pyevm": "py-evm"}.get(engine or "", engine) or "a node: nothing recorded"
        terminalreporter.write_sep("-", f"Solidity coverage (lines and branches, {shown})")
        if engine == "revm":
            terminalreporter.write_line("on revm every transaction ran through pyrevm's EIP-3155 tracer to record this "
                                        "(about a second each); py-evm records coverage at almost no cost")
        try:
            from sandbox.contracts.coverage import measure, summary, write_lcov
            from sandbox.main import Sandbox
            from sandbox.testing.coverage_html import write_html

            session = config.pluginmanager.get_plugin("sandbox-session")
            # The run's engine caps the EVM version the contracts were compiled for: the same bytecode, the same pcs.
            sb = Sandbox(session.project(), backend=engine or "pyevm")  # type: ignore[union-attr]
            measured = measure(sb.project, sb.compile(), hits, branches)
        except Exception as exc:  # a report, never a failed run
            terminalreporter.write_line(f"no coverage: {type(exc).__name__}: {exc}")
            return
        if not hits:
            terminalreporter.write_line("no contract code ran on an embedded engine (coverage records py-evm and revm "
                                        "runs; a node's are not seen: run without --sandbox-anvil/--sandbox-rpc)")
        for line in summary(measured.files):
            terminalreporter.write_line(line)
        for note in measured.unmapped:
            terminalreporter.write_line(f"not measured: {note}")
        folder = config.rootpath / "coverage"
        write_lcov(measured.files, sb.project.root, folder / "lcov.info")
        index = write_html(measured.files, sb.project.root, folder)
        import json

        # what `sandbox coverage` needs besides lcov: where the sources are, and what could not be measured
        (folder / "report.json").write_text(json.dumps({"root": str(sb.project.root), "unmapped": measured.unmapped}, indent=1))
        terminalreporter.write_line(f"wrote {folder / 'lcov.info'} and {index} (annotated sources; `sandbox coverage` shows this report again)")

    def _compile_error_once(self, item: pytest.Item, report: Any, exc: BaseException) -> bool:
        """A compile error is the project's, not the test's: its message alone, in full for the first test only."""
        error = _compile_error_of(exc)
        if error is None:
            return False
        first = self.compile_errors.setdefault(str(error), item.nodeid)
        report.longrepr = (f"CompileError: {error}" if first == item.nodeid else
                           f"CompileError: the same compile error as {first} (shown there; reported once per run)")
        return True

    def _engine(self, config: pytest.Config) -> str | None:
        """The embedded engine this run's sandboxes use (None on a node)."""
        import os

        from sandbox.main import Sandbox

        if config.getoption("sandbox_rpc", None) or config.getoption("sandbox_anvil", False) or os.environ.get("SANDBOX_RPC"):
            return None
        return config.getoption("sandbox_backend", None) or Sandbox.defaults.backend or os.environ.get("SANDBOX_BACKEND") or "pyevm"

    def _on_pyevm(self, config: pytest.Config) -> bool:
        return self._engine(config) == "pyevm"

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Hypothesis tests on py-evm lose the explain phase (unless ``--sandbox-hypothesis-explain``)."""
        self.explain_off = 0
        # A hypothesis test imported hypothesis when it was collected: without it there is nothing to change
        # (and no second of importing it here).
        if "hypothesis" not in sys.modules or config.getoption("sandbox_hypothesis_explain", False) or not self._on_pyevm(config):
            return
        from hypothesis import Phase, settings
        for item in items:
            test = getattr(item, "obj", None)
            current = getattr(test, "_hypothesis_internal_use_settings", None)
            if current is not None and Phase.explain in current.phases:
                test._hypothesis_internal_use_settings = settings(current, phases=[p for p in current.phases if p != Phase.explain])  # type: ignore[union-attr]
                self.explain_off += 1

    def pytest_report_collectionfinish(self, config: pytest.Config) -> str | None:
        return EXPLAIN_NOTE if getattr(self, "explain_off", 0) else None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Unregister hypothesis's plugin when the session has nothing of hypothesis's to summarise."""
        manager = session.config.pluginmanager
        plugin = manager.get_plugin(HYPOTHESIS_PLUGIN)
        if plugin is None or "hypothesis" in sys.modules:
            return
        reporter = manager.get_plugin("terminalreporter")
        for reports in getattr(reporter, "stats", {}).values():
            for report in reports:
                if any(key in getattr(report, "__dict__", {}) for key in HYPOTHESIS_REPORT_KEYS):
                    return  # an xdist worker's hypothesis test: its statistics and failing examples are summarised here
        manager.unregister(plugin)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, None]:
        global _CURRENT
        lines: list[str] = []
        _CURRENT = lines

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
            _CURRENT = None
            if lines:
                item.add_report_section("call", CONSOLE_SECTION, "\n".join(lines))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        if self.trace_mode != "off" and call.excinfo is not None and call.when == "call":
            _add_location_note(call.excinfo.value)  # before the report is built, so the traceback shows it
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is not None and report.failed and self._compile_error_once(item, report, call.excinfo.value):
            return
        if self.trace_mode == "off" or call.excinfo is None or report.when != "call":
            return
        trace = _trace_of(call.excinfo.value)
        if trace is not None:
            report.sections.append((TRACE_SECTION, trace.format(full=self.trace_mode == "full")))


#: The console lines of the test running now (a hypothesis example starts them afresh).
_CURRENT: list[str] | None = None


def example_started() -> None:
    """A new hypothesis example begins: the lines kept for the report are its own (the last run is the failing one)."""
    if _CURRENT is not None:
        _CURRENT.clear()


def _compile_error_of(exc: BaseException | None) -> BaseException | None:
    from sandbox.errors import CompileError

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, CompileError):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


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


def _add_location_note(exc: BaseException) -> None:
    """``raised by Callee.check at contracts/Logger.sol:74:27: <line>`` on a failing revert (once)."""
    trace = _trace_of(exc)
    if trace is None:
        return
    innermost = trace.innermost_failure()
    where = innermost.location if innermost is not None else None
    if where is None:
        return
    name = f"{innermost.contract}.{innermost.function}" if innermost.contract else "the contract"
    note = f"raised by {name} at {where}: {where.text}"
    target = exc if getattr(exc, "trace", None) is trace else (exc.__cause__ or exc.__context__ or exc)
    if note not in getattr(target, "__notes__", []):
        target.add_note(note)
