"""A saved chain's past, and how an engine continues from it.

A chain saved by the workshop keeps every block, transaction, receipt and
log (``sandbox.workshop.db``). When it is loaded again, the engine does not
replay that history: it starts from the saved state *at the saved head
block*, with that block's exact header (so the next block's ``parentHash``
is the hash clients saw before), and the backend answers every question
about block ``head`` and earlier from a :class:`History` (the store).

The engines keep the last :data:`RECENT` headers themselves, so
``blockhash()`` in a contract sees the same hashes before and after a
reload.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

Record = dict[str, Any]

#: How many of the latest headers an engine keeps for ``BLOCKHASH`` (the EVM looks back 256 blocks).
RECENT = 256


class History(ABC):
    """Blocks ``0..head`` of a saved chain, in the backends' record shape (see ``backends.base``)."""

    @property
    @abstractmethod
    def head(self) -> int:
        """Number of the last saved block: the engine continues at ``head + 1``."""

    @abstractmethod
    def block(self, ref: int | str, full: bool = False) -> Record | None:
        """The block with this number or ``0x`` hash (``None`` if not saved); ``full``: transaction records."""

    @abstractmethod
    def transaction(self, tx_hash: str) -> Record | None:
        """A saved transaction, or ``None``."""

    @abstractmethod
    def receipt(self, tx_hash: str) -> Record | None:
        """A saved receipt, or ``None``."""

    @abstractmethod
    def logs(self, first: int, last: int, addresses: set[str], topics: list[set[str] | None]) -> list[Record]:
        """Logs of blocks ``first..last`` (clipped to ``head``) matching lower-case ``addresses``
        (empty: any) and ``topics`` (per position a set of alternatives, ``None``: any)."""

    @abstractmethod
    def raw_header(self, number: int) -> bytes | None:
        """The RLP header of saved block ``number``, or ``None``."""

    @abstractmethod
    def raw_headers(self, count: int) -> list[bytes]:
        """The RLP headers of the last ``count`` saved blocks, oldest first (the last is ``head``'s)."""


def decode_header(raw: bytes) -> Any:
    """A py-evm header object from its RLP (both embedded engines make Prague-shaped headers)."""
    import rlp
    from eth.vm.forks.prague.blocks import PragueBlockHeader

    return rlp.decode(raw, sedes=PragueBlockHeader)


def encode_header(fields: dict[str, Any]) -> bytes:
    """The RLP of a Prague header from its py-evm field names (``parent_hash``, ``block_number``, ...)."""
    import rlp
    from eth.vm.forks.prague.blocks import PragueBlockHeader

    return bytes(rlp.encode(PragueBlockHeader(**fields)))


