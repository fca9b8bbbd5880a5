"""Mining modes, the transaction pool and block time, each test on anvil and on the node (both engines).

Automine is the default; ``evm_setAutomine(false)`` leaves transactions
pending until a mine; ``evm_setIntervalMining(n)`` mines every n seconds.
Every test puts the server back in automine (the servers are shared by the
whole session).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import rlp
from eth_account import Account as EthAccount
from eth_utils import keccak
from web3 import HTTPProvider, Web3
from web3._utils.contract_sources.contract_data._custom_contract_data import EMITTER_ENUM
from web3._utils.contract_sources.contract_data.emitter_contract import EMITTER_CONTRACT_DATA

from tests.node.conftest import Server
from tests.node.test_methods import ALICE, BOB, BOB_KEY, result, rpc

CAROL = "0x00000000000000000000000000000000000c0ffe"


@pytest.fixture(scope="module")
def w3(server: Server) -> Web3:
    return Web3(HTTPProvider(server.url, request_kwargs={"timeout": 60}))


@pytest.fixture
def manual(w3: Web3) -> Iterator[Web3]:
    """The server in manual mining with an empty pool; automine again (and an empty pool) afterwards."""
    result(w3, "anvil_dropAllTransactions")  # what earlier tests left queued (nonce gaps)
    assert result(w3, "evm_setAutomine", False) is None
    yield w3
    result(w3, "anvil_dropAllTransactions")
    result(w3, "evm_setAutomine", True)


def transfer(w3: Web3, value: int, to: str = CAROL, sender: str = ALICE) -> str:
    return str(result(w3, "eth_sendTransaction", {"from": sender, "to": to, "value": hex(value), "gas": hex(21000)}))


def raw_transfer(w3: Web3, value: int) -> str:
    """Bob signs a transfer himself (nonce: his pending count) and sends it raw."""
    base = int(result(w3, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    tx = {"chainId": int(result(w3, "eth_chainId"), 16), "nonce": int(result(w3, "eth_getTransactionCount", BOB, "pending"), 16),
          "to": CAROL, "value": value, "gas": 21000, "maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9}
    signed = EthAccount.sign_transaction(tx, BOB_KEY)
    return str(result(w3, "eth_sendRawTransaction", "0x" + signed.raw_transaction.hex()))


def latest(w3: Web3) -> dict[str, Any]:
    block: dict[str, Any] = result(w3, "eth_getBlockByNumber", "latest", False)
    return block


# -- manual mining -----------------------------------------------------------------------


def test_manual_mining_keeps_transactions_pending_until_one_block_takes_them_all(manual: Web3) -> None:
    w3 = manual
    assert result(w3, "anvil_getAutomine") is False
    head = int(latest(w3)["number"], 16)
    carol_before = int(result(w3, "eth_getBalance", CAROL, "latest"), 16)
    alice_nonce = int(result(w3, "eth_getTransactionCount", ALICE, "latest"), 16)
    hashes = [transfer(w3, 1), transfer(w3, 2), raw_transfer(w3, 4)]

    for tx_hash in hashes:
        tx = result(w3, "eth_getTransactionByHash", tx_hash)
        assert tx["hash"] == tx_hash and tx["blockNumber"] is None and tx["blockHash"] is None and tx["transactionIndex"] is None
        assert result(w3, "eth_getTransactionReceipt", tx_hash) is None
    assert int(latest(w3)["number"], 16) == head
    assert int(result(w3, "eth_getTransactionCount", ALICE, "pending"), 16) == alice_nonce + 2
    assert int(result(w3, "eth_getTransactionCount", ALICE, "latest"), 16) == alice_nonce
    assert int(result(w3, "eth_getBalance", CAROL, "pending"), 16) == carol_before + 7
    assert int(result(w3, "eth_getBalance", CAROL, "latest"), 16) == carol_before
    pending = result(w3, "eth_getBlockByNumber", "pending", False)
    # anvil orders the block by fee, the node by arrival: each sender's in nonce order either way
    assert int(pending["number"], 16) == head + 1 and sorted(pending["transactions"]) == sorted(hashes)
    assert [h for h in pending["transactions"] if h in hashes[:2]] == hashes[:2]
    assert result(w3, "txpool_status") == {"pending": "0x3", "queued": "0x0"}
    content = result(w3, "txpool_content")["pending"]
    assert sorted(content) == sorted([ALICE.lower(), BOB.lower()])
    assert [content[ALICE.lower()][str(alice_nonce + i)]["hash"] for i in range(2)] == hashes[:2]
    inspect = result(w3, "txpool_inspect")["pending"][ALICE.lower()][str(alice_nonce)]
    assert inspect.startswith(f"{CAROL.lower()}: 1 wei + 21000 gas × ")

    result(w3, "evm_mine")
    block = latest(w3)
    assert int(block["number"], 16) == head + 1 and block["transactions"] == pending["transactions"]
    receipts = [result(w3, "eth_getTransactionReceipt", h) for h in block["transactions"]]
    assert [int(r["blockNumber"], 16) for r in receipts] == [head + 1] * 3 and [int(r["transactionIndex"], 16) for r in receipts] == [0, 1, 2]
    assert int(result(w3, "eth_getBalance", CAROL, "latest"), 16) == carol_before + 7
    assert result(w3, "txpool_status") == {"pending": "0x0", "queued": "0x0"}


def test_anvil_mine_takes_the_pending_transactions_into_its_first_block(manual: Web3) -> None:
    w3 = manual
    head = int(latest(w3)["number"], 16)
    tx_hash = transfer(w3, 1)
    assert result(w3, "anvil_mine", "0x3", "0xa") is None
    blocks = [result(w3, "eth_getBlockByNumber", hex(head + i), False) for i in (1, 2, 3)]
    assert [b["transactions"] for b in blocks] == [[tx_hash], [], []]
    stamps = [int(b["timestamp"], 16) for b in blocks]
    assert stamps[1] - stamps[0] == 10 and stamps[2] - stamps[1] == 10


def test_dropped_transaction_leaves_the_pool_and_the_next_block(manual: Web3) -> None:
    w3 = manual
    kept, dropped = transfer(w3, 1), transfer(w3, 2)
    assert result(w3, "anvil_dropTransaction", dropped) == dropped
    assert result(w3, "anvil_dropTransaction", dropped) is None
    assert result(w3, "eth_getTransactionByHash", dropped) is None
    assert result(w3, "txpool_status")["pending"] == "0x1"
    result(w3, "evm_mine")
    assert latest(w3)["transactions"] == [kept]


def test_cheatcode_while_pending_leaves_the_transaction_pending(manual: Web3) -> None:
    w3 = manual
    tx_hash = transfer(w3, 1)
    result(w3, "anvil_setBalance", BOB, hex(7 * 10**21))
    assert int(result(w3, "eth_getBalance", BOB, "latest"), 16) == 7 * 10**21
    assert result(w3, "eth_getTransactionReceipt", tx_hash) is None
    assert result(w3, "txpool_status")["pending"] == "0x1"
    result(w3, "evm_mine")
    assert latest(w3)["transactions"] == [tx_hash]


def test_pending_filter_reports_a_transaction_once_while_pending(manual: Web3) -> None:
    w3 = manual
    filter_id = result(w3, "eth_newPendingTransactionFilter")
    tx_hash = transfer(w3, 1)
    assert result(w3, "eth_getFilterChanges", filter_id) == [tx_hash]
    result(w3, "evm_mine")
    assert result(w3, "eth_getFilterChanges", filter_id) == []
    result(w3, "eth_uninstallFilter", filter_id)


def test_automine_on_again_mines_what_waits_and_each_later_transaction(w3: Web3) -> None:
    result(w3, "anvil_setAutomine", False)
    try:
        waiting = transfer(w3, 1)
        result(w3, "evm_mine")
        assert result(w3, "eth_getTransactionReceipt", waiting) is not None
    finally:
        result(w3, "anvil_setAutomine", True)
    assert result(w3, "anvil_getAutomine") is True
    assert result(w3, "eth_getTransactionReceipt", transfer(w3, 1)) is not None


# -- interval mining -----------------------------------------------------------------------


def wait_for(check: Any, seconds: float = 15) -> Any:
    """Poll ``check()`` until it is truthy (interval mining is on the server's clock)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    return check()


def test_interval_mining_mines_pending_transactions_and_empty_blocks(w3: Web3) -> None:
    assert result(w3, "evm_setIntervalMining", 1) is None
    try:
        assert result(w3, "anvil_getAutomine") is False
        tx_hash = transfer(w3, 1)
        receipt = wait_for(lambda: result(w3, "eth_getTransactionReceipt", tx_hash))
        assert receipt is not None and receipt["status"] == "0x1"
        mined_in = int(receipt["blockNumber"], 16)
        assert wait_for(lambda: int(latest(w3)["number"], 16) >= mined_in + 2), "no empty blocks mined on the interval"
    finally:
        result(w3, "evm_setIntervalMining", 0)
        result(w3, "evm_setAutomine", True)
    head = int(latest(w3)["number"], 16)
    time.sleep(1.5)
    assert int(latest(w3)["number"], 16) == head, "interval mining went on after evm_setIntervalMining(0)"


def test_interval_mining_refuses_a_negative_or_huge_interval(server: Server, w3: Web3) -> None:
    if server.is_anvil:
        pytest.skip("anvil takes any u64; the node refuses more than a day (a unit mistake)")
    assert rpc(w3, "evm_setIntervalMining", 10**9)["error"]["code"] == -32602


# -- block time --------------------------------------------------------------------------


def test_block_timestamps_follow_the_wall_clock_after_idle_time(w3: Web3) -> None:
    result(w3, "evm_mine")
    before = int(latest(w3)["timestamp"], 16)
    time.sleep(2.2)
    now = int(time.time())
    result(w3, "evm_mine")
    after = int(latest(w3)["timestamp"], 16)
    assert after > before
    assert after >= now, f"the block after 2.2 s idle is {now - after} s behind the wall clock"


def test_increased_time_is_kept_as_an_offset_by_later_blocks(w3: Web3) -> None:
    result(w3, "evm_mine")
    lead = int(latest(w3)["timestamp"], 16) - time.time()
    offset = result(w3, "evm_increaseTime", 120)
    assert isinstance(offset, int) and offset >= 120
    result(w3, "evm_mine")
    first = int(latest(w3)["timestamp"], 16)
    assert first - time.time() >= lead + 118
    time.sleep(1.2)
    result(w3, "evm_mine")
    assert int(latest(w3)["timestamp"], 16) - time.time() >= lead + 118, "the offset was lost: the chain fell back toward the wall clock"


def test_exact_next_timestamp_moves_the_offset(w3: Web3) -> None:
    target = int(latest(w3)["timestamp"], 16) + 500
    result(w3, "evm_setNextBlockTimestamp", target)
    result(w3, "evm_mine")
    assert int(latest(w3)["timestamp"], 16) == target
    result(w3, "evm_mine")
    assert target <= int(latest(w3)["timestamp"], 16) <= target + 3  # anvil may repeat a timestamp; the engines add 1


def test_a_pending_raw_transaction_is_replaced_only_by_a_higher_fee(manual: Web3) -> None:
    w3 = manual
    chain_id, nonce = int(result(w3, "eth_chainId"), 16), int(result(w3, "eth_getTransactionCount", BOB, "pending"), 16)

    def signed(fee: int, value: int) -> str:
        tx = {"chainId": chain_id, "nonce": nonce, "to": CAROL, "value": value, "gas": 21000, "maxFeePerGas": fee, "maxPriorityFeePerGas": 10**9}
        return "0x" + EthAccount.sign_transaction(tx, BOB_KEY).raw_transaction.hex()

    first = result(w3, "eth_sendRawTransaction", signed(3 * 10**9, 1))
    assert "error" in rpc(w3, "eth_sendRawTransaction", signed(2 * 10**9, 2))  # underpriced: the first one stays
    replacement = result(w3, "eth_sendRawTransaction", signed(4 * 10**9, 3))
    assert result(w3, "eth_getTransactionByHash", first) is None
    assert result(w3, "txpool_status")["pending"] == "0x1"
    result(w3, "evm_mine")
    assert latest(w3)["transactions"] == [replacement]


# -- the rest of anvil's time and node methods ----------------------------------------------------


@pytest.fixture
def own_anvil_or_node(server: Server, w3: Web3) -> Iterator[Web3]:
    """The node, or a fresh anvil: after anvil_removeBlockTimestampInterval anvil 1.7 no longer spaces anvil_mine's
    blocks by its interval argument, which would leak into the shared anvil's later tests."""
    if not server.is_anvil:
        yield w3
        return
    from sandbox.chain.anvil import Anvil

    with Anvil(block_interval=None) as anvil:
        yield Web3(HTTPProvider(anvil.url))


def test_block_timestamp_interval_spaces_blocks_until_removed(own_anvil_or_node: Web3) -> None:
    w3 = own_anvil_or_node
    assert result(w3, "anvil_setBlockTimestampInterval", 100) is None
    try:
        result(w3, "evm_mine")
        first = int(latest(w3)["timestamp"], 16)
        result(w3, "evm_mine")
        assert int(latest(w3)["timestamp"], 16) - first == 100
    finally:
        assert result(w3, "anvil_removeBlockTimestampInterval") is True
    assert result(w3, "anvil_removeBlockTimestampInterval") is False
    result(w3, "evm_mine")
    assert int(latest(w3)["timestamp"], 16) - first < 200  # the clock again, with the offset the interval left


def test_node_info_and_metadata_have_anvils_fields(w3: Web3) -> None:
    info = result(w3, "anvil_nodeInfo")
    assert {"currentBlockNumber", "currentBlockTimestamp", "currentBlockHash", "hardFork", "environment", "forkConfig"} <= set(info)
    assert info["currentBlockHash"] == latest(w3)["hash"] and info["environment"]["chainId"] == 31337
    meta = result(w3, "anvil_metadata")
    assert {"clientVersion", "chainId", "latestBlockNumber", "latestBlockHash", "forkedNetwork", "snapshots"} <= set(meta)
    assert meta["latestBlockHash"] == latest(w3)["hash"] and meta["forkedNetwork"] is None
    assert result(w3, "anvil_setLoggingEnabled", True) is None


def test_send_unsigned_transaction_sends_from_an_address_without_its_key(w3: Web3) -> None:
    stranger = "0x00000000000000000000000000000000000FEED5"  # not 0xdEaD: test_methods expects that one empty
    result(w3, "anvil_setBalance", stranger, hex(10**18))
    tx_hash = result(w3, "eth_sendUnsignedTransaction", {"from": stranger, "to": CAROL, "value": "0x5", "gas": hex(21000)})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1 and receipt["from"].lower() == stranger.lower()
    assert "error" in rpc(w3, "eth_sendTransaction", {"from": stranger, "to": CAROL, "value": "0x1"})  # not impersonated after it


def test_pending_transactions_are_not_saved_until_a_block_keeps_them(server: Server, manual: Web3) -> None:
    """Another command reading the store while transactions wait sees the latest block's state, then the mined one."""
    if server.is_anvil:
        pytest.skip("node-only: anvil keeps no store")
    from sandbox.workshop.session import Workshop

    def saved_balance() -> int:
        reader = Workshop(server.workshop.project.root, state=server.workshop.store.path, backend=server.workshop.backend)
        with reader.session() as sb:
            return int(sb.chain.backend.get_balance(CAROL))

    before = int(result(manual, "eth_getBalance", CAROL, "latest"), 16)
    transfer(manual, 9)
    assert saved_balance() == before
    result(manual, "evm_mine")
    assert saved_balance() == before + 9


def test_an_estimate_at_pending_sees_a_pending_deployment(manual: Web3) -> None:
    w3 = manual
    nonce = int(result(w3, "eth_getTransactionCount", ALICE, "pending"), 16)
    factory = w3.eth.contract(**EMITTER_CONTRACT_DATA)
    result(w3, "eth_sendTransaction", {"from": ALICE, "data": factory.constructor().data_in_transaction, "gas": hex(3_000_000)})
    address = "0x" + keccak(rlp.encode([bytes.fromhex(ALICE[2:]), nonce]))[12:].hex()
    call = {"from": ALICE, "to": address, "data": factory.encode_abi("logNoArgs", [EMITTER_ENUM["LogNoArguments"]])}
    assert result(w3, "eth_getCode", address, "latest") == "0x" and len(result(w3, "eth_getCode", address, "pending")) > 2
    assert int(result(w3, "eth_estimateGas", call, "pending"), 16) > 21_000 + 1_000  # the code runs: it is there in the pending state
