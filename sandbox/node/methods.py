"""Ethereum JSON-RPC over the workshop chain: requests in, spec-shaped responses out.

:class:`RpcHandler` takes decoded JSON (one request or a batch) and returns
what goes back on the wire; :mod:`sandbox.node.server` puts it behind HTTP. Errors
follow JSON-RPC 2.0 and the Ethereum conventions: -32700 parse error,
-32600 invalid request, -32601 method not found, -32602 invalid params,
3 for a revert (``data`` holds the revert bytes), -32000 when the chain
refuses a transaction (nonce, funds), -32603 for anything unexpected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.backends.base import ExecutionFailed, Reverted
from sandbox.node.wire import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    REFUSED,
    REVERTED,
    RpcError,
    address_param,
    block_id,
    data_hex,
    error,
    params_of,
    quantity,
    receipt_out,
    to_wire,
    transaction_in,
    transaction_out,
)
from sandbox.workshop.session import Workshop

MAX_BATCH = 1000
#: The widest block range one eth_getLogs may ask for (geth's default is similar).
MAX_LOG_BLOCKS = 100_000
#: Methods that change the chain: their session takes the lock and saves.
WRITES = frozenset({"eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "evm_revert", "evm_increaseTime", "evm_setNextBlockTimestamp"})


# -- the handler --------------------------------------------------------------------


class RpcHandler:
    """Answers JSON-RPC requests from one :class:`Workshop`'s chain."""

    def __init__(self, workshop: Workshop) -> None:
        self.ws = workshop
        self._snapshots: list[tuple[int, Any]] = []
        self._next_snapshot = -1
        self._snapshot_chain: Any = None
        self.methods: dict[str, Callable[[Any, list[Any]], Any]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("rpc_")
        }

    def handle(self, payload: Any) -> Any:
        """One request or a batch (a list); ``None`` when only notifications came."""
        if isinstance(payload, list):
            if not payload:
                return error(INVALID_REQUEST, "empty batch: send at least one request")
            if len(payload) > MAX_BATCH:
                return error(INVALID_REQUEST, f"batch of {len(payload)} requests is over the limit of {MAX_BATCH}")
            replies = [r for r in (self._one(p) for p in payload) if r is not None]
            return replies or None
        return self._one(payload)

    def _one(self, request: Any) -> dict[str, Any] | None:
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
            request_id = request.get("id") if isinstance(request, dict) else None
            return error(INVALID_REQUEST, "not a JSON-RPC 2.0 request: need {\"jsonrpc\": \"2.0\", \"method\": ..., \"id\": ...}", request_id)
        request_id, method, params = request.get("id"), request["method"], request.get("params", [])
        if not isinstance(params, list):
            reply = error(INVALID_PARAMS, "params must be an array", request_id)
        elif method.replace("hardhat_", "evm_").replace("anvil_", "evm_") not in self.methods:
            reply = error(METHOD_NOT_FOUND, f"method {method!r} is not supported by the sandbox node", request_id)
        else:
            method = method.replace("hardhat_", "evm_").replace("anvil_", "evm_")
            try:
                with self.ws.session(write=method in WRITES) as sb:
                    result = self.methods[method](sb, list(params))
                reply = {"jsonrpc": "2.0", "id": request_id, "result": result}
            except RpcError as exc:
                reply = error(exc.code, exc.message, request_id, exc.data)
            except Exception as exc:  # never a crash, never an HTTP 500
                reply = self._failure(exc, request_id)
        return reply if "id" in request else None

    def _failure(self, exc: Exception, request_id: Any) -> dict[str, Any]:
        from sandbox.errors import MalformedTransaction, SandboxError

        if isinstance(exc, Reverted):
            sb = self.ws.sandbox
            reason = sb.decode_revert(exc.data).reason if sb is not None else "0x" + exc.data.hex()
            return error(REVERTED, f"execution reverted: {reason}", request_id, "0x" + exc.data.hex())
        if isinstance(exc, MalformedTransaction):
            return error(INVALID_PARAMS, str(exc), request_id)
        if isinstance(exc, (SandboxError, ExecutionFailed, ValueError)):
            return error(REFUSED, str(exc) or type(exc).__name__, request_id)
        return error(INTERNAL_ERROR, f"internal error: {type(exc).__name__}: {exc}", request_id)

    # -- node facts -------------------------------------------------------------

    def rpc_web3_clientVersion(self, sb: Any, params: list[Any]) -> str:
        return str(sb.chain.backend.client_version())

    def rpc_eth_chainId(self, sb: Any, params: list[Any]) -> str:
        return hex(sb.chain.chain_id)

    def rpc_net_version(self, sb: Any, params: list[Any]) -> str:
        return str(sb.chain.chain_id)

    def rpc_net_listening(self, sb: Any, params: list[Any]) -> bool:
        return True

    def rpc_eth_syncing(self, sb: Any, params: list[Any]) -> bool:
        return False

    def rpc_eth_accounts(self, sb: Any, params: list[Any]) -> list[str]:
        return [a.address for a in sb.accounts]

    def rpc_eth_blockNumber(self, sb: Any, params: list[Any]) -> str:
        return hex(sb.chain.backend.block_number())

    def rpc_eth_gasPrice(self, sb: Any, params: list[Any]) -> str:
        return hex(int(_block(sb, "pending")["base_fee_per_gas"]) + 10**9)

    def rpc_eth_maxPriorityFeePerGas(self, sb: Any, params: list[Any]) -> str:
        return hex(10**9)

    def rpc_eth_feeHistory(self, sb: Any, params: list[Any]) -> Any:
        count, newest, percentiles = params_of(params, 2, 3, "eth_feeHistory")
        numbers = isinstance(percentiles, list) and all(isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 100 for p in percentiles)
        if percentiles is not None and not numbers:
            raise RpcError(INVALID_PARAMS, f"rewardPercentiles must be a list of numbers from 0 to 100, got {percentiles!r}")
        history = sb.chain.backend.fee_history(quantity(count, "blockCount"), block_id(newest), percentiles or [])
        return to_wire(history)

    # -- state ------------------------------------------------------------------------

    def rpc_eth_getBalance(self, sb: Any, params: list[Any]) -> str:
        address, block = params_of(params, 1, 2, "eth_getBalance")
        return hex(sb.chain.backend.get_balance(address_param(address, "address"), self._number(sb, block)))

    def rpc_eth_getCode(self, sb: Any, params: list[Any]) -> str:
        address, block = params_of(params, 1, 2, "eth_getCode")
        code: bytes = sb.chain.backend.get_code(address_param(address, "address"), self._number(sb, block))
        return "0x" + code.hex()

    def rpc_eth_getTransactionCount(self, sb: Any, params: list[Any]) -> str:
        address, block = params_of(params, 1, 2, "eth_getTransactionCount")
        return hex(sb.chain.backend.get_nonce(address_param(address, "address"), self._number(sb, block)))

    def rpc_eth_getStorageAt(self, sb: Any, params: list[Any]) -> str:
        address, slot, block = params_of(params, 2, 3, "eth_getStorageAt")
        value: int = sb.chain.backend.get_storage(address_param(address, "address"), quantity(slot, "slot"), self._number(sb, block))
        return "0x" + value.to_bytes(32, "big").hex()

    def _number(self, sb: Any, block: Any) -> int | str:
        resolved = block_id(block or "latest")
        if isinstance(resolved, str) and resolved.startswith("0x"):
            found = sb.chain.backend.get_block(resolved)
            if found is None:
                raise RpcError(INVALID_PARAMS, f"no block with hash {resolved}")
            return int(found["number"])
        # Every transaction is mined at once, so the pending state is the latest one.
        return "latest" if resolved == "pending" else resolved

    # -- transactions ---------------------------------------------------------------

    def rpc_eth_call(self, sb: Any, params: list[Any]) -> str:
        tx, block = params_of(params, 1, 3, "eth_call")[:2]
        call = _request(transaction_in(tx, need_from=False))
        call.setdefault("from", sb.accounts[0].address)  # as web3.py's eth-tester provider does
        output: bytes = sb.chain.backend.call(call, self._number(sb, block))
        return "0x" + output.hex()

    def rpc_eth_estimateGas(self, sb: Any, params: list[Any]) -> str:
        tx, block = params_of(params, 1, 3, "eth_estimateGas")[:2]
        call = _request(transaction_in(tx, need_from=False))
        call.setdefault("from", sb.accounts[0].address)
        return hex(sb.chain.backend.estimate(call, self._number(sb, block)))

    def rpc_eth_sendTransaction(self, sb: Any, params: list[Any]) -> str:
        (tx,) = params_of(params, 1, 1, "eth_sendTransaction")
        send = _request(transaction_in(tx, need_from=True))
        if send["from"].lower() not in {a.address.lower() for a in sb.accounts}:
            raise RpcError(REFUSED, f"unknown account {send['from']}: the node signs only for its dev accounts (eth_accounts); "
                                    "sign it yourself and use eth_sendRawTransaction")
        sb.chain.check_can_sign(send["from"])  # public dev keys sign only on dev chain ids
        if "gas" not in send:
            send["gas"] = sb.chain.backend.estimate(send)
        return str(sb.chain.backend.send_transaction(send))

    def rpc_eth_sendRawTransaction(self, sb: Any, params: list[Any]) -> str:
        (raw,) = params_of(params, 1, 1, "eth_sendRawTransaction")
        return str(sb.chain.backend.send_raw(bytes.fromhex(data_hex(raw, "raw transaction")[2:])))

    def rpc_eth_getTransactionByHash(self, sb: Any, params: list[Any]) -> Any:
        (tx_hash,) = params_of(params, 1, 1, "eth_getTransactionByHash")
        found = sb.chain.backend.get_transaction(data_hex(tx_hash, "transaction hash"))
        return transaction_out(found) if found is not None else None

    def rpc_eth_getTransactionReceipt(self, sb: Any, params: list[Any]) -> Any:
        (tx_hash,) = params_of(params, 1, 1, "eth_getTransactionReceipt")
        found = sb.chain.backend.get_receipt(data_hex(tx_hash, "transaction hash"))
        return receipt_out(found) if found is not None else None

    # -- blocks and logs ------------------------------------------------------------

    def _block_out(self, block: dict[str, Any], full: bool) -> dict[str, Any]:
        wire: dict[str, Any] = to_wire({k: v for k, v in block.items() if k != "transactions"})
        wire["transactions"] = [transaction_out(t) for t in block["transactions"]] if full else list(block["transactions"])
        return wire

    def rpc_eth_getBlockByNumber(self, sb: Any, params: list[Any]) -> Any:
        number, full = params_of(params, 1, 2, "eth_getBlockByNumber")
        found = sb.chain.backend.get_block(block_id(number), bool(full))
        return self._block_out(found, bool(full)) if found is not None else None

    def rpc_eth_getBlockByHash(self, sb: Any, params: list[Any]) -> Any:
        block_hash, full = params_of(params, 1, 2, "eth_getBlockByHash")
        found = sb.chain.backend.get_block(data_hex(block_hash, "block hash"), bool(full))
        return self._block_out(found, bool(full)) if found is not None else None

    def rpc_eth_getLogs(self, sb: Any, params: list[Any]) -> Any:
        (query,) = params_of(params, 1, 1, "eth_getLogs")
        if not isinstance(query, dict):
            raise RpcError(INVALID_PARAMS, f"eth_getLogs takes a filter object, got {query!r}")
        backend = sb.chain.backend
        start: int | str
        end: int | str
        if query.get("blockHash"):
            start = end = self._number(sb, data_hex(query["blockHash"], "blockHash"))
        else:
            start, end = self._number(sb, query.get("fromBlock") or "latest"), self._number(sb, query.get("toBlock") or "latest")
        wanted = query.get("address")
        addresses = [address_param(a, "address") for a in (wanted if isinstance(wanted, list) else [wanted] if wanted else [])]
        topics = [_topic_set(t) for t in (query.get("topics") or [])]
        head = backend.block_number()
        first = 0 if start == "earliest" else head if isinstance(start, str) else start
        last = 0 if end == "earliest" else head if isinstance(end, str) else min(end, head)
        if last - first > MAX_LOG_BLOCKS:
            raise RpcError(INVALID_PARAMS, f"eth_getLogs over {last - first + 1:,} blocks; ask for at most {MAX_LOG_BLOCKS:,} at a time")
        if first > last:
            return []
        logs = []
        for log in backend.get_logs(first, last, addresses or None, topics):
            wire = to_wire(log)
            wire["address"], wire["removed"] = str(wire["address"]).lower(), False  # DATA, as anvil and geth send it
            logs.append(wire)
        return logs

    # -- test-node extras ------------------------------------------------------------

    def _snapshot_ids(self, sb: Any) -> list[tuple[int, Any]]:
        """``(wire id, chain snapshot)`` pairs, oldest first."""
        if self._snapshot_chain is not sb.chain:  # the chain was reloaded: old ids mean nothing
            self._snapshot_chain, self._snapshots = sb.chain, []
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

    def rpc_evm_mine(self, sb: Any, params: list[Any]) -> str:
        (timestamp,) = params_of(params, 0, 1, "evm_mine")
        if timestamp is not None:
            _set_next_timestamp(sb, quantity(timestamp, "timestamp"))
        sb.chain.backend.mine(1)
        return "0x0"

    def rpc_evm_setNextBlockTimestamp(self, sb: Any, params: list[Any]) -> None:
        (timestamp,) = params_of(params, 1, 1, "evm_setNextBlockTimestamp")
        _set_next_timestamp(sb, quantity(timestamp, "timestamp"))

    def rpc_evm_increaseTime(self, sb: Any, params: list[Any]) -> str:
        (seconds,) = params_of(params, 1, 1, "evm_increaseTime")
        pending = sb.chain.backend.pending_timestamp()
        latest = sb.chain.timestamp
        _set_next_timestamp(sb, max(pending, latest + 1) + quantity(seconds, "seconds"))
        return hex(quantity(seconds, "seconds"))


