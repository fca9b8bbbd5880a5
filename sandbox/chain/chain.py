"""A :class:`Chain` holds one :class:`~sandbox.backends.base.ChainBackend` and the accounts on it.

The backend is embedded (py-evm by default, or revm), in this process, with
the ten dev accounts funded at genesis, or any JSON-RPC node (anvil, geth, a
testnet): ``Chain(rpc=url)``. ``Chain`` never asks which: snapshots, time,
mining, balances and the web3 handle all go through the backend's interface.
It adds what belongs to the chain rather than the engine: the named
accounts, the real keys that sign locally (:mod:`sandbox.chain.keys`), the
rule that public dev keys sign only on dev chain ids, and the bookkeeping of
snapshot ids.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sandbox.backends import EMBEDDED, ChainBackend, Genesis, StateDump, connect, create_backend
from sandbox.chain.accounts import DEV_CHAIN_IDS, Account, Accounts, dev_keys
from sandbox.chain.keys import attach_signers
from sandbox.errors import ChainError

DEFAULT_CHAIN_ID = 31337
DEFAULT_BALANCE = 10_000 * 10**18
BACKENDS = EMBEDDED


class Chain:
    """One chain: its backend, the accounts, snapshots, time and mining."""

    def __init__(
        self,
        *,
        rpc: str | None = None,
        backend: str = "pyevm",
        chain_id: int = DEFAULT_CHAIN_ID,
        accounts: int = 10,
        balance: int = DEFAULT_BALANCE,
        allowed_chain_ids: frozenset[int] | set[int] = frozenset(),
        signers: Sequence[Account] = (),
        state: StateDump | None = None,
        persistent: bool = False,
        engine: ChainBackend | None = None,
    ) -> None:
        """``engine`` passes a backend built elsewhere; ``state`` starts an embedded chain from a dump."""
        self.rpc = rpc
        if engine is not None:
            self.backend = engine
        elif rpc:
            self.backend = connect(rpc)
        else:
            self.backend = create_backend(backend, Genesis(chain_id, dev_keys(accounts), balance, state), persistent=persistent)
        self.backend_name = "rpc" if not self.backend.embedded else backend
        self.chain_id: int = self.backend.chain_id
        if rpc and chain_id not in (DEFAULT_CHAIN_ID, self.chain_id):
            raise ChainError(f"asked for chain id {chain_id}, but the node at {rpc} has chain id {self.chain_id}; pass its id or another node")
        self._dev_chain_ids = DEV_CHAIN_IDS | frozenset(allowed_chain_ids)
        dev = Accounts.dev(self, accounts)
        self._dev_addresses = frozenset(a.address.lower() for a in dev)
        self.accounts = attach_signers(self, dev, list(signers), remote=not self.backend.embedded, dev_chain=self.is_dev_chain)
        self.accounts.bind(self)
        self.default_balance = balance
        #: How many open ``impersonate`` calls each address has (nested ``with`` blocks).
        self._impersonations: dict[str, int] = {}
        self._generated = 0

    # -- the pieces underneath -------------------------------------------------

    @property
    def w3(self) -> Any:
        """A ``web3.Web3`` on this chain (the backend's)."""
        return self.backend.w3

    @property
    def embedded(self) -> bool:
        """Does the chain run in this process (py-evm, revm) rather than on a node?"""
        return self.backend.embedded

    @property
    def engine(self) -> str:
        """The engine the chain runs on: ``"py-evm"``, ``"revm"`` or ``"remote"``."""
        return self.backend.engine

    @property
    def evm_version(self) -> str:
        """The newest EVM version the backend runs."""
        return self.backend.evm_version

    def request(self, method: str, *params: Any) -> Any:
        """Call a node method directly, e.g. ``chain.request("anvil_setBalance", addr, hex(wei))``.

        Returns the result; an error reply raises :class:`ChainError` saying
        whether the node lacks the method or rejected the call.
        """
        return self.backend.request(method, list(params))

    # -- who may sign ------------------------------------------------------------

    @property
    def is_dev_chain(self) -> bool:
        """Is the chain id one where the public dev keys may sign?"""
        return self.chain_id in self._dev_chain_ids

    def check_can_sign(self, address: str) -> None:
        """Refuse to use a dev key on a chain that is not a dev chain."""
        if not self.is_dev_chain and address.lower() in self._dev_addresses:
            raise ChainError(
                f"refusing to use dev account {address} on chain id {self.chain_id}: its key is public. "
                f"Dev chain ids are {sorted(self._dev_chain_ids)}; pass allowed_chain_ids={{{self.chain_id}}} if this is a test chain"
            )

    # -- snapshots -----------------------------------------------------------

    def snapshot(self) -> Any:
        """Save the current state; returns an id for :meth:`revert`."""
        snap = self.backend.snapshot()
        self.backend.snapshot_ids.append(snap)
        return snap

    def revert(self, snapshot_id: Any) -> None:
        """Return to the state saved by ``snapshot_id`` (later snapshots are dropped)."""
        ids = self.backend.snapshot_ids
        if snapshot_id not in ids:
            raise ChainError(f"unknown or already reverted snapshot {snapshot_id!r}; take one with snapshot()")
        del ids[ids.index(snapshot_id):]
        self.backend.revert(snapshot_id)

    @property
    def snapshot_ids(self) -> list[Any]:
        """Snapshots taken and not yet reverted, oldest first."""
        return self.backend.snapshot_ids

    # -- time and blocks -------------------------------------------------------

    @property
    def block_number(self) -> int:
        return self.backend.block_number()

    @property
    def timestamp(self) -> int:
        """Timestamp of the latest block."""
        block = self.backend.get_block("latest")
        assert block is not None
        return int(block["timestamp"])

    def time_travel(self, seconds: int | None = None, *, to: int | None = None) -> int:
        """Move time forward by ``seconds`` (or to timestamp ``to``) and mine a block.

        Returns the new latest block timestamp.
        """
        if (seconds is None) == (to is None):
            raise ChainError("time_travel needs exactly one of seconds= or to=")
        now = self.timestamp
        target = now + int(seconds) if seconds is not None else int(to)  # type: ignore[arg-type]
        if target <= now:
            raise ChainError(f"cannot travel back in time to {target} (latest block is at {now}); use a snapshot and revert")
        self.backend.set_next_timestamp(target)
        self.backend.mine(1)
        return self.timestamp

    def mine(self, blocks: int = 1) -> int:
        """Mine ``blocks`` empty blocks; returns the new block number."""
        if blocks < 1:
            raise ChainError(f"blocks must be at least 1, got {blocks}")
        self.backend.mine(blocks)
        return self.block_number

    def balance(self, address: str) -> int:
        return self.backend.get_balance(address)

    def dump_state(self) -> StateDump:
        """The state at the latest block, which ``Chain(state=...)`` starts from on any embedded engine."""
        return self.backend.dump_state()

    # -- cheatcodes ------------------------------------------------------------
    # One API on every backend: the embedded engines write their state, a node gets anvil_*/hardhat_*.

    def set_balance(self, address: str, wei: int) -> None:
        """Set ``address``'s ether balance to ``wei``."""
        self.backend.set_balance(address, _word(wei, "balance", what=f"set_balance({address}, ...)"))

    def set_code(self, address: str, code: bytes) -> None:
        """Put runtime ``code`` at ``address`` (storage and balance stay)."""
        self.backend.set_code(address, bytes(code))

    def set_storage(self, address: str, slot: Any, value: Any) -> None:
        """Write storage ``slot`` of ``address``; both must fit 32 bytes (ints, bytes or 0x hex)."""
        self.backend.set_storage(address, _word(slot, "slot", what="set_storage"), _word(value, "value", what="set_storage"))

    def set_nonce(self, address: str, nonce: int) -> None:
        """Set ``address``'s nonce (the next transaction from it uses ``nonce``)."""
        self.backend.set_nonce(address, _word(nonce, "nonce", what="set_nonce", bits=64))

    def impersonate(self, address: str) -> None:
        """Let transactions from ``address`` through without its key; refused off dev chains, as dev keys are."""
        if not self.is_dev_chain:
            raise ChainError(
                f"refusing to impersonate {address} on chain id {self.chain_id}: impersonation is for test chains. "
                f"Dev chain ids are {sorted(self._dev_chain_ids)}; pass allowed_chain_ids={{{self.chain_id}}} if this is a test chain"
            )
        count = self._impersonations.get(address.lower(), 0)
        if count == 0:
            self.backend.impersonate(address)
        self._impersonations[address.lower()] = count + 1

    def stop_impersonating(self, address: str) -> None:
        """Undo one :meth:`impersonate` (the last one stops it)."""
        count = self._impersonations.get(address.lower(), 0)
        if count <= 1:
            self._impersonations.pop(address.lower(), None)
            self.backend.stop_impersonating(address)
        else:
            self._impersonations[address.lower()] = count - 1

    def is_impersonating(self, address: str) -> bool:
        return address.lower() in self._impersonations

    def generate_accounts(self, count: int, *, balance: int | None = None) -> list[Account]:
        """``count`` accounts with fresh random keys, funded, signed for by the chain (``accounts.generate``)."""
        import os

        from eth_keys import keys as eth_keys

        if count < 1:
            raise ChainError(f"generate needs a count of at least 1, got {count}")
        wei = self.default_balance if balance is None else balance
        made = []
        for _ in range(count):
            key = os.urandom(32)
            address = eth_keys.PrivateKey(key).public_key.to_checksum_address()
            self.backend.add_key(key)
            self.set_balance(address, wei)
            made.append(self.accounts.add(Account(f"generated{self._generated}", address, key, self)))
            self._generated += 1
        return made

    def wall_clock(self) -> float:
        return time.time()


def _word(value: Any, name: str, *, what: str, bits: int = 256) -> int:
    """``value`` (int, bytes or 0x hex) as an int that fits ``bits``; else :class:`CheatcodeError` naming it."""
    from sandbox.errors import CheatcodeError

    number: int
    if isinstance(value, bool):
        raise CheatcodeError(f"{what}: {name} {value!r} is a bool; pass an int")
    if isinstance(value, int):
        number = value
    elif isinstance(value, (bytes, bytearray)):
        if len(value) * 8 > bits:
            raise CheatcodeError(f"{what}: {name} 0x{bytes(value).hex()} is {len(value)} bytes; it must fit {bits // 8} bytes")
        number = int.from_bytes(value, "big")
    elif isinstance(value, str) and value.startswith("0x"):
        try:
            number = int(value, 16)
        except ValueError:
            raise CheatcodeError(f"{what}: {name} {value!r} is not hex; pass an int or 0x-prefixed hex") from None
    else:
        raise CheatcodeError(f"{what}: {name} {value!r} is not a number; pass an int, bytes or 0x-prefixed hex")
    if not 0 <= number < 2**bits:
        raise CheatcodeError(f"{what}: {name} {value!r} does not fit {bits // 8} bytes (0 <= {name} < 2**{bits}); pass a smaller value")
    return number
