"""The receipt record built in one go (``sandbox.backends.receipt_record``, issue 16) is eth-tester's, on py-evm.

A py-evm chain of every kind of transaction (legacy, EIP-2930, EIP-1559, raw-signed by an outside key; creates
and calls; status 1 and 0, reverted and out of gas; no log, one, three; blocks of one transaction and of four,
and the sandbox's own one-run sends) is built once. For each transaction the record built from py-evm's objects
equals ``DefaultNormalizer().normalize_outbound_receipt(serialize_transaction_receipt(...))`` to the key order
and the types; the sandbox's own sends returned exactly what eth-tester reads back; the direct road is the one
a mint takes; anything it does not know goes to eth-tester's. (The revm engine's use of the same builder is
compared in ``test_revm_records.py``.)
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from eth_tester.backends.pyevm.serializers import serialize_transaction_receipt
from eth_tester.normalization.default import DefaultNormalizer
from eth_utils import function_signature_to_4byte_selector

from sandbox import Sandbox
from sandbox.backends import receipt_record
from sandbox.backends.pyevm import backend as pyevm_backend
from sandbox.backends.receipt_record import normalized_receipt
from tests.backends.workload import PROBE, every_kind_of_transaction
from tests.backends.workload import shape as _shape


@pytest.fixture(scope="module")
def chain() -> tuple[Sandbox, dict[str, Any]]:
    sb = Sandbox(PROBE, backend="pyevm")
    return sb, every_kind_of_transaction(sb)


def _every(sb: Sandbox) -> list[tuple[Any, tuple[Any, ...], Any, int]]:
    engine_chain = sb.chain.backend.engine_backend.chain
    found = []
    for number in range(1, int(engine_chain.get_canonical_head().block_number) + 1):
        block = engine_chain.get_canonical_block_by_number(number)
        receipts = block.get_receipts(engine_chain.chaindb)
        found += [(block, receipts, tx, i) for i, tx in enumerate(block.transactions)]
    return found


def _direct(block: Any, receipts: tuple[Any, ...], tx: Any, i: int) -> dict[str, Any] | None:
    return normalized_receipt(block_hash=block.hash, number=int(block.number), index=i, transaction=tx, receipt=receipts[i],
                              previous_gas=int(receipts[i - 1].gas_used) if i else 0, success=receipts[i].state_root == b"\x01",
                              base_fee=int(block.header.base_fee_per_gas))


def test_the_chain_has_every_kind(chain: tuple[Sandbox, dict[str, Any]]) -> None:
    sb, own = chain
    found = _every(sb)
    assert {receipt_record._extract_transaction_type(tx) for _, _, tx, _ in found} == {0, 1, 2}
    assert {r[i].state_root for _, r, _, i in found} == {b"", b"\x01"}
    assert {len(r[i].logs) for _, r, _, i in found} >= {0, 1, 3}
    assert {r[i].state_root for _, r, tx, i in found if tx.to == b""} == {b"", b"\x01"}  # creates that worked and failed
    assert max(len(block.transactions) for block, _, _, _ in found) == 4 and len(own) == 5


def test_every_record_is_eth_testers(chain: tuple[Sandbox, dict[str, Any]]) -> None:
    sb, _ = chain
    normalizer = DefaultNormalizer()
    vm = sb.chain.backend.engine_backend.chain.get_vm()
    for block, receipts, tx, i in _every(sb):
        theirs = dict(normalizer.normalize_outbound_receipt(serialize_transaction_receipt(block, receipts, tx, i, False, vm)))
        assert _shape(_direct(block, receipts, tx, i)) == _shape(theirs), (int(block.number), i)
        assert sb.chain.backend.get_receipt("0x" + bytes(tx.hash).hex()) == theirs


def test_the_sandboxs_own_sends_returned_what_is_read_back(chain: tuple[Sandbox, dict[str, Any]]) -> None:
    sb, own = chain
    for tx_hash, sent in own.items():
        read = sb.chain.backend.get_receipt(tx_hash)
        if isinstance(sent, dict):
            assert _shape(sent) == _shape(read)
        else:  # a contract handle's Receipt, made from the record
            assert (sent.status, sent.gas_used, sent.block_number) == (read["status"], read["gas_used"], read["block_number"])
            assert len(sent.logs) == len(read["logs"])


def test_a_mint_takes_the_direct_road(chain: tuple[Sandbox, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    sb, _ = chain
    probe = sb.deploy("Probe", sender=sb.accounts.alice)

    def not_this_road(*args: Any) -> Any:
        raise AssertionError("the receipt went through eth-tester's serializer")

    monkeypatch.setattr(pyevm_backend, "serialize_transaction_receipt", not_this_road)
    receipt = probe.deposit("direct", sender=sb.accounts.bob, value=7)
    assert receipt.status == 1 and len(receipt.logs) == 1
    monkeypatch.undo()
    assert sb.chain.backend.get_receipt(receipt.tx_hash)["gas_used"] == receipt.gas_used


def test_another_normalizer_keeps_its_own_answer(chain: tuple[Sandbox, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    sb, own = chain
    backend = sb.chain.backend
    probe = backend.get_receipt(list(own)[-1])["to"]  # the last of the sandbox's own sends: Probe.poke()
    seen: list[int] = []

    class Counting(DefaultNormalizer):
        @staticmethod
        def normalize_outbound_receipt(receipt: Any) -> Any:
            seen.append(receipt["status"])
            return DefaultNormalizer.normalize_outbound_receipt(receipt)

    monkeypatch.setattr(backend.tester, "normalizer", Counting())
    sent = backend.transact({"from": sb.accounts.bob.address, "to": probe, "data": function_signature_to_4byte_selector("poke()"), "value": 0})
    assert sent["status"] == 1 and seen[:1] == [1]


def test_what_it_does_not_know_goes_to_eth_tester(chain: tuple[Sandbox, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    sb, _ = chain
    block, receipts, tx, i = next(item for item in _every(sb) if item[1][item[3]].logs)
    receipt = receipts[i]
    assert _direct(block, receipts, tx, i) is not None

    def record(transaction: Any = tx, engine_receipt: Any = receipt) -> dict[str, Any] | None:
        return normalized_receipt(block_hash=block.hash, number=1, index=0, transaction=transaction, receipt=engine_receipt,
                                  previous_gas=0, success=True, base_fee=7)

    fields = {"to": tx.to, "sender": tx.sender, "hash": tx.hash, "nonce": tx.nonce}
    for odd in ({"sender": b"\x01" * 19}, {"to": bytearray(20)}, {"to": b"\x01" * 21}):
        assert record(transaction=SimpleNamespace(**{**fields, **odd})) is None, odd
    log = receipt.logs[0]
    odd_log = SimpleNamespace(address=b"\x01" * 19, data=log.data, topics=log.topics)
    assert record(engine_receipt=SimpleNamespace(logs=[odd_log], gas_used=receipt.gas_used, state_root=receipt.state_root)) is None
    monkeypatch.setattr(receipt_record, "_extract_transaction_type", lambda tx: receipt_record.BLOB_TX_TYPE)
    assert record() is None  # a blob transaction's receipt has blob gas fields: eth-tester's
