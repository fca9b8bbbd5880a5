"""The workshop's chain on disk: one SQLite database with the state and the whole history.

``.sandbox/chain.db`` holds every block (its RLP header and its record),
transaction, receipt and log, and the state at the head block (accounts and
storage slots), plus the workshop's own records (contracts deployed by name).
Every saved command is one SQLite transaction in WAL mode: atomic, safe under
``kill -9``, readable by every process while one writes, and proportional to
what the command changed (its new blocks and the accounts and slots it
touched), not to the size of the chain.

A loaded chain continues from the saved head (``sandbox.backends.history``):
the engine starts on the saved state with the head's exact header, and this
store answers for every block up to it (:class:`StoreHistory`).

The store carries a format version; a newer one, a file that is not a
sandbox store, or a damaged one raises :class:`~sandbox.errors.StateFileError`
and is never written. Writers queue on a lock file beside the store
(``chain.db.lock``); readers never wait.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox._utils.leftovers import temp_path
from sandbox.backends.base import StateDump
from sandbox.backends.history import History
from sandbox.errors import StateFileError, StateLockedError

#: The store's format; 1 was the JSON file of earlier releases (``sandbox state import`` reads it).
FORMAT = 2
#: SQLite's application id for a sandbox store ("SBX1"), so ``file`` and a load can tell it apart.
APPLICATION_ID = 0x53425831
#: How long a command waits for another one holding the chain (seconds).
LOCK_TIMEOUT = 300.0

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE accounts (address BLOB PRIMARY KEY, nonce INTEGER NOT NULL, balance TEXT NOT NULL, code BLOB NOT NULL);
CREATE TABLE storage (address BLOB NOT NULL, slot BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY (address, slot)) WITHOUT ROWID;
CREATE TABLE blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, header BLOB NOT NULL, record TEXT NOT NULL);
CREATE TABLE transactions (hash TEXT PRIMARY KEY, block INTEGER NOT NULL, idx INTEGER NOT NULL,
                           record TEXT NOT NULL, receipt TEXT NOT NULL);
CREATE INDEX transactions_by_block ON transactions (block, idx);
CREATE TABLE logs (block INTEGER NOT NULL, tx INTEGER NOT NULL, idx INTEGER NOT NULL, address TEXT NOT NULL,
                   topic0 TEXT, topic1 TEXT, topic2 TEXT, topic3 TEXT, record TEXT NOT NULL,
                   PRIMARY KEY (block, tx, idx)) WITHOUT ROWID;
CREATE INDEX logs_by_address ON logs (address, block);
CREATE INDEX logs_by_topic0 ON logs (topic0, block);
CREATE TABLE records (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE engine_nodes (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
"""

#: The files SQLite keeps beside a store in WAL mode (its write-ahead log and its shared-memory index).
LOG_SUFFIXES = ("-wal", "-shm")
FIX = "the store is kept as it is; move it away, or run `sandbox reset` to start a new chain (it keeps a copy)"


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):  # the few raw fields eth-tester leaves as bytes (a receipt's state_root)
        return "0x" + bytes(value).hex()
    raise TypeError(f"cannot save a {type(value).__name__} in a chain record")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_hex)


@dataclass
class Saved:
    """What a load reads: the state at the head, the history before it, the workshop's records."""

    state: StateDump | None
    chain_id: int
    records: dict[str, Any] = field(default_factory=dict)
    #: Changes whenever anyone commits (a reload is due when it differs from the one loaded).
    generation: str = ""


