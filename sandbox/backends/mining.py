"""Mining modes and block time for the embedded engines: automine, or a pending block mined on demand.

Mixed into :class:`sandbox.backends.tester.TesterBackend`. With automine
(the default) every transaction is mined as it arrives. With it off
(``set_automine(False)``: the node's ``--no-mining``, ``evm_setAutomine``,
interval mining) a transaction goes into the engine's own pending block and
stays there: ``pending`` reads see it, its receipt is ``None`` and the next
:meth:`mine` seals every waiting transaction in one block, as anvil does.

The pending block is the pool: nothing is kept beside it. When it has to
be rebuilt (a cheatcode sealed in its own block, a revert, a dropped
transaction, or a mine at a later time than the transactions arrived at)
the block is emptied and its transactions applied again, in order, so they
run in the block that mines them; one the new state refuses (nonce, funds)
is left out, as a pool drops it. The pending block keeps its transactions
in anvil's order (:func:`block_order`: highest fee per gas first, each
sender's nonces in order), not in the order they arrived, so ``pending``
reads and the block a mine seals agree.

Timestamps follow :class:`sandbox.backends.clock.Clock` (anvil's rule).

Each engine gives small primitives: ``_pending_objects`` (its pending
transactions, as py-evm signed-transaction objects), ``_apply_object``,
``_pending_empty``, ``_head_timestamp``, ``_set_pending_timestamp`` and
``_pending_header_timestamp``.
"""

from __future__ import annotations

import heapq
from abc import abstractmethod
from typing import Any

from eth_tester.exceptions import ValidationError
from eth_utils import ValidationError as EVMValidationError
from eth_utils import to_canonical_address

from sandbox.backends.clock import Clock
from sandbox.errors import TransactionRejected

#: What engines raise for a transaction the state refuses (nonce, funds, gas): eth-tester's and py-evm's.
REFUSALS = (ValidationError, EVMValidationError)


