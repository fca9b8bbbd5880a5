"""The node's mining modes and its transaction pool, as anvil serves them.

Three modes, as anvil's ``MiningMode``: automine (the default: each
transaction is mined as it arrives), interval mining (``sandbox node
--block-time N`` or ``evm_setIntervalMining(N)``: a block every N seconds,
with whatever is pending) and manual (``--no-mining``,
``evm_setAutomine(false)``, ``evm_setIntervalMining(0)``: transactions wait
until ``evm_mine`` / ``anvil_mine``). The pending transactions live in the
backend's pending block (``ChainBackend.set_automine``,
``pending_transactions``, ``drop_transaction``); transactions whose nonce is
ahead wait in the node's :class:`~sandbox.node.queue.NonceQueue` (anvil's
"queued"). ``txpool_status`` / ``txpool_content`` / ``txpool_inspect`` show
both.

The mode belongs to the node, not to a chain: when the workshop reloads its
chain (another process saved it), the next request puts the mode back on
the new backend.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sandbox.node.queue import NonceQueue
from sandbox.node.wire import INVALID_PARAMS, RpcError, hash_param, params_of, quantity, transaction_out

log = logging.getLogger(__name__)

#: The longest block time accepted (a day): longer is almost certainly a unit mistake (ms for s).
MAX_BLOCK_TIME = 86_400


class IntervalMiner:
    """A thread that mines a block every ``seconds`` through ``mine(stopped)`` until stopped.

    ``stop()`` does not wait for the thread: it is called from a request that holds the
    workshop's lock, which a block being mined waits for; ``mine`` checks ``stopped`` once it
    has the lock, so no block is mined after ``stop()`` returns.
    """

    def __init__(self, seconds: int, mine: Any) -> None:
        self.seconds = seconds
        self._mine = mine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sandbox-interval-miner-{seconds}s", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self._mine(self._stop)
            except Exception:  # a bad block must not end the node's clock; the next interval tries again
                log.exception("interval mining failed")

    def stop(self) -> None:
        self._stop.set()


class MiningMethods:
    """Mixed into :class:`sandbox.node.methods.RpcHandler`: mining modes and the pool."""

    ws: Any
    queue: NonceQueue
    #: Automine wanted (False: manual or interval mining).
    automine: bool = True
    interval: IntervalMiner | None = None

    def configure_mining(self, *, block_time: int | None = None, mining: bool = True) -> None:
        """The mode at start: ``block_time`` seconds between blocks, or ``mining=False`` for manual mining."""
        if block_time:
            self._set_interval(block_time)
        elif not mining:
            self.automine = False

    def sync_mining(self, sb: Any) -> None:
        """Put the node's mode on the chain's backend (a reloaded chain starts in automine).

        When the workshop reloaded its chain (another process committed to the store), the
        transactions still pending on the old chain are sent again to the new one, in order, as a
        pool keeps its transactions when the chain moves on; one the new state refuses (a nonce
        another process used, funds) is dropped, as a pool drops it, and the node's log says so.
        """
        backend = sb.chain.backend
        previous = getattr(self, "_mining_backend", None)
        self._mining_backend = backend
        waiting: list[dict[str, Any]] = []
        if previous is not None and previous is not backend and not previous.automine():
            for tx_hash in previous.pending_transactions():
                record = previous.get_transaction(tx_hash)
                if record is not None:
                    waiting.append(record)
        if backend.automine() != self.automine:
            backend.set_automine(self.automine)
        for record in waiting:
            self._pend_again(previous, backend, record)

    @staticmethod
    def _pend_again(previous: Any, backend: Any, record: dict[str, Any]) -> None:
        from sandbox.errors import SandboxError
        from sandbox.node.wire import raw_transaction

        try:
            if previous.is_impersonating(str(record["from"])):  # its signature is a stand-in's: send it unsigned again
                backend.impersonate(str(record["from"]))
                request = {k: record[k] for k in ("from", "to", "value", "gas", "nonce", "data") if record.get(k) not in (None, "")}
                for fee in ("gas_price", "max_fee_per_gas", "max_priority_fee_per_gas"):
                    if record.get(fee) is not None:
                        request[fee] = record[fee]
                request["data"] = bytes.fromhex(str(record.get("data") or "0x")[2:])
                backend.send_transaction(request)
            else:
                backend.send_raw(bytes.fromhex(raw_transaction(record)[2:]))
        except (SandboxError, ValueError, KeyError) as exc:
            log.warning("dropped pending transaction %s after the chain was reloaded: %s", record.get("hash"), exc)

    def close(self) -> None:
        """Stop interval mining (the server is shutting down)."""
        if self.interval is not None:
            self.interval.stop()
            self.interval = None

    def _set_interval(self, seconds: int) -> None:
        if not 0 <= seconds <= MAX_BLOCK_TIME:
            raise RpcError(INVALID_PARAMS, f"block time must be 0..{MAX_BLOCK_TIME} seconds, got {seconds}")
        self.close()
        self.automine = False
        if seconds:
            self.interval = IntervalMiner(seconds, self._mine_interval_block)

    def _mine_interval_block(self, stopped: threading.Event) -> None:
        with self.ws.session(write=True) as sb:
            if stopped.is_set():  # stopped while this block waited for the lock
                return
            self.sync_mining(sb)
            sb.chain.backend.mine(1)

    # -- modes -------------------------------------------------------------------------

    def rpc_evm_setAutomine(self, sb: Any, params: list[Any]) -> None:
        """true: mine each transaction as it arrives (and what is pending now); false: manual mining."""
        (enabled,) = params_of(params, 1, 1, "evm_setAutomine")
        if not isinstance(enabled, bool):
            raise RpcError(INVALID_PARAMS, f"evm_setAutomine takes true or false, got {enabled!r}")
        self.close()
        self.automine = enabled
        self.sync_mining(sb)

    def rpc_anvil_getAutomine(self, sb: Any, params: list[Any]) -> bool:
        """Whether each transaction is mined as it arrives (false under manual and interval mining)."""
        params_of(params, 0, 0, "anvil_getAutomine")
        return self.automine

    def rpc_evm_setIntervalMining(self, sb: Any, params: list[Any]) -> None:
        """A block every N seconds; 0 turns interval mining off and leaves manual mining (as anvil)."""
        (interval,) = params_of(params, 1, 1, "evm_setIntervalMining")
        self._set_interval(quantity(interval, "interval"))
        self.sync_mining(sb)

    # -- the pool -----------------------------------------------------------------------

    def rpc_evm_dropTransaction(self, sb: Any, params: list[Any]) -> str | None:
        """Takes a pending or queued transaction out of the pool; its hash, or null if it was not there (mined ones stay)."""
        (tx_hash,) = params_of(params, 1, 1, "anvil_dropTransaction")
        wanted = hash_param(tx_hash, "transaction hash")
        if sb.chain.backend.drop_transaction(wanted) or self.queue.drop(wanted):
            return wanted
        return None

    def rpc_evm_dropAllTransactions(self, sb: Any, params: list[Any]) -> None:
        """Empties the pool: every pending and queued transaction."""
        params_of(params, 0, 0, "anvil_dropAllTransactions")
        backend = sb.chain.backend
        for tx_hash in backend.pending_transactions():
            backend.drop_transaction(tx_hash)
        self.queue.clear()

    def _pool(self, sb: Any) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
        """``{"pending"|"queued": {sender: {nonce: transaction}}}`` in wire form."""
        backend = sb.chain.backend
        pool: dict[str, dict[str, dict[str, dict[str, Any]]]] = {"pending": {}, "queued": {}}
        for tx_hash in backend.pending_transactions():
            found = backend.get_transaction(tx_hash)
            if found is not None:
                wire = transaction_out(found)
                pool["pending"].setdefault(str(wire["from"]).lower(), {})[str(int(wire["nonce"], 16))] = wire
        for wire in self.queue.transactions():
            pool["queued"].setdefault(str(wire["from"]).lower(), {})[str(int(wire["nonce"], 16))] = wire
        return pool

    def rpc_txpool_status(self, sb: Any, params: list[Any]) -> dict[str, str]:
        """How many transactions are pending (in the next block) and queued (nonce ahead)."""
        params_of(params, 0, 0, "txpool_status")
        return {"pending": hex(len(sb.chain.backend.pending_transactions())), "queued": hex(len(self.queue))}

    def rpc_txpool_content(self, sb: Any, params: list[Any]) -> Any:
        """Every pending and queued transaction, by sender and nonce."""
        params_of(params, 0, 0, "txpool_content")
        return self._pool(sb)

    def rpc_txpool_inspect(self, sb: Any, params: list[Any]) -> Any:
        """Each transaction as anvil summarises it: ``to: value wei + gas gas × price wei``."""
        params_of(params, 0, 0, "txpool_inspect")
        summary: dict[str, dict[str, dict[str, str]]] = {}
        for kind, senders in self._pool(sb).items():
            summary[kind] = {}
            for sender, by_nonce in senders.items():
                summary[kind][sender] = {
                    nonce: f"{(tx.get('to') or 'contract creation').lower()}: {int(tx['value'], 16)} wei + {int(tx['gas'], 16)} gas "
                           f"× {int(tx.get('maxFeePerGas') or tx.get('gasPrice') or '0x0', 16)} wei"
                    for nonce, tx in by_nonce.items()
                }
        return summary
