"""py-evm's key-value database over a saved chain: read lazily, new writes kept to be saved.

py-evm keeps everything (state trie nodes, code, headers, bodies, receipts,
indexes) in one key-value database. Saved with the chain (the store's
``engine_nodes`` table), it lets a reload open the chain without
rebuilding the state trie: :class:`OverlayDB` reads a key from memory, else
from the saved base (and remembers it), and notes every write, which
:meth:`OverlayDB.take` hands to the next save. Writing a key the base
already holds with the same value is not a change (a reload re-writes the
recent headers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from eth.db.backends.base import BaseDB


class Base(Protocol):
    """What a saved database offers: a point read (``None``: not there)."""

    def get(self, key: bytes) -> bytes | None: ...


class OverlayDB(BaseDB):
    """Memory over an optional read-only base; writes are remembered until :meth:`take`."""

    def __init__(self, base: Base | None = None, initial: dict[bytes, bytes] | None = None) -> None:
        self.base = base
        self.mem: dict[bytes, bytes] = dict(initial or {})
        #: Written since the last take: key -> value (``None``: deleted).
        self.written: dict[bytes, bytes | None] = dict(self.mem)

    def __getitem__(self, key: bytes) -> bytes:
        try:
            return self.mem[key]
        except KeyError:
            pass
        if self.base is not None and key not in self.written:
            value = self.base.get(key)
            if value is not None:
                self.mem[key] = value
                return value
        raise KeyError(key)

    def __setitem__(self, key: bytes, value: bytes) -> None:
        value = bytes(value)
        if key not in self.mem and key not in self.written and self.base is not None and self.base.get(key) == value:
            self.mem[key] = value  # already saved as it is
            return
        if self.mem.get(key) == value and key not in self.written:
            return
        self.mem[key] = value
        self.written[key] = value

    def _exists(self, key: bytes) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __delitem__(self, key: bytes) -> None:
        if not self._exists(key):
            raise KeyError(key)
        self.mem.pop(key, None)
        self.written[key] = None

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.mem)

    def __len__(self) -> int:
        return len(self.mem)

    def take(self) -> dict[bytes, bytes | None]:
        """The writes since the last call, and forget them (they are being saved)."""
        written, self.written = self.written, {}
        return written


def overlay_of(chain: Any) -> OverlayDB | None:
    """The overlay under a py-evm chain's database, if it has one."""
    wrapped = getattr(chain.chaindb.db, "wrapped_db", None)
    return wrapped if isinstance(wrapped, OverlayDB) else None


def adopt(backend: Any) -> OverlayDB:
    """Move a fresh in-memory chain onto an :class:`OverlayDB` (everything in it counts as written)."""
    from eth.db.atomic import AtomicDB

    existing = overlay_of(backend.chain)
    if existing is not None:
        return existing
    wrapped = backend.chain.chaindb.db.wrapped_db
    overlay = OverlayDB(None, dict(wrapped.kv_store))
    backend.chain = type(backend.chain)(AtomicDB(overlay))
    return overlay


__all__ = ["OverlayDB", "adopt", "overlay_of"]
