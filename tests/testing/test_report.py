"""What the pytest plugin shows of a failing contract test: console.log, the call trace, and little else.

Runs sample suites through pytester on the inspection project
(tests/testing/data/inspect) on py-evm, which records both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

INSPECT = Path(__file__).resolve().parent / "data" / "inspect"
#: Lines of pytest's whole output for one test failing on a nested revert (measured: 29 with
#: --tb=short, of which 3 are the traceback; the default --tb=auto adds the test's source).
MAX_LINES = 32

FAILING = """
from sandbox import Sandbox

def test_nested_revert(sandbox):
    alice = sandbox.accounts.alice
    callee = sandbox.deploy("Callee", sender=alice)
    logger = sandbox.deploy("Logger", callee, sender=alice)
    logger.work(2, sender=alice)
    logger.fail(9, sender=alice)
"""


@pytest.fixture
def inspect_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(f"[pytest]\nsandbox_project = {INSPECT}\n")
    pytester.makepyfile(test_sample=FAILING)
    return pytester


def test_failure_shows_console_lines_and_the_failing_path(inspect_suite: pytest.Pytester) -> None:
    result = inspect_suite.runpytest("--sandbox-backend", "pyevm", "--tb=short")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*- Captured console.log call -*",
        "work called with 2",
        "Callee.double",
        "doubled 4, over ten: false",
        "about to fail",
        "*- call trace -*",
        "*Logger.fail(x=9) ← REVERT TooBig(value=9, limit=5)",
        "*at contracts/Logger.sol:56:9: callee.check(x);",
        "*└─ *Callee.check(x=9) ?staticcall? ← REVERT TooBig(value=9, limit=5)",
        "*at contracts/Logger.sol:74:27: if (x > 5) revert TooBig(x, 5);",
    ])
    result.stdout.fnmatch_lines(["*raised by Callee.check at contracts/Logger.sol:74:27: if (x > 5) revert TooBig(x, 5);"])
    lines = result.stdout.lines
    assert len(lines) <= MAX_LINES, "\n".join(lines)
    traceback = lines[: next(i for i, line in enumerate(lines) if "console.log" in line)]
    assert not [line for line in traceback if "/sandbox/" in line], "library frames in the traceback:\n" + "\n".join(traceback)


def test_full_trace_and_live_console_lines_with_s(inspect_suite: pytest.Pytester) -> None:
    result = inspect_suite.runpytest("--sandbox-backend", "pyevm", "--sandbox-trace=full", "-s", "--tb=short")
    result.stdout.fnmatch_lines([
        "*console.log: work called with 2*",  # live, as it runs
        "*console.log: about to fail*",
        "*- call trace -*",
        "*├─ console.log: about to fail",
        "*└─ *Callee.check(x=9)*",
    ])


def test_hypothesis_explain_phase_is_off_on_pyevm(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from hypothesis import Phase, given, strategies as st

        @given(st.integers())
        def test_phases(x):
            assert Phase.explain not in test_phases._hypothesis_internal_use_settings.phases
        """
    )
    result = pytester.runpytest("--sandbox-backend", "pyevm")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*explain phase is off on py-evm*--sandbox-hypothesis-explain keeps it*"])
    kept = pytester.runpytest("--sandbox-backend", "pyevm", "--sandbox-hypothesis-explain")
    kept.assert_outcomes(failed=1)


def test_coverage_summary_and_lcov(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nsandbox_project = {INSPECT}\n")
    pytester.makepyfile(
        test_cov="""
        def test_some(sandbox):
            alice = sandbox.accounts.alice
            logger = sandbox.deploy("Logger", sandbox.deploy("Callee", sender=alice), sender=alice)
            logger.work(2, sender=alice)
            logger.fail(3, sender=alice)  # Callee.check's `if (x > 5) revert` falls through: one of its two outcomes
        """
    )
    result = pytester.runpytest("--sandbox-backend", "pyevm", "--sandbox-coverage")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*Solidity coverage (lines and branches, py-evm)*",
        "contracts/Logger.sol * 40 * 33 * 82.5% * 2 * 1 * 50.0%",
        "contracts/Proxy.sol * 19 * 0 * 0.0% * 2 * 0 * 0.0%",
        "contracts/Token.sol * 22 * 0 * 0.0% * 4 * 0 * 0.0%",
        "total * 81 * 33 * 40.7% * 8 * 1 * 12.5%",
    ])
    lcov = (pytester.path / "coverage" / "lcov.info").read_text()
    logger = lcov.split("SF:")[1]
    assert logger.startswith(f"{INSPECT.as_posix()}/contracts/Logger.sol")
    assert "DA:55,1\nDA:56,1" in logger and "DA:46,1\nDA:47,1\nDA:48,1" in logger  # fail(3) and work(2) ran
    assert "LF:40\nLH:33" in logger
    # `if (x > 5) revert TooBig(x, 5);` (line 74) with x = 3: solc's JUMPI skips the revert when the condition is
    # false, so one outcome (jumped) was seen and the other (fall through into the revert) never was
    assert "BRDA:74,0,0,1\nBRDA:74,0,1,0\nBRF:2\nBRH:1" in logger
    token = lcov.split("SF:")[3]
    assert token.count("BRDA:") == 4 and "BRDA:20,0,0,-" in token and all(b.endswith(",-") for b in token.splitlines() if b.startswith("BRDA"))
    page = (pytester.path / "coverage" / "src" / "contracts__Logger.sol.html").read_text()
    assert "<tr class='hit'><td class='n'>74</td><td class='b'>✓✗</td>" in page
    assert "contracts/Logger.sol</a>" in (pytester.path / "coverage" / "index.html").read_text()
