"""Polling filters (``eth_newFilter``, ``eth_newBlockFilter``, ``eth_newPendingTransactionFilter``), held by the node.

A filter remembers the last block it reported; ``eth_getFilterChanges``
reads the blocks mined since through the backend (``get_block``,
``get_logs``), so the filters work the same on every engine and survive
nothing but the node's process. As on anvil, a filter nobody polls for
:data:`IDLE_SECONDS` is dropped, and ids are random 128-bit quantities.
A pending-transaction filter reports each transaction once: while it is
pending (manual or interval mining), or under automine once mined (what
anvil reports then).

ethers' ``contract.on`` and web3.py's ``w3.eth.filter`` poll these.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.node.wire import INVALID_PARAMS, RpcError

#: A filter not polled for this long is gone (anvil: 5 minutes).
IDLE_SECONDS = 300
#: At most this many filters at once: each one costs memory and a scan per poll.
MAX_FILTERS = 1000


@dataclass
class Filter:
    kind: str  # "logs", "blocks" or "pending"
    last: int  # the newest block already reported
    query: dict[str, Any] = field(default_factory=dict)
    polled: float = field(default_factory=time.monotonic)
    #: Pending transactions already reported (a pending filter reports each once, pending or mined).
    seen: set[str] = field(default_factory=set)


class Filters:
    """The node's installed filters, by wire id."""

    def __init__(self) -> None:
        self._filters: dict[str, Filter] = {}

    def install(self, kind: str, head: int, query: dict[str, Any] | None = None) -> str:
        self._expire()
        if len(self._filters) >= MAX_FILTERS:
            raise RpcError(INVALID_PARAMS, f"{MAX_FILTERS} filters are installed; uninstall some (eth_uninstallFilter) first")
        filter_id = hex(secrets.randbits(128) | 1 << 127)
        self._filters[filter_id] = Filter(kind, head, dict(query or {}))
        return filter_id

    def get(self, filter_id: Any) -> Filter:
        self._expire()
        found = self._filters.get(str(filter_id).lower()) if isinstance(filter_id, str) else None
        if found is None:
            raise RpcError(INVALID_PARAMS, f"filter {filter_id!r} not found (never installed, uninstalled, or idle over {IDLE_SECONDS}s)")
        found.polled = time.monotonic()
        return found

    def uninstall(self, filter_id: Any) -> bool:
        return self._filters.pop(str(filter_id).lower(), None) is not None if isinstance(filter_id, str) else False

    def _expire(self) -> None:
        now = time.monotonic()
        for filter_id in [i for i, f in self._filters.items() if now - f.polled > IDLE_SECONDS]:
            del self._filters[filter_id]

    def changes(self, filter_id: Any, backend: Any, logs: Any) -> list[Any]:
        """What ``filter_id`` has not reported yet; ``logs(query, first, last)`` reads a log filter's logs."""
        found = self.get(filter_id)
        head = backend.block_number()
        first, found.last = found.last + 1, head
        if found.kind == "logs":
            return list(logs(found.query, first, head)) if first <= head else []  # first > head: nothing new, or a revert
        hashes: list[Any] = []
        for number in range(first, head + 1):
            block = backend.get_block(number)
            if block is not None:
                hashes.extend([block["hash"]] if found.kind == "blocks" else block["transactions"])
        if found.kind == "pending":
            pending = backend.pending_transactions()
            hashes = [h for h in [*hashes, *pending] if str(h) not in found.seen]
            found.seen = set(pending)
        return hashes
