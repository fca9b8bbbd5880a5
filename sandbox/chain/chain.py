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

    def wall_clock(self) -> float:
        return time.time()
