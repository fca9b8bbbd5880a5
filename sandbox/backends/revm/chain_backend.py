"""revm behind the seam: :class:`RevmChainBackend` over eth-tester's interface on pyrevm.

The engine is :class:`~sandbox.backends.revm.backend.RevmBackend` (eth-tester's
backend interface on revm); this class gives it the sandbox's seam. State
dumps read the Python mirror of revm's accounts and storage directly, so a
chain saved on py-evm loads here and the other way round.
"""

from __future__ import annotations

from typing import Any

from eth_keys import keys as eth_keys
from eth_tester import EthereumTester
from eth_tester.exceptions import TransactionNotFound
from eth_tester.normalization import DefaultNormalizer

from sandbox.backends.base import ExecutionFailed, Genesis, Record, Reverted, StateDump
from sandbox.backends.history import Resumed
from sandbox.backends.pyevm.signing import sign
from sandbox.backends.revm.backend import RevmBackend
from sandbox.backends.revm.blocks import normalized_receipt, resume_blocks
from sandbox.backends.revm.tracing import LazyRecording, Tracer
from sandbox.backends.tester import TesterBackend, stand_in_key
from sandbox.backends.trace import Recorder, Recording


class ResumableRevmBackend(Resumed, RevmBackend):
    """RevmBackend able to continue a saved chain (``sandbox.backends.history``)."""

    def _engine_head(self) -> int:
        return int(self.blocks[-1].number)


