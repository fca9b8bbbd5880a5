"""On a node, a send is estimated against "latest" while the node automines and against "pending" otherwise."""

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
    backend = sb.chain.backend
    rpc = type(backend).rpc

    def record(self: Any, method: str, *params: Any) -> Any:
        asked.append((method, params))
        return rpc(self, method, *params)

    monkeypatch.setattr(type(backend), "rpc", record)
    return asked


def estimates(asked: list[tuple[str, tuple[Any, ...]]]) -> list[str]:
    return [params[1] for method, params in asked if method == "eth_estimateGas"]


def test_under_automine_a_mint_is_estimated_on_the_latest_state(node_sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob = node_sb.accounts.alice, node_sb.accounts.bob
    nft = node_sb.deploy("SandboxNFT", "Est", "E", alice, sender=alice)
    asked = watched(node_sb, monkeypatch)
    receipt = nft.mint(bob, "ipfs://one", sender=alice)
    assert receipt.status == 1
    assert estimates(asked) == ["latest"]
    assert ("anvil_getAutomine", ()) in asked
    assert node_sb.chain.backend.automine() is True


def test_with_automine_off_it_is_estimated_on_the_pending_block(anvil: Anvil, monkeypatch: pytest.MonkeyPatch) -> None:
    sb = Sandbox(REPO, rpc=anvil.url)
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Est", "E", alice, sender=alice)
    backend = sb.chain.backend
    backend.rpc("evm_setAutomine", False)
    try:
        assert backend.automine() is False
        asked = watched(sb, monkeypatch)
        assert backend.send_estimate_block() == "pending"
        tx = {"from": alice.address, "to": nft.address, "data": nft.mint._select((bob, "ipfs://two"))[1]}
        gas = backend.estimate(tx, backend.send_estimate_block())
        assert gas > 21_000 and estimates(asked) == ["pending"]
    finally:
        backend.rpc("evm_setAutomine", True)
    assert backend.automine() is True


def test_a_node_that_answers_no_automine_question_is_estimated_on_pending_and_asked_once(
        node_sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob = node_sb.accounts.alice, node_sb.accounts.bob
    nft = node_sb.deploy("SandboxNFT", "Est", "E", alice, sender=alice)
    fresh = Sandbox(REPO, rpc=node_sb.chain.backend.url)
    monkeypatch.setattr(remote, "AUTOMINE_METHODS", ("sandbox_noSuchMethod",))
    asked = watched(fresh, monkeypatch)
    handle = fresh.at("SandboxNFT", nft.address)
    for uri in ("ipfs://three", "ipfs://four"):
        assert handle.mint(bob, uri, sender=alice).status == 1
    assert estimates(asked) == ["pending", "pending"]
    assert [m for m, _ in asked].count("sandbox_noSuchMethod") == 1  # not asked again on this connection
    assert fresh.chain.backend.automine() is True  # the base's answer for a node that says nothing
