"""`sandbox node` (py-evm, revm) against anvil over HTTP, in one run: requests per second.

Two workloads, each on one keep-alive HTTP connection as a client library
holds it: ``eth_call`` (a view function of web3.py's Math test contract)
and ``eth_sendRawTransaction`` (transfers signed beforehand, so the
client's signing is not measured; each is mined at once). Prints requests
per second per server and the ratio of each node to anvil measured in this
same run. The node writes its state file after every transaction (that is
what lets `sandbox` commands beside it see the chain), which the
sendRawTransaction figure includes.

    .venv/bin/python bench/node_bench.py              # 300 calls, 100 transactions per server
    .venv/bin/python bench/node_bench.py --calls 1000 --sends 300
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account as EthAccount

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from web3._utils.contract_sources.contract_data.math_contract import MATH_CONTRACT_DATA

from sandbox.chain.accounts import dev_keys
from sandbox.chain.anvil import Anvil
from sandbox.node.server import BackgroundServer, create_app
from sandbox.workshop.session import Workshop


@contextmanager
def server(name: str, tmp: Path) -> Iterator[str]:
    if name == "anvil":
        with Anvil(block_interval=None) as anvil:
            yield anvil.url
        return
    ws = Workshop(REPO, state=tmp / f"{name}.json", backend=name.removeprefix("node-"))
    with BackgroundServer(create_app(ws)) as node:
        yield node.url


class Client:
    def __init__(self, url: str) -> None:
        self.http, self.url, self.next_id = httpx.Client(timeout=60), url, 0

    def __call__(self, method: str, *params: Any) -> Any:
        self.next_id += 1
        reply = self.http.post(self.url, json={"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)}).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]


def measure(url: str, calls: int, sends: int) -> tuple[float, float]:
    rpc = Client(url)
    alice = EthAccount.from_key(dev_keys(1)[0])
    tx_hash = rpc("eth_sendTransaction", {"from": alice.address, "data": MATH_CONTRACT_DATA["bytecode"], "gas": hex(2_000_000)})
    math = rpc("eth_getTransactionReceipt", tx_hash)["contractAddress"]
    counter = {"to": math, "data": "0x61bc221a"}  # counter()
    rpc("eth_call", counter, "latest")
    start = time.perf_counter()
    for _ in range(calls):
        rpc("eth_call", counter, "latest")
    call_rate = calls / (time.perf_counter() - start)
    nonce = int(rpc("eth_getTransactionCount", alice.address, "latest"), 16)
    fee = int(rpc("eth_gasPrice"), 16) * 2
    raws = ["0x" + bytes(alice.sign_transaction({"to": "0x" + "11" * 20, "value": 1, "gas": 21000, "nonce": nonce + i,
                                                 "maxFeePerGas": fee, "maxPriorityFeePerGas": 10**9, "chainId": 31337}).raw_transaction).hex()
            for i in range(sends)]
    start = time.perf_counter()
    for raw in raws:
        rpc("eth_sendRawTransaction", raw)
    send_rate = sends / (time.perf_counter() - start)
    return call_rate, send_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--sends", type=int, default=100)
    args = parser.parse_args()
    rates: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("anvil", "node-pyevm", "node-revm"):
            with server(name, Path(tmp)) as url:
                rates[name] = measure(url, args.calls, args.sends)
    base_call, base_send = rates["anvil"]
    print(f"{'server':12} {'eth_call/s':>12} {'vs anvil':>9} {'sendRaw/s':>12} {'vs anvil':>9}")
    for name, (call_rate, send_rate) in rates.items():
        print(f"{name:12} {call_rate:12.0f} {call_rate / base_call:8.2f}x {send_rate:12.0f} {send_rate / base_send:8.2f}x")


if __name__ == "__main__":
    main()
