"""eth_subscribe over WebSocket on the node's port, as on anvil: heads, logs, pending transactions, errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.node.conftest import Server

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


async def _session(server: Server) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    async with websockets.connect(server.url.replace("http", "ws")) as socket:
        async def ask(method: str, *params: Any) -> Any:
            await socket.send(json.dumps({"jsonrpc": "2.0", "id": method, "method": method, "params": list(params)}))
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 15))
                if message.get("id") == method:
                    return message

        heads = (await ask("eth_subscribe", "newHeads"))["result"]
        pending = (await ask("eth_subscribe", "newPendingTransactions"))["result"]
        logs = (await ask("eth_subscribe", "logs", {"address": BOB}))["result"]
        seen["bad"] = (await ask("eth_subscribe", "nonsense")).get("error", {}).get("code")
        seen["chainId"] = (await ask("eth_chainId"))["result"]
        tx_hash = httpx.post(server.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction",
                                               "params": [{"from": ALICE, "to": BOB, "value": "0x1"}]}, timeout=30).json()["result"]
        got: dict[str, Any] = {}
        while heads not in got or pending not in got:
            message = json.loads(await asyncio.wait_for(socket.recv(), 15))
            assert message["method"] == "eth_subscription"
            got.setdefault(message["params"]["subscription"], message["params"]["result"])
        seen["head"] = "number" in got[heads] and "parentHash" in got[heads]
        seen["pending"] = got[pending] == tx_hash
        seen["noLogs"] = logs not in got
        seen["unsubscribed"] = (await ask("eth_unsubscribe", heads))["result"]
        seen["again"] = (await ask("eth_unsubscribe", heads))["result"]
    return seen


def test_subscriptions_push_heads_and_pending_transactions(server: Server) -> None:
    seen = asyncio.run(_session(server))
    assert seen["head"] and seen["pending"] and seen["noLogs"]
    assert seen["bad"] is not None and seen["bad"] < 0
    assert seen["chainId"] == "0x7a69"
    assert seen["unsubscribed"] is True and seen["again"] is False


async def _pending_while_manual(server: Server) -> tuple[Any, str, bool]:
    def rpc(method: str, *params: Any) -> Any:
        return httpx.post(server.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=30).json()["result"]

    async with websockets.connect(server.url.replace("http", "ws")) as socket:
        await socket.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newPendingTransactions"]}))
        subscription = json.loads(await asyncio.wait_for(socket.recv(), 15))["result"]
        rpc("evm_setAutomine", False)
        try:
            tx_hash = rpc("eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1", "gas": hex(21000)})
            message = json.loads(await asyncio.wait_for(socket.recv(), 15))
            still_pending = rpc("eth_getTransactionReceipt", tx_hash) is None
        finally:
            rpc("evm_setAutomine", True)
    assert message["params"]["subscription"] == subscription
    return message["params"]["result"], tx_hash, still_pending


def test_pending_transactions_are_pushed_while_they_wait(server: Server) -> None:
    """Under manual mining the subscription reports the transaction before any block takes it."""
    pushed, tx_hash, still_pending = asyncio.run(_pending_while_manual(server))
    assert pushed == tx_hash and still_pending
