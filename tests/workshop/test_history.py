"""History survives a restart: the same answers before and after a reload, on both engines, API and node.

A chain with a history that only its logs tell (an ERC-1056 registry: an
owner change, delegates, services, a deactivation; NFT transfers) is saved,
then loaded by a new Workshop, on the same engine and on the other one.
Everything history-dependent must answer the same: did:ethr resolution
(the sandbox's resolver and the npm reference over ``sandbox node``),
``eth_getLogs`` over every block, blocks by number and hash, receipts of
old transactions, ``blockhash`` of recent blocks, the gallery's transfers;
and the next block's parent is the saved head.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.errors import ChainError
from sandbox.helpers.identity import EthrResolver, bytes32, did_for
from sandbox.node.server import BackgroundServer, create_app
from sandbox.workshop import collection
from sandbox.workshop.db import ChainStore
from sandbox.workshop.session import Workshop
from tests.helpers.conftest import reference_resolve
from tests.workshop.conftest import REPO, rpc_result

DAY = 86_400
ZERO = "0x0000000000000000000000000000000000000000"
ENGINES = ["pyevm", "revm"]


#: A contract whose code returns ``blockhash(calldata[0:32])``: CALLDATALOAD BLOCKHASH, MSTORE, RETURN 32 bytes.
READER = bytes.fromhex("5f35405f5260205ff3")
READER_INIT = bytes.fromhex(f"60{len(READER):02x}600c60003960{len(READER):02x}6000f3") + READER


def word(number: int) -> bytes:
    return number.to_bytes(32, "big")


def build(ws: Workshop) -> dict[str, Any]:
    """Write the history; returns the DIDs and the registry's address."""
    with ws.session(write=True) as sb:
        alice, bob, carol, dave, grace = (sb.accounts.resolve(n) for n in ("alice", "bob", "carol", "dave", "grace"))
        registry = sb.deploy("IdentityRegistry", sender=alice)
        ws.record_contract("IdentityRegistry", registry.address)
        reader = sb.chain.backend.transact({"from": str(alice), "data": READER_INIT, "value": 0})["contract_address"]
        registry.addDelegate(bob, bytes32("sigAuth"), carol, 30 * DAY, sender=bob)
        registry.setAttribute(bob, bytes32("did/svc/Messaging"), b"https://bob.example", 30 * DAY, sender=bob)
        registry.setAttribute(bob, bytes32("did/pub/X25519/enc/base64"), b"k" * 32, 30 * DAY, sender=bob)
        registry.changeOwner(bob, grace, sender=bob)
        registry.setAttribute(carol, bytes32("did/svc/Hub"), b"https://carol.example", 30 * DAY, sender=carol)
        registry.changeOwner(carol, ZERO, sender=carol)  # deactivated
        registry.setAttribute(dave, bytes32("did/svc/Old"), b"https://old.example", 30 * DAY, sender=dave)
        registry.revokeAttribute(dave, bytes32("did/svc/Old"), b"https://old.example", sender=dave)
    with ws.session(write=True) as sb:  # a second command: the history spans saves
        collection.mint(ws, sb, to="bob", name="History #0")
        collection.mint(ws, sb, to="carol", name="History #1")
        collection.transfer(ws, sb, 0, sender="bob", to="dave")
    dids = [did_for(a, 31337) for a in (bob, carol, dave, alice)]
    return {"dids": [*dids, f"{dids[0]}?versionId=5"], "registry": registry.address, "reader": reader, "grace": str(grace)}


