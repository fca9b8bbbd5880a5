"""Blocks mined ahead of their roots: the Sandbox's own sends on py-evm, settled when something reads a block.

A mint on py-evm spent about 40% of its time on what no one had asked for yet:
persisting the state and hashing its tries to the new state root, the
transaction and receipt tries, and sealing and storing the block. Each of
them needs the one before it (the block hash covers the state root, the next
header covers the block hash), so a block cannot be hashed in part.

Here a send made through the Sandbox's contract API (``transact_deferred``)
runs its one EVM run (:mod:`sandbox.backends.pyevm.oneshot`'s proof rule)
on a *live* state that carries over from block to block, and the block is
noted, not built: its transaction (signed), its receipt, its time and mix
hash. The next send runs on top of it, in the next block, with the same
number, time, base fee and gas limit the built chain would give it. What a
test reads in the meantime is answered from the live state (calls, balances,
nonces, code, storage, the block number); a receipt's logs wait for the
block hash (``Receipt.logs`` settles).

Anything else reads the chain through ``PyEVMBackend.chain``, and that
*settles* first: each noted block is built in order on the last built one,
at its own time, from what its transaction wrote (the accounts and slots
noted while it ran, their values read when it ended) on a state py-evm builds
for that block, then persisted, rooted and sealed with the block's own mix
hash, as the eager road builds it; the EVM does not run again. So the chain,
its hashes and its receipts are the ones the eager road builds (the tests
compare state roots, receipts and fields block by block). A revert to a
snapshot drops the noted blocks unbuilt when no receipt of theirs is still
held (a test's, after the test ended); else it settles them. A block read
as soon as it is noted costs what the eager road costs: the EVM ran once,
and the building is the same work, done later.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from eth_typing import Hash32

#: The parent hash and state root of a noted block's header (not known until it is settled).
UNKNOWN = Hash32(b"\x00" * 32)
#: What a receipt record says for a block hash not known yet.
UNKNOWN_HEX = "0x" + UNKNOWN.hex()
#: Noted blocks at most: a longer run is settled first (settling takes about 1 ms a block, so the first read
#: after a long loop waits at most about a second, and memory stays bounded).
MAX_AHEAD = 1024


@dataclass(slots=True)
class Written:
    """One account as a noted block left it."""

    exists: bool
    nonce: int
    balance: int
    #: The code when the block changed it (``None``: unchanged).
    code: bytes | None
    #: Its storage was wiped first (``delete_storage``, ``delete_account``).
    wiped: bool
    storage: dict[int, int]


class Touched:
    """The accounts, slots and code one transaction wrote on a live state (the AccountDB hooks note them)."""

    __slots__ = ("accounts", "code", "slots", "wiped")

    def __init__(self) -> None:
        self.accounts: set[bytes] = set()
        self.slots: dict[bytes, set[int]] = {}
        self.wiped: set[bytes] = set()
        self.code: set[bytes] = set()

    def read(self, state: Any) -> dict[bytes, Written]:
        """What was written, read from ``state`` now (the transaction ended); the notes start again."""
        out: dict[bytes, Written] = {}
        for address in self.accounts | self.slots.keys() | self.wiped | self.code:
            slots = self.slots.get(address, ())
            out[address] = Written(
                exists=bool(state.account_exists(address)), nonce=int(state.get_nonce(address)),
                balance=int(state.get_balance(address)),
                code=bytes(state.get_code(address)) if address in self.code else None, wiped=address in self.wiped,
                storage={slot: int(state.get_storage(address, slot)) for slot in slots})
        self.accounts, self.slots, self.wiped, self.code = set(), {}, set(), set()
        return out


def write(state: Any, writes: dict[bytes, Written]) -> None:
    """Put a noted block's writes on ``state`` (py-evm's, built for that block on the one before)."""
    for address, written in writes.items():
        if not written.exists:
            if state.account_exists(address):
                state.delete_account(address)
            continue
        if written.wiped:
            state.delete_storage(address)
        state.set_nonce(address, written.nonce)
        state.set_balance(address, written.balance)
        if written.code is not None:
            state.set_code(address, written.code)
        for slot, value in written.storage.items():
            state.set_storage(address, slot, value)


def install() -> None:
    """Note what each live state's transaction writes (``AccountDB.tail_touched``: a :class:`Touched`, else nothing); idempotent."""
    from eth.db.account import AccountDB

    if getattr(AccountDB.set_storage, "_tail", False):
        return

    def noting(method: Any, note: Any) -> Any:
        """``method`` (``AccountDB``'s, its first argument an address) noting that address in a live state's :class:`Touched`."""
        def noted(db: Any, address: Any, *args: Any) -> Any:
            touched = db.__dict__.get("tail_touched")
            if touched is not None:
                note(touched, address, *args)
            return method(db, address, *args)

        noted._tail = True  # type: ignore[attr-defined]
        return noted

    notes = {
        "set_storage": lambda t, address, slot, value: t.slots.setdefault(address, set()).add(slot),
        "_set_account": lambda t, address, account: t.accounts.add(address),
        "delete_account": lambda t, address: t.accounts.add(address),
        "_wipe_storage": lambda t, address: t.wiped.add(address),  # delete_storage and delete_account go through it
        "set_code": lambda t, address, code: t.code.add(address),
    }
    for name, note in notes.items():
        setattr(AccountDB, name, noting(getattr(AccountDB, name), note))


