"""JSON-RPC wire formats: eth-tester's Python values out, request params in.

Out: camelCase keys, hex quantities, 256-byte blooms, ``input`` for a
transaction's data, ``miner`` for the coinbase. In: hex quantities, data and
addresses checked, a transaction object turned into eth-tester's shape.
Anything malformed raises :class:`RpcError` with code -32602.
"""

from __future__ import annotations

import re
from typing import Any

from eth_bloom import BloomFilter  # type: ignore[attr-defined]

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = -32700, -32600, -32601, -32602, -32603
REVERTED, REFUSED = 3, -32000
#: EIP-1474's "transaction rejected" (anvil's code for a nonce too low).
TX_REJECTED = -32003
TAGS = ("latest", "earliest", "pending", "safe", "finalized")
HEX = re.compile(r"^0x[0-9a-fA-F]*$")
TX_KEYS = {"from": "from", "to": "to", "gas": "gas", "gasPrice": "gas_price", "maxFeePerGas": "max_fee_per_gas",
            "maxPriorityFeePerGas": "max_priority_fee_per_gas", "value": "value", "data": "data", "input": "data",
            "nonce": "nonce", "accessList": "access_list"}
QUANTITIES = {"gas", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "value", "nonce"}


class RpcError(Exception):
    """A JSON-RPC error to send back (not a sandbox error: it never reaches a user's shell)."""

    def __init__(self, code: int, message: str, data: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def error(code: int, message: str, request_id: Any = None, data: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": body}


# -- wire formats -------------------------------------------------------------------


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p.title() for p in rest)


def to_wire(value: Any, key: str = "") -> Any:
    """eth-tester output as JSON-RPC: camelCase keys, hex quantities and data."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "type" and v == "mined":  # eth-tester's log marker
                continue
            name = {"coinbase": "miner", "state_root": "stateRoot"}.get(k, camel(k))
            out[name] = to_wire(v, k)
        return out
    if isinstance(value, (list, tuple)):
        return [to_wire(v, key) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return "0x" + value.to_bytes(256, "big").hex() if key == "logs_bloom" else hex(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def transaction_out(tx: dict[str, Any]) -> dict[str, Any]:
    wire: dict[str, Any] = to_wire({("input" if k == "data" else k): v for k, v in tx.items()})
    wire.setdefault("input", "0x")
    if not wire.get("to"):
        wire["to"] = None  # a contract creation: null, as geth and anvil send it (ethers v6 rejects "")
    return wire


def _hex_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    text = str(value or "")
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def _access_list(entries: Any) -> list[Any]:
    return [[_hex_bytes(e["address"]), [_hex_bytes(k) if isinstance(k, (str, bytes)) else int(k).to_bytes(32, "big")
                                        for k in e.get("storage_keys", ())]] for e in entries or ()]


def raw_transaction(tx: dict[str, Any]) -> str:
    """The signed transaction ``tx`` (an eth-tester record) as its EIP-2718 bytes, rebuilt from its fields."""
    import rlp

    kind = int(str(tx.get("type") or "0x0"), 16) if isinstance(tx.get("type"), str) else int(tx.get("type") or 0)
    to, data, value, nonce, gas = _hex_bytes(tx.get("to")), _hex_bytes(tx.get("data")), int(tx["value"]), int(tx["nonce"]), int(tx["gas"])
    signature = [int(tx.get("y_parity", tx["v"])), int(tx["r"]), int(tx["s"])]
    if kind == 0:
        body = rlp.encode([nonce, int(tx["gas_price"]), gas, to, value, data, int(tx["v"]), int(tx["r"]), int(tx["s"])])
        return "0x" + bytes(body).hex()
    fields: list[Any] = [int(tx["chain_id"]), nonce]
    fields += [int(tx["gas_price"])] if kind == 1 else [int(tx["max_priority_fee_per_gas"]), int(tx["max_fee_per_gas"])]
    fields += [gas, to, value, data, _access_list(tx.get("access_list"))]
    if kind == 3:
        fields += [int(tx["max_fee_per_blob_gas"]), [_hex_bytes(h) for h in tx.get("blob_versioned_hashes", ())]]
    if kind == 4:
        fields.append([[int(a["chain_id"]), _hex_bytes(a["address"]), int(a["nonce"]), int(a["y_parity"]), int(a["r"]), int(a["s"])]
                       for a in tx.get("authorization_list", ())])
    return "0x" + bytes([kind]).hex() + bytes(rlp.encode(fields + signature)).hex()


def receipt_out(receipt: dict[str, Any]) -> dict[str, Any]:
    bloom = BloomFilter()
    for log in receipt["logs"]:
        bloom.add(bytes.fromhex(log["address"][2:]))
        for topic in log["topics"]:
            bloom.add(bytes.fromhex(topic[2:]))
    wire: dict[str, Any] = to_wire({k: v for k, v in receipt.items() if k != "state_root"})
    wire["logsBloom"] = "0x" + int(bloom).to_bytes(256, "big").hex()
    if not wire.get("to"):
        wire["to"] = None  # a contract creation
    for log in wire["logs"]:
        log["removed"] = False
    return wire


#: The largest quantity the EVM holds (uint256), and the largest nonce (EIP-2681: uint64).
MAX_UINT256, MAX_NONCE = 2**256 - 1, 2**64 - 1


def quantity(value: Any, what: str, limit: int = MAX_UINT256) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        number = value
    elif isinstance(value, str) and HEX.match(value) and len(value) > 2:
        number = int(value, 16)
    else:
        raise RpcError(INVALID_PARAMS, f"{what} must be a hex quantity like 0x1a, got {str(value)[:80]!r}")
    if number > limit:
        raise RpcError(INVALID_PARAMS, f"{what} {hex(number)[:70]} is over the largest allowed ({hex(limit)})")
    return number


def hash_param(value: Any, what: str) -> str:
    """A 32-byte hash (transaction or block)."""
    if isinstance(value, str) and HEX.match(value) and len(value) == 66:
        return value
    raise RpcError(INVALID_PARAMS, f"{what} must be a 32-byte 0x hash (66 characters), got {str(value)[:80]!r}")


def data_hex(value: Any, what: str) -> str:
    if isinstance(value, str) and HEX.match(value) and len(value) % 2 == 0:
        return value
    raise RpcError(INVALID_PARAMS, f"{what} must be 0x-prefixed hex bytes, got {str(value)[:80]!r}")


def address_param(value: Any, what: str) -> str:
    if isinstance(value, str) and HEX.match(value) and len(value) == 42:
        return value
    raise RpcError(INVALID_PARAMS, f"{what} must be a 20-byte 0x address, got {value!r}")


def block_id(value: Any = "latest") -> int | str:
    if isinstance(value, dict):  # EIP-1898
        value = value.get("blockNumber", value.get("blockHash", "latest"))
    if value in TAGS:
        return "safe" if value == "finalized" else str(value)
    if isinstance(value, str) and len(value) == 66:
        return hash_param(value, "block hash")  # resolved by the caller
    return quantity(value, "block number")


def transaction_in(tx: Any, *, need_from: bool) -> dict[str, Any]:
    if not isinstance(tx, dict):
        raise RpcError(INVALID_PARAMS, f"transaction must be an object, got {tx!r}")
    out: dict[str, Any] = {}
    for key, value in tx.items():
        if key in ("type", "chainId") or value is None:
            continue  # the type follows from the fee fields; the chain id is checked by signing
        name = TX_KEYS.get(key)
        if name is None:
            raise RpcError(INVALID_PARAMS, f"unknown transaction field {key!r}")
        if name in QUANTITIES:
            out[name] = quantity(value, key, MAX_NONCE if name == "nonce" else MAX_UINT256)
        elif name in ("from", "to"):
            out[name] = address_param(value, key)
        elif name == "data":
            out[name] = data_hex(value, key)
        else:
            out[name] = [{"address": e["address"], "storage_keys": e.get("storageKeys", [])} for e in value]
    if need_from and "from" not in out:
        raise RpcError(INVALID_PARAMS, "transaction needs a 'from' address")
    return out


def params_of(params: list[Any], low: int, high: int, method: str) -> list[Any]:
    if not low <= len(params) <= high:
        raise RpcError(INVALID_PARAMS, f"{method} takes {low}..{high} params, got {len(params)}")
    return params + [None] * (high - len(params))
