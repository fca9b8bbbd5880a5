"""Blocks, receipts and their eth-tester serialization for the revm backend.

Transactions and receipts are py-evm's own objects (so hashes, signatures,
typed envelopes, blooms and the transaction/receipt tries are exactly
py-evm's); headers are py-evm's Prague headers. The one field that is not
real is ``state_root``: revm's state has no Merkle trie, so it holds a
placeholder derived from the parent hash, the block number and the state log.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

import rlp
import rlp.codec
from eth.abc import ReceiptAPI
from eth.constants import BLANK_ROOT_HASH, EMPTY_UNCLE_HASH, GENESIS_PARENT_HASH, POST_MERGE_DIFFICULTY, POST_MERGE_NONCE
from eth.db.trie import make_trie_root_and_nodes
from eth.rlp.logs import Log
from eth.rlp.receipts import Receipt
from eth.vm.forks.berlin.receipts import TypedReceipt
from eth.vm.forks.berlin.transactions import AccessListTransaction, TypedTransaction
from eth.vm.forks.frontier.transactions import FrontierTransaction
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
from eth.vm.forks.london.transactions import DynamicFeeTransaction
from eth.vm.forks.prague.blocks import PragueBlockHeader
from eth_hash.auto import keccak
from eth_tester.backends.pyevm.serializers import _extract_transaction_type, serialize_transaction
from eth_tester.utils.address import generate_contract_address

from sandbox.backends import receipt_record
from sandbox.backends.receipt_record import effective_gas_price
from sandbox.backends.revm.state import Outcome

INITIAL_BASE_FEE = 10**9
EMPTY_REQUESTS_HASH = hashlib.sha256(b"").digest()
ZERO_HASH = b"\x00" * 32


def receipt_rlp(receipt: Any) -> bytes:
    """``receipt.encode()`` from plain bytes and lists through rlp's raw encoder: py-evm's serializes field by field
    through its sedes (~70 us a mint's receipt, about half that here). py-evm's receipts (legacy, or typed around
    one) only; any other kind encodes itself."""
    inner, prefix = receipt, b""
    if isinstance(receipt, TypedReceipt):
        inner, prefix = receipt._inner, bytes(receipt._type_byte)
    if inner.__class__ is not Receipt:
        return bytes(receipt.encode())
    gas = int(inner.gas_used)
    logs = [[bytes(log.address), [int(topic).to_bytes(32, "big") for topic in log.topics], bytes(log.data)] for log in inner.logs]
    fields = [bytes(inner.state_root), gas.to_bytes((gas.bit_length() + 7) // 8, "big"), int(inner.bloom).to_bytes(256, "big"), logs]
    return prefix + bytes(rlp.codec.encode_raw(fields))


def trie_root(items: list[Any]) -> bytes:
    """Root of the index-keyed trie of ``items`` (transactions or receipts), as py-evm computes it."""
    if len(items) == 1:
        # One leaf: key rlp(0) = 0x80, hex-prefix encoded as a leaf (0x20 0x80); the
        # node is always over 32 bytes, so the root is its hash.
        item = items[0]
        return keccak(rlp.codec.encode_raw([b"\x20\x80", receipt_rlp(item) if isinstance(item, ReceiptAPI) else bytes(item.encode())]))
    if not items:
        return BLANK_ROOT_HASH
    return bytes(make_trie_root_and_nodes(tuple(items))[0])


def _be(value: int) -> bytes:
    """An unsigned integer as RLP's big-endian bytes (no leading zeros; zero is empty)."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


#: PragueBlockHeader's fields in order, and the length each byte field must have (None: any; 0: also empty).
_HEADER_BYTES: dict[str, tuple[int, ...] | None] = {
    "parent_hash": (32,), "uncles_hash": (32,), "coinbase": (20, 0), "state_root": (32, 0), "transaction_root": (32, 0),
    "receipt_root": (32, 0), "extra_data": None, "mix_hash": None, "nonce": (8, 0), "withdrawals_root": (32, 0),
    "parent_beacon_block_root": (32,), "requests_hash": (32,),
}
_HEADER_FIELDS = tuple(name for name, _ in PragueBlockHeader._meta.fields)
#: (name, is a byte field, the lengths it may have) per field.
_HEADER_SHAPE = tuple((name, name in _HEADER_BYTES, _HEADER_BYTES.get(name)) for name in _HEADER_FIELDS)


def header_rlp(fields: dict[str, Any]) -> bytes | None:
    """``rlp.encode(PragueBlockHeader(**fields))`` from the fields themselves (pyrlp's Serializable set-up and sedes,
    ~60 us a block, spared); None when a field is not what the fast road knows (py-evm's header then judges it)."""
    items: list[bytes] = []
    for name, is_bytes, lengths in _HEADER_SHAPE:
        value = fields[name]
        if not is_bytes:  # an integer (bloom: 256 bytes, fixed)
            if value.__class__ is not int or value < 0:
                return None
            if name == "bloom":
                if value >= 1 << 2048:
                    return None
                items.append(value.to_bytes(256, "big"))
            else:
                items.append(_be(value))
        else:
            if value.__class__ is not bytes or (lengths is not None and len(value) not in lengths):
                return None
            items.append(value)
    return bytes(rlp.codec.encode_raw(items))


#: Bloom bits of a log's address or topic (three bits of its keccak), by the value: a chain's contracts, event
#: signatures and accounts come back in every block. Cleared when full, never evicted one by one.
_BLOOM_BITS: dict[Any, int] = {}
_MAX_BLOOM_BITS = 8192


def _bloom_bits(value: bytes) -> int:
    bits = _BLOOM_BITS.get(value)
    if bits is None:
        digest = keccak(value)
        bits = (1 << (((digest[0] << 8) | digest[1]) & 2047)) | (1 << (((digest[2] << 8) | digest[3]) & 2047)) \
            | (1 << (((digest[4] << 8) | digest[5]) & 2047))
        if len(_BLOOM_BITS) >= _MAX_BLOOM_BITS:
            _BLOOM_BITS.clear()
        _BLOOM_BITS[value] = bits
    return bits


def logs_bloom(logs: list[tuple[bytes, list[int], bytes]]) -> int:
    """The receipt bloom of ``(address, topics, data)`` logs, as eth-bloom's ``BloomFilter`` of py-evm's ``Log.bloomables``."""
    bloom = 0
    for address, topics, _data in logs:
        bloom |= _bloom_bits(address)
        for topic in topics:
            bloom |= _bloom_bits(topic.to_bytes(32, "big"))
    return bloom


#: py-evm's ``make_receipt`` of the transactions that build ``Receipt(state_root=status, gas_used=..., logs=[Log...])``.
_PLAIN_RECEIPTS = frozenset({FrontierTransaction.make_receipt, AccessListTransaction.make_receipt, DynamicFeeTransaction.make_receipt})


def make_receipt(tx: Any, status: bytes, gas_used: int, logs: list[tuple[bytes, list[int], bytes]]) -> Any:
    """``tx.make_receipt(status, gas_used, logs)``, with the bloom from :func:`logs_bloom` (eth-bloom's
    generators and a keccak per address and topic, ~50 us a mint, spared). py-evm's own receipt objects;
    a transaction kind not known to build the plain receipt makes its own."""
    typed = isinstance(tx, TypedTransaction)
    inner = tx._inner if typed else tx
    if type(inner).make_receipt not in _PLAIN_RECEIPTS or (typed and type(tx).make_receipt is not TypedTransaction.make_receipt) \
            or any(address.__class__ is not bytes or len(address) != 20 for address, _, _ in logs):
        return tx.make_receipt(status, gas_used, [(a, tuple(t), d) for a, t, d in logs])
    receipt = Receipt(state_root=status, gas_used=gas_used, logs=[Log(a, tuple(t), d) for a, t, d in logs], bloom=logs_bloom(logs))
    if not typed:
        return receipt
    typed_receipt = tx.receipt_builder.typed_receipt_class(tx.type_id, receipt)
    if "_type_byte" not in typed_receipt.__dict__ and tx.type_id.__class__ is int and 0 < tx.type_id < 0x80:
        typed_receipt.__dict__["_type_byte"] = _TYPE_BYTES[tx.type_id]  # py-evm's cached to_bytes(type_id), through eth-utils' checks
    return typed_receipt


#: One byte per transaction type (``to_bytes(type_id)`` of a type below 0x80).
_TYPE_BYTES = [bytes((i,)) for i in range(0x80)]


class _ParentFees:
    """What ``calculate_expected_base_fee_per_gas`` reads of a parent header."""

    __slots__ = ("base_fee_per_gas", "gas_limit", "gas_used")

    def __init__(self, base_fee_per_gas: int, gas_limit: int, gas_used: int) -> None:
        self.base_fee_per_gas, self.gas_limit, self.gas_used = base_fee_per_gas, gas_limit, gas_used


@dataclass
class Block:
    """A sealed or pending block: header fields, transactions, receipts, outcomes."""

    number: int
    timestamp: int
    base_fee: int
    gas_limit: int
    parent_hash: bytes
    coinbase: bytes = b"\x00" * 20
    transactions: list[Any] = field(default_factory=list)
    receipts: list[Any] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    mix_hash: bytes = ZERO_HASH
    #: Length of the state log when the block was sealed (None while pending).
    mark: int | None = None
    #: py-evm's header object: given (a resumed chain's head), or made when first asked for (:attr:`header`).
    kept_header: Any = None

    @property
    def gas_used(self) -> int:
        return int(self.receipts[-1].gas_used) if self.receipts else 0

    #: A sealed block's header RLP and hash, worked out once (the hash is asked for three times a mint).
    _sealed: tuple[bytes, bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def hash(self) -> bytes:
        sealed = self._sealed
        if sealed is not None:
            return sealed[1]
        if self.kept_header is not None:
            return bytes(self.kept_header.hash)
        return self._encoded()[1]

    def header_rlp(self) -> bytes:
        """The RLP of this block's header (:meth:`make_header`'s, encoded)."""
        if self.kept_header is not None:
            return bytes(rlp.encode(self.kept_header))
        return self._encoded()[0]

    def _encoded(self) -> tuple[bytes, bytes]:
        fields = self.header_fields()
        encoded = header_rlp(fields)
        if encoded is None:  # a field the fast road does not know: py-evm's header, and its errors
            header = PragueBlockHeader(**fields)
            encoded = bytes(rlp.encode(header))
        done = (encoded, bytes(keccak(encoded)))
        if self.mark is not None:  # sealed: the header no longer changes
            self._sealed = done
        return done

    def header_fields(self) -> dict[str, Any]:
        """The keyword arguments of this block's ``PragueBlockHeader``."""
        bloom = 0
        for receipt in self.receipts:
            bloom |= int(receipt.bloom)
        tx_root, receipt_root = trie_root(self.transactions), trie_root(self.receipts)
        return dict(
            parent_hash=self.parent_hash,
            uncles_hash=EMPTY_UNCLE_HASH,
            coinbase=self.coinbase,
            # Unique per chain history (the parent hash chains back through random mix hashes), so a
            # py-evm reload that makes this root name the rebuilt state never meets another state under it.
            state_root=keccak(b"revm-state" + self.parent_hash + self.number.to_bytes(8, "big") + (self.mark or 0).to_bytes(8, "big")),
            transaction_root=tx_root,
            receipt_root=receipt_root,
            bloom=bloom,
            difficulty=POST_MERGE_DIFFICULTY,
            block_number=self.number,
            gas_limit=self.gas_limit,
            gas_used=self.gas_used,
            timestamp=self.timestamp,
            extra_data=b"",
            mix_hash=self.mix_hash,
            nonce=POST_MERGE_NONCE,
            base_fee_per_gas=self.base_fee,
            withdrawals_root=BLANK_ROOT_HASH,
            blob_gas_used=0,
            excess_blob_gas=0,
            parent_beacon_block_root=ZERO_HASH,
            requests_hash=EMPTY_REQUESTS_HASH,
        )

    @property
    def header(self) -> Any:
        """py-evm's header of this block (eth-tester's serializers read it): :meth:`make_header`."""
        return self.make_header()

    def make_header(self) -> Any:
        """py-evm's header of this block (made from the fields; a sealed block's is kept)."""
        if self.kept_header is not None:
            return self.kept_header
        header = PragueBlockHeader(**self.header_fields())
        if self.mark is not None:  # sealed: the header no longer changes
            self.kept_header = header
        return header

    def parent_fees(self) -> Any:
        """What the child's base fee is computed from (``calculate_expected_base_fee_per_gas`` reads these three)."""
        if self.kept_header is not None:
            return self.kept_header
        return _ParentFees(self.base_fee, self.gas_limit, self.gas_used)

    def seal(self, mark: int, coinbase: bytes) -> None:
        self.mark = mark
        self.coinbase = coinbase
        self.mix_hash = os.urandom(32)  # post-merge prevrandao, random as eth-tester's
        self._encoded()

    @property
    def uncles(self) -> list[Any]:
        return []


def genesis_block(params: dict[str, Any], mark: int) -> Block:
    block = Block(
        number=0,
        timestamp=int(params["timestamp"]),
        base_fee=INITIAL_BASE_FEE,
        gas_limit=int(params["gas_limit"]),
        parent_hash=GENESIS_PARENT_HASH,
        coinbase=params.get("coinbase", b"\x00" * 20),
        mix_hash=params.get("mix_hash", ZERO_HASH),
    )
    block.mark = mark
    block.hash  # noqa: B018 (sealed: its header encoded once)
    return block


def child_of(parent: Block) -> Block:
    """The pending block on top of ``parent`` (timestamp and base fee as py-evm sets them)."""
    return Block(
        number=parent.number + 1,
        timestamp=max(parent.timestamp + 1, int(time.time())),
        base_fee=calculate_expected_base_fee_per_gas(parent.parent_fees()),
        gas_limit=parent.gas_limit,
        parent_hash=parent.hash,
    )


# -- eth-tester serialization (the shapes of eth_tester.backends.pyevm.serializers) --


def serialize_block(block: Block, full_transactions: bool, is_pending: bool) -> dict[str, Any]:
    header = block.make_header()
    if full_transactions:
        transactions: list[Any] = [serialize_transaction(block, tx, i, is_pending) for i, tx in enumerate(block.transactions)]
    else:
        transactions = [tx.hash for tx in block.transactions]
    size = len(rlp.encode(header)) + sum(len(tx.encode()) for tx in block.transactions) + 4
    return {
        "number": block.number,
        "hash": header.hash,
        "parent_hash": header.parent_hash,
        "nonce": header.nonce,
        "sha3_uncles": header.uncles_hash,
        "logs_bloom": header.bloom,
        "transactions_root": header.transaction_root,
        "receipts_root": header.receipt_root,
        "state_root": header.state_root,
        "coinbase": header.coinbase,
        "difficulty": header.difficulty,
        "total_difficulty": header.difficulty,
        "mix_hash": header.mix_hash,
        "size": size,
        "extra_data": header.extra_data.rjust(32, b"\x00"),
        "gas_limit": header.gas_limit,
        "gas_used": header.gas_used,
        "timestamp": header.timestamp,
        "transactions": transactions,
        "uncles": [],
        "base_fee_per_gas": header.base_fee_per_gas,
        "withdrawals": [],
        "withdrawals_root": header.withdrawals_root,
        "parent_beacon_block_root": header.parent_beacon_block_root,
        "blob_gas_used": header.blob_gas_used,
        "excess_blob_gas": header.excess_blob_gas,
        "requests_hash": header.requests_hash,
    }


def serialize_receipt(block: Block, index: int, is_pending: bool) -> dict[str, Any]:
    transaction, receipt, outcome = block.transactions[index], block.receipts[index], block.outcomes[index]
    block_hash = None if is_pending else block.hash
    number = None if is_pending else block.number
    tx_index = None if is_pending else index
    logs = [
        {
            "type": "pending" if is_pending else "mined",
            "log_index": log_index,
            "transaction_index": tx_index,
            "transaction_hash": transaction.hash,
            "block_hash": block_hash,
            "block_number": number,
            "address": log.address,
            "data": log.data,
            "topics": [topic.to_bytes(32, "big") for topic in log.topics],
        }
        for log_index, log in enumerate(receipt.logs)
    ]
    previous = int(block.receipts[index - 1].gas_used) if index else 0
    return {
        "block_hash": block_hash,
        "block_number": number,
        "contract_address": generate_contract_address(transaction.sender, transaction.nonce) if transaction.to == b"" else None,
        "cumulative_gas_used": int(receipt.gas_used),
        "effective_gas_price": effective_gas_price(transaction, block.base_fee),
        "from": transaction.sender,
        "gas_used": int(receipt.gas_used) - previous,
        "logs": logs,
        "state_root": receipt.state_root,
        "status": 1 if outcome.success else 0,
        "to": transaction.to,
        "transaction_hash": transaction.hash,
        "transaction_index": tx_index,
        "type": _extract_transaction_type(transaction),
    }


def normalized_receipt(block: Block, index: int) -> dict[str, Any] | None:
    """``normalize_outbound_receipt(serialize_receipt(block, index, False))`` of eth-tester's default normalizer,
    built in one go (:func:`sandbox.backends.receipt_record.normalized_receipt`); a sealed block's only.
    None when a field is not what that knows (the caller then takes eth-tester's normalizer)."""
    return receipt_record.normalized_receipt(
        block_hash=block.hash, number=block.number, index=index, transaction=block.transactions[index],
        receipt=block.receipts[index], previous_gas=int(block.receipts[index - 1].gas_used) if index else 0,
        success=block.outcomes[index].success, base_fee=block.base_fee)


def resume_blocks(engine: Any, history: Any) -> None:
    """Make ``engine`` (a RevmBackend on the saved state) continue at the saved head block.

    The head's header is kept exact (its hash is the next block's parent);
    earlier blocks are answered by the history, so the list holds ``None``
    for them and stays indexed by block number.
    """
    from sandbox.backends.history import decode_header

    raw = history.raw_header(history.head)
    header = decode_header(raw)
    base = Block(
        number=int(header.block_number), timestamp=int(header.timestamp), base_fee=int(header.base_fee_per_gas),
        gas_limit=int(header.gas_limit), parent_hash=bytes(header.parent_hash), coinbase=bytes(header.coinbase),
        mix_hash=bytes(header.mix_hash), mark=len(engine.state.log), kept_header=header,
    )
    engine.blocks = [None] * base.number + [base]
    engine.pending = child_of(base)
    engine._by_hash = {base.hash: base}
    engine._tx_block = {}
    engine.history = history
