"""py-evm and revm replay the same workload; every record must be equal.

The workload (tests/backends/workload.py) deploys the repository's
SandboxNFT and the Probe test contract, mints, sells, transfers, pauses,
withdraws, reverts in every way Solidity can (Error(string), custom errors,
panics, empty and unknown data; as calls, as estimates and mined with status
0), runs out of gas, moves the clock, mines, snapshots and reverts, and reads
state at past blocks. Each receipt is compared on status, gas used, the gas
limit the estimate chose, block number, contract address and logs (address,
topics, data); calls on their return data; reverts on their decoded kind,
name, arguments and raw data.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.backends.workload import nft_workload, probe_workload


def _compare(pyevm: list[Any], revm: list[Any]) -> None:
    assert len(pyevm) == len(revm), f"record counts differ: py-evm {len(pyevm)}, revm {len(revm)}"
    for expected, actual in zip(pyevm, revm, strict=True):
        assert actual == expected, f"step {expected[0]!r} differs:\n  py-evm: {expected}\n  revm:   {actual}"


CASES = [(nft_workload, {"custom", "empty"}), (probe_workload, {"error", "custom", "panic", "empty", "unknown"})]


_PYEVM: dict[str, list[Any]] = {}


@pytest.mark.parametrize("path", ["direct", "tester"])
@pytest.mark.parametrize(("workload", "revert_kinds"), CASES, ids=["SandboxNFT", "Probe"])
def test_revm_replays_the_workload_exactly_as_pyevm(workload: Any, revert_kinds: set[str], path: str) -> None:
    """On revm straight to the engine and through eth-tester (a filter installed), against py-evm straight."""
    if workload.__name__ not in _PYEVM:
        _PYEVM[workload.__name__] = workload("pyevm")
    pyevm = _PYEVM[workload.__name__]
    revm = workload("revm", via_tester=path == "tester")
    _compare(pyevm, revm)
    # The workload must exercise what it claims: failures mined with status 0,
    # reverts of several kinds, logs, and a snapshot/revert.
    kinds = {r[2] for r in pyevm if r[1] == "revert"}
    mined_failures = [r for r in pyevm if r[1] == "revert" and r[-1] is not None and r[-1][1] == 0]
    assert kinds == revert_kinds and mined_failures
    assert any(r[1] == "receipt" and r[-1] for r in pyevm)


def test_cold_storage_costs_the_same_in_every_transaction() -> None:
    """pyrevm alone keeps touched slots warm; the backend must make them cold again."""
    from sandbox import Sandbox
    from tests.backends.workload import PROBE

    used = {}
    for backend in ("pyevm", "revm"):
        sb = Sandbox(PROBE, backend=backend)
        probe = sb.deploy("Probe", sender=sb.accounts.alice)
        used[backend] = [probe.poke(sender=sb.accounts.alice).gas_used for _ in range(3)]
    assert used["revm"] == used["pyevm"]
    assert used["revm"][1] == used["revm"][2]  # second and third poke: same cold SLOAD/SSTORE


def test_access_lists_warm_only_their_own_transaction() -> None:
    """Type-1 and type-2 transactions with access lists: same gas as py-evm, and no warmth left behind."""
    from eth_utils import function_signature_to_4byte_selector

    from sandbox import Sandbox
    from tests.backends.workload import PROBE

    used: dict[str, list[int]] = {}
    for backend in ("pyevm", "revm"):
        sb = Sandbox(PROBE, backend=backend)
        alice = sb.accounts.alice.address
        probe = sb.deploy("Probe", sender=sb.accounts.alice)
        tester = sb.chain.backend.tester
        poke = "0x" + function_signature_to_4byte_selector("poke()").hex()
        listed = ({"address": probe.address, "storage_keys": ("0x" + "00" * 31 + "01",)},)
        base = {"from": alice, "to": probe.address, "data": poke, "gas": 100_000}
        sent = [
            tester.send_transaction(base),
            tester.send_transaction({**base, "gas_price": 10**9, "access_list": listed}),
            tester.send_transaction({**base, "max_fee_per_gas": 2 * 10**9, "max_priority_fee_per_gas": 10**9, "access_list": listed}),
            tester.send_transaction(base),
        ]
        used[backend] = [tester.get_transaction_receipt(h)["gas_used"] for h in sent]
        used[backend].append(tester.get_balance(alice))
    assert used["revm"] == used["pyevm"]
    assert used["revm"][1] != used["revm"][3]  # the list changed the cost of its own transaction only


# -- the Sandbox's own road against web3.py's, on one chain ----------------------------------

#: Fields that differ between two blocks built on the same parent by design: eth-tester draws
#: each block's mix hash (prevrandao) at random, and the block hash covers it.
_RANDOM = {"mix_hash", "prev_randao", "hash", "block_hash"}


def _without_random(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_random(v) for k, v in value.items() if k not in _RANDOM}
    if isinstance(value, (list, tuple)):
        return [_without_random(v) for v in value]
    return value


def _mined(sb: Any, tx_hash: str) -> dict[str, Any]:
    """Everything the chain answers about a mined transaction: itself, its receipt (logs), its block, the next call's view."""
    backend = sb.chain.backend
    receipt = backend.get_receipt(tx_hash)
    assert receipt is not None
    block = backend.get_block(int(receipt["block_number"]), full=True)
    return _without_random({"tx": backend.get_transaction(tx_hash), "receipt": receipt, "block": block,
                            "logs": backend.get_logs(int(receipt["block_number"]), int(receipt["block_number"])),
                            "balances": [backend.get_balance(a.address) for a in list(sb.accounts)[:3]]})


