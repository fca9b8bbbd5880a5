"""EIP-2930 access lists from revm runs (``eth_createAccessList``), as geth's access-list tracer makes them.

pyrevm 0.3.7 has no inspector, so the run goes through revm's EIP-3155 tracer
(:mod:`sandbox.backends.revm.tracing`) and its steps are read as geth's and
anvil's tracers read theirs: SLOAD and SSTORE note their slot (the stack's
top) under the address whose storage the frame runs on (a DELEGATECALL's is
its caller's: :class:`~sandbox.backends.revm.replay.Builder` keeps the frames);
BALANCE, EXTCODESIZE, EXTCODECOPY, EXTCODEHASH and SELFDESTRUCT note the
address on top of the stack, CALL, CALLCODE, DELEGATECALL and STATICCALL the
one under it. Steps in frames that revert count too, as in geth. Addresses
warm before the first instruction (sender, recipient or the created contract,
precompiles, coinbase) are left out unless storage of theirs was touched, as
py-evm's list (:mod:`sandbox.backends.pyevm.access_list`) leaves them out.

The transaction then runs again with the list, which can send gas-dependent
code another way, up to :data:`MAX_ROUNDS` runs, until the list stops growing;
those runs are untraced when revm's journal shows they touched nothing new
(:func:`create_access_list`). The tracer costs ~2.5 ms per instruction
(``bench/revm_tracing.py``), so a list for a call of a thousand instructions
takes seconds: it is asked for rarely (wallets, ``eth_createAccessList``),
never on the way of a transaction.
"""

from __future__ import annotations

import itertools
from typing import Any

from eth_tester.exceptions import BlockNotFound, ValidationError
from eth_utils import to_checksum_address

from sandbox.backends.base import ExecutionFailed, Reverted
from sandbox.backends.revm.replay import _PRECOMPILES, Builder, RunContext, _address, _Open
from sandbox.backends.revm.state import Outcome
from sandbox.backends.revm.tracing import Tracer
from sandbox.backends.tester import FEE_FIELDS
from sandbox.backends.trace import Recording
from sandbox.errors import ChainError, TransactionRejected

#: The most runs: a list can change what the code touches (gas-dependent branches), as geth bounds it.
MAX_ROUNDS = 4

_STORAGE_OPS = frozenset({0x54, 0x55})  # SLOAD, SSTORE
_TOP_ADDRESS_OPS = frozenset({0x31, 0x3B, 0x3C, 0x3F, 0xFF})  # BALANCE, EXTCODESIZE, EXTCODECOPY, EXTCODEHASH, SELFDESTRUCT
_CALL_OPS = frozenset({0xF1, 0xF2, 0xF4, 0xFA})  # CALL, CALLCODE, DELEGATECALL, STATICCALL

AccessList = tuple[tuple[bytes, tuple[int, ...]], ...]


class Touches(Builder):
    """A run's steps read for the addresses and slots they name (and its frames, for the storage address)."""

    def __init__(self, ctx: RunContext) -> None:
        super().__init__(ctx, Recording(), depth=0)
        self.addresses: set[bytes] = set()
        self.slots: dict[bytes, set[int]] = {}

    def _run(self, top: _Open, s: dict[str, Any], level: int) -> None:
        op: int = s["op"]
        stack: list[str] = s["stack"]
        if op in _STORAGE_OPS and stack:
            self.slots.setdefault(top.frame.to, set()).add(int(stack[-1], 16))
        elif op in _TOP_ADDRESS_OPS and stack:
            self.addresses.add(_address(stack[-1]))
        elif op in _CALL_OPS and len(stack) >= 2:
            self.addresses.add(_address(stack[-2]))
        super()._run(top, s, level)


def _run(engine: Any, raw: dict[str, Any], block: int | str, *, free: bool) -> Outcome:
    """``raw`` at ``block``, thrown away, as eth_call runs it (``free``: no fee fields, gas price 0)."""
    if free:  # RevmChainBackend._call's way
        gas = raw.get("gas") or (engine.pending.gas_limit - engine.pending.gas_used)
        return engine._run_at(block, raw, engine._context, gas=gas, price=0)  # type: ignore[no-any-return]
    return engine.call_outcome(raw, block)  # type: ignore[no-any-return]


def _tracer(engine: Any) -> Tracer:
    tracer: Tracer | None = engine.state.tracer
    if tracer is None:
        raise RuntimeError("an access list on revm needs the engine's tracer (RevmChainBackend sets it)")
    return tracer


def _traced_run(engine: Any, raw: dict[str, Any], block: int | str, *, free: bool) -> tuple[Outcome, Touches]:
    """One traced run and what its steps touched."""
    tracer = _tracer(engine)
    caught: list[Touches] = []

    def catch(lines: list[str], ctx: RunContext) -> None:  # while the state the run saw is there (code, nonces)
        touches = Touches(ctx)
        touches.feed(lines)
        caught.append(touches)

    tracer.catch = catch
    try:
        outcome = _run(engine, raw, block, free=free)
    finally:
        tracer.catch = None
    (touches,) = caught
    return outcome, touches


