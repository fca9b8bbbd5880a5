"""py-evm's state tries with their writes applied in one pass when the root is read.

py-trie's ``HexaryTrie.set`` rebuilds the path from the root to the key on
every write: it walks down (nibble tuples through ``eth-utils``' ``to_tuple``
decorators), builds new nodes, RLP-encodes and hashes each of them, writes
them and prunes the ones they replace. py-evm writes every changed slot of
a transaction that way, then every changed account: about a third of a mint
on SandboxNFT (a dozen slots and three accounts a mint), of which almost all
is thrown away again (the nodes between two writes of the same path).

:class:`BatchedTrie` is a ``HexaryTrie`` whose ``set``/``delete`` note the
change and whose ``root_hash`` applies the changes noted so far in one pass:
the paths are rebuilt once in memory (nibbles as ``bytes``), and only the
nodes of the new trie are encoded, hashed and written. A Merkle Patricia
trie has one shape for one set of keys and values, so the root and the
nodes reachable from it are py-trie's bytes; reads between the writes see
the noted values first. py-evm commits a trie's database after reading its
root (``AccountDB.persist``; ``StorageLookup.commit_to`` is made to read it
first), so every node is written before it is saved. Should the pass fail
(a node missing from the database), the changes go through py-trie's own
``set`` key by key, with its errors.

:func:`install` makes py-evm's account trie and account storage tries
BatchedTries (the names ``HexaryTrie`` in ``eth.db.account`` and
``eth.db.storage``), and a block's transaction, receipt and withdrawal tries
are built in one :class:`Batch` (``eth.db.trie``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from eth_hash.auto import keccak
from trie.constants import BLANK_NODE_HASH
from trie.exceptions import MissingTraversalNode, MissingTrieNode
from trie.hexary import HexaryTrie
from trie.utils.nibbles import bytes_to_nibbles

from sandbox.backends.pyevm import speed

_TO_NIBBLES = bytes.maketrans(b"0123456789abcdef", bytes(range(16)))
_TO_HEX = bytes.maketrans(bytes(range(16)), b"0123456789abcdef")
_HEX = "0123456789abcdef"
_ONE = [bytes((i,)) for i in range(16)]

# Nodes in memory, as lists tagged by their first item:
#   [LEAF, path, value]   [EXTENSION, path, child]   [BRANCH, [16 children or None], value]   [STORED, raw]
# where a path is nibbles as bytes (0..15 each), a child (and the batch's root) is a node, None or a
# stored node's 32-byte hash as bytes (as a parent refers to it, not wrapped: a loaded branch's hashes
# are its raw node's own items), and [STORED, raw] a node embedded in its parent (py-trie keeps a node
# whose encoding is shorter than 32 bytes in the parent as the raw node itself).
LEAF, EXTENSION, BRANCH, STORED = 0, 1, 2, 3


def nibbles(key: bytes) -> bytes:
    """``key`` as nibbles, one a byte."""
    return key.hex().encode("ascii").translate(_TO_NIBBLES)


def hex_prefix(path: bytes, leaf: bool) -> bytes:
    """The compact (hex-prefix) encoding of ``path`` with the leaf flag (Yellow Paper, appendix C)."""
    digits = path.translate(_TO_HEX).decode("ascii")
    flag = 2 if leaf else 0
    if len(path) & 1:
        return bytes.fromhex(_HEX[flag + 1] + digits)
    return bytes.fromhex(_HEX[flag] + "0" + digits)


def _unprefix(encoded: bytes) -> tuple[bytes, bool]:
    digits = encoded.hex()
    flag = _HEX.index(digits[0])
    return (digits[1:] if flag & 1 else digits[2:]).encode("ascii").translate(_TO_NIBBLES), flag >= 2


def _from_raw(raw: Any) -> Any:
    if raw == b"":
        return None
    if len(raw) == 17:
        return [BRANCH, [None if c == b"" else c if c.__class__ is bytes else [STORED, c] for c in raw[:16]], raw[16]]
    path, leaf = _unprefix(raw[0])
    child = raw[1]
    return [LEAF, path, child] if leaf else [EXTENSION, path, child if child.__class__ is bytes else [STORED, child]]


def _common(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def lookup(db: Any, root: bytes, key: bytes) -> bytes:
    """The value for ``key`` in the trie at ``root`` (``b""``: none), walked over shared decoded nodes; KeyError: a node missing."""
    if root == BLANK_NODE_HASH:
        return b""
    path = nibbles(key)
    shared = speed.shared_node
    node = shared(db[root])
    while True:
        if len(node) == 17:
            if not path:
                return node[16]  # type: ignore[no-any-return]
            child = node[path[0]]
            path = path[1:]
        else:
            if node == b"":
                return b""
            segment, leaf = _unprefix(node[0])
            if leaf:
                return node[1] if segment == path else b""
            if path[:len(segment)] != segment:
                return b""
            path = path[len(segment):]
            child = node[1]
        if child == b"":
            return b""
        node = child if child.__class__ is list else shared(db[child])


def _list_prefix(length: int) -> bytes:
    """The RLP prefix of a list whose items' encodings are ``length`` bytes together."""
    if length < 56:
        return _LIST_SHORT[length]
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(size),)) + size


