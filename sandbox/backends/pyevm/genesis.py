"""Build a saved chain's state trie in one pass, so loading stays fast as it grows.

py-evm builds a genesis by inserting every storage slot into a pruning trie
one at a time (about a millisecond per slot: over a minute for a thousand
minted NFTs). The same trie can be built bottom-up from the sorted keys,
writing each node once. :func:`install` does that and starts the backend's
chain on the result; the root is checked against the one recorded when the
state was saved, and on any mismatch the caller falls back to py-evm's own
(slow, certainly right) path.
"""

from __future__ import annotations

from typing import Any

import rlp
from eth.constants import BLANK_ROOT_HASH
from eth.rlp.accounts import Account
from eth_hash.auto import keccak

#: A key path as lowercase hex, one character per nibble (str slicing and sorting run in C).
Nibbles = str


def _rlp(item: Any) -> bytes:
    """RLP of bytes and nested lists of bytes: all a trie node holds (rlp.encode infers slowly)."""
    if isinstance(item, bytes):
        if len(item) == 1 and item[0] < 0x80:
            return item
        return _length(len(item), 0x80) + item
    body = b"".join(_rlp(x) for x in item)
    return _length(len(body), 0xC0) + body


def _length(n: int, offset: int) -> bytes:
    if n < 56:
        return bytes([offset + n])
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(size)]) + size


def _hex_prefix(nibbles: Nibbles, leaf: bool) -> bytes:
    """The compact (hex-prefix) encoding of a node's key path."""
    flag = 2 if leaf else 0
    if len(nibbles) % 2:
        return bytes.fromhex(f"{flag + 1:x}{nibbles}")
    return bytes.fromhex(f"{flag:x}0{nibbles}")


def _ref(node: Any, db: dict[bytes, bytes]) -> Any:
    """A child as its parent holds it: inline when its encoding is short, else by hash."""
    encoded = _rlp(node)
    if len(encoded) < 32:
        return node
    digest = keccak(encoded)
    db[digest] = encoded
    return digest


def _build(pairs: list[tuple[Nibbles, bytes]], depth: int, db: dict[bytes, bytes]) -> Any:
    # Keys are distinct and of one length (32-byte hashes), so no branch holds a value.
    if len(pairs) == 1:
        key, value = pairs[0]
        return [_hex_prefix(key[depth:], True), value]
    first, last = pairs[0][0], pairs[-1][0]
    common = 0
    while first[depth + common] == last[depth + common]:
        common += 1
    if common:
        return [_hex_prefix(first[depth : depth + common], False), _ref(_build(pairs, depth + common, db), db)]
    branch: list[Any] = [b""] * 17
    start = 0
    for i in range(1, len(pairs) + 1):
        if i == len(pairs) or pairs[i][0][depth] != pairs[start][0][depth]:
            branch[int(pairs[start][0][depth], 16)] = _ref(_build(pairs[start:i], depth + 1, db), db)
            start = i
    return branch


def trie_root(items: dict[bytes, bytes], db: dict[bytes, bytes]) -> bytes:
    """Root hash of the Merkle-Patricia trie holding ``items``; its nodes go into ``db``."""
    if not items:
        return BLANK_ROOT_HASH
    node = _build(sorted((k.hex(), v) for k, v in items.items()), 0, db)
    encoded = _rlp(node)
    root = keccak(encoded)
    db[root] = encoded
    return root


def state_root(accounts: dict[bytes, dict[str, Any]], db: dict[bytes, bytes]) -> bytes:
    """State root of ``accounts`` (``StateDump.accounts`` shape); nodes and code into ``db``."""
    leaves = {}
    for address, account in accounts.items():
        storage = {
            keccak(slot.to_bytes(32, "big")): _rlp(value.to_bytes((value.bit_length() + 7) // 8, "big"))
            for slot, value in account["storage"].items()
            if value
        }
        code_hash = keccak(account["code"])
        if account["code"]:
            db[code_hash] = account["code"]
        body = Account(account["nonce"], account["balance"], trie_root(storage, db), code_hash)
        leaves[keccak(address)] = rlp.encode(body, sedes=Account)
    return trie_root(leaves, db)


def install(backend: Any, accounts: dict[bytes, dict[str, Any]], timestamp: int, expected_root: bytes) -> bool:
    """Start ``backend`` on a genesis holding ``accounts``; ``False`` if the root is not ``expected_root``."""
    from eth.db.atomic import AtomicDB
    from eth_tester.backends.pyevm.main import get_default_genesis_params

    nodes: dict[bytes, bytes] = {}
    root = state_root(accounts, nodes)
    if root != expected_root:
        return False
    db = AtomicDB()
    with db.atomic_batch() as batch:
        for key, value in nodes.items():
            batch[key] = value
    chain_class = type(backend.chain)
    params = dict(get_default_genesis_params({"timestamp": timestamp}), state_root=root)
    header = chain_class.get_vm_class_for_block_number(0).create_genesis_header(**params)
    backend.chain = chain_class.from_genesis_header(db, header)
    return True


def storage_of(db: Any, state_root_hash: bytes, address: bytes) -> dict[bytes, int]:
    """Every non-zero storage value of ``address``, by hashed slot, read in one walk of its trie.

    Reading slots one by one decodes the upper trie nodes again for each;
    a walk decodes every node once (used when a session wrote many slots).
    """
    encoded = _lookup(db, rlp.decode(db[state_root_hash]), keccak(address).hex())
    if encoded is None:
        return {}
    account = rlp.decode(encoded, sedes=Account)
    out: dict[bytes, int] = {}
    if account.storage_root != BLANK_ROOT_HASH:
        _walk(db, account.storage_root, "", out)
    return out


def _node(db: Any, ref: Any) -> Any:
    return rlp.decode(db[ref]) if isinstance(ref, bytes) else ref


def _lookup(db: Any, node: Any, path: str) -> bytes | None:
    while True:
        if node == b"" or node == []:
            return None
        if len(node) == 17:
            if not path:
                return None
            node, path = _node(db, node[int(path[0], 16)]), path[1:]
            continue
        key = node[0].hex()
        nibbles = key[1:] if int(key[0], 16) & 1 else key[2:]
        if not path.startswith(nibbles):
            return None
        if int(key[0], 16) >= 2:
            return bytes(node[1]) if path == nibbles else None
        node, path = _node(db, node[1]), path[len(nibbles):]


def _walk(db: Any, ref: Any, path: str, out: dict[bytes, int]) -> None:
    node = _node(db, ref)
    if node == b"" or node == []:
        return
    if len(node) == 17:
        for i in range(16):
            if node[i] != b"":
                _walk(db, node[i], path + f"{i:x}", out)
        return
    key = node[0].hex()
    nibbles = key[1:] if int(key[0], 16) & 1 else key[2:]
    if int(key[0], 16) >= 2:
        out[bytes.fromhex(path + nibbles)] = int.from_bytes(rlp.decode(node[1]), "big")
    else:
        _walk(db, node[1], path + nibbles, out)
