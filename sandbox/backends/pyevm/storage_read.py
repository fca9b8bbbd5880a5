"""A storage slot's encoded value read through py-evm's layers in one function instead of one call per layer.

An account's storage in py-evm is a pipe of databases (``AccountStorageDB``):
two ``JournalDB``\\ s (this transaction's changes, and the locked changes of
the block's earlier transactions), each over its ``Journal``; a ``CacheDB``
(an LRU); and the ``StorageLookup``, which hashes the slot and asks the
account's storage trie. A read goes down through each layer's
``__getitem__`` (and ``get``, ``_exists``, the trie's construction and its
``__getitem__``): ~100 Python calls, 5 us when the slot was read before in
this state and ~25 us when it was not. A SandboxNFT mint reads ~23 slots
(its SLOADs, and EIP-2200's current and original values at each SSTORE).

:func:`read` walks the same layers in the same order with the same answers:
a journal's current value (or its deletion marker), a journal that ignores
what it wraps after a clear, the LRU's entry or the new entry it keeps, and
the trie's value at the lookup's root, from :mod:`~sandbox.backends.pyevm.speed`'s
values by root or walked by :func:`~sandbox.backends.pyevm.batchtrie.lookup`.
Any layer that is not py-evm's own class, a write trie that is not a
:class:`~sandbox.backends.pyevm.batchtrie.BatchedTrie`, and a trie node
missing from the database go to that layer's own ``__getitem__``, with its
errors (``MissingStorageTrieNode`` for a missing node).
"""

from __future__ import annotations

from typing import Any, cast

from eth.db.cache import CacheDB
from eth.db.journal import DELETE_WRAPPED, REVERT_TO_WRAPPED, Journal, JournalDB
from eth.db.storage import StorageLookup
from trie.exceptions import MissingTrieNode

from sandbox.backends.pyevm import batchtrie, speed

_MISSING = object()


def read(db: Any, key: bytes) -> bytes:
    """``db[key]`` for an account's storage database ``db`` (a layer of ``AccountStorageDB``'s pipe); KeyError as py-evm raises it."""
    while True:
        cls = db.__class__
        if cls is JournalDB:
            journal = db._journal
            if journal.__class__ is not Journal:
                return db[key]  # type: ignore[no-any-return]
            value = journal._current_values.get(key, REVERT_TO_WRAPPED if journal._ignore_wrapped_db else None)
            if value is None:
                db = db._wrapped_db
                continue
            if value is DELETE_WRAPPED or value is REVERT_TO_WRAPPED:
                return db[key]  # type: ignore[no-any-return]  # its KeyError, with its message
            return cast(bytes, value)
        if cls is CacheDB:
            cached = db._cached_values
            value = cached.get(key, _MISSING)
            if value is _MISSING:
                value = cached[key] = _lookup(db._db, key)
            return value
        return _lookup(db, key)


def _lookup(lookup: Any, key: bytes) -> bytes:
    """``lookup[key]`` for a ``StorageLookup``: the value at its trie's root for the slot's hash (``b""``: none)."""
    if lookup.__class__ is not StorageLookup:
        return lookup[key]  # type: ignore[no-any-return]
    write_trie = lookup._write_trie
    if write_trie is not None:
        if write_trie.__class__ is not batchtrie.BatchedTrie:
            return lookup[key]
        try:
            return write_trie.get(lookup._decode_key(key))
        except MissingTrieNode:
            return lookup[key]  # as StorageLookup raises it
    root = lookup._starting_root_hash
    hashed = lookup._decode_key(key)
    found = speed.known_value(root, hashed)
    if found is None:
        try:
            found = batchtrie.lookup(lookup._db, root, hashed)
        except KeyError:  # a node missing: py-evm's road and its MissingStorageTrieNode
            return lookup[key]
        speed.remember_value(root, hashed, found)
    return found


__all__ = ["read"]
