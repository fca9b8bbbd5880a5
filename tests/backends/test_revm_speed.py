"""The revm engine's shortcuts (issue 16) give what the long road gives.

- A run at a given price (eth_call, estimates) with plain fields is made without py-evm's transaction
  object (``calls._plain_fields``); anything else still builds it, so py-evm's checks and errors stay.
- A sealed block's hash is computed once; a one-transaction block's receipt is encoded without py-evm's sedes.
- A run that is not kept looks for the console address in revm's loaded accounts, not in its journal's text.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth.db.trie import make_trie_root_and_nodes
from eth_utils import function_signature_to_4byte_selector, to_canonical_address

from sandbox import Sandbox
from sandbox.backends.revm.blocks import receipt_rlp, trie_root
from sandbox.backends.revm.calls import _plain_fields
from tests.backends.test_revm_trace import INSPECT
from tests.backends.workload import PROBE


@pytest.fixture(scope="module")
def probe() -> tuple[Sandbox, Any]:
    sb = Sandbox(PROBE, backend="revm")
    contract = sb.deploy("Probe", sender=sb.accounts.alice)
    contract.poke(sender=sb.accounts.alice)
    return sb, contract


def _outcome(engine: Any, tx: dict[str, Any]) -> tuple[Any, ...]:
    out = engine._run_at("latest", tx, engine._context, gas=1_000_000, price=0)
    return out.success, out.output, out.gas_used, out.gas_spent, out.error, out.contract_address


@pytest.mark.parametrize("call", ["counter()", "failWithRequire(uint256)", "failPlain()", "deploy", "transfer"])
def test_a_plain_call_is_the_same_run_with_and_without_py_evms_transaction(probe: tuple[Sandbox, Any], call: str) -> None:
    sb, contract = probe
    engine = sb.chain.backend.engine_backend
    alice = to_canonical_address(sb.accounts.alice.address)
    if call == "deploy":
        tx: dict[str, Any] = {"from": alice, "data": bytes.fromhex(sb.compile().get("Probe").bytecode), "value": 0}
    elif call == "transfer":
        tx = {"from": alice, "to": to_canonical_address(sb.accounts.bob.address), "data": b"", "value": 5}
    else:
        data = function_signature_to_4byte_selector(call) + (b"\x00" * 32 if "uint256" in call else b"")
        tx = {"from": alice, "to": to_canonical_address(contract.address), "data": data, "value": 0}
    assert _plain_fields(tx, 1_000_000) is not None  # the short road
    long_road = dict(tx, nonce=2**64)  # a nonce py-evm takes (it is not checked at a given price) and the short road leaves to it
    assert _plain_fields(long_road, 1_000_000) is None
    assert _outcome(engine, tx) == _outcome(engine, long_road)


def test_fields_out_of_range_take_the_long_road(probe: tuple[Sandbox, Any]) -> None:
    """What py-evm's transaction would judge (or pyrevm refuse) is left to the road that builds it, as before."""
    sb, contract = probe
    alice, to = to_canonical_address(sb.accounts.alice.address), to_canonical_address(contract.address)
    plain = {"from": alice, "to": to, "data": b"", "value": 0}
    assert _plain_fields(plain, 100_000) == (to, b"", 0)
    for bad in ({"value": -1}, {"value": 2**256}, {"to": b"\x01" * 19}, {"data": bytearray(b"\x01")}, {"max_fee_per_gas": 1},
                {"access_list": ((to, (1,)),)}):
        assert _plain_fields(dict(plain, **bad), 100_000) is None, bad
    assert _plain_fields(plain, 2**64) is None and _plain_fields(plain, -1) is None


def test_a_sealed_blocks_hash_is_its_headers(probe: tuple[Sandbox, Any]) -> None:
    sb, contract = probe
    engine = sb.chain.backend.engine_backend
    contract.poke(sender=sb.accounts.alice)
    block = engine.blocks[-1]
    assert block.hash == bytes(block.make_header().hash) == engine.pending.parent_hash
    assert block.hash is block.hash  # kept, not hashed again
    assert sb.chain.backend.get_block("latest")["hash"] == "0x" + block.hash.hex()


