"""eth_sendTransaction with a nonce ahead of the sender's: queued until the gap closes, on anvil and on the node (both engines).

ethers and viem pass explicit nonces when they send several transactions
at once; anvil keeps one whose nonce is ahead in its queued pool and mines
it once the nonces before it arrive. The node did the same for raw
transactions only and refused a dev account's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import HTTPProvider, Web3

from tests.node.conftest import Server
from tests.node.test_methods import result

GWEI = 10**9
SINK = "0x00000000000000000000000000000000000ab5e1"


@pytest.fixture(scope="module")
def w3(server: Server) -> Web3:
    return Web3(HTTPProvider(server.url, request_kwargs={"timeout": 60}))


@pytest.fixture
def clean_pool(w3: Web3) -> Iterator[Web3]:
    result(w3, "anvil_dropAllTransactions")
    yield w3
    result(w3, "anvil_dropAllTransactions")
    result(w3, "evm_setAutomine", True)


def send(w3: Web3, sender: str, nonce: int, gwei: int) -> str:
    tx = {"from": sender, "to": SINK, "value": "0x1", "gas": hex(21000), "gasPrice": hex(gwei * GWEI), "nonce": hex(nonce)}
    return str(result(w3, "eth_sendTransaction", tx))


def test_a_nonce_ahead_waits_in_the_queue_and_is_mined_when_the_gap_closes(clean_pool: Web3) -> None:
    w3 = clean_pool
    sender = w3.eth.accounts[6]
    nonce = int(result(w3, "eth_getTransactionCount", sender, "pending"), 16)
    later = send(w3, sender, nonce + 1, 5)
    assert result(w3, "txpool_status") == {"pending": "0x0", "queued": "0x1"}
    assert result(w3, "eth_getTransactionReceipt", later) is None
    queued = result(w3, "txpool_content")["queued"][sender.lower()][str(nonce + 1)]
    assert queued["hash"] == later and int(queued["nonce"], 16) == nonce + 1

    first = send(w3, sender, nonce, 5)  # automine: the gap closes, both are mined
    receipts = [result(w3, "eth_getTransactionReceipt", h) for h in (first, later)]
    assert all(r is not None and r["status"] == "0x1" for r in receipts)
    assert int(receipts[0]["blockNumber"], 16) <= int(receipts[1]["blockNumber"], 16)
    assert int(result(w3, "eth_getTransactionCount", sender, "latest"), 16) == nonce + 2
    assert result(w3, "txpool_status") == {"pending": "0x0", "queued": "0x0"}


def test_a_queued_transaction_takes_its_fee_place_once_ready(clean_pool: Web3) -> None:
    """Manual mining: a1 (40 gwei) queued first, then a0 (3 gwei), then b (20 gwei): b, a0, a1 (a1 waits for a0)."""
    w3 = clean_pool
    result(w3, "evm_setAutomine", False)
    a, b = w3.eth.accounts[6], w3.eth.accounts[7]
    na, nb = (int(result(w3, "eth_getTransactionCount", x, "pending"), 16) for x in (a, b))
    names = {send(w3, a, na + 1, 40): "a1", send(w3, a, na, 3): "a0", send(w3, b, nb, 20): "b"}
    result(w3, "evm_mine")
    block = result(w3, "eth_getBlockByNumber", "latest", False)
    assert [names[h] for h in block["transactions"]] == ["b", "a0", "a1"]


def test_sign_transaction_takes_a_lowercase_to(w3: Web3) -> None:
    """What the queue signs with (and eth_signTransaction): a lowercase ``to``, as viem sends it, is signed, not refused."""
    from eth_account import Account as EthAccount

    sender = w3.eth.accounts[6]
    raw = result(w3, "eth_signTransaction", {"from": sender, "to": SINK, "value": "0x1", "gas": hex(21000), "gasPrice": hex(GWEI), "nonce": "0x0"})
    assert EthAccount.recover_transaction(raw) == sender
