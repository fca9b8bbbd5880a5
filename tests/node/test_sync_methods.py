"""eth_sendTransactionSync (anvil's) and eth_sendRawTransactionSync (EIP-7966): on anvil and on the node (both engines).

Each answers with the receipt eth_getTransactionReceipt gives. The node-only checks are what anvil 1.7.1 does
differently or not at all: a timeout parameter, code 4 with the hash when a block does not come in time (anvil
waits 30 s and names no hash), code 6 with the expected nonce for a nonce gap (anvil queues it and times out).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from web3 import HTTPProvider, Web3

from tests.node.conftest import Server
from tests.node.test_http import post
from tests.node.test_methods import ALICE, BOB, rpc

SINK = "0x00000000000000000000000000000000000005C1"


@pytest.fixture(scope="module")
def w3(server: Server) -> Web3:
    return Web3(HTTPProvider(server.url, request_kwargs={"timeout": 60}))


def test_send_transaction_sync_answers_with_the_mined_receipt(w3: Web3) -> None:
    before = w3.eth.get_balance(SINK)
    reply = rpc(w3, "eth_sendTransactionSync", {"from": ALICE, "to": SINK, "value": "0x7"})
    assert "error" not in reply, reply
    receipt = reply["result"]
    assert receipt["status"] == "0x1" and receipt["from"].lower() == ALICE.lower()
    assert rpc(w3, "eth_getTransactionReceipt", receipt["transactionHash"])["result"] == receipt
    assert w3.eth.get_balance(SINK) == before + 7


def test_send_raw_transaction_sync_answers_with_the_mined_receipt(w3: Web3) -> None:
    signed = rpc(w3, "eth_signTransaction", {"from": BOB, "to": SINK, "value": "0x3", "gas": "0x5208",
                                              "nonce": hex(w3.eth.get_transaction_count(BOB, "pending"))})["result"]
    reply = rpc(w3, "eth_sendRawTransactionSync", signed)
    assert "error" not in reply, reply
    assert reply["result"]["status"] == "0x1"
    assert rpc(w3, "eth_getTransactionReceipt", reply["result"]["transactionHash"])["result"] == reply["result"]


def test_a_bad_raw_transaction_is_refused_at_once(w3: Web3) -> None:
    reply = rpc(w3, "eth_sendRawTransactionSync", "0x1234")
    assert reply["error"]["code"] == -32602


@pytest.fixture
def manual(w3: Web3, server: Server) -> Iterator[Web3]:
    if server.is_anvil:
        pytest.skip("node-only: anvil 1.7.1 takes no timeout and waits its own 30 s")
    assert "error" not in rpc(w3, "evm_setAutomine", False)
    yield w3
    rpc(w3, "evm_setAutomine", True)


def test_without_a_block_in_time_it_fails_with_code_4_and_the_hash_and_stays_pooled(manual: Web3) -> None:
    start = time.monotonic()
    reply = rpc(manual, "eth_sendTransactionSync", {"from": ALICE, "to": SINK, "value": "0x1"}, 300)
    assert 0.3 <= time.monotonic() - start < 5
    error = reply["error"]
    assert error["code"] == 4 and "not mined within 300 ms" in error["message"] and error["data"].startswith("0x")
    assert rpc(manual, "eth_getTransactionByHash", error["data"])["result"]["blockNumber"] is None  # pending, in the pool
    rpc(manual, "evm_mine")
    assert rpc(manual, "eth_getTransactionReceipt", error["data"])["result"]["status"] == "0x1"


def test_it_waits_while_another_request_mines_the_block(manual: Web3) -> None:
    miner = threading.Timer(0.3, lambda: rpc(manual, "evm_mine"))
    miner.start()
    try:
        start = time.monotonic()
        reply = rpc(manual, "eth_sendTransactionSync", {"from": ALICE, "to": SINK, "value": "0x1"}, "0x1388")  # 5,000 ms
        waited = time.monotonic() - start
    finally:
        miner.join()
    assert reply["result"]["status"] == "0x1" and 0.25 < waited < 5  # the session was not held while it waited


def test_a_nonce_gap_is_refused_with_code_6_and_the_expected_nonce(w3: Web3, server: Server) -> None:
    if server.is_anvil:
        pytest.skip("node-only: anvil 1.7.1 queues it and times out after 30 s")
    expected = w3.eth.get_transaction_count(ALICE, "pending")
    reply = rpc(w3, "eth_sendTransactionSync", {"from": ALICE, "to": SINK, "value": "0x1", "nonce": hex(expected + 3)})
    assert reply["error"]["code"] == 6 and reply["error"]["data"] == hex(expected)
    assert rpc(w3, "txpool_status")["result"]["queued"] == "0x0"  # not queued


def test_a_foreign_page_cannot_make_the_node_sign_a_sync_send(server: Server) -> None:
    if server.is_anvil:
        pytest.skip("node-only: anvil signs for any page")
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_sendTransactionSync", "params": [{"from": ALICE, "to": SINK, "value": "0x1"}]})
    reply = post(server.url, body, origin="http://evil.example").json()
    assert reply["error"]["code"] == -32000 and "--allow-origin" in reply["error"]["message"]
