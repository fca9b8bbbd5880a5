"""py-evm's state trie without re-decoding the same nodes: decoded trie nodes kept by their encoding.

Every transaction and every call on py-evm starts from a fresh state object
(``chain.get_vm(header).state``), so each storage read walks the account's
storage trie from its root and RLP-decodes every node on the way, in pure
Python, again; each write walks it once more to rebuild the root. With
SandboxNFT's token URIs (a dozen slots a token) that decoding was about a
fifth of a mint. A trie node is content-addressed (its hash is the key, its
encoding the value), so a decoded node never goes stale; py-trie mutates the
nodes it is given, so each caller gets its own copy of the lists. Nodes are
remembered as they are written too: the next walk reads the new ones.
"""

from __future__ import annotations

from typing import Any

#: Decoded nodes by their RLP encoding; cleared (not evicted one by one) when it grows past this.
MAX_NODES = 200_000
_decoded: dict[bytes, Any] = {}


def _copy(node: Any) -> Any:
    """A node as ``rlp.decode`` gives it (lists of bytes), sharing nothing mutable with ``node``."""
    if isinstance(node, (list, tuple)):
        return [item if item.__class__ is bytes else _copy(item) for item in node]
    return node


def install() -> None:
    """Route py-trie's node decoding (``trie.hexary.decode_node``) through the cache; idempotent."""
    import trie.hexary as hexary
    from trie.utils.nodes import decode_node

    if getattr(hexary.decode_node, "_sandbox_cached", False):
        return

    def cached_decode(encoded: Any) -> Any:
        if encoded.__class__ is not bytes:
            return decode_node(encoded)
        node = _decoded.get(encoded)
        if node is None:
            node = decode_node(encoded)
            if len(_decoded) >= MAX_NODES:
                _decoded.clear()
            _decoded[encoded] = _copy(node)
            return node
        return _copy(node)

    def persist_node(trie: Any, node: Any) -> Any:
        # The node just written is the one read next (the next transaction's walk from the new root).
        key, value = trie._node_to_db_mapping(node)
        if value is not None:
            trie._set_db_value(key, value)
            if value not in _decoded:
                if len(_decoded) >= MAX_NODES:
                    _decoded.clear()
                _decoded[value] = _copy(node)
        return key

    cached_decode._sandbox_cached = True  # type: ignore[attr-defined]
    hexary.decode_node = cached_decode
    hexary.HexaryTrie._persist_node = persist_node
