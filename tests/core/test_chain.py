from __future__ import annotations

import pytest

from sandbox import Contract, Sandbox
from sandbox.errors import ChainError


def test_embedded_chain_is_a_dev_chain(sb: Sandbox) -> None:
    assert sb.chain.chain_id == 31337
    assert sb.w3.eth.chain_id == 31337
    assert sb.chain.embedded


def test_nested_snapshots_revert_in_order(sb: Sandbox, probe: Contract) -> None:
    alice = sb.accounts.alice
    outer = sb.snapshot()
    probe.poke(sender=alice)
    inner = sb.snapshot()
    probe.poke(5, sender=alice)
    assert probe.counter() == 6
    sb.revert(inner)
    assert probe.counter() == 1
    sb.revert(outer)
    assert probe.counter() == 0


def test_reverting_an_outer_snapshot_drops_the_inner_ones(sb: Sandbox, probe: Contract) -> None:
    outer = sb.snapshot()
    inner = sb.snapshot()
    sb.revert(outer)
    with pytest.raises(ChainError, match="unknown or already reverted snapshot"):
        sb.revert(inner)


def test_isolate_nests(sb: Sandbox, probe: Contract) -> None:
    alice = sb.accounts.alice
    with sb.isolate():
        probe.poke(sender=alice)
        with sb.isolate():
            probe.poke(2, sender=alice)
            assert probe.counter() == 3
        assert probe.counter() == 1
    assert probe.counter() == 0


def test_time_travel_moves_block_time(sb: Sandbox) -> None:
    start = sb.chain.timestamp
    new = sb.time_travel(seconds=86_400)
    assert new >= start + 86_400
    assert sb.chain.timestamp == new
    target = new + 1_000
    assert sb.time_travel(to=target) == target


def test_time_travel_refuses_the_past_and_bad_arguments(sb: Sandbox) -> None:
    now = sb.chain.timestamp
    with pytest.raises(ChainError, match="cannot travel back in time"):
        sb.time_travel(to=now - 10)
    with pytest.raises(ChainError, match="exactly one of"):
        sb.time_travel(10, to=now + 100)


def test_mine_blocks(sb: Sandbox) -> None:
    before = sb.chain.block_number
    assert sb.mine(3) == before + 3
    with pytest.raises(ChainError, match="at least 1"):
        sb.mine(0)


def test_snapshot_restores_time(sb: Sandbox) -> None:
    snap = sb.snapshot()
    before = sb.chain.timestamp
    sb.time_travel(seconds=365 * 86_400)
    sb.revert(snap)
    assert sb.chain.timestamp == before


def test_gas_estimate_is_tight_and_sufficient(sb: Sandbox, probe: Contract) -> None:
    receipt = probe.deposit("memo", sender=sb.accounts.bob, value=1)
    tx = sb.w3.eth.get_transaction(receipt.tx_hash)
    assert receipt.status == 1
    # geth-style: at most (used + refund + 2300) * 64/63, far below the binary search's cap.
    assert receipt.gas_used <= tx["gas"] <= (receipt.gas_used + 2300) * 64 // 63 + 1


def test_gas_estimate_falls_back_when_the_optimistic_bound_fails(sb: Sandbox, probe: Contract) -> None:
    # needsGas() uses ~30k gas but requires 200k left: the optimistic bound fails,
    # the search must still find a limit that succeeds.
    receipt = probe.needsGas(sender=sb.accounts.alice)
    tx = sb.w3.eth.get_transaction(receipt.tx_hash)
    assert receipt.status == 1 and tx["gas"] > 200_000
    assert probe.counter() == 1


def test_plain_transfer_uses_21000(sb: Sandbox) -> None:
    receipt = sb.transfer(sb.accounts.bob, 10**18, sender=sb.accounts.alice)
    assert sb.w3.eth.get_transaction(receipt.tx_hash)["gas"] == 21_000
    assert sb.accounts.bob.balance == 10_001 * 10**18


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ChainError, match="unknown backend 'quantum'"):
        Sandbox(backend="quantum")


def test_unreachable_rpc_is_a_clear_error() -> None:
    with pytest.raises(ChainError, match="cannot reach a JSON-RPC node at http://127.0.0.1:9"):
        Sandbox(rpc="http://127.0.0.1:9")