def block_number(ref: Any) -> int | None:
    """A block id as a number when it is one (``int`` or a ``0x`` quantity shorter than a hash)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    if isinstance(ref, str) and ref.startswith("0x") and len(ref) < 66:
        return int(ref, 16)
    return None



def to_engine(value: Any, key: str | None = None) -> Any:
    """A saved (normalized) record back in the shape an eth-tester backend returns.

    eth-tester normalizes outbound data by turning bytes into ``0x`` hex and
    a transaction's ``type`` int into a hex string; this is the inverse, so a
    saved record passes through eth-tester's normalizer unchanged.
    """
    if isinstance(value, dict):
        return {k: to_engine(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(to_engine(v, key) for v in value)
    if isinstance(value, str):
        if key == "type" and value.startswith("0x"):
            return int(value, 16)
        if value.startswith("0x"):
            return bytes.fromhex(value[2:])
        if value == "" and key in ("to", "contract_address"):
            return b""
    return value


class Resumed:
    """Mixin for an eth-tester backend started from a saved chain (put it first in the bases).

    Blocks up to ``history.head`` and their transactions and receipts come from
    the history; the engine holds block ``head`` itself only as the parent of
    the next one (its header exact, its body not replayed). State at an
    earlier block is read where the engine's database still holds it (py-evm:
    the last :data:`RECENT` blocks it wrote); elsewhere it was not kept, which
    a read says.
    """

    history: History | None = None

    def _engine_head(self) -> int:
        raise NotImplementedError

    def _saved(self, block_number: Any) -> int | None:
        """The saved block a block id names, or ``None`` when the engine answers."""
        history = self.history
        if history is None:
            return None
        if block_number in ("latest", "safe", "finalized"):
            head = self._engine_head()
            return head if head <= history.head else None
        if block_number == "earliest":
            return 0
        if isinstance(block_number, int) and not isinstance(block_number, bool) and block_number <= history.head:
            return block_number
        return None

    def get_block_by_number(self, block_number: Any, full_transaction: bool = True) -> Any:
        saved = self._saved(block_number)
        if saved is not None:
            assert self.history is not None
            return to_engine(_found(self.history.block(saved, full_transaction), f"No block found for block number: {block_number}"))
        return super().get_block_by_number(block_number, full_transaction)  # type: ignore[misc]

    def get_block_by_hash(self, block_hash: bytes, full_transaction: bool = True) -> Any:
        if self.history is not None:
            found = self.history.block("0x" + bytes(block_hash).hex(), full_transaction)
            if found is not None:
                return to_engine(found)
        return super().get_block_by_hash(block_hash, full_transaction)  # type: ignore[misc]

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Any:
        return self._engine_or_saved(super().get_transaction_by_hash, "transaction", transaction_hash)  # type: ignore[misc]

    def get_transaction_receipt(self, transaction_hash: bytes) -> Any:
        return self._engine_or_saved(super().get_transaction_receipt, "receipt", transaction_hash)  # type: ignore[misc]

    def _engine_or_saved(self, engine_lookup: Any, kind: str, transaction_hash: bytes) -> Any:
        """The engine's answer, else the saved record (transactions before the head are only in the store)."""
        from eth_tester.exceptions import TransactionNotFound

        try:
            return engine_lookup(transaction_hash)
        except TransactionNotFound:
            if self.history is None:
                raise
            found = getattr(self.history, kind)("0x" + bytes(transaction_hash).hex())
            if found is None:
                raise
            return to_engine(found)

    def _state_kept(self, block_number: int) -> bool:
        """Whether the engine's own database still holds block ``block_number``'s state (an engine that keeps
        history overrides this: py-evm's saved trie); otherwise only the saved head's state was loaded."""
        return False

    def _state_block(self, block_number: Any) -> Any:
        """The block id a state read goes to; refuses blocks whose state was not kept."""
        history = self.history
        if (history is not None and isinstance(block_number, int) and not isinstance(block_number, bool) and block_number < history.head
                and not self._state_kept(block_number)):
            from eth_tester.exceptions import ValidationError

            raise ValidationError(
                f"the state at block {block_number} was not kept: this chain was reloaded at block {history.head}, and on this "
                "engine a saved chain keeps the state of its last block (py-evm also keeps the last 256 blocks it wrote itself; "
                f"blocks, transactions, receipts and logs are all kept); read at block {history.head} or later"
            )
        return block_number

    def get_balance(self, account: bytes, block_number: Any = "latest") -> Any:
        return super().get_balance(account, self._state_block(block_number))  # type: ignore[misc]

    def get_nonce(self, account: bytes, block_number: Any = "latest") -> Any:
        return super().get_nonce(account, self._state_block(block_number))  # type: ignore[misc]

    def get_code(self, account: bytes, block_number: Any = "latest") -> Any:
        return super().get_code(account, self._state_block(block_number))  # type: ignore[misc]

    def get_storage(self, account: bytes, slot: int, block_number: Any = "latest") -> Any:
        return super().get_storage(account, slot, self._state_block(block_number))  # type: ignore[misc]


def _found(record: Record | None, message: str) -> Record:
    if record is None:
        from eth_tester.exceptions import BlockNotFound

        raise BlockNotFound(message)
    return record


__all__ = ["RECENT", "History", "Resumed", "block_number", "decode_header", "encode_header", "to_engine"]