def answers(ws: Workshop, history: dict[str, Any]) -> dict[str, Any]:
    """Everything history-dependent, through the API."""
    with ws.session() as sb:
        backend = sb.chain.backend
        head = backend.block_number()
        blocks = [backend.get_block(n, full=True) for n in range(head + 1)]
        resolver = EthrResolver.for_sandbox(sb, ws.find_contract(sb, "IdentityRegistry"))
        return {
            "head": head,
            "blocks": blocks,
            "by_hash": [backend.get_block(b["hash"]) for b in blocks],
            "receipts": [backend.get_receipt(t["hash"]) for b in blocks for t in b["transactions"]],
            "transactions": [backend.get_transaction(t["hash"]) for b in blocks for t in b["transactions"]],
            "logs": backend.get_logs(0, "latest"),
            "registry_logs": backend.get_logs(0, head, [history["registry"]]),
            "web3_logs": len(sb.w3.eth.get_logs({"fromBlock": 0, "toBlock": head})),
            "blockhash": ["0x" + backend.call({"from": sb.accounts.alice.address, "to": history["reader"], "data": word(n)}).hex()
                          for n in range(max(0, head - 5), head)],
            "dids": [resolver.resolve(did).to_json() for did in history["dids"]],
            "transfers": ws.transfers(),
            "balances": [_balance_at(backend, sb.accounts.alice.address, n) for n in range(head + 1)],
        }


def _balance_at(backend: Any, who: str, number: int) -> int | None:
    """alice's balance at block ``number``; ``None`` where the engine did not keep that block's state."""
    try:
        return int(backend.get_balance(who, number))
    except ChainError as exc:
        assert "was not kept" in str(exc)
        return None


@pytest.fixture(scope="module", params=ENGINES)
def saved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any], dict[str, Any], str]]:
    path = tmp_path_factory.mktemp("history") / "chain.db"
    ws = Workshop(REPO, state=path, backend=request.param)
    history = build(ws)
    before = answers(ws, history)
    ws.store.close()
    yield path, history, before, request.param


def test_the_history_is_not_trivial(saved: tuple[Path, dict[str, Any], dict[str, Any], str]) -> None:
    _, history, before, _ = saved
    bob, carol = before["dids"][0], before["dids"][1]
    assert bob["didDocumentMetadata"].get("updated") and bob["didDocument"]["service"][0]["serviceEndpoint"] == "https://bob.example"
    controller = bob["didDocument"]["verificationMethod"][0]["blockchainAccountId"]
    assert controller.lower().endswith(history["grace"].lower())  # bob's owner is grace now
    assert carol["didDocumentMetadata"]["deactivated"] is True
    assert len(before["transfers"]) == 3 and before["head"] >= 12 and before["web3_logs"] == len(before["logs"])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_reload_answers_the_same_through_the_api(saved: tuple[Path, dict[str, Any], dict[str, Any], str], engine: str, tmp_path: Path) -> None:
    path, history, before, source = saved
    copy = tmp_path / "chain.db"
    ChainStore(path).copy_to(copy)
    ws = Workshop(REPO, state=copy, backend=engine)
    after = answers(ws, history)
    for key in before:
        if key == "blockhash" and engine != source:
            continue  # revm's BLOCKHASH is keccak(number) (pyrevm 0.3.7 cannot be given block hashes): compared per engine
        if key == "balances":  # state at old blocks: py-evm keeps what it wrote itself (its trie, the last 256 headers)
            if source == engine == "pyevm":
                assert after[key] == before[key] and None not in after[key]
            else:
                assert after[key] == [None] * before["head"] + [before[key][-1]]
            continue
        assert after[key] == before[key], key
    if engine == "pyevm":  # py-evm's BLOCKHASH is the real hash, before and after the reload
        assert after["blockhash"] == [b["hash"] for b in before["blocks"][-6:-1]]
    # The chain goes on from the saved head: same number, its hash as the next parent, blockhash() sees it.
    with ws.session(write=True) as sb:
        receipt = collection.mint(ws, sb, to="erin", name="After the reload")
        block = sb.chain.backend.get_block(before["head"] + 1)
        assert block is not None and block["parent_hash"] == before["blocks"][-1]["hash"]
        if engine == "pyevm":
            seen = sb.chain.backend.call({"from": sb.accounts.alice.address, "to": history["reader"], "data": word(before["head"])})
            assert "0x" + seen.hex() == before["blocks"][-1]["hash"]
        assert receipt["token_id"] == 2
    # State at a block before the reload: py-evm reads it from the trie it saved; elsewhere a read says it was not kept.
    with ws.session() as sb:
        if source == engine == "pyevm":
            assert sb.chain.backend.get_balance(sb.accounts.alice.address, before["head"] - 1) == before["balances"][-2]
        else:
            with pytest.raises(ChainError, match="was not kept"):
                sb.chain.backend.get_balance(sb.accounts.alice.address, before["head"] - 1)
    # And a second reload sees the blocks saved after the first.
    again = Workshop(REPO, state=copy, backend=engine)
    with again.session() as sb:
        assert sb.chain.backend.block_number() == before["head"] + 1
        assert [t["to"] for t in again.transfers()][-1] == sb.accounts.resolve("erin")


