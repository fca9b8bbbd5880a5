"""eth_sendTransaction with a nonce ahead of the sender's: queued until the gap closes, on anvil and on the node (both engines).

ethers and viem pass explicit nonces when they send several transactions
at once; anvil keeps one whose nonce is ahead in its queued pool and mines
it once the nonces before it arrive. The node did the same for raw
transactions only and refused a dev account's, then an impersonated one's
(anvil_impersonateAccount, hardhat_impersonateAccount,
anvil_autoImpersonateAccount): nobody's key signs those, anvil queues them all.
"""

from __future__ import annotations

import hashlib
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


def send(w3: Web3, sender: str, nonce: int, gwei: int, value: int = 1) -> str:
    tx = {"from": sender, "to": SINK, "value": hex(value), "gas": hex(21000), "gasPrice": hex(gwei * GWEI), "nonce": hex(nonce)}
    return str(result(w3, "eth_sendTransaction", tx))


def send_as(w3: Web3, who: str, nonce: int, gwei: int) -> str:
    """``send`` from an impersonated address, with a value of its own: the node's stand-in signature does not
    depend on the sender, so two impersonated senders' identical transactions would share a hash (see the report)."""
    return send(w3, who, nonce, gwei, value=int(who[2:10], 16))


#: How a test makes an address send without its key: the method and its parameter.
IMPERSONATE = {"anvil_impersonateAccount": lambda who: who, "hardhat_impersonateAccount": lambda who: who,
               "anvil_autoImpersonateAccount": lambda who: True}
STOP = {"anvil_impersonateAccount": ("anvil_stopImpersonatingAccount", lambda who: who),
        "hardhat_impersonateAccount": ("hardhat_stopImpersonatingAccount", lambda who: who),
        "anvil_autoImpersonateAccount": ("anvil_autoImpersonateAccount", lambda who: False)}


@pytest.fixture(params=list(IMPERSONATE))
def impersonated(request: pytest.FixtureRequest, clean_pool: Web3) -> Iterator[str]:
    """A funded address nobody holds the key of, impersonated in one of the three ways (a fresh one per test)."""
    w3 = clean_pool
    who = "0x" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:40]  # fresh per test id: its nonce starts at 0
    result(w3, "anvil_setBalance", who, hex(10**20))
    impersonate(w3, request.param, who)
    yield who
    stop_impersonating(w3, request.param, who)


def impersonate(w3: Web3, how: str, who: str) -> None:
    result(w3, how, IMPERSONATE[how](who))


def stop_impersonating(w3: Web3, how: str, who: str) -> None:
    stop, arg = STOP[how]
    result(w3, stop, arg(who))


def test_an_impersonated_nonce_ahead_waits_in_the_queue_and_is_mined_when_the_gap_closes(clean_pool: Web3, impersonated: str) -> None:
    w3, who = clean_pool, impersonated
    later = send_as(w3, who, 1, 5)
    assert result(w3, "txpool_status") == {"pending": "0x0", "queued": "0x1"}
    assert result(w3, "eth_getTransactionReceipt", later) is None
    queued = result(w3, "txpool_content")["queued"][who.lower()]["1"]
    assert queued["hash"] == later and queued["from"].lower() == who.lower() and int(queued["nonce"], 16) == 1

    first = send_as(w3, who, 0, 5)  # automine: the gap closes, both are mined
    receipts = [result(w3, "eth_getTransactionReceipt", h) for h in (first, later)]
    assert all(r is not None and r["status"] == "0x1" and r["from"].lower() == who.lower() for r in receipts), receipts
    assert receipts[1]["transactionHash"] == later
    mined = result(w3, "eth_getTransactionByHash", later)
    assert mined["from"].lower() == who.lower() and int(mined["nonce"], 16) == 1 and int(mined["gasPrice"], 16) == 5 * GWEI
    assert int(result(w3, "eth_getTransactionCount", who, "latest"), 16) == 2
    assert result(w3, "txpool_status") == {"pending": "0x0", "queued": "0x0"}


def test_an_impersonated_queued_transaction_keeps_its_fees_gas_and_hash(clean_pool: Web3, impersonated: str) -> None:
    """EIP-1559 fees and no gas (estimated when it is sent, as anvil does); the hash answered is the mined one's."""
    w3, who = clean_pool, impersonated
    tx = {"from": who, "to": SINK, "value": hex(int(who[2:10], 16)), "data": "0x", "maxFeePerGas": hex(50 * GWEI), "maxPriorityFeePerGas": hex(2 * GWEI)}
    later = str(result(w3, "eth_sendTransaction", dict(tx, nonce="0x1")))
    queued = result(w3, "txpool_content")["queued"][who.lower()]["1"]
    assert queued["hash"] == later and int(queued["maxFeePerGas"], 16) == 50 * GWEI and int(queued["gas"], 16) == 21000
    result(w3, "eth_sendTransaction", dict(tx, nonce="0x0"))
    receipt = result(w3, "eth_getTransactionReceipt", later)
    assert receipt is not None and receipt["status"] == "0x1" and receipt["type"] == "0x2"
    mined = result(w3, "eth_getTransactionByHash", later)
    assert (int(mined["maxFeePerGas"], 16), int(mined["maxPriorityFeePerGas"], 16), int(mined["value"], 16)) == (50 * GWEI, 2 * GWEI, int(who[2:10], 16))


