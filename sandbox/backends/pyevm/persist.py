"""Saving and restoring a py-evm chain's state: the recorder of written slots, and the fast genesis.

py-evm keeps storage in a trie keyed by the hash of each slot, so the slots
themselves cannot be read back from it; :class:`StateRecorder` swaps the
chain's account database for a subclass that notes every account and slot
it writes, so a dump reads only those. :func:`start_from` builds a saved
state's trie in one pass (:mod:`sandbox.backends.pyevm.genesis`) and falls
back to py-evm's own genesis when the saved root does not match.
"""

from __future__ import annotations

from typing import Any

from sandbox.backends.base import StateDump

#: Above this many changed slots in one account, a dump walks its storage trie once.
WALK_OVER = 256


def genesis_params(timestamp: int) -> dict[str, Any] | None:
    from eth_tester.backends.pyevm.main import get_default_genesis_params

    return dict(get_default_genesis_params({"timestamp": timestamp})) if timestamp else None


def start_from(backend: Any, state: StateDump) -> None:
    """Put ``backend``'s chain on ``state`` (its accounts at its time)."""
    from sandbox.backends.pyevm.genesis import install

    if state.history is not None:
        from sandbox.backends.pyevm.resume import resume

        resume(backend, state.accounts, state.history, state.engine_db)
        return
    if state.state_root is not None and install(backend, state.accounts, state.timestamp, state.state_root):
        return
    # No root saved, or the accounts do not hash to it (edited by hand?): py-evm builds it, slowly and surely.
    keys = backend.account_keys
    accounts = {address: dict(account) for address, account in state.accounts.items()}
    backend.reset_to_genesis(genesis_params(state.timestamp), accounts, len(accounts))
    backend.account_keys = keys