def test_the_explorer_shows_blocks_and_transactions_from_before_the_restart(saved: tuple[Path, dict[str, Any], dict[str, Any], str],
                                                                            tmp_path: Path) -> None:
    from sandbox.web import create_app as create_gallery

    path, _, before, engine = saved
    copy = tmp_path / "chain.db"
    ChainStore(path).copy_to(copy)
    ws = Workshop(REPO, state=copy, backend=engine)
    old = before["blocks"][3]  # the addDelegate transaction
    with BackgroundServer(create_gallery(ws)) as server:
        block = httpx.get(f"{server.url}/block/{old['number']}", timeout=60)
        assert block.status_code == 200 and old["hash"] in block.text
        tx = old["transactions"][0]["hash"]
        page = httpx.get(f"{server.url}/tx/{tx}", timeout=60)
        assert page.status_code == 200 and tx in page.text and "DelegateChanged" in page.text



def node_answers(url: str, history: dict[str, Any], head: int) -> dict[str, Any]:
    blocks = [rpc_result(url, "eth_getBlockByNumber", hex(n), True) for n in range(head + 1)]
    return {
        "blocks": blocks,
        "by_hash": [rpc_result(url, "eth_getBlockByHash", b["hash"], False) for b in blocks],
        "receipts": [rpc_result(url, "eth_getTransactionReceipt", t["hash"]) for b in blocks for t in b["transactions"]],
        "logs": rpc_result(url, "eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest"}),
        "registry_logs": rpc_result(url, "eth_getLogs", {"fromBlock": "earliest", "toBlock": hex(head), "address": history["registry"]}),
        "blockhash": [rpc_result(url, "eth_call", {"to": history["reader"], "data": "0x" + word(n).hex()}, "latest") for n in range(max(0, head - 5), head)],
        "reference": [r["result"] for r in reference_resolve(url, history["registry"], 31337, [], [{"did": d} for d in history["dids"][:4]])],
    }


def test_sandbox_node_answers_the_same_after_a_restart(saved: tuple[Path, dict[str, Any], dict[str, Any], str], tmp_path: Path) -> None:
    """The measured failure: the reference did:ethr resolver over a restarted node (it said notFound)."""
    path, history, before, engine = saved
    copy = tmp_path / "chain.db"
    ChainStore(path).copy_to(copy)
    ws = Workshop(REPO, state=copy, backend=engine)
    with BackgroundServer(create_app(ws)) as server:
        first = node_answers(server.url, history, before["head"])
    ws.store.close()
    other = "revm" if engine == "pyevm" else "pyevm"
    restarted = Workshop(REPO, state=copy, backend=other)
    with BackgroundServer(create_app(restarted)) as server:
        second = node_answers(server.url, history, before["head"])
    for key in first:
        if key != "blockhash":  # compared per engine in the API test
            assert second[key] == first[key], key
    assert first["reference"][1]["didDocumentMetadata"]["deactivated"] is True
    assert all("error" not in r["didResolutionMetadata"] for r in first["reference"])


def test_a_chain_the_sandbox_api_built_is_the_one_the_store_holds(saved: tuple[Path, dict[str, Any], dict[str, Any], str]) -> None:
    """The store is written incrementally: every block once, in order, and the head is the engine's."""
    path, _, before, _ = saved
    store = ChainStore(path)
    assert store.head() == before["head"]
    assert store.stored_hashes(0) == {b["number"]: b["hash"] for b in before["blocks"]}
