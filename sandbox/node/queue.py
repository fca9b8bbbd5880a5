"""Signed transactions whose nonce is ahead of their sender's, held until the gap closes (anvil's queued pool).

A client that sends several transactions at once (viem's nonce manager,
ethers with explicit nonces) may have them arrive out of order over
parallel connections: nonce 6 before nonce 5. Anvil queues the early one;
so does the node: it answers with the transaction's hash, keeps the bytes,
and sends it as soon as the sender's nonce reaches it. A queued
transaction is not in any block until then (its receipt is ``null``).

An impersonated sender's transaction (anvil_impersonateAccount) has no
signature of its own: it is held as the bytes the engine will sign it as
(their hash is the one answered) and sent as the request they came from,
impersonated again for that send if the sender no longer is.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account as EthAccount
from eth_utils import keccak

from sandbox.node.wire import REFUSED, RpcError

#: Most transactions held at once, and per sender.
MAX_QUEUED, MAX_PER_SENDER = 1000, 64


def sender_and_nonce(raw: bytes, chain_id: int) -> tuple[str, int] | None:
    """Who signed ``raw`` and with which nonce; ``None`` if it cannot be decoded or is for another chain (the backend says why)."""
    import rlp

    try:
        legacy = raw[0] >= 0xC0
        fields = rlp.decode(raw) if legacy else rlp.decode(raw[1:])
        if legacy:
            v = int.from_bytes(fields[6], "big")
            signed_for = (v - 35) // 2 if v >= 35 else chain_id  # pre-EIP-155: any chain
        else:
            signed_for = int.from_bytes(fields[0], "big")
        if signed_for != chain_id:
            return None
        nonce = int.from_bytes(fields[0] if legacy else fields[1], "big")
        sender = EthAccount.recover_transaction(raw)
    except Exception:  # malformed: let the backend refuse it with its own message
        return None
    return str(sender), nonce


class NonceQueue:
    """Raw transactions by ``(sender, nonce)``, waiting for the sender's nonce."""

    def __init__(self) -> None:
        #: (sender, nonce) -> the signed bytes, and for an impersonated sender the request to send instead.
        self._held: dict[tuple[str, int], tuple[bytes, dict[str, Any] | None]] = {}

    def hold(self, sender: str, nonce: int, raw: bytes, request: dict[str, Any] | None = None) -> str:
        """Keep ``raw`` until ``sender``'s nonce is ``nonce``; its hash. ``request``: sent instead, as the impersonated ``sender``."""
        if len(self._held) >= MAX_QUEUED or sum(1 for s, _ in self._held if s == sender.lower()) >= MAX_PER_SENDER:
            raise RpcError(REFUSED, f"too many queued transactions from {sender} (nonce gaps); send nonce {nonce - 1} and the ones before it")
        self._held[(sender.lower(), nonce)] = (raw, request)
        return "0x" + keccak(raw).hex()

    def release(self, backend: Any, sender: str) -> None:
        """Send ``sender``'s held transactions that are now next in line, in nonce order."""
        key = sender.lower()
        while self._held:
            held = self._held.pop((key, backend.get_nonce(sender, "pending")), None)
            if held is None:
                return
            raw, request = held
            if request is None:
                backend.send_raw(raw)
            elif backend.is_impersonating(sender):
                backend.send_transaction(request)
            else:  # impersonation stopped while it waited: it was accepted as the sender's, as anvil keeps it
                backend.impersonate(sender)
                try:
                    backend.send_transaction(request)
                finally:
                    backend.stop_impersonating(sender)

    def drop(self, tx_hash: str) -> bool:
        """Forget the held transaction ``tx_hash`` (anvil_dropTransaction); whether it was held."""
        for key, (raw, _) in list(self._held.items()):
            if "0x" + keccak(raw).hex() == tx_hash.lower():
                del self._held[key]
                return True
        return False

    def clear(self) -> None:
        self._held.clear()

    def __len__(self) -> int:
        return len(self._held)

    def transactions(self) -> list[dict[str, Any]]:
        """The held transactions in wire form (the fields ``txpool_content`` shows), by sender and nonce."""
        return [_wire(raw, sender) for (sender, _), (raw, _) in sorted(self._held.items(), key=lambda item: item[0])]


def _wire(raw: bytes, sender: str) -> dict[str, Any]:
    import rlp

    def q(value: bytes) -> str:
        return hex(int.from_bytes(value, "big"))

    legacy = raw[0] >= 0xC0
    fields = rlp.decode(raw) if legacy else rlp.decode(raw[1:])
    if legacy or raw[0] == 1:  # legacy: nonce, gasPrice, gas, to, value, data; type 1: chainId first
        nonce, price, gas, to, value, data = fields[:6] if legacy else fields[1:7]
        fees = {"gasPrice": q(price)}
    else:  # types 2, 3, 4: chainId, nonce, tip, maxFee, gas, to, value, data, ...
        nonce, tip, max_fee, gas, to, value, data = fields[1:8]
        fees = {"maxPriorityFeePerGas": q(tip), "maxFeePerGas": q(max_fee)}
    return {"hash": "0x" + keccak(raw).hex(), "from": sender, "nonce": q(nonce), "to": "0x" + to.hex() if to else None,
            "value": q(value), "gas": q(gas), "input": "0x" + data.hex(), **fees, "blockHash": None, "blockNumber": None,
            "transactionIndex": None}
