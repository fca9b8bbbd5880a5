"""Sends over a node in one request (``eth_sendTransactionSync``) when the node signs and automines, polling otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import Sandbox
from sandbox.backends.remote.backend import RemoteChainBackend
from sandbox.chain.anvil import Anvil
from sandbox.errors import ChainError, TransactionRejected
from sandbox.workshop.session import Workshop

REPO = Path(__file__).resolve().parents[2]
URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/1.json"


def counted(backend: RemoteChainBackend) -> list[str]:
    """The methods ``backend`` asks from now on, in order (its real requests, noted)."""
    asked: list[str] = []
    rpc = backend.rpc

    def noting(method: str, *params: Any) -> Any:
        asked.append(method)
        return rpc(method, *params)

    backend.rpc = noting  # type: ignore[method-assign]
    return asked


def test_a_mint_on_anvil_is_one_send_and_no_receipt_poll(node_sb: Sandbox) -> None:
    alice, bob = node_sb.accounts.alice, node_sb.accounts.bob
    nft = node_sb.deploy("SandboxNFT", "Sync", "S", alice, sender=alice)
    backend = node_sb.chain.backend
    assert isinstance(backend, RemoteChainBackend)
    asked = counted(backend)
    receipt = nft.mint(bob, URI, sender=alice)
    del backend.rpc
    assert asked.count("eth_sendTransactionSync") == 1 and "eth_getTransactionReceipt" not in asked
    receipt.assert_event("Transfer", to=bob, tokenId=0)
    # The receipt in hand is the one the node keeps.
    kept = backend.get_receipt(receipt.tx_hash)
    assert kept is not None and (kept["block_number"], kept["gas_used"], kept["status"]) == (receipt.block_number, receipt.gas_used, 1)
    assert nft.ownerOf(0) == bob


def test_an_impersonated_sender_is_sent_in_one_request_too(node_sb: Sandbox) -> None:
    stranger = "0x1111111111111111111111111111111111111111"
    node_sb.set_balance(stranger, 10**18)
    backend = node_sb.chain.backend
    assert isinstance(backend, RemoteChainBackend)
    before = node_sb.balance(node_sb.accounts.bob)
    with node_sb.impersonate(stranger) as who:
        asked = counted(backend)
        receipt = node_sb.transfer(node_sb.accounts.bob, 5, sender=who)
        del backend.rpc
    assert receipt.status == 1 and "eth_sendTransactionSync" in asked
    assert node_sb.balance(node_sb.accounts.bob) == before + 5


def test_a_refused_send_names_the_sender_and_the_node_reason(node_sb: Sandbox) -> None:
    bob = node_sb.accounts.bob
    with pytest.raises(TransactionRejected, match=f"refused the transaction from {bob.address}: .*(insufficient|funds)"):
        node_sb.transfer(node_sb.accounts.carol, 10**30, sender=bob)


@pytest.fixture
def no_mining() -> Iterator[Anvil]:
    with Anvil(extra_args=("--no-mining",)) as node:
        yield node


def test_a_node_that_does_not_automine_is_polled_as_before(no_mining: Anvil) -> None:
    backend = RemoteChainBackend(no_mining.url)
    alice, bob = backend.accounts()[:2]
    sent = {"from": alice, "to": bob, "value": 1, "gas": 21_000}
    before = backend.get_nonce(alice, "pending")
    assert backend._send_sync(dict(sent)) is None  # nothing sent: the node does not automine
    assert backend._sync_senders is False and backend.get_nonce(alice, "pending") == before  # not even to its pool


@pytest.fixture
def without_the_method(anvil: Anvil) -> Iterator[str]:
    """The module's anvil behind a forwarder that answers eth_sendTransactionSync as geth and Hardhat do (-32601)."""
    import http.server
    import json
    import threading
    import urllib.request

    class Forward(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            request = json.loads(body)
            if isinstance(request, dict) and request.get("method") == "eth_sendTransactionSync":
                answer = json.dumps({"jsonrpc": "2.0", "id": request.get("id"),
                                     "error": {"code": -32601, "message": "the method eth_sendTransactionSync does not exist/is not available"}})
            else:
                post = urllib.request.Request(anvil.url, body, {"Content-Type": "application/json"})
                with urllib.request.urlopen(post, timeout=30) as reply:
                    answer = reply.read().decode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_a_node_without_the_method_is_polled_and_asked_once(without_the_method: str) -> None:
    sb = Sandbox(REPO, rpc=without_the_method)
    backend = sb.chain.backend
    assert isinstance(backend, RemoteChainBackend)
    first = sb.transfer(sb.accounts.bob, 1, sender=sb.accounts.alice)
    asked = counted(backend)
    second = sb.transfer(sb.accounts.bob, 1, sender=sb.accounts.alice)
    del backend.rpc
    assert first.status == 1 and second.status == 1
    assert backend._sync_senders is False and "eth_sendTransactionSync" not in asked  # asked once, then polled


def test_the_sandbox_node_answers_a_sync_send_too(tmp_path: Path) -> None:
    from sandbox.node.server import BackgroundServer, create_app

    with BackgroundServer(create_app(Workshop(REPO, state=tmp_path / "chain.db"))) as node:
        sb = Sandbox(REPO, rpc=node.url)
        backend = sb.chain.backend
        assert isinstance(backend, RemoteChainBackend)
        asked = counted(backend)
        receipt = sb.transfer(sb.accounts.bob, 1, sender=sb.accounts.alice)
        del backend.rpc
    assert receipt.status == 1 and "eth_sendTransactionSync" in asked and "eth_getTransactionReceipt" not in asked


def test_a_sync_send_that_times_out_says_mining_is_off(node_sb: Sandbox, anvil: Anvil) -> None:
    """Mining turned off on the node behind this handle's back (it asked once, when the node still automined):
    anvil answers after its own 30 s, and the error says what to check."""
    backend = RemoteChainBackend(anvil.url)
    alice, bob = node_sb.accounts.alice.address, node_sb.accounts.bob.address
    backend._sync_senders = {alice.lower()}  # as asked while the node still automined
    backend.rpc("evm_setAutomine", False)
    try:
        with pytest.raises(ChainError, match="did not mine it within its confirmation timeout; is its mining on"):
            backend.send({"from": alice, "to": bob, "value": 1, "gas": 21_000})
    finally:
        backend.rpc("evm_setAutomine", True)  # mines the one left in the pool
