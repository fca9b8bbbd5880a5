"""Lookups of a block's transactions, receipts and raw bytes (by block number or hash and index).

Mixed into :class:`sandbox.node.methods.RpcHandler`; like the rest of the
handler they read the chain through ``sb.chain.backend`` only. Anything
that does not exist is ``null``, as on anvil and geth.
"""

from __future__ import annotations

from typing import Any

from sandbox.node.wire import block_id, hash_param, params_of, quantity, raw_transaction, receipt_out, transaction_out


class LookupMethods:
    """``eth_getBlockReceipts``, ``eth_getBlockTransactionCountBy*``, ``eth_getTransactionByBlock*AndIndex``, ``eth_getRawTransaction*``."""

    def _block_param(self, sb: Any, block: Any, full: bool = False) -> dict[str, Any] | None:
        """A block by number, tag or hash (``None`` when there is none)."""
        found = sb.chain.backend.get_block(block_id(block if block is not None else "latest"), full)
        return dict(found) if found is not None else None

    def _count(self, sb: Any, block: Any) -> str | None:
        found = self._block_param(sb, block)
        return hex(len(found["transactions"])) if found is not None else None

    def rpc_eth_getBlockTransactionCountByNumber(self, sb: Any, params: list[Any]) -> str | None:
        (number,) = params_of(params, 1, 1, "eth_getBlockTransactionCountByNumber")
        return self._count(sb, number)

    def rpc_eth_getBlockTransactionCountByHash(self, sb: Any, params: list[Any]) -> str | None:
        (block_hash,) = params_of(params, 1, 1, "eth_getBlockTransactionCountByHash")
        return self._count(sb, hash_param(block_hash, "block hash"))

    def _at_index(self, sb: Any, block: Any, index: Any) -> dict[str, Any] | None:
        found = self._block_param(sb, block, full=True)
        position = quantity(index, "transaction index")
        if found is None or position >= len(found["transactions"]):
            return None
        return dict(found["transactions"][position])

    def rpc_eth_getTransactionByBlockNumberAndIndex(self, sb: Any, params: list[Any]) -> Any:
        number, index = params_of(params, 2, 2, "eth_getTransactionByBlockNumberAndIndex")
        found = self._at_index(sb, number, index)
        return transaction_out(found) if found is not None else None

    def rpc_eth_getTransactionByBlockHashAndIndex(self, sb: Any, params: list[Any]) -> Any:
        block_hash, index = params_of(params, 2, 2, "eth_getTransactionByBlockHashAndIndex")
        found = self._at_index(sb, hash_param(block_hash, "block hash"), index)
        return transaction_out(found) if found is not None else None

    def rpc_eth_getRawTransactionByHash(self, sb: Any, params: list[Any]) -> str | None:
        (tx_hash,) = params_of(params, 1, 1, "eth_getRawTransactionByHash")
        found = sb.chain.backend.get_transaction(hash_param(tx_hash, "transaction hash"))
        return raw_transaction(found) if found is not None else None

    def rpc_eth_getRawTransactionByBlockNumberAndIndex(self, sb: Any, params: list[Any]) -> str | None:
        number, index = params_of(params, 2, 2, "eth_getRawTransactionByBlockNumberAndIndex")
        found = self._at_index(sb, number, index)
        return raw_transaction(found) if found is not None else None

    def rpc_eth_getRawTransactionByBlockHashAndIndex(self, sb: Any, params: list[Any]) -> str | None:
        block_hash, index = params_of(params, 2, 2, "eth_getRawTransactionByBlockHashAndIndex")
        found = self._at_index(sb, hash_param(block_hash, "block hash"), index)
        return raw_transaction(found) if found is not None else None

    def rpc_eth_getBlockReceipts(self, sb: Any, params: list[Any]) -> Any:
        (block,) = params_of(params, 1, 1, "eth_getBlockReceipts")
        found = self._block_param(sb, block)
        if found is None:
            return None
        receipts = (sb.chain.backend.get_receipt(h) for h in found["transactions"])
        return [receipt_out(r) for r in receipts if r is not None]
