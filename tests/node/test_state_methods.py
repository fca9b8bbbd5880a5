"""eth_createAccessList, eth_getProof, eth_simulateV1, anvil_dumpState / anvil_loadState and anvil_reset, against anvil.

Each test runs on anvil and on the node on both engines. The revm engine
cannot record touched slots (pyrevm 0.3.7 has no inspector) nor prove
state (no trie): there the node must refuse with -32000 naming py-evm.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
import rlp
from eth_utils import keccak, to_canonical_address
from trie import HexaryTrie
from web3 import HTTPProvider, Web3
from web3._utils.contract_sources.contract_data._custom_contract_data import EMITTER_ENUM
from web3._utils.contract_sources.contract_data.emitter_contract import EMITTER_CONTRACT_DATA
from web3._utils.contract_sources.contract_data.math_contract import MATH_CONTRACT_DATA

from tests.node.conftest import Server
from tests.node.test_methods import ALICE, deploy, result, rpc

SIMULATED = "0xc100000000000000000000000000000000000000"
FOOD = "0x000000000000000000000000000000000000F00D"


@pytest.fixture(scope="module")
def w3(server: Server) -> Web3:
    return Web3(HTTPProvider(server.url, request_kwargs={"timeout": 60}))


@pytest.fixture(scope="module")
def math(w3: Web3) -> Any:
    contract = deploy(w3, MATH_CONTRACT_DATA)
    w3.eth.wait_for_transaction_receipt(contract.functions.incrementCounter(3).transact({"from": ALICE}))
    return contract


def refused_on_revm(server: Server, reply: dict[str, Any]) -> bool:
    if server.name != "node-revm":
        return False
    assert reply["error"]["code"] == -32000 and "py-evm" in reply["error"]["message"], reply
    return True


# -- eth_createAccessList ----------------------------------------------------------------------


def test_create_access_list_names_the_slots_a_call_touches_and_its_gas(server: Server, w3: Web3, math: Any) -> None:
    call = {"from": ALICE, "to": math.address, "data": math.encode_abi("incrementCounter", [1])}
    found = rpc(w3, "eth_createAccessList", call)["result"]  # every engine (revm: from its EIP-3155 tracer)
    assert [(e["address"].lower(), e["storageKeys"]) for e in found["accessList"]] == [(math.address.lower(), ["0x" + "00" * 32])]
    # the gas used with the list, as anvil reports it: the call costs that once the list is sent with it
    with_list = dict(call, accessList=found["accessList"])
    assert int(found["gasUsed"], 16) == int(result(w3, "eth_estimateGas", with_list), 16)


def test_create_access_list_of_a_deployment_lists_the_new_contract(server: Server, w3: Web3) -> None:
    factory = w3.eth.contract(**MATH_CONTRACT_DATA)
    reply = rpc(w3, "eth_createAccessList", {"from": ALICE, "data": factory.constructor().data_in_transaction})
    nonce = w3.eth.get_transaction_count(ALICE)
    created = "0x" + keccak(rlp.encode([to_canonical_address(ALICE), nonce]))[12:].hex()
    assert [e["address"].lower() for e in reply["result"]["accessList"]] == [created]


# -- eth_getProof ----------------------------------------------------------------------------


def test_get_proof_verifies_against_the_block_state_root(server: Server, w3: Web3, math: Any) -> None:
    reply = rpc(w3, "eth_getProof", math.address, ["0x" + "00" * 32, "0x" + "00" * 31 + "07"], "latest")
    if refused_on_revm(server, reply):
        return
    proof = reply["result"]
    root = bytes.fromhex(result(w3, "eth_getBlockByNumber", "latest", False)["stateRoot"][2:])
    nodes = [rlp.decode(bytes.fromhex(n[2:])) for n in proof["accountProof"]]
    account = rlp.decode(HexaryTrie.get_from_proof(root, keccak(to_canonical_address(math.address)), nodes))
    assert [int.from_bytes(account[0], "big"), int.from_bytes(account[1], "big")] == [int(proof["nonce"], 16), int(proof["balance"], 16)]
    assert "0x" + account[2].hex() == proof["storageHash"] and "0x" + account[3].hex() == proof["codeHash"]
    assert proof["codeHash"] == "0x" + keccak(bytes(w3.eth.get_code(math.address))).hex()
    counter, empty = proof["storageProof"]
    assert int(counter["value"], 16) == math.functions.counter().call() >= 3 and int(empty["value"], 16) == 0
    storage_root = account[2]
    for entry in (counter, empty):
        slot = keccak(int(entry["key"], 16).to_bytes(32, "big"))
        value = HexaryTrie.get_from_proof(storage_root, slot, [rlp.decode(bytes.fromhex(n[2:])) for n in entry["proof"]])
        assert (rlp.decode(value) if value else b"") == int(entry["value"], 16).to_bytes((int(entry["value"], 16).bit_length() + 7) // 8, "big")


def test_get_proof_of_an_account_with_nothing_is_an_exclusion_proof(server: Server, w3: Web3) -> None:
    reply = rpc(w3, "eth_getProof", "0x000000000000000000000000000000000000beef", [], "latest")
    if refused_on_revm(server, reply):
        return
    proof = reply["result"]
    root = bytes.fromhex(result(w3, "eth_getBlockByNumber", "latest", False)["stateRoot"][2:])
    nodes = [rlp.decode(bytes.fromhex(n[2:])) for n in proof["accountProof"]]
    assert HexaryTrie.get_from_proof(root, keccak(bytes.fromhex("beef".rjust(40, "0"))), nodes) == b""
    assert proof["balance"] == "0x0" and proof["nonce"] == "0x0"


# -- eth_simulateV1 ------------------------------------------------------------------------------


def test_simulate_v1_runs_calls_with_state_overrides_and_undoes_them(w3: Web3) -> None:
    """The shape web3.py's conformance test uses: a block override, a state override, a plain call."""
    head = int(result(w3, "eth_blockNumber"), 16)
    blocks = result(w3, "eth_simulateV1", {
        "blockStateCalls": [{"blockOverrides": {"baseFeePerGas": "0xa"}, "stateOverrides": {SIMULATED: {"balance": hex(500_000_000)}},
                             "calls": [{"from": SIMULATED, "to": SIMULATED, "maxFeePerGas": "0xa", "maxPriorityFeePerGas": "0xa"}]}],
        "validation": True, "traceTransfers": True}, "latest")
    assert len(blocks) == 1 and int(blocks[0]["baseFeePerGas"], 16) == 10
    (call,) = blocks[0]["calls"]
    assert call["status"] == "0x1" and int(call["gasUsed"], 16) == 21000 and call["returnData"] == "0x"
    assert int(result(w3, "eth_getBalance", SIMULATED, "latest"), 16) == 0  # nothing of it stays
    assert int(result(w3, "eth_blockNumber"), 16) == head