class ChainStore:
    """The SQLite store of one chain: open, load, commit, lock, snapshots."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._conn: sqlite3.Connection | None = None
        self._guard = threading.RLock()

    # -- opening -----------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def _check_file(self) -> None:
        """Refuse a file that is not a SQLite database before SQLite touches it."""
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise StateFileError(f"cannot read the chain store {self.path} ({exc.strerror or exc}); {FIX}") from None
        if head == b"SQLite format 3\x00" or not head:
            return
        if head.lstrip()[:1] == b"{":
            raise StateFileError(
                f"{self.path} is a JSON chain file (an anvil dump or the state file of an older sandbox), not a chain store; "
                f"load it with `sandbox state import {self.path}`"
            )
        raise StateFileError(f"{self.path} is not a sandbox chain store (not a SQLite database); {FIX}")

    def connect(self, *, create: bool = False) -> sqlite3.Connection | None:
        """The open connection; ``None`` when there is no store yet and ``create`` is false."""
        with self._guard:
            if self._conn is not None:
                return self._conn
            if not self.path.exists():
                if not create:
                    return None
                self._create()
            self._check_file()
            try:
                conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA busy_timeout = 120000")
                app = conn.execute("PRAGMA application_id").fetchone()[0]
                if app != APPLICATION_ID:
                    conn.close()
                    raise StateFileError(f"{self.path} is a SQLite database but not a sandbox chain store; {FIX}")
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            except sqlite3.DatabaseError as exc:
                raise StateFileError(f"{self.path} is a damaged chain store ({exc}); {FIX}") from None
            version = int(meta.get("format", "0"))
            if version > FORMAT:
                conn.close()
                raise StateFileError(
                    f"{self.path} was written by a newer sandbox (store format {version}; this one reads format {FORMAT}); "
                    "upgrade the sandbox (pip install -U) to open it, or `sandbox reset` to start a new chain (it keeps a copy)"
                )
            if version != FORMAT:
                conn.close()
                raise StateFileError(f"{self.path} has store format {version}, this sandbox reads format {FORMAT}; {FIX}")
            self._conn = conn
            return conn

    def _create(self) -> None:
        """A new, empty store, made whole in a temporary file and renamed into place."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.executescript("BEGIN;" + SCHEMA + "COMMIT;")
                conn.execute("INSERT INTO meta VALUES ('format', ?), ('generation', ?)", (str(FORMAT), uuid.uuid4().hex))
            finally:
                conn.close()
            # A write-ahead log or shared-memory file with no store beside it is what is left of a store
            # removed by hand while its last writer had not checkpointed: SQLite would replay its pages
            # into the new file. Writers hold the lock, so no live store can own them here.
            for suffix in LOG_SUFFIXES:
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            os.replace(tmp, self.path)
        except sqlite3.OperationalError as exc:
            raise StateFileError(f"cannot create the chain store {self.path} ({exc}); check that the folder is writable and the disk has space") from None
        finally:
            for suffix in ("", *LOG_SUFFIXES):
                Path(str(tmp) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        with self._guard:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- reading -----------------------------------------------------------------

    def generation(self) -> str | None:
        """The store's current generation (``None``: no store yet); cheap, for "did anyone commit?"."""
        conn = self.connect()
        if conn is None:
            return None
        with self._guard:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return str(row[0]) if row else ""

    def meta(self) -> dict[str, str]:
        conn = self.connect()
        if conn is None:
            return {}
        with self._guard:
            return dict(conn.execute("SELECT key, value FROM meta").fetchall())

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection | None]:
        """The connection inside one read transaction (a consistent view while a writer commits); ``None``: no store."""
        conn = self.connect()
        if conn is None:
            yield None
            return
        with self._guard:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    def counts(self) -> dict[str, int]:
        """Rows per table (what ``sandbox state info`` shows); empty when there is no store."""
        with self.reading() as conn:
            if conn is None:
                return {}
            return {table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                    for table in ("blocks", "transactions", "logs", "accounts", "storage")}

    def load(self, default_chain_id: int, *, lazy: bool = False) -> Saved | None:
        """The saved chain (``None`` when there is no store, or it holds no chain yet).

        ``lazy``: the engine reads its own saved database (py-evm's trie): when that holds the
        head's state, the accounts are not read at all, so opening costs the same at any size.
        """
        try:
            with self.reading() as conn:
                if conn is None:
                    return None
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                head = conn.execute("SELECT number, record FROM blocks ORDER BY number DESC LIMIT 1").fetchone()
                records = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM records")}
                if head is None:
                    return Saved(None, int(meta.get("chain_id", default_chain_id)), records, meta.get("generation", ""))
                accounts: dict[bytes, dict[str, Any]] = {}
                root = bytes.fromhex(json.loads(head[1])["state_root"][2:])
                skip = lazy and conn.execute("SELECT 1 FROM engine_nodes WHERE key = ?", (root,)).fetchone() is not None
                if not skip:
                    for address, nonce, balance, code in conn.execute("SELECT address, nonce, balance, code FROM accounts"):
                        accounts[bytes(address)] = {"nonce": int(nonce), "balance": int(balance, 16), "code": bytes(code), "storage": {}}
                    for address, slot, value in conn.execute("SELECT address, slot, value FROM storage"):
                        accounts[bytes(address)]["storage"][int.from_bytes(slot, "big")] = int.from_bytes(value, "big")
        except (sqlite3.DatabaseError, KeyError, ValueError, TypeError) as exc:
            raise StateFileError(f"{self.path} is a damaged chain store ({type(exc).__name__}: {exc}); {FIX}") from None
        number, record = int(head[0]), json.loads(head[1])
        history = StoreHistory(self, number)
        dump = StateDump(accounts, number, int(record["timestamp"]), bytes.fromhex(record["state_root"][2:]), history, StoreNodes(self))
        return Saved(dump, int(meta["chain_id"]), records, meta.get("generation", ""))

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT, *, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the chain: other writers wait here until it is released (readers never do).
        ``on_wait`` is called once when another writer holds it (a command says why it waits)."""
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.lock_path))
            try:
                lock.acquire(timeout=0 if on_wait is not None else timeout)
            except Timeout:
                if on_wait is None:
                    raise
                on_wait()
                lock.acquire(timeout=timeout)
        except Timeout:
            raise StateLockedError(
                f"another sandbox command has held {self.path} for over {timeout:.0f} s; wait for it to finish (or stop it) and try again"
            ) from None
        except OSError as exc:
            raise StateFileError(f"cannot lock the chain store {self.path} ({exc.strerror or exc}); check that {self.path.parent} is writable") from None
        try:
            yield
        finally:
            lock.release()

    def commit(self, change: Change) -> str:
        """Write one command's change in one transaction; returns the new generation."""
        conn = self.connect(create=True)
        assert conn is not None
        generation = uuid.uuid4().hex
        try:
            with self._guard:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    change.apply(conn)
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,))
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise StateFileError(
                f"could not save the chain to {self.path} ({exc}); nothing of this command was saved and the store is unchanged: "
                "free disk space or make the folder writable, then run it again"
            ) from None
        except sqlite3.DatabaseError as exc:  # a constraint the store's own rows break: it was changed behind the sandbox
            raise StateFileError(f"could not save the chain to {self.path}: the store is damaged ({exc}); nothing of this command was saved; {FIX}") from None
        return generation

    def digest(self) -> str | None:
        """A hash of everything the store holds (``None``: no store): equal digests, equal chains.

        The file's bytes are no such measure: SQLite moves committed pages from
        the write-ahead log into the file whenever it checkpoints.
        """
        import hashlib

        digest = hashlib.sha256()
        with self.reading() as conn:
            if conn is None:
                return None
            for table in ("meta", "accounts", "storage", "blocks", "transactions", "logs", "records", "engine_nodes"):
                rows = sorted(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)) for row in conn.execute(f"SELECT * FROM {table}"))
                for row in rows:
                    digest.update(row.encode())
        return digest.hexdigest()

    def stored_hashes(self, first: int, last: int | None = None) -> dict[int, str]:
        """Hashes of the saved blocks ``first..last`` (to the end by default): where the engine's chain departs."""
        conn = self.connect()
        if conn is None:
            return {}
        end = 2**62 if last is None else last
        with self._guard:
            return {int(n): str(h) for n, h in conn.execute("SELECT number, hash FROM blocks WHERE number BETWEEN ? AND ?", (first, end))}

    def head(self) -> int | None:
        conn = self.connect()
        if conn is None:
            return None
        with self._guard:
            row = conn.execute("SELECT MAX(number) FROM blocks").fetchone()
        return None if row[0] is None else int(row[0])

    # -- snapshots of the whole store ------------------------------------------------

    def copy_to(self, target: Path) -> None:
        """A consistent copy of the store (SQLite's online backup), written whole or not at all."""
        conn = self.connect()
        if conn is None:
            raise StateFileError(f"there is no chain at {self.path} yet; mint or deploy something first")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(target, "new")  # and a killed copy's leftover removed
        try:
            out = sqlite3.connect(tmp)
            try:
                with self._guard:
                    conn.backup(out)
                out.execute("PRAGMA journal_mode = DELETE")
            finally:
                out.close()
            os.replace(tmp, target)
        except sqlite3.OperationalError as exc:
            raise StateFileError(f"could not write {target} ({exc}); free disk space or make the folder writable") from None
        finally:
            tmp.unlink(missing_ok=True)

    def restore_from(self, source: Path) -> None:
        """Replace the store's content with ``source``'s (a copy made by :meth:`copy_to`), atomically."""
        other = ChainStore(source)
        other.connect()  # checks that it is a sandbox store of this format
        conn = self.connect(create=True)
        assert conn is not None and other._conn is not None
        try:
            with self._guard:
                other._conn.backup(conn)
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (uuid.uuid4().hex,))
        except sqlite3.OperationalError as exc:
            raise StateFileError(f"could not restore {self.path} from {source} ({exc}); the store is unchanged") from None
        finally:
            other.close()


