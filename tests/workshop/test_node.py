"""`sandbox node`: real clients (cast, web3.py over HTTP) on the persistent chain."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account as EthAccount
from web3 import HTTPProvider, Web3

from sandbox.chain.accounts import dev_keys
from sandbox.node.server import BackgroundServer, create_app
from sandbox.project.toolchain import foundry_binary
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO, run_process

ALICE_KEY = "0x" + dev_keys(2)[0].hex()
BOB_KEY = "0x" + dev_keys(2)[1].hex()


@pytest.fixture
def node(state_file: Path) -> Iterator[tuple[str, Workshop]]:
    """A node on a chain where alice minted token #0 to bob (through the workshop)."""
    from sandbox.workshop import collection

    ws = Workshop(REPO, state=state_file)
    with ws.session(write=True) as sb:
        collection.mint(ws, sb, to="bob", name="Node #0")
    with BackgroundServer(create_app(ws)) as server:
        yield server.url, ws


def cast(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([foundry_binary("cast"), *args, "--rpc-url", url], capture_output=True, text=True, timeout=120)


def rpc(url: str, payload: Any, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, json=payload, timeout=60, **kwargs)


def collection_address(ws: Workshop) -> str:
    with ws.session() as sb:
        return ws.collection(sb).address


def test_cast_reads_sends_and_gets_receipts_and_logs(node: tuple[str, Workshop]) -> None:
    url, ws = node
    nft = collection_address(ws)
    assert cast(url, "chain-id").stdout.strip() == "31337"
    bob = EthAccount.from_key(BOB_KEY).address
    owner = cast(url, "call", nft, "ownerOf(uint256)(address)", "0")
    assert owner.stdout.strip() == bob, owner.stderr
    sent = cast(url, "send", "--private-key", ALICE_KEY, nft, "mint(address,string)", bob, "ipfs://from-cast", "--json")
    assert sent.returncode == 0, sent.stderr
    receipt = json.loads(sent.stdout)
    assert receipt["status"] == "0x1"
    again = cast(url, "receipt", receipt["transactionHash"], "--json")
    assert json.loads(again.stdout)["blockHash"] == receipt["blockHash"]
    logs = cast(url, "logs", "--from-block", "0", "--address", nft, "Transfer(address indexed,address indexed,uint256 indexed)", "--json")
    transfers = json.loads(logs.stdout)
    assert int(transfers[-1]["topics"][3], 16) == 1
    assert cast(url, "block-number").stdout.strip() == str(int(receipt["blockNumber"], 16))
    # The node saved the chain: a command sees the token cast minted.
    listed = run_process("list", "--json", env={"SANDBOX_STATE": str(ws.store.path), "SANDBOX_PROJECT": str(REPO)})
    assert [t["token_id"] for t in json.loads(listed.stdout)] == [0, 1]


def test_cast_sees_reverts_as_code_3_with_data(node: tuple[str, Workshop]) -> None:
    url, ws = node
    nft = collection_address(ws)
    missing = cast(url, "call", nft, "ownerOf(uint256)(address)", "7")
    assert missing.returncode != 0
    assert "error code 3" in missing.stderr and "ERC721NonexistentToken(tokenId=7)" in missing.stderr
    assert "0x7e273289" in missing.stderr  # ERC721NonexistentToken's selector, the revert data
    stranger = cast(url, "send", "--private-key", BOB_KEY, nft, "mint(address,string)", EthAccount.from_key(BOB_KEY).address, "x")
    assert stranger.returncode != 0 and "OwnableUnauthorizedAccount" in stranger.stderr


def test_web3_over_http_deploys_transacts_and_travels_in_time(node: tuple[str, Workshop]) -> None:
    url, ws = node
    w3 = Web3(HTTPProvider(url))
    assert w3.is_connected() and w3.eth.chain_id == 31337 and w3.net.version == "31337"
    assert "sandbox" in w3.client_version
    alice, bob = w3.eth.accounts[:2]
    start = w3.eth.get_balance(bob)
    tx = w3.eth.send_transaction({"from": alice, "to": bob, "value": 10**18})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1 and w3.eth.get_balance(bob) == start + 10**18
    assert w3.eth.get_transaction(tx)["value"] == 10**18
    block = w3.eth.get_block(receipt["blockNumber"], full_transactions=True)
    assert block["transactions"][0]["hash"] == tx and w3.eth.get_block(block["hash"])["number"] == block["number"]
    assert w3.eth.gas_price > 0 and w3.eth.fee_history(1, "latest", [50])["oldestBlock"] >= 0
    assert w3.eth.get_transaction_count(alice) >= 2 and w3.eth.get_code(collection_address(ws)) != b""
    assert w3.eth.estimate_gas({"from": alice, "to": bob, "value": 1}) == 21000

    signed = EthAccount.sign_transaction(
        {"to": alice, "value": 5, "gas": 21000, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9,
         "nonce": w3.eth.get_transaction_count(bob), "chainId": 31337, "type": 2}, BOB_KEY)
    raw_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    assert w3.eth.get_transaction_receipt(raw_hash)["status"] == 1

    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    before = w3.eth.get_block("latest")["timestamp"]
    w3.provider.make_request("evm_increaseTime", [86_400])
    w3.provider.make_request("evm_mine", [])
    assert w3.eth.get_block("latest")["timestamp"] >= before + 86_400
    assert w3.provider.make_request("evm_revert", [snapshot])["result"] is True
    assert w3.eth.get_block("latest")["timestamp"] == before
    assert w3.provider.make_request("evm_revert", [snapshot])["result"] is False  # used up


def test_the_sandbox_api_runs_on_the_node(node: tuple[str, Workshop]) -> None:
    from sandbox import Sandbox

    url, ws = node
    sb = Sandbox(REPO, rpc=url)
    nft = sb.at("SandboxNFT", collection_address(ws))
    assert nft.ownerOf(0) == sb.accounts.bob
    with sb.reverts("ERC721InsufficientApproval"):
        nft.transferFrom(sb.accounts.bob, sb.accounts.carol, 0, sender=sb.accounts.carol)
    with sb.isolate():
        nft.transferFrom(sb.accounts.bob, sb.accounts.carol, 0, sender=sb.accounts.bob)
        assert nft.ownerOf(0) == sb.accounts.carol
    assert nft.ownerOf(0) == sb.accounts.bob


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", -32700),
        (b"[]", -32600),
        (b'{"id": 1, "method": "eth_chainId"}', -32600),
        (b'{"jsonrpc": "2.0", "id": 1, "method": 5}', -32600),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "eth_mineGold", "params": []}', -32601),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": ["0x12"]}', -32602),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": {"a": 1}}', -32602),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber", "params": ["soon", false]}', -32602),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction", "params": [{"from": "0x' + b"11" * 20 + b'"}]}', -32000),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": ["0xdeadbeef"]}', -32602),
    ],
)
def test_bad_requests_get_spec_errors_never_a_500(node: tuple[str, Workshop], body: bytes, code: int) -> None:
    url, _ = node
    response = httpx.post(url, content=body, headers={"content-type": "application/json"}, timeout=60)
    assert response.status_code == 200
    reply = response.json()
    assert reply["jsonrpc"] == "2.0" and reply["error"]["code"] == code, reply
    assert reply["error"]["message"]


