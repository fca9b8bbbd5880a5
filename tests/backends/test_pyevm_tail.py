"""Blocks mined ahead of their roots (sandbox/backends/pyevm/tail.py) build the chain the eager road builds.

The contract API's sends on py-evm run on a live state and their blocks are
noted, then built from their writes when something reads a block. The same
workload runs twice on one chain (a snapshot between): once through the
contract API (blocks ahead), once with every block built at once (the seam's
``transact``); with the same mix hashes and block times, every block, header,
transaction, receipt, log, balance and storage slot must be equal, and the
receipts handed out must be what the chain answers. Reads meanwhile are
answered without building; a revert drops what no one holds.
"""

from __future__ import annotations

import gc
import os
from typing import Any

import pytest

from sandbox import Sandbox
from sandbox.backends.pyevm.tail import MAX_AHEAD, UNKNOWN_HEX
from tests.backends.workload import REPO


@pytest.fixture
def same_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both roads draw a block's mix hash from os.urandom: the same bytes, so whole blocks compare."""
    monkeypatch.setattr(os, "urandom", lambda n: b"\x3c" * n)


def _tail(sb: Sandbox) -> Any:
    return sb.chain.backend.engine_backend.tail


def _build_at_once(sb: Sandbox) -> None:
    """The contract API's sends through the seam's ``transact``: every block built at once, as before blocks were mined ahead."""
    backend = sb.chain.backend
    backend.transact_deferred = lambda tx, gas=None: (backend.transact(tx, gas=gas), None)


def _workload(sb: Sandbox, nft: Any, eager: bool) -> tuple[list[Any], list[Any]]:
    """Sends of every kind the contract API makes (mints, an approval, a transfer by another sender, ether to a new
    and an empty address, a revert in the middle), with reads between; returns (what was read, receipts)."""
    from sandbox.errors import ContractReverted

    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    backend = sb.chain.backend
    if eager:
        _build_at_once(sb)
    seen: list[Any] = []
    receipts = []
    for i in range(4):
        receipts.append(nft.mint(bob, f"ipfs://tail/{i}", sender=alice))
    seen += [nft.ownerOf(1), nft.balanceOf(bob), backend.get_balance(alice.address), backend.get_nonce(alice.address),
             backend.block_number(), len(backend.get_code(nft.address)), backend.get_storage(nft.address, 0)]
    receipts.append(nft.approve(carol, 2, sender=bob))
    receipts.append(nft.transferFrom(bob, carol, 2, sender=carol))
    with pytest.raises(ContractReverted):
        nft.mint(bob, "ipfs://not-the-owner", sender=bob)  # runs on the eager road (a revert): the blocks before are built
    receipts.append(sb.transfer("0x" + "5e" * 20, 10**15, sender=alice))  # a new account
    receipts.append(sb.transfer("0x" + "5f" * 20, 0, sender=alice))  # touched and empty: not kept (EIP-161)
    for i in range(3):
        receipts.append(nft.mint(carol, f"ipfs://tail/late/{i}", sender=alice))
    seen += [nft.ownerOf(2), nft.tokenURI(5), backend.get_balance("0x" + "5e" * 20), backend.block_number()]
    return seen, receipts


def _chain_since(sb: Sandbox, first: int) -> list[Any]:
    backend = sb.chain.backend
    out = []
    for number in range(first, backend.block_number() + 1):
        block = backend.get_block(number, full=True)
        assert block is not None
        out.append((block, backend.raw_header(number), [backend.get_receipt(str(tx["hash"])) for tx in block["transactions"]]))
    out.append(backend.get_logs(first, "latest"))
    out.append([backend.get_balance(a.address) for a in list(sb.accounts)[:4]] + [backend.get_balance("0x" + "00" * 20)])
    return out


def test_blocks_mined_ahead_build_the_chain_the_eager_road_builds(same_randomness: None) -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice = sb.accounts.alice
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    backend = sb.chain.backend
    backend.set_block_timestamp_interval(12)  # the same block times on both roads, whatever the wall clock does
    first = backend.block_number() + 1
    snapshot = sb.snapshot()

    ahead_seen, ahead_receipts = _workload(sb, nft, eager=False)
    assert len(_tail(sb).blocks) == 5  # the sends after the revert (two transfers, three mints) are still ahead
    ahead_chain = _chain_since(sb, first)  # reading them builds them
    assert not _tail(sb).blocks
    ahead_logs = [r.logs for r in ahead_receipts]

    sb.revert(snapshot)
    eager_seen, eager_receipts = _workload(sb, nft, eager=True)
    assert not _tail(sb).blocks
    eager_chain = _chain_since(sb, first)

    assert ahead_seen == eager_seen
    assert ahead_chain == eager_chain
    assert [(r.tx_hash, r.gas_used, r.block_number, r.status) for r in ahead_receipts] == \
           [(r.tx_hash, r.gas_used, r.block_number, r.status) for r in eager_receipts]
    assert ahead_logs == [r.logs for r in eager_receipts]
    for receipt in ahead_receipts:  # each receipt handed out is the one the chain answers
        answered = backend.get_receipt(receipt.tx_hash)
        assert answered is not None and receipt.logs == answered["logs"]
        assert all(log["block_hash"] != UNKNOWN_HEX for log in receipt.logs)