class PendingBlock:
    """Automine switch, pending block and clock of an embedded backend (see the module docstring)."""

    engine_backend: Any
    tester: Any
    impersonated: set[bytes]
    _automine: bool = True
    _clock: Clock | None = None

    # -- engine primitives -----------------------------------------------------------

    @abstractmethod
    def _pending_objects(self) -> list[Any]:
        """The transactions in the engine's pending block, in order (signed py-evm objects, real senders)."""

    @abstractmethod
    def _apply_object(self, tx: Any) -> None:
        """Apply one of :meth:`_pending_objects` to the pending block again (raises if the state refuses it)."""

    @abstractmethod
    def _pending_empty(self) -> bool:
        """No transaction in the pending block (cheap: asked on every send)."""

    @abstractmethod
    def _head_timestamp(self) -> int:
        """The latest block's timestamp."""

    @abstractmethod
    def _set_pending_timestamp(self, timestamp: int) -> None:
        """Set the pending block's timestamp."""

    @abstractmethod
    def _pending_header_timestamp(self) -> int:
        """The pending block's timestamp as the engine holds it."""

    @abstractmethod
    def _send_unsigned(self, raw: dict[str, Any]) -> str:
        """Apply ``raw`` from an impersonated sender to the pending block (see TesterBackend)."""

    # -- the seam's methods --------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = Clock(self._head_timestamp())
        return self._clock

    def automine(self) -> bool:
        return self._automine

    def set_automine(self, enabled: bool) -> None:
        self._automine = bool(enabled)
        if enabled and not self._pending_empty():  # what waited is mined now
            self._seal()

    def pending_transactions(self) -> list[str]:
        return [] if self._pending_empty() else ["0x" + bytes(tx.hash).hex() for tx in self._pending_objects()]

    def drop_transaction(self, tx_hash: str) -> bool:
        if self._pending_empty():
            return False
        waiting = self._pending_objects()
        kept = [tx for tx in waiting if "0x" + bytes(tx.hash).hex() != tx_hash.lower()]
        if len(kept) == len(waiting):
            return False
        self._rebuild(kept)
        return True

    def set_next_timestamp(self, timestamp: int) -> None:
        self.clock.exact = int(timestamp)
        if self._pending_empty():
            self._set_pending_timestamp(int(timestamp))

    def pending_timestamp(self) -> int:
        return self.clock.next(self._head_timestamp())

    def set_block_timestamp_interval(self, seconds: int | None) -> None:
        self.clock.interval = None if seconds is None else int(seconds)
        self._stamp()

    def increase_time(self, seconds: int) -> int:
        offset = self.clock.increase(seconds, self._head_timestamp())
        self._stamp()
        return offset

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self._seal()

    # -- inside ------------------------------------------------------------------------------

    def _stamp(self) -> int:
        """Give an empty pending block the clock's time now (a transaction is about to run in it); returns it."""
        if not self._pending_empty():
            return self._pending_header_timestamp()
        timestamp = self.clock.next(self._head_timestamp())
        if timestamp != self._pending_header_timestamp():
            self._set_pending_timestamp(timestamp)
        return timestamp

    def _seal(self) -> None:
        """Mine the pending block at the clock's time; waiting transactions run again in it."""
        timestamp = self.clock.next(self._head_timestamp())
        if self._pending_empty():
            self._set_pending_timestamp(timestamp)
        else:
            # Run again even at the same time: the state recorder notes their writes for the block that keeps them.
            self._rebuild_in_order(self._pending_objects(), timestamp)
        self.tester.mine_blocks(1)
        self.clock.mined(timestamp)

    def _mined(self, timestamp: int) -> None:
        """A transaction was just mined at ``timestamp`` (automine)."""
        self.clock.mined(timestamp)

    def _restart(self) -> list[Any]:
        """Empty the pending block; returns what was in it."""
        waiting = [] if self._pending_empty() else self._pending_objects()
        if waiting:
            engine = self.engine_backend
            engine.revert_to_snapshot(engine.take_snapshot())  # the head again, with a new pending block on it
        return waiting

    def _rebuild(self, waiting: list[Any], timestamp: int | None = None) -> None:
        """A new pending block at ``timestamp`` (default: the clock's) with ``waiting`` applied again."""
        self._restart()
        self._set_pending_timestamp(timestamp if timestamp is not None else self.clock.next(self._head_timestamp()))
        for tx in waiting:
            try:
                self._apply_object(tx)
            except REFUSALS:
                pass  # no longer valid on this state: dropped, as a pool drops it

    def _rebuild_in_order(self, waiting: list[Any], timestamp: int) -> None:
        """Rebuild the pending block with ``waiting`` in :func:`block_order`.

        If that order would leave one out (it needs what another sender's
        transaction, now later, gives it: funds), the order they had is kept:
        a transaction the node took is never lost to a reordering.
        """
        ordered = block_order(waiting)
        self._rebuild(ordered, timestamp)
        if ordered != waiting and len(self._pending_objects()) < len(waiting):
            self._rebuild(waiting, timestamp)

    def _keep_block_order(self) -> None:
        """After a transaction joined the pending block: put it where the mined block will have it (anvil's pending block)."""
        if self._pending_empty():
            return
        waiting = self._pending_objects()
        if [bytes(tx.hash) for tx in block_order(waiting)] != [bytes(tx.hash) for tx in waiting]:
            self._rebuild_in_order(waiting, self._pending_header_timestamp())

    def _to_pending(self, tx: dict[str, Any], raw: dict[str, Any], held: bool) -> str:
        """Put request ``tx`` (``raw``: the engine's shape) in the pending block without mining; returns its hash."""
        self._stamp()
        sender = to_canonical_address(tx["from"])
        if "nonce" not in raw:
            raw["nonce"] = int(self.engine_backend.get_nonce(sender, "pending"))
        if not held and sender not in self.impersonated:
            raise TransactionRejected(f"unknown account {tx['from']}: this chain signs only for its dev accounts; sign it yourself and send it raw")
        after = self._make_room(sender, int(raw["nonce"]), raw.get("max_fee_per_gas", raw.get("gas_price")))
        try:
            if not held:
                tx_hash = self._send_unsigned(raw)
            else:
                tx_hash = "0x" + bytes(self.engine_backend.send_transaction(raw)).hex()
        except REFUSALS as exc:
            raise TransactionRejected(f"the chain refused the transaction from {tx['from']}: {exc}") from None
        finally:
            self._apply_again(after)
        self._keep_block_order()
        return tx_hash

    def _raw_to_pending(self, raw: bytes) -> str:
        self._stamp()
        decoded = _decode(raw)
        after = [] if decoded is None else self._make_room(bytes(decoded.sender), int(decoded.nonce), _fee(decoded))
        try:
            tx_hash = "0x" + bytes(self.engine_backend.send_raw_transaction(raw)).hex()
        except REFUSALS as exc:
            raise TransactionRejected(f"the chain refused the raw transaction: {exc}") from None
        finally:
            self._apply_again(after)
        self._keep_block_order()
        return tx_hash

    def _make_room(self, sender: bytes, nonce: int, fee: int | None) -> list[Any]:
        """A pending transaction of ``sender`` with ``nonce`` is replaced (as anvil's pool: only by a higher fee).

        The old one and the ones after it leave the pending block; the ones
        after are returned, to be applied again once the new one is in.
        """
        if self._pending_empty():
            return []
        waiting = self._pending_objects()
        for index, old in enumerate(waiting):
            if bytes(old.sender) == sender and int(old.nonce) == nonce:
                if fee is not None and fee <= _fee(old):
                    raise TransactionRejected(f"replacement transaction underpriced: a pending transaction from 0x{sender.hex()} has nonce "
                                              f"{nonce} at {_fee(old)} wei per gas; send the replacement with a higher fee")
                self._rebuild(waiting[:index])
                return waiting[index + 1:]
        return []

    def _apply_again(self, waiting: list[Any]) -> None:
        for tx in waiting:
            try:
                self._apply_object(tx)
            except REFUSALS:
                pass


