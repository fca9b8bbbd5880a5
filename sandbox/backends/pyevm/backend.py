"""py-evm behind the seam: eth-tester's ``PyEVMBackend``, patched in one place.

Every py-evm detail the sandbox depends on lives here (titanoboa keeps its
py-evm patches in one module the same way): the snapshot revert that does
not re-execute a block, the geth-style gas estimator, the chain id, calls
with raw revert data, the pending block's clock, logs read from the
receipts of one block, and state dumps through the recorder.
"""

from __future__ import annotations

import os
from typing import Any

from eth.constants import ZERO_ADDRESS
from eth.exceptions import Revert
from eth.vm.forks.paris import ParisVM
from eth.vm.forks.prague import PragueVM
from eth.vm.spoof import SpoofTransaction
from eth_keys import keys as eth_keys
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import _get_block_by_number
from eth_tester.backends.pyevm.serializers import serialize_transaction_receipt
from eth_tester.exceptions import ValidationError
from eth_tester.normalization.default import DefaultNormalizer
from eth_utils import ValidationError as EVMValidationError
from eth_utils import to_canonical_address

from sandbox.backends.base import ExecutionFailed, Genesis, Record, Reverted, StateDump, TxRequest
from sandbox.backends.history import Resumed
from sandbox.backends.pyevm import coverage, speed
from sandbox.backends.pyevm.gas import GethStyleEstimator
from sandbox.backends.pyevm.oneshot import add_to_block, apply_once, run_once, seal
from sandbox.backends.pyevm.persist import StateRecorder, start_from
from sandbox.backends.pyevm.tail import MAX_AHEAD, UNKNOWN, UNKNOWN_HEX, Noted, Tail, Touched, fill_hash, next_header, write
from sandbox.backends.pyevm.tail import install as tail_install
from sandbox.backends.receipt_record import normalized_receipt
from sandbox.backends.tester import FEE_FIELDS, TesterBackend, stand_in_key
from sandbox.backends.trace import Recorder
from sandbox.errors import ChainError

#: Senders remembered by transaction hash (cleared, not evicted one by one, past this: then recovered again).
MAX_SENDERS = 65_536


