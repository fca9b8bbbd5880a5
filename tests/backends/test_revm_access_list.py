"""eth_createAccessList on revm (sandbox.backends.revm.access_list) judged against py-evm's and a real anvil's.

The same bytecode (compiled once, for Cancun) is deployed by the same account
on three servers: ``sandbox node`` on py-evm, on revm, and anvil. Each call
below is then asked for its access list on each of them: a plain transfer,
a contract reading and writing its storage, a contract calling another (a
console.log call, precompiles, a reverted call caught with try/catch), one
creating two contracts (CREATE and CREATE2), and creations. Addresses are
compared by what they are (the deployed contracts, the contract a creation
makes), since each server's account may have other transactions behind it.
py-evm and revm must give the same list in the same order and the same
``gasUsed``; anvil the same entries. anvil's ``gasUsed`` (geth's too) is the
gas the call uses with its list, which the engines return beside the list
(``ChainBackend.create_access_list``): the three must agree on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_canonical_address
from web3 import HTTPProvider, Web3

from sandbox import Sandbox
from tests.backends.workload import PROBE
from tests.node.conftest import SERVERS, Server, start_server
from tests.node.test_methods import ALICE, result, rpc

NESTED = Path(__file__).resolve().parent / "data" / "tracing"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SALT = b"\x01" * 32
CONSOLE = "0x000000000000000000636f6e736f6c652e6c6f67"


def _calldata(signature: str, types: list[str], args: list[Any]) -> str:
    return "0x" + (function_signature_to_4byte_selector(signature) + encode(types, args)).hex()


@pytest.fixture(scope="module")
def code() -> dict[str, str]:
    """Creation code of the contracts, compiled once for the revm engine's EVM (Cancun)."""
    nested, probe = Sandbox(NESTED, backend="revm").compile(), Sandbox(PROBE, backend="revm").compile()
    return {"Factory": nested.get("Factory").bytecode, "Child": nested.get("Child").bytecode, "Probe": probe.get("Probe").bytecode}


class Deployed:
    """One server with the contracts deployed: its client and the addresses by name."""

    def __init__(self, server: Server, code: dict[str, str]) -> None:
        self.name = server.name
        self.workshop = server.workshop
        self.w3 = Web3(HTTPProvider(server.url, request_kwargs={"timeout": 120}))
        self.names: dict[str, str] = {}
        self.probe = self._deploy("probe", code["Probe"])
        self.factory = self._deploy("factory", code["Factory"])
        self.send({"to": self.factory, "value": hex(10**15)})  # Factory.busy refunds its caller from its balance
        self.send({"to": self.factory, "data": _calldata("make(uint256,bytes32)", ["uint256", "bytes32"], [5, SALT]), "value": "0xa"})
        for index, label in ((0, "child0"), (1, "child1")):
            word = self.call({"to": self.factory, "data": _calldata("children(uint256)", ["uint256"], [index])})
            self.names["0x" + word[-40:]] = label
        self.names[CONSOLE] = "console"

    def send(self, tx: dict[str, Any]) -> dict[str, Any]:
        tx_hash = result(self.w3, "eth_sendTransaction", dict(tx, **{"from": ALICE}))
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, (self.name, tx)
        return dict(receipt)

    def call(self, tx: dict[str, Any]) -> str:
        return str(result(self.w3, "eth_call", dict(tx, **{"from": ALICE}), "latest"))

    def _deploy(self, label: str, creation: str) -> str:
        address = str(self.send({"data": "0x" + creation})["contractAddress"]).lower()
        self.names[address] = label
        return address

    def next_created(self) -> str:
        nonce = int(result(self.w3, "eth_getTransactionCount", ALICE, "latest"), 16)
        return "0x" + keccak(rlp.encode([to_canonical_address(ALICE), nonce]))[12:].hex()

    def access_list(self, tx: dict[str, Any]) -> tuple[list[tuple[str, list[str]]], int]:
        """The list with addresses named (``new``: what a creation makes), and gasUsed."""
        names = dict(self.names, **({self.next_created(): "new"} if "to" not in tx else {}))
        found = result(self.w3, "eth_createAccessList", dict(tx, **{"from": ALICE}), "latest")
        entries = [(names.get(e["address"].lower(), e["address"].lower()), list(e["storageKeys"])) for e in found["accessList"]]
        return entries, int(found["gasUsed"], 16)

    def gas_used_with_list(self, tx: dict[str, Any]) -> int:
        """The gas the call uses with its list: anvil's (and geth's) gasUsed; on the node the engine's own number
        (``ChainBackend.create_access_list``), for the node's gasUsed is its estimate with the list."""
        if self.workshop is None:
            return int(result(self.w3, "eth_createAccessList", dict(tx, **{"from": ALICE}), "latest")["gasUsed"], 16)
        request = {"from": Web3.to_checksum_address(ALICE), "data": bytes.fromhex(tx.get("data", "0x")[2:]), "value": int(tx.get("value", "0x0"), 16)}
        if "to" in tx:
            request["to"] = Web3.to_checksum_address(tx["to"])
        with self.workshop.session() as sb:
            return int(sb.chain.backend.create_access_list(request, "latest")[1])


@pytest.fixture(scope="module")
def servers(code: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Deployed]]:
    with ExitStack() as stack:
        out = {}
        for name in SERVERS:
            server = stack.enter_context(_started(name, tmp_path_factory.mktemp(name)))
            out[name] = Deployed(server, code)
        yield out


