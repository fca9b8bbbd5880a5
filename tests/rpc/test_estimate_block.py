"""On a node a send is estimated on the pending block, where it will run, and automine() is what the node says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox import Sandbox
from sandbox.backends.remote import backend as remote
from sandbox.chain.anvil import Anvil

REPO = Path(__file__).resolve().parents[2]


def watched(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    """Every JSON-RPC request the sandbox's backend makes from now on (the real requests, still sent)."""
    asked: list[tuple[str, tuple[Any, ...]]] = []
    rpc = remote.RemoteChainBackend.rpc

    def record(self: Any, method: str, *params: Any) -> Any:
        asked.append((method, params))
        return rpc(self, method, *params)

    monkeypatch.setattr(remote.RemoteChainBackend, "rpc", record)
    return asked


def test_a_send_whose_gas_depends_on_the_next_block_is_estimated_where_it_runs(node_sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """ERC-1056 stores block.number on every change: estimated on the latest block, the second change of an identity in a
    row would find that slot already holding the number and buy too little gas (out of gas on the node)."""
    alice = node_sb.accounts.alice
    registry = node_sb.deploy("IdentityRegistry", sender=alice)
    asked = watched(node_sb, monkeypatch)
    for value in (b"one", b"two", b"three"):
        receipt = registry.setAttribute(alice, b"did/svc/Hub".ljust(32, b"\x00"), value, 86_400, sender=alice)
        assert receipt.status == 1
    assert [params[1] for method, params in asked if method == "eth_estimateGas"] == ["pending"] * 3


def test_automine_is_what_the_node_says(anvil: Anvil) -> None:
    sb = Sandbox(REPO, rpc=anvil.url)
    backend = sb.chain.backend
    assert backend.automine() is True
    backend.rpc("evm_setAutomine", False)
    try:
        assert backend.automine() is False
    finally:
        backend.rpc("evm_setAutomine", True)
    assert backend.automine() is True


def test_a_node_that_answers_no_automine_question_is_taken_as_automining_and_asked_once(
        anvil: Anvil, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "AUTOMINE_METHODS", ("sandbox_noSuchMethod",))
    sb = Sandbox(REPO, rpc=anvil.url)
    asked = watched(sb, monkeypatch)
    assert sb.chain.backend.automine() is True and sb.chain.backend.automine() is True
    assert [m for m, _ in asked].count("sandbox_noSuchMethod") == 1  # not asked again on this connection
