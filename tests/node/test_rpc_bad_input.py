"""The JSON-RPC side of issue 17's bad-input battery, as a table: each request, the error it gets, and the chain unchanged.

Every row is sent to `sandbox node`'s handler over HTTP on a saved workshop
chain; the answer must be a JSON-RPC error object with the code and the words
given, and the store's digest (everything it holds) must be what it was. The
HTTP layer's own rows (depth, size, non-finite ids) are tests/node/test_http.py;
the web form and CLI rows are tests/web/test_web_bad_input.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account

from sandbox.node.server import BackgroundServer, create_app
from sandbox.workshop import collection
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def signed_for(chain_id: int) -> str:
    tx = {"to": ALICE, "value": 1, "gas": 21_000, "gasPrice": 10**10, "nonce": 0, "chainId": chain_id}
    return "0x" + Account.sign_transaction(tx, BOB_KEY).raw_transaction.hex()


#: (id, method, params, JSON-RPC error code, words the message must hold)
CASES: list[tuple[str, str, list[Any], int, str]] = [
    ("raw-tx-mainnet", "eth_sendRawTransaction", [signed_for(1)], -32000, "signed for chain id 1, this chain is 31337 (EIP-155)"),
    ("raw-tx-1337", "eth_sendRawTransaction", [signed_for(1337)], -32000, "signed for chain id 1337, this chain is 31337"),
    ("raw-tx-garbage", "eth_sendRawTransaction", ["0xdeadbeef"], -32602, "is not a signed transaction"),
    ("increase-time-2^256", "evm_increaseTime", [2**256], -32602, "seconds 0x1" + "0" * 64 + " is over the largest allowed"),
    ("next-timestamp-2^64", "evm_setNextBlockTimestamp", [2**64], -32602, "timestamp 18446744073709551616 is after 9999-12-31"),
    ("fee-history-percentiles-not-a-list", "eth_feeHistory", ["0x1", "latest", "50"], -32602, "rewardPercentiles must be a list"),
    ("fee-history-percentiles-out-of-order", "eth_feeHistory", ["0x1", "latest", [90, 10]], -32602, "ascending order, got [90, 10]"),
    ("balance-bad-address", "eth_getBalance", ["0x123", "latest"], -32602, "20-byte 0x address, got '0x123'"),
    ("storage-slot-over-32-bytes", "eth_getStorageAt", [ALICE, "0x" + "1" * 65, "latest"], -32602, "is over the largest allowed"),
    ("set-balance-negative", "anvil_setBalance", [BOB, "-0x1"], -32602, "hex quantity like 0x1a, got '-0x1'"),
    ("set-balance-over-256-bits", "anvil_setBalance", [BOB, hex(2**256)], -32602, "balance 0x1" + "0" * 64 + " is over"),
    ("send-from-a-stranger", "eth_sendTransaction", [{"from": "0x" + "12" * 20, "to": BOB, "value": "0x1"}], -32000,
     "the node signs only for its dev accounts"),
    ("unknown-method", "eth_doesNotExist", [], -32601, "method 'eth_doesNotExist' is not supported"),
    ("params-not-a-list", "eth_getBalance", {"address": BOB}, -32602, "params must be an array"),
]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Workshop]]:
    state = tmp_path_factory.mktemp("rpc-battery") / "chain.db"
    ws = Workshop(REPO, state=state)
    with ws.session(write=True) as sb:
        collection.mint(ws, sb, to="bob", name="Before the battery")
    with BackgroundServer(create_app(ws)) as server:
        yield server.url, ws


def ask(url: str, body: Any) -> Any:
    reply = httpx.post(url, content=json.dumps(body), headers={"content-type": "application/json"}, timeout=60)
    assert reply.status_code == 200, reply.text  # never a 500: errors are JSON-RPC error objects
    return reply.json()


@pytest.mark.parametrize(("method", "params", "code", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_bad_request_is_a_clean_error_and_changes_nothing(node: tuple[str, Workshop], method: str, params: Any, code: int,
                                                              words: str) -> None:
    url, ws = node
    before = ws.store.digest()
    head = ask(url, {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []})["result"]
    answer = ask(url, {"jsonrpc": "2.0", "id": 2, "method": method, "params": params})
    assert "result" not in answer, answer
    assert answer["error"]["code"] == code, answer
    assert words in answer["error"]["message"], answer
    assert ask(url, {"jsonrpc": "2.0", "id": 3, "method": "eth_blockNumber", "params": []})["result"] == head
    assert ws.store.digest() == before


def test_a_batch_over_the_limit_is_refused_whole(node: tuple[str, Workshop]) -> None:
    url, ws = node
    before = ws.store.digest()
    send = {"jsonrpc": "2.0", "method": "eth_sendTransaction", "params": [{"from": ALICE, "to": BOB, "value": "0x1"}]}
    answer = ask(url, [dict(send, id=i) for i in range(1001)])
    assert answer["error"]["code"] == -32600 and "1001 requests is over the limit of 1000" in answer["error"]["message"]
    assert ws.store.digest() == before


def test_the_node_refuses_to_sign_with_dev_keys_on_a_store_edited_to_mainnet(tmp_path: Path) -> None:
    """The state file edited to chain id 1: the node must not sign with alice's public key there (the CLI and API refuse too)."""
    import sqlite3

    state = tmp_path / "chain.db"
    ws = Workshop(REPO, state=state)
    with ws.session(write=True) as sb:
        collection.mint(ws, sb, to="bob", name="Soon on mainnet")
    ws.store.close()
    with sqlite3.connect(state) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'chain_id'")
    edited = Workshop(REPO, state=state)
    with BackgroundServer(create_app(edited)) as server:
        before = edited.store.digest()
        answer = ask(server.url, {"jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction",
                                  "params": [{"from": ALICE, "to": BOB, "value": "0x1"}]})
        assert answer["error"]["code"] == -32000 and "chain id 1" in answer["error"]["message"], answer
        assert edited.store.digest() == before
