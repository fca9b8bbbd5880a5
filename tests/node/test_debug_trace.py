"""``debug_traceTransaction`` / ``debug_traceCall`` on ``sandbox node`` (py-evm), judged against anvil's answers.

The same contracts are deployed in the same order by the same account on
both, so addresses, calldata and the compiled code (both compiled for a
node: the rpc EVM cap) agree; gas limits come from each chain's estimate,
so remaining-gas figures are left out of the comparisons.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from sandbox import Contract, Sandbox

INSPECT = Path(__file__).resolve().parents[1] / "testing" / "data" / "inspect"
GAS_KEYS = {"gas"}


@dataclass
class Chain:
    name: str
    url: str
    sb: Sandbox
    token: Contract
    logger: Contract
    proxied: Contract
    mint: str  # tx hashes
    work: str

    def rpc(self, method: str, *params: Any) -> dict[str, Any]:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return dict(json.loads(response.read()))

    def result(self, method: str, *params: Any) -> Any:
        reply = self.rpc(method, *params)
        assert "error" not in reply, reply
        return reply["result"]


def _populate(name: str, url: str) -> Chain:
    sb = Sandbox(INSPECT, rpc=url)
    alice = sb.accounts.alice
    token = sb.deploy("Token", sender=alice)
    callee = sb.deploy("Callee", sender=alice)
    logger = sb.deploy("Logger", callee, sender=alice)
    impl = sb.deploy("Impl", sender=alice)
    proxy = sb.deploy("Proxy", impl, sender=alice)
    proxied = sb.at("Impl", proxy.address)
    mint = token.mint(alice, 5, sender=alice).tx_hash
    work = logger.work(3, sender=alice).tx_hash
    proxied.set(5, sender=alice)
    return Chain(name, url, sb, token, logger, proxied, mint, work)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    from sandbox.node.server import BackgroundServer, create_app
    from sandbox.workshop.session import Workshop

    ws = Workshop(INSPECT, state=tmp_path_factory.mktemp("debug") / "state.json", backend="pyevm")
    with BackgroundServer(create_app(ws)) as server:
        yield _populate("node", server.url)


@pytest.fixture(scope="module")
def anvil() -> Iterator[Chain]:
    from sandbox.chain.anvil import Anvil

    with Anvil(block_interval=None, extra_args=("--steps-tracing",)) as process:
        yield _populate("anvil", process.url)


def _without_gas(tree: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in tree.items() if k not in GAS_KEYS}
    if "calls" in out:
        out["calls"] = [_without_gas(c) for c in out["calls"]]
    return out


def test_call_tracer_is_anvils_tree(node: Chain, anvil: Chain) -> None:
    ours = node.result("debug_traceTransaction", node.work, {"tracer": "callTracer"})
    theirs = anvil.result("debug_traceTransaction", anvil.work, {"tracer": "callTracer"})
    # same keys, types, addresses, inputs, outputs and gas used, frame by frame (console calls included)
    assert _without_gas(ours) == _without_gas(theirs)
    assert [c["type"] for c in ours["calls"]] == ["STATICCALL"] * 4 and ours["calls"][2]["calls"][0]["to"] == "0x000000000000000000636f6e736f6c652e6c6f67"
    receipt = node.result("eth_getTransactionReceipt", node.work)
    assert ours["gasUsed"] == receipt["gasUsed"]


def test_call_tracer_with_logs(node: Chain, anvil: Chain) -> None:
    ours = node.result("debug_traceTransaction", node.mint, {"tracer": "callTracer", "tracerConfig": {"withLog": True}})
    theirs = anvil.result("debug_traceTransaction", anvil.mint, {"tracer": "callTracer", "tracerConfig": {"withLog": True}})
    assert ours["logs"] == theirs["logs"] and ours["logs"][0]["topics"][0] == "0x" + keccak(text="Transfer(address,address,uint256)").hex()
    assert _without_gas(ours) == _without_gas(theirs)
    top = node.result("debug_traceTransaction", node.work, {"tracer": "callTracer", "tracerConfig": {"onlyTopCall": True}})
    assert "calls" not in top and top["output"].endswith("06")


def test_trace_call_of_a_revert_through_a_proxy(node: Chain, anvil: Chain) -> None:
    data = "0x" + keccak(text="set(uint256)")[:4].hex() + (200).to_bytes(32, "big").hex()
    call = {"from": node.sb.accounts.alice.address, "to": node.proxied.address, "data": data, "gas": hex(300_000)}
    ours = node.result("debug_traceCall", call, "latest", {"tracer": "callTracer"})
    theirs = anvil.result("debug_traceCall", call, "latest", {"tracer": "callTracer"})
    assert ours["error"] == "execution reverted" and ours["revertReason"] == "MathLib: too big"
    assert [ours["type"], ours["calls"][0]["type"], ours["calls"][0]["calls"][0]["type"]] == ["CALL", "DELEGATECALL", "DELEGATECALL"]
    assert _without_gas(ours) == _without_gas(theirs)


def test_struct_logger_steps_are_anvils(node: Chain, anvil: Chain) -> None:
    ours = node.result("debug_traceTransaction", node.work, {})
    theirs = anvil.result("debug_traceTransaction", anvil.work, {})
    assert set(ours) == {"gas", "failed", "returnValue", "structLogs"} == set(theirs)
    assert (ours["failed"], ours["returnValue"]) == (theirs["failed"], theirs["returnValue"]) == (False, "0x" + "00" * 31 + "06")
    mine, ref = ours["structLogs"], theirs["structLogs"]
    assert len(mine) == len(ref) > 500
    assert [(s["pc"], s["op"], s["depth"]) for s in mine] == [(s["pc"], s["op"], s["depth"]) for s in ref]
    assert all(set(a) == set(b) for a, b in zip(mine, ref, strict=True))
    # costs agree for every plain opcode; stacks agree except where GAS pushed a remaining-gas figure
    calls = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE", "CREATE2"}
    assert [s["gasCost"] for s in mine if s["op"] not in calls] == [s["gasCost"] for s in ref if s["op"] not in calls]
    assert [len(s["stack"]) for s in mine] == [len(s["stack"]) for s in ref]
    sstore = next(s for s in mine if s["op"] == "SSTORE")
    assert sstore["storage"] == next(s for s in ref if s["op"] == "SSTORE")["storage"]


def test_struct_logger_options(node: Chain, anvil: Chain) -> None:
    bare = node.result("debug_traceTransaction", node.mint, {"disableStack": True, "disableStorage": True})["structLogs"]
    assert bare and all("stack" not in s and "storage" not in s for s in bare)
    memory = node.result("debug_traceTransaction", node.mint, {"enableMemory": True})["structLogs"]
    assert [s["op"] for s in memory[:3]] == ["PUSH1", "PUSH1", "MSTORE"] and memory[2]["memory"] == []
    assert memory[3]["memory"] == ["0x" + "00" * 32, "0x" + "00" * 32, "0x" + "00" * 31 + "80"]  # memory before each step, as geth
    theirs = anvil.result("debug_traceTransaction", anvil.mint, {"enableMemory": True})["structLogs"]
    assert [s.get("memory") for s in memory] == [s.get("memory") for s in theirs]
    limited = node.rpc("debug_traceTransaction", node.mint, {"limit": 10})
    assert limited["error"]["code"] == -32000 and "more than 10 steps" in limited["error"]["message"]


def test_trace_call_struct_logs_of_a_revert(node: Chain) -> None:
    data = "0x" + keccak(text="fail(uint256)")[:4].hex() + (9).to_bytes(32, "big").hex()
    out = node.result("debug_traceCall", {"to": node.logger.address, "data": data}, "latest")
    assert out["failed"] is True and out["structLogs"][-1]["op"] == "REVERT"
    assert out["returnValue"].startswith("0x" + keccak(text="TooBig(uint256,uint256)")[:4].hex())


def test_unknown_hash_and_unknown_tracer(node: Chain) -> None:
    unknown = "0x" + "ab" * 32
    reply = node.rpc("debug_traceTransaction", unknown, {"tracer": "callTracer"})
    assert reply["error"]["code"] == -32000 and unknown in reply["error"]["message"]
    reply = node.rpc("debug_traceTransaction", node.work, {"tracer": "prestateTracer"})
    assert reply["error"]["code"] == -32602 and "prestateTracer" in reply["error"]["message"] and "callTracer" in reply["error"]["message"]
    reply = node.rpc("debug_traceTransaction", "0x12")
    assert reply["error"]["code"] == -32602


@pytest.fixture(scope="module")
def revm_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    from sandbox.node.server import BackgroundServer, create_app
    from sandbox.workshop.session import Workshop

    ws = Workshop(INSPECT, state=tmp_path_factory.mktemp("debug-revm") / "state.json", backend="revm")
    with BackgroundServer(create_app(ws)) as server:
        yield _populate("revm", server.url)


def test_revm_call_tracer_is_py_evms(node: Chain, revm_node: Chain) -> None:
    """The same trees, gas included, from revm's EIP-3155 steps (sandbox.backends.revm.replay) as from py-evm's hooks."""
    for tx in ("work", "mint"):
        config = {"tracer": "callTracer", "tracerConfig": {"withLog": True}}
        ours = revm_node.result("debug_traceTransaction", getattr(revm_node, tx), config)
        assert ours == node.result("debug_traceTransaction", getattr(node, tx), config)
    assert ours["logs"]  # the mint, last: its Transfer event
    data = "0x" + keccak(text="set(uint256)")[:4].hex() + (200).to_bytes(32, "big").hex()
    call = {"from": node.sb.accounts.alice.address, "to": node.proxied.address, "data": data, "gas": hex(300_000)}
    reverted = revm_node.result("debug_traceCall", call, "latest", {"tracer": "callTracer"})
    assert reverted["revertReason"] == "MathLib: too big" and reverted["calls"][0]["calls"][0]["type"] == "DELEGATECALL"
    assert reverted == node.result("debug_traceCall", call, "latest", {"tracer": "callTracer"})


def test_revm_struct_logs_are_py_evms(node: Chain, revm_node: Chain) -> None:
    ours = revm_node.result("debug_traceTransaction", revm_node.mint, {"enableMemory": True})
    theirs = node.result("debug_traceTransaction", node.mint, {"enableMemory": True})
    for step in theirs["structLogs"]:  # py-evm's name of the opcode; revm's is geth's (and anvil's)
        step["op"] = "KECCAK256" if step["op"] == "SHA3" else step["op"]
    assert len(ours["structLogs"]) > 100 and ours == theirs  # stack, memory (rebuilt in Python), storage, gas, refunds
    data = "0x" + keccak(text="fail(uint256)")[:4].hex() + (9).to_bytes(32, "big").hex()
    out = revm_node.result("debug_traceCall", {"to": revm_node.logger.address, "data": data}, "latest", {"disableStack": True})
    assert out["failed"] is True and out["structLogs"][-1]["op"] == "REVERT" and "stack" not in out["structLogs"][0]
    limited = revm_node.rpc("debug_traceTransaction", revm_node.mint, {"limit": 10})
    assert limited["error"]["code"] == -32000 and "more than 10 steps" in limited["error"]["message"]


def test_cast_run_and_call_trace_on_the_node(node: Chain) -> None:
    import subprocess

    from sandbox.project.toolchain import foundry_binary

    def cast(*args: str) -> str:
        done = subprocess.run([str(foundry_binary("cast")), *args, "--rpc-url", node.url], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    receipt = node.result("eth_getTransactionReceipt", node.work)
    replayed = cast("run", node.work)  # foundry replays the block on its own EVM from the node's state
    assert 'console::log("work called with", 3)' in replayed and f"Gas used: {int(receipt['gasUsed'], 16)}" in replayed
    traced = cast("call", node.logger.address, "work(uint256)", "3", "--trace")
    assert 'console::log("Callee.double")' in traced and "[Return] 0x" + "00" * 31 + "06" in traced


def test_struct_logs_of_a_later_transaction_in_its_block_are_refused(tmp_path: Path) -> None:
    from sandbox.node.server import BackgroundServer, create_app
    from sandbox.workshop.session import Workshop

    ws = Workshop(INSPECT, state=tmp_path / "state.json", backend="pyevm")
    with BackgroundServer(create_app(ws)) as server:
        chain = _populate("manual", server.url)
        alice = chain.sb.accounts.alice.address
        data = "0x" + keccak(text="work(uint256)")[:4].hex() + (2).to_bytes(32, "big").hex()
        chain.result("evm_setAutomine", False)
        sent = [chain.result("eth_sendTransaction", {"from": alice, "to": chain.logger.address, "data": data, "gas": hex(200_000)}) for _ in range(2)]
        chain.result("evm_mine")
        receipts = [chain.result("eth_getTransactionReceipt", h) for h in sent]
        assert receipts[0]["blockNumber"] == receipts[1]["blockNumber"] and receipts[1]["transactionIndex"] == "0x1"
        assert chain.result("debug_traceTransaction", sent[0], {})["failed"] is False  # first of its block: exact
        reply = chain.rpc("debug_traceTransaction", sent[1], {})
    assert reply["error"]["code"] == -32000 and sent[1] in reply["error"]["message"] and "number 1 of its block" in reply["error"]["message"]
