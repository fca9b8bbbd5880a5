"""One EVM run for a transaction the sandbox signs and sends itself (``transact`` on py-evm).

The seam's ``transact`` estimates (a run at the block gas limit on a throwaway
state) and then sends at the optimistic bound of that run,
``(used + refund + 2300) * 64 / 63`` (:mod:`sandbox.backends.gas`): a second
run of the same code. Here the transaction runs once, on the pending block's
own state, at the block gas limit, while a few opcodes are watched. When
nothing it did could come out differently at the bound, the run *is* the
run at the bound: the bound is computed from it, the transaction is signed
with that limit, the gas it did not buy is given back, and the block is
built from it as py-evm's ``MiningChain.apply_transaction`` builds it.

The proof rule. At a limit ``L`` the same instructions see ``cap - L`` less
gas remaining and nothing else changes, unless the code reads the gas
(``GAS``), hands on a share of it (``CALL``, ``CALLCODE``, ``DELEGATECALL``,
``STATICCALL``, ``CREATE``, ``CREATE2``: EIP-150's all but one 64th), or an
``SSTORE`` runs with 2,300 gas or less left (EIP-2200's stipend rule), which
is checked with the gas it would have had at ``L``. The estimate the other
road makes runs on a free copy of the state (base fee 0, its own block
time), so what reads the price, a balance, or the block's time, fee,
randomness, coinbase or hashes could see other values there; those opcodes
send the transaction down the other road too, as does a revert or failure
(its error is the other road's to report), a creation, a data floor
(EIP-7623) above the gas used, tracing by steps, and anything the chain
refuses. Then the state is dropped and the other road runs from the start:
its answer is the one a user would have had before this module existed.
"""

from __future__ import annotations

from typing import Any

from eth.constants import CREATE_CONTRACT_ADDRESS
from eth.vm.forks.prague import PragueVM
from eth.vm.spoof import SpoofTransaction
from eth_typing import BlockNumber

from sandbox.backends.gas import CALL_STIPEND, Run, optimistic
from sandbox.backends.pyevm import receipt_rlp
from sandbox.backends.pyevm.signing import sign

#: Opcodes whose result may differ at another gas limit, or between this run and the estimate's free state.
DEPENDENT = frozenset({
    0x5A,  # GAS
    0xF0, 0xF1, 0xF2, 0xF4, 0xF5, 0xFA,  # CREATE CALL CALLCODE DELEGATECALL CREATE2 STATICCALL
    0x3A, 0x31, 0x47, 0x48, 0x4A,  # GASPRICE BALANCE SELFBALANCE BASEFEE BLOBBASEFEE
    0x40, 0x41, 0x42, 0x44,  # BLOCKHASH COINBASE TIMESTAMP PREVRANDAO
    0xFF,  # SELFDESTRUCT
})
SSTORE = 0x55


class Watch:
    """What the watched opcodes saw during one run."""

    __slots__ = ("dependent", "least_at_sstore")

    def __init__(self) -> None:
        self.dependent = False
        #: The least gas remaining when an SSTORE started (None: no SSTORE ran).
        self.least_at_sstore: int | None = None


_WATCHED: dict[type, type] = {}


def watched(base: type) -> type:
    """``base`` (a computation class) with the :data:`DEPENDENT` opcodes and SSTORE noting into ``state._sandbox_watch``."""
    cls = _WATCHED.get(base)
    if cls is not None:
        return cls
    table = dict(base.opcodes)  # type: ignore[attr-defined]

    def flagging(fn: Any) -> Any:
        def run(computation: Any) -> Any:
            computation.state._sandbox_watch.dependent = True
            return fn(computation=computation)

        run.mnemonic = getattr(fn, "mnemonic", "?")  # type: ignore[attr-defined]
        run.gas_cost = getattr(fn, "gas_cost", 0)  # type: ignore[attr-defined]
        return run

    def storing(fn: Any) -> Any:
        def run(computation: Any) -> Any:
            watch = computation.state._sandbox_watch
            left = computation._gas_meter.gas_remaining
            if watch.least_at_sstore is None or left < watch.least_at_sstore:
                watch.least_at_sstore = left
            return fn(computation=computation)

        run.mnemonic = getattr(fn, "mnemonic", "?")  # type: ignore[attr-defined]
        run.gas_cost = getattr(fn, "gas_cost", 0)  # type: ignore[attr-defined]
        return run

    for op in DEPENDENT & table.keys():
        table[op] = flagging(table[op])
    if SSTORE in table:
        table[SSTORE] = storing(table[SSTORE])
    cls = _WATCHED[base] = type(f"Watched{base.__name__}", (base,), {"opcodes": table})
    return cls