@pytest.mark.parametrize("backend", ["pyevm", "revm"])
def test_the_sandboxs_own_road_gives_what_web3py_gives_on_the_same_chain(backend: str) -> None:
    """Each step sent through the Sandbox (straight to the engine), undone, and sent again through
    ``sb.w3`` (web3.py's formatters, eth-tester's validation) with the same gas: every field the
    chain answers is the same, gas used and hashes included; calls between them read the same."""
    from sandbox import Sandbox
    from tests.backends.workload import REPO

    sb = Sandbox(REPO, backend=backend)
    alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
    nft = sb.deploy("SandboxNFT", "Diff", "D", alice, sender=alice)
    web3_nft = sb.w3.eth.contract(address=nft.address, abi=nft.abi)
    steps = [
        ("mint", lambda: nft.mint(bob, "ipfs://one", sender=alice), lambda gas: web3_nft.functions.mint(bob.address, "ipfs://one").transact(
            {"from": alice.address, "gas": gas})),
        ("mint again", lambda: nft.mint(carol, "ipfs://two", sender=alice), lambda gas: web3_nft.functions.mint(carol.address, "ipfs://two")
            .transact({"from": alice.address, "gas": gas})),
        ("transfer", lambda: nft.transferFrom(bob, carol, 0, sender=bob), lambda gas: web3_nft.functions.transferFrom(
            bob.address, carol.address, 0).transact({"from": bob.address, "gas": gas})),
        ("ether", lambda: sb.transfer(carol, 12345, sender=alice), lambda gas: sb.w3.eth.send_transaction(
            {"from": alice.address, "to": carol.address, "value": 12345, "gas": gas})),
    ]
    assert sb.chain.backend._direct(alice.address)  # the Sandbox's sends take the engine-level road here
    for name, ours, theirs in steps:
        snapshot = sb.snapshot()
        receipt = ours()
        assert receipt.status == 1, name
        gas = int(sb.chain.backend.get_transaction(receipt.tx_hash)["gas"])
        fast = _mined(sb, receipt.tx_hash)
        assert sb.chain.backend._own_receipt(receipt.tx_hash) == sb.chain.backend.get_receipt(receipt.tx_hash)  # the send's shortcut
        fast_reads = [nft.balanceOf(a) for a in (bob, carol)]
        sb.revert(snapshot)
        plain = _mined(sb, "0x" + bytes(theirs(gas)).hex())
        assert plain == fast, f"step {name!r}: the Sandbox's road and web3.py's differ"
        assert [web3_nft.functions.balanceOf(a.address).call() for a in (bob, carol)] == fast_reads == [nft.balanceOf(a) for a in (bob, carol)]
    assert nft.ownerOf(0) == carol and nft.totalSupply() == 2