def test_console_lines_of_calls_and_estimates_are_still_heard() -> None:
    """eth_call and estimates are not kept: their console.log lines are found through revm's loaded accounts."""
    sb = Sandbox(INSPECT, backend="revm")
    alice = sb.accounts.alice
    callee = sb.deploy("Callee", sender=alice)
    logger = sb.deploy("Logger", callee, sender=alice)
    receipt = logger.work(3, sender=alice)  # estimated (not kept), then mined (kept)
    assert receipt.console
    heard = sb.chain.backend.observer
    assert heard is not None
    before = sb.chain.backend.engine_backend.tracer.traced
    work = function_signature_to_4byte_selector("work(uint256)") + (3).to_bytes(32, "big")
    sb.chain.backend.estimate({"from": alice.address, "to": logger.address, "data": work})
    mined = sb.chain.backend.recording(receipt.tx_hash)
    assert mined is not None and len(mined.console) == len(receipt.console) == 4
    assert heard.current.console[:4] == mined.console  # the estimate's first run: Logger.work's four lines, in order
    assert sb.chain.backend.engine_backend.tracer.traced == before  # no tracer: the console run found them


def test_receipts_encode_as_py_evm_encodes_them() -> None:
    """blocks.receipt_rlp (a block's receipt root) against py-evm's own encoding: legacy, access-list and dynamic-fee
    transactions, logs with one and more topics, none, a failure mined with status 0, a creation."""
    sb = Sandbox(PROBE, backend="revm")
    alice = sb.accounts.alice
    probe = sb.deploy("Probe", sender=alice)
    probe.deposit("memo", sender=alice, value=7)  # Deposited: two topics and data
    probe.poke(sender=alice)  # Poked: one topic
    tester = sb.chain.backend.tester
    poke = "0x" + function_signature_to_4byte_selector("poke()").hex()
    fail = "0x" + function_signature_to_4byte_selector("failPlain()").hex()
    listed = ({"address": probe.address, "storage_keys": ("0x" + "00" * 31 + "01",)},)
    tester.send_transaction({"from": alice.address, "to": probe.address, "gas": 100_000, "gas_price": 10**9, "data": poke})
    tester.send_transaction({"from": alice.address, "to": probe.address, "gas": 100_000, "gas_price": 10**9, "data": poke, "access_list": listed})
    tester.send_transaction({"from": alice.address, "to": probe.address, "gas": 100_000, "data": fail})
    tester.send_transaction({"from": alice.address, "to": sb.accounts.bob.address, "gas": 21_000, "value": 1})
    receipts = [r for block in sb.chain.backend.engine_backend.blocks[1:] for r in block.receipts]
    kinds = {getattr(r, "type_id", None) for r in receipts}
    assert kinds == {None, 1, 2} and any(r.state_root == b"" for r in receipts) and {len(r.logs) for r in receipts} >= {0, 1}
    assert {len(log.topics) for r in receipts for log in r.logs} >= {1, 2}
    for receipt in receipts:
        assert receipt_rlp(receipt) == receipt.encode()
    block = sb.chain.backend.engine_backend.blocks[-1]
    assert block.make_header().receipt_root == trie_root(block.receipts) == make_trie_root_and_nodes(tuple(block.receipts))[0]


@pytest.mark.parametrize("to", ["contract", "account", "create"])
@pytest.mark.parametrize("data", [b"", b"\x00" * 7, b"\x01\x00\x02" * 40, bytes(range(256))])
def test_an_estimates_intrinsic_gas_is_py_evms(probe: tuple[Sandbox, Any], to: str, data: bytes) -> None:
    """A plain request's intrinsic gas is counted without building py-evm's transaction: the same number as the one it gives."""
    sb, contract = probe
    engine = sb.chain.backend.engine_backend
    tx: dict[str, Any] = {"from": to_canonical_address(sb.accounts.alice.address), "data": data, "value": 3}
    if to != "create":
        tx["to"] = to_canonical_address(contract.address if to == "contract" else sb.accounts.bob.address)
    cap = 30_000_000
    assert _plain_fields(tx, cap) is not None
    unsigned = engine._unsigned(engine._normalize_transaction(dict(tx, gas=cap, nonce=0)))
    assert engine._intrinsic_gas(tx, "latest", cap) == unsigned.intrinsic_gas
    listed = dict(tx, access_list=((b"\x01" * 20, (1, 2)),))  # the long road, and the access list counted
    assert engine._intrinsic_gas(listed, "latest", cap) == unsigned.intrinsic_gas + 2400 + 2 * 1900