class Change:
    """One command's writes: new blocks (with their transactions, receipts, logs), state, records."""

    def __init__(self, chain_id: int) -> None:
        self.chain_id = chain_id
        self.drop_after: int | None = None
        self.blocks: list[tuple[Any, bytes, list[tuple[Any, Any]]]] = []
        self.accounts: dict[bytes, dict[str, Any] | None] = {}
        self.slots: dict[tuple[bytes, int], int] = {}
        self.wiped: set[bytes] = set()
        self.records: dict[str, Any] = {}
        #: The engine's own database writes (``ChainBackend.take_engine_writes``): key -> value or None.
        self.engine_writes: dict[bytes, bytes | None] = {}

    def apply(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('chain_id', ?)", (str(self.chain_id),))
        if self.drop_after is not None:
            for table, column in (("blocks", "number"), ("transactions", "block"), ("logs", "block")):
                conn.execute(f"DELETE FROM {table} WHERE {column} > ?", (self.drop_after,))
        for block, header, txs in self.blocks:
            number = int(block["number"])
            conn.execute("INSERT INTO blocks VALUES (?, ?, ?, ?)", (number, block["hash"], header, _dumps(block)))
            for index, (tx, receipt) in enumerate(txs):
                conn.execute("INSERT INTO transactions VALUES (?, ?, ?, ?, ?)", (tx["hash"], number, index, _dumps(tx), _dumps(receipt)))
                for position, log in enumerate(receipt["logs"]):
                    topics = [str(t).lower() for t in log["topics"]] + [None] * 4
                    conn.execute("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (number, index, position, str(log["address"]).lower(), *topics[:4], _dumps(log)))
        for address in self.wiped:
            conn.execute("DELETE FROM storage WHERE address = ?", (address,))
        for address, account in self.accounts.items():
            if account is None:
                conn.execute("DELETE FROM accounts WHERE address = ?", (address,))
                conn.execute("DELETE FROM storage WHERE address = ?", (address,))
            else:
                conn.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?)",
                             (address, int(account["nonce"]), hex(int(account["balance"])), bytes(account["code"])))
        for (address, slot), value in self.slots.items():
            key = slot.to_bytes(32, "big")
            if value:
                conn.execute("INSERT OR REPLACE INTO storage VALUES (?, ?, ?)", (address, key, value.to_bytes(32, "big")))
            else:
                conn.execute("DELETE FROM storage WHERE address = ? AND slot = ?", (address, key))
        for name, record in self.records.items():
            conn.execute("INSERT OR REPLACE INTO records VALUES (?, ?)", (name, _dumps(record)))
        conn.executemany("INSERT OR REPLACE INTO engine_nodes VALUES (?, ?)", [(k, v) for k, v in self.engine_writes.items() if v is not None])
        conn.executemany("DELETE FROM engine_nodes WHERE key = ?", [(k,) for k, v in self.engine_writes.items() if v is None])

    def updates(self, changes: dict[bytes, dict[str, Any]]) -> None:
        """Record accounts as ``ChainBackend.state_changes`` gives them (their written slots), or whole
        (``StateDump.accounts``: a new chain's genesis, an import)."""
        for address, account in changes.items():
            if account.get("wiped"):
                self.wiped.add(address)
            storage = account["storage"]
            if not (account["nonce"] or account["balance"] or account["code"] or any(storage.values())):
                self.accounts[address] = None  # empty now (EIP-161), storage gone with it
                continue
            self.accounts[address] = account
            for slot, value in storage.items():
                self.slots[(address, slot)] = value


