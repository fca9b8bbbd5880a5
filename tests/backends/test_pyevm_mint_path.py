"""Shortcuts on py-evm's road of one transaction (a mint): each gives what py-evm's own road gives."""

from __future__ import annotations

import random

from trie import HexaryTrie
from trie.utils.nibbles import bytes_to_nibbles

from sandbox.backends.pyevm import speed
from sandbox.backends.pyevm.batchtrie import BatchedTrie


def _walked(db: dict[bytes, bytes], root: bytes, key: bytes) -> bytes:
    """py-trie's own walk from ``root`` (``HexaryTrie.get`` reads the sandbox's value cache once installed)."""
    return HexaryTrie._get(HexaryTrie(db, root), root, bytes_to_nibbles(key))  # type: ignore[no-any-return]


def test_values_written_are_remembered_at_the_new_root_as_py_trie_reads_them() -> None:
    speed.install()
    rnd = random.Random(5)
    pool = [rnd.randbytes(32) for _ in range(60)]
    theirs_db: dict[bytes, bytes] = {}
    ours_db: dict[bytes, bytes] = {}
    theirs, ours = HexaryTrie(theirs_db), BatchedTrie(ours_db)
    remembered = 0
    for _step in range(30):
        written = set()
        for _ in range(rnd.randint(1, 12)):
            key = rnd.choice(pool)
            written.add(key)
            if rnd.random() < 0.3:
                del theirs[key], ours[key]
            else:
                theirs[key] = ours[key] = rnd.randbytes(rnd.choice([1, 33, 70]))
        root = ours.root_hash
        assert root == theirs.root_hash
        remembered += sum(speed.known_value(root, k) is not None for k in written)
        fresh = BatchedTrie(ours_db, root)  # as the next transaction reads them: a new trie at the new root
        assert all(fresh[k] == _walked(theirs_db, root, k) == _walked(ours_db, root, k) for k in pool)
    assert remembered > 100  # the reads above were answered from what the writes left, not only walked
