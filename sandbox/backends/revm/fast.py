"""The Sandbox contract API's direct line to the revm backend.

Through web3.py and eth-tester, a mint spends most of its time in request
formatters, validators and middleware, not in the EVM. :class:`FastPath`
does what that stack does for the sandbox's own transactions and calls (the
same transaction dict, the same defaults, the same gas estimate, the same
signed transaction, one block per transaction) straight on
:class:`~sandbox.backends.revm.RevmBackend`, and returns web3.py-shaped
receipts. It steps aside (``ready`` is false) whenever eth-tester holds
something the shortcut would bypass: filters, locked accounts, manual mining.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_utils import to_canonical_address
from eth_utils import to_checksum_address as _to_checksum_address
from hexbytes import HexBytes
from web3.datastructures import AttributeDict

from sandbox.backends.revm.calls import call_failure


@lru_cache(maxsize=4096)
def to_checksum_address(address: bytes | str) -> str:
    """EIP-55 spelling, cached: a keccak per address per receipt is a fair share of a mint."""
    return str(_to_checksum_address(address))


class FastRevert(Exception):
    """Raised when a fast call reverts; ``data`` is the raw revert data (what web3.py's errors carry)."""

    def __init__(self, data: bytes) -> None:
        super().__init__("execution reverted")
        self.data = data


def _log(log: dict[str, Any]) -> AttributeDict[str, Any]:
    return AttributeDict(
        {
            "type": log["type"],
            "logIndex": log["log_index"],
            "transactionIndex": log["transaction_index"],
            "transactionHash": HexBytes(log["transaction_hash"]),
            "blockHash": HexBytes(log["block_hash"]),
            "blockNumber": log["block_number"],
            "address": to_checksum_address(log["address"]),
            "data": HexBytes(log["data"]),
            "topics": [HexBytes(t) for t in log["topics"]],
        }
    )


def web3_receipt(receipt: dict[str, Any]) -> AttributeDict[str, Any]:
    """An eth-tester receipt as web3.py's ``get_transaction_receipt`` returns it."""
    # eth-tester's outbound normalizer drops the address of a failed create.
    contract = receipt["contract_address"] if receipt["status"] else None
    return AttributeDict(
        {
            "blockHash": HexBytes(receipt["block_hash"]),
            "blockNumber": receipt["block_number"],
            "contractAddress": to_checksum_address(contract) if contract else None,
            "cumulativeGasUsed": receipt["cumulative_gas_used"],
            "effectiveGasPrice": receipt["effective_gas_price"],
            "from": to_checksum_address(receipt["from"]),
            "gasUsed": receipt["gas_used"],
            "logs": [_log(log) for log in receipt["logs"]],
            "state_root": receipt["state_root"],
            "status": receipt["status"],
            "to": to_checksum_address(receipt["to"]) if receipt["to"] else "",
            "transactionHash": HexBytes(receipt["transaction_hash"]),
            "transactionIndex": receipt["transaction_index"],
            "type": receipt["type"],
        }
    )


class FastPath:
    """Send and call on an ``EthereumTester`` over RevmBackend without the layers above it."""

    def __init__(self, tester: Any) -> None:
        self.tester = tester
        self.backend = tester.backend

    def ready(self, sender: str | None = None) -> bool:
        """True when eth-tester holds nothing the shortcut would skip."""
        t = self.tester
        if not t.auto_mine_transactions or t._block_filters or t._log_filters or t._pending_transaction_filters:
            return False
        return sender is None or to_canonical_address(sender) not in t._account_passwords

    @staticmethod
    def _raw(tx: dict[str, Any]) -> dict[str, Any]:
        raw: dict[str, Any] = {"from": to_canonical_address(tx["from"]), "data": bytes(tx.get("data", b"")), "value": int(tx.get("value", 0))}
        if tx.get("to"):
            raw["to"] = to_canonical_address(tx["to"])
        return raw

    def _estimate(self, raw: dict[str, Any], *, confirm: bool) -> int:
        estimator = self.backend.estimator
        estimator.confirm = confirm
        try:
            return int(self.backend.estimate_gas(raw))
        finally:
            estimator.confirm = True

    def _send(self, raw: dict[str, Any], gas: int) -> AttributeDict[str, Any]:
        backend = self.backend
        tx_hash = backend.send_transaction(dict(raw, gas=gas))
        backend.mine_blocks(1)
        return web3_receipt(backend.get_transaction_receipt(tx_hash))

    def transact(self, tx: dict[str, Any], gas: int | None) -> AttributeDict[str, Any]:
        """Send ``tx`` (``from``, ``to``, ``data``, ``value``) as ``Sandbox._transact`` would; returns the receipt.

        Without ``gas``: estimate with one run, send, and if the optimistic limit
        fails, undo and send again with a confirmed estimate (as
        ``Sandbox._send_embedded``). Like them it leaves the gas limit sent in
        ``tx["gas"]`` (the sandbox replays failures with it). A revert during the estimate raises
        eth-tester's ``TransactionFailed``, its data kept by the estimator.
        """
        raw = self._raw(tx)
        if gas is not None:
            tx["gas"] = gas
            return self._send(raw, gas)
        snapshot = self.backend.take_snapshot()
        tx["gas"] = self._estimate(raw, confirm=False)
        receipt = self._send(raw, tx["gas"])
        if receipt["status"] == 1:
            return receipt
        self.backend.revert_to_snapshot(snapshot)
        tx["gas"] = self._estimate(raw, confirm=True)
        return self._send(raw, tx["gas"])

    def call(self, tx: dict[str, Any]) -> bytes:
        """``eth_call`` at the latest block; raises :class:`FastRevert` with the revert data."""
        raw: dict[str, Any] = {"to": to_canonical_address(tx["to"]), "data": bytes(tx.get("data", b""))}
        raw["from"] = to_canonical_address(tx["from"]) if tx.get("from") else self.backend.get_accounts()[0]
        if tx.get("value"):
            raw["value"] = int(tx["value"])
        outcome = self.backend.call_outcome(raw)
        if outcome.success:
            return bytes(outcome.output)
        if outcome.error == "Revert":
            raise FastRevert(outcome.output)
        raise call_failure(outcome)
