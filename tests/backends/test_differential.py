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