class _started:
    """``start_server`` as a context manager."""

    def __init__(self, name: str, tmp: Path) -> None:
        self._gen = start_server(name, tmp)

    def __enter__(self) -> Any:
        return next(self._gen)

    def __exit__(self, *exc: object) -> None:
        for _ in self._gen:
            pass


def _word(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


def _cases(d: Deployed, code: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "transfer": {"to": BOB, "value": "0x1"},
        "storage read and write": {"to": d.probe, "data": _calldata("poke()", [], [])},
        "a call into another contract": {"to": d.factory, "data": _calldata("deep(uint256)", ["uint256"], [7])},
        "precompiles, a caught revert, a value call": {"to": d.factory, "data": _calldata("busy(uint256)", ["uint256"], [1]), "value": "0x5"},
        "CREATE and CREATE2": {"to": d.factory, "data": _calldata("make(uint256,bytes32)", ["uint256", "bytes32"], [6, b"\x02" * 32])},
        "a creation that stores and logs": {"data": "0x" + code["Child"] + encode(["uint256"], [9]).hex()},
        "a creation that touches nothing": {"data": "0x" + code["Probe"]},
    }


CASES = [
    "transfer", "storage read and write", "a call into another contract", "precompiles, a caught revert, a value call",
    "CREATE and CREATE2", "a creation that stores and logs", "a creation that touches nothing",
]


@pytest.fixture(scope="module")
def found(servers: dict[str, Deployed], code: dict[str, str]) -> dict[str, dict[str, tuple[list[tuple[str, list[str]]], int, int]]]:
    """Each case on each server, once: the named list, the reported gasUsed, and the gas the call uses with its list."""
    out: dict[str, dict[str, tuple[list[tuple[str, list[str]]], int, int]]] = {}
    for name, d in servers.items():
        for case, tx in _cases(d, code).items():
            entries, reported = d.access_list(tx)
            out.setdefault(case, {})[name] = (entries, reported, reported if d.workshop is None else d.gas_used_with_list(tx))
    return out


@pytest.mark.parametrize("case", CASES)
def test_revm_access_list_is_py_evms_and_anvils(found: dict[str, dict[str, Any]], case: str) -> None:
    on = found[case]
    assert on["node-revm"][:2] == on["node-pyevm"][:2]  # the list, in the same order, and the node's gasUsed
    assert sorted(on["node-revm"][0]) == sorted(on["anvil"][0])
    assert on["node-revm"][2] == on["node-pyevm"][2] == on["anvil"][2]  # the gas used with the list: anvil's gasUsed


def test_the_lists_name_what_the_calls_touch(found: dict[str, dict[str, Any]]) -> None:
    """What each case must list (so the comparisons above cannot pass on lists that are all empty)."""
    lists = {case: on["node-revm"][0] for case, on in found.items()}
    assert lists["transfer"] == [] and lists["a creation that touches nothing"] == []
    assert found["transfer"]["node-revm"][2] == 21_000
    assert lists["storage read and write"] == [("probe", [_word(1)])]  # Probe.counter
    assert sorted(lists["a creation that stores and logs"]) == [("console", []), ("new", [_word(0)])]
    deep = dict(lists["a call into another contract"])
    # Factory reads children.length (slot 0) and children[1]; Child 1 writes its value; Child.store logs
    assert deep["factory"] == sorted([_word(0), _word(int.from_bytes(keccak(bytes(32)), "big") + 1)])
    assert deep["child1"] == [_word(0)] and deep["console"] == []
    busy = dict(lists["precompiles, a caught revert, a value call"])
    assert busy["child0"] == [_word(0)]  # written by the call that returned, and by the one that reverted
    assert all(not name.startswith("0x") for name in busy)  # sha256 and identity (precompiles) left out
    made = [name for name, _ in lists["CREATE and CREATE2"] if name.startswith("0x")]
    assert len(made) == 2  # the two new children, each with its stored value


def test_the_list_makes_the_transaction_cost_what_gas_used_says(servers: dict[str, Deployed], code: dict[str, str]) -> None:
    """web3.py's use (conformance's test_eth_create_access_list): send with the list and gas = gasUsed."""
    d = servers["node-revm"]
    tx = _cases(d, code)["a call into another contract"]
    reply = result(d.w3, "eth_createAccessList", dict(tx, **{"from": ALICE}), "latest")
    assert reply["accessList"]
    receipt = d.send(dict(tx, accessList=reply["accessList"], gas=reply["gasUsed"], type="0x1"))
    assert receipt["gasUsed"] <= int(reply["gasUsed"], 16)


def test_a_call_that_reverts_gets_the_same_error_on_both_engines(servers: dict[str, Deployed]) -> None:
    """Child.store(13) reverts with Error("Child: unlucky"): the node answers as for eth_call, on either engine."""
    replies = {}
    for name in ("node-pyevm", "node-revm"):
        d = servers[name]
        child = next(a for a, label in d.names.items() if label == "child0")
        replies[name] = rpc(d.w3, "eth_createAccessList", {"from": ALICE, "to": child, "data": _calldata("store(uint256)", ["uint256"], [13])})
    assert "error" in replies["node-revm"] and replies["node-revm"] == replies["node-pyevm"]
    assert "Child: unlucky" in replies["node-revm"]["error"]["message"]
