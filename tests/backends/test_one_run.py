"""py-evm's one-run transact (sandbox/backends/pyevm/oneshot.py) gives what web3.py's own road gives on the same chain.

Each step is sent through the seam's ``transact`` (the Sandbox's road: one EVM
run when the rule proves it), undone, and sent again through ``sb.w3``
(``eth_estimateGas`` through eth-tester, then the send). Every
record the chain answers must be equal (transaction, hash, receipt, logs,
block, balances, storage), with the mix hash drawn the same for both so the
block hashes are compared too. Steps whose result depends on the gas limit
or on the estimate's free state must leave the one-run road, and still give
web3.py's answer.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from eth_utils import to_checksum_address

from sandbox import Sandbox
from sandbox.backends.pyevm import backend as pyevm_backend
from sandbox.backends.pyevm import oneshot
from tests.backends.workload import REPO

#: Runtime code: SSTORE(0, CALLDATALOAD(0)), LOG1(0, 32, topic 0x77): nothing in it depends on the gas limit.
STORE = bytes.fromhex("600035600055" "60003560005260776020" "6000a1" "00")
#: Runtime code: SSTORE(0, GAS): the value stored is the gas left, which the limit decides.
GAS_LEFT = bytes.fromhex("5a600055" "00")
#: Runtime code: SSTORE(0, TIMESTAMP): the estimate's free state has a clock of its own.
CLOCK = bytes.fromhex("42600055" "00")
#: Runtime code: SSTORE(0, BALANCE(ORIGIN)): the sender's balance while it runs depends on the gas bought.
OWN_BALANCE = bytes.fromhex("3231600055" "00")
#: Runtime code: CALL(gas=GAS, to=0x0c0c..., no value, no data), SSTORE(0, success): hands on a share of the gas.
CALLER = bytes.fromhex("6000600060006000600073" + "0c" * 20 + "5af1600055" "00")


@pytest.fixture
def same_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both roads draw the mix hash of a block from os.urandom: the same bytes, so whole blocks compare."""
    monkeypatch.setattr(os, "urandom", lambda n: b"\x5a" * n)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each transact of the test took the one-run road."""
    taken: list[bool] = []
    run_once = oneshot.run_once

    def noting(*args: Any, **kwargs: Any) -> Any:
        ran = run_once(*args, **kwargs)
        taken.append(ran is not None)
        return ran

    # the names the eager road (oneshot.apply_once) and the road of blocks mined ahead (the backend) call
    monkeypatch.setattr(oneshot, "run_once", noting)
    monkeypatch.setattr(pyevm_backend, "run_once", noting)
    return taken


def _answers(sb: Sandbox, tx_hash: str, watched: list[str]) -> dict[str, Any]:
    backend = sb.chain.backend
    receipt = backend.get_receipt(tx_hash)
    assert receipt is not None
    number = int(receipt["block_number"])
    return {"tx": backend.get_transaction(tx_hash), "receipt": receipt, "block": backend.get_block(number, full=True),
            "header": backend.raw_header(number), "logs": backend.get_logs(number, number),
            "web3 receipt": dict(sb.w3.eth.get_transaction_receipt(tx_hash)), "web3 tx": dict(sb.w3.eth.get_transaction(tx_hash)),
            "balances": [backend.get_balance(a.address) for a in list(sb.accounts)[:3]] + [backend.get_balance("0x" + "00" * 20)],
            "nonce": backend.get_nonce(sb.accounts.alice.address),
            "storage": [backend.get_storage(a, 0) for a in watched]}


def _both_roads(sb: Sandbox, tx: dict[str, Any], watched: list[str], *, ahead: bool = False) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(the Sandbox's answers, web3.py's answers, the record the Sandbox's transact returned) for one transaction on one chain
    (``ahead``: sent as the contract API sends, its block mined ahead of its roots and built when read)."""
    backend = sb.chain.backend
    snapshot = sb.snapshot()
    timestamp = backend.pending_timestamp() + 7
    backend.set_next_timestamp(timestamp)
    sent = dict(tx)
    if ahead:
        record, pending = backend.transact_deferred(sent)
        assert pending is not None and sb.chain.backend.engine_backend.tail.blocks  # its block is ahead
    else:
        record = backend.transact(sent)
    assert sent["gas"] == int(backend.get_transaction(str(record["transaction_hash"]))["gas"])  # the limit sent is left in tx
    ours = _answers(sb, str(record["transaction_hash"]), watched)
    sb.revert(snapshot)
    backend.set_next_timestamp(timestamp)
    web3_tx = {"from": tx["from"], "to": tx["to"], "data": "0x" + tx["data"].hex(), "value": tx.get("value", 0)}
    web3_tx["gas"] = sb.w3.eth.estimate_gas(web3_tx)  # web3.py's estimate (eth_estimateGas through eth-tester)
    theirs = _answers(sb, "0x" + bytes(sb.w3.eth.send_transaction(web3_tx)).hex(), watched)
    return ours, theirs, record


