"""Choosing the engine: by argument, by SANDBOX_BACKEND; the seam's roads and conversions agree."""

from __future__ import annotations

import pytest

from sandbox import Sandbox
from sandbox.backends.pyevm.backend import PyEvmChainBackend
from sandbox.backends.revm.chain_backend import RevmChainBackend
from sandbox.chain.chain import Chain
from sandbox.errors import ChainError
from tests.backends.workload import PROBE


def test_backend_argument_and_environment_pick_revm(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(Sandbox(PROBE, backend="revm").chain.backend, RevmChainBackend)
    monkeypatch.setenv("SANDBOX_BACKEND", "revm")
    sb = Sandbox(PROBE)
    assert isinstance(sb.chain.backend, RevmChainBackend) and sb.chain.engine == "revm" and sb.chain.evm_version == "cancun"
    assert sb.chain.chain_id == 31337
    assert sb.balance(sb.accounts.alice) == 10_000 * 10**18


def test_default_stays_pyevm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANDBOX_BACKEND", raising=False)
    monkeypatch.delenv("SANDBOX_RPC", raising=False)
    sb = Sandbox(PROBE)
    assert isinstance(sb.chain.backend, PyEvmChainBackend) and sb.chain.engine == "py-evm" and sb.chain.evm_version == "prague"


@pytest.mark.parametrize(("saved_on", "loaded_on"), [("pyevm", "revm"), ("revm", "pyevm"), ("pyevm", "pyevm"), ("revm", "revm")])
def test_a_state_dumped_on_one_engine_starts_the_other(saved_on: str, loaded_on: str) -> None:
    sb = Sandbox(PROBE, chain=Chain(backend=saved_on, persistent=True))
    alice, bob = sb.accounts.alice, sb.accounts.bob
    probe = sb.deploy("Probe", sender=alice)
    probe.poke(7, sender=alice)
    probe.deposit("memo", sender=bob, value=5)
    sb.time_travel(3600)
    dump = sb.chain.dump_state()
    again = Sandbox(PROBE, chain=Chain(backend=loaded_on, state=dump, persistent=True))
    moved = again.at("Probe", probe.address)
    assert moved.counter() == probe.counter() == 7
    assert moved.deposits(bob) == 5
    assert again.balance(bob) == sb.balance(bob) and again.balance(probe.address) == 5
    assert again.chain.timestamp == dump.timestamp
    assert again.w3.eth.get_transaction_count(alice.address) == sb.w3.eth.get_transaction_count(alice.address)
    moved.poke(1, sender=alice)  # and it goes on from there
    assert moved.counter() == 8
    # Loaded and dumped again without a transaction, the state is the one saved.
    assert Chain(backend=loaded_on, state=dump, persistent=True).dump_state().accounts == dump.accounts


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ChainError, match=r"unknown backend 'evmone'.*pyevm, revm"):
        Chain(backend="evmone")


@pytest.mark.parametrize("backend", ["pyevm", "revm"])
def test_a_filter_sees_every_transaction(backend: str) -> None:
    """With a log filter installed, transactions go through eth-tester so the filter sees them."""
    sb = Sandbox(PROBE, backend=backend)
    probe = sb.deploy("Probe", sender=sb.accounts.alice)
    log_filter = sb.w3.eth.filter({"address": probe.address})
    probe.poke(sender=sb.accounts.alice)
    assert len(log_filter.get_new_entries()) == 1


@pytest.mark.parametrize("backend", ["pyevm", "revm"])
def test_receipts_equal_what_web3_reads_back(backend: str) -> None:
    """The one conversion (backend record → Receipt) agrees with web3.py's own receipt of the same transaction."""
    from sandbox.errors import ContractReverted

    sb = Sandbox(PROBE, backend=backend)
    alice = sb.accounts.alice
    probe = sb.deploy("Probe", sender=alice)
    receipts = [probe.receipt, probe.deposit("memo", sender=alice, value=5), probe.poke(3, sender=alice)]
    try:
        probe.failPlain.transact(sender=alice, gas=50_000)
    except ContractReverted as exc:
        receipts.append(exc.receipt)  # type: ignore[attr-defined]
    assert len(receipts) == 4
    for receipt in receipts:
        assert receipt is not None
        via_web3 = sb.w3.eth.get_transaction_receipt(receipt.tx_hash)
        assert (receipt.status, receipt.gas_used, receipt.block_number, receipt.contract_address, receipt.effective_gas_price) == (
            via_web3["status"], via_web3["gasUsed"], via_web3["blockNumber"], via_web3["contractAddress"], via_web3["effectiveGasPrice"])
        assert [(log["address"], [bytes.fromhex(t[2:]) for t in log["topics"]], bytes.fromhex(log["data"][2:])) for log in receipt.logs] == [
            (log["address"], [bytes(t) for t in log["topics"]], bytes(log["data"])) for log in via_web3["logs"]]
    assert sum(len(r.logs) for r in receipts) >= 2


@pytest.mark.parametrize("backend", ["pyevm", "revm"])
def test_logs_from_a_block_past_the_head_are_none(backend: str) -> None:
    sb = Sandbox(PROBE, backend=backend)
    probe = sb.deploy("Probe", sender=sb.accounts.alice)
    probe.poke(sender=sb.accounts.alice)
    head = sb.chain.block_number
    assert sb.get_events(probe, from_block=head)  # the poke's event
    assert sb.get_events(probe, from_block=head + 1) == []
    assert sb.chain.backend.get_logs(head + 5, head + 9) == []
    assert len(sb.chain.backend.get_logs(0, head + 100)) == len(sb.chain.backend.get_logs(0, "latest"))
