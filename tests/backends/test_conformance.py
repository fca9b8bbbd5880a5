"""eth-tester's own backend conformance suite, run against the revm backend.

``BaseTestBackendDirect`` is the suite eth-tester runs against its
PyEVMBackend (accounts, fee history, mining, raw/legacy/access-list/dynamic-fee
transactions, auto-mine on and off, blocks by number and hash, receipts and
effective gas prices, calls at past blocks, gas estimates, revert reasons,
snapshots, filters, logs, time travel). Here it drives
:class:`sandbox.backends.revm.RevmBackend` through a plain ``EthereumTester``.

Skipped tests: none. Every test of the suite runs and passes.
"""

from __future__ import annotations

import pytest
from eth_tester import EthereumTester
from eth_tester.utils.backend_testing import BaseTestBackendDirect

from sandbox.backends.revm import RevmBackend


@pytest.fixture
def eth_tester() -> EthereumTester:
    return EthereumTester(backend=RevmBackend())


class TestRevmBackendDirect(BaseTestBackendDirect):  # type: ignore[misc]
    """All of eth-tester's backend tests, unchanged, on revm."""


def test_the_whole_suite_is_collected() -> None:
    """Guard against the suite silently shrinking (e.g. an eth-tester upgrade renaming it)."""
    tests = [name for name in dir(TestRevmBackendDirect) if name.startswith("test_")]
    assert len(tests) >= 70
