"""The test-node methods anvil and Hardhat add: snapshots, mining blocks, time, account cheatcodes, impersonation.

Every name is served under its ``evm_``, ``anvil_`` and ``hardhat_`` spellings
(``RpcHandler.resolve``); ``anvil_mine`` / ``hardhat_mine`` (a block count and
an interval) differ from ``evm_mine`` (an optional timestamp). The account
methods call the backend's cheatcodes (``ChainBackend.set_balance`` ...), so
they work on every engine that implements them; one that does not answers
-32000 with the engine's message. Mining modes and the pool are in
:mod:`sandbox.node.mining`.
"""

from __future__ import annotations

from typing import Any

from sandbox.node.queue import NonceQueue
from sandbox.node.wire import INVALID_PARAMS, MAX_NONCE, RpcError, address_param, data_hex, params_of, quantity

#: The latest timestamp a block may carry: 9999-12-31 (later ones break every date library).
MAX_TIMESTAMP = 253_402_300_799
#: The most blocks one anvil_mine may mine (each is a real block on the embedded chain).
MAX_MINE = 10_000


class TestNodeMethods:
    """Mixed into :class:`sandbox.node.methods.RpcHandler`."""

    _snapshots: list[tuple[int, Any]]
    _next_snapshot: int
    _snapshot_chain: Any
    #: Addresses the node lets send without a key (anvil_impersonateAccount), and whether any may.
    impersonating: set[str]
    auto_impersonate: bool
    queue: NonceQueue
    timestamp_interval: bool = False
    logging_enabled: bool = True

    # -- snapshots ------------------------------------------------------------------

    def _snapshot_ids(self, sb: Any) -> list[tuple[int, Any]]:
        """``(wire id, chain snapshot)`` pairs, oldest first."""
        if self._snapshot_chain is not sb.chain:  # the chain was reloaded: old ids mean nothing
            self._snapshot_chain, self._snapshots = sb.chain, []
            self.impersonating = set()
        return self._snapshots

    def rpc_evm_snapshot(self, sb: Any, params: list[Any]) -> str:
        ids = self._snapshot_ids(sb)
        self._next_snapshot += 1
        ids.append((self._next_snapshot, sb.chain.snapshot()))
        return hex(self._next_snapshot)

    def rpc_evm_revert(self, sb: Any, params: list[Any]) -> bool:
        """Revert and drop this snapshot and later ones (as anvil and Hardhat do)."""
        (snapshot,) = params_of(params, 1, 1, "evm_revert")
        wanted, ids = quantity(snapshot, "snapshot id"), self._snapshot_ids(sb)
        index = next((i for i, (wire, _) in enumerate(ids) if wire == wanted), None)
        if index is None or ids[index][1] not in sb.chain.snapshot_ids:
            return False
        handle = ids[index][1]
        del ids[index:]
        sb.chain.revert(handle)
        return True

    # -- mining and time ---------------------------------------------------------------

    def rpc_evm_mine(self, sb: Any, params: list[Any]) -> str:
        """One block, at an optional timestamp; or anvil's ``{"timestamp", "blocks"}`` object."""
        (arg,) = params_of(params, 0, 1, "evm_mine")
        if isinstance(arg, dict):
            blocks = quantity(arg.get("blocks") or 1, "blocks")
            if arg.get("timestamp") is not None:
                set_next_timestamp(sb, quantity(arg["timestamp"], "timestamp"))
            _mine(sb, blocks, None)
            return "0x0"
        if arg is not None:
            set_next_timestamp(sb, quantity(arg, "timestamp"))
        sb.chain.backend.mine(1)
        return "0x0"

    def rpc_anvil_mine(self, sb: Any, params: list[Any]) -> None:
        """Count blocks (default 1), interval seconds apart: ``anvil_mine([count], [interval])``."""
        count, interval = params_of(params, 0, 2, "anvil_mine")
        _mine(sb, quantity(count, "block count") if count is not None else 1,
              quantity(interval, "interval") if interval is not None else None)

    def rpc_anvil_setBlockTimestampInterval(self, sb: Any, params: list[Any]) -> None:
        """Each next block that many seconds after the one before, whatever the wall clock."""
        (seconds,) = params_of(params, 1, 1, "anvil_setBlockTimestampInterval")
        sb.chain.backend.set_block_timestamp_interval(quantity(seconds, "interval", MAX_TIMESTAMP))
        self.timestamp_interval = True

    def rpc_anvil_removeBlockTimestampInterval(self, sb: Any, params: list[Any]) -> bool:
        """Back to the wall clock; whether an interval was set."""
        params_of(params, 0, 0, "anvil_removeBlockTimestampInterval")
        sb.chain.backend.set_block_timestamp_interval(None)
        was, self.timestamp_interval = self.timestamp_interval, False
        return was

    def rpc_evm_setNextBlockTimestamp(self, sb: Any, params: list[Any]) -> None:
        (timestamp,) = params_of(params, 1, 1, "evm_setNextBlockTimestamp")
        set_next_timestamp(sb, quantity(timestamp, "timestamp"))

    def rpc_evm_increaseTime(self, sb: Any, params: list[Any]) -> int:
        """Blocks from now on are that much later; returns the chain's total lead on the wall clock, in seconds (as anvil)."""
        (seconds,) = params_of(params, 1, 1, "evm_increaseTime")
        moved = quantity(seconds, "seconds")
        if sb.chain.backend.pending_timestamp() + moved > MAX_TIMESTAMP:
            raise RpcError(INVALID_PARAMS, f"{moved} seconds from now is after 9999-12-31; move time by less")
        return int(sb.chain.backend.increase_time(moved))

    # -- account cheatcodes --------------------------------------------------------------

    def rpc_evm_setBalance(self, sb: Any, params: list[Any]) -> None:
        address, wei = params_of(params, 2, 2, "anvil_setBalance")
        sb.chain.backend.set_balance(address_param(address, "address"), quantity(wei, "balance"))

    def rpc_evm_setCode(self, sb: Any, params: list[Any]) -> None:
        address, code = params_of(params, 2, 2, "anvil_setCode")
        sb.chain.backend.set_code(address_param(address, "address"), bytes.fromhex(data_hex(code, "code")[2:]))

    def rpc_evm_setStorageAt(self, sb: Any, params: list[Any]) -> bool:
        address, slot, value = params_of(params, 3, 3, "anvil_setStorageAt")
        word = data_hex(value, "value")
        if len(word) > 66:
            raise RpcError(INVALID_PARAMS, f"value must be at most 32 bytes, got {len(word) // 2 - 1}")
        sb.chain.backend.set_storage(address_param(address, "address"), quantity(slot, "slot"), int(word, 16) if len(word) > 2 else 0)
        return True

    def rpc_evm_setNonce(self, sb: Any, params: list[Any]) -> None:
        address, nonce = params_of(params, 2, 2, "anvil_setNonce")
        sb.chain.backend.set_nonce(address_param(address, "address"), quantity(nonce, "nonce", MAX_NONCE))

    def rpc_evm_impersonateAccount(self, sb: Any, params: list[Any]) -> None:
        (address,) = params_of(params, 1, 1, "anvil_impersonateAccount")
        wanted = address_param(address, "address")
        self._snapshot_ids(sb)
        sb.chain.backend.impersonate(wanted)
        self.impersonating.add(wanted.lower())

    def rpc_evm_stopImpersonatingAccount(self, sb: Any, params: list[Any]) -> None:
        (address,) = params_of(params, 1, 1, "anvil_stopImpersonatingAccount")
        wanted = address_param(address, "address")
        self._snapshot_ids(sb)
        sb.chain.backend.stop_impersonating(wanted)
        self.impersonating.discard(wanted.lower())

    def rpc_evm_autoImpersonateAccount(self, sb: Any, params: list[Any]) -> None:
        (enabled,) = params_of(params, 1, 1, "anvil_autoImpersonateAccount")
        if not isinstance(enabled, bool):
            raise RpcError(INVALID_PARAMS, f"anvil_autoImpersonateAccount takes true or false, got {enabled!r}")
        self.auto_impersonate = enabled

    def rpc_anvil_setLoggingEnabled(self, sb: Any, params: list[Any]) -> None:
        """Accepted (true or false), as anvil; the node's log is its console.log lines."""
        (enabled,) = params_of(params, 1, 1, "anvil_setLoggingEnabled")
        if not isinstance(enabled, bool):
            raise RpcError(INVALID_PARAMS, f"anvil_setLoggingEnabled takes true or false, got {enabled!r}")
        self.logging_enabled = enabled

    def rpc_anvil_nodeInfo(self, sb: Any, params: list[Any]) -> dict[str, Any]:
        """anvil's node facts: the head, the hardfork, the fee environment, no fork."""
        params_of(params, 0, 0, "anvil_nodeInfo")
        backend = sb.chain.backend
        head, pending = backend.get_block("latest"), backend.get_block("pending")
        return {"currentBlockNumber": hex(int(head["number"])), "currentBlockTimestamp": int(head["timestamp"]),
                "currentBlockHash": str(head["hash"]), "hardFork": backend.evm_version.capitalize(), "transactionOrder": "fifo",
                "environment": {"baseFee": hex(int(pending["base_fee_per_gas"])), "chainId": int(backend.chain_id),
                                "gasLimit": hex(int(pending["gas_limit"])), "gasPrice": hex(int(pending["base_fee_per_gas"]) + 10**9)},
                "forkConfig": {"forkUrl": None, "forkBlockNumber": None, "forkRetryBackoff": None}}

    def rpc_anvil_metadata(self, sb: Any, params: list[Any]) -> dict[str, Any]:
        """anvil's metadata: client, chain id, head, this node's snapshots."""
        params_of(params, 0, 0, "anvil_metadata")
        backend = sb.chain.backend
        head = backend.get_block("latest")
        return {"clientVersion": backend.client_version(), "chainId": int(backend.chain_id), "instanceId": hex(id(self)),
                "latestBlockNumber": int(head["number"]), "latestBlockHash": str(head["hash"]), "forkedNetwork": None,
                "snapshots": {str(wire): str(head["hash"]) for wire, _ in self._snapshot_ids(sb)}}

    def rpc_eth_sendUnsignedTransaction(self, sb: Any, params: list[Any]) -> str:
        """A transaction from any address without its key (anvil's impersonated send), mined as any other."""
        (tx,) = params_of(params, 1, 1, "eth_sendUnsignedTransaction")
        if not isinstance(tx, dict) or not isinstance(tx.get("from"), str):
            raise RpcError(INVALID_PARAMS, f"eth_sendUnsignedTransaction takes a transaction object with 'from', got {tx!r}")
        sender = address_param(tx["from"], "from")
        backend = sb.chain.backend
        held = sender.lower() in {a.lower() for a in backend.accounts()}
        lent = not held and not self.may_send_as(sb, sender)
        if lent:
            backend.impersonate(sender)
            self.impersonating.add(sender.lower())
        try:
            return str(self.rpc_eth_sendTransaction(sb, [tx]))  # type: ignore[attr-defined]
        finally:
            if lent:
                backend.stop_impersonating(sender)
                self.impersonating.discard(sender.lower())

    def may_send_as(self, sb: Any, address: str) -> bool:
        """Whether the node sends for ``address`` without its key (impersonated, or auto-impersonation on)."""
        self._snapshot_ids(sb)
        if address.lower() in self.impersonating:
            return True
        if self.auto_impersonate:
            sb.chain.backend.impersonate(address)
            self.impersonating.add(address.lower())
            return True
        return False


def _mine(sb: Any, count: int, interval: int | None) -> None:
    if count < 1 or count > MAX_MINE:
        raise RpcError(INVALID_PARAMS, f"block count must be 1..{MAX_MINE:,}, got {count:,}")
    backend = sb.chain.backend
    if not interval:
        backend.mine(count)
        return
    for _ in range(count):  # as anvil: time moves on by the interval before each block (the offset grows)
        backend.increase_time(interval)
        backend.mine(1)


def set_next_timestamp(sb: Any, timestamp: int) -> None:
    if timestamp > MAX_TIMESTAMP:
        raise RpcError(INVALID_PARAMS, f"timestamp {timestamp} is after 9999-12-31 ({MAX_TIMESTAMP}); pick an earlier time")
    latest = sb.chain.timestamp
    if timestamp <= latest:
        raise RpcError(INVALID_PARAMS, f"timestamp {timestamp} is not after the latest block's ({latest})")
    sb.chain.backend.set_next_timestamp(timestamp)
