"""The same Sandbox API on a real anvil: snapshots, time, reverts, SANDBOX_RPC."""

from __future__ import annotations

import pytest

from sandbox import Sandbox
from sandbox.chain.anvil import Anvil
from sandbox.errors import ChainError, NodeError


def test_deploy_call_and_events_on_anvil(node_sb: Sandbox) -> None:
    alice, bob = node_sb.accounts.alice, node_sb.accounts.bob
    assert not node_sb.chain.embedded and node_sb.chain.chain_id == 31337
    nft = node_sb.deploy("SandboxNFT", "Workshop", "WS", alice, sender=alice)
    receipt = nft.mint(bob, "data:,x", sender=alice)
    token = receipt.events["Transfer"][0].args["tokenId"]
    receipt.assert_event("Transfer", to=bob, tokenId=token)
    assert nft.ownerOf(token) == bob
    assert receipt.gas_used > 21_000 and receipt.effective_gas_price > 0


def test_reverts_are_decoded_on_anvil(node_sb: Sandbox) -> None:
    alice, bob = node_sb.accounts.alice, node_sb.accounts.bob
    nft = node_sb.deploy("SandboxNFT", "Workshop", "WS", alice, sender=alice)
    with node_sb.reverts("OwnableUnauthorizedAccount", account=bob):
        nft.mint(bob, "x", sender=bob)


def test_snapshots_use_evm_snapshot(node_sb: Sandbox) -> None:
    alice, bob = node_sb.accounts.alice, node_sb.accounts.bob
    before = node_sb.balance(bob)
    outer = node_sb.snapshot()
    node_sb.transfer(bob, 10**18, sender=alice)
    inner = node_sb.snapshot()
    node_sb.transfer(bob, 10**18, sender=alice)
    assert node_sb.balance(bob) == before + 2 * 10**18
    node_sb.revert(inner)
    assert node_sb.balance(bob) == before + 10**18
    node_sb.revert(outer)
    assert node_sb.balance(bob) == before
    with node_sb.isolate():
        node_sb.transfer(bob, 5, sender=alice)
    assert node_sb.balance(bob) == before


def test_a_dropped_snapshot_is_refused_for_every_handle_on_the_node(node_sb: Sandbox, anvil: Anvil) -> None:
    other = Sandbox(node_sb.project.root, rpc=anvil.url)
    outer = other.snapshot()
    inner = node_sb.snapshot()
    other.revert(outer)  # drops inner on the node
    with pytest.raises(ChainError, match="unknown or already reverted snapshot"):
        node_sb.revert(inner)
    assert node_sb.chain.block_number >= 0  # and the node is still healthy


def test_time_travel_and_mining(node_sb: Sandbox) -> None:
    with node_sb.isolate():
        start = node_sb.chain.timestamp
        assert node_sb.time_travel(seconds=86_400) >= start + 86_400
        target = node_sb.chain.timestamp + 500
        assert node_sb.time_travel(to=target) == target
        block = node_sb.chain.block_number
        assert node_sb.mine(3) == block + 3


def test_unsupported_methods_raise_a_clear_error(node_sb: Sandbox) -> None:
    with pytest.raises(ChainError, match=r"does not support evm_noSuchMethod .*use anvil or the embedded chain"):
        node_sb.chain.request("evm_noSuchMethod")


def test_sandbox_rpc_variable_points_sandbox_at_the_node(anvil: Anvil, node_sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_RPC", anvil.url)
    on_node = Sandbox(node_sb.project.root)
    assert on_node.chain.rpc == anvil.url and not on_node.chain.embedded
    assert Sandbox(node_sb.project.root, backend="pyevm").chain.embedded  # explicit wins
    monkeypatch.setenv("SANDBOX_BACKEND", "rpc")
    monkeypatch.delenv("SANDBOX_RPC")
    with pytest.raises(ChainError, match="needs a node URL"):
        Sandbox(node_sb.project.root)


def test_unreachable_node_and_bad_url() -> None:
    with pytest.raises(ChainError, match="cannot reach a JSON-RPC node at http://127.0.0.1:9"):
        Sandbox(rpc="http://127.0.0.1:9")
    with pytest.raises(ChainError, match="is not http"):
        Sandbox(rpc="ws://127.0.0.1:8545")


def test_anvil_that_cannot_start_says_why() -> None:
    with pytest.raises(NodeError, match="--no-such-flag"):
        Anvil(extra_args=("--no-such-flag",)).start()


def test_anvil_stops(anvil: Anvil) -> None:
    node = Anvil()
    url = node.start()
    assert node.running and url.startswith("http://127.0.0.1:")
    node.stop()
    assert not node.running
    with pytest.raises(ChainError, match="cannot reach"):
        Sandbox(rpc=url)


def test_a_second_chain_id_needs_its_own_node(anvil: Anvil, node_sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    root = node_sb.project.root
    monkeypatch.setenv("SANDBOX_RPC", anvil.url)
    with pytest.raises(ChainError, match=r"Sandbox\(chain_id=1337\) while SANDBOX_RPC is set.*set SANDBOX_RPC_1337"):
        Sandbox(root, chain_id=1337)
    with pytest.raises(ChainError, match=r"asked for chain id 1337, but the node at .* has chain id 31337"):
        Sandbox(root, rpc=anvil.url, chain_id=1337)
    with Anvil(chain_id=1337) as second:
        monkeypatch.setenv("SANDBOX_RPC_1337", second.url)
        other = Sandbox(root, chain_id=1337)
        assert other.chain.rpc == second.url and other.chain.chain_id == 1337
        assert Sandbox(root).chain.rpc == anvil.url  # the default chain id stays on SANDBOX_RPC


def test_node_requests_need_a_node(node_sb: Sandbox) -> None:
    assert int(node_sb.chain.request("eth_chainId"), 16) == 31337
    with pytest.raises(ChainError, match=r"rejected eth_getBalance\['nope'\]"):
        node_sb.chain.request("eth_getBalance", "nope")
    with pytest.raises(ChainError, match="needs a JSON-RPC node"):
        Sandbox(node_sb.project.root, backend="pyevm").chain.request("evm_mine")
