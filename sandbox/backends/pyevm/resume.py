"""Start a py-evm chain at a saved block: its exact header, its state, the headers before it.

The saved head's header is put in the database as it was (so its hash, and
the next block's ``parentHash``, are what clients saw), with the last
:data:`~sandbox.backends.history.RECENT` headers before it for
``BLOCKHASH``. Two roots the header names are not rebuilt: the block's
transaction and receipt tries (the history store answers for them), which
read as empty; and, for a chain saved by an engine without a state trie
(revm), the state root, which is made to name the state rebuilt here.
py-trie looks nodes up by key and does not re-hash them, so those keys
holding other nodes is safe for reads, and new state is written under its
real hashes.
"""

from __future__ import annotations

from typing import Any

from sandbox.backends.history import RECENT, History, decode_header

#: RLP of the empty string: the node a trie reads as empty.
BLANK_NODE = b"\x80"


def resume(backend: Any, accounts: dict[bytes, dict[str, Any]], history: History, base: Any = None) -> None:
    """Put ``backend``'s chain on ``accounts`` at ``history``'s head block (py-evm).

    ``base``: the engine database saved with the chain (``OverlayDB``'s base); when it holds the
    head's state trie, nothing is rebuilt and ``accounts`` is not read.
    """
    from eth.constants import BLANK_ROOT_HASH
    from eth.db.atomic import AtomicDB

    from sandbox.backends.pyevm.genesis import state_root
    from sandbox.backends.pyevm.lazydb import OverlayDB

    headers = [decode_header(raw) for raw in history.raw_headers(RECENT)]
    head = headers[-1]
    overlay = OverlayDB(base)
    db = AtomicDB(overlay)
    if base is None or base.get(head.state_root) is None:
        nodes: dict[bytes, bytes] = {}
        root = state_root(accounts, nodes)
        with db.atomic_batch() as batch:
            for key, value in nodes.items():
                batch[key] = value
            if root != head.state_root and root in nodes:
                batch[head.state_root] = nodes[root]
    with db.atomic_batch() as batch:
        for body_root in (head.transaction_root, head.receipt_root):
            if body_root != BLANK_ROOT_HASH and not overlay._exists(body_root):
                batch[body_root] = BLANK_NODE
    chain_class = type(backend.chain)
    chain_class.get_chaindb_class()(db).persist_header_chain(headers, genesis_parent_hash=headers[0].parent_hash)
    backend.chain = chain_class(db)