_LIST_SHORT = [bytes((0xC0 + n,)) for n in range(56)]


class Batch:
    """One pass of changes over the trie at ``root`` in ``db``: :meth:`put`/:meth:`delete`, then :meth:`commit`."""

    __slots__ = ("db", "node")

    def __init__(self, db: Any, root: bytes) -> None:
        self.db = db
        self.node: Any = None if root == BLANK_NODE_HASH else root

    def _load(self, ref: Any) -> Any:
        # _from_raw builds new lists around the raw node's items and changes none of them: the shared node will do
        return _from_raw(ref if ref.__class__ is list else speed.shared_node(self.db[ref]))

    def put(self, key: bytes, value: bytes) -> None:
        self.node = self._put(self.node, nibbles(key), value)

    def delete(self, key: bytes) -> None:
        self.node = self._delete(self.node, nibbles(key))

    def _put(self, node: Any, key: bytes, value: bytes) -> Any:
        if node is None:
            return [LEAF, key, value]
        if node.__class__ is bytes:
            node = self._load(node)
        elif node[0] == STORED:
            node = self._load(node[1])
        tag = node[0]
        if tag == BRANCH:
            if not key:
                node[2] = value
            else:
                children = node[1]
                children[key[0]] = self._put(children[key[0]], key[1:], value)
            return node
        path = node[1]
        n = _common(path, key)
        if tag == LEAF and n == len(path) == len(key):
            node[2] = value
            return node
        if tag == EXTENSION and n == len(path):
            node[2] = self._put(node[2], key[n:], value)
            return node
        branch: list[Any] = [BRANCH, [None] * 16, b""]
        slots = branch[1]
        rest = path[n:]
        if tag == LEAF:
            if rest:
                slots[rest[0]] = [LEAF, rest[1:], node[2]]
            else:
                branch[2] = node[2]
        else:  # an extension split inside its path (rest is not empty)
            slots[rest[0]] = node[2] if len(rest) == 1 else [EXTENSION, rest[1:], node[2]]
        tail = key[n:]
        if tail:
            slots[tail[0]] = [LEAF, tail[1:], value]
        else:
            branch[2] = value
        return [EXTENSION, key[:n], branch] if n else branch

    def _delete(self, node: Any, key: bytes) -> Any:
        if node is None:
            return None
        if node.__class__ is bytes:
            node = self._load(node)
        elif node[0] == STORED:
            node = self._load(node[1])
        tag = node[0]
        if tag == LEAF:
            return None if node[1] == key else node
        if tag == EXTENSION:
            path = node[1]
            if key[:len(path)] != path:
                return node
            return self._join(path, self._delete(node[2], key[len(path):]))
        if not key:
            node[2] = b""
        else:
            children = node[1]
            children[key[0]] = self._delete(children[key[0]], key[1:])
        kept = [i for i, c in enumerate(node[1]) if c is not None]
        if node[2]:
            return node if kept else [LEAF, b"", node[2]]
        if len(kept) > 1:
            return node
        if not kept:
            return None
        return self._join(_ONE[kept[0]], node[1][kept[0]])

    def _join(self, path: bytes, child: Any) -> Any:
        """An extension of ``path`` over ``child``, merged with it when it is a leaf or an extension."""
        if child is None:
            return None
        if child.__class__ is bytes:
            child = self._load(child)
        elif child[0] == STORED:
            child = self._load(child[1])
        if child[0] == BRANCH:
            return [EXTENSION, path, child]
        return [child[0], path + child[1], child[2]]

    def commit(self) -> bytes:
        """Encode, hash and write the nodes of the new trie; its root hash."""
        node = self.node
        if node is None:
            return BLANK_NODE_HASH
        if node.__class__ is bytes:
            return node  # unchanged
        return self._encode(node, True)  # type: ignore[no-any-return]

    def _encode(self, node: Any, root: bool = False) -> Any:
        tag = node[0]
        if tag == STORED:
            return node[1]
        raw: list[Any]
        if tag == LEAF:
            raw = [hex_prefix(node[1], True), node[2]]
            encoded = speed.fast_encode_raw(raw)
        elif tag == EXTENSION:
            child = node[2]
            raw = [hex_prefix(node[1], False), child if child.__class__ is bytes else child[1] if child[0] == STORED else self._encode(child)]
            encoded = speed.fast_encode_raw(raw)
        else:  # a branch: its items encoded here (a child's hash is 0xa0 and the hash), not item by item by fast_encode_raw
            raw = []
            parts = []
            for child in node[1]:
                if child is None:
                    raw.append(b"")
                    parts.append(b"\x80")
                    continue
                if child.__class__ is bytes:  # a stored node's hash
                    raw.append(child)
                    parts.append(b"\xa0" + child)
                    continue
                ref = child[1] if child[0] == STORED else self._encode(child)
                raw.append(ref)
                parts.append(b"\xa0" + ref if ref.__class__ is bytes and len(ref) == 32 else speed.fast_encode_raw(ref))
            raw.append(node[2])
            parts.append(speed.fast_encode_raw(node[2]))
            payload = b"".join(parts)
            encoded = _list_prefix(len(payload)) + payload
        if len(encoded) < 32 and not root:
            return raw  # embedded in its parent, as py-trie keeps it
        digest = keccak(encoded)
        self.db[digest] = encoded
        speed.remember_node(encoded, raw)
        return digest


