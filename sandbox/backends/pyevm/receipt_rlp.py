"""A receipt's RLP made once from its plain fields and handed to py-evm's object as pyrlp's cache.

py-evm encodes a block's receipts for its receipt trie (and again, from
pyrlp's cache, when the block is stored) through pyrlp's sedes: the
receipt's four fields, its logs' three each, every topic and the 256-byte
bloom, field by field with an ABC check per item (~40 us a mint's receipt).
:func:`prime` makes the same bytes from the fields as plain bytes and lists
(a status or state root, the cumulative gas, the bloom as 256 bytes, each
log's address, topics as 32-byte words and data) and sets them as the
object's ``_cached_rlp``, what ``rlp.encode`` returns once it has encoded an
object. Only py-evm's own receipt and log classes with plainly valid fields
are primed; any other is left to pyrlp, with its errors.
"""

from __future__ import annotations

from typing import Any

import rlp.codec
from eth.rlp.logs import Log
from eth.rlp.receipts import Receipt
from eth.vm.forks.berlin.receipts import TypedReceipt

from sandbox.backends.pyevm.speed import _big_endian  # RLP's big-endian integer bytes (zero: empty)

_WORD, _BLOOM = 1 << 256, 1 << 2048


def _items(receipt: Any) -> list[Any] | None:
    """The RLP items of a py-evm ``Receipt`` as its sedes serialize them; None when a field is not plainly what they take."""
    if type(receipt) is not Receipt:
        return None
    state_root, gas_used, bloom, logs = receipt.state_root, receipt.gas_used, receipt.bloom, receipt.logs
    if state_root.__class__ is not bytes or gas_used.__class__ is not int or gas_used < 0 \
            or bloom.__class__ is not int or not 0 <= bloom < _BLOOM or logs.__class__ is not tuple:
        return None
    encoded_logs = []
    for log in logs:
        if type(log) is not Log:
            return None
        address, topics, data = log.address, log.topics, log.data
        if address.__class__ is not bytes or len(address) not in (0, 20) or data.__class__ is not bytes or topics.__class__ is not tuple:
            return None
        if any(topic.__class__ is not int or not 0 <= topic < _WORD for topic in topics):
            return None
        encoded_logs.append([address, [topic.to_bytes(32, "big") for topic in topics], data])
    return [state_root, _big_endian(gas_used), bloom.to_bytes(256, "big"), encoded_logs]


def prime(receipt: Any) -> None:
    """Give ``receipt`` (a py-evm ``Receipt``, or a typed receipt over one) its encoding as pyrlp's cache, when plain."""
    if isinstance(receipt, TypedReceipt):  # Berlin's and London's (a type byte and the inner receipt's RLP)
        if type(receipt).encode is not TypedReceipt.encode:
            return
        inner = receipt._inner
    else:
        inner = receipt
    if type(inner) is not Receipt or inner._cached_rlp:
        return
    items = _items(inner)
    if items is None:
        return
    inner._cached_rlp = rlp.codec.encode_raw(items)
    if inner is not receipt and "_type_byte" not in receipt.__dict__:
        type_id = receipt.type_id
        if type_id.__class__ is int and 0 < type_id < 0x80:
            receipt.__dict__["_type_byte"] = bytes((type_id,))  # py-evm's cached property (to_bytes(type_id)), given


__all__ = ["prime"]
