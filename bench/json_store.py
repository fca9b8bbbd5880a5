"""The baseline of ``bench/store_bench.py``: the JSON state file the workshop used before its SQLite store.

Kept verbatim (moved out of ``sandbox/workshop/``) so the bench measures the
SQLite store against exactly what it replaced. Original docstring:

The workshop's persistent chain: one JSON file under ``.sandbox/``.

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

from sandbox.backends.base import StateDump
from sandbox.errors import StateFileError, StateLockedError

FORMAT = 1
#: How long a command waits for another one holding the chain (seconds).
LOCK_TIMEOUT = 120.0


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
    #: The engine's state root when saved (py-evm): lets a load build the trie fast and check it.
    state_root: bytes | None = None

    def to_dump(self) -> StateDump | None:
        """What a backend starts from (``None`` for a new chain: the dev accounts at genesis)."""
        if not self.accounts:
            return None
        return StateDump({a: dict(v, storage=dict(v["storage"])) for a, v in self.accounts.items()}, 0, self.timestamp, self.state_root)

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


def dump_state(chain: Any, loaded: ChainState, extra: dict[str, Any] | None = None) -> ChainState:
    """The current state of ``chain`` (a :class:`~sandbox.chain.chain.Chain` started from ``loaded``).

    Block numbers go on from the loaded state's: the chain restarted at 0.
    """
    dump = chain.dump_state()
    return ChainState(dump.accounts, loaded.chain_id, loaded.block_number + dump.block_number, dump.timestamp,
                      dict(loaded.extra if extra is None else extra), dump.state_root)


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


__all__ = ["ChainState", "StateStore", "dump_state"]
