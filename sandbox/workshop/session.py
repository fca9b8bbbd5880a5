"""One chain shared by every ``sandbox`` command, the node and the gallery.

A :class:`Workshop` holds a :class:`~sandbox.Sandbox` whose chain is loaded
from the project's chain store (``.sandbox/chain.db``, see
:mod:`sandbox.workshop.db`). Work happens in sessions::

    ws = Workshop()                       # project = current folder
    with ws.session(write=True) as sb:    # waits for other writers, saves after
        nft = ws.collection(sb)
        nft.mint(sb.accounts.bob, uri, sender=sb.accounts.alice)

A write session takes the store's lock, reloads the chain if another
process committed since, and commits what it changed (new blocks with their
transactions, receipts and logs; the accounts and slots it wrote) in one
SQLite transaction at the end. If the block raises, or the commit fails
(disk full, read-only folder), the chain returns to where the session
started and nothing is saved. Long-lived servers (``sandbox node``,
``sandbox ui``) keep one Workshop and open a session per request, so
commands run beside them see and extend one chain, history included.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address

from sandbox.chain.chain import DEFAULT_CHAIN_ID, Chain
from sandbox.contracts.handles import Contract
from sandbox.errors import UnknownContractError
from sandbox.main import Sandbox
from sandbox.project.config import Project
from sandbox.workshop.db import ChainStore, Change, reset_store

#: ERC-721 and ERC-20 share this topic; ERC-721 indexes all three arguments.
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
COLLECTION = ("SandboxNFT", "Workshop Collection", "WORK")


def default_state_path(project: Project) -> Path:
    return Path(os.environ["SANDBOX_STATE"]) if os.environ.get("SANDBOX_STATE") else project.state_dir / "chain.db"


def _copy(accounts: dict[bytes, dict[str, Any]]) -> dict[bytes, dict[str, Any]]:
    return {a: dict(v, storage=dict(v["storage"])) for a, v in accounts.items()}


class Workshop:
    """The persistent chain of one project (store ``.sandbox/chain.db``)."""

    def __init__(self, project: str | Path | None = None, *, state: str | Path | None = None, backend: str | None = None) -> None:
        """``backend``: the embedded engine the chain runs on (a saved chain loads on either);
        by default the session's (``Sandbox.defaults``, set by ``pytest --sandbox-backend``), else py-evm."""
        self.project = Project.load(project)
        self.backend = backend or Sandbox.defaults.backend or "pyevm"
        self.store = ChainStore(Path(state) if state is not None else default_state_path(self.project))
        self._sb: Sandbox | None = None
        self._generation: str | None = None
        self._records: dict[str, Any] = {}
        #: The head block as last saved, and a new chain's genesis accounts until its first save.
        self._saved_head = -1
        self._genesis_accounts: dict[bytes, dict[str, Any]] | None = None
        self._engine_writes: dict[bytes, bytes | None] = {}
        self._transfers: tuple[tuple[int, str], list[dict[str, Any]]] | None = None
        self._mutex = threading.RLock()
        #: Token metadata read from the chain, by (contract, token id); emptied on reload.
        self.cache: dict[tuple[str, int], dict[str, Any]] = {}
        #: Increases whenever the chain may have changed (for the gallery's live view).
        self.version = 0
        #: Called once when a write session has to wait for another process's (the CLI says so).
        self.on_wait: Callable[[], None] | None = None

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
            self._prepare()
            with self.store.lock(on_wait=self.on_wait):
                sb = self._refresh()
                snapshot = sb.chain.snapshot()
                records = {k: list(v) if isinstance(v, list) else v for k, v in self._records.items()}
                try:
                    yield sb
                    self.save()
                except BaseException:
                    if snapshot in sb.chain.snapshot_ids:
                        sb.chain.revert(snapshot)
                    self._records = records
                    self._transfers = None
                    raise

    def _prepare(self) -> None:
        """Before a write session takes the store's lock: the sandbox and its project's compile check, which
        need no lock, so writers queued on the lock wait for each other's chain work only (best effort: an
        error here is raised again where the command meets it)."""
        from sandbox.errors import SandboxError

        try:
            self._refresh().compile()
        except SandboxError:
            pass

    def _refresh(self) -> Sandbox:
        generation = self.store.generation()
        if generation is None and self.store.path.name == "chain.db" and self.store.path.with_name("chain.json").exists():
            from sandbox.errors import StateFileError

            legacy = self.store.path.with_name("chain.json")
            raise StateFileError(
                f"{legacy} is the chain file of an earlier sandbox; this one keeps the chain in {self.store.path}. "
                f"Bring it over with `sandbox state import {legacy}` (then remove or keep the JSON file), or move it away to start a new chain"
            )
        if self._sb is not None and generation == self._generation:  # nobody committed since (or still never saved)
            return self._sb
        saved = self.store.load(DEFAULT_CHAIN_ID, lazy=self.backend == "pyevm")
        state = saved.state if saved is not None else None
        chain_id = saved.chain_id if saved is not None else DEFAULT_CHAIN_ID
        # An embedded chain even when SANDBOX_RPC is set: the workshop's chain is the store's.
        chain = Chain(backend=self.backend, chain_id=chain_id, state=state, persistent=True)
        if self._sb is not None:
            self._sb._use_chain(chain)  # same project: its compile and decoders stay
        else:
            self._sb = Sandbox(self.project.root, chain=chain)
        self._generation = generation
        self._records = {"contracts": [], **(saved.records if saved is not None else {})}
        self._saved_head = state.block_number if state is not None else -1
        self._engine_writes = {}
        if state is None:  # a new chain: its genesis accounts are the first change to save
            chain.backend.state_changes()
            self._genesis_accounts = _copy(chain.dump_state().accounts)
        else:
            self._genesis_accounts = None
        self._transfers = None
        self.cache = {}
        self.version += 1
        return self._sb

    def save(self) -> None:
        """Commit what changed since the last save to the store (call inside a write session)."""
        assert self._sb is not None
        backend = self._sb.chain.backend
        change = Change(self._sb.chain.chain_id)
        head = backend.block_number()
        fork = min(self._saved_head, head)
        if fork >= 0:
            # Normally the saved head is still the engine's; after a revert behind it, find where they part.
            stored: dict[int, str] = {}
            while fork >= 0:
                if fork not in stored:  # the saved hashes below, a window at a time (one row when nothing was reverted)
                    window = 1 if not stored else 256
                    stored.update(self.store.stored_hashes(max(0, fork - window + 1), fork))
                block = backend.get_block(fork)
                if block is not None and block["hash"] == stored.get(fork):
                    break
                fork -= 1
            if fork < self._saved_head:
                change.drop_after = fork
        for number in range(fork + 1, head + 1):
            block = backend.get_block(number, full=True)
            header = backend.raw_header(number)
            assert block is not None and header is not None
            txs = list(block["transactions"])
            receipts = [backend.get_receipt(str(tx["hash"])) for tx in txs]
            change.blocks.append((dict(block, transactions=[tx["hash"] for tx in txs]), header, list(zip(txs, receipts, strict=True))))
        if self._genesis_accounts is not None:
            change.updates(self._genesis_accounts)
        # What the commands wrote since the last save; after a revert behind it, all since the load.
        change.updates(backend.state_changes(since_load=change.drop_after is not None))
        # The engine's database writes wait here until a commit takes them (a failed one keeps them).
        self._engine_writes.update(backend.take_engine_writes() or {})
        change.engine_writes = self._engine_writes
        change.records = dict(self._records)
        self._generation = self.store.commit(change)
        self._saved_head, self._genesis_accounts, self._engine_writes = head, None, {}
        self.version += 1

    def reset(self) -> Path | None:
        """Start a new chain; returns where a damaged store was kept, if it was."""
        with self._mutex, self.store.lock():
            backup = reset_store(self.store)
            self._sb, self._generation = None, None
            self.version += 1
            return backup

    # -- records read from the chain ---------------------------------------------

    def transfers(self) -> list[dict[str, Any]]:
        """Every ERC-721 transfer on this chain, oldest first, read from the chain's own logs."""
        with self._mutex:
            sb = self._refresh()
            backend = sb.chain.backend
            head = backend.get_block("latest")
            assert head is not None
            key = (int(head["number"]), str(head["hash"]))
            if self._transfers is not None and self._transfers[0] != key:
                # Only the blocks since the last read, while that read's head is still on the chain.
                (number, block_hash), known = self._transfers
                seen = backend.get_block(number) if number <= key[0] else None
                if seen is not None and seen["hash"] == block_hash:
                    self._transfers = (key, known + self._transfers_in(number + 1, key[0]))
                else:  # a revert went behind it: read the chain again
                    self._transfers = None
            if self._transfers is None:
                # A chain imported from sandbox 0.1's JSON file keeps that file's transfer list (it had no blocks).
                imported = [dict(t, block=0) for t in self._records.get("imported_transfers", [])]
                self._transfers = (key, imported + self._transfers_in(0, key[0]))
            return list(self._transfers[1])

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
                "block": number,
                "timestamp": times[number],
                "tx": str(log["transaction_hash"]),
            })
        return found

    def contracts(self) -> list[dict[str, Any]]:
        return list(self._records.get("contracts", []))

    def record_contract(self, name: str, address: str, *, role: str = "") -> None:
        """Remember a deployment so ``sandbox call NAME.fn`` finds it."""
        entry = {"name": name, "address": address, "role": role}
        self._records["contracts"] = [*self._records.get("contracts", []), entry]

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