def test_batches_answer_each_request_and_skip_notifications(node: tuple[str, Workshop]) -> None:
    url, _ = node
    replies = rpc(url, [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []},  # a notification: no reply
        {"jsonrpc": "2.0", "id": "b", "method": "nope", "params": []},
        42,
    ]).json()
    assert [r.get("id") for r in replies] == [1, "b", None]
    assert replies[0]["result"] == "0x7a69"
    assert replies[1]["error"]["code"] == -32601 and replies[2]["error"]["code"] == -32600
    assert rpc(url, {"jsonrpc": "2.0", "method": "eth_chainId"}).status_code == 204


def test_oversized_requests_are_refused(node: tuple[str, Workshop]) -> None:
    url, _ = node
    big = {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"data": "0x" + "00" * (6 * 1024 * 1024)}]}
    response = rpc(url, big)
    assert response.status_code == 413 and "limit" in response.json()["error"]["message"]
    assert rpc(url, {"jsonrpc": "2.0", "id": 2, "method": "eth_chainId"}).json()["result"] == "0x7a69"  # still serving


def test_a_taken_port_is_one_line_and_exit_1(node: tuple[str, Workshop]) -> None:
    url, ws = node
    port = url.rsplit(":", 1)[1]
    result = run_process("node", "--port", port, env={"SANDBOX_STATE": str(ws.store.path), "SANDBOX_PROJECT": str(REPO)})
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}") and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_executes_a_script_on_the_persistent_chain(state_file: Path, tmp_path: Path, sandbox_cmd: Any) -> None:
    script = tmp_path / "airdrop.py"
    script.write_text(
        "import sys\n"
        "from sandbox import Sandbox\n"
        "sb = Sandbox()\n"
        "nft = sb.deploy('SandboxNFT', 'Script', 'SCR', sb.accounts.alice, sender=sb.accounts.alice)\n"
        "for name in sys.argv[1:]:\n"
        "    nft.mint(sb.accounts[name], 'ipfs://' + name, sender=sb.accounts.alice)\n"
        "print('airdropped', nft.address)\n"
    )
    result = sandbox_cmd("run", str(script), "dave", "erin")
    assert result.code == 0, result.err
    assert "airdropped 0x" in result.out
    owners = {t["owner_name"] for t in json.loads(sandbox_cmd("list", "--json").out)}
    assert owners == {"dave", "erin"}
    missing = sandbox_cmd("run", str(tmp_path / "nope.py"))
    assert missing.code == 1 and "does not exist" in missing.err


