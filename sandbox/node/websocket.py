"""JSON-RPC over WebSocket on the node's port, with ``eth_subscribe`` / ``eth_unsubscribe``.

ethers' ``WebSocketProvider`` and viem's ``webSocket`` transport connect to
``ws://127.0.0.1:8545`` and subscribe to ``newHeads``, ``logs`` (with a
filter) and ``newPendingTransactions``. A subscription is a polling filter
of the handler (:mod:`sandbox.node.filters`) that the connection polls for
its client every :data:`POLL_SECONDS` and pushes as
``eth_subscription`` notifications; every other request is answered as
over HTTP, with the same rule for other sites' pages (``answer``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from sandbox.node.wire import INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, error

#: How often a connection looks for new blocks for its subscriptions.
POLL_SECONDS = 0.1
#: At most this many subscriptions per connection.
MAX_SUBSCRIPTIONS = 100
KINDS = {"newHeads": "eth_newBlockFilter", "logs": "eth_newFilter", "newPendingTransactions": "eth_newPendingTransactionFilter"}


def _call(handler: Any, method: str, *params: Any) -> Any:
    reply = handler.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    if "error" in reply:
        raise ValueError(reply["error"]["message"])
    return reply["result"]


class Connection:
    """One client's WebSocket: its subscriptions (id -> (kind, filter id))."""

    def __init__(self, socket: Any, handler: Any, answer: Callable[[Any, str | None], Any], origin: str | None, parse: Callable[[bytes], Any]) -> None:
        self.socket, self.handler, self.answer, self.origin, self.parse = socket, handler, answer, origin, parse
        self.subscriptions: dict[str, tuple[str, str]] = {}

    async def send(self, message: Any) -> None:
        await self.socket.send_text(json.dumps(message, separators=(",", ":")))

    def _subscribe(self, request: dict[str, Any]) -> dict[str, Any]:
        params = request.get("params") or []
        kind = params[0] if isinstance(params, list) and params else None
        if kind not in KINDS:
            return error(INVALID_PARAMS, f"eth_subscribe takes one of {sorted(KINDS)}, got {kind!r}", request.get("id"))
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            return error(INVALID_PARAMS, f"{MAX_SUBSCRIPTIONS} subscriptions on this connection; eth_unsubscribe some first", request.get("id"))
        query = params[1] if kind == "logs" and len(params) > 1 else {}
        try:
            filter_id = _call(self.handler, KINDS[kind], *([dict(query or {}, fromBlock="latest")] if kind == "logs" else []))
        except ValueError as exc:
            return error(INVALID_PARAMS, str(exc), request.get("id"))
        self.subscriptions[filter_id] = (kind, filter_id)
        return {"jsonrpc": "2.0", "id": request.get("id"), "result": filter_id}

    def _unsubscribe(self, request: dict[str, Any]) -> dict[str, Any]:
        params = request.get("params") or []
        sub = params[0] if isinstance(params, list) and params else None
        found = self.subscriptions.pop(sub, None) if isinstance(sub, str) else None
        if found is not None:
            self.handler.handle({"jsonrpc": "2.0", "id": 1, "method": "eth_uninstallFilter", "params": [found[1]]})
        return {"jsonrpc": "2.0", "id": request.get("id"), "result": found is not None}

    def reply(self, text: str) -> Any:
        """The answer to one message (runs in a worker thread: the handler blocks)."""
        try:
            payload = self.parse(text.encode())
        except ValueError as exc:
            return error(PARSE_ERROR, f"parse error: {exc}")
        if isinstance(payload, dict) and payload.get("method") == "eth_subscribe":
            return self._subscribe(payload)
        if isinstance(payload, dict) and payload.get("method") == "eth_unsubscribe":
            return self._unsubscribe(payload)
        if isinstance(payload, list) and any(isinstance(p, dict) and str(p.get("method")).startswith("eth_") and
                                             str(p.get("method")).endswith("subscribe") for p in payload):
            return error(INVALID_REQUEST, "eth_subscribe and eth_unsubscribe cannot be batched; send them one at a time")
        return self.answer(payload, self.origin)

    def poll(self) -> list[dict[str, Any]]:
        """Notifications for what happened since the last poll (runs in a worker thread)."""
        out = []
        for sub, (kind, filter_id) in list(self.subscriptions.items()):
            try:
                changes = _call(self.handler, "eth_getFilterChanges", filter_id)
            except ValueError:  # the chain was reloaded or the filter dropped: start again from now
                self.subscriptions[sub] = (kind, _call(self.handler, KINDS[kind], *([{"fromBlock": "latest"}] if kind == "logs" else [])))
                continue
            for change in changes:
                result = _head(self.handler, change) if kind == "newHeads" else change
                if result is not None:
                    out.append({"jsonrpc": "2.0", "method": "eth_subscription", "params": {"subscription": sub, "result": result}})
        return out

    def close(self) -> None:
        for _, filter_id in self.subscriptions.values():
            self.handler.handle({"jsonrpc": "2.0", "id": 1, "method": "eth_uninstallFilter", "params": [filter_id]})
        self.subscriptions.clear()


def _head(handler: Any, block_hash: str) -> dict[str, Any] | None:
    block = _call(handler, "eth_getBlockByHash", block_hash, False)
    if block is None:
        return None
    block.pop("transactions", None)
    block.pop("uncles", None)
    return dict(block)


def endpoint(handler: Any, answer: Callable[[Any, str | None], Any], foreign_origin: Callable[[Any], str | None],
             parse: Callable[[bytes], Any]) -> Callable[[Any], Any]:
    """The Starlette WebSocket endpoint; ``foreign_origin(headers)`` names another site's page (or ``None``)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.websockets import WebSocketDisconnect

    async def serve(socket: Any) -> None:
        await socket.accept()
        connection = Connection(socket, handler, answer, foreign_origin(socket.headers), parse)

        async def pump() -> None:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                if connection.subscriptions:
                    for message in await run_in_threadpool(connection.poll):
                        await connection.send(message)

        pusher = asyncio.create_task(pump())
        try:
            while True:
                text = await socket.receive_text()
                reply = await run_in_threadpool(connection.reply, text)
                if reply is not None:
                    await connection.send(reply)
        except WebSocketDisconnect:
            pass
        finally:
            pusher.cancel()
            await run_in_threadpool(connection.close)

    return serve
