"""JSON-RPC objects (camelCase, hex) into the seam's records (eth-tester's normalized shape), and requests out."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

#: Keys whose values are quantities (hex → int). A block's ``nonce`` is 8 bytes of data, a transaction's a quantity.
QUANTITIES = frozenset({
    "number", "timestamp", "gas_limit", "gas_used", "base_fee_per_gas", "size", "difficulty", "total_difficulty",
    "block_number", "transaction_index", "log_index", "cumulative_gas_used", "effective_gas_price", "status", "type",
    "value", "gas", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "chain_id", "v", "r", "s", "y_parity",
    "blob_gas_used", "excess_blob_gas", "max_fee_per_blob_gas", "blob_gas_price", "oldest_block",
})
ADDRESSES = frozenset({"address", "from", "to", "contract_address", "coinbase"})
RENAMES = {"miner": "coinbase", "input": "data"}


def snake(key: str) -> str:
    out = []
    for ch in key:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def record(value: Any, *, key: str = "", block: bool = False) -> Any:
    """A JSON-RPC result as a record; ``block``: the object is a block (its ``nonce`` stays data)."""
    if isinstance(value, dict):
        is_block = "parentHash" in value
        out: dict[str, Any] = {}
        for k, v in value.items():
            name = RENAMES.get(k, snake(k))
            if name == "removed":
                continue
            out[name] = record(v, key=name, block=is_block)
        if "topics" in out and "log_index" in out:
            out["type"] = "mined"
        return out
    if isinstance(value, list):
        if key == "base_fee_per_gas" or key == "gas_used_ratio" or key == "reward":
            return [record(v, key="value") for v in value]
        return [record(v, key=key) for v in value]
    if isinstance(value, str) and value.startswith("0x"):
        if key in QUANTITIES or (key == "nonce" and not block):
            return int(value, 16)
        if key in ADDRESSES and len(value) == 42:
            return to_checksum_address(value)
    return value


WIRE_NAMES = {"gas_price": "gasPrice", "max_fee_per_gas": "maxFeePerGas", "max_priority_fee_per_gas": "maxPriorityFeePerGas",
              "access_list": "accessList"}


def wire_tx(tx: dict[str, Any]) -> dict[str, Any]:
    """A transaction request as JSON-RPC's transaction object."""
    out: dict[str, Any] = {}
    for key, value in tx.items():
        if value is None:
            continue
        name = WIRE_NAMES.get(key, key)
        if key == "data":
            out["data"] = "0x" + bytes(value).hex()
        elif key in ("from", "to"):
            out[name] = value
        elif key == "access_list":
            out[name] = [{"address": e["address"], "storageKeys": list(e.get("storage_keys", []))} for e in value]
        else:
            out[name] = hex(int(value))
    return out


def block_param(block: Any) -> Any:
    if isinstance(block, int):
        return hex(block)
    if isinstance(block, str) and block.startswith("0x") and len(block) == 66:
        return {"blockHash": block}
    return block
