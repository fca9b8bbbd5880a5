"""A mined transaction's receipt record, as eth-tester's default normalizer gives it, built in one go (both engines).

eth-tester reads a receipt back through its serializer (bytes fields, one
dict per log) and then its outbound normalizer: ``normalize_dict`` over
curried formatters for the receipt, its logs and each log's topics, ~120 us
a mint on py-evm, as much as the receipt's own trie work. The sandbox's own
sends take their receipt right after the block is sealed, with the
transaction and py-evm receipt object in hand; :func:`normalized_receipt`
builds eth-tester's answer from them directly: the same keys in the same
order, the same strings (addresses checksummed, hashes and data as ``0x``
hex) and the same ints.

It answers ``None`` for anything it does not know (a sender or address that
is not 20 bytes, a blob transaction, whose receipt has blob fields), and the
caller then takes eth-tester's own road. It is for mined transactions only
(a pending one has ``None`` for block hash, number and index).
``tests/backends/test_receipt_record.py`` compares it with eth-tester's
serializer and normalizer on every kind of transaction on both engines.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_tester.backends.pyevm.serializers import _extract_transaction_type
from eth_tester.utils.address import generate_contract_address
from eth_utils import to_checksum_address

#: eth-tester's outbound address normalizer (``to_checksum_address``), each address worked out once.
checksum = lru_cache(maxsize=8192)(to_checksum_address)

#: eth-tester's type for a blob transaction (its receipt carries blob gas fields this does not build).
BLOB_TX_TYPE = 3


def effective_gas_price(transaction: Any, base_fee: int) -> int:
    """What eth-tester's serializer gives as ``effective_gas_price``: the EIP-1559 price paid, or a legacy gas price."""
    if hasattr(transaction, "max_priority_fee_per_gas"):
        return int(min(transaction.max_fee_per_gas, transaction.max_priority_fee_per_gas + base_fee))
    return int(transaction.gas_price)


def normalized_receipt(*, block_hash: bytes, number: int, index: int, transaction: Any, receipt: Any,
                       previous_gas: int, success: bool, base_fee: int) -> dict[str, Any] | None:
    """``normalize_outbound_receipt(serialize_transaction_receipt(...))`` of eth-tester's default normalizer.

    ``transaction`` and ``receipt`` are py-evm's objects (the revm engine
    keeps py-evm's too); ``previous_gas`` is the cumulative gas of the
    transaction before it in the block (0 for the first) and ``success``
    its status. None when a field is not what this knows.
    """
    to, sender = transaction.to, transaction.sender
    if to.__class__ is not bytes or len(to) not in (0, 20) or sender.__class__ is not bytes or len(sender) != 20:
        return None
    tx_type = _extract_transaction_type(transaction)
    if tx_type == BLOB_TX_TYPE:
        return None
    block_hex = "0x" + block_hash.hex()
    tx_hash = "0x" + bytes(transaction.hash).hex()
    logs = []
    for log_index, log in enumerate(receipt.logs):
        address = log.address
        if address.__class__ is not bytes or len(address) != 20:
            return None
        logs.append({
            "type": "mined",
            "log_index": log_index,
            "transaction_index": index,
            "transaction_hash": tx_hash,
            "block_hash": block_hex,
            "block_number": number,
            "address": checksum(address),
            "data": "0x" + bytes(log.data).hex(),
            "topics": ["0x" + topic.to_bytes(32, "big").hex() for topic in log.topics],
        })
    status = 1 if success else 0
    cumulative = int(receipt.gas_used)
    return {
        "block_hash": block_hex,
        "block_number": number,
        "contract_address": checksum(generate_contract_address(sender, transaction.nonce)) if status and to == b"" else None,
        "cumulative_gas_used": cumulative,
        "effective_gas_price": effective_gas_price(transaction, base_fee),
        "from": checksum(sender),
        "gas_used": cumulative - previous_gas,
        "logs": logs,
        "state_root": receipt.state_root,
        "status": status,
        "to": checksum(to) if to else "",
        "transaction_hash": tx_hash,
        "transaction_index": index,
        "type": hex(tx_type),
    }
