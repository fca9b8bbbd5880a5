"""What the pytest plugin shows of a failing contract test: console.log, the call trace, and little else.

Runs sample suites through pytester on the inspection project
(tests/testing/data/inspect) on py-evm, which records both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

INSPECT = Path(__file__).resolve().parent / "data" / "inspect"
#: Lines of pytest's output after its header (the header's lines are pytest's and its plugins': the
#: pinned pytest-asyncio added one, which failed these counts on CI) for one test failing on a nested
#: revert (measured: 23 with --tb=short, of which 3 are the traceback; --tb=auto adds the test's source).
MAX_LINES = 26


def reported(result: pytest.RunResult) -> list[str]:
    """pytest's output from the first line after ``collected N items`` on: what the sandbox shapes."""
    lines = result.stdout.lines
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("collected ")), 0)
    return lines[start:]


@pytest.fixture(autouse=True)
def _as_a_user_sees_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Measure the report a user's terminal shows: pytest prints whole multi-line messages in its
    short summary when it thinks it runs on CI (the variables CI or BUILD_NUMBER), which made
    these counts depend on where the suite runs (44 lines instead of 34 on the project's CI)."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)

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
    lines = reported(result)
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


COVERED = """
        def test_some(sandbox):
            alice = sandbox.accounts.alice
            logger = sandbox.deploy("Logger", sandbox.deploy("Callee", sender=alice), sender=alice)
            logger.work(2, sender=alice)
            logger.fail(3, sender=alice)  # Callee.check's `if (x > 5) revert` falls through: one of its two outcomes
        """


def test_coverage_summary_and_lcov(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nsandbox_project = {INSPECT}\n")
    pytester.makepyfile(test_cov=COVERED)
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


#: A failing hypothesis test on py-evm, pytest's output after its header with --tb=short (measured: 28
#: lines; the console section keeps the failing example's line alone, not one per example tried). It
#: reports in about 2 s (1.7 s measured inside pytester): the explain phase is off.
MAX_HYPOTHESIS_LINES = 30
#: Fifteen tests hitting one compile error, after pytest's header (measured: 56 lines: the error once with
#: its source line, two lines for each other test and one in the summary; the issue measured 1,335 before).
MAX_COMPILE_ERROR_LINES = 58

PROPERTY = """
import pytest
from hypothesis import given, strategies as st


@pytest.fixture(scope="module")
def logger(sandbox):
    alice = sandbox.accounts.alice
    return sandbox.deploy("Logger", sandbox.deploy("Callee", sender=alice), sender=alice)


@given(x=st.integers(min_value=0, max_value=1000))
def test_fail_never_reverts(sandbox, logger, x):
    logger.fail(x, sender=sandbox.accounts.alice)
"""


def test_a_failing_hypothesis_test_is_short(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nsandbox_project = {INSPECT}\n")
    pytester.makepyfile(test_prop=PROPERTY)
    result = pytester.runpytest("--sandbox-backend", "pyevm", "--tb=short", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    lines = reported(result)
    assert len(lines) <= MAX_HYPOTHESIS_LINES, "\n".join(lines)
    assert not [line for line in lines if "/sandbox/" in line], "\n".join(lines)  # no library frame (isolated_example is hidden)
    result.stdout.fnmatch_lines(["*x=6,*", "*raised by Callee.check at contracts/Logger.sol:74:27*", "*- Captured console.log call -*"])
    assert lines.count("about to fail") == 1  # the failing example's line, not every example's


def test_a_compile_error_is_reported_once(pytester: pytest.Pytester) -> None:
    (pytester.path / "contracts").mkdir()
    (pytester.path / "contracts" / "A.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n\ncontract A {\n    uint256 public x;\n\n"
        "    function set(uint256 v) external {\n        x = v\n    }\n}\n"
    )
    pytester.makeini(f"[pytest]\nsandbox_project = {pytester.path}\n")
    pytester.makepyfile(test_many="".join(f"def test_{i}(sandbox):\n    sandbox.deploy('A', sender=sandbox.accounts.alice)\n\n" for i in range(15)))
    result = pytester.runpytest("--sandbox-backend", "pyevm", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=15)
    lines = reported(result)
    assert len(lines) <= MAX_COMPILE_ERROR_LINES, "\n".join(lines)
    assert sum("ParserError: Expected ';' but got '}'" in line for line in lines) == 1
    assert sum("the same compile error as test_many.py::test_0" in line for line in lines) == 14
    assert not [line for line in lines if "/sandbox/" in line or "Traceback" in line], "\n".join(lines)


def test_a_failed_compile_is_not_run_again_until_a_source_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sandbox.project.compiler as compiler
    from sandbox.errors import CompileError
    from sandbox.project.config import Project

    (tmp_path / "contracts").mkdir()
    source = tmp_path / "contracts" / "A.sol"
    source.write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract A { uint256 x = }\n")
    runs: list[int] = []
    real = compiler._run_solc

    def counted(*args: object) -> object:
        runs.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(compiler, "_run_solc", counted)
    project = Project.load(tmp_path)
    for _ in range(3):
        with pytest.raises(CompileError, match="A.sol:3"):
            compiler.compile_project(project)
    assert len(runs) == 1
    source.write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract A { uint256 x = 1; }\n")
    assert "A" in compiler.compile_project(project).artifacts and len(runs) == 2


def test_coverage_on_revm_is_py_evms(pytester: pytest.Pytester) -> None:
    """The same test on revm (traced) gives the same lcov report as on py-evm, and the summary says what it cost."""
    pytester.makeini(f"[pytest]\nsandbox_project = {INSPECT}\n")
    pytester.makepyfile(test_cov=COVERED)
    assert pytester.runpytest("--sandbox-backend", "pyevm", "--sandbox-coverage").ret == 0
    on_pyevm = (pytester.path / "coverage" / "lcov.info").read_text()
    result = pytester.runpytest("--sandbox-backend", "revm", "--sandbox-coverage")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*Solidity coverage (lines and branches, revm)*", "on revm every transaction ran through*",
                                 "total * 81 * 33 * 40.7% * 8 * 1 * 12.5%"])
    assert (pytester.path / "coverage" / "lcov.info").read_text() == on_pyevm
