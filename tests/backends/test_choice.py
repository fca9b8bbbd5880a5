"""Choosing the revm backend: by argument, by SANDBOX_BACKEND, and its refusals."""

from __future__ import annotations

import pytest

from sandbox import Sandbox
from sandbox.backends.revm import RevmBackend
from sandbox.chain.chain import Chain
from sandbox.errors import ChainError
from tests.backends.workload import PROBE


def test_backend_argument_and_environment_pick_revm(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(Sandbox(PROBE, backend="revm").chain.tester.backend, RevmBackend)
    monkeypatch.setenv("SANDBOX_BACKEND", "revm")
    sb = Sandbox(PROBE)
    assert isinstance(sb.chain.tester.backend, RevmBackend)
    assert sb.chain.chain_id == 31337
    assert sb.balance(sb.accounts.alice) == 10_000 * 10**18


def test_default_stays_pyevm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANDBOX_BACKEND", raising=False)
    monkeypatch.delenv("SANDBOX_RPC", raising=False)
    assert not isinstance(Sandbox(PROBE).chain.tester.backend, RevmBackend)


def test_saved_state_is_refused_with_the_fix() -> None:
    with pytest.raises(ChainError, match=r"revm backend cannot load a saved chain state.*backend='pyevm'"):
        Chain(backend="revm", state=object())


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ChainError, match=r"unknown backend 'evmone'.*pyevm, revm"):
        Chain(backend="evmone")


def test_the_direct_path_steps_aside_for_filters() -> None:
    """With a log filter installed, transactions go through eth-tester so the filter sees them."""
    sb = Sandbox(PROBE, backend="revm")
    probe = sb.deploy("Probe", sender=sb.accounts.alice)
    assert sb.chain.fast.ready()
    log_filter = sb.w3.eth.filter({"address": probe.address})
    assert not sb.chain.fast.ready()
    probe.poke(sender=sb.accounts.alice)
    assert len(log_filter.get_new_entries()) == 1


def test_direct_path_receipts_are_web3_receipts() -> None:
    """The receipt the direct path builds equals what web3.py returns for the same transaction."""
    from sandbox.errors import ContractReverted

    sb = Sandbox(PROBE, backend="revm")
    alice = sb.accounts.alice
    probe = sb.deploy("Probe", sender=alice)
    receipts = [probe.receipt, probe.deposit("memo", sender=alice, value=5), probe.poke(3, sender=alice)]
    try:
        probe.failPlain.transact(sender=alice, gas=50_000)
    except ContractReverted as exc:
        receipts.append(exc.receipt)  # type: ignore[attr-defined]
    assert len(receipts) == 4
    from sandbox.backends.revm.fast import web3_receipt

    backend = sb.chain.tester.backend
    for receipt in receipts:
        via_web3 = sb.w3.eth.get_transaction_receipt(receipt.tx_hash)
        assert dict(web3_receipt(backend.get_transaction_receipt(bytes.fromhex(receipt.tx_hash[2:])))) == dict(via_web3)
        assert receipt.logs == list(via_web3["logs"])
        assert (receipt.status, receipt.gas_used, receipt.block_number, receipt.contract_address) == (
            via_web3["status"],
            via_web3["gasUsed"],
            via_web3["blockNumber"],
            via_web3["contractAddress"],
        )
