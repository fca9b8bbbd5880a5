"""Real npm clients (ethers v6, viem) against the node on both engines and against anvil: the same script, the same answers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from web3._utils.contract_sources.contract_data._custom_contract_data import EMITTER_ENUM
from web3._utils.contract_sources.contract_data.emitter_contract import EMITTER_CONTRACT_DATA

from sandbox.chain.accounts import dev_keys
from tests.node.conftest import REPO, Server

CLIENTS = Path(__file__).resolve().parent / "clients"
#: A dev account no other node test sends from, so the scripts' nonces are theirs alone.
KEY = "0x" + dev_keys(8)[7].hex()
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def run_client(script: str, server: Server) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH; the client tests run ethers and viem with node (run `make setup`)")
    config = {"url": server.url, "key": KEY, "abi": EMITTER_CONTRACT_DATA["abi"], "bytecode": EMITTER_CONTRACT_DATA["bytecode"],
              "which": EMITTER_ENUM["LogSingleWithIndex"]}
    done = subprocess.run([node, str(CLIENTS / script)], input=json.dumps(config).encode(), capture_output=True, cwd=REPO,
                          timeout=120, check=False)
    assert done.returncode == 0, f"{script} on {server.name} failed:\n{done.stderr.decode()[-3000:]}"
    return json.loads(done.stdout.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_ethers_deploys_listens_reads_fees_and_signs(server: Server) -> None:
    seen = run_client("ethers_client.mjs", server)
    assert seen["deployed"] is True and seen["creationTo"] is None
    assert seen["event"] == 42
    assert seen["feeHistory"]["baseFees"] == 3 and seen["feeHistory"]["rewards"] == 2
    assert seen["feeData"] is True
    assert seen["personalSign"] is True and seen["signTypedData"] is True
    assert seen["signerSend"] == 1


def test_viem_deploys_watches_sends_in_parallel_signs_and_uses_a_test_client(server: Server) -> None:
    seen = run_client("viem_client.mjs", server)
    assert seen["deployed"] is True
    assert seen["event"] == 42
    assert seen["parallel"] == ["success"] * 3
    assert seen["feeHistory"] == {"baseFees": 3, "rewards": 2, "percentiles": 2}
    assert seen["fees"] is True
    assert seen["personalSign"] is True and seen["signTypedData"] is True
    assert seen["mined"] == 2
    assert seen["balance"] == str(5 * 10**18)
    assert seen["impersonated"]["status"] == "success"
    assert seen["impersonated"]["from"].lower() == "0x00000000000000000000000000000000000000a1"
    assert seen["automine"] is False
    assert seen["manual"] == {"pending": 2, "receiptWhilePending": "TransactionReceiptNotFoundError", "pendingBlockNumber": None,
                              "minedTogether": True}
    assert seen["increasedTime"] is True


def test_ethers_and_viem_get_events_and_heads_pushed_over_websocket(server: Server) -> None:
    seen = run_client("ws_client.mjs", server)
    assert seen == {"ethersEvent": 7, "viemEvent": 7, "newHead": True}


def test_cast_sets_balances_impersonates_and_sends_unlocked(server: Server) -> None:
    from sandbox.project.toolchain import foundry_binary

    def cast(*args: str) -> str:
        done = subprocess.run([str(foundry_binary("cast")), *args, "--rpc-url", server.url], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"cast {' '.join(args)} on {server.name}: {done.stderr[-2000:]}"
        return done.stdout.strip()

    whale = "0x00000000000000000000000000000000000000b2"
    cast("rpc", "anvil_setBalance", whale, hex(3 * 10**18))
    assert cast("balance", whale) == str(3 * 10**18)
    cast("rpc", "anvil_impersonateAccount", whale)
    receipt = json.loads(cast("send", "--unlocked", "--from", whale, ALICE, "--value", "1", "--json"))
    assert receipt["status"] == "0x1" and receipt["from"].lower() == whale
    cast("rpc", "anvil_stopImpersonatingAccount", whale)
    cast("rpc", "anvil_mine", "0x2")
    assert int(cast("block-number")) == int(receipt["blockNumber"], 16) + 2
