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

from typing import Any

import pytest
from eth_account import Account as EthAccount
from eth_tester.backends.pyevm.serializers import serialize_transaction_receipt
from eth_tester.normalization.default import DefaultNormalizer
from eth_utils import function_signature_to_4byte_selector

from sandbox import Sandbox
from sandbox.backends import receipt_record
from sandbox.backends.pyevm import backend as pyevm_backend
from sandbox.backends.receipt_record import normalized_receipt
from sandbox.errors import ContractReverted
from tests.backends.workload import LOGGER_INIT, PROBE
from tests.backends.workload import shape as _shape


@pytest.fixture(scope="module")
def chain() -> tuple[Sandbox, dict[str, Any]]:
    sb = Sandbox(PROBE, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    w3, backend = sb.w3, sb.chain.backend
    own: dict[str, Any] = {}  # what the sandbox's own sends returned, by hash
    probe = sb.deploy("Probe", sender=alice)
    for receipt in (probe.deposit("hello", sender=bob, value=12345), probe.poke(sender=alice), probe.poke(sender=bob)):
        own[receipt.tx_hash] = receipt
    for mined_failure in (lambda: probe.failWithString.transact("boom", sender=alice, gas=100_000),  # reverted, mined
                          lambda: probe.poke(sender=alice, gas=22_000)):  # out of gas, mined
        with pytest.raises(ContractReverted):
            mined_failure()
    logger = w3.eth.get_transaction_receipt(w3.eth.send_transaction({"from": alice.address, "data": LOGGER_INIT, "gas": 200_000}))
    assert logger["status"] == 1
    logger_address = logger["contractAddress"]
    assert w3.eth.get_transaction_receipt(w3.eth.send_transaction({"from": alice.address, "data": b"\xfe", "gas": 100_000}))["status"] == 0
    for fees in ({"gasPrice": 3 * 10**9}, {"gasPrice": 2 * 10**9, "accessList": [{"address": logger_address, "storageKeys": ["0x" + "00" * 31 + "01"]}]},
                 {"maxFeePerGas": 4 * 10**9, "maxPriorityFeePerGas": 10**9}):
        w3.eth.send_transaction({"from": bob.address, "to": logger_address, "gas": 100_000, **fees})
    outsider = EthAccount.create()
    sb.transfer(outsider.address, 10**18, sender=alice)
    for nonce, fees in enumerate(({"gasPrice": 2 * 10**9}, {"maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 2, "type": 2})):
        signed = outsider.sign_transaction({"to": logger_address, "value": 1, "gas": 100_000, "nonce": nonce, "chainId": sb.chain.chain_id, **fees})
        w3.eth.send_raw_transaction(signed.raw_transaction)
    for _ in range(2):  # the sandbox's one-run send to a contract with three logs
        sent = backend.transact({"from": bob.address, "to": logger_address, "data": b"", "value": 0})
        own[sent["transaction_hash"]] = sent
    backend.set_automine(False)
    for sender in (alice, bob):
        backend.send_transaction({"from": sender.address, "to": logger_address, "data": b"", "value": 0, "gas": 100_000})
    backend.send_transaction({"from": alice.address, "to": probe.address, "data": function_signature_to_4byte_selector("poke()"), "value": 0, "gas": 100_000})
    backend.send_transaction({"from": bob.address, "data": b"\xfe", "value": 0, "gas": 60_000})
    backend.mine(1)
    backend.set_automine(True)
    return sb, own


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


def test_a_mint_takes_the_direct_road(monkeypatch: pytest.MonkeyPatch) -> None:
    sb = Sandbox(PROBE, backend="pyevm")
    probe = sb.deploy("Probe", sender=sb.accounts.alice)

    def not_this_road(*args: Any) -> Any:
        raise AssertionError("the receipt went through eth-tester's serializer")

    monkeypatch.setattr(pyevm_backend, "serialize_transaction_receipt", not_this_road)
    receipt = probe.deposit("direct", sender=sb.accounts.bob, value=7)
    assert receipt.status == 1 and len(receipt.logs) == 1
    monkeypatch.undo()
    assert sb.chain.backend.get_receipt(receipt.tx_hash)["gas_used"] == receipt.gas_used


def test_another_normalizer_keeps_its_own_answer() -> None:
    sb = Sandbox(PROBE, backend="pyevm")
    probe = sb.deploy("Probe", sender=sb.accounts.alice)
    backend = sb.chain.backend
    seen: list[int] = []

    class Counting(DefaultNormalizer):
        @staticmethod
        def normalize_outbound_receipt(receipt: Any) -> Any:
            seen.append(receipt["status"])
            return DefaultNormalizer.normalize_outbound_receipt(receipt)

    backend.tester.normalizer = Counting()
    sent = backend.transact({"from": sb.accounts.bob.address, "to": probe.address, "data": function_signature_to_4byte_selector("poke()"), "value": 0})
    assert sent["status"] == 1 and seen[:1] == [1]


def test_what_it_does_not_know_goes_to_eth_tester(chain: tuple[Sandbox, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    sb, _ = chain
    block, receipts, tx, i = next(item for item in _every(sb) if item[1][item[3]].logs)
    assert _direct(block, receipts, tx, i) is not None

    class Odd:
        def __init__(self, inner: Any, **changed: Any) -> None:
            self.__dict__.update({name: getattr(inner, name) for name in ("to", "sender", "hash", "nonce", "max_fee_per_gas",
                                                                            "max_priority_fee_per_gas", "gas_price", "type_id", "logs",
                                                                            "gas_used", "state_root", "address", "data", "topics")
                                  if hasattr(inner, name)})
            self.__dict__.update(changed)

    short = (Odd(tx, sender=b"\x01" * 19), Odd(tx, to=bytearray(20)), Odd(tx, to=b"\x01" * 21))
    for odd in short:
        assert normalized_receipt(block_hash=block.hash, number=1, index=0, transaction=odd, receipt=receipts[i], previous_gas=0,
                                  success=True, base_fee=7) is None
    odd_log = Odd(receipts[i], logs=[Odd(receipts[i].logs[0], address=b"\x01" * 19)])
    assert normalized_receipt(block_hash=block.hash, number=1, index=0, transaction=tx, receipt=odd_log, previous_gas=0,
                              success=True, base_fee=7) is None
    monkeypatch.setattr(receipt_record, "_extract_transaction_type", lambda tx: receipt_record.BLOB_TX_TYPE)
    assert normalized_receipt(block_hash=block.hash, number=1, index=0, transaction=tx, receipt=receipts[i], previous_gas=0,
                              success=True, base_fee=7) is None  # a blob transaction's receipt has blob gas fields: eth-tester's