@pytest.mark.parametrize("ahead", [False, True], ids=["built-at-once", "mined-ahead"])
def test_a_mint_takes_one_run_and_answers_as_web3py(same_randomness: None, runs: list[bool], ahead: bool) -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "One", "ONE", alice, sender=alice)
    nft.mint(bob, "ipfs://zero", sender=alice)
    runs.clear()
    for data, sender in [(nft.mint._select((bob, "ipfs://one"))[1], alice), (nft.approve._select((alice, 0))[1], bob),
                         (nft.transferFrom._select((bob, alice, 0))[1], bob)]:
        tx = {"from": sender.address, "to": nft.address, "data": data}
        ours, theirs, record = _both_roads(sb, tx, [nft.address], ahead=ahead)
        assert ours == theirs
        assert record == ours["receipt"]  # the receipt built from what was in hand is the one read back (block hash filled)
        assert ours["receipt"]["status"] == 1 and ours["receipt"]["logs"]
    assert runs == [True, True, True]


@pytest.mark.parametrize(("code", "one_run"), [(STORE, True), (GAS_LEFT, False), (CLOCK, False), (OWN_BALANCE, False), (CALLER, False)],
                         ids=["store", "gas", "timestamp", "origin-balance", "call"])
def test_what_depends_on_the_limit_or_the_estimates_state_leaves_the_one_run_road(same_randomness: None, runs: list[bool],
                                                                                     code: bytes, one_run: bool) -> None:
    sb = Sandbox(backend="pyevm")
    target = to_checksum_address("0x" + "0d" * 20)
    sb.set_code(target, code)
    tx = {"from": sb.accounts.alice.address, "to": target, "data": (0xBEEF).to_bytes(32, "big")}
    ours, theirs, _ = _both_roads(sb, tx, [target])
    assert ours == theirs
    assert runs == [one_run]
    if code == GAS_LEFT:  # what a run at the block gas limit would have stored instead
        assert 0 < ours["storage"][0] < int(ours["tx"]["gas"])


def test_a_revert_leaves_the_one_run_road_with_its_own_error(runs: list[bool]) -> None:
    from sandbox.errors import ContractReverted

    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "One", "ONE", alice, sender=alice)
    head = sb.chain.backend.block_number()
    runs.clear()
    with pytest.raises(ContractReverted) as caught:
        nft.mint(bob, "ipfs://x", sender=bob)  # not the owner
    assert caught.value.name == "OwnableUnauthorizedAccount"
    assert runs == [False] and sb.chain.backend.block_number() == head  # nothing mined, nothing kept


def test_the_call_frame_records_the_gas_the_transaction_was_sent_with(monkeypatch: pytest.MonkeyPatch, same_randomness: None) -> None:
    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "One", "ONE", alice, sender=alice)
    backend = sb.chain.backend
    snapshot = sb.snapshot()
    fast = nft.mint(bob, "ipfs://one", sender=alice)
    fast_root = backend.recording(fast.tx_hash).root
    sb.revert(snapshot)
    monkeypatch.setattr(type(backend), "_transact_once", lambda self, tx: None)  # the two-run road
    plain = nft.mint(bob, "ipfs://one", sender=alice)
    plain_root = backend.recording(plain.tx_hash).root
    assert fast.tx_hash == plain.tx_hash
    assert (fast_root.gas, fast_root.gas_used, fast_root.logs) == (plain_root.gas, plain_root.gas_used, plain_root.logs)
    assert fast_root.gas < int(backend.get_transaction(fast.tx_hash)["gas"])  # the message's gas: the limit less the intrinsic gas


def test_the_one_run_limit_is_the_unconfirmed_estimate() -> None:
    from sandbox.backends.gas import Run, geth_style_estimate, optimistic

    for first in [Run(True, 21_000, 0), Run(True, 21_005, 0), Run(True, 150_000, 4_800), Run(True, 29_900_000, 0)]:
        unconfirmed = geth_style_estimate(lambda gas, first=first: first, first, cap=30_000_000, intrinsic=21_000, confirm=False)
        assert optimistic(first, cap=30_000_000, intrinsic=21_000) == unconfirmed
    assert optimistic(Run(True, 150_000, 4_800), cap=30_000_000, intrinsic=21_000) == (150_000 + 4_800 + 2_300) * 64 // 63
