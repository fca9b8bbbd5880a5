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
        self._snapshots: list[int] = []
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
        from sandbox.errors import SandboxError

        if type(exc).__name__ == "TransactionFailed" or getattr(exc, "data", None) is not None:
            assert self.ws._sb is not None
            decoded = self.ws._sb.decode_revert(exc)
            if decoded is not None:
                return error(REVERTED, f"execution reverted: {decoded.reason}", request_id, "0x" + decoded.data.hex())
        if type(exc).__name__ in ("ValidationError", "AccountLocked") or isinstance(exc, (SandboxError, ValueError)):
            return error(REFUSED, str(exc) or type(exc).__name__, request_id)
        return error(INTERNAL_ERROR, f"internal error: {type(exc).__name__}: {exc}", request_id)

    # -- node facts -------------------------------------------------------------

    def rpc_web3_clientVersion(self, sb: Any, params: list[Any]) -> str:
        from importlib.metadata import version

        return f"sandbox/v{version('nft-dapp-sandbox')}/py-evm"

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
        return hex(sb.chain.tester.get_block_by_number("latest")["number"])

    def rpc_eth_gasPrice(self, sb: Any, params: list[Any]) -> str:
        return hex(sb.chain.tester.get_block_by_number("pending")["base_fee_per_gas"] + 10**9)

    def rpc_eth_maxPriorityFeePerGas(self, sb: Any, params: list[Any]) -> str:
        return hex(10**9)

    def rpc_eth_feeHistory(self, sb: Any, params: list[Any]) -> Any:
        count, newest, percentiles = params_of(params, 2, 3, "eth_feeHistory")
        history = sb.chain.tester.get_fee_history(quantity(count, "blockCount"), block_id(newest), percentiles or [])
        return to_wire(history)

    # -- state ------------------------------------------------------------------------

    def rpc_eth_getBalance(self, sb: Any, params: list[Any]) -> str:
        address, block = params_of(params, 1, 2, "eth_getBalance")
        return hex(sb.chain.tester.get_balance(address_param(address, "address"), self._number(sb, block)))

    def rpc_eth_getCode(self, sb: Any, params: list[Any]) -> str:
        address, block = params_of(params, 1, 2, "eth_getCode")
        return str(sb.chain.tester.get_code(address_param(address, "address"), self._number(sb, block)))

    def rpc_eth_getTransactionCount(self, sb: Any, params: list[Any]) -> str:
        address, block = params_of(params, 1, 2, "eth_getTransactionCount")
        return hex(sb.chain.tester.get_nonce(address_param(address, "address"), self._number(sb, block)))

    def rpc_eth_getStorageAt(self, sb: Any, params: list[Any]) -> str:
        address, slot, block = params_of(params, 2, 3, "eth_getStorageAt")
        value = sb.chain.tester.get_storage_at(address_param(address, "address"), quantity(slot, "slot"), self._number(sb, block))
        return "0x" + int(value, 16).to_bytes(32, "big").hex() if isinstance(value, str) else to_wire(value)

    def _number(self, sb: Any, block: Any) -> int | str:
        resolved = block_id(block or "latest")
        if isinstance(resolved, str) and resolved.startswith("0x"):
            return int(sb.chain.tester.get_block_by_hash(resolved)["number"])
        # Every transaction is mined at once, so the pending state is the latest one.
        return "latest" if resolved == "pending" else resolved

    # -- transactions ---------------------------------------------------------------

    def rpc_eth_call(self, sb: Any, params: list[Any]) -> str:
        tx, block = params_of(params, 1, 3, "eth_call")[:2]
        call = transaction_in(tx, need_from=False)
        call.setdefault("from", sb.accounts[0].address)  # as web3.py's eth-tester provider does
        if any(k in call for k in ("gas_price", "max_fee_per_gas", "max_priority_fee_per_gas")):
            return str(sb.chain.tester.call(call, self._number(sb, block)))
        return _free_call(sb, call, self._number(sb, block))

    def rpc_eth_estimateGas(self, sb: Any, params: list[Any]) -> str:
        tx, block = params_of(params, 1, 3, "eth_estimateGas")[:2]
        call = transaction_in(tx, need_from=False)
        call.setdefault("from", sb.accounts[0].address)
        return hex(sb.chain.tester.estimate_gas(call, self._number(sb, block)))

    def rpc_eth_sendTransaction(self, sb: Any, params: list[Any]) -> str:
        (tx,) = params_of(params, 1, 1, "eth_sendTransaction")
        send = transaction_in(tx, need_from=True)
        if send["from"].lower() not in {a.address.lower() for a in sb.accounts}:
            raise RpcError(REFUSED, f"unknown account {send['from']}: the node signs only for its dev accounts (eth_accounts); "
                                    "sign it yourself and use eth_sendRawTransaction")
        if "gas" not in send:
            send["gas"] = sb.chain.tester.estimate_gas(send)
        return str(sb.chain.tester.send_transaction(send))

    def rpc_eth_sendRawTransaction(self, sb: Any, params: list[Any]) -> str:
        from rlp.exceptions import RLPException

        (raw,) = params_of(params, 1, 1, "eth_sendRawTransaction")
        try:
            return str(sb.chain.tester.send_raw_transaction(data_hex(raw, "raw transaction")))
        except RLPException as exc:
            raise RpcError(INVALID_PARAMS, f"raw transaction is not a signed transaction ({exc})") from None

    def rpc_eth_getTransactionByHash(self, sb: Any, params: list[Any]) -> Any:
        (tx_hash,) = params_of(params, 1, 1, "eth_getTransactionByHash")
        try:
            return transaction_out(sb.chain.tester.get_transaction_by_hash(data_hex(tx_hash, "transaction hash")))
        except LookupError_:
            return None

    def rpc_eth_getTransactionReceipt(self, sb: Any, params: list[Any]) -> Any:
        (tx_hash,) = params_of(params, 1, 1, "eth_getTransactionReceipt")
        try:
            return receipt_out(sb.chain.tester.get_transaction_receipt(data_hex(tx_hash, "transaction hash")))
        except LookupError_:
            return None

    # -- blocks and logs ------------------------------------------------------------

    def _block_out(self, block: dict[str, Any], full: bool) -> dict[str, Any]:
        wire: dict[str, Any] = to_wire({k: v for k, v in block.items() if k != "transactions"})
        wire["transactions"] = [transaction_out(t) for t in block["transactions"]] if full else list(block["transactions"])
        return wire

    def rpc_eth_getBlockByNumber(self, sb: Any, params: list[Any]) -> Any:
        number, full = params_of(params, 1, 2, "eth_getBlockByNumber")
        try:
            return self._block_out(sb.chain.tester.get_block_by_number(block_id(number), bool(full)), bool(full))
        except LookupError_:
            return None

    def rpc_eth_getBlockByHash(self, sb: Any, params: list[Any]) -> Any:
        block_hash, full = params_of(params, 1, 2, "eth_getBlockByHash")
        try:
            return self._block_out(sb.chain.tester.get_block_by_hash(data_hex(block_hash, "block hash")), bool(full))
        except LookupError_:
            return None

    def rpc_eth_getLogs(self, sb: Any, params: list[Any]) -> Any:
        (query,) = params_of(params, 1, 1, "eth_getLogs")
        if not isinstance(query, dict):
            raise RpcError(INVALID_PARAMS, f"eth_getLogs takes a filter object, got {query!r}")
        tester = sb.chain.tester
        start: int | str
        end: int | str
        if query.get("blockHash"):
            start = end = int(tester.get_block_by_hash(data_hex(query["blockHash"], "blockHash"))["number"])
        else:
            start, end = self._number(sb, query.get("fromBlock") or "latest"), self._number(sb, query.get("toBlock") or "latest")
        wanted = query.get("address")
        addresses = {address_param(a, "address").lower() for a in (wanted if isinstance(wanted, list) else [wanted] if wanted else [])}
        topics = [_topic_set(t) for t in (query.get("topics") or [])]
        head = int(tester.get_block_by_number("latest")["number"])
        first = 0 if start == "earliest" else head if isinstance(start, str) else start
        last = 0 if end == "earliest" else head if isinstance(end, str) else min(end, head)
        if last - first > MAX_LOG_BLOCKS:
            raise RpcError(INVALID_PARAMS, f"eth_getLogs over {last - first + 1:,} blocks; ask for at most {MAX_LOG_BLOCKS:,} at a time")
        logs: list[dict[str, Any]] = []
        for number in range(first, last + 1):
            logs.extend(_block_logs(sb, number, addresses, topics))
        return logs

    # -- test-node extras ------------------------------------------------------------

    def _snapshot_ids(self, sb: Any) -> list[int]:
        if self._snapshot_chain is not sb.chain:  # the chain was reloaded: old ids mean nothing
            self._snapshot_chain, self._snapshots = sb.chain, []
        return self._snapshots

    def rpc_evm_snapshot(self, sb: Any, params: list[Any]) -> str:
        snapshot = int(sb.chain.tester.take_snapshot())
        self._snapshot_ids(sb).append(snapshot)
        return hex(snapshot)

    def rpc_evm_revert(self, sb: Any, params: list[Any]) -> bool:
        """Revert and drop this snapshot and later ones (as anvil and Hardhat do)."""
        (snapshot,) = params_of(params, 1, 1, "evm_revert")
        wanted, ids = quantity(snapshot, "snapshot id"), self._snapshot_ids(sb)
        if wanted not in ids:
            return False
        del ids[ids.index(wanted):]
        sb.chain.tester.revert_to_snapshot(wanted)
        return True

    def rpc_evm_mine(self, sb: Any, params: list[Any]) -> str:
        (timestamp,) = params_of(params, 0, 1, "evm_mine")
        if timestamp is not None:
            _set_next_timestamp(sb, quantity(timestamp, "timestamp"))
        sb.chain.tester.mine_blocks(1)
        return "0x0"

    def rpc_evm_setNextBlockTimestamp(self, sb: Any, params: list[Any]) -> None:
        (timestamp,) = params_of(params, 1, 1, "evm_setNextBlockTimestamp")
        _set_next_timestamp(sb, quantity(timestamp, "timestamp"))

    def rpc_evm_increaseTime(self, sb: Any, params: list[Any]) -> str:
        (seconds,) = params_of(params, 1, 1, "evm_increaseTime")
        header = sb.chain.tester.backend.chain.header
        latest = sb.chain.timestamp
        _set_next_timestamp(sb, max(int(header.timestamp), latest + 1) + quantity(seconds, "seconds"))
        return hex(quantity(seconds, "seconds"))


