"""The workshop's persistent chain: one JSON file under ``.sandbox/``.

The file is close to anvil's ``--dump-state`` JSON, so ``anvil --load-state
.sandbox/chain.json`` starts from the same accounts::

    {
      "block": {"number": "0x2a", "timestamp": "0x6553f100", "gas_limit": 30029122, ...},
      "best_block_number": 0,
      "accounts": {"0xf39f...": {"nonce": 3, "balance": "0x21e1...", "code": "0x",
                                 "storage": {"0x00..00": "0x00..01"}}},
      "blocks": [], "transactions": [], "historical_states": null,
      "sandbox": {"format": 1, "chain_id": 31337, ...}
    }

``accounts`` holds every non-empty account: nonce, balance, code and the
non-zero storage slots, keys and values as 32-byte hex like anvil. The
``sandbox`` section holds what only the workshop needs (deployed contracts by
name, the log of token transfers). Loading restores state, not history: the
chain starts again at block 0 with the saved timestamp (anvil's
``--load-state`` restores state the same way), which is why the token
transfers are kept in the ``sandbox`` section.

Writes are atomic (temporary file, fsync, rename) and a :class:`StateStore`
lock makes concurrent commands queue. A file that is not valid JSON or not a
sandbox state raises :class:`~sandbox.errors.StateFileError`; the file is
left where it is.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import to_canonical_address

from sandbox.errors import StateFileError, StateLockedError

FORMAT = 1
#: How long a command waits for another one holding the chain (seconds).
LOCK_TIMEOUT = 120.0
#: Above this many changed slots in one account, a dump walks its storage trie once.
WALK_OVER = 256


def _hex32(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


@dataclass
class ChainState:
    """Accounts, clock and the workshop's own records, as saved between commands."""

    accounts: dict[bytes, dict[str, Any]]
    chain_id: int
    block_number: int = 0
    timestamp: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    #: State root when saved: lets a load build the trie fast and check it (sandbox.backends.pyevm.genesis).
    state_root: bytes | None = None

    # -- building a chain from it (called by sandbox.chain.Chain) ----------------

    def genesis(self, dev_genesis: dict[bytes, dict[str, Any]]) -> tuple[dict[bytes, dict[str, Any]], dict[str, Any] | None]:
        """eth-tester genesis state and parameters: the saved accounts at the saved time."""
        if not self.accounts:  # a new chain: the dev accounts at their default balance
            self.accounts = {address: dict(account, storage=dict(account["storage"])) for address, account in dev_genesis.items()}
            return dev_genesis, None
        if self.state_root is not None:  # attach() swaps in the saved state, built fast
            return dev_genesis, None
        return self._slow_genesis()

    def _slow_genesis(self) -> tuple[dict[bytes, dict[str, Any]], dict[str, Any] | None]:
        from eth_tester.backends.pyevm.main import get_default_genesis_params

        params = get_default_genesis_params({"timestamp": self.timestamp}) if self.timestamp else None
        return {address: dict(account) for address, account in self.accounts.items()}, params

    def attach(self, backend: Any) -> StateRecorder:
        """Start ``backend`` on the saved accounts and record which accounts and slots it writes."""
        from sandbox.backends.pyevm.genesis import install

        if self.state_root is not None and not install(backend, self.accounts, self.timestamp, self.state_root):
            # The accounts do not hash to the saved root (edited by hand?): let py-evm build it.
            keys = backend.account_keys
            genesis_state, params = self._slow_genesis()
            backend.reset_to_genesis(params, genesis_state, len(genesis_state))
            backend.account_keys = keys
        recorder = StateRecorder(backend, self.accounts)
        recorder.install()
        return recorder

    # -- JSON --------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        accounts = {}
        for address in sorted(self.accounts):
            account = self.accounts[address]
            accounts["0x" + address.hex()] = {
                "nonce": account["nonce"],
                "balance": hex(account["balance"]),
                "code": "0x" + account["code"].hex(),
                "storage": {_hex32(slot): _hex32(value) for slot, value in sorted(account["storage"].items())},
            }
        return {
            "block": {
                "number": hex(self.block_number),
                "timestamp": hex(self.timestamp),
                "gas_limit": 30_029_122,
                "basefee": 1_000_000_000,
                "beneficiary": "0x" + "00" * 20,
                "difficulty": "0x0",
                "prevrandao": "0x" + "00" * 32,
            },
            # No blocks are kept; anvil needs the best block to be one it has (genesis).
            "best_block_number": 0,
            "accounts": accounts,
            "blocks": [],
            "transactions": [],
            "historical_states": None,
            "sandbox": {"format": FORMAT, "chain_id": self.chain_id, **self.extra,
                        **({"state_root": "0x" + self.state_root.hex()} if self.state_root else {})},
        }

    @classmethod
    def from_json(cls, data: Any, path: Path) -> ChainState:
        """Validate a decoded state file; anything unexpected raises :class:`StateFileError`."""
        fix = "the file is kept as it is; move it away or run `sandbox reset` to start a new chain (it keeps a copy)"
        section = data.get("sandbox") if isinstance(data, dict) else None
        if not isinstance(section, dict):
            hint = " (it looks like an anvil dump)" if isinstance(data, dict) and "accounts" in data else ""
            raise StateFileError(f"{path} is not a sandbox state file: no 'sandbox' section{hint}; {fix}")
        if section.get("format") != FORMAT:
            raise StateFileError(f"{path} has state format {section.get('format')!r}, this sandbox reads format {FORMAT}; {fix}")
        try:
            accounts: dict[bytes, dict[str, Any]] = {}
            for address, account in data["accounts"].items():
                accounts[to_canonical_address(address)] = {
                    "nonce": int(account["nonce"]),
                    "balance": int(account["balance"], 16),
                    "code": bytes.fromhex(account.get("code", "0x")[2:]),
                    "storage": {int(k, 16): int(v, 16) for k, v in account.get("storage", {}).items()},
                }
            block = data["block"]
            extra = {k: v for k, v in section.items() if k not in ("format", "chain_id", "state_root")}
            root = bytes.fromhex(section["state_root"][2:]) if section.get("state_root") else None
            return cls(accounts, int(section["chain_id"]), int(block["number"], 16), int(block["timestamp"], 16), extra, root)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateFileError(f"{path} is a damaged sandbox state file ({type(exc).__name__}: {exc}); {fix}") from None