class PatchedPyEVMBackend(PyEVMBackend):  # type: ignore[misc]
    """eth-tester's PyEVMBackend with a revert that does not re-execute a block.

    eth-tester reverts by making the snapshot block canonical and importing
    it again, which re-runs its transactions (~one transaction's cost per
    revert). The block's state is already in the database, so making it the
    head and starting a new pending header on top is enough.
    """

    #: Hash -> sender of transactions sent as an impersonated address: their signature is a
    #: stand-in key's, so a transaction read back from the database gets its real sender again.
    spoofed: dict[bytes, bytes]

    @property
    def chain(self) -> Any:
        """py-evm's chain, with any blocks mined ahead of their roots built first (:mod:`sandbox.backends.pyevm.tail`)."""
        tail = self.__dict__.get("tail")
        if tail is not None and tail.blocks and not tail.bypass:
            tail.settle()
        return self.__dict__.get("_py_evm_chain")

    @chain.setter
    def chain(self, value: Any) -> None:
        tail = self.__dict__.get("tail")
        if tail is not None and tail.blocks:
            tail.settle()  # onto the chain they were mined on, before it is replaced
        self.__dict__["_py_evm_chain"] = value

    @property
    def unsettled_chain(self) -> Any:
        """The chain as it is, blocks mined ahead of their roots not built (the tail's own steps only)."""
        return self.__dict__.get("_py_evm_chain")

    def _real(self, transaction: Any) -> Any:
        tx_hash = transaction.hash
        sender = self.__dict__.get("spoofed", {}).get(tx_hash) or self.__dict__.get("signed_by", {}).get(tx_hash)
        if sender is not None:
            transaction.__dict__["sender"] = sender  # py-evm's cached_property
        return transaction

    def remember_sender(self, transaction_hash: bytes, sender: bytes) -> None:
        """The sender of a transaction this process signed: read back, it is not recovered from its signature again."""
        known = self.__dict__.setdefault("signed_by", {})
        if len(known) >= MAX_SENDERS:
            known.clear()
        known[transaction_hash] = sender

    def _locate(self, transaction_hash: bytes) -> tuple[Any, Any, int]:
        """Block, transaction and index of a transaction, by py-evm's transaction index.

        eth-tester scans every block from the head down, which grows with the
        chain and reads bodies a resumed chain does not hold.
        """
        from eth.exceptions import BlockNotFound as NoBlock
        from eth.exceptions import HeaderNotFound
        from eth.exceptions import TransactionNotFound as NotIndexed
        from eth_tester.exceptions import TransactionNotFound

        pending = self.chain.get_block()
        for index, transaction in enumerate(pending.transactions):
            if transaction.hash == transaction_hash:
                return pending, transaction, index
        try:
            number, index = self.chain.chaindb.get_transaction_index(transaction_hash)
            block = self.chain.get_canonical_block_by_number(number)
            if index < len(block.transactions) and block.transactions[index].hash == transaction_hash:
                return block, block.transactions[index], index
        except (NotIndexed, HeaderNotFound, NoBlock):
            pass
        raise TransactionNotFound(f"No transaction found for transaction hash: 0x{bytes(transaction_hash).hex()}")

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Any:
        from eth_tester.backends.pyevm.serializers import serialize_transaction

        block, transaction, index = self._locate(transaction_hash)
        return serialize_transaction(block, self._real(transaction), index, block.number == self.chain.get_block().number)

    def get_transaction_receipt(self, transaction_hash: bytes) -> Any:
        block, transaction, index = self._locate(transaction_hash)
        return serialize_transaction_receipt(block, block.get_receipts(self.chain.chaindb), self._real(transaction), index,
                                             block.number == self.chain.get_block().number, self.chain.get_vm())

    def get_block_by_number(self, block_number: Any, full_transaction: bool = True) -> Any:
        return self._real_block(super().get_block_by_number(block_number, full_transaction))

    def get_block_by_hash(self, block_hash: bytes, full_transaction: bool = True) -> Any:
        return self._real_block(super().get_block_by_hash(block_hash, full_transaction))

    def _real_block(self, block: Any) -> Any:
        spoofed = self.__dict__.get("spoofed")
        if not spoofed or not block.get("transactions") or not isinstance(block["transactions"][0], dict):
            return block
        txs = [dict(t, **{"from": spoofed[t["hash"]]}) if t["hash"] in spoofed else t for t in block["transactions"]]
        return dict(block, transactions=txs)

    def estimate_gas(self, transaction: Any, block_number: Any = "latest") -> Any:
        if block_number != "pending":
            return super().estimate_gas(transaction, block_number)
        # eth-tester refuses "pending"; with transactions waiting (manual mining) it is the pending header's state
        from eth.vm.spoof import SpoofTransaction

        unsigned = self._get_normalized_and_unsigned_evm_transaction(dict(transaction, gas=21000), "pending")
        return self.chain.estimate_gas(SpoofTransaction(unsigned, from_=transaction["from"]), self.chain.header)

    def revert_to_snapshot(self, snapshot: bytes) -> None:
        from eth.constants import GENESIS_PARENT_HASH

        tail = self.__dict__.get("tail")
        if tail is not None and tail.blocks:
            tail.drop()  # every snapshot is of a built block, behind them: unbuilt, unless a receipt of theirs is held
            # (then self.chain below builds them first)
        block = self.chain.get_block_by_hash(snapshot)
        chaindb = self.chain.chaindb
        chaindb._set_as_canonical_chain_head(chaindb.db, block.header, GENESIS_PARENT_HASH)
        self.chain.header = self.chain.create_header_from_parent(block.header)


class SandboxPyEVMBackend(Resumed, PatchedPyEVMBackend):
    """The patched backend, able to continue a saved chain (``sandbox.backends.history``)."""

    def _state_kept(self, block_number: int) -> bool:
        """py-evm's saved trie keeps the state of every block it wrote, and its database the last
        :data:`~sandbox.backends.history.RECENT` headers: a block before the reload is readable when both are there
        (not for a chain another engine saved: its trie was rebuilt for the head alone)."""
        try:
            header = self.chain.chaindb.get_canonical_block_header_by_number(block_number)
            return bool(self.chain.chaindb.db.exists(header.state_root))
        except Exception:  # not there: older than the headers kept, or no trie for that root
            return False

    def _engine_head(self) -> int:
        return int(self.chain.get_canonical_head().block_number)