def _topic_set(topic: Any) -> list[str] | str | None:
    """One position of a log filter: ``None`` matches anything, a list any of its topics."""
    if topic is None:
        return None
    if isinstance(topic, list):
        return [data_hex(t, "topic").lower() for t in topic]
    return data_hex(topic, "topic").lower()


def _block(sb: Any, block: Any) -> dict[str, Any]:
    found = sb.chain.backend.get_block(block)
    if found is None:
        raise RpcError(INVALID_PARAMS, f"no block {block!r}")
    return dict(found)


def _request(tx: dict[str, Any]) -> dict[str, Any]:
    """A decoded JSON-RPC transaction object as the backend's request (data as bytes)."""
    out = dict(tx)
    if "data" in out:
        out["data"] = bytes.fromhex(str(out["data"])[2:])
    return out


#: The latest timestamp a block may carry: 9999-12-31 (later ones break every date library).
MAX_TIMESTAMP = 253_402_300_799


def _set_next_timestamp(sb: Any, timestamp: int) -> None:
    if timestamp > MAX_TIMESTAMP:
        raise RpcError(INVALID_PARAMS, f"timestamp {timestamp} is after 9999-12-31 ({MAX_TIMESTAMP}); pick an earlier time")
    latest = sb.chain.timestamp
    if timestamp <= latest:
        raise RpcError(INVALID_PARAMS, f"timestamp {timestamp} is not after the latest block's ({latest})")
    sb.chain.backend.set_next_timestamp(timestamp)