class StateRecorder:
    """Remembers which accounts and storage slots a chain writes, to dump them.

    py-evm keeps storage in a trie keyed by the hash of each slot, so the
    slots themselves cannot be read back from it; the chain's account
    database is swapped for a subclass that notes every slot it writes.
    """

    def __init__(self, backend: Any, loaded: dict[bytes, dict[str, Any]]) -> None:
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

    def install(self) -> None:
        from eth.db.account import AccountDB

        recorder = self

        class RecordingAccountDB(AccountDB):
            def _set_account(self, address: Any, account: Any) -> None:
                recorder.accounts.add(address)
                recorder._recent_accounts.add(address)
                super()._set_account(address, account)

            def set_storage(self, address: Any, slot: int, value: int) -> None:
                recorder.slots.setdefault(address, set()).add(slot)
                recorder._recent_slots.setdefault(address, set()).add(slot)
                super().set_storage(address, slot, value)

            def delete_account(self, address: Any) -> None:
                recorder.wiped.add(address)
                recorder.accounts.add(address)
                super().delete_account(address)

            def delete_storage(self, address: Any) -> None:
                recorder.wiped.add(address)
                super().delete_storage(address)

        chain_class = type(self.backend.chain)
        # Each backend has its own chain class, so no other chain records anything.
        chain_class.vm_configuration = tuple(
            (number, vm.configure(_state_class=vm.get_state_class().configure(account_db_class=RecordingAccountDB)))
            for number, vm in chain_class.vm_configuration
        )

    def dump(self) -> tuple[dict[bytes, dict[str, Any]], int, int, bytes]:
        """``(accounts, block_number, timestamp, state_root)`` of the chain's latest block."""
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
        return result, int(head.block_number), int(head.timestamp), bytes(head.state_root)

    def _walk(self, address: bytes, root: bytes, entry: dict[str, Any]) -> bool:
        """Read all of ``address``'s storage in one trie walk; ``False`` if a slot's preimage is unknown."""
        from eth_utils import keccak

        from sandbox.backends.pyevm.genesis import storage_of

        values = storage_of(self.backend.chain.chaindb.db, root, address)
        known = set(entry["storage"]) | self.slots.get(address, set()) | set(self._loaded.get(address, {}).get("storage", {}))
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


def dump_state(chain: Any, loaded: ChainState, extra: dict[str, Any] | None = None) -> ChainState:
    """The current state of ``chain``, built with ``Chain(state=loaded)``.

    Block numbers go on from the loaded state's: the chain restarted at 0.
    """
    recorder: StateRecorder | None = getattr(chain, "state_recorder", None)
    if recorder is None:
        raise StateFileError("this chain was not started from a saved state; build it with Chain(state=ChainState(...))")
    accounts, number, timestamp, root = recorder.dump()
    return ChainState(accounts, loaded.chain_id, loaded.block_number + number, timestamp, dict(loaded.extra if extra is None else extra), root)


class StateStore:
    """The state file, its lock, and atomic writes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
        """Hold the chain: other commands wait here until it is released."""
        from filelock import FileLock, Timeout

        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_path))
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise StateLockedError(
                f"another sandbox command has held {self.path} for over {timeout:.0f} s; "
                "wait for it to finish (or stop it) and try again"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def stamp(self) -> tuple[int, int, int] | None:
        """Identity of the file's current version (every save makes a new inode)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def read(self) -> ChainState | None:
        """The saved state, or ``None`` when there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise StateFileError(f"cannot read the chain state {self.path} ({exc}); the file is kept as it is") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StateFileError(
                f"{self.path} is not valid JSON ({exc}); the file is kept as it is: "
                "move it away or run `sandbox reset` to start a new chain (it keeps a copy)"
            ) from None
        return ChainState.from_json(data, self.path)

    def write(self, state: ChainState) -> None:
        """Replace the file atomically: a reader sees the old or the new file, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(state.to_json(), separators=(",", ":")))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def reset(self) -> Path | None:
        """Start over: remove the file; a file that does not load is kept as a ``.bak`` copy."""
        if not self.path.exists():
            return None
        try:
            self.read()
        except StateFileError:
            backup = self.path.with_name(self.path.name + ".bak")
            os.replace(self.path, backup)
            return backup
        self.path.unlink()
        return None


__all__ = ["ChainState", "StateRecorder", "StateStore", "dump_state"]