#: py-trie's own (untyped) write, delete and walk.
_SET: Any = HexaryTrie.set
_DELETE: Any = HexaryTrie.delete
_GET: Any = HexaryTrie._get


class BatchedTrie(HexaryTrie):
    """A ``HexaryTrie`` whose writes are noted and applied together when ``root_hash`` is read (never pruning)."""

    __slots__ = ("_pending", "_root")

    def __init__(self, db: Any, root_hash: bytes = BLANK_NODE_HASH, prune: bool = False, ref_count: Any = None) -> None:
        self._pending: dict[bytes, bytes] = {}
        # py-evm asks for pruning: its batches are committed without deletes, so what pruning saves
        # is writing the nodes a later write of the same batch replaces, which this trie never writes.
        super().__init__(db, root_hash, prune=False)

    @property
    def root_hash(self) -> bytes:
        if self._pending:
            self._flush()
        return self._root

    @root_hash.setter
    def root_hash(self, value: bytes) -> None:
        if self._pending:
            self._flush()
        self._root = value

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        root = self._root
        try:
            batch = Batch(self.db, root)
            for key, value in pending.items():
                if value:
                    batch.put(key, value)
                else:
                    batch.delete(key)
            self._root = new_root = batch.commit()
        except Exception:  # py-trie's road, key by key, raising what it raises
            self._root = root
            for key, value in pending.items():
                _SET(self, key, value)
            return
        # The new root holds exactly these values for these keys (b"": gone): the next transaction's reads of
        # what this one wrote (the sender's account, a counter slot) are answered without walking the new trie.
        remember = speed.remember_value
        for key, value in pending.items():
            remember(new_root, key, value)

    def set(self, key: bytes, value: bytes) -> None:
        if key.__class__ is not bytes or value.__class__ is not bytes:
            self._flush()
            _SET(self, key, value)  # its validation and errors
            return
        self._pending[key] = value

    def delete(self, key: bytes) -> None:
        if key.__class__ is not bytes:
            self._flush()
            _DELETE(self, key)
            return
        self._pending[key] = b""

    def get(self, key: bytes) -> bytes:
        if self._pending:
            noted = self._pending.get(key)
            if noted is not None:
                return noted
        root = self._root
        found = speed.known_value(root, key)
        if found is None:
            try:
                found = lookup(self.db, root, key)
            except KeyError:  # a node missing: py-trie's walk, and its error
                try:
                    found = _GET(self, root, bytes_to_nibbles(key))
                except MissingTraversalNode as exc:
                    raise MissingTrieNode(exc.missing_node_hash, root, key, exc.nibbles_traversed) from exc  # type: ignore[arg-type]
            speed.remember_value(root, key, found)
        return found

    @contextlib.contextmanager
    def squash_changes(self) -> Iterator[BatchedTrie]:
        """Writes are squashed already: the same trie, its noted changes put back if the block raises."""
        kept = dict(self._pending)
        try:
            yield self
        except BaseException:
            self._pending = kept
            raise