def journal_touches(journal: str) -> tuple[set[bytes], set[tuple[bytes, int]]]:
    """Accounts loaded and slots read or written, from revm's journal as its Debug text (frames that reverted are
    gone from it: :func:`create_access_list` reads it only to see that a run with a list loaded nothing new)."""
    addresses: set[bytes] = set()
    slots: set[tuple[bytes, int]] = set()
    parts = journal[journal.rindex(", journal: [") :].split(" { address: 0x")
    for before, body in itertools.pairwise(parts):
        if before.endswith("StorageChange"):  # "<40 hex>, key: 7, had_value: ..."
            slots.add((bytes.fromhex(body[:40]), int(body[47 : body.index(",", 47)])))
        elif before.endswith(("AccountLoaded", "AccountCreated")):
            addresses.add(bytes.fromhex(body[:40]))
    return addresses, slots


def _journal_run(engine: Any, raw: dict[str, Any], block: int | str, *, free: bool) -> tuple[Outcome, str]:
    """One untraced run and its journal."""
    tracer = _tracer(engine)
    caught: list[str] = []
    tracer.catch_journal = caught.append
    try:
        outcome = _run(engine, raw, block, free=free)
    finally:
        tracer.catch_journal = None
    return outcome, caught[0] if caught else ""


def create_access_list(engine: Any, raw: dict[str, Any], block: int | str, *, free: bool) -> tuple[AccessList, Outcome]:
    """The access list of ``raw`` at ``block`` and the outcome of its run with the list (its gas, or its failure).

    The first run is traced. Each later one runs with the list untraced first (~2,000 times cheaper): when revm's
    journal shows it loaded no account and touched no slot beyond the list and the addresses left out, the list
    is the one a traced run would give (only a frame that reverted could hide a new touch from the journal, and
    only if the list sent it another way), and the run is the list's; else it runs again traced.
    """
    sender, recipient = raw["from"], raw.get("to") or b""
    coinbase = engine._block(block).coinbase
    precompiles = {n.to_bytes(20, "big") for n in _PRECOMPILES}
    listed: AccessList = ()
    outcome, touches = _traced_run(engine, dict(raw, access_list=listed), block, free=free)
    for _ in range(MAX_ROUNDS - 1):
        if not outcome.success:
            break
        created = touches.root.to if not recipient else b""  # a creation: the new contract is warm from the start
        left_out = {sender, recipient, created, coinbase, *precompiles}
        slots = {a: set(keys) for a, keys in touches.slots.items()}
        for address, keys in listed:  # the list warms what it names: geth's tracer starts from it
            if keys:
                slots.setdefault(address, set()).update(keys)
        addresses = {a for a in touches.addresses if a not in left_out} | {a for a, _ in listed} | set(slots)
        grown = tuple((a, tuple(sorted(slots.get(a, ())))) for a in sorted(addresses))
        if grown == listed:
            break
        listed = grown
        outcome, journal = _journal_run(engine, dict(raw, access_list=listed), block, free=free)
        if outcome.success and journal:
            loaded, touched = journal_touches(journal)
            known = {(a, k) for a, keys in listed for k in keys}
            if loaded <= addresses | left_out and touched <= known:
                break
        outcome, touches = _traced_run(engine, dict(raw, access_list=listed), block, free=free)
    return listed, outcome


def access_list_of(backend: Any, tx: dict[str, Any], block: Any) -> tuple[list[dict[str, Any]], int]:
    """``ChainBackend.create_access_list`` on :class:`~sandbox.backends.revm.chain_backend.RevmChainBackend`."""
    if block == "pending" and backend._pending_empty():
        block = "latest"
    if not tx.get("from"):  # as a call: from the first account
        tx = dict(tx, **{"from": backend._first_account()})
    free = not any(tx.get(k) for k in FEE_FIELDS)
    raw = backend._raw(tx)
    raw.pop("access_list", None)  # the list is made afresh, as py-evm's
    try:
        listed, outcome = create_access_list(backend.engine_backend, raw, backend._read_block(block), free=free)
    except ValidationError as exc:
        raise TransactionRejected(f"the chain refused the call: {exc}") from None
    except BlockNotFound:
        raise ChainError(f"block {block!r} does not exist on this chain") from None
    if not outcome.success:
        if outcome.error == "Revert":
            raise Reverted(bytes(outcome.output))
        raise ExecutionFailed(f"execution failed: {outcome.error}")
    entries = [{"address": to_checksum_address(a), "storage_keys": ["0x" + k.to_bytes(32, "big").hex() for k in keys]} for a, keys in listed]
    return entries, outcome.gas_used