class StateRecorder:
    """Remembers which accounts and storage slots a chain writes, to dump them.

    py-evm keeps storage in a trie keyed by the hash of each slot, so the
    slots themselves cannot be read back from it; the chain's account
    database is swapped for a subclass that notes every slot it writes.
    """

    def __init__(self, backend: Any, loaded: dict[bytes, dict[str, Any]] | None) -> None:
        self.backend = backend
        self.accounts: set[bytes] = set()
        self.slots: dict[bytes, set[int]] = {}
        self.wiped: set[bytes] = set()
        self._loaded = loaded
        # The last dump and the head it was taken at, to re-read only what changed since.
        self._last: dict[bytes, dict[str, Any]] | None = None
        self._last_head: tuple[int, bytes] | None = None
        self._recent_accounts: set[bytes] = set()
        self._recent_slots: dict[bytes, set[int]] = {}
        # Written since the last :meth:`changes` (what a save has not seen yet).
        self._changed_accounts: set[bytes] = set()
        self._changed_slots: dict[bytes, set[int]] = {}
        self._changed_wiped: set[bytes] = set()

    def install(self) -> None:
        from eth.db.account import AccountDB

        recorder = self

        class RecordingAccountDB(AccountDB):
            def _set_account(self, address: Any, account: Any) -> None:
                recorder.accounts.add(address)
                recorder._recent_accounts.add(address)
                recorder._changed_accounts.add(address)
                super()._set_account(address, account)

            def set_storage(self, address: Any, slot: int, value: int) -> None:
                recorder.slots.setdefault(address, set()).add(slot)
                recorder._recent_slots.setdefault(address, set()).add(slot)
                recorder._changed_slots.setdefault(address, set()).add(slot)
                super().set_storage(address, slot, value)

            def delete_account(self, address: Any) -> None:
                recorder.wiped.add(address)
                recorder.accounts.add(address)
                recorder._changed_wiped.add(address)
                recorder._changed_accounts.add(address)
                super().delete_account(address)

            def delete_storage(self, address: Any) -> None:
                recorder.wiped.add(address)
                recorder._changed_wiped.add(address)
                super().delete_storage(address)

        chain_class = type(self.backend.chain)
        # Each backend has its own chain class, so no other chain records anything.
        chain_class.vm_configuration = tuple(
            (number, vm.configure(_state_class=vm.get_state_class().configure(account_db_class=RecordingAccountDB)))
            for number, vm in chain_class.vm_configuration
        )

    def dump(self) -> StateDump:
        """``(accounts, block_number, timestamp, state_root)`` of the chain's latest block."""
        if self._loaded is None:
            from sandbox.errors import ChainError

            raise ChainError("this chain was opened from a store without reading its accounts (py-evm reads its saved trie); "
                             "the store itself holds the full state (sandbox.workshop.db.ChainStore.load)")
        chain = self.backend.chain
        head = chain.get_canonical_head()
        state = chain.get_vm(head).state
        intact = self._last is not None and self._last_head is not None and self._still_canonical(*self._last_head)
        if intact:
            assert self._last is not None
            base, accounts, slots = self._last, self._recent_accounts, self._recent_slots
        else:  # first dump, or a revert went behind the last one: re-read all since load
            base, accounts, slots = self._loaded, self.accounts, self.slots
        result = {address: dict(account, storage=dict(account["storage"])) for address, account in base.items()}
        for address in accounts | set(slots) | self.wiped:
            entry = result.setdefault(address, {"nonce": 0, "balance": 0, "code": b"", "storage": {}})
            if address in self.wiped:
                entry["storage"] = {}
                for slot in self.slots.get(address, ()):
                    slots.setdefault(address, set()).add(slot)
            entry["nonce"] = state.get_nonce(address)
            entry["balance"] = state.get_balance(address)
            entry["code"] = state.get_code(address)
            to_read = slots.get(address, ())
            if len(to_read) < WALK_OVER or not self._walk(address, head.state_root, entry):
                for slot in to_read:
                    value = state.get_storage(address, slot)
                    if value:
                        entry["storage"][slot] = value
                    else:
                        entry["storage"].pop(slot, None)
            if not (entry["nonce"] or entry["balance"] or entry["code"] or entry["storage"]):
                del result[address]
        self._last, self._last_head = result, (head.block_number, head.hash)
        self._recent_accounts, self._recent_slots = set(), {}
        dumped = {a: dict(v, storage=dict(v["storage"])) for a, v in result.items()}
        return StateDump(dumped, int(head.block_number), int(head.timestamp), bytes(head.state_root))

    def changes(self, *, since_load: bool = False) -> dict[bytes, dict[str, Any]]:
        """Accounts written since the last call (or since the load), with their written slots, read at the head.

        Each entry is ``{"nonce", "balance", "code", "storage": {slot: value}, "wiped"}``: every
        slot written (0 when cleared now), and ``wiped`` when the account's storage was deleted.
        Cost follows what was written, not the size of the chain.
        """
        chain = self.backend.chain
        state = chain.get_vm(chain.get_canonical_head()).state
        if since_load:
            accounts, slots, wiped = self.accounts, self.slots, self.wiped
        else:
            accounts, slots, wiped = self._changed_accounts, self._changed_slots, self._changed_wiped
        out: dict[bytes, dict[str, Any]] = {}
        for address in accounts | set(slots) | wiped:
            out[address] = {
                "nonce": state.get_nonce(address), "balance": state.get_balance(address), "code": state.get_code(address),
                "storage": {slot: state.get_storage(address, slot) for slot in slots.get(address, ())},
                "wiped": address in wiped,
            }
        self._changed_accounts, self._changed_slots, self._changed_wiped = set(), {}, set()
        return out

    def _walk(self, address: bytes, root: bytes, entry: dict[str, Any]) -> bool:
        """Read all of ``address``'s storage in one trie walk; ``False`` if a slot's preimage is unknown."""
        from eth_utils import keccak

        from sandbox.backends.pyevm.genesis import storage_of

        values = storage_of(self.backend.chain.chaindb.db, root, address)
        known = set(entry["storage"]) | self.slots.get(address, set()) | set((self._loaded or {}).get(address, {}).get("storage", {}))
        preimages = {keccak(slot.to_bytes(32, "big")): slot for slot in known}
        if any(hashed not in preimages for hashed in values):
            return False
        entry["storage"] = {preimages[hashed]: value for hashed, value in values.items()}
        return True

    def _still_canonical(self, number: int, block_hash: bytes) -> bool:
        try:
            return bool(self.backend.chain.get_canonical_block_header_by_number(number).hash == block_hash)
        except Exception:  # the chain is now shorter than that block
            return False


