"""`sandbox node --no-mining` and `--block-time N` as a user starts them: a real process, a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.node.conftest import REPO
from tests.node.test_methods import ALICE, BOB


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def node(tmp: Path, *flags: str) -> Iterator[Any]:
    """``sandbox node FLAGS`` on a free port; a function calling it over JSON-RPC."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "sandbox.cli", "node", "--port", str(port), "--state", str(tmp / "chain.db"), *flags],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ))

    def rpc(method: str, *params: Any) -> Any:
        reply = httpx.post(f"http://127.0.0.1:{port}", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=30).json()
        assert "error" not in reply, reply
        return reply["result"]

    try:
        end = time.monotonic() + 120
        while True:
            try:
                rpc("eth_chainId")
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > end:
                    pytest.fail(f"sandbox node did not start: {process.communicate()[0]}")
                time.sleep(0.2)
        yield rpc
    finally:
        process.terminate()
        process.wait(timeout=20)


def transfer(rpc: Any) -> str:
    return str(rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1", "gas": hex(21000)}))


def test_no_mining_leaves_transactions_pending_until_a_mine(tmp_path: Path) -> None:
    with node(tmp_path, "--no-mining") as rpc:
        assert rpc("anvil_getAutomine") is False
        head = int(rpc("eth_blockNumber"), 16)
        first, second = transfer(rpc), transfer(rpc)
        assert rpc("eth_getTransactionReceipt", first) is None and rpc("txpool_status")["pending"] == "0x2"
        rpc("evm_mine")
        block = rpc("eth_getBlockByNumber", "latest", False)
        assert int(block["number"], 16) == head + 1 and block["transactions"] == [first, second]


def test_block_time_mines_on_an_interval(tmp_path: Path) -> None:
    with node(tmp_path, "--block-time", "1") as rpc:
        assert rpc("anvil_getAutomine") is False
        tx_hash = transfer(rpc)
        end = time.monotonic() + 20
        while rpc("eth_getTransactionReceipt", tx_hash) is None and time.monotonic() < end:
            time.sleep(0.2)
        receipt = rpc("eth_getTransactionReceipt", tx_hash)
        assert receipt is not None and receipt["status"] == "0x1"


@pytest.mark.parametrize("engine", ["revm", "pyevm"])
def test_backend_flag_picks_the_engine_and_a_saved_chain_loads_on_the_other(tmp_path: Path, engine: str) -> None:
    """`sandbox node --backend ENGINE` runs the chain on that engine (web3_clientVersion names it); a chain
    saved by the node on one engine continues, history included, on the other."""
    other = "pyevm" if engine == "revm" else "revm"
    named = {"pyevm": "/py-evm", "revm": "/revm"}
    with node(tmp_path, "--backend", engine) as rpc:
        assert rpc("web3_clientVersion").endswith(named[engine])
        sent = transfer(rpc)
        head = rpc("eth_blockNumber")
    with node(tmp_path, "--backend", other) as rpc:
        assert rpc("web3_clientVersion").endswith(named[other])
        assert rpc("eth_blockNumber") == head
        assert rpc("eth_getTransactionReceipt", sent)["status"] == "0x1"


def test_backend_flag_refuses_an_unknown_engine_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "sandbox.cli", "node", "--port", str(free_port()), "--state", str(tmp_path / "c.db"),
                           "--backend", "geth"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --backend='geth': the workshop chain runs on an embedded engine; use one of pyevm, revm"
    assert not (tmp_path / "c.db").exists()