def _topic_set(topic: Any) -> set[int] | None:
    """One position of a log filter: ``None`` matches anything, a list any of its topics."""
    if topic is None:
        return None
    return {quantity(t, "topic") for t in (topic if isinstance(topic, list) else [topic])}


def _block_logs(sb: Any, number: int, addresses: set[str], topics: list[set[int] | None]) -> list[dict[str, Any]]:
    """Matching logs of one block, read from py-evm's receipts.

    eth-tester's get_logs finds each log's transaction by scanning the chain,
    which makes a query over a long chain quadratic.
    """
    chain = sb.chain.tester.backend.chain
    block = chain.get_canonical_block_by_number(number)
    receipts = chain.chaindb.get_receipts(block.header, chain.get_vm(block.header).get_receipt_builder())
    found, log_index = [], 0
    for tx_index, (tx, receipt) in enumerate(zip(block.transactions, receipts, strict=True)):
        for log in receipt.logs:
            address = "0x" + bytes(log.address).hex()
            matches = (not addresses or address in addresses) and len(log.topics) >= len(topics) and all(
                wanted is None or topic in wanted for wanted, topic in zip(topics, log.topics, strict=False))
            if matches:
                found.append({
                    "address": address, "topics": ["0x" + t.to_bytes(32, "big").hex() for t in log.topics],
                    "data": "0x" + bytes(log.data).hex(), "blockNumber": hex(number), "blockHash": "0x" + block.hash.hex(),
                    "transactionHash": "0x" + tx.hash.hex(), "transactionIndex": hex(tx_index), "logIndex": hex(log_index),
                    "removed": False,
                })
            log_index += 1
    return found