class RevmChainBackend(TesterBackend):
    """The fast engine: revm 8 (Cancun) through pyrevm, in this process."""

    engine = "revm"
    evm_version = "cancun"

    def __init__(self, genesis: Genesis, *, persistent: bool = False) -> None:
        # Transactions, receipts and headers are py-evm's objects here too: py-evm's verified shortcuts for their
        # RLP and keccak (idempotent, process-wide) make a mint on revm ~1/3 cheaper than without them; a revm chain
        # alone no longer runs slower than one made after a py-evm chain (bench/peers.py makes both).
        from sandbox.backends.pyevm import speed

        speed.install()
        params = None
        if genesis.state is not None and genesis.state.timestamp:
            from eth_tester.backends.pyevm.main import get_default_genesis_params

            params = dict(get_default_genesis_params({"timestamp": genesis.state.timestamp}))
        engine = ResumableRevmBackend(genesis_parameters=params, genesis_state=genesis.accounts(), chain_id=genesis.chain_id)
        engine.account_keys = tuple(eth_keys.PrivateKey(k) for k in genesis.keys)
        if genesis.state is not None and genesis.state.history is not None:
            resume_blocks(engine, genesis.state.history)
        super().__init__(EthereumTester(engine), engine.estimator, genesis.chain_id)
        self.observer = Recorder()
        engine.tracer = engine.state.tracer = Tracer(self.observer)
        #: Lengths of the state's write log at the start and at the last :meth:`state_changes`.
        self._load_mark = self._changes_mark = len(engine.state.log)
        self._reported_accounts: set[bytes] = set()
        self._reported_slots: dict[bytes, set[int]] = {}

    # -- recordings (sandbox.backends.revm.tracing: a mined transaction's frames are traced when first asked for) --

    def recording(self, tx_hash: str) -> Recording | None:
        assert self.observer is not None
        found = self.observer.by_tx.get(tx_hash)
        if found is not None and (isinstance(found, LazyRecording) or found.root is not None):  # a lazy one's root would trace it
            return found
        engine = self.engine_backend
        try:
            engine._find(bytes.fromhex(tx_hash[2:]))
        except (TransactionNotFound, ValueError):
            return found
        lazy = LazyRecording(lambda target: engine.retrace(bytes.fromhex(tx_hash[2:]), target))
        if found is not None:
            lazy.console = found.console
        self.observer.by_tx[tx_hash] = lazy
        return lazy

    def _own_receipt(self, tx_hash: str) -> Record | None:
        """The receipt of a transaction just sent, normalized as eth-tester's default normalizer does
        (:func:`~sandbox.backends.revm.blocks.normalized_receipt`, the same record built directly)."""
        engine = self.engine_backend
        if self.tester.normalizer.__class__ is DefaultNormalizer:
            try:
                block, index = engine._find(bytes.fromhex(tx_hash[2:]))
            except (TransactionNotFound, KeyError):
                return None
            if block is engine.pending:
                return None
            receipt = normalized_receipt(block, index)
            if receipt is not None:
                return receipt
        return super()._own_receipt(tx_hash)

    def _call(self, raw: dict[str, Any], block: int | str, *, free: bool) -> bytes:
        engine = self.engine_backend
        if free:  # as geth: no fee fields, gas price 0, so the sender needs no ether for gas (cast calls from 0x0)
            gas = raw.get("gas") or (engine.pending.gas_limit - engine.pending.gas_used)
            outcome = engine._run_at(block, raw, engine._context, gas=gas, price=0)
        else:
            outcome = engine.call_outcome(raw, block)
        if outcome.success:
            return bytes(outcome.output)
        if outcome.error == "Revert":
            raise Reverted(bytes(outcome.output))
        raise ExecutionFailed(f"execution failed: {outcome.error}")

    def _set_pending_timestamp(self, timestamp: int) -> None:
        self.engine_backend.pending.timestamp = timestamp

    def _pending_header_timestamp(self) -> int:
        return int(self.engine_backend.pending.timestamp)

    def create_access_list(self, tx: Any, block: Any = "latest") -> Any:
        from sandbox.backends.revm.access_list import access_list_of  # runs through revm's tracer, read as geth's tracer

        return access_list_of(self, tx, block)

    def get_proof(self, address: str, slots: list[int], block: Any = "latest") -> Any:
        from sandbox.errors import ChainError

        raise ChainError("a Merkle proof needs a state trie, and the revm engine keeps accounts in a flat map "
                         "(its blocks carry a placeholder stateRoot); use the py-evm backend (--backend pyevm) for eth_getProof")

    # -- the pending block (sandbox.backends.mining) ---------------------------------

    def _pending_empty(self) -> bool:
        return not self.engine_backend.pending.transactions

    def _pending_objects(self) -> list[Any]:
        return list(self.engine_backend.pending.transactions)

    def _apply_object(self, tx: Any) -> None:
        self.engine_backend._apply(tx)

    def _head_timestamp(self) -> int:
        return int(self.engine_backend.blocks[-1].timestamp)

    # -- cheatcodes -------------------------------------------------------------

    def _write_account(self, address: bytes, *, balance: int | None = None, nonce: int | None = None,
                       code: bytes | None = None, storage: dict[int, int] | None = None) -> None:
        # WorldState logs every write, so a snapshot (a block's log mark) taken before undoes it.
        state = self.engine_backend.state
        old_balance, old_nonce, _ = state.account(address)
        state.set_account(
            address,
            old_balance if balance is None else balance,
            old_nonce if nonce is None else nonce,
            state.code(address) if code is None else code,
            storage,
        )

    def _send_unsigned(self, raw: dict[str, Any]) -> str:
        engine = self.engine_backend
        signed = sign(engine._unsigned(engine._normalize_transaction(raw)), eth_keys.PrivateKey(stand_in_key(raw["from"])))
        signed.__dict__["sender"] = raw["from"]  # revm's blocks keep this object: its records name the real sender
        return "0x" + bytes(engine._apply(signed)).hex()

    def state_changes(self, *, since_load: bool = False) -> dict[bytes, dict[str, Any]]:
        waiting = self._restart()  # at the head: what pending transactions wrote is not saved until a block keeps it
        try:
            return self._changes_at_head(since_load=since_load)
        finally:
            if waiting:
                self._rebuild(waiting)

    def _changes_at_head(self, *, since_load: bool) -> dict[bytes, dict[str, Any]]:
        state = self.engine_backend.state
        log = state.log
        start = self._load_mark if since_load or self._changes_mark > len(log) else self._changes_mark
        addresses: set[bytes] = set()
        slots: dict[bytes, set[int]] = {}
        if start == self._load_mark:
            # Since the load: what earlier calls reported too, for a revert may have undone it from the log since.
            addresses |= self._reported_accounts
            for address, keys in self._reported_slots.items():
                slots.setdefault(address, set()).update(keys)
        for is_storage, key, _old, _new in log[start:]:
            if is_storage:
                slots.setdefault(key[0], set()).add(int(key[1]))
            else:
                addresses.add(key)
        out: dict[bytes, dict[str, Any]] = {}
        for address in addresses | set(slots):
            balance, nonce, _ = state.account(address)
            out[address] = {"nonce": int(nonce), "balance": int(balance), "code": bytes(state.code(address)),
                            "storage": {slot: int(state.slot(address, slot)) for slot in slots.get(address, ())}, "wiped": False}
        self._changes_mark = len(log)
        self._reported_accounts |= addresses
        for address, keys in slots.items():
            self._reported_slots.setdefault(address, set()).update(keys)
        return out

    def _engine_raw_header(self, block: int | str) -> bytes | None:
        from eth_tester.exceptions import BlockNotFound

        try:
            found = self.engine_backend._block(block)
        except BlockNotFound:
            return None
        return None if found is None else found.header_rlp()

    def dump_state(self) -> StateDump:
        waiting = self._restart()  # the state of the latest block: pending transactions left out
        try:
            return self._dump_head()
        finally:
            if waiting:
                self._rebuild(waiting)

    def _dump_head(self) -> StateDump:
        state = self.engine_backend.state
        accounts: dict[bytes, dict[str, Any]] = {}
        for address, (balance, nonce, code_hash) in state.accounts.items():
            accounts[address] = {"nonce": int(nonce), "balance": int(balance), "code": bytes(state.codes[code_hash]), "storage": {}}
        for (address, slot), value in state.storage.items():
            if value:
                accounts.setdefault(address, {"nonce": 0, "balance": 0, "code": b"", "storage": {}})["storage"][int(slot)] = int(value)
        accounts = {a: v for a, v in accounts.items() if v["nonce"] or v["balance"] or v["code"] or v["storage"]}
        head = self.engine_backend.blocks[-1]
        return StateDump(accounts, int(head.number), int(head.timestamp), None)
