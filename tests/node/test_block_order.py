"""The order of a mined block's transactions under manual and interval mining, on anvil and on the node (both engines).

anvil (``TransactionOrder::Fees``, its default) puts the highest fee per
gas first: an EIP-1559 transaction's max fee, a legacy one's gas price (not
the tip), ties in arrival order, and each sender's transactions in nonce
order. Every case below is sent in one order and asserted in the order
anvil mines it; the anvil case of each test is the proof that the rule is
anvil's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account as EthAccount
from web3 import HTTPProvider, Web3

from tests.node.conftest import Server
from tests.node.test_methods import result

GWEI = 10**9
SINK = "0x00000000000000000000000000000000000b10c5"


@pytest.fixture(scope="module")
def w3(server: Server) -> Web3:
    return Web3(HTTPProvider(server.url, request_kwargs={"timeout": 60}))


@pytest.fixture
def manual(w3: Web3) -> Iterator[Web3]:
    """Manual mining with an empty pool; automine again afterwards."""
    result(w3, "anvil_dropAllTransactions")
    result(w3, "evm_setAutomine", False)
    yield w3
    result(w3, "evm_setIntervalMining", 0)
    result(w3, "anvil_dropAllTransactions")
    result(w3, "evm_setAutomine", True)


def send(w3: Web3, sender: int, fee: int | tuple[int, int]) -> str:
    """A transfer from dev account ``sender`` at ``fee`` gwei (legacy gas price) or ``(max fee, tip)`` gwei (EIP-1559)."""
    fees = {"gasPrice": hex(fee * GWEI)} if isinstance(fee, int) else {"maxFeePerGas": hex(fee[0] * GWEI), "maxPriorityFeePerGas": hex(fee[1] * GWEI)}
    tx = {"from": w3.eth.accounts[sender], "to": SINK, "value": "0x1", "gas": hex(21000), **fees}
    return str(result(w3, "eth_sendTransaction", tx))


def mined_order(w3: Web3, plan: list[tuple[str, int, int | tuple[int, int]]]) -> tuple[list[str], list[str]]:
    """Send ``plan`` (name, sender, fee) in its order, mine one block; the names in the pending block and in the mined block."""
    names = {send(w3, sender, fee): name for name, sender, fee in plan}
    pending = result(w3, "eth_getBlockByNumber", "pending", False)["transactions"]
    result(w3, "evm_mine")
    block = result(w3, "eth_getBlockByNumber", "latest", False)
    return [names.get(h, h) for h in pending], [names.get(h, h) for h in block["transactions"]]


def test_a_higher_fee_sent_later_is_mined_first(manual: Web3) -> None:
    pending, mined = mined_order(manual, [("low", 1, 2), ("high", 2, 30)])
    assert mined == ["high", "low"]
    assert pending == mined  # the pending block already shows the order the block will have


def test_the_max_fee_ranks_not_the_tip_and_ties_keep_arrival_order(manual: Web3) -> None:
    plan: list[tuple[str, int, int | tuple[int, int]]] = [
        ("legacy 25", 1, 25), ("max 30 tip 1", 2, (30, 1)), ("max 20 tip 19", 3, (20, 19)), ("max 30 tip 20", 4, (30, 20)), ("legacy 25 later", 5, 25),
    ]
    pending, mined = mined_order(manual, plan)
    assert mined == ["max 30 tip 1", "max 30 tip 20", "legacy 25", "legacy 25 later", "max 20 tip 19"]
    assert pending == mined


def test_a_senders_transactions_stay_in_nonce_order(manual: Web3) -> None:
    # a1 pays less than b but needs a0 first; a0 pays most
    pending, mined = mined_order(manual, [("a0", 1, 50), ("a1", 1, 5), ("b", 2, 20)])
    assert mined == ["a0", "b", "a1"]
    assert pending == mined


def test_a_later_nonce_paying_more_than_its_predecessor(manual: Web3, server: Server) -> None:
    pending, mined = mined_order(manual, [("a0", 1, 5), ("a1", 1, 50), ("b", 2, 20)])
    if server.is_anvil:
        # anvil 1.7.1 mines b and a0 and loses a1 (not in the block, not in the pool, no receipt): the node keeps it
        assert mined == ["b", "a0"] and result(manual, "txpool_status") == {"pending": "0x0", "queued": "0x0"}
    else:
        assert mined == ["b", "a0", "a1"]
        assert pending == mined


def test_interval_mining_seals_in_fee_order(manual: Web3) -> None:
    w3 = manual
    names = {send(w3, 1, 3): "low", send(w3, 2, (40, 2)): "high", send(w3, 3, 10): "middle"}
    head = int(result(w3, "eth_getBlockByNumber", "latest", False)["number"], 16)
    result(w3, "evm_setIntervalMining", 1)
    deadline = time.monotonic() + 30
    while int(result(w3, "eth_getBlockByNumber", "latest", False)["number"], 16) == head:
        assert time.monotonic() < deadline, "no block within 30 s of interval mining at 1 s"
        time.sleep(0.2)
    result(w3, "evm_setIntervalMining", 0)
    block: dict[str, Any] = result(w3, "eth_getBlockByNumber", hex(head + 1), False)
    assert [names[h] for h in block["transactions"]] == ["high", "middle", "low"]


def test_a_transaction_that_needs_a_lower_fee_one_first_is_not_lost(manual: Web3, server: Server) -> None:
    """A stranger funded in the pending block pays more than the transfer that funds it.

    anvil checks a transaction against the latest state, so it refuses the
    stranger's; the node takes it (its pending state has the funds) and,
    since fee order would run it before its funds arrive, keeps the block in
    the order that runs both.
    """
    w3 = manual
    stranger = EthAccount.create()
    fund = send_to(w3, stranger.address, 10**17, 2)
    tx = {"chainId": int(result(w3, "eth_chainId"), 16), "nonce": 0, "to": SINK, "value": 1, "gas": 21000, "gasPrice": 50 * GWEI}
    raw = "0x" + EthAccount.sign_transaction(tx, stranger.key).raw_transaction.hex()
    reply = w3.provider.make_request("eth_sendRawTransaction", [raw])  # type: ignore[arg-type]
    result(w3, "evm_mine")
    block = result(w3, "eth_getBlockByNumber", "latest", False)
    if server.is_anvil:
        assert "error" in reply and block["transactions"] == [fund]
    else:
        assert block["transactions"] == [fund, reply["result"]]


def send_to(w3: Web3, to: str, value: int, gwei: int) -> str:
    tx = {"from": w3.eth.accounts[1], "to": to, "value": hex(value), "gas": hex(21000), "gasPrice": hex(gwei * GWEI)}
    return str(result(w3, "eth_sendTransaction", tx))