def test_simulate_v1_carries_state_from_call_to_call_and_reports_logs_and_reverts(w3: Web3, math: Any) -> None:
    emitter = deploy(w3, EMITTER_CONTRACT_DATA)
    before = math.functions.counter().call()
    increment = {"from": ALICE, "to": math.address, "data": math.encode_abi("incrementCounter", [5])}
    read = {"from": ALICE, "to": math.address, "data": math.encode_abi("counter", [])}
    log = {"from": ALICE, "to": emitter.address, "data": emitter.encode_abi("logNoArgs", [EMITTER_ENUM["LogNoArguments"]])}
    revert = {"from": ALICE, "to": emitter.address, "data": emitter.encode_abi("logNoArgs", [99]), "gas": hex(100_000)}
    blocks = result(w3, "eth_simulateV1", {"blockStateCalls": [{"calls": [increment, read]}, {"calls": [log]}]}, "latest")
    assert len(blocks) == 2
    assert int(blocks[0]["calls"][1]["returnData"], 16) == before + 5
    (logged,) = blocks[1]["calls"][0]["logs"]
    assert logged["address"] == emitter.address.lower() and logged["topics"] == ["0x" + keccak(text="LogNoArguments()").hex()]
    assert math.functions.counter().call() == before
    failed = result(w3, "eth_simulateV1", {"blockStateCalls": [{"calls": [revert]}]}, "latest")[0]["calls"][0]
    assert failed["status"] == "0x0"


# -- anvil_dumpState / anvil_loadState ------------------------------------------------------------


def dumped(blob: str) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(gzip.decompress(bytes.fromhex(blob[2:])))
    return state


@pytest.fixture
def other_anvil() -> Iterator[Web3]:
    from sandbox.chain.anvil import Anvil

    with Anvil(block_interval=None) as anvil:
        yield Web3(HTTPProvider(anvil.url))


def test_dump_state_is_anvils_gzip_json_and_loads_into_a_fresh_anvil(server: Server, w3: Web3, math: Any, other_anvil: Web3) -> None:
    counter = math.functions.counter().call()
    blob = result(w3, "anvil_dumpState")
    state = dumped(blob)
    assert math.address.lower() in {a.lower() for a in state["accounts"]}
    assert result(other_anvil, "anvil_loadState", blob) is True
    assert other_anvil.eth.get_code(math.address) == w3.eth.get_code(math.address)
    assert int.from_bytes(other_anvil.eth.get_storage_at(math.address, 0), "big") == counter
    assert other_anvil.eth.get_balance(ALICE) == w3.eth.get_balance(ALICE)


def test_load_state_takes_anvils_dump_over_the_current_state(server: Server, w3: Web3, math: Any, other_anvil: Web3) -> None:
    theirs = other_anvil.eth.contract(**MATH_CONTRACT_DATA)
    receipt = other_anvil.eth.wait_for_transaction_receipt(theirs.constructor().transact({"from": other_anvil.eth.accounts[0]}))
    address = receipt["contractAddress"]
    other_anvil.eth.wait_for_transaction_receipt(theirs(address).functions.incrementCounter(41).transact({"from": other_anvil.eth.accounts[0]}))
    result(other_anvil, "anvil_setBalance", FOOD, hex(12345))
    assert result(w3, "anvil_loadState", result(other_anvil, "anvil_dumpState")) is True
    assert w3.eth.get_code(address) == other_anvil.eth.get_code(address)
    assert int.from_bytes(w3.eth.get_storage_at(address, 0), "big") == 41
    assert w3.eth.get_balance(FOOD) == 12345


def test_load_state_refuses_what_is_not_a_dump(server: Server, w3: Web3) -> None:
    reply = rpc(w3, "anvil_loadState", "0x" + gzip.compress(b"not json").hex())
    assert "error" in reply
    if not server.is_anvil:
        assert reply["error"]["code"] == -32602 and "anvil_dumpState" in reply["error"]["message"]


# -- anvil_reset (last: it starts the chain again) -------------------------------------------------


def test_reset_starts_a_new_chain_with_the_funded_accounts(w3: Web3, math: Any) -> None:
    result(w3, "evm_mine")
    assert result(w3, "anvil_reset") is None
    assert int(result(w3, "eth_blockNumber"), 16) == 0
    assert w3.eth.get_code(math.address) == b""
    assert w3.eth.get_balance(ALICE) == 10_000 * 10**18
    assert w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": ALICE, "to": math.address, "value": 1}))["status"] == 1