class PyEvmChainBackend(TesterBackend):
    """The default engine: py-evm (Prague), in this process."""

    engine = "py-evm"
    evm_version = "prague"

    def __init__(self, genesis: Genesis, *, persistent: bool = False) -> None:
        speed.install()
        tail_install()
        private_keys = tuple(eth_keys.PrivateKey(k) for k in genesis.keys)
        dev_accounts = {k.public_key.to_canonical_address(): {"balance": genesis.balance, "nonce": 0, "code": b"", "storage": {}}
                        for k in private_keys}
        engine = SandboxPyEVMBackend(genesis_state=dev_accounts)
        engine.account_keys = private_keys
        loaded: dict[bytes, dict[str, Any]] | None = dev_accounts
        if genesis.state is not None and (genesis.state.accounts or genesis.state.history is not None):
            # A chain opened lazily from a store (its trie saved) has no accounts to read: None.
            loaded = genesis.state.accounts if genesis.state.accounts or genesis.state.engine_db is None else None
            start_from(engine, genesis.state)  # may build a new chain (and chain class)
            engine.history = genesis.state.history
        if persistent:
            from sandbox.backends.pyevm.lazydb import adopt

            adopt(engine)  # its database's writes are saved with the chain (a reload then rebuilds nothing)
        chain_class = type(engine.chain)
        # Each PyEVMBackend configures its own chain class, so this touches no one else.
        chain_class.chain_id = genesis.chain_id
        estimator = GethStyleEstimator()
        chain_class.gas_estimator = staticmethod(estimator)
        # py-evm copies its default estimator onto each instance at __init__.
        engine.chain.gas_estimator = estimator
        self.recorder: StateRecorder | None = None
        if persistent or genesis.state is not None:
            self.recorder = StateRecorder(engine, None if loaded is None else
                                          {a: {**v, "storage": dict(v.get("storage") or {})} for a, v in loaded.items()})
            self.recorder.install()
        super().__init__(EthereumTester(engine), estimator, genesis.chain_id)
        from sandbox.backends.pyevm.hooks import install as observe

        self.observer = Recorder()
        observe(type(engine.chain), self.observer)
        engine.tail = Tail()
        engine.tail.settler = self._settle

    @property
    def _chain(self) -> Any:
        return self.engine_backend.chain

    @property
    def _live_chain(self) -> Any:
        """The chain without building the blocks mined ahead (:mod:`sandbox.backends.pyevm.tail`): the fast paths' own."""
        return self.engine_backend.unsettled_chain

    def transact(self, tx: TxRequest, *, gas: int | None = None) -> Record:
        """The seam's transact in one EVM run when :mod:`sandbox.backends.pyevm.oneshot` proves it the same."""
        return self._transact(tx, gas, ahead=False)

    def transact_deferred(self, tx: TxRequest, *, gas: int | None = None) -> tuple[Record, Any]:
        """:meth:`transact`, its block possibly mined ahead of its roots (:mod:`sandbox.backends.pyevm.tail`): the
        record's ``block_hash`` and its logs' are filled when the block is built, which ``pending.settle()`` does."""
        record = self._transact(tx, gas, ahead=True)
        tail = self.engine_backend.tail
        return record, (tail if tail.blocks and record.get("block_hash") == UNKNOWN_HEX else None)

    def _transact(self, tx: TxRequest, gas: int | None, *, ahead: bool) -> Record:
        if gas is None and tx.get("to") and self._automine and self._pending_empty() and self._direct(tx["from"]) \
                and (self.observer is None or self.observer.step_options is None):
            # (coverage counts every instruction run: the eager road's one run, so its blocks are built at once)
            shared = self._tail_fields(self._live_chain) if ahead and coverage.HITS is None else None
            if shared is not None:
                receipt = self._transact_ahead(tx, shared)  # None: its run was not proven the same (a revert...): the seam's road
            else:
                receipt = self._transact_once(tx)
            if receipt is not None:
                return receipt
        return super().transact(tx, gas=gas)

    def _transact_ahead(self, tx: TxRequest, shared: dict[str, Any]) -> Record | None:
        """One send in one EVM run on the tail's live state, its block noted, not built (``None``: take another road);
        ``shared``: the header fields every block of the chain has (:meth:`_tail_fields`)."""
        engine, chain, observer, tail = self.engine_backend, self._live_chain, self.observer, self.engine_backend.tail
        raw = self._raw(tx, with_gas=False)
        if any(key in raw for key in FEE_FIELDS) or self.tester.normalizer.__class__ is not DefaultNormalizer:
            return None  # a fee of its own: eth-tester's normalizer may read the head's base fee
        if len(tail.blocks) >= MAX_AHEAD:
            tail.settle()
        if observer is not None:
            observer.start()
        if not tail.blocks:
            stamp = self._stamp()
            header = chain.header
            vm = chain.get_vm(header)
            state = vm.state
            state._account_db.tail_touched = Touched()
        else:
            stamp = self.clock.next(int(tail.header.timestamp))
            header = next_header(tail, shared, stamp)
            vm = chain.get_vm(header)
            state = tail.state
            state.execution_context = vm.create_execution_context(header, (), vm.chain_context)
            vm._state = state
        if raw.get("nonce") is None:
            raw["nonce"] = state.get_nonce(raw["from"])
        cap = int(header.gas_limit) - int(header.gas_used)
        try:
            with tail.reading():
                unsigned = engine._get_normalized_and_unsigned_evm_transaction(dict(raw, gas=cap))
        except (ValidationError, EVMValidationError):
            return None
        ran = run_once(vm, state, raw, unsigned, cap, self._key_of(raw["from"]), observer)
        if ran is None:
            return None
        signed, engine_receipt, snapshot = ran
        record = normalized_receipt(block_hash=UNKNOWN, number=int(header.block_number), index=0, transaction=signed,
                                    receipt=engine_receipt, previous_gas=0, success=engine_receipt.state_root == b"\x01",
                                    base_fee=int(header.base_fee_per_gas))
        if record is None:
            state.revert(snapshot)
            return None
        from eth_bloom.bloom import BloomFilter

        mined = header.copy(bloom=int(BloomFilter(header.bloom) | engine_receipt.bloom), gas_used=engine_receipt.gas_used)
        writes = state._account_db.tail_touched.read(state)
        tail.note(Noted(signed, engine_receipt, stamp, os.urandom(32), writes, [record]), mined, state)
        tx["gas"] = int(signed.gas)
        tx_hash = bytes(signed.hash)
        engine.remember_sender(tx_hash, raw["from"])
        self._mined(stamp)
        if observer is not None:
            observer.file("0x" + tx_hash.hex())
        return record

    def _tail_fields(self, chain: Any) -> dict[str, Any] | None:
        """The header fields every block of this chain shares (``None``: not a Prague chain, no tail)."""
        from eth.vm.forks.prague.blocks import PragueBlockHeader

        from sandbox.backends.pyevm.oneshot import _FROM_PARENT

        header = chain.header
        if type(header) is not PragueBlockHeader or not issubclass(chain.get_vm_class(header), PragueVM):
            return None
        kept = self.__dict__.get("_tail_shared")
        if kept is None or kept[0] is not type(chain):
            kept = (type(chain), {str(k): v for k, v in header.as_dict().items() if k not in _FROM_PARENT})
            self.__dict__["_tail_shared"] = kept
        fields: dict[str, Any] = kept[1]
        return fields

    def _settle(self, blocks: list[Noted]) -> None:
        """Build noted blocks as the eager road builds them: each on the last built one, at its own time, from its
        writes on a state py-evm builds for it, persisted, rooted and sealed with its own mix hash."""
        chain = self._live_chain
        for noted in blocks:
            chain.header = chain.header.copy(timestamp=noted.timestamp)
            vm = chain.get_vm(chain.header)
            state = vm.state
            write(state, noted.writes)
            block = add_to_block(chain, vm, state, noted.signed, noted.receipt)
            sealed = self._mine_one(vm, block, mix_hash=noted.mix_hash)
            fill_hash(noted.records, bytes(sealed.hash))

    def _transact_once(self, tx: TxRequest) -> Record | None:
        engine, chain, observer = self.engine_backend, self._chain, self.observer  # built first (the tail settled)
        raw = self._raw(tx, with_gas=False)
        if observer is not None:
            observer.start()
        stamp = self._stamp()
        header = chain.header
        vm = chain.get_vm(header)
        if raw.get("nonce") is None:  # the pending state's (eth-tester would build the latest block's state to read it: the same)
            raw["nonce"] = vm.state.get_nonce(raw["from"])
        try:
            unsigned = engine._get_normalized_and_unsigned_evm_transaction(dict(raw, gas=int(header.gas_limit) - int(header.gas_used)))
        except (ValidationError, EVMValidationError):
            return None
        applied = apply_once(chain, vm, raw, unsigned, self._key_of(raw["from"]), observer)
        if applied is None:
            return None
        signed, engine_receipt, pending = applied
        tx["gas"] = int(signed.gas)
        tx_hash = bytes(signed.hash)
        engine.remember_sender(tx_hash, raw["from"])
        block = self._mine_one(vm, pending)
        self._mined(stamp)
        if block is None:
            receipt = self._receipt_now("0x" + tx_hash.hex())
        else:  # the receipt from what is in hand, not read back
            receipt = self._mined_receipt(block, signed, engine_receipt)
        if observer is not None:
            observer.file("0x" + tx_hash.hex())
        return receipt

    def _mined_receipt(self, block: Any, signed: Any, engine_receipt: Any) -> Record:
        """The normalized receipt of ``signed``, the one transaction of ``block`` just sealed: built directly
        (:mod:`sandbox.backends.receipt_record`) under eth-tester's default normalizer, else its serializer and normalizer."""
        if self.tester.normalizer.__class__ is DefaultNormalizer and engine_receipt.state_root in (b"", b"\x01"):
            receipt = normalized_receipt(block_hash=block.hash, number=int(block.number), index=0, transaction=signed,
                                         receipt=engine_receipt, previous_gas=0, success=engine_receipt.state_root == b"\x01",
                                         base_fee=int(block.header.base_fee_per_gas))
            if receipt is not None:
                return receipt
        return dict(self.tester.normalizer.normalize_outbound_receipt(
            serialize_transaction_receipt(block, (engine_receipt,), signed, 0, False, None)))

    def _mine_one(self, vm: Any, pending: Any, *, mix_hash: bytes | None = None) -> Any:
        """Mine ``pending`` (one transaction, applied by ``vm``) as eth-tester's ``mine_blocks(1)`` does on Prague
        (coinbase zero, a random mix hash, no blob gas) and return it (``None``: eth-tester mined it)."""
        if not isinstance(vm, PragueVM) or not isinstance(vm, ParisVM):
            self.engine_backend.mine_blocks(1)
            return None
        block = seal(self._live_chain, vm, pending, coinbase=ZERO_ADDRESS, mix_hash=os.urandom(32) if mix_hash is None else mix_hash)
        self.__dict__["_head_time"] = (block.header.hash, int(block.header.timestamp))  # the new head's, for the next send's clock
        return block

    def _key_of(self, sender: bytes) -> Any:
        """The engine's key for ``sender`` (eth-tester derives every address again on each look-up)."""
        keys = self.engine_backend.account_keys
        kept = self.__dict__.get("_keys_by_address")
        if kept is None or kept[0] is not keys:
            kept = (keys, {k.public_key.to_canonical_address(): k for k in keys})
            self.__dict__["_keys_by_address"] = kept
        return kept[1][sender]

    def _call(self, raw: dict[str, Any], block: int | str, *, free: bool) -> bytes:
        engine = self.engine_backend
        chain = self._live_chain
        if free:  # as geth: no fee fields, no base fee, so the sender needs no ether for gas
            raw = dict(raw, max_fee_per_gas=0, max_priority_fee_per_gas=0)
        if engine.tail.blocks:
            if block == "latest" and ("max_fee_per_gas" in raw or "max_priority_fee_per_gas" not in raw):
                return self._call_ahead(raw, free=free)
            engine.tail.settle()  # an older block's state (or a fee eth-tester completes from the head's base fee)
        latest = chain.chaindb._get_canonical_head_hash(chain.chaindb.db) if block == "latest" else None
        kept = self.__dict__.get("_kept_latest")
        if latest is not None and kept is not None and kept[0] == (latest, free):
            header, state = kept[1], kept[2]  # the same head again: its (free) header and state, not decoded, copied and hashed again
        else:
            if block == "latest":  # the header alone (eth-tester builds the whole block, transactions decoded)
                header = chain.get_canonical_head()
            elif isinstance(block, int):
                header = chain.chaindb.get_canonical_block_header_by_number(block)
            else:
                header = _get_block_by_number(chain, block).header
            if free:
                header = header.copy(base_fee_per_gas=0)
            state = self._read_state(header)
            if latest is not None:
                self.__dict__["_kept_latest"] = ((latest, free), header, state)
        return self._run_call(raw, block, header, state, free=free)

    def _call_ahead(self, raw: dict[str, Any], *, free: bool) -> bytes:
        """A call at the latest block when it is mined ahead of its roots: on the tail's live state, in its context."""
        tail = self.engine_backend.tail
        kept = self.__dict__.get("_ahead_context")
        if kept is None or kept[0] is not tail.header or kept[1] != free:
            header = tail.header.copy(base_fee_per_gas=0) if free else tail.header
            chain = self._live_chain
            vm_class = chain.get_vm_class(header)
            from eth.vm.chain_context import ChainContext

            kept = (tail.header, free, header, vm_class.create_execution_context(header, (), ChainContext(chain.chain_id)))
            self.__dict__["_ahead_context"] = kept
        state, header = tail.state, kept[2]
        before, state.execution_context = state.execution_context, kept[3]
        try:
            with tail.reading():
                return self._run_call(raw, "latest", header, state, free=free)
        finally:
            state.execution_context = before

    def _run_call(self, raw: dict[str, Any], block: int | str, header: Any, state: Any, *, free: bool) -> bytes:
        engine = self.engine_backend
        raw.setdefault("gas", header.gas_limit)
        if raw.get("nonce") is None:  # from this state (eth-tester would build another one to read it)
            raw = dict(raw, nonce=state.get_nonce(raw["from"]))
        spoof = SpoofTransaction(engine._get_normalized_and_unsigned_evm_transaction(raw, block), from_=raw["from"])
        snapshot = state.snapshot()
        try:
            computation = speed.call_executor(state)(spoof) if free else state.apply_transaction(spoof)
        finally:
            state.revert(snapshot)
        if computation.is_error:
            if isinstance(computation.error, Revert):
                raise Reverted(bytes(computation.output))
            raise ExecutionFailed(f"execution failed: {type(computation.error).__name__} {computation.error}".strip())
        return bytes(computation.output)

    # -- reads at the latest block while blocks are mined ahead (sandbox.backends.pyevm.tail) ---------------

    def _ahead_state(self, block: Any) -> Any:
        """The tail's live state when ``block`` is the latest (or the empty pending) one and blocks are mined ahead."""
        tail = self.engine_backend.tail
        return tail.state if tail.blocks and block in ("latest", "pending") else None

    def get_balance(self, address: str, block: Any = "latest") -> int:
        state = self._ahead_state(block)
        return super().get_balance(address, block) if state is None else int(state.get_balance(to_canonical_address(address)))

    def get_nonce(self, address: str, block: Any = "latest") -> int:
        state = self._ahead_state(block)
        return super().get_nonce(address, block) if state is None else int(state.get_nonce(to_canonical_address(address)))

    def get_code(self, address: str, block: Any = "latest") -> bytes:
        state = self._ahead_state(block)
        return super().get_code(address, block) if state is None else bytes(state.get_code(to_canonical_address(address)))

    def get_storage(self, address: str, slot: int, block: Any = "latest") -> int:
        state = self._ahead_state(block)
        return super().get_storage(address, slot, block) if state is None else int(state.get_storage(to_canonical_address(address), int(slot)))

    def block_number(self) -> int:
        tail = self.engine_backend.tail
        return int(tail.header.block_number) if tail.blocks else super().block_number()

    def _read_state(self, header: Any) -> Any:
        """The state calls run on at ``header``: one object per header, kept while calls hit the same one.

        Each call reverts what it did (a snapshot), and a header's state root
        names an immutable state, so the object stays valid; building it
        (VM, state, Prague's system contracts) was a third of a call.
        """
        key = header.hash
        kept = self.__dict__.get("_kept_read_state")
        if kept is not None and kept[0] == key:
            return kept[1]
        state = self._live_chain.get_vm(header).state
        self.__dict__["_kept_read_state"] = (key, state)
        return state

    def _set_pending_timestamp(self, timestamp: int) -> None:
        # The pending block's header: eth-tester's own time_travel sets the same field.
        self._chain.header = self._chain.header.copy(timestamp=timestamp)

    def _pending_header_timestamp(self) -> int:
        return int(self._chain.header.timestamp)

    # -- the pending block (sandbox.backends.mining) ---------------------------------

    def _pending_empty(self) -> bool:
        # Blocks mined ahead are mined, not pending: the pending header on the built head stays empty meanwhile.
        return int(self._live_chain.header.gas_used) == 0  # every transaction uses at least 21,000 gas

    def _pending_objects(self) -> list[Any]:
        return [self.engine_backend._real(tx) for tx in self._chain.get_block().transactions]

    def _apply_object(self, tx: Any) -> None:
        self._chain.apply_transaction(tx)

    def _head_timestamp(self) -> int:
        # Asked on every send: the head's header is decoded once per head (its hash is one database read).
        chaindb = self._chain.chaindb
        head = chaindb._get_canonical_head_hash(chaindb.db)
        kept = self.__dict__.get("_head_time")
        if kept is None or kept[0] != head:
            kept = (head, int(chaindb.get_block_header_by_hash(head).timestamp))
            self.__dict__["_head_time"] = kept
        return int(kept[1])

    def create_access_list(self, tx: Any, block: Any = "latest") -> tuple[list[Record], int]:
        from sandbox.backends.pyevm.access_list import access_list_of  # the run with warmed slots noted

        return access_list_of(self, tx, block)

    def get_proof(self, address: str, slots: list[int], block: Any = "latest") -> Record:
        from sandbox.backends.pyevm.proofs import proof_of  # py-evm's own state trie proves it

        return proof_of(self, address, slots, block)

    def _block_logs(self, number: int) -> list[Record]:
        """Logs of one block from py-evm's receipts (eth-tester's get_logs scans the chain per log)."""
        chain = self._chain
        block = chain.get_canonical_block_by_number(number)
        receipts = chain.chaindb.get_receipts(block.header, chain.get_vm(block.header).get_receipt_builder())
        found: list[Record] = []
        log_index = 0
        from eth_utils import to_checksum_address

        for tx_index, (tx, receipt) in enumerate(zip(block.transactions, receipts, strict=True)):
            for log in receipt.logs:
                found.append({
                    "type": "mined", "log_index": log_index, "transaction_index": tx_index,
                    "transaction_hash": "0x" + tx.hash.hex(), "block_hash": "0x" + block.hash.hex(), "block_number": number,
                    "address": to_checksum_address(log.address), "data": "0x" + bytes(log.data).hex(),
                    "topics": ["0x" + t.to_bytes(32, "big").hex() for t in log.topics],
                })
                log_index += 1
        return found

    # -- cheatcodes -------------------------------------------------------------

    def _write_account(self, address: bytes, *, balance: int | None = None, nonce: int | None = None,
                       code: bytes | None = None, storage: dict[int, int] | None = None) -> None:
        # A state on the pending header, persisted, and its root put back on that header:
        # the next block mined (TesterBackend._cheat mines it) carries the change.
        chain = self._chain
        state = chain.get_vm(chain.header).state
        if balance is not None:
            state.set_balance(address, balance)
        if nonce is not None:
            state.set_nonce(address, nonce)
        if code is not None:
            state.set_code(address, code)
        for slot, value in (storage or {}).items():
            state.set_storage(address, slot, value)
        state.persist()
        chain.header = chain.header.copy(state_root=state.state_root)

    def _send_unsigned(self, raw: dict[str, Any]) -> str:
        engine = self.engine_backend
        unsigned = engine._get_normalized_and_unsigned_evm_transaction(raw)
        signed = unsigned.as_signed_transaction(eth_keys.PrivateKey(stand_in_key(raw["from"])))
        signed.__dict__["sender"] = raw["from"]  # py-evm caches the sender: the engine runs it as ``from``
        engine.__dict__.setdefault("spoofed", {})[bytes(signed.hash)] = raw["from"]
        self._chain.apply_transaction(signed)
        return "0x" + bytes(signed.hash).hex()

    def _engine_raw_header(self, block: int | str) -> bytes | None:
        import rlp
        from eth_tester.backends.pyevm.main import _get_block_by_number

        try:
            header = _get_block_by_number(self._chain, block).header
        except Exception:  # unknown block: eth-tester raises BlockNotFound, py-evm HeaderNotFound
            return None
        return bytes(rlp.encode(header))

    def state_changes(self, *, since_load: bool = False) -> dict[bytes, dict[str, Any]]:
        if self.recorder is None:
            raise ChainError("this py-evm chain does not record its state; start it with persistent=True (Chain(persistent=True))")
        return self.recorder.changes(since_load=since_load)

    def take_engine_writes(self) -> dict[bytes, bytes | None] | None:
        from sandbox.backends.pyevm.lazydb import overlay_of

        overlay = overlay_of(self._chain)
        return None if overlay is None else overlay.take()

    def dump_state(self) -> StateDump:
        if self.recorder is None:
            raise ChainError("this py-evm chain does not record its state; start it with persistent=True (Chain(persistent=True)) to dump it")
        return self.recorder.dump()
