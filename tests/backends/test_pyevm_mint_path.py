"""Shortcuts on py-evm's road of one transaction (a mint): each gives what py-evm's own road gives."""

from __future__ import annotations

import random
from typing import Any

import pytest
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


def _minting_sandbox() -> tuple[Any, Any, Any]:
    from sandbox import Sandbox
    from sandbox.chain import Chain
    from tests.backends.workload import REPO

    sb = Sandbox(REPO, chain=Chain(backend="pyevm"))
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Path", "P", alice, sender=alice)
    return sb, nft, (alice, bob)


def test_a_packed_block_is_py_evms_with_the_same_transaction_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    import rlp

    from sandbox.backends.pyevm import oneshot

    sb, nft, (alice, bob) = _minting_sandbox()
    ours = oneshot.pack
    compared = []

    def checked(vm: Any, block: Any, *, coinbase: bytes, mix_hash: bytes) -> Any:
        packed = ours(vm, block, coinbase=coinbase, mix_hash=mix_hash)
        theirs = vm.pack_block(block, coinbase=coinbase, mix_hash=mix_hash, blob_gas_used=0)
        assert packed == theirs and type(packed) is type(theirs)
        assert rlp.encode(packed.header) == rlp.encode(theirs.header) and packed.hash == theirs.hash and packed.header == theirs.header
        assert [tx.encode() for tx in packed.transactions] == [tx.encode() for tx in theirs.transactions]
        assert packed.uncles == theirs.uncles and packed.withdrawals == theirs.withdrawals
        assert all(mine is kept for mine, kept in zip(packed.transactions, block.transactions, strict=True))  # not copied
        compared.append(packed.hash)
        return packed

    monkeypatch.setattr(oneshot, "pack", checked)
    for i in range(3):
        receipt = nft.mint(bob, f"ipfs://pack/{i}", sender=alice)
        assert receipt.status == 1
        assert sb.chain.backend.get_block("latest")["hash"] == "0x" + compared[-1].hex()
    assert len(compared) == 3


_MESSAGE_FIELDS = ("gas", "to", "sender", "value", "data", "depth", "code", "storage_address", "code_address",
                   "should_transfer_value", "is_static", "is_delegation", "refund", "is_create", "data_as_bytes")


def test_a_calls_message_is_the_one_py_evm_builds_and_no_debug_line_is_formatted(monkeypatch: pytest.MonkeyPatch) -> None:
    import eth.vm.forks.cancun.state as cancun_state

    from sandbox.backends.pyevm import oneshot

    sb, nft, (alice, bob) = _minting_sandbox()
    ours = oneshot.build_message
    formatted = []
    real_hex = cancun_state.encode_hex
    monkeypatch.setattr(cancun_state, "encode_hex", lambda value: formatted.append(1) or real_hex(value))
    compared = []

    def checked(executor: Any, transaction: Any) -> Any:
        state = executor.vm_state
        sender = transaction.sender
        snapshot = state.snapshot()
        theirs = executor.build_evm_message(transaction)
        their_state = (state.get_balance(sender), state.get_nonce(sender), state.get_code(transaction.to))
        assert formatted  # py-evm's own formats its debug line
        state.revert(snapshot)
        formatted.clear()
        message = ours(executor, transaction)
        assert not formatted
        assert (state.get_balance(sender), state.get_nonce(sender), state.get_code(transaction.to)) == their_state
        assert {f: getattr(message, f) for f in _MESSAGE_FIELDS} == {f: getattr(theirs, f) for f in _MESSAGE_FIELDS}
        assert type(message) is type(theirs)
        compared.append(message.gas)
        return message

    monkeypatch.setattr(oneshot, "build_message", checked)
    before = sb.chain.backend.get_balance(alice.address)
    receipt = nft.mint(bob, "ipfs://message", sender=alice)
    assert receipt.status == 1 and len(compared) == 1
    assert sb.chain.backend.get_balance(alice.address) == before - receipt.gas_used * receipt.effective_gas_price


def test_branch_nodes_encoded_in_place_are_py_tries_bytes() -> None:
    """Every node the new trie reaches is stored under its hash with py-trie's bytes (branches with embedded children too)."""
    import trie.hexary as hexary

    speed.install()

    def reachable(db: dict[bytes, bytes], root: bytes) -> dict[bytes, bytes]:
        found, stack = {root: db[root]}, [hexary.decode_node(db[root])]
        while stack:
            node = stack.pop()
            children = node[:16] if len(node) == 17 else [node[1]] if len(node) == 2 and node[0][0] >> 4 < 2 else []
            for child in children:
                if isinstance(child, list):
                    stack.append(child)
                elif child != b"":
                    found[child] = db[child]
                    stack.append(hexary.decode_node(db[child]))
        return found

    rnd = random.Random(9)
    for short in (False, True):  # 32-byte keys; short keys and values (nodes under 32 bytes, embedded in their branch)
        theirs_db: dict[bytes, bytes] = {}
        ours_db: dict[bytes, bytes] = {}
        theirs, ours = HexaryTrie(theirs_db), BatchedTrie(ours_db)
        for _ in range(15):
            for _ in range(rnd.randint(1, 40)):
                key = (bytes([rnd.randrange(256)]) if rnd.random() < 0.5 else bytes([rnd.randrange(4), rnd.randrange(4)])) if short \
                    else rnd.randbytes(32)
                value = rnd.randbytes(rnd.choice([1, 2])) if short else rnd.randbytes(rnd.choice([1, 40, 100]))
                theirs[key] = ours[key] = value
            root = ours.root_hash
            assert root == theirs.root_hash
            assert reachable(ours_db, root) == reachable(theirs_db, root)