def test_reads_while_blocks_are_ahead_build_nothing() -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    backend = sb.chain.backend
    head = backend.block_number()
    receipts = [nft.mint(bob, f"ipfs://r/{i}", sender=alice) for i in range(5)]
    tail = _tail(sb)
    assert len(tail.blocks) == 5 and [r.block_number for r in receipts] == list(range(head + 1, head + 6))
    reads = (nft.ownerOf(4), nft.balanceOf(bob), nft.tokenURI(3), backend.get_balance(bob.address), backend.get_nonce(alice.address),
             backend.get_code(nft.address), backend.get_storage(nft.address, 0), backend.block_number(),
             [e.args for r in receipts for e in r.events["Transfer"]])
    assert len(tail.blocks) == 5  # answered from the live state
    backend.estimate({"from": alice.address, "to": bob.address})  # eth-tester's estimate reads the chain: all of them built
    assert not tail.blocks
    assert reads == (nft.ownerOf(4), nft.balanceOf(bob), nft.tokenURI(3), backend.get_balance(bob.address),
                     backend.get_nonce(alice.address), backend.get_code(nft.address), backend.get_storage(nft.address, 0),
                     backend.block_number(), [e.args for r in receipts for e in r.events["Transfer"]])
    assert reads[0] == bob.address and reads[1] == 5 and reads[7] == head + 5


def test_a_receipts_logs_carry_the_hash_of_the_block_built_for_them() -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    first, second = nft.mint(bob, "ipfs://a", sender=alice), nft.mint(bob, "ipfs://b", sender=alice)
    assert len(_tail(sb).blocks) == 2
    hashes = [log["block_hash"] for log in second.logs]  # reading the logs builds the blocks
    assert not _tail(sb).blocks
    block = sb.chain.backend.get_block(second.block_number)
    assert block is not None and hashes == [block["hash"]] * len(second.logs)
    assert first.logs[0]["block_hash"] == sb.chain.backend.get_block(first.block_number)["hash"]  # type: ignore[index]


def test_a_revert_drops_the_blocks_ahead_unless_a_receipt_of_theirs_is_held() -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    backend = sb.chain.backend
    head = backend.get_block("latest")
    built: list[int] = []
    settle = backend._settle
    backend.engine_backend.tail.settler = lambda blocks: (built.append(len(blocks)), settle(blocks))

    snapshot = sb.snapshot()
    for i in range(3):
        nft.mint(bob, f"ipfs://gone/{i}", sender=alice)  # receipts not kept
    gc.collect()
    sb.revert(snapshot)
    assert built == [] and not _tail(sb).blocks  # dropped unbuilt
    assert backend.get_block("latest") == head and nft.balanceOf(bob) == 0

    snapshot = sb.snapshot()
    kept = nft.mint(bob, "ipfs://kept", sender=alice)
    sb.revert(snapshot)
    assert built == [1]  # built first: its receipt is still held
    assert kept.logs[0]["block_hash"] not in (UNKNOWN_HEX, head["hash"])
    assert backend.get_block("latest") == head and nft.balanceOf(bob) == 0


def test_blocks_read_one_at_a_time_are_each_built_as_they_are_read() -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    backend, tail = sb.chain.backend, _tail(sb)
    for i in range(3):
        receipt = nft.mint(bob, f"ipfs://one/{i}", sender=alice)
        assert len(tail.blocks) == 1  # each send mined ahead, also right after a block was read
        block = backend.get_block("latest")
        assert block is not None and not tail.blocks and block["number"] == receipt.block_number
        assert receipt.logs[0]["block_hash"] == block["hash"]


def test_a_long_run_ahead_is_built_every_max_ahead_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox.backends.pyevm import backend as pyevm_backend

    monkeypatch.setattr(pyevm_backend, "MAX_AHEAD", 4)
    assert MAX_AHEAD >= 256
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    head = sb.chain.backend.block_number()
    for i in range(6):
        nft.mint(bob, f"ipfs://long/{i}", sender=alice)
    assert len(_tail(sb).blocks) == 2  # the first four were built when the fifth came
    assert sb.chain.backend.engine_backend.unsettled_chain.get_canonical_head().block_number == head + 4


