"""A session that never used hypothesis does not import it at the end; one that did keeps hypothesis's summary, under xdist too.

hypothesis's pytest plugin imports all of hypothesis in its terminal summary
(0.3-0.4 s of a 2 s suite); the plugin drops that hook when there is nothing
of hypothesis's to summarise (sandbox.testing.inspect).
"""

from __future__ import annotations

import pytest

#: Prints, as the last thing the process does, whether hypothesis was imported.
CONFTEST = """
import sys

def pytest_unconfigure(config):
    print("HYPOTHESIS IMPORTED:", "hypothesis" in sys.modules)
"""

PLAIN = """
def test_plain(sandbox):
    assert sandbox.accounts.alice.balance > 0
"""

FAILING_PROPERTY = """
from hypothesis import given, settings, strategies as st

@settings(max_examples=30, database=None)
@given(st.integers(min_value=0, max_value=100))
def test_property(n):
    assert n < 50
"""


def test_a_session_without_hypothesis_never_imports_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_plain=PLAIN)
    result = pytester.runpytest_subprocess("-q", "-s", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*HYPOTHESIS IMPORTED: False*"])


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_a_hypothesis_failure_keeps_its_statistics_and_falsifying_example(pytester: pytest.Pytester, workers: list[str]) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_prop=FAILING_PROPERTY, test_plain=PLAIN)
    result = pytester.runpytest_subprocess("-q", "-s", "--hypothesis-show-statistics", *workers)
    result.assert_outcomes(passed=1, failed=1)
    # The controller's summary (hypothesis's hook, kept): statistics of the property, from the worker under xdist.
    result.stdout.fnmatch_lines(["*Hypothesis Statistics*", "*test_property*"])
    result.stdout.fnmatch_lines(["*Failing test case: test_property(*", "*n=50,*"])