class StoreNodes:
    """The engine's saved key-value database, read one key at a time (``StateDump.engine_db``)."""

    def __init__(self, store: ChainStore) -> None:
        self.store = store

    def get(self, key: bytes) -> bytes | None:
        conn = self.store.connect()
        assert conn is not None
        with self.store._guard:
            row = conn.execute("SELECT value FROM engine_nodes WHERE key = ?", (bytes(key),)).fetchone()
        return None if row is None else bytes(row[0])


class StoreHistory(History):
    """The saved blocks ``0..head`` of a :class:`ChainStore`, answered from SQLite."""

    def __init__(self, store: ChainStore, head: int) -> None:
        self.store = store
        self._head = head

    @property
    def head(self) -> int:
        return self._head

    def _rows(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        conn = self.store.connect()
        assert conn is not None
        with self.store._guard:
            return conn.execute(sql, args).fetchall()

    def block(self, ref: int | str, full: bool = False) -> dict[str, Any] | None:
        if isinstance(ref, int):
            rows = self._rows("SELECT number, record FROM blocks WHERE number = ? AND number <= ?", (ref, self._head))
        else:
            rows = self._rows("SELECT number, record FROM blocks WHERE hash = ? AND number <= ?", (ref.lower(), self._head))
        if not rows:
            return None
        record: dict[str, Any] = json.loads(rows[0][1])
        if full:
            txs = self._rows("SELECT record FROM transactions WHERE block = ? ORDER BY idx", (int(rows[0][0]),))
            record["transactions"] = [json.loads(r[0]) for r in txs]
        return record

    def transaction(self, tx_hash: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT record FROM transactions WHERE hash = ? AND block <= ?", (tx_hash.lower(), self._head))
        return json.loads(rows[0][0]) if rows else None

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT receipt FROM transactions WHERE hash = ? AND block <= ?", (tx_hash.lower(), self._head))
        return json.loads(rows[0][0]) if rows else None

    def logs(self, first: int, last: int, addresses: set[str], topics: list[set[str] | None]) -> list[dict[str, Any]]:
        sql = "SELECT record FROM logs WHERE block BETWEEN ? AND ?"
        args: list[Any] = [first, min(last, self._head)]
        if addresses:
            sql += f" AND address IN ({','.join('?' * len(addresses))})"
            args.extend(sorted(addresses))
        for position, wanted in enumerate(topics[:4]):
            if wanted is not None:
                sql += f" AND topic{position} IN ({','.join('?' * len(wanted))})"
                args.extend(sorted(t.lower() for t in wanted))
        if len(topics) > 4 and any(t is not None for t in topics[4:]):
            return []  # a log has at most four topics
        return [json.loads(r[0]) for r in self._rows(sql + " ORDER BY block, tx, idx", tuple(args))]

    def raw_header(self, number: int) -> bytes | None:
        rows = self._rows("SELECT header FROM blocks WHERE number = ? AND number <= ?", (number, self._head))
        return bytes(rows[0][0]) if rows else None

    def raw_headers(self, count: int) -> list[bytes]:
        rows = self._rows("SELECT header FROM blocks WHERE number <= ? ORDER BY number DESC LIMIT ?", (self._head, count))
        return [bytes(r[0]) for r in reversed(rows)]





def reset_store(store: ChainStore) -> Path | None:
    """Start over: remove the store; one that does not open is kept as a ``.bak`` copy (returned)."""
    store.close()
    if not store.path.exists():
        return None
    try:
        store.connect()
    except StateFileError:
        backup = store.path.with_name(store.path.name + ".bak")
        for suffix in LOG_SUFFIXES:  # its log goes with it: it is the backup's, not the next store's
            if Path(str(store.path) + suffix).exists():
                os.replace(str(store.path) + suffix, str(backup) + suffix)
        os.replace(store.path, backup)
        return backup
    finally:
        store.close()
    for suffix in ("", *LOG_SUFFIXES):
        Path(str(store.path) + suffix).unlink(missing_ok=True)
    return None

__all__ = ["FORMAT", "ChainStore", "Change", "Saved", "StoreHistory", "reset_store"]