def test_other_engines_and_roads_build_every_block_at_once() -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    backend = sb.chain.backend
    record = backend.transact({"from": alice.address, "to": nft.address, "data": nft.mint._select((bob.address, "ipfs://seam"))[1]})
    assert not _tail(sb).blocks and record["block_hash"] != UNKNOWN_HEX  # the seam's transact: built at once
    revm = Sandbox(REPO, backend="revm")
    minted = revm.deploy("SandboxNFT", "Tail", "TL", revm.accounts.alice, sender=revm.accounts.alice).mint(
        revm.accounts.bob, "ipfs://revm", sender=revm.accounts.alice)
    assert minted.logs[0]["block_hash"] == revm.chain.backend.get_block("latest")["hash"]  # type: ignore[index]


def test_a_receipt_pickles_and_copies_with_its_block_built() -> None:
    import copy
    import dataclasses
    import pickle

    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    receipt = nft.mint(bob, "ipfs://pickled", sender=alice)
    assert _tail(sb).blocks
    loaded = pickle.loads(pickle.dumps(receipt))
    assert not _tail(sb).blocks and loaded.logs == receipt.logs and loaded.logs[0]["block_hash"] != UNKNOWN_HEX
    assert loaded.events["Transfer"][0].args == receipt.events["Transfer"][0].args
    second = nft.mint(bob, "ipfs://copied", sender=alice)
    assert copy.copy(second).logs[0]["block_hash"] == sb.chain.backend.get_block("latest")["hash"]  # type: ignore[index]
    assert dataclasses.asdict(nft.mint(bob, "ipfs://dict", sender=alice))["logs"][0]["block_hash"] != UNKNOWN_HEX


def _with_cheats(sb: Sandbox, nft: Any, eager: bool) -> tuple[list[Any], list[Any]]:
    """Cheatcodes, time moved, blocks mined by hand and an impersonated sender between sends (each builds what is ahead)."""
    alice, bob = sb.accounts.alice, sb.accounts.bob
    backend = sb.chain.backend
    if eager:
        _build_at_once(sb)
    seen: list[Any] = []
    receipts = [nft.mint(bob, "ipfs://c/0", sender=alice), nft.mint(bob, "ipfs://c/1", sender=alice)]
    assert len(_tail(sb).blocks) == (0 if eager else 2)
    seen.append(sb.time_travel(to=sb.chain.timestamp + 3600))
    receipts.append(nft.mint(bob, "ipfs://c/2", sender=alice))
    sb.set_balance(bob, 5 * 10**18)
    receipts.append(nft.transferFrom(bob, alice, 0, sender=bob))
    sb.mine(2)
    sb.set_storage(nft.address, 99, 7)
    receipts.append(nft.mint(alice, "ipfs://c/3", sender=alice))
    stranger = "0x" + "7e" * 20
    sb.set_balance(stranger, 10**18)
    with sb.impersonate(stranger) as who:
        receipts.append(sb.transfer(alice, 1, sender=who))
    receipts.append(nft.mint(bob, "ipfs://c/4", sender=alice))
    assert len(_tail(sb).blocks) == (0 if eager else 1)
    seen += [sb.balance(bob), sb.balance(stranger), nft.ownerOf(0), backend.get_storage(nft.address, 99), sb.chain.block_number,
             len(sb.get_events(nft, name="Transfer"))]
    return seen, receipts


def test_cheatcodes_time_and_hand_mining_between_blocks_ahead_build_the_eager_chain(same_randomness: None) -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice = sb.accounts.alice
    nft = sb.deploy("SandboxNFT", "Tail", "TL", alice, sender=alice)
    backend = sb.chain.backend
    backend.set_block_timestamp_interval(12)
    first = backend.block_number() + 1
    snapshot = sb.snapshot()
    ahead_seen, ahead_receipts = _with_cheats(sb, nft, eager=False)
    ahead_chain = _chain_since(sb, first)
    sb.revert(snapshot)
    eager_seen, eager_receipts = _with_cheats(sb, nft, eager=True)
    assert ahead_seen == eager_seen and ahead_chain == _chain_since(sb, first)
    assert [(r.tx_hash, r.gas_used, r.block_number, r.logs) for r in ahead_receipts] == \
           [(r.tx_hash, r.gas_used, r.block_number, r.logs) for r in eager_receipts]
