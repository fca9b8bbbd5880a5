"""py-evm's state tries written in one pass (sandbox/backends/pyevm/batchtrie.py) give py-trie's roots and nodes."""

from __future__ import annotations

import random

import pytest
import rlp
from eth.rlp.accounts import Account
from eth_hash.auto import keccak
from eth_utils import to_checksum_address
from trie import HexaryTrie
from trie.constants import BLANK_NODE_HASH
from trie.exceptions import MissingTrieNode

from sandbox import Sandbox
from sandbox.backends.pyevm import batchtrie, speed
from sandbox.backends.pyevm.batchtrie import BatchedTrie, lookup
from sandbox.chain import Chain
from tests.backends.workload import REPO


def _reachable(db: dict[bytes, bytes], root: bytes) -> int:
    """How many stored nodes the trie at ``root`` reaches (each must be in ``db``)."""
    import trie.hexary as hexary

    if root == BLANK_NODE_HASH:
        return 0
    stack, seen = [hexary.decode_node(db[root])], 1
    while stack:
        node = stack.pop()
        if node == b"":
            continue
        children = node[:16] if len(node) == 17 else [node[1]] if node[0][0] >> 4 < 2 else []
        for child in children:
            if isinstance(child, list):
                stack.append(child)
            elif child != b"":
                stack.append(hexary.decode_node(db[child]))
                seen += 1
    return seen


def _no_fallback(*args: object) -> None:
    raise AssertionError("a batch raised: BatchedTrie fell back to py-trie's writes")


def test_batched_writes_give_py_tries_root_reads_and_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    speed.install()
    monkeypatch.setattr(batchtrie, "_SET", _no_fallback)  # every flush is the batch's own (a batch that raises would hide here)
    for seed in range(24):
        rnd = random.Random(seed)
        fixed = seed % 3 != 0  # state tries: 32-byte keys; else short keys, some a prefix of others (values in branches)
        pool = [rnd.randbytes(32) if fixed else bytes(rnd.randrange(4) for _ in range(rnd.randint(1, 3)))
                for _ in range(rnd.choice([3, 40, 300]))]
        theirs_db: dict[bytes, bytes] = {}
        ours_db: dict[bytes, bytes] = {}
        theirs, ours = HexaryTrie(theirs_db), BatchedTrie(ours_db)
        model: dict[bytes, bytes] = {}
        for step in range(25):
            for _ in range(rnd.randint(1, 30)):
                key = rnd.choice(pool)
                if rnd.random() < 0.3:
                    del theirs[key], ours[key]
                    model.pop(key, None)
                else:
                    value = rnd.randbytes(rnd.choice([1, 2, 5, 33, 80]))
                    theirs[key] = ours[key] = model[key] = value
                probe = rnd.choice(pool)
                assert ours[probe] == theirs[probe] == model.get(probe, b"")  # reads between writes see them
            assert ours.root_hash == theirs.root_hash, (seed, step)
            assert _reachable(ours_db, ours.root_hash) == _reachable(theirs_db, theirs.root_hash)
        assert all(ours[k] == lookup(ours_db, ours.root_hash, k) == theirs[k] == model.get(k, b"") for k in pool)  # the walk itself


def test_a_batch_that_raises_inside_squash_changes_keeps_what_was_noted_before() -> None:
    ours = BatchedTrie({})
    ours[b"\x01" * 32] = b"one"
    try:
        with ours.squash_changes() as squashed:
            squashed[b"\x02" * 32] = b"two"
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    theirs = HexaryTrie({})
    theirs[b"\x01" * 32] = b"one"
    assert ours.root_hash == theirs.root_hash and ours[b"\x02" * 32] == b""


