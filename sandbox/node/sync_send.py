"""Sends answered with their receipt: EIP-7966's ``eth_sendRawTransactionSync`` and anvil's ``eth_sendTransactionSync``.

A client that sends and then polls ``eth_getTransactionReceipt`` pays a
request per miss; these methods send as ``eth_sendRawTransaction`` /
``eth_sendTransaction`` do and answer once the transaction is mined, with the
receipt ``eth_getTransactionReceipt`` gives. Under automine that is at once.
Under manual or interval mining the request waits (outside the chain's
session, so other requests, ``evm_mine`` among them, go on) up to the timeout
its second parameter asks, in milliseconds (EIP-7966; an invalid one, or none,
takes anvil's 30 s; at most 120 s), then fails with code 4 and the
transaction's hash as data: the transaction stays in the pool. A nonce ahead of
the sender's is refused at once with code 6 and the expected nonce as data,
and is not queued (EIP-7966; anvil 1.7.1 queues it and times out).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sandbox.node.queue import sender_and_nonce
from sandbox.node.wire import RpcError, data_hex, receipt_out, transaction_in

#: The sync sends (each makes the send its name carries, then waits for the receipt).
SYNC_SENDS = frozenset({"eth_sendTransactionSync", "eth_sendRawTransactionSync"})
#: EIP-7966's error codes: not mined within the timeout (data: the hash), a nonce gap (data: the expected nonce).
TIMEOUT, NONCE_GAP = 4, 6
#: The wait when none (or an invalid one) is asked, anvil's; and the longest one a request may ask (ms).
DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS = 30_000, 120_000


@dataclass(frozen=True)
class PendingReceipt:
    """A sync send's transaction, sent: its receipt is waited for after the chain's session is released."""

    tx_hash: str
    timeout: float


def timeout_of(params: list[Any]) -> float:
    """Seconds to wait: the second parameter in ms (a number or a hex quantity), else the default."""
    if len(params) < 2:
        return DEFAULT_TIMEOUT_MS / 1000
    asked = params[1]
    try:
        ms = int(asked, 16) if isinstance(asked, str) and asked.startswith("0x") else int(asked)
    except (TypeError, ValueError):
        ms = 0
    if isinstance(asked, bool) or not 0 < ms <= MAX_TIMEOUT_MS:
        ms = DEFAULT_TIMEOUT_MS  # EIP-7966: an invalid timeout takes the node's default
    return ms / 1000


class SyncSendMethods:
    """Mixed into :class:`sandbox.node.methods.RpcHandler`: the sync sends."""

    ws: Any

    def rpc_eth_sendTransactionSync(self, sb: Any, params: list[Any]) -> PendingReceipt:
        """As eth_sendTransaction, answered with the receipt once mined (anvil's); a timeout in ms may follow (30 s).

        Past the timeout: code 4 with the hash (it stays in the pool); a nonce gap: code 6, not queued.
        """
        if not params or len(params) > 2:
            raise RpcError(-32602, f"eth_sendTransactionSync takes 1 or 2 params (a transaction, a timeout in ms), got {len(params)}")
        tx = params[0]
        send = transaction_in(tx, need_from=True)
        if send.get("nonce") is not None:
            self._refuse_gap(sb, str(send["from"]), int(send["nonce"]))
        tx_hash = self.rpc_eth_sendTransaction(sb, [tx])  # type: ignore[attr-defined]
        return PendingReceipt(str(tx_hash), timeout_of(params))

    def rpc_eth_sendRawTransactionSync(self, sb: Any, params: list[Any]) -> PendingReceipt:
        """As eth_sendRawTransaction, answered with the receipt once mined (EIP-7966); a timeout in ms may follow (30 s).

        Past the timeout: code 4 with the hash (it stays in the pool); a nonce gap: code 6, not queued.
        """
        if not params or len(params) > 2:
            raise RpcError(-32602, f"eth_sendRawTransactionSync takes 1 or 2 params (signed bytes, a timeout in ms), got {len(params)}")
        signed = bytes.fromhex(data_hex(params[0], "raw transaction")[2:])
        who = sender_and_nonce(signed, sb.chain.backend.chain_id)
        if who is not None:
            self._refuse_gap(sb, who[0], who[1])
        tx_hash = self.rpc_eth_sendRawTransaction(sb, [params[0]])  # type: ignore[attr-defined]
        return PendingReceipt(str(tx_hash), timeout_of(params))

    @staticmethod
    def _refuse_gap(sb: Any, sender: str, nonce: int) -> None:
        expected = sb.chain.backend.get_nonce(sender, "pending")
        if nonce > expected:
            raise RpcError(NONCE_GAP, f"nonce gap: {sender} has nonce {expected} next, this transaction has nonce {nonce}; "
                                      f"send the ones before it first (not queued: a sync send waits for its own block)", hex(expected))

    def receipt_within(self, pending: PendingReceipt) -> dict[str, Any]:
        """The receipt of ``pending`` once mined (each look a read session of its own), or code 4 after its timeout."""
        deadline = time.monotonic() + pending.timeout
        delay = 0.0005
        while True:
            with self.ws.session() as sb:
                found = sb.chain.backend.get_receipt(pending.tx_hash)
            if found is not None:
                return receipt_out(found)
            if time.monotonic() >= deadline:
                raise RpcError(TIMEOUT, f"Transaction confirmation timeout: {pending.tx_hash} was not mined within "
                                        f"{pending.timeout * 1000:.0f} ms; it is in the pool (mine a block: evm_mine, or turn automine on)",
                               pending.tx_hash)
            time.sleep(delay)
            delay = min(delay * 2, 0.01)
