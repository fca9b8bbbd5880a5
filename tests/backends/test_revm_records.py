"""The revm engine's record shortcuts (issue 16, target 2) give exactly what py-evm's objects and eth-tester's normalizer give.

A chain of every kind of transaction the engine keeps (legacy, EIP-2930, EIP-1559, raw-signed; creates and
calls; mined with status 1 and 0, reverted and out of gas; no log, one log, several logs; blocks of one
transaction and of several, empty blocks, the genesis) is built once, and for every block and transaction:

- the header RLP built from the fields (``blocks.header_rlp``) is ``rlp.encode(PragueBlockHeader(**fields))``,
  and the block's hash its keccak; the child's base fee is the same from the fields as from the header;
- the receipt built with the cached bloom (``blocks.make_receipt``) is py-evm's ``tx.make_receipt`` (class,
  RLP, bloom), and it is built that way for all three transaction kinds;
- the receipt built normalized (``blocks.normalized_receipt``, the sandbox's ``_own_receipt``) is eth-tester's
  ``normalize_outbound_receipt(serialize_receipt(...))``, to the key order and the types, and what
  ``eth_getTransactionReceipt`` answers through eth-tester and web3.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import rlp
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth_bloom import BloomFilter
from eth_utils import keccak, to_checksum_address

from sandbox import Sandbox
from sandbox.backends.revm import blocks
from sandbox.backends.revm.blocks import header_rlp, logs_bloom, make_receipt, normalized_receipt, serialize_receipt
from tests.backends.workload import PROBE, every_kind_of_transaction
from tests.backends.workload import shape as _shape


@pytest.fixture(scope="module")
def chain() -> tuple[Sandbox, Any]:
    sb = Sandbox(PROBE, backend="revm")
    every_kind_of_transaction(sb)
    return sb, sb.chain.backend.engine_backend


def _all(engine: Any) -> list[tuple[Any, int]]:
    return [(block, i) for block in engine.blocks for i in range(len(block.transactions))]


def test_the_chain_has_every_kind(chain: tuple[Sandbox, Any]) -> None:
    _, engine = chain
    found = _all(engine)
    kinds = {blocks._extract_transaction_type(block.transactions[i]) for block, i in found}
    statuses = {block.outcomes[i].success for block, i in found}
    log_counts = {len(block.receipts[i].logs) for block, i in found}
    creates = {block.outcomes[i].success for block, i in found if block.transactions[i].to == b""}
    assert kinds == {0, 1, 2} and statuses == {True, False} and {0, 1, 3} <= log_counts and creates == {True, False}
    assert max(len(block.transactions) for block in engine.blocks) == 4 and any(not block.transactions for block in engine.blocks)


def test_header_rlp_is_py_evms_and_the_hash_its_keccak(chain: tuple[Sandbox, Any]) -> None:
    sb, engine = chain
    for block in [*engine.blocks, engine.pending]:
        fields = block.header_fields()
        slow = rlp.encode(PragueBlockHeader(**fields))
        assert header_rlp(fields) == slow, block.number
        assert block.header_rlp() == slow
        assert block.hash == keccak(slow) == bytes(block.make_header().hash)
        assert calculate_expected_base_fee_per_gas(block.parent_fees()) == calculate_expected_base_fee_per_gas(block.make_header())
    for number, block in enumerate(engine.blocks[1:], start=1):
        assert block.parent_hash == engine.blocks[number - 1].hash
        served = sb.chain.backend.get_block(number)
        assert served["hash"] == "0x" + block.hash.hex() and sb.chain.backend.raw_header(number) == block.header_rlp()


def test_header_fields_the_fast_road_does_not_know_go_to_py_evm() -> None:
    engine_block = blocks.Block(number=3, timestamp=10, base_fee=7, gas_limit=30_000_000, parent_hash=b"\x01" * 32)
    fields = engine_block.header_fields()
    assert header_rlp(fields) == rlp.encode(PragueBlockHeader(**fields))
    for bad in ({"coinbase": b"\x01" * 19}, {"block_number": True}, {"gas_used": -1}, {"bloom": 1 << 2048}, {"parent_hash": bytearray(32)},
                {"nonce": b"\x00" * 9}):
        assert header_rlp({**fields, **bad}) is None, bad
    odd = blocks.Block(number=2, timestamp=10, base_fee=7, gas_limit=30_000_000, parent_hash=b"\x01" * 32, coinbase=b"\x02" * 19)
    with pytest.raises(rlp.SerializationError):  # py-evm's header refuses it, as before
        odd.hash  # noqa: B018
    long_nonce = {**fields, "nonce": b"\x00" * 9, "extra_data": b"x" * 40, "bloom": (1 << 2047) | 5, "coinbase": b""}
    assert header_rlp(long_nonce) is None
    assert header_rlp({**long_nonce, "nonce": b""}) == rlp.encode(PragueBlockHeader(**{**long_nonce, "nonce": b""}))


def test_receipts_are_py_evms(chain: tuple[Sandbox, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    _, engine = chain
    expected = []
    for block, i in _all(engine):
        tx, outcome = block.transactions[i], block.outcomes[i]
        for status in (b"\x01", b""):
            slow = tx.make_receipt(status, 123_456, [(a, tuple(t), d) for a, t, d in outcome.logs])
            expected.append((tx, status, outcome.logs, slow))
        assert block.receipts[i].encode() == tx.make_receipt(block.receipts[i].state_root, int(block.receipts[i].gas_used),
                                                             [(a, tuple(t), d) for a, t, d in outcome.logs]).encode()
        bloomables = [b for log in block.receipts[i].logs for b in log.bloomables]
        assert logs_bloom(outcome.logs) == int(BloomFilter.from_iterable(bloomables))
    import eth.rlp.receipts

    def no_bloom_filter(*args: Any) -> Any:
        raise AssertionError("the receipt's bloom was computed by eth-bloom, not by make_receipt")

    monkeypatch.setattr(eth.rlp.receipts.BloomFilter, "from_iterable", no_bloom_filter)
    for tx, status, logs, slow in expected:
        fast = make_receipt(tx, status, 123_456, logs)
        assert type(fast) is type(slow) and fast.encode() == slow.encode() and int(fast.bloom) == int(slow.bloom)
        assert (getattr(fast, "type_id", None), type(getattr(fast, "_inner", fast))) == (getattr(slow, "type_id", None), type(getattr(slow, "_inner", slow)))




def test_normalized_receipts_are_eth_testers(chain: tuple[Sandbox, Any]) -> None:
    sb, engine = chain
    backend = sb.chain.backend
    normalizer = backend.tester.normalizer
    for block, i in _all(engine):
        fast = normalized_receipt(block, i)
        slow = dict(normalizer.normalize_outbound_receipt(serialize_receipt(block, i, False)))
        assert _shape(fast) == _shape(slow), (block.number, i)
        tx_hash = "0x" + bytes(block.transactions[i].hash).hex()
        assert backend._own_receipt(tx_hash) == slow == backend.get_receipt(tx_hash)
        served = sb.w3.eth.get_transaction_receipt(tx_hash)
        assert served["blockHash"].hex().removeprefix("0x") == block.hash.hex() and served["gasUsed"] == slow["gas_used"]
        assert [to_checksum_address(log["address"]) for log in served["logs"]] == [log["address"] for log in slow["logs"]]


def test_a_pending_transaction_has_no_own_receipt(chain: tuple[Sandbox, Any]) -> None:
    sb, _ = chain
    backend = sb.chain.backend
    backend.set_automine(False)
    try:
        tx_hash = backend.send_transaction({"from": sb.accounts.alice.address, "to": sb.accounts.bob.address, "value": 1, "data": b"", "gas": 21_000})
        assert backend._own_receipt(tx_hash) is None and backend.get_receipt(tx_hash) is None
        assert backend._own_receipt("0x" + "ab" * 32) is None
    finally:
        backend.mine(1)
        backend.set_automine(True)
    assert backend._own_receipt(tx_hash) == backend.get_receipt(tx_hash) is not None
