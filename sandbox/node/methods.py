"""Ethereum JSON-RPC over the workshop chain: requests in, spec-shaped responses out.

:class:`RpcHandler` takes decoded JSON (one request or a batch) and returns
what goes back on the wire; :mod:`sandbox.node.server` puts it behind HTTP. Errors
follow JSON-RPC 2.0 and the Ethereum conventions: -32700 parse error,
-32600 invalid request, -32601 method not found, -32602 invalid params,
3 for a revert (``data`` holds the revert bytes), -32000 when the chain
refuses a transaction (nonce, funds), -32603 for anything unexpected.

The handler talks to the chain only through ``sb.chain.backend`` (the
:class:`~sandbox.backends.base.ChainBackend` seam), so it serves py-evm and
revm alike. Filters live in the handler (:mod:`sandbox.node.filters`),
signing with the dev keys in :mod:`sandbox.node.signing`, fee figures in
:mod:`sandbox.node.fees`, the anvil/Hardhat extras in
:mod:`sandbox.node.extras`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.backends.base import ExecutionFailed, Reverted
from sandbox.node import fees, signing
from sandbox.node.debug import DebugMethods
from sandbox.node.extras import TestNodeMethods
from sandbox.node.filters import Filters
from sandbox.node.lookups import LookupMethods
from sandbox.node.mining import MiningMethods
from sandbox.node.queue import NonceQueue, sender_and_nonce
from sandbox.node.state_methods import StateMethods
from sandbox.node.sync_send import SYNC_SENDS, PendingReceipt, SyncSendMethods
from sandbox.node.wire import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    REFUSED,
    REVERTED,
    TX_REJECTED,
    RpcError,
    address_param,
    block_id,
    data_hex,
    error,
    hash_param,
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
WRITES = frozenset({"eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "anvil_mine", "evm_revert", "evm_increaseTime",
                    "evm_setNextBlockTimestamp", "evm_setBalance", "evm_setCode", "evm_setStorageAt", "evm_setNonce", "anvil_loadState",
                    "eth_sendUnsignedTransaction", *SYNC_SENDS})
#: The state-override fields eth_call and eth_estimateGas take, and the ones the node can apply.
OVERRIDE_FIELDS = frozenset({"balance", "nonce", "code", "state", "stateDiff"})


# -- the handler --------------------------------------------------------------------


class RpcHandler(LookupMethods, TestNodeMethods, DebugMethods, MiningMethods, StateMethods, SyncSendMethods):
    """Answers JSON-RPC requests from one :class:`Workshop`'s chain."""

    def __init__(self, workshop: Workshop) -> None:
        self.ws = workshop
        self._snapshots: list[tuple[int, Any]] = []
        self._next_snapshot = -1
        self._snapshot_chain: Any = None
        self.impersonating: set[str] = set()
        self.auto_impersonate = False
        self.filters = Filters()
        self.queue = NonceQueue()
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
        served = self.resolve(method)
        if not isinstance(params, list):
            reply = error(INVALID_PARAMS, "params must be an array", request_id)
        elif served is None:
            reply = error(METHOD_NOT_FOUND, f"method {method!r} is not supported by the sandbox node", request_id)
        else:
            method = served
            try:
                with self.ws.session(write=method in WRITES) as sb:
                    self.sync_mining(sb)
                    result = self.methods[method](sb, list(params))
                if isinstance(result, PendingReceipt):  # a sync send: its block waited for with the session released
                    result = self.receipt_within(result)
                reply = {"jsonrpc": "2.0", "id": request_id, "result": result}
            except RpcError as exc:
                reply = error(exc.code, exc.message, request_id, exc.data)
            except Exception as exc:  # never a crash, never an HTTP 500
                reply = self._failure(exc, request_id)
        return reply if "id" in request else None

    def resolve(self, method: str) -> str | None:
        """The served name of ``method``: itself, or its ``anvil_`` / ``evm_`` twin for ``hardhat_`` and ``anvil_`` names."""
        if method in self.methods:
            return method
        for prefix in ("hardhat_", "anvil_"):
            if method.startswith(prefix):
                rest = method[len(prefix):]
                for twin in ("anvil_" + rest, "evm_" + rest):
                    if twin in self.methods:
                        return twin
        return None

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
        """Base fees including the next block's, gas used ratios, blob fees, rewards at the percentiles asked."""
        count, newest, percentiles = params_of(params, 2, 3, "eth_feeHistory")
        numbers = isinstance(percentiles, list) and all(isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 100 for p in percentiles)
        if percentiles is not None and not numbers:
            raise RpcError(INVALID_PARAMS, f"rewardPercentiles must be a list of numbers from 0 to 100, got {percentiles!r}")
        head = sb.chain.backend.block_number()
        number = self._number(sb, newest or "latest")
        last = 0 if number == "earliest" else head if isinstance(number, str) else number
        if last > head:
            raise RpcError(INVALID_PARAMS, f"newestBlock {last} is after the latest block ({head})")
        return fees.fee_history(sb.chain.backend, quantity(count, "blockCount"), last, list(percentiles or []))

    def rpc_eth_blobBaseFee(self, sb: Any, params: list[Any]) -> str:
        params_of(params, 0, 0, "eth_blobBaseFee")
        latest = _block(sb, "latest")
        backend = sb.chain.backend
        following = dict(latest, excess_blob_gas=fees.next_excess_blob_gas(latest, backend.evm_version))
        return hex(fees.blob_base_fee(following, backend.evm_version))

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
        if isinstance(resolved, int) and resolved > sb.chain.backend.block_number():
            raise RpcError(REFUSED, f"block {resolved} is not mined yet (the latest is {sb.chain.backend.block_number()})")
        return resolved  # "pending": the latest state with the pending block's transactions (the same under automine)

    # -- transactions ---------------------------------------------------------------

    def rpc_eth_call(self, sb: Any, params: list[Any]) -> str:
        """State overrides (balance, nonce, code, state, stateDiff) at the latest block; block overrides refused."""
        tx, block, overrides, block_overrides = params_of(params, 1, 4, "eth_call")
        call = self._call_request(sb, tx)
        if block_overrides is not None:
            raise RpcError(INVALID_PARAMS, "eth_call's block overrides (4th param) are not supported by the sandbox node; leave them out")
        with self._overridden(sb, overrides, block) as at:
            output: bytes = sb.chain.backend.call(call, at)
        return "0x" + output.hex()

    def rpc_eth_estimateGas(self, sb: Any, params: list[Any]) -> str:
        """State overrides as eth_call; a nonce ahead of the account is ignored, as on anvil."""
        tx, block, overrides = params_of(params, 1, 3, "eth_estimateGas")
        call = self._call_request(sb, tx)
        with self._overridden(sb, overrides, block) as at:
            return hex(sb.chain.backend.estimate(call, at))

    def rpc_eth_createAccessList(self, sb: Any, params: list[Any]) -> Any:
        """EIP-2930 access list of a call and the gas to send it with (py-evm and revm, as geth's tracer lists; a remote chain answers -32000)."""
        tx, block = params_of(params, 1, 2, "eth_createAccessList")
        call, at = self._call_request(sb, tx), self._number(sb, block)
        access_list, _ = sb.chain.backend.create_access_list(call, at)
        gas = sb.chain.backend.estimate(dict(call, access_list=access_list), at)  # anvil's gasUsed: the estimate with the list
        return {"accessList": [{"address": e["address"], "storageKeys": list(e["storage_keys"])} for e in access_list], "gasUsed": hex(gas)}

    def _call_request(self, sb: Any, tx: Any) -> dict[str, Any]:
        call = _request(transaction_in(tx, need_from=False))
        call.setdefault("from", sb.accounts[0].address)  # as web3.py's eth-tester provider does
        # A call does not consume a nonce: anvil ignores it, so a client's nonce manager can run ahead.
        call.pop("nonce", None)
        if call.get("to") is None:
            call.pop("to", None)
        return call

    @contextmanager
    def _overridden(self, sb: Any, overrides: Any, block: Any) -> Iterator[int | str]:
        """The block to run at, with ``overrides`` (geth's state override set) applied in a snapshot undone afterwards."""
        at = self._number(sb, block)
        if not overrides:
            yield at
            return
        if at not in ("latest", "pending") and at != sb.chain.backend.block_number():
            raise RpcError(INVALID_PARAMS, "state overrides apply to the latest block only on the sandbox node; call at 'latest'")
        backend = sb.chain.backend
        snapshot = backend.snapshot()
        try:
            self._override_state(sb, overrides)
            yield "latest"
        finally:
            backend.revert(snapshot)

    def _override_state(self, sb: Any, overrides: Any) -> None:
        """Check and apply geth's state override set through the backend's cheatcodes (the caller undoes them)."""
        if not isinstance(overrides, dict):
            raise RpcError(INVALID_PARAMS, f"state overrides must be an object of address -> fields, got {overrides!r}")
        for address, fields in overrides.items():
            address_param(address, "state override address")
            extra = set(fields) - OVERRIDE_FIELDS if isinstance(fields, dict) else {"(not an object)"}
            if extra:
                raise RpcError(INVALID_PARAMS, f"state override fields {sorted(extra)} for {address} are not supported by the sandbox node "
                                               f"(it applies {sorted(OVERRIDE_FIELDS)})")
            if "state" in fields and "stateDiff" in fields:
                raise RpcError(INVALID_PARAMS, f"state override for {address} has both 'state' and 'stateDiff'; send one of them")
        backend = sb.chain.backend
        for address, fields in overrides.items():
            if fields.get("balance") is not None:
                backend.set_balance(address, quantity(fields["balance"], "balance"))
            if fields.get("nonce") is not None:
                backend.set_nonce(address, quantity(fields["nonce"], "nonce"))
            if fields.get("code") is not None:
                backend.set_code(address, bytes.fromhex(data_hex(fields["code"], "code")[2:]))
            slots = fields.get("stateDiff") or {}
            if fields.get("state") is not None:  # the whole storage replaced: every slot set now is cleared first
                stored = backend.dump_state().accounts.get(bytes.fromhex(address[2:]), {}).get("storage") or {}
                slots = {**{hex(slot): "0x0" for slot in stored}, **fields["state"]}
            for slot, value in slots.items():
                backend.set_storage(address, int(data_hex(_even(slot), "slot"), 16), int(data_hex(_even(value), "value"), 16))

    def rpc_eth_sendTransaction(self, sb: Any, params: list[Any]) -> str:
        """Dev accounts and impersonated ones; authorizationList (EIP-7702) on engines that run delegations.

        A transaction with a nonce ahead of the sender's (a dev account's or an
        impersonated one's) is queued until the gap closes, as a raw one is
        (anvil's queued pool).
        """
        (tx,) = params_of(params, 1, 1, "eth_sendTransaction")
        if isinstance(tx, dict) and tx.get("authorizationList") is not None:
            # EIP-7702: the node signs a type-4 transaction with the dev key and sends it raw.
            return str(sb.chain.backend.send_raw(signing.fill_and_sign(sb, tx)))
        send = _request(transaction_in(tx, need_from=True))
        if send.get("to") is None:
            send.pop("to", None)
        own = send["from"].lower() in {a.address.lower() for a in sb.accounts}
        if not own and not self.may_send_as(sb, send["from"]):
            raise RpcError(REFUSED, f"unknown account {send['from']}: the node signs only for its dev accounts (eth_accounts); "
                                    "sign it yourself and use eth_sendRawTransaction, or impersonate it (anvil_impersonateAccount)")
        if own:
            sb.chain.check_can_sign(send["from"])  # public dev keys sign only on dev chain ids
        if send.get("nonce") is not None and int(send["nonce"]) > sb.chain.backend.get_nonce(send["from"], "pending"):
            # a nonce ahead: completed now and queued until the gap closes, as anvil queues it (and as a raw one is)
            if own:
                return self.queue.hold(send["from"], int(send["nonce"]), signing.fill_and_sign(sb, tx))
            raw, filled = signing.fill_as_stand_in(sb, tx)
            return self.queue.hold(send["from"], int(send["nonce"]), raw, _request(transaction_in(filled, need_from=True)))
        if "gas" not in send:  # as anvil: the estimate ignores the nonce
            send["gas"] = sb.chain.backend.estimate({k: v for k, v in send.items() if k != "nonce"}, "pending")
        tx_hash = str(sb.chain.backend.send_transaction(send))
        self.queue.release(sb.chain.backend, send["from"])
        return tx_hash

    # -- signing (the node's own accounts, dev chain ids only) ---------------------------

    def rpc_eth_sign(self, sb: Any, params: list[Any]) -> str:
        address, data = params_of(params, 2, 2, "eth_sign")
        return signing.eth_sign(sb, address, data)

    def rpc_personal_sign(self, sb: Any, params: list[Any]) -> str:
        data, address = params_of(params, 2, 3, "personal_sign")[:2]
        return signing.eth_sign(sb, address, data)

    def rpc_eth_signTypedData_v4(self, sb: Any, params: list[Any]) -> str:
        address, typed = params_of(params, 2, 2, "eth_signTypedData_v4")
        return signing.sign_typed_data(sb, address, typed)

    def rpc_eth_signTypedData(self, sb: Any, params: list[Any]) -> str:
        """Same as eth_signTypedData_v4."""
        return self.rpc_eth_signTypedData_v4(sb, params)

    def rpc_eth_signTransaction(self, sb: Any, params: list[Any]) -> str:
        """Fills nonce, fees and gas; returns the raw signed bytes."""
        (tx,) = params_of(params, 1, 1, "eth_signTransaction")
        return "0x" + signing.fill_and_sign(sb, tx).hex()

    def rpc_eth_sendRawTransaction(self, sb: Any, params: list[Any]) -> str:
        """A nonce ahead of the sender's is queued until the gap closes, as anvil does."""
        (raw,) = params_of(params, 1, 1, "eth_sendRawTransaction")
        signed = bytes.fromhex(data_hex(raw, "raw transaction")[2:])
        backend = sb.chain.backend
        who = sender_and_nonce(signed, backend.chain_id)
        expected = backend.get_nonce(who[0], "pending") if who is not None else 0
        if who is not None and who[1] > expected:
            return self.queue.hold(who[0], who[1], signed)
        mined = backend.get_nonce(who[0], "latest") if who is not None else 0
        if who is not None and who[1] < mined:  # between mined and pending: it replaces a pending one
            raise RpcError(TX_REJECTED, f"nonce too low: {who[0]} has sent {mined} transactions, this one has nonce {who[1]}; sign it with nonce {expected}")
        tx_hash = str(backend.send_raw(signed))
        if who is not None:
            self.queue.release(backend, who[0])
        return tx_hash

    def rpc_eth_getTransactionByHash(self, sb: Any, params: list[Any]) -> Any:
        (tx_hash,) = params_of(params, 1, 1, "eth_getTransactionByHash")
        found = sb.chain.backend.get_transaction(hash_param(tx_hash, "transaction hash"))
        return transaction_out(found) if found is not None else None

    def rpc_eth_getTransactionReceipt(self, sb: Any, params: list[Any]) -> Any:
        (tx_hash,) = params_of(params, 1, 1, "eth_getTransactionReceipt")
        found = sb.chain.backend.get_receipt(hash_param(tx_hash, "transaction hash"))
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
        found = sb.chain.backend.get_block(hash_param(block_hash, "block hash"), bool(full))
        return self._block_out(found, bool(full)) if found is not None else None

    def rpc_eth_getLogs(self, sb: Any, params: list[Any]) -> Any:
        (query,) = params_of(params, 1, 1, "eth_getLogs")
        first, last = self._log_range(sb, query)
        return self._logs(sb, query, first, last)

    def _log_range(self, sb: Any, query: Any) -> tuple[int, int]:
        if not isinstance(query, dict):
            raise RpcError(INVALID_PARAMS, f"a log filter must be an object, got {query!r}")
        start: int | str
        end: int | str
        if query.get("blockHash"):
            start = end = self._number(sb, hash_param(query["blockHash"], "blockHash"))
        else:
            start, end = self._number(sb, query.get("fromBlock") or "latest"), self._number(sb, query.get("toBlock") or "latest")
        head = sb.chain.backend.block_number()
        first = 0 if start == "earliest" else head if isinstance(start, str) else start
        last = 0 if end == "earliest" else head if isinstance(end, str) else min(end, head)
        return first, last

    def _logs(self, sb: Any, query: dict[str, Any], first: int, last: int) -> list[dict[str, Any]]:
        """The logs matching ``query``'s address and topics in blocks ``first..last``, in wire form."""
        if last - first > MAX_LOG_BLOCKS:
            raise RpcError(INVALID_PARAMS, f"eth_getLogs over {last - first + 1:,} blocks; ask for at most {MAX_LOG_BLOCKS:,} at a time")
        wanted = query.get("address")
        addresses = [address_param(a, "address") for a in (wanted if isinstance(wanted, list) else [wanted] if wanted else [])]
        topics = [_topic_set(t) for t in (query.get("topics") or [])]
        if first > last:
            return []
        logs = []
        for log in sb.chain.backend.get_logs(first, last, addresses or None, topics):
            wire = to_wire(log)
            wire["address"], wire["removed"] = str(wire["address"]).lower(), False  # DATA, as anvil and geth send it
            logs.append(wire)
        return logs

    # -- filters (polled) --------------------------------------------------------------

    def rpc_eth_newFilter(self, sb: Any, params: list[Any]) -> str:
        (query,) = params_of(params, 1, 1, "eth_newFilter")
        first, _ = self._log_range(sb, query)  # checks the query now rather than at the first poll
        return self.filters.install("logs", min(first, sb.chain.backend.block_number() + 1) - 1, query)

    def rpc_eth_newBlockFilter(self, sb: Any, params: list[Any]) -> str:
        params_of(params, 0, 0, "eth_newBlockFilter")
        return self.filters.install("blocks", sb.chain.backend.block_number())

    def rpc_eth_newPendingTransactionFilter(self, sb: Any, params: list[Any]) -> str:
        """Reports transactions as they arrive: pending ones, and under automine the ones mined since the last poll."""
        params_of(params, 0, 1, "eth_newPendingTransactionFilter")
        return self.filters.install("pending", sb.chain.backend.block_number())

    def _filter_logs(self, sb: Any, query: dict[str, Any], first: int, last: int) -> list[dict[str, Any]]:
        low, high = self._log_range(sb, query)
        if query.get("toBlock") in (None, "latest", "pending", "safe", "finalized"):
            high = last
        return self._logs(sb, query, max(first, low), min(last, high))

    def rpc_eth_getFilterChanges(self, sb: Any, params: list[Any]) -> list[Any]:
        (filter_id,) = params_of(params, 1, 1, "eth_getFilterChanges")
        return self.filters.changes(filter_id, sb.chain.backend, lambda query, first, last: self._filter_logs(sb, query, first, last))

    def rpc_eth_getFilterLogs(self, sb: Any, params: list[Any]) -> list[Any]:
        (filter_id,) = params_of(params, 1, 1, "eth_getFilterLogs")
        found = self.filters.get(filter_id)
        if found.kind != "logs":
            raise RpcError(INVALID_PARAMS, f"filter {filter_id} is a {found.kind} filter; eth_getFilterLogs reads log filters (use eth_getFilterChanges)")
        first, last = self._log_range(sb, found.query)
        return self._logs(sb, found.query, first, last)

    def rpc_eth_uninstallFilter(self, sb: Any, params: list[Any]) -> bool:
        (filter_id,) = params_of(params, 1, 1, "eth_uninstallFilter")
        return self.filters.uninstall(filter_id)


def _topic_set(topic: Any) -> list[str] | str | None:
    """One position of a log filter: ``None`` matches anything, a list any of its topics."""
    if topic is None:
        return None
    if isinstance(topic, list):
        return [data_hex(t, "topic").lower() for t in topic]
    return data_hex(topic, "topic").lower()


def _even(text: Any) -> Any:
    """``0x1`` as ``0x01``: storage keys and values come as quantities or as 32-byte words."""
    return "0x0" + text[2:] if isinstance(text, str) and text.startswith("0x") and len(text) % 2 else text


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
