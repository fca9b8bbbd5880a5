"""Servers for the node tests: ``sandbox node`` on each engine and a real anvil, one of each per session.

Each node runs in this process (:class:`BackgroundServer`) on a workshop
whose state file lives in a temporary folder; anvil is the npm binary
(:class:`sandbox.chain.anvil.Anvil`) with its default mining rules. Tests
take the ``server`` fixture (parametrized ``anvil``, ``node-pyevm``,
``node-revm``) and talk to ``server.url`` as any client would.

The conformance suites (``test_conformance.py``, ``test_conformance_async.py``) run anvil first: a test's
anvil outcome is its baseline, see :func:`pytest_runtest_makereport`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVERS = ("anvil", "node-pyevm", "node-revm")
_SERVER_ID = re.compile(r"\b(anvil|node-pyevm|node-revm)\b")


@dataclass
class Server:
    """One JSON-RPC server under test."""

    name: str
    url: str
    workshop: Any = None  # the node's Workshop (None for anvil)

    @property
    def is_anvil(self) -> bool:
        return self.name == "anvil"


def start_server(name: str, tmp: Path) -> Iterator[Server]:
    """A running server called ``name`` (one of :data:`SERVERS`)."""
    if name == "anvil":
        from sandbox.chain.anvil import Anvil

        with Anvil(block_interval=None) as anvil:
            yield Server(name, anvil.url)
        return
    from sandbox.node.server import BackgroundServer, create_app
    from sandbox.workshop.session import Workshop

    ws = Workshop(REPO, state=tmp / f"{name}.db", backend=name.removeprefix("node-"))
    with BackgroundServer(create_app(ws)) as node:
        yield Server(name, node.url, ws)


@pytest.fixture(scope="session", params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Each server once per session: anvil, then the node on py-evm, then on revm."""
    yield from start_server(request.param, tmp_path_factory.mktemp(request.param))


# -- the anvil baseline ----------------------------------------------------------------

#: Conformance outcome on anvil, by test id with the server left out.
_BASELINE: dict[str, str] = {}


#: Why a test failed on anvil (the first line of its error), by the same key: the listing says why, run by run.
_WHY: dict[str, str] = {}


def _why(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = str(getattr(crash, "message", "") or report.longrepr or "").strip().splitlines()
    return (message[0] if message else "failed")[:200]


def baseline_key(nodeid: str) -> str:
    return _SERVER_ID.sub("SERVER", nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """In the conformance suite, anvil sets the bar and the node must clear it.

    On anvil a failure is recorded and reported as xfail (the baseline is
    not under test). On the node a failure is reported as xfail when the
    same test failed on anvil too, or when it is listed in the module's
    ``KNOWN_DIFFERENCES`` (by test name, or ``name[node-revm]`` for one
    engine, with why); any other failure stays a failure.
    """
    report = yield
    module = getattr(item, "module", None)
    known: dict[str, str] | None = getattr(module, "KNOWN_DIFFERENCES", None)
    match = _SERVER_ID.search(item.nodeid)
    if known is None or match is None or report.when == "teardown":
        return report
    key, name = baseline_key(item.nodeid), match.group(1)
    test_name = getattr(item, "originalname", item.name)
    if name == "anvil":
        if report.failed or _BASELINE.get(key) == "failed":
            _BASELINE[key] = "failed"
        elif report.when == "call":
            _BASELINE[key] = report.outcome
        if report.failed:
            _WHY[key] = _why(report)
            report.outcome, report.wasxfail = "skipped", f"fails on anvil (baseline): {_WHY[key]}"  # type: ignore[assignment]
        return report
    if report.failed:
        reason = known.get(f"{test_name}[{name}]", known.get(test_name))
        if reason is not None:
            report.outcome, report.wasxfail = "skipped", f"known difference: {reason}"  # type: ignore[assignment]
        elif _BASELINE.get(key) == "failed":
            report.outcome, report.wasxfail = "skipped", f"fails on anvil too: {_WHY.get(key, '?')}"  # type: ignore[assignment]
        elif key not in _BASELINE:
            report.longrepr = f"{report.longrepr}\n(no anvil baseline for this test in this run: run the anvil case too)"  # type: ignore[assignment]
    return report


#: Raw outcome of every conformance test per suite file and server (before the baseline rewrites it), for the summary.
_OUTCOMES: dict[str, dict[str, dict[str, str]]] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    match = _SERVER_ID.search(report.nodeid)
    suite = report.nodeid.split("::")[0].rsplit("/", 1)[-1]
    if match is None or not suite.startswith("test_conformance") or report.when == "teardown":
        return
    seen = _OUTCOMES.setdefault(suite, {}).setdefault(match.group(1), {})
    key = baseline_key(report.nodeid)
    failed = report.failed or hasattr(report, "wasxfail")
    if failed or seen.get(key) == "failed":
        seen[key] = "failed"
    elif report.when == "call" or report.skipped:
        seen[key] = report.outcome


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for suite, by_server in sorted(_OUTCOMES.items()):
        terminalreporter.section(f"web3.py conformance ({suite}): passed / failed per server")
        for name in SERVERS:
            seen = list(by_server.get(name, {}).values())
            if seen:
                terminalreporter.write_line(f"{name:12} {seen.count('passed'):4} passed {seen.count('failed'):4} failed "
                                            f"{seen.count('skipped'):3} skipped  ({len(seen)} tests)")