def _reason(sb: Any, data: bytes) -> str:
    """Revert data in words, with every ABI of the project (custom errors by name)."""
    from sandbox.errors import SandboxError

    try:
        sb.compile()
    except SandboxError:
        pass  # a broken project still gets Error(string) and Panic decoded
    return str(sb._errors.decode(data).reason)


def _free_call(sb: Any, tx: dict[str, Any], block: int | str) -> str:
    """``eth_call`` without fee fields, as geth runs it: base fee 0, so no balance is needed.

    ``cast call`` sends from the zero address, which holds no ether to pay
    for gas at the block's base fee.
    """
    from eth.exceptions import Revert
    from eth.vm.spoof import SpoofTransaction
    from eth_tester.backends.pyevm.main import _get_block_by_number

    tester = sb.chain.tester
    backend = tester.backend
    tester.validator.validate_inbound_transaction(tx, txn_internal_type="call")
    raw = dict(tester.normalizer.normalize_inbound_transaction(tx), max_fee_per_gas=0, max_priority_fee_per_gas=0)
    header = _get_block_by_number(backend.chain, block).header.copy(base_fee_per_gas=0)
    raw.setdefault("gas", header.gas_limit)
    spoof = SpoofTransaction(backend._get_normalized_and_unsigned_evm_transaction(raw, block), from_=raw["from"])
    state = backend.chain.get_vm(header).state
    snapshot = state.snapshot()
    try:
        computation = state.apply_transaction(spoof)
    finally:
        state.revert(snapshot)
    if computation.is_error:
        if isinstance(computation.error, Revert):
            data = bytes(computation.output)
            raise RpcError(REVERTED, f"execution reverted: {_reason(sb, data)}", "0x" + data.hex())
        raise RpcError(REFUSED, f"execution failed: {type(computation.error).__name__} {computation.error}")
    return "0x" + bytes(computation.output).hex()


def _set_next_timestamp(sb: Any, timestamp: int) -> None:
    latest = sb.chain.timestamp
    if timestamp <= latest:
        raise RpcError(INVALID_PARAMS, f"timestamp {timestamp} is not after the latest block's ({latest})")
    chain = sb.chain.tester.backend.chain
    # The pending block's header: eth-tester's own time_travel sets the same field.
    chain.header = chain.header.copy(timestamp=timestamp)


def _lookup_errors() -> tuple[type[Exception], ...]:
    from eth_tester.exceptions import BlockNotFound, SnapshotNotFound, TransactionNotFound

    return (BlockNotFound, TransactionNotFound, SnapshotNotFound, KeyError)


LookupError_ = _lookup_errors()