@dataclass(slots=True)
class Noted:
    """One block mined ahead of its roots: one transaction, as the sandbox signed it."""

    signed: Any
    receipt: Any
    timestamp: int
    mix_hash: bytes
    #: What the block wrote: ``address -> Written`` (values as they were when its transaction ended).
    writes: dict[bytes, Written]
    #: Receipt records handed out for it, whose ``block_hash`` (and their logs') is filled when it is settled.
    records: list[dict[str, Any]] = field(default_factory=list)


class Tail:
    """The noted blocks of one py-evm chain, its live state, and the settling."""

    def __init__(self) -> None:
        self.blocks: list[Noted] = []
        #: The state after the last noted block (its journal carries every noted block's writes).
        self.state: Any = None
        #: The last noted block's header: number, time, gas and fees right; parent hash and state root UNKNOWN.
        self.header: Any = None
        #: True while the chain is read on purpose without settling (the tail's own steps).
        self.bypass = False
        #: ``Receipt`` objects of noted blocks, held while someone holds them (their logs need the hash).
        self.held: list[weakref.ref[Any]] = []
        self.settler: Any = None

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Read the chain's pending header and class attributes without settling."""
        kept, self.bypass = self.bypass, True
        try:
            yield
        finally:
            self.bypass = kept

    def note(self, block: Noted, header: Any, state: Any) -> None:
        self.blocks.append(block)
        self.header, self.state = header, state

    def hold(self, receipt: Any) -> None:
        """``receipt`` (a ``Receipt`` of a noted block) is handed out: a revert settles rather than drops while it lives."""
        self.held.append(weakref.ref(receipt))

    def settle(self) -> None:
        """Build every noted block, in order; the chain then is what the eager road had made."""
        if not self.blocks or self.bypass:
            return
        blocks, self.blocks = self.blocks, []
        self.state = self.header = None
        self.held = []
        self.settler(blocks)

    def drop(self) -> None:
        """Forget the noted blocks unbuilt (a revert behind them), unless a receipt of theirs is still held."""
        if any(ref() is not None for ref in self.held):
            return
        self.blocks, self.held = [], []
        self.state = self.header = None


def next_header(tail: Tail, shared: dict[str, Any], timestamp: int) -> Any:
    """The header of the block after the last noted one, as ``oneshot.next_header`` builds it (roots UNKNOWN)."""
    from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
    from eth.vm.forks.prague.blocks import PragueBlockHeader
    from eth.vm.forks.prague.headers import calc_excess_blob_gas_prague
    from eth_typing import BlockNumber

    parent = tail.header
    return PragueBlockHeader(**shared, parent_hash=UNKNOWN, state_root=UNKNOWN, block_number=BlockNumber(parent.block_number + 1),
                             gas_limit=parent.gas_limit, timestamp=timestamp,
                             base_fee_per_gas=calculate_expected_base_fee_per_gas(parent),
                             excess_blob_gas=calc_excess_blob_gas_prague(parent))


def fill_hash(records: list[dict[str, Any]], block_hash: bytes) -> None:
    """Put a settled block's hash into the receipt records handed out for it (and into their logs)."""
    text = "0x" + block_hash.hex()
    for record in records:
        record["block_hash"] = text
        for log in record.get("logs") or ():
            log["block_hash"] = text
