"""ABI helpers: signatures, argument encoding against an ABI item, decoded values."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_abi import encode as abi_encode
from eth_abi.exceptions import EncodingError
from eth_utils import to_checksum_address

from sandbox.chain.accounts import normalize_address
from sandbox.contracts.reverts import _canonical_type
from sandbox.errors import ArgumentError

# ---------------------------------------------------------------------------
# ABI helpers
# ---------------------------------------------------------------------------


def signature(item: dict[str, Any]) -> str:
    """``name(type1,type2)`` of an ABI function, event or error."""
    return f"{item.get('name', '')}({','.join(_canonical_type(i) for i in item.get('inputs', []))})"


def human_signature(item: dict[str, Any]) -> str:
    """``name(address to, string uri)`` as written in Solidity, for messages."""
    params = ", ".join(f"{_canonical_type(i)} {i.get('name', '')}".strip() for i in item.get("inputs", []))
    return f"{item.get('name', 'constructor')}({params})"


def _normalize(value: Any, param: dict[str, Any], where: str) -> Any:
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = dict(param, type=kind[: kind.rindex("[")])
        if not isinstance(value, (list, tuple)):
            raise ArgumentError(f"{where}: expected a list for {kind}, got {value!r}")
        return [_normalize(v, inner, where) for v in value]
    if kind == "tuple":
        comps = param.get("components", [])
        if isinstance(value, dict):
            value = [value[c["name"]] for c in comps]
        return tuple(_normalize(v, c, where) for v, c in zip(value, comps, strict=True))
    if kind == "address":
        return normalize_address(value, what=f"{where}: argument {param.get('name') or ''}".rstrip())
    if kind.startswith("bytes") and isinstance(value, str):
        if not value.startswith("0x"):
            raise ArgumentError(f"{where}: {kind} argument {value!r} must be 0x-prefixed hex")
        return bytes.fromhex(value[2:])
    return value


def _encode_args(item: dict[str, Any], args: tuple[Any, ...], where: str, codec: Any = None) -> bytes:
    """``args`` ABI-encoded for ``item``'s inputs; ``codec``: the entry's :class:`~sandbox.contracts.static_abi.Codec`
    (the same bytes without eth-abi's set-up when it can write them; eth-abi otherwise, with its errors)."""
    inputs = item.get("inputs", [])
    if len(args) != len(inputs):
        raise ArgumentError(f"{where} takes {len(inputs)} argument(s), got {len(args)}; signature: {human_signature(item)}")
    values = [_normalize(a, p, where) for a, p in zip(args, inputs, strict=True)]
    if codec is not None:
        body: bytes | None = codec.encode(values)
        if body is not None:
            return body
    try:
        return abi_encode([_canonical_type(p) for p in inputs], values)
    except (EncodingError, TypeError, ValueError, OverflowError) as exc:
        raise ArgumentError(f"{where}: arguments {list(args)!r} do not fit {human_signature(item)} ({exc})") from None


def _decode_value(value: Any, param: dict[str, Any]) -> Any:
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = dict(param, type=kind[: kind.rindex("[")])
        return [_decode_value(v, inner) for v in value]
    if kind == "tuple":
        return tuple(_decode_value(v, c) for v, c in zip(value, param.get("components", []), strict=True))
    if kind == "address":
        return checksum(value)
    return value


@lru_cache(maxsize=8192)
def checksum(address: str | bytes) -> str:
    """``to_checksum_address``, remembered: the same few addresses come back in every receipt and call."""
    return str(to_checksum_address(address))


