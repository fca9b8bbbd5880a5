"""Sending, calling and estimating for contract handles and the facade: one road, one error path.

A :class:`Transactor` holds the chain and the project's decoders. It turns a
request into the backend's :data:`~sandbox.backends.base.TxRequest`, lets the
backend send it (the estimate-then-confirm strategy lives there, once),
converts the backend's receipt record into a :class:`Receipt` (once), and
turns the backend's raw revert bytes into a
:class:`~sandbox.errors.ContractReverted` (once, with every ABI the project
knows). Contract handles hold a Transactor, not the facade.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from sandbox.backends.base import ExecutionFailed, Pending, Record, Reverted
from sandbox.chain.chain import Chain
from sandbox.contracts.console import decode_lines
from sandbox.contracts.events import EventDecoder, EventMap, Receipt
from sandbox.contracts.reverts import ErrorDecoder
from sandbox.contracts.trace import CallTrace, TraceDecoder
from sandbox.errors import ArgumentError, ChainError, ContractReverted


class Transactor:
    """Transactions and calls on one chain, decoded with one project's ABIs."""

    #: Called as ``observer(what, receipt)`` after every successful transaction of
    #: every Transactor; ``what`` is ``"Contract.function"``, ``"deploy Contract"`` or
    #: ``"transfer"``. The pytest plugin's ``--gas-report`` listens here.
    observers: ClassVar[list[Callable[[str, Receipt], None]]] = []
    #: Called with the decoded ``console.log`` lines of every send and call that logged any
    #: (reverted ones too); the pytest plugin's "console.log" report section listens here.
    console_listeners: ClassVar[list[Callable[[list[str]], None]]] = []

    def __init__(self, chain: Chain, *, prepare: Callable[[], None] = lambda: None) -> None:
        """``prepare`` is called before a revert is decoded (the facade compiles the project there)."""
        self.chain = chain
        self.errors = ErrorDecoder()
        self.events = EventDecoder()
        self.traces = TraceDecoder(lambda data: self.errors.decode(data).reason, self.events.decode)
        self._prepare = prepare

    def add_abi(self, abi: list[dict[str, Any]]) -> None:
        self.errors.add_abi(abi)
        self.events.add_abi(abi)
        self.traces.add_abi(abi)

    # -- what the engine recorded: console.log, call traces ------------------------------

    def _console(self, recording: Any) -> list[str]:
        lines = decode_lines(recording.console) if recording is not None and recording.console else []
        if lines:
            for listener in self.console_listeners:
                listener(lines)
        return lines

    def _failed(self, failure: ContractReverted) -> ContractReverted:
        """``failure`` with the console lines and call trace of the run that raised it (``.console``, ``.trace``)."""
        recording = self.chain.backend.last_recording()
        failure.console = self._console(recording)  # type: ignore[attr-defined]
        if recording is not None:  # decoded when read: on revm an untraced failure is traced then (LazyRecording)
            failure.trace_when_read(lambda: self.traces.decode(recording))
        return failure

    def trace(self, tx_hash: str) -> CallTrace:
        """The call tree of mined transaction ``tx_hash``.

        As recorded when it ran; else (mined by another process, or before a
        reload) run again on its parent block's state, exact when it was the
        first of its block; the top call alone where neither is possible (a
        node, a block older than a reload, a later transaction of a block
        mined together).
        """
        backend = self.chain.backend
        recording = backend.recording(tx_hash)
        if recording is not None:
            decoded = self.traces.decode(recording)
            if decoded is not None:
                return decoded
        tx = backend.get_transaction(tx_hash)
        receipt = backend.get_receipt(tx_hash)
        if tx is None or receipt is None:
            raise ChainError(f"no mined transaction {tx_hash} on this chain; pass a receipt (or hash) of a transaction sent here")
        replayed = self._replay_recording(tx)
        if replayed is not None:
            decoded = self.traces.decode(replayed)
            if decoded is not None:
                return decoded
        from sandbox.backends.trace import Frame, Recording

        data = tx.get("data") or tx.get("input") or "0x"
        to = tx.get("to") or receipt.get("contract_address")
        frame = Frame("CREATE" if not tx.get("to") else "CALL", bytes.fromhex(str(tx["from"])[2:]), bytes.fromhex(str(to)[2:]),
                      int(tx.get("value") or 0), bytes.fromhex(str(data)[2:]) if isinstance(data, str) else bytes(data),
                      int(tx.get("gas") or 0), 0, int(receipt["gas_used"]), b"", None if receipt["status"] else "reverted")
        top = self.traces.decode(Recording(frame))
        assert top is not None
        top.complete = False
        return top

    # -- the one translation of reverts ---------------------------------------------

    def reverted(self, exc: Reverted | ExecutionFailed) -> ContractReverted:
        """The user's exception for a backend's revert (raw bytes) or failure."""
        if isinstance(exc, ExecutionFailed):
            return ContractReverted(f"transaction failed ({exc})", kind="empty")
        try:
            self._prepare()
        except Exception:  # a project that does not compile still gets Error(string) and Panic decoded
            pass
        return self.errors.decode(exc.data)

    # -- requests ----------------------------------------------------------------------

    def sender(self, sender: Any, what: str) -> str:
        if sender is None:
            raise ArgumentError(f"{what} is a transaction: pass sender= (e.g. sender=sb.accounts.alice)")
        address = self.chain.accounts.resolve(sender)
        self.chain.check_can_sign(address)
        return address

    def transact(self, to: str | None, data: bytes, *, sender: Any, value: int = 0, gas: int | None = None, what: str) -> Receipt:
        """Send a transaction, mined; a revert raises :class:`ContractReverted` (with ``.receipt`` when it was mined)."""
        __tracebackhide__ = True  # pytest: failures point at the caller
        tx: dict[str, Any] = {"from": self.sender(sender, what), "to": to, "data": data, "value": value}
        try:
            record, pending = self.chain.backend.transact_deferred(tx, gas=gas)
        except (Reverted, ExecutionFailed) as exc:
            raise self._failed(self.reverted(exc)) from None
        receipt = self.receipt(record, pending)
        if receipt.status == 0:
            failure = self._failed(self._replay_failure(tx, receipt.block_number))
            failure.receipt = receipt  # type: ignore[attr-defined]
            raise failure
        for observer in self.observers:
            observer(what, receipt)
        return receipt

    def call(self, to: str, data: bytes, *, sender: Any = None, value: int = 0) -> bytes:
        """``eth_call`` at the latest block; returns the raw output."""
        __tracebackhide__ = True  # pytest: failures point at the caller
        tx: dict[str, Any] = {"to": to, "data": data, "value": value}
        if sender is not None:
            tx["from"] = self.chain.accounts.resolve(sender)
        try:
            output = self.chain.backend.call(tx)
        except (Reverted, ExecutionFailed) as exc:
            raise self._failed(self.reverted(exc)) from None
        self._console(self.chain.backend.last_recording())
        return output

    def estimate(self, to: str | None, data: bytes, *, sender: Any, value: int = 0) -> int:
        __tracebackhide__ = True  # pytest: failures point at the caller
        tx: dict[str, Any] = {"from": self.sender(sender, "estimate_gas"), "to": to, "data": data, "value": value}
        try:
            return self.chain.backend.estimate(tx, "latest" if self.chain.backend.embedded else "pending")
        except (Reverted, ExecutionFailed) as exc:
            raise self.reverted(exc) from None

    def _replay_recording(self, tx: dict[str, Any]) -> Any:
        """The recording of ``tx`` run again as a call on its parent block's state (``None``: the engine records
        nothing, that state was not kept, or ``tx`` was not the first of its block, so it is not the state it ran on)."""
        from sandbox.backends.trace import replay_call

        if tx.get("block_number") is None or int(tx.get("transaction_index") or 0) > 0:
            return None
        try:
            recording, _ = self.chain.backend.rerun(replay_call(tx), max(int(tx["block_number"]) - 1, 0))
        except ChainError:  # the state before it is gone (a reloaded revm chain keeps its last block's)
            return None
        return recording

    def _replay_failure(self, tx: dict[str, Any], block_number: int) -> ContractReverted:
        """Re-run a failed transaction as a call at its parent block to recover its revert reason."""
        call = {k: tx[k] for k in ("from", "to", "data", "value", "gas") if tx.get(k) is not None}
        try:
            self.chain.backend.call(call, max(block_number - 1, 0))
        except (Reverted, ExecutionFailed) as exc:
            return self.reverted(exc)
        return ContractReverted("transaction failed (out of gas or invalid opcode)", kind="empty")

    # -- the one conversion of receipts -----------------------------------------------------

    def receipt(self, record: Record, pending: Pending | None = None) -> Receipt:
        """The backend's receipt record as a :class:`Receipt` with decoded events (``pending``: its block is mined
        ahead of its roots, and ``Receipt.logs`` settles it for their block hash)."""
        events = EventMap()
        logs = list(record["logs"])
        for log in logs:
            event = self.events.decode(log)
            if event is not None:
                events.setdefault(event.name, []).append(event)
        contract = record.get("contract_address") if record["status"] else None
        if not logs:
            pending = None  # no log carries the block hash: nothing of this receipt waits for its block
        receipt = Receipt(
            tx_hash=str(record["transaction_hash"]),
            status=int(record["status"]),
            gas_used=int(record["gas_used"]),
            block_number=int(record["block_number"]),
            effective_gas_price=int(record.get("effective_gas_price") or 0),
            contract_address=str(contract) if contract else None,
            logs=logs,
            events=events,
            console=self._console(self.chain.backend.recording(str(record["transaction_hash"]))),
            _pending=pending,
        )
        if pending is not None:
            pending.hold(receipt)
        return receipt