def test_an_impersonated_transaction_queued_stays_queued_when_impersonation_stops(
        clean_pool: Web3, impersonated: str, request: pytest.FixtureRequest) -> None:
    """Measured on anvil 1.7.1: it was accepted as the sender's, so it is mined once the gap closes (impersonated again to send nonce 0)."""
    w3, who, how = clean_pool, impersonated, request.node.callspec.params["impersonated"]
    later = send_as(w3, who, 1, 5)
    stop_impersonating(w3, how, who)
    assert result(w3, "txpool_status") == {"pending": "0x0", "queued": "0x1"}
    impersonate(w3, how, who)
    send_as(w3, who, 0, 5)
    receipt = result(w3, "eth_getTransactionReceipt", later)
    assert receipt is not None and receipt["status"] == "0x1"
    assert int(result(w3, "eth_getTransactionCount", who, "latest"), 16) == 2


def test_anvil_drop_transaction_and_a_queued_one(clean_pool: Web3, server: Server) -> None:
    """anvil 1.7.1's anvil_dropTransaction leaves a queued transaction queued (null, a dev account's too); the node drops it."""
    w3 = clean_pool
    sender = w3.eth.accounts[6]
    nonce = int(result(w3, "eth_getTransactionCount", sender, "pending"), 16)
    later = send(w3, sender, nonce + 1, 5)
    if server.is_anvil:
        assert result(w3, "anvil_dropTransaction", later) is None
        assert result(w3, "txpool_status") == {"pending": "0x0", "queued": "0x1"}
        return
    assert result(w3, "anvil_dropTransaction", later) == later
    assert result(w3, "txpool_status") == {"pending": "0x0", "queued": "0x0"}
    send(w3, sender, nonce, 5)
    assert result(w3, "eth_getTransactionReceipt", later) is None
    assert int(result(w3, "eth_getTransactionCount", sender, "latest"), 16) == nonce + 1


def test_sign_transaction_takes_a_lowercase_to(w3: Web3) -> None:
    """What the queue signs with (and eth_signTransaction): a lowercase ``to``, as viem sends it, is signed, not refused."""
    from eth_account import Account as EthAccount

    sender = w3.eth.accounts[6]
    raw = result(w3, "eth_signTransaction", {"from": sender, "to": SINK, "value": "0x1", "gas": hex(21000), "gasPrice": hex(GWEI), "nonce": "0x0"})
    assert EthAccount.recover_transaction(raw) == sender


def test_an_impersonated_queued_transaction_takes_its_fee_place_once_ready(clean_pool: Web3, impersonated: str) -> None:
    """Manual mining, as the dev accounts' case: a1 (40 gwei) queued, a0 (3 gwei), then b (20 gwei): b, a0, a1."""
    w3, who = clean_pool, impersonated
    result(w3, "evm_setAutomine", False)
    b = w3.eth.accounts[7]
    nb = int(result(w3, "eth_getTransactionCount", b, "pending"), 16)
    names = {send_as(w3, who, 1, 40): "a1", send_as(w3, who, 0, 3): "a0", send(w3, b, nb, 20): "b"}
    assert result(w3, "txpool_status") == {"pending": "0x3", "queued": "0x0"}
    result(w3, "evm_mine")
    block = result(w3, "eth_getBlockByNumber", "latest", False)
    assert [names[h] for h in block["transactions"]] == ["b", "a0", "a1"]


@pytest.mark.parametrize("fees", [{"gasPrice": hex(7 * GWEI)}, {"maxFeePerGas": hex(9 * GWEI), "maxPriorityFeePerGas": hex(GWEI)}],
                         ids=["type1", "type2"])
def test_an_impersonated_queued_transaction_with_an_access_list(clean_pool: Web3, impersonated: str, fees: dict[str, str]) -> None:
    """An access list (type 1 with a gas price, type 2 with fees) is queued and mined under the hash answered."""
    w3, who = clean_pool, impersonated
    access = [{"address": SINK, "storageKeys": ["0x" + "00" * 31 + "01"]}]
    tx = {"from": who, "to": SINK, "value": hex(int(who[2:10], 16)), "gas": hex(30000), "accessList": access, **fees}
    later = str(result(w3, "eth_sendTransaction", dict(tx, nonce="0x1")))
    result(w3, "eth_sendTransaction", dict(tx, nonce="0x0"))
    receipt = result(w3, "eth_getTransactionReceipt", later)
    assert receipt is not None and receipt["status"] == "0x1"
    mined = result(w3, "eth_getTransactionByHash", later)
    assert mined["accessList"][0]["address"].lower() == SINK and int(mined["nonce"], 16) == 1