def _root_from_scratch(accounts: dict[bytes, dict]) -> bytes:
    """The state root of ``accounts`` built with py-trie alone (no sandbox patch on these tries)."""
    state = HexaryTrie({})
    for address, account in accounts.items():
        storage = HexaryTrie({})
        for slot, value in (account.get("storage") or {}).items():
            if value:
                storage[keccak(int(slot).to_bytes(32, "big"))] = rlp.encode(int(value))
        encoded = rlp.encode(Account(int(account["nonce"]), int(account["balance"]), storage.root_hash, keccak(bytes(account["code"]))))
        state[keccak(address)] = encoded
    return bytes(state.root_hash)


def test_a_chains_state_root_is_the_one_py_trie_builds_from_its_accounts() -> None:
    sb = Sandbox(REPO, chain=Chain(backend="pyevm", persistent=True))
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    nft = sb.deploy("SandboxNFT", "Trie", "T", alice, sender=alice)
    for i in range(6):
        nft.mint(bob if i % 2 else carol, f"ipfs://token/{i}" * (i + 1), sender=alice)
    nft.approve(alice, 1, sender=bob)
    nft.transferFrom(bob, carol, 1, sender=alice)  # clears the approval: a storage slot deleted
    sb.transfer(to_checksum_address("0x" + "42" * 20), 5, sender=alice)
    sb.chain.set_storage(nft.address, 0, 0)  # another slot deleted by a cheatcode
    snapshot = sb.snapshot()
    nft.mint(bob, "ipfs://undone", sender=alice)
    sb.revert(snapshot)
    nft.mint(carol, "ipfs://after-revert", sender=alice)
    header_root = sb.chain.backend.get_block("latest")["state_root"]
    accounts = sb.chain.dump_state().accounts
    assert header_root == "0x" + _root_from_scratch(accounts).hex()


def test_block_tries_give_py_evms_roots_and_nodes() -> None:
    import eth.db.trie as block_tries

    from sandbox.backends.pyevm import batchtrie

    speed.install()
    ours, theirs = block_tries._make_trie_root_and_nodes, batchtrie.PY_TRIE_BLOCK_ROOT
    assert ours is not theirs and theirs is not None
    rnd = random.Random(11)
    for count in (0, 1, 2, 3, 16, 17, 127, 128, 129, 300):
        items = tuple(rnd.randbytes(rnd.choice([1, 5, 40, 120])) for _ in range(count))
        root, nodes = ours(items)
        their_root, their_nodes = theirs(items)
        assert root == their_root
        assert {k: v for k, v in nodes.items() if k in their_nodes} == nodes  # the same bytes under the same hashes
        assert _reachable(nodes, root) == _reachable(their_nodes, their_root)


def test_batches_from_one_root_never_see_each_others_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoded nodes are shared between batches (speed's caches): a batch's changes stay in its own nodes."""
    speed.install()
    monkeypatch.setattr(batchtrie, "_SET", _no_fallback)
    rnd = random.Random(11)
    pool = [rnd.randbytes(32) for _ in range(400)]
    db: dict[bytes, bytes] = {}
    base = BatchedTrie(db)
    for key in pool:
        base[key] = rnd.randbytes(40)
    root = base.root_hash
    for round_ in range(30):
        ours, theirs = BatchedTrie(db, root), HexaryTrie(dict(db), root)
        for _ in range(rnd.randint(1, 12)):
            key = rnd.choice(pool) if rnd.random() < 0.7 else rnd.randbytes(32)
            if rnd.random() < 0.25:
                del ours[key], theirs[key]
            else:
                ours[key] = theirs[key] = rnd.randbytes(rnd.choice([1, 33, 80]))
        assert ours.root_hash == theirs.root_hash, round_
    assert BatchedTrie(db, root).root_hash == root and all(BatchedTrie(db, root)[k] == base[k] for k in pool[:50])
    missing = BatchedTrie({}, root)  # the nodes are in the caches, but this database has none of them: py-trie's error
    monkeypatch.undo()  # the batch raises KeyError for the missing node, then py-trie's road raises its MissingTrieNode
    missing[pool[0]] = b"x"
    with pytest.raises(MissingTrieNode):
        _ = missing.root_hash