class _Unproven(Exception):
    """The run may differ from a run at the bound: the other road runs the transaction."""


def apply_once(chain: Any, vm: Any, raw: dict[str, Any], unsigned_at_cap: Any, key: Any, observer: Any) -> tuple[Any, Any, Any] | None:
    """Run ``unsigned_at_cap`` once on ``chain``'s pending block (``vm``: its VM) and, when the rule proves it, apply it signed at its bound.

    Returns the signed transaction applied, its receipt and the pending block
    (``chain.header`` then holds it, as after ``chain.apply_transaction``),
    or ``None`` with nothing changed.
    """
    header = chain.header
    cap = int(header.gas_limit) - int(header.gas_used)
    state = vm.state
    ran = run_once(vm, state, raw, unsigned_at_cap, cap, key, observer)
    if ran is None:
        return None
    signed, receipt, _ = ran
    return signed, receipt, add_to_block(chain, vm, state, signed, receipt)


def add_to_block(chain: Any, vm: Any, state: Any, signed: Any, receipt: Any) -> Any:
    """Add ``signed``, applied on ``state`` (``vm``'s) with ``receipt``, to ``chain``'s pending block as
    ``MiningChain.apply_transaction`` does from its run on: the state persisted, the block's roots, the block
    (``chain.header`` then holds it)."""
    base_block = vm.get_block()
    transactions, receipts = (*base_block.transactions, signed), (*base_block.get_receipts(chain.chaindb), receipt)
    block = _with_transaction(vm, state, base_block, transactions, receipts)
    if block is None:
        header_with_receipt = vm.add_receipt_to_header(base_block.header, receipt)
        state.persist()
        new_header = header_with_receipt.copy(state_root=state.state_root)
        block = vm.set_block_transactions_and_withdrawals(base_block, new_header, transactions, receipts)
    chain.header = block.header
    return block


def run_once(vm: Any, state: Any, raw: dict[str, Any], unsigned_at_cap: Any, cap: int, key: Any,
             observer: Any) -> tuple[Any, Any, Any] | None:
    """Run ``unsigned_at_cap`` once on ``state`` (``vm``'s) and, when the rule proves it, turn it into the run at its
    bound: ``(signed, receipt, snapshot)`` with ``state`` holding its writes (``snapshot``: the state before it), or
    ``None`` with nothing changed."""
    if unsigned_at_cap.to == CREATE_CONTRACT_ADDRESS or int(unsigned_at_cap.gas) != cap or getattr(unsigned_at_cap, "type_id", None) == 3:
        return None
    state.lock_changes()
    snapshot = state.snapshot()
    try:
        signed, receipt = _run(vm, state, raw["from"], unsigned_at_cap, cap, key, observer)
    except _Unproven:
        state.revert(snapshot)
        return None
    finally:
        state.__dict__.pop("_sandbox_watch", None)
    return signed, receipt, snapshot


def _with_transaction(vm: Any, state: Any, base_block: Any, transactions: tuple[Any, ...], receipts: tuple[Any, ...]) -> Any:
    """The pending block with the last receipt's transaction added, built as py-evm's three steps build it (the
    receipt's bloom and gas in the header, the state persisted and its root, the transaction and receipt tries
    stored and their roots) with one header copy instead of three and the block made directly; ``None`` for a
    VM or block whose steps are not py-evm's own (Byzantium's receipt step, the base VM's tries, a Prague block).
    """
    from eth.db.trie import make_trie_root_and_nodes
    from eth.vm.base import VM
    from eth.vm.forks.byzantium import ByzantiumVM
    from eth.vm.forks.prague.blocks import PragueBlock
    from eth_bloom.bloom import BloomFilter

    cls = type(vm)
    if (type(base_block) is not PragueBlock or cls.add_receipt_to_header is not ByzantiumVM.add_receipt_to_header
            or cls.set_block_transactions_and_withdrawals is not VM.set_block_transactions_and_withdrawals):
        return None
    receipt = receipts[-1]
    receipt_rlp.prime(receipt)  # its encoding for the receipt trie and the stored block, made once from its fields
    old = base_block.header
    bloom, gas_used = int(BloomFilter(old.bloom) | receipt.bloom), receipt.gas_used
    state.persist()
    tx_root, tx_nodes = make_trie_root_and_nodes(transactions)
    vm.chaindb.persist_trie_data_dict(tx_nodes)
    receipt_root, receipt_nodes = make_trie_root_and_nodes(receipts)
    vm.chaindb.persist_trie_data_dict(receipt_nodes)
    header = old.copy(bloom=bloom, gas_used=gas_used, state_root=state.state_root, transaction_root=tx_root, receipt_root=receipt_root)
    return PragueBlock(header=header, transactions=transactions, uncles=base_block.uncles, withdrawals=base_block.withdrawals)


