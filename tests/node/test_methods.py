"""The methods clients use beyond the basics, with anvil's answers: each test runs on anvil and on the node (both engines).

A test that passes on anvil and fails on the node is a difference to fix;
the few node-only checks (its refusals) are marked so.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak, to_checksum_address
from web3 import HTTPProvider, Web3
from web3._utils.contract_sources.contract_data._custom_contract_data import EMITTER_ENUM
from web3._utils.contract_sources.contract_data.emitter_contract import EMITTER_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.storage_contract import STORAGE_CONTRACT_DATA

from sandbox.chain.accounts import dev_keys
from tests.node.conftest import Server

ALICE_KEY, BOB_KEY = ("0x" + k.hex() for k in dev_keys(2))
ALICE, BOB = EthAccount.from_key(ALICE_KEY).address, EthAccount.from_key(BOB_KEY).address
STRANGER = "0x000000000000000000000000000000000000dEaD"
#: Runtime code that returns 32 bytes of 0xff: PUSH1 ff PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
RETURNS_FF = "0x60ff60005260206000f3"
TYPED = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
                   "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}]},
         "primaryType": "Mail", "domain": {"name": "Workshop", "chainId": 31337}, "message": {"to": BOB, "contents": "hello"}}


@pytest.fixture(scope="module")
def w3(server: Server) -> Web3:
    return Web3(HTTPProvider(server.url, request_kwargs={"timeout": 60}))


def rpc(w3: Web3, method: str, *params: Any) -> Any:
    """The raw JSON-RPC reply (``result`` or ``error``), no web3.py formatting."""
    # A generous timeout: revm's eth_createAccessList re-runs a call under the EIP-3155 tracer (~2 ms an instruction),
    # 25 s for tests/backends/test_revm_access_list.py's busiest case on an idle 2-core machine, past 60 s under load.
    reply = httpx.post(w3.provider.endpoint_uri, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},  # type: ignore[attr-defined]
                       timeout=300)
    assert reply.status_code == 200, reply.text
    return reply.json()


def result(w3: Web3, method: str, *params: Any) -> Any:
    reply = rpc(w3, method, *params)
    assert "error" not in reply, reply
    return reply["result"]


def deploy(w3: Web3, data: dict[str, Any]) -> Any:
    factory = w3.eth.contract(**data)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": ALICE}))
    return factory(receipt["contractAddress"])


@pytest.fixture(scope="module")
def emitter(w3: Web3) -> Any:
    return deploy(w3, EMITTER_CONTRACT_DATA)


def send(w3: Web3, **tx: Any) -> Any:
    return w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": ALICE, **tx}))


# -- blocks, transactions, receipts --------------------------------------------------------


def test_contract_creation_has_to_null_in_the_transaction_and_receipt(w3: Web3) -> None:
    factory = w3.eth.contract(**STORAGE_CONTRACT_DATA)
    tx_hash = factory.constructor().transact({"from": ALICE})
    w3.eth.wait_for_transaction_receipt(tx_hash)
    tx, receipt = result(w3, "eth_getTransactionByHash", tx_hash.to_0x_hex()), result(w3, "eth_getTransactionReceipt", tx_hash.to_0x_hex())
    assert tx["to"] is None and receipt["to"] is None
    assert receipt["contractAddress"] is not None


def test_block_transactions_by_index_count_receipts_and_raw_bytes(w3: Web3) -> None:
    receipt = send(w3, to=BOB, value=1)
    number, block_hash, tx_hash = hex(receipt["blockNumber"]), receipt["blockHash"].to_0x_hex(), receipt["transactionHash"].to_0x_hex()
    assert result(w3, "eth_getBlockTransactionCountByNumber", number) == "0x1"
    assert result(w3, "eth_getBlockTransactionCountByHash", block_hash) == "0x1"
    assert result(w3, "eth_getTransactionByBlockNumberAndIndex", number, "0x0")["hash"] == tx_hash
    assert result(w3, "eth_getTransactionByBlockHashAndIndex", block_hash, "0x0")["hash"] == tx_hash
    assert result(w3, "eth_getTransactionByBlockNumberAndIndex", number, "0x5") is None
    receipts = result(w3, "eth_getBlockReceipts", number)
    assert [r["transactionHash"] for r in receipts] == [tx_hash]
    raw = result(w3, "eth_getRawTransactionByHash", tx_hash)
    assert "0x" + keccak(hexstr=raw).hex() == tx_hash
    assert result(w3, "eth_getRawTransactionByBlockNumberAndIndex", number, "0x0") == raw
    assert result(w3, "eth_getRawTransactionByBlockHashAndIndex", block_hash, "0x0") == raw
    missing = "0x" + "ab" * 32
    assert result(w3, "eth_getRawTransactionByHash", missing) is None
    assert result(w3, "eth_getBlockTransactionCountByHash", missing) is None
    assert result(w3, "eth_getBlockReceipts", hex(10**9)) is None


def test_a_raw_transaction_with_a_nonce_ahead_waits_for_the_gap_to_close(w3: Web3) -> None:
    sender = EthAccount.from_key(dev_keys(7)[6])
    nonce, fee = w3.eth.get_transaction_count(sender.address), 50 * 10**9
    signed = [sender.sign_transaction({"to": BOB, "value": 1, "gas": 21000, "nonce": nonce + i, "maxFeePerGas": fee,
                                       "maxPriorityFeePerGas": 10**9, "chainId": 31337}) for i in (0, 1)]
    later = result(w3, "eth_sendRawTransaction", "0x" + bytes(signed[1].raw_transaction).hex())
    assert later == "0x" + bytes(signed[1].hash).hex()
    assert result(w3, "eth_getTransactionReceipt", later) is None
    result(w3, "eth_sendRawTransaction", "0x" + bytes(signed[0].raw_transaction).hex())
    assert w3.eth.wait_for_transaction_receipt(later, timeout=10)["status"] == 1
    assert w3.eth.get_transaction_count(sender.address) == nonce + 2
    again = rpc(w3, "eth_sendRawTransaction", "0x" + bytes(signed[0].raw_transaction).hex())
    assert again["error"]["code"] == -32003 and again["error"]["message"].startswith("nonce too low"), again


def test_a_queued_transaction_can_be_dropped(w3: Web3) -> None:
    sender = EthAccount.from_key(dev_keys(7)[6])
    ahead = sender.sign_transaction({"to": BOB, "value": 1, "gas": 21000, "nonce": w3.eth.get_transaction_count(sender.address) + 3,
                                     "maxFeePerGas": 50 * 10**9, "maxPriorityFeePerGas": 10**9, "chainId": 31337})
    tx_hash = result(w3, "eth_sendRawTransaction", "0x" + bytes(ahead.raw_transaction).hex())
    assert result(w3, "anvil_dropTransaction", tx_hash) in (tx_hash, None)  # anvil 1.7 answers null
    assert result(w3, "anvil_dropTransaction", tx_hash) is None
    assert result(w3, "eth_getTransactionReceipt", tx_hash) is None


def test_automine_is_on(w3: Web3) -> None:
    assert result(w3, "evm_setIntervalMining", 0) is None  # on anvil this stops mining...
    assert result(w3, "evm_setAutomine", True) is None  # ...until automine is back on
    assert result(w3, "anvil_getAutomine") is True
    assert send(w3, to=BOB, value=1)["status"] == 1


# -- filters ---------------------------------------------------------------------------------


def test_block_log_and_pending_filters_report_what_came_since_the_last_poll(w3: Web3, emitter: Any) -> None:
    blocks, pending = result(w3, "eth_newBlockFilter"), result(w3, "eth_newPendingTransactionFilter")
    logs = result(w3, "eth_newFilter", {"address": emitter.address, "fromBlock": "latest"})
    receipt = w3.eth.wait_for_transaction_receipt(emitter.functions.logDouble(which=EMITTER_ENUM["LogDoubleWithIndex"], arg0=1, arg1=2).transact(
        {"from": ALICE}))
    assert result(w3, "eth_getFilterChanges", blocks) == [receipt["blockHash"].to_0x_hex()]
    assert receipt["transactionHash"].to_0x_hex() in result(w3, "eth_getFilterChanges", pending)
    changes = result(w3, "eth_getFilterChanges", logs)
    assert [c["transactionHash"] for c in changes] == [receipt["transactionHash"].to_0x_hex()]
    assert result(w3, "eth_getFilterChanges", logs) == [] and result(w3, "eth_getFilterChanges", blocks) == []
    assert len(result(w3, "eth_getFilterLogs", logs)) == 1
    assert result(w3, "eth_uninstallFilter", logs) is True
    assert result(w3, "eth_uninstallFilter", logs) is False
    assert "error" in rpc(w3, "eth_getFilterChanges", logs)


def test_web3_event_filter_sees_new_events(w3: Web3, emitter: Any) -> None:
    event_filter = emitter.events.LogSingleWithIndex.create_filter(from_block="latest")
    w3.eth.wait_for_transaction_receipt(emitter.functions.logSingle(which=EMITTER_ENUM["LogSingleWithIndex"], arg0=42).transact({"from": ALICE}))
    entries: list[Any] = []
    for _ in range(30):  # a client polls; anvil may index the block's logs a moment after the receipt
        entries += event_filter.get_new_entries()
        if entries:
            break
        time.sleep(0.1)
    assert [e["args"]["arg0"] for e in entries] == [42]


# -- signing with the node's accounts -----------------------------------------------------------


def test_eth_sign_and_personal_sign_recover_to_the_account(w3: Web3) -> None:
    message = "0x" + b"sign in to the workshop".hex()
    signature = result(w3, "eth_sign", ALICE, message)
    assert result(w3, "personal_sign", message, ALICE) == signature
    assert EthAccount.recover_message(encode_defunct(hexstr=message), signature=signature) == ALICE


def test_sign_typed_data_v4_recovers_to_the_account(w3: Web3) -> None:
    signature = result(w3, "eth_signTypedData_v4", ALICE, TYPED)
    assert EthAccount.recover_message(encode_typed_data(full_message=TYPED), signature=signature) == ALICE


def test_sign_transaction_returns_a_raw_transaction_the_chain_accepts(w3: Web3) -> None:
    signed = result(w3, "eth_signTransaction", {"from": ALICE, "to": BOB, "value": "0x2", "gas": "0x5208"})
    raw = signed if isinstance(signed, str) else signed["raw"]
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw))
    assert receipt["status"] == 1 and receipt["from"] == ALICE


def test_signing_for_an_account_the_node_does_not_hold_is_refused(w3: Web3) -> None:
    reply = rpc(w3, "personal_sign", "0xdeadbeef", STRANGER)
    assert reply["error"]["code"] in (-32000, -32602, -32603), reply


# -- fees -----------------------------------------------------------------------------------------


def test_fee_history_covers_the_newest_block_and_the_next_base_fee(w3: Web3) -> None:
    send(w3, to=BOB, value=1, maxPriorityFeePerGas=2 * 10**9, maxFeePerGas=50 * 10**9)
    head = w3.eth.block_number
    history = result(w3, "eth_feeHistory", "0x3", "latest", [25, 75])
    assert int(history["oldestBlock"], 16) == head - 2
    assert len(history["baseFeePerGas"]) == 4 and len(history["gasUsedRatio"]) == 3
    assert int(history["baseFeePerGas"][2], 16) == w3.eth.get_block(head)["baseFeePerGas"]
    assert int(history["reward"][-1][0], 16) == 2 * 10**9
    assert len(history["baseFeePerBlobGas"]) == 4


def test_blob_base_fee_is_a_quantity(w3: Web3) -> None:
    assert int(result(w3, "eth_blobBaseFee"), 16) >= 1


# -- state overrides --------------------------------------------------------------------------------


def test_eth_call_and_estimate_apply_state_overrides_and_leave_no_trace(w3: Web3) -> None:
    assert result(w3, "eth_call", {"to": STRANGER}, "latest", {STRANGER: {"code": RETURNS_FF}}) == "0x" + "00" * 31 + "ff"
    assert result(w3, "eth_getCode", STRANGER, "latest") == "0x"
    balance = {STRANGER: {"code": "0x4760005260206000f3", "balance": "0x1234"}}  # returns SELFBALANCE
    assert int(result(w3, "eth_call", {"to": STRANGER}, "latest", balance), 16) == 0x1234
    slot = {STRANGER: {"code": "0x60005460005260206000f3", "stateDiff": {"0x" + "00" * 32: "0x" + "00" * 31 + "07"}}}  # returns SLOAD(0)
    assert int(result(w3, "eth_call", {"to": STRANGER}, "latest", slot), 16) == 7
    assert w3.eth.get_balance(STRANGER) == 0 and w3.eth.get_storage_at(STRANGER, 0) == b"\0" * 32
    rich = {"from": STRANGER, "to": BOB, "value": hex(10**18)}
    assert int(result(w3, "eth_estimateGas", rich, "latest", {STRANGER: {"balance": hex(10**19)}}), 16) == 21000


def test_a_full_state_override_replaces_the_storage(w3: Web3) -> None:
    storage = deploy(w3, STORAGE_CONTRACT_DATA)  # slots 0, 1, 2 hold 0, 1, 2
    override = {storage.address: {"state": {"0x" + "00" * 31 + "02": "0x" + "00" * 31 + "09"}}}
    getter = storage.functions.slot1().build_transaction({"from": ALICE})
    assert int(result(w3, "eth_call", {"to": storage.address, "data": getter["data"]}, "latest", override), 16) == 0
    assert storage.functions.slot1().call() == 1


def test_a_state_override_the_node_cannot_apply_is_refused_not_ignored(w3: Web3, server: Server) -> None:
    if server.is_anvil:
        pytest.skip("node-only: anvil takes this override")
    reply = rpc(w3, "eth_call", {"to": STRANGER}, "latest", {STRANGER: {"movePrecompileToAddress": BOB}})
    assert reply["error"]["code"] == -32602 and "movePrecompileToAddress" in reply["error"]["message"]


def test_calls_ignore_a_nonce_ahead_of_the_account(w3: Web3) -> None:
    ahead = hex(w3.eth.get_transaction_count(ALICE) + 2)
    assert int(result(w3, "eth_estimateGas", {"from": ALICE, "to": BOB, "nonce": ahead}), 16) == 21000
    assert result(w3, "eth_call", {"from": ALICE, "to": BOB, "nonce": ahead}, "latest") == "0x"


# -- mining and cheatcodes -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["anvil_mine", "hardhat_mine"])
def test_mine_takes_a_block_count_and_an_interval(w3: Web3, name: str) -> None:
    before = w3.eth.get_block("latest")
    result(w3, name, "0x3", "0x3c")
    after = [w3.eth.get_block(before["number"] + i) for i in (1, 2, 3)]
    assert w3.eth.block_number == before["number"] + 3
    # The interval is added to the clock before each block, as anvil does (increase_time, then mine): a
    # wall-clock second that passes between two of them makes that gap 61, on anvil too.
    gaps = [b["timestamp"] - a["timestamp"] for a, b in zip([before, *after], after, strict=False)][1:]
    assert len(gaps) == 2 and all(gap in (60, 61) for gap in gaps), gaps


def test_set_balance_code_storage_and_nonce(w3: Web3) -> None:
    target = to_checksum_address("0x" + "42" * 20)
    result(w3, "anvil_setBalance", target, hex(123))
    result(w3, "hardhat_setCode", target, RETURNS_FF)
    result(w3, "anvil_setStorageAt", target, "0x1", "0x" + "00" * 31 + "07")
    result(w3, "anvil_setNonce", target, "0x9")
    assert w3.eth.get_balance(target) == 123
    assert w3.eth.get_code(target).to_0x_hex() == RETURNS_FF
    assert int.from_bytes(w3.eth.get_storage_at(target, 1), "big") == 7
    assert w3.eth.get_transaction_count(target) == 9


def test_impersonated_account_sends_without_its_key_until_stopped(w3: Web3) -> None:
    whale = to_checksum_address("0x" + "77" * 20)
    result(w3, "anvil_setBalance", whale, hex(10**18))
    refused = rpc(w3, "eth_sendTransaction", {"from": whale, "to": BOB, "value": "0x1"})
    assert "error" in refused
    result(w3, "anvil_impersonateAccount", whale)
    receipt = send(w3, **{"from": whale, "to": BOB, "value": 5})
    assert receipt["status"] == 1 and receipt["from"] == whale
    result(w3, "anvil_stopImpersonatingAccount", whale)
    assert "error" in rpc(w3, "eth_sendTransaction", {"from": whale, "to": BOB, "value": "0x1"})


def test_auto_impersonation_lets_any_sender_through(w3: Web3) -> None:
    anyone = to_checksum_address("0x" + "78" * 20)
    result(w3, "anvil_setBalance", anyone, hex(10**18))
    result(w3, "anvil_autoImpersonateAccount", True)
    try:
        assert send(w3, **{"from": anyone, "to": BOB, "value": 1})["status"] == 1
    finally:
        result(w3, "anvil_autoImpersonateAccount", False)


def test_send_transaction_with_an_authorization_list_delegates_the_account(w3: Web3, server: Server) -> None:
    storage = deploy(w3, STORAGE_CONTRACT_DATA)
    target = storage.address
    authority = EthAccount.from_key(dev_keys(5)[4])
    auth = authority.sign_authorization({"chainId": 31337, "address": target, "nonce": w3.eth.get_transaction_count(authority.address)})
    item = {"chainId": hex(auth.chain_id), "address": auth.address.lower() if isinstance(auth.address, str) else "0x" + auth.address.hex(),
            "nonce": hex(auth.nonce), "yParity": hex(auth.y_parity), "r": hex(auth.r), "s": hex(auth.s)}
    tx = {"from": ALICE, "to": authority.address, "authorizationList": [item], "data": storage.encode_abi("slot0")}
    if server.name == "node-revm":  # the engine cannot: a clear refusal, not a transaction that silently does not delegate
        reply = rpc(w3, "eth_sendTransaction", tx)
        assert reply["error"]["code"] == -32000 and "EIP-7702" in reply["error"]["message"]
        return
    tx_hash = result(w3, "eth_sendTransaction", tx)
    assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    assert w3.eth.get_code(authority.address).to_0x_hex() == "0xef0100" + target[2:].lower()


# -- malformed requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "params"), [
    ("eth_getBlockReceipts", ["nope"]), ("eth_getTransactionByBlockNumberAndIndex", ["latest", "x"]),
    ("eth_getRawTransactionByHash", [7]), ("eth_newFilter", ["x"]), ("eth_getFilterChanges", [[1]]),
    ("eth_sign", ["0x12", "0x00"]), ("eth_signTypedData_v4", [ALICE, {"x": 1}]), ("eth_feeHistory", ["0x0", "latest", [50]]),
    ("anvil_mine", ["-1"]), ("anvil_setBalance", ["0x1", "0x1"]), ("anvil_setStorageAt", [ALICE, "0x0", "0x" + "00" * 40]),
    ("eth_call", [{"to": BOB}, "latest", "not-an-object"]),
])
def test_malformed_requests_get_a_json_rpc_error(w3: Web3, server: Server, method: str, params: list[Any]) -> None:
    reply = rpc(w3, method, *params)
    if server.is_anvil and "error" not in reply:
        pytest.skip(f"anvil accepts {method}{params}")
    assert reply["error"]["code"] < 0 or reply["error"]["code"] == 3, reply