def test_get_logs_filters_like_eth_tester(node: tuple[str, Workshop]) -> None:
    from sandbox.node.wire import to_wire

    url, ws = node
    nft = collection_address(ws)
    w3 = Web3(HTTPProvider(url))
    alice, bob, carol = w3.eth.accounts[:3]
    w3.eth.send_transaction({"from": alice, "to": carol, "value": 1})  # a block without logs
    cast(url, "send", "--private-key", BOB_KEY, nft, "transferFrom(address,address,uint256)", bob, carol, "0")
    transfer = "0x" + Web3.keccak(text="Transfer(address,address,uint256)").hex().removeprefix("0x")
    padded_carol = "0x" + "00" * 12 + carol[2:].lower()
    filters: list[dict[str, Any]] = [
        {"fromBlock": "0x0"},
        {"fromBlock": "earliest", "toBlock": "latest", "address": nft},
        {"fromBlock": "0x0", "address": [nft.lower(), carol]},
        {"fromBlock": "0x0", "topics": [transfer]},
        {"fromBlock": "0x0", "topics": [transfer, None, padded_carol]},
        {"fromBlock": "0x0", "topics": [[transfer, "0x" + "11" * 32]]},
        {"fromBlock": "0x0", "address": carol},
    ]
    with ws.session() as sb:  # eth-tester's own answers (released before asking the node)
        expected = [
            [dict(to_wire(log), removed=False) for log in sb.chain.backend.tester.get_logs(
                from_block=0, to_block="latest", address=query.get("address"), topics=query.get("topics"))]
            for query in filters
        ]
    for query, theirs in zip(filters, expected, strict=True):
        ours = rpc(url, {"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [query]}).json()["result"]
        assert [(o["transactionHash"], o["logIndex"], o["topics"], o["address"]) for o in ours] == [
            (e["transactionHash"], e["logIndex"], e["topics"], e["address"].lower()) for e in theirs], query
    assert len(expected[4]) == 1 and expected[6] == [] and len(expected[0]) > len(expected[3])


def test_the_node_names_the_engine_it_runs_on(node: tuple[str, Workshop]) -> None:
    """web3_clientVersion says which engine serves the chain; under --sandbox-backend revm it is revm."""
    from sandbox import Sandbox

    url, ws = node
    version = rpc(url, {"jsonrpc": "2.0", "id": 1, "method": "web3_clientVersion", "params": []}).json()["result"]
    expected = "revm" if (Sandbox.defaults.backend or "pyevm") == "revm" else "py-evm"
    assert version.startswith("sandbox/v") and version.endswith("/" + expected)
    assert ws.backend == (Sandbox.defaults.backend or "pyevm")


@pytest.mark.parametrize("engine", ["revm", "pyevm"])
def test_a_node_on_either_engine_serves_the_same_chain(state_file: Path, engine: str) -> None:
    """Mint through the workshop on one engine, then serve the saved chain on the other: same owners, more mints."""
    from sandbox.workshop import collection

    other = "pyevm" if engine == "revm" else "revm"
    first = Workshop(REPO, state=state_file, backend=other)
    with first.session(write=True) as sb:
        collection.mint(first, sb, to="bob", name="Either #0")
    ws = Workshop(REPO, state=state_file, backend=engine)
    with BackgroundServer(create_app(ws)) as server:
        w3 = Web3(HTTPProvider(server.url))
        nft = collection_address(ws)
        assert w3.client_version.endswith("/revm" if engine == "revm" else "/py-evm")
        owner_of = "0x6352211e" + "00" * 32
        assert w3.eth.call({"to": nft, "data": owner_of})[-20:].hex() == EthAccount.from_key(BOB_KEY).address[2:].lower()
        signed = EthAccount.sign_transaction({"to": nft, "value": 0, "gas": 30_000, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9,
                                              "nonce": w3.eth.get_transaction_count(EthAccount.from_key(BOB_KEY).address), "chainId": 31337,
                                              "data": "0x"}, BOB_KEY)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        assert w3.eth.get_transaction_receipt(tx_hash)["blockNumber"] == w3.eth.block_number
        wrong = EthAccount.sign_transaction({"to": nft, "value": 0, "gas": 30_000, "gasPrice": 10**10, "nonce": 0, "chainId": 1, "data": "0x"}, BOB_KEY)
        refused = rpc(server.url, {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": ["0x" + wrong.raw_transaction.hex()]}).json()
        assert refused["error"]["code"] == -32000 and "chain id 1" in refused["error"]["message"] and "EIP-155" in refused["error"]["message"]