def seal(chain: Any, vm: Any, block: Any, *, coinbase: bytes, mix_hash: bytes) -> Any:
    """Mine ``block`` (the pending block :func:`apply_once` built with ``vm``) as ``MiningChain.mine_block`` does, and return it.

    py-evm's mine builds another VM and state for the block, reads its
    transactions back from the database, persists a state with nothing to
    write (no block reward after the merge: the root stays), formats the
    whole block for a debug message and validates the block it just built;
    here the block in hand is packed, stored and followed by the next header.
    """
    packed = pack(vm, block, coinbase=coinbase, mix_hash=mix_hash)
    chain.chaindb.persist_block(packed)
    chain.header = next_header(chain, packed.header)
    return packed


def pack(vm: Any, block: Any, *, coinbase: bytes, mix_hash: bytes) -> Any:
    """``vm.pack_block(block, coinbase=..., mix_hash=..., blob_gas_used=0)``, the block's own transactions kept.

    py-evm's ``pack_block`` copies the block, which deep-copies every
    transaction (each rebuilt field by field, its hash and sender, cached on
    the object, gone: the hash is encoded and hashed again when the block is
    stored). A transaction is immutable; the packed block here is built from
    the header py-evm's would have and the same transactions, uncles and
    withdrawals. Other block classes and VMs with their own ``pack_block``
    keep py-evm's.
    """
    from eth.vm.base import VM
    from eth.vm.forks.prague.blocks import PragueBlock

    if type(block) is not PragueBlock or type(vm).pack_block is not VM.pack_block:
        return vm.pack_block(block, coinbase=coinbase, mix_hash=mix_hash, blob_gas_used=0)
    header = block.header.copy(coinbase=coinbase, mix_hash=mix_hash, blob_gas_used=0)
    return PragueBlock(header=header, transactions=block.transactions, uncles=block.uncles, withdrawals=block.withdrawals)


#: Chain classes whose next header :func:`next_header` built both ways once, equal; the fields
#: every such header shares (those not computed from the parent), from py-evm's own.
_SHARED_FIELDS: dict[type, dict[str, Any]] = {}
#: What a Prague header takes from its parent (the rest is in _SHARED_FIELDS).
_FROM_PARENT = frozenset({"parent_hash", "state_root", "block_number", "gas_limit", "timestamp", "base_fee_per_gas", "excess_blob_gas"})


def next_header(chain: Any, parent: Any) -> Any:
    """The pending header on top of ``parent``: ``chain.create_header_from_parent(parent)``, built in one go on Prague.

    py-evm builds it through every fork since Frontier (a header object per
    fork, each validated, turned into a dict and merged into the next): ~7%
    of a mint. On a Prague parent under a Prague VM the header is built from
    the fields py-evm computes from the parent (its hash, state root, number,
    gas limit, the timestamp, the EIP-1559 base fee and the EIP-7691 excess
    blob gas, by py-evm's own functions) and the fields it shares with every
    other (from a header py-evm built). The first header of each chain class
    is built both ways and must be equal, or this chain class keeps py-evm's.
    """
    from eth._utils.headers import new_timestamp_from_parent
    from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
    from eth.vm.forks.prague.blocks import PragueBlockHeader
    from eth.vm.forks.prague.headers import calc_excess_blob_gas_prague

    cls = type(chain)
    shared = _SHARED_FIELDS.get(cls)
    if type(parent) is not PragueBlockHeader or not issubclass(chain.get_vm_class_for_block_number(parent.block_number + 1), PragueVM) \
            or (shared is not None and not shared):
        return chain.create_header_from_parent(parent)

    def built(timestamp: int, fields: dict[str, Any]) -> Any:
        return PragueBlockHeader(**fields, parent_hash=parent.hash, state_root=parent.state_root, block_number=BlockNumber(parent.block_number + 1),
                                 gas_limit=parent.gas_limit, timestamp=timestamp,
                                 base_fee_per_gas=calculate_expected_base_fee_per_gas(parent),
                                 excess_blob_gas=calc_excess_blob_gas_prague(parent))

    if shared is None:  # the first of this chain class: py-evm's, and the same built here, or py-evm's from now on
        theirs = chain.create_header_from_parent(parent)
        fields = {k: v for k, v in theirs.as_dict().items() if k not in _FROM_PARENT}
        try:
            same = built(int(theirs.timestamp), fields) == theirs
        except Exception:
            same = False
        _SHARED_FIELDS[cls] = fields if same else {}
        return theirs
    return built(new_timestamp_from_parent(parent), shared)


