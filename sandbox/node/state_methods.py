"""State-level node methods: ``eth_getProof``, ``eth_simulateV1``, ``anvil_dumpState`` / ``anvil_loadState``, ``anvil_reset``.

- ``eth_getProof`` asks the backend (``ChainBackend.get_proof``): py-evm proves
  from its state trie; revm has no trie and says so.
- ``eth_simulateV1`` runs each block of calls for real inside a backend
  snapshot, undone afterwards: state overrides through the cheatcodes,
  each call sent as its (impersonated) sender. Without ``validation`` a
  simulated call pays no gas, as geth runs it: the sender is credited the
  gas up front and the fee taken back after. Block overrides other than
  ``baseFeePerGas`` (reported, as geth reports it) are refused.
- ``anvil_dumpState`` is anvil's own answer: hex of the gzip of its
  ``SerializableState`` JSON, written from the chain store by
  :func:`sandbox.node.anvil_state.export_anvil`; ``anvil_loadState`` takes
  that (gzip or plain JSON) and writes its accounts over the current state
  in one block, as anvil merges them; ``anvil_reset`` starts a new chain.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from sandbox.backends.base import ExecutionFailed, Reverted
from sandbox.node.filters import Filters
from sandbox.node.queue import NonceQueue
from sandbox.node.wire import (
    INVALID_PARAMS,
    REFUSED,
    RpcError,
    address_param,
    data_hex,
    params_of,
    quantity,
    to_wire,
    transaction_in,
)

#: The most calls one eth_simulateV1 may run (each is a real transaction inside a snapshot).
MAX_SIMULATED_CALLS = 256
#: The largest anvil_loadState payload, decompressed.
MAX_STATE_BYTES = 256 * 1024 * 1024


class StateMethods:
    """Mixed into :class:`sandbox.node.methods.RpcHandler`."""

    ws: Any
    filters: Filters
    queue: NonceQueue
    impersonating: set[str]

    # -- proofs ---------------------------------------------------------------------

    def rpc_eth_getProof(self, sb: Any, params: list[Any]) -> Any:
        """EIP-1186 account and storage proofs against the block's stateRoot (py-evm; revm has no state trie)."""
        address, keys, block = params_of(params, 2, 3, "eth_getProof")
        if not isinstance(keys, list):
            raise RpcError(INVALID_PARAMS, f"eth_getProof's storage keys must be a list of 32-byte slots, got {keys!r}")
        slots = [quantity(k, "storage key") for k in keys]
        found = sb.chain.backend.get_proof(address_param(address, "address"), slots, self._number(sb, block))  # type: ignore[attr-defined]
        wire: dict[str, Any] = to_wire({k: v for k, v in found.items() if k != "storage_proof"})
        wire["storageProof"] = [{"key": key, "value": hex(p["value"]), "proof": p["proof"]} for key, p in zip(keys, found["storage_proof"], strict=True)]
        return wire

    # -- eth_simulateV1 ------------------------------------------------------------------

    def rpc_eth_simulateV1(self, sb: Any, params: list[Any]) -> list[dict[str, Any]]:
        """Blocks of calls with state overrides, run and undone: each call's status, returnData, gasUsed and logs."""
        request, block = params_of(params, 1, 2, "eth_simulateV1")
        if not isinstance(request, dict) or not isinstance(request.get("blockStateCalls"), list):
            raise RpcError(INVALID_PARAMS, "eth_simulateV1 takes {\"blockStateCalls\": [{\"calls\": [...]}, ...]}")
        blocks = request["blockStateCalls"]
        if sum(len(b.get("calls") or []) for b in blocks if isinstance(b, dict)) > MAX_SIMULATED_CALLS:
            raise RpcError(INVALID_PARAMS, f"eth_simulateV1 runs at most {MAX_SIMULATED_CALLS} calls at once; split them")
        at = self._number(sb, block)  # type: ignore[attr-defined]
        if at not in ("latest", "pending") and at != sb.chain.backend.block_number():
            raise RpcError(INVALID_PARAMS, "eth_simulateV1 runs on the latest block on the sandbox node; pass 'latest'")
        backend = sb.chain.backend
        if backend.pending_transactions():
            raise RpcError(REFUSED, "eth_simulateV1 runs on the latest block, and transactions are pending (manual mining); "
                                    "mine them first (evm_mine) or drop them (anvil_dropAllTransactions)")
        validation = bool(request.get("validation"))
        head = backend.get_block("latest")
        automine = backend.automine()
        backend.set_automine(True)  # nothing is pending: each simulated call is mined at once
        snapshot = backend.snapshot()
        own = {a.lower() for a in backend.accounts()}
        try:
            return [self._simulate_block(sb, entry, head, index, validation, own) for index, entry in enumerate(blocks)]
        finally:
            backend.revert(snapshot)
            backend.set_automine(automine)

    def _simulate_block(self, sb: Any, entry: Any, head: dict[str, Any], index: int, validation: bool, own: set[str]) -> dict[str, Any]:
        if not isinstance(entry, dict):
            raise RpcError(INVALID_PARAMS, f"each of blockStateCalls must be an object, got {entry!r}")
        backend = sb.chain.backend
        overrides = entry.get("blockOverrides") or {}
        extra = set(overrides) - {"baseFeePerGas"}
        if extra:
            raise RpcError(INVALID_PARAMS, f"block overrides {sorted(extra)} are not supported by the sandbox node (it takes baseFeePerGas)")
        self._override_state(sb, entry.get("stateOverrides") or {})  # type: ignore[attr-defined]
        pending_fee = int(backend.get_block("pending")["base_fee_per_gas"])
        base_fee = quantity(overrides["baseFeePerGas"], "baseFeePerGas") if "baseFeePerGas" in overrides else (pending_fee if validation else 0)
        calls, gas_total = [], 0
        for raw_call in entry.get("calls") or []:
            call = transaction_in(raw_call, need_from=False)
            call.setdefault("from", "0x" + "00" * 20)
            if call.get("data"):
                call["data"] = bytes.fromhex(str(call["data"])[2:])
            if call.get("to") is None:
                call.pop("to", None)
            outcome = self._simulate_call(backend, call, base_fee, own)
            gas_total += outcome["gas_used"]
            calls.append({"returnData": outcome["return_data"], "logs": outcome["logs"], "gasUsed": hex(outcome["gas_used"]),
                          "status": hex(outcome["status"]), **({"error": outcome["error"]} if outcome.get("error") else {})})
        latest = backend.get_block("latest")
        return {"number": hex(int(head["number"]) + 1 + index), "hash": latest["hash"], "parentHash": latest["parent_hash"],
                "timestamp": hex(int(head["timestamp"]) + 1 + index), "gasLimit": hex(int(latest["gas_limit"])), "gasUsed": hex(gas_total),
                "baseFeePerGas": hex(base_fee), "calls": calls}

    def _simulate_call(self, backend: Any, call: dict[str, Any], base_fee: int, own: set[str]) -> dict[str, Any]:
        """Run ``call`` as a transaction charged at ``base_fee`` (the engine's own base fee is paid back)."""
        sender = str(call["from"])
        free = {k: v for k, v in call.items() if k not in ("gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "nonce")}
        try:
            output, error = backend.call(dict(free), "latest"), None
        except Reverted as exc:
            output, error = exc.data, {"code": 3, "message": "execution reverted", "data": "0x" + exc.data.hex()}
        except ExecutionFailed as exc:
            output, error = b"", {"code": -32015, "message": str(exc)}
        pending = backend.get_block("pending")
        gas = call.get("gas") or int(pending["gas_limit"]) - int(pending["gas_used"])  # what it does not use is refunded
        price = int(pending["base_fee_per_gas"])
        send = dict(free)
        send.update(gas=int(gas), max_fee_per_gas=price, max_priority_fee_per_gas=0)
        credit = int(gas) * max(price - base_fee, 0)
        if credit:
            backend.set_balance(sender, backend.get_balance(sender) + credit)
        impersonated = sender.lower() not in own and not backend.is_impersonating(sender)
        if impersonated:
            backend.impersonate(sender)
        try:
            receipt = backend.send(send)
        finally:
            if impersonated:
                backend.stop_impersonating(sender)
        used = int(receipt["gas_used"])
        if credit:  # as if the block's base fee had been base_fee
            backend.set_balance(sender, backend.get_balance(sender) - credit + used * max(price - base_fee, 0))
        logs = []
        for log in receipt["logs"]:
            wire = to_wire(log)
            wire["address"], wire["removed"] = str(wire["address"]).lower(), False
            logs.append(wire)
        status = int(receipt["status"])
        return {"return_data": "0x" + bytes(output).hex(), "logs": logs, "gas_used": used, "status": status,
                "error": error if status == 0 else None}

    # -- anvil_dumpState / anvil_loadState / anvil_reset ------------------------------------------

    def rpc_anvil_dumpState(self, sb: Any, params: list[Any]) -> str:
        """The chain as anvil dumps it: hex of gzip of its state JSON (accounts, blocks, transactions); anvil_loadState takes it."""
        params_of(params, 0, 1, "anvil_dumpState")
        from sandbox.node.anvil_state import export_anvil

        data = json.dumps(export_anvil(self.ws.store), separators=(",", ":")).encode()
        return "0x" + gzip.compress(data, mtime=0).hex()

    def rpc_anvil_loadState(self, sb: Any, params: list[Any]) -> bool:
        """Writes a dump's accounts (balance, nonce, code, storage) over the current state, in one block, as anvil merges it."""
        (blob,) = params_of(params, 1, 1, "anvil_loadState")
        raw = bytes.fromhex(data_hex(blob, "state")[2:])
        try:
            text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            if len(text) > MAX_STATE_BYTES:
                raise ValueError(f"over {MAX_STATE_BYTES:,} bytes")
            state = json.loads(text)
            accounts = state["accounts"]
            loaded = {}
            for address, account in accounts.items():
                nonce = account.get("nonce", 0)
                loaded[address_param(address, "account address")] = {
                    "balance": int(str(account.get("balance", "0x0")), 16),
                    "nonce": int(nonce, 16) if isinstance(nonce, str) else int(nonce),
                    "code": bytes.fromhex(str(account.get("code") or "0x")[2:]),
                    "storage": {int(k, 16): int(v, 16) for k, v in (account.get("storage") or {}).items()},
                }
        except (ValueError, KeyError, TypeError, AttributeError, OSError, EOFError) as exc:
            raise RpcError(INVALID_PARAMS, f"anvil_loadState takes what anvil_dumpState returns (hex of gzip'd state JSON with 'accounts'): "
                                           f"{type(exc).__name__}: {exc}") from None
        sb.chain.backend.load_accounts(loaded)
        return True

    def rpc_anvil_reset(self, sb: Any, params: list[Any]) -> None:
        """A new chain from block 0 with the funded dev accounts (forking options refused: the node forks nothing)."""
        (options,) = params_of(params, 0, 1, "anvil_reset")
        if options:
            raise RpcError(INVALID_PARAMS, "anvil_reset with forking options is not supported: the sandbox node runs its own chain; "
                                           "call anvil_reset with no parameters to start a new one")
        self.ws.reset()
        self.filters = Filters()
        self.queue.clear()
        self.impersonating = set()
