"""The session fixture freezes what the session keeps (gc.freeze), and a test's garbage is still collected."""

from __future__ import annotations

import pytest

SUITE = """
import gc
import weakref

class Node:
    pass

def test_the_session_objects_are_frozen(sandbox):
    assert gc.get_freeze_count() > 50_000  # py-evm, web3.py, the chain (about 90,000 containers): out of the collector's sight

def test_a_cycle_made_by_a_test_is_still_collected(sandbox):
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
"""


def test_the_fixture_freezes_and_cycles_are_collected(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_frozen=SUITE)
    result = suite.runpytest_subprocess("-q", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_without_the_fixture_nothing_is_frozen(suite: pytest.Pytester) -> None:
    suite.makepyfile(test_plain="import gc\n\ndef test_plain():\n    assert gc.get_freeze_count() == 0\n")
    result = suite.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)