def build_message(executor: Any, transaction: Any) -> Any:
    """``executor.build_evm_message(transaction)`` for a call, without the debug message it formats when nobody logs it.

    Cancun's (and Prague's) ``build_evm_message`` formats a DEBUG2 line
    before it builds the message: the transaction's repr and the callee's
    whole code in hex (~10 KB for SandboxNFT), every transaction, whether or
    not DEBUG2 is on. Here the same steps in the same order (the fee bought,
    the nonce bumped, the refund, the code and its delegation read, the
    message) when the executor's method is Cancun's, DEBUG2 is off and the
    transaction is a call and not a blob transaction; else py-evm's own.
    """
    from eth.vm.forks.cancun.state import CancunTransactionExecutor
    from eth.vm.message import Message

    state = executor.vm_state
    if (type(executor).build_evm_message is not CancunTransactionExecutor.build_evm_message or state.logger.show_debug2
            or transaction.to == CREATE_CONTRACT_ADDRESS or transaction.type_id == 3):
        return executor.build_evm_message(transaction)
    state.delta_balance(transaction.sender, -1 * (transaction.gas * state.get_gas_price(transaction)))  # no blob fee: not a blob transaction
    state.increment_nonce(transaction.sender)
    refund = executor.calc_message_refund(transaction)
    gas = transaction.gas - transaction.intrinsic_gas
    code, delegation_address = executor.get_code_at_address(transaction.to)
    return Message(gas=gas, to=transaction.to, sender=transaction.sender, value=transaction.value, data=transaction.data,
                   code=code, create_address=None, refund=refund,  # type: ignore[arg-type]
                   is_delegation=delegation_address is not None)


def _run(vm: Any, state: Any, sender: bytes, unsigned_at_cap: Any, cap: int, key: Any, observer: Any) -> tuple[Any, Any]:
    """The executor's steps (``BaseTransactionExecutor.__call__``) with the run at ``cap`` turned into the run at the bound."""
    from eth_utils import ValidationError as EVMValidationError

    spoof = SpoofTransaction(unsigned_at_cap, from_=sender)
    executor = state.get_transaction_executor()
    watch = state._sandbox_watch = Watch()
    try:
        executor.validate_transaction(spoof)  # at the cap: the sender can buy all of it
        message = build_message(executor, spoof)
    except EVMValidationError:
        raise _Unproven from None
    state.computation_class = watched(type(state).computation_class)
    try:
        computation = executor.build_computation(message, spoof)
    finally:
        del state.computation_class
    if computation.is_error or watch.dependent:
        raise _Unproven
    intrinsic = int(unsigned_at_cap.intrinsic_gas)
    spent = cap - int(computation.get_gas_remaining())
    limit = optimistic(Run(True, spent, int(computation.get_gas_refund())), cap=cap, intrinsic=intrinsic)  # what the estimate gives
    less = cap - limit
    if watch.least_at_sstore is not None and watch.least_at_sstore - less <= CALL_STIPEND:
        raise _Unproven
    refunded = executor.calculate_gas_refund(computation, spent)
    if executor.calc_data_floor_gas(unsigned_at_cap, spent, refunded) != 0:
        raise _Unproven
    signed = sign(unsigned_at_cap.copy(gas=limit), key)  # eth-keys' signature (its key made once), its encodings made once
    signed.__dict__["sender"] = sender  # py-evm's cached_property: the key's own address, not recovered again
    header = vm.get_header()
    try:
        vm.validate_transaction_against_header(header, signed)
    except EVMValidationError:
        raise _Unproven from None
    # The run at ``limit``: the gas not bought given back, the meter as if it had started there.
    if less:
        state.delta_balance(sender, less * state.get_gas_price(spoof))
        meter = computation._gas_meter
        meter.gas_remaining -= less
        meter.start_gas -= less
        computation.msg.gas -= less
        root = None if observer is None else observer.current.root
        if root is not None and root.message is None and root.gas == cap - intrinsic:
            root.gas -= less  # the frame the observer recorded: the message's gas at the limit sent
    executor.finalize_computation(signed, computation)
    state.clear_transient_storage()
    receipt = vm.make_receipt(header, signed, computation, state)
    if receipt.gas_used - header.gas_used != spent - refunded:  # the rule's own cross-check: never expected
        raise _Unproven
    vm.validate_receipt(receipt)
    return signed, receipt