def install() -> None:
    """py-evm's account trie and storage tries as :class:`BatchedTrie`; idempotent."""
    import eth.db.account as account
    import eth.db.storage as storage

    if getattr(storage, "HexaryTrie") is BatchedTrie:  # noqa: B009
        return
    setattr(account, "HexaryTrie", BatchedTrie)  # noqa: B010 (py-evm's module globals)
    setattr(storage, "HexaryTrie", BatchedTrie)  # noqa: B010
    commit_to = storage.StorageLookup.commit_to

    def commit_applied(lookup: Any, db: Any) -> None:
        if lookup._write_trie is not None:
            lookup._write_trie.root_hash  # noqa: B018 (applies the noted writes into the batch committed next)
        commit_to(lookup, db)

    setattr(storage.StorageLookup, "commit_to", commit_applied)  # noqa: B010
    _install_block_tries()


#: py-evm's own builder of a block's transaction, receipt and withdrawal tries (kept for the tests).
PY_TRIE_BLOCK_ROOT: Any = None


def _install_block_tries() -> None:
    """A block's transaction, receipt and withdrawal tries (``eth.db.trie``) built in one :class:`Batch`."""
    global PY_TRIE_BLOCK_ROOT
    import functools

    import eth.db.trie as block_tries
    import rlp

    PY_TRIE_BLOCK_ROOT = getattr(block_tries, "_make_trie_root_and_nodes")  # noqa: B009

    @functools.lru_cache(128)  # as py-evm's: a block's roots are asked again when it is mined and imported
    def root_and_nodes(items: tuple[bytes, ...]) -> tuple[bytes, dict[bytes, bytes]]:
        nodes: dict[bytes, bytes] = {}
        batch = Batch(nodes, BLANK_NODE_HASH)
        for index, item in enumerate(items):
            if not item:  # py-trie would take an empty value as a delete: its road
                return PY_TRIE_BLOCK_ROOT(items)  # type: ignore[no-any-return]
            batch.put(rlp.encode(index, sedes=rlp.sedes.big_endian_int), item)
        return batch.commit(), nodes

    setattr(block_tries, "_make_trie_root_and_nodes", root_and_nodes)  # noqa: B010


__all__ = ["Batch", "BatchedTrie", "hex_prefix", "install", "nibbles"]