def block_order(waiting: list[Any]) -> list[Any]:
    """The order a mined block takes ``waiting`` in (arrival order): anvil's ``TransactionOrder::Fees``.

    The highest fee per gas first (the max fee of an EIP-1559 transaction,
    the gas price of a legacy one: what anvil's ``gas_price()`` ranks by,
    not the tip), ties in arrival order, and each sender's transactions in
    nonce order: a sender's next transaction is ranked only once the one
    before it is in the block.
    """
    by_sender: dict[bytes, list[tuple[int, int, Any]]] = {}
    for arrival, tx in enumerate(waiting):
        by_sender.setdefault(bytes(tx.sender), []).append((int(tx.nonce), arrival, tx))
    queues = {sender: sorted(txs, key=lambda entry: entry[:2]) for sender, txs in by_sender.items()}
    heads = [(-_fee(txs[0][2]), txs[0][1], sender) for sender, txs in queues.items()]
    heapq.heapify(heads)
    ordered: list[Any] = []
    while heads:
        _, _, sender = heapq.heappop(heads)
        txs = queues[sender]
        ordered.append(txs.pop(0)[2])
        if txs:
            heapq.heappush(heads, (-_fee(txs[0][2]), txs[0][1], sender))
    return ordered


def _fee(tx: Any) -> int:
    """What a transaction offers per gas (its max fee, or its gas price)."""
    return int(getattr(tx, "max_fee_per_gas", None) or getattr(tx, "gas_price", None) or 0)


def _decode(raw: bytes) -> Any:
    """``raw`` as a py-evm transaction (for its sender, nonce and fee), ``None`` if it does not decode: the engine says why."""
    from eth.vm.forks.prague import PragueVM

    try:
        return PragueVM.get_transaction_builder().decode(raw)
    except Exception:
        return None
