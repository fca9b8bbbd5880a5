"""One chain shared by every ``sandbox`` command, the node and the gallery.

A :class:`Workshop` holds a :class:`~sandbox.Sandbox` whose chain is loaded
from the project's state file (see :mod:`sandbox.workshop.store`). Work happens in
sessions::

    ws = Workshop()                       # project = current folder
    with ws.session(write=True) as sb:    # waits for other commands, saves after
        nft = ws.collection(sb)
        nft.mint(sb.accounts.bob, uri, sender=sb.accounts.alice)

A write session takes the file lock, reloads the chain if another process
saved since, and saves atomically at the end; if the block raises, the
chain returns to where the session started and nothing is saved. Long-lived
servers (``sandbox node``, ``sandbox ui``) keep one Workshop and open a
session per request, so commands run beside them see and extend one chain.

Besides the EVM state, the file keeps the contracts deployed through the
sandbox (by name) and every ERC-721 ``Transfer``, so token histories outlive
restarts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address

from sandbox.chain.chain import DEFAULT_CHAIN_ID, Chain
from sandbox.contracts.handles import Contract
from sandbox.errors import UnknownContractError
from sandbox.main import Sandbox
from sandbox.project.config import Project
from sandbox.workshop.store import ChainState, StateStore, dump_state

#: ERC-721 and ERC-20 share this topic; ERC-721 indexes all three arguments.
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
COLLECTION = ("SandboxNFT", "Workshop Collection", "WORK")


def default_state_path(project: Project) -> Path:
    return Path(os.environ["SANDBOX_STATE"]) if os.environ.get("SANDBOX_STATE") else project.state_dir / "chain.json"


class Workshop:
    """The persistent chain of one project (state file ``.sandbox/chain.json``)."""

    def __init__(self, project: str | Path | None = None, *, state: str | Path | None = None, backend: str | None = None) -> None:
        """``backend``: the embedded engine the chain runs on (a saved chain loads on either);
        by default the session's (``Sandbox.defaults``, set by ``pytest --sandbox-backend``), else py-evm."""
        self.project = Project.load(project)
        self.backend = backend or Sandbox.defaults.backend or "pyevm"
        self.store = StateStore(Path(state) if state is not None else default_state_path(self.project))
        self._sb: Sandbox | None = None
        self._loaded: ChainState | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._extra: dict[str, Any] = {}
        self._session_transfers: list[dict[str, Any]] = []
        self._cursor: tuple[int, str] | None = None
        self._mutex = threading.RLock()
        #: Token metadata read from the chain, by (contract, token id); emptied on reload.
        self.cache: dict[tuple[str, int], dict[str, Any]] = {}
        #: Increases whenever the chain may have changed (for the gallery's live view).
        self.version = 0

    @property
    def sandbox(self) -> Sandbox | None:
        """The sandbox on the chain as last loaded (``None`` before the first session)."""
        return self._sb

    # -- sessions -----------------------------------------------------------

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Sandbox]:
        """The sandbox on the saved chain; ``write=True`` saves it afterwards."""
        with self._mutex:
            if not write:
                yield self._refresh()
                return
            with self.store.lock():
                sb = self._refresh()
                snapshot = sb.chain.snapshot()
                extra = dict(self._extra)
                try:
                    yield sb
                except BaseException:
                    if snapshot in sb.chain.snapshot_ids:
                        sb.chain.revert(snapshot)
                    self._extra = extra
                    raise
                self.save()

    def _refresh(self) -> Sandbox:
        stamp = self.store.stamp()
        if self._sb is not None and stamp == self._stamp:  # unchanged (or still never saved)
            return self._sb
        loaded = self.store.read() or ChainState({}, DEFAULT_CHAIN_ID)
        # An embedded chain even when SANDBOX_RPC is set: the workshop's chain is the file's.
        chain = Chain(backend=self.backend, chain_id=loaded.chain_id, state=loaded.to_dump(), persistent=True)
        self._sb = Sandbox(self.project.root, chain=chain)
        self._loaded, self._stamp = loaded, stamp
        self._extra = {"contracts": [], "transfers": [], **loaded.extra}
        self._session_transfers, self._cursor = [], None
        self.cache = {}
        self.version += 1
        return self._sb

    def save(self) -> None:
        """Write the chain to the state file (call inside a write session)."""
        assert self._sb is not None and self._loaded is not None
        self._scan_transfers()
        extra = dict(self._extra, transfers=self._extra["transfers"] + self._session_transfers)
        self.store.write(dump_state(self._sb.chain, self._loaded, extra))
        self._stamp = self.store.stamp()
        self.version += 1

    def reset(self) -> Path | None:
        """Start a new chain; returns where a damaged state file was kept, if it was."""
        with self._mutex, self.store.lock():
            backup = self.store.reset()
            self._sb, self._stamp = None, None
            self.version += 1
            return backup

    # -- records kept beside the EVM state -----------------------------------------

    @property
    def block_offset(self) -> int:
        """Blocks mined before the chain was last loaded (loading restarts at 0)."""
        return self._loaded.block_number if self._loaded else 0

    def transfers(self) -> list[dict[str, Any]]:
        """Every ERC-721 transfer on this chain, oldest first (saved and this session's)."""
        if self._sb is not None:
            self._scan_transfers()
        return list(self._extra.get("transfers", [])) + self._session_transfers

    def _scan_transfers(self) -> None:
        assert self._sb is not None
        backend = self._sb.chain.backend
        head = backend.get_block("latest")
        assert head is not None
        if self._cursor is not None:
            number, block_hash = self._cursor
            seen = backend.get_block(number) if number <= head["number"] else None
            if seen is not None and seen["hash"] == block_hash:
                start = number + 1
            else:  # a snapshot was reverted behind the cursor: read this session again
                self._session_transfers, start = [], 1
        else:
            start = 1
        if start <= head["number"]:
            self._session_transfers.extend(self._transfers_in(start, int(head["number"])))
        self._cursor = (int(head["number"]), str(head["hash"]))

    def _transfers_in(self, first: int, last: int) -> list[dict[str, Any]]:
        """ERC-721 transfers in blocks ``first..last`` (ERC-20's Transfer indexes two arguments, not three)."""
        assert self._sb is not None
        backend = self._sb.chain.backend
        times: dict[int, int] = {}
        found = []
        for log in backend.get_logs(first, last, None, [TRANSFER_TOPIC]):
            topics = log["topics"]
            if len(topics) != 4:
                continue
            number = int(log["block_number"])
            if number not in times:
                block = backend.get_block(number)
                times[number] = int(block["timestamp"]) if block else 0
            found.append({
                "contract": to_checksum_address(log["address"]),
                "token_id": int(topics[3], 16),
                "from": to_checksum_address("0x" + topics[1][-40:]),
                "to": to_checksum_address("0x" + topics[2][-40:]),
                "block": self.block_offset + number,
                "timestamp": times[number],
                "tx": str(log["transaction_hash"]),
            })
        return found

    def contracts(self) -> list[dict[str, Any]]:
        return list(self._extra.get("contracts", []))

    def record_contract(self, name: str, address: str, *, role: str = "") -> None:
        """Remember a deployment so ``sandbox call NAME.fn`` finds it."""
        entry = {"name": name, "address": address, "role": role}
        self._extra["contracts"] = [*self._extra.get("contracts", []), entry]

    def find_contract(self, sb: Sandbox, ref: str) -> Contract:
        """A deployed contract by name (the latest deployment) or by address."""
        contracts = self.contracts()
        if ref.startswith("0x"):
            matches = [c for c in contracts if c["address"].lower() == ref.lower()]
        else:
            matches = [c for c in contracts if c["name"] == ref]
        if not matches:
            known = ", ".join(sorted({f"{c['name']} ({c['address']})" for c in contracts})) or "none yet"
            raise UnknownContractError(
                f"no contract {ref!r} deployed on the sandbox chain; deployed: {known}. Deploy one with `sandbox deploy NAME ARGS...`"
            )
        entry = matches[-1]
        return sb.at(entry["name"], entry["address"])

    def collection(self, sb: Sandbox, ref: str | None = None, *, create: bool = False) -> Contract:
        """The workshop's NFT collection (deployed by alice on first use), or ``ref``."""
        if ref is not None:
            return self.find_contract(sb, ref)
        for entry in reversed(self.contracts()):
            if entry.get("role") == "collection":
                return sb.at(entry["name"], entry["address"])
        if not create:
            raise UnknownContractError("no NFT collection yet; mint the first token with `sandbox mint --to bob --name \"Panda #1\"`")
        name, title, symbol = COLLECTION
        alice = sb.accounts.alice
        nft = sb.deploy(name, title, symbol, alice, sender=alice)
        self.record_contract(name, nft.address, role="collection")
        return nft
