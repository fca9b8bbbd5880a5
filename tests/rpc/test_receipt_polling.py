"""wait_for_receipt on a node that mines late: the receipt as soon as it is there, with fewer polls once the wait is known."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox import Sandbox
from sandbox.backends.remote.backend import RemoteChainBackend
from sandbox.chain.anvil import Anvil

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def late_node(anvil: Anvil) -> Any:
    """The module's anvil with automine off (a block only when the test mines one), back on after."""
    backend = RemoteChainBackend(anvil.url)
    backend.rpc("evm_setAutomine", False)
    yield backend
    backend.rpc("evm_setAutomine", True)


def polled_wait(backend: RemoteChainBackend, tx_hash: str, mine_after: float) -> tuple[dict[str, Any], int, float]:
    """wait_for_receipt(tx_hash) while another thread mines a block after ``mine_after`` s: the receipt, polls, seconds."""
    polls = [0]
    get = backend.get_receipt

    def counted(h: str) -> Any:
        polls[0] += 1
        return get(h)

    backend.get_receipt = counted  # type: ignore[method-assign]  # the real request, counted
    miner = threading.Timer(mine_after, lambda: RemoteChainBackend(backend.url).rpc("evm_mine"))
    start = time.monotonic()
    miner.start()
    try:
        receipt = backend.wait_for_receipt(tx_hash)
    finally:
        miner.join()
        del backend.get_receipt
    return receipt, polls[0], time.monotonic() - start


def send(backend: RemoteChainBackend, sb: Sandbox) -> str:
    alice, bob = sb.accounts.alice.address, sb.accounts.bob.address
    return backend.send_transaction({"from": alice, "to": bob, "value": 1, "gas": 21_000})


def test_once_a_node_mined_two_blocks_late_the_next_wait_polls_far_less(anvil: Anvil, late_node: RemoteChainBackend) -> None:
    sb = Sandbox(REPO, rpc=anvil.url)
    first, first_polls, _ = polled_wait(late_node, send(late_node, sb), 0.25)
    polled_wait(late_node, send(late_node, sb), 0.25)  # two blocks that late: the node's pace (one alone might be an outlier)
    second_hash = send(late_node, sb)
    second, second_polls, waited = polled_wait(late_node, second_hash, 0.25)
    assert first["status"] == 1 and second["status"] == 1 and second["transaction_hash"] == second_hash
    assert first_polls > 30  # 0.5..2 ms apart (and a request each) for a quarter of a second
    assert second_polls < first_polls / 2  # most of the quarter waited out first, then polled closely
    assert waited < 0.25 + 0.1  # and the receipt still comes as soon as the block is there


def test_one_slow_block_does_not_slow_the_wait_for_a_quick_one(anvil: Anvil, late_node: RemoteChainBackend) -> None:
    sb = Sandbox(REPO, rpc=anvil.url)
    polled_wait(late_node, send(late_node, sb), 0.01)
    polled_wait(late_node, send(late_node, sb), 0.4)  # one slow block
    receipt, _, waited = polled_wait(late_node, send(late_node, sb), 0.01)
    assert receipt["status"] == 1
    assert waited < 0.15  # not 0.8 x the slow block's 0.4 s


def test_a_receipt_already_there_is_read_at_once(node_sb: Sandbox) -> None:
    backend = node_sb.chain.backend
    assert isinstance(backend, RemoteChainBackend)
    backend._mining_times = (0.3, 0.3)  # as after slow blocks
    tx_hash = send(backend, node_sb)
    deadline = time.monotonic() + 5
    while backend.get_receipt(tx_hash) is None and time.monotonic() < deadline:  # anvil may answer the send before it mined
        time.sleep(0.001)
    start = time.monotonic()
    assert backend.wait_for_receipt(tx_hash)["status"] == 1
    assert time.monotonic() - start < 0.2
