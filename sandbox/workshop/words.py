"""Deploy and call any contract from command-line words.

``sandbox call SandboxNFT.ownerOf 0`` and ``sandbox send SandboxNFT.mint bob
ipfs://x --from alice`` arrive as strings; :func:`coerce` turns each into
the ABI type its parameter has: account names or addresses for ``address``,
``1.5ether``/``10gwei``/``0x1f``/``42`` for integers, ``true``/``false``,
0x-hex for bytes, JSON for arrays and tuples.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.contracts.handles import Contract, ContractFunction, human_signature
from sandbox.errors import ArgumentError, SandboxError
from sandbox.main import Sandbox
from sandbox.workshop.session import Workshop

_UNITS = {"ether": 10**18, "eth": 10**18, "gwei": 10**9, "wei": 1}


def parse_amount(text: str, *, what: str = "amount") -> int:
    """``42``, ``0x2a``, ``1.5ether``, ``10gwei`` as an integer number of wei."""
    raw = text.strip().lower().replace("_", "")
    unit = next((u for u in _UNITS if raw.endswith(u) and raw[: -len(u)].strip()), None)
    try:
        if unit is not None:
            value = Decimal(raw[: -len(unit)].strip()) * _UNITS[unit]
            if value != value.to_integral_value():
                raise ArgumentError(f"{what} {text!r} is a fraction of a wei; use fewer decimals")
            return int(value)
        return int(raw, 0)
    except (ValueError, InvalidOperation):
        raise ArgumentError(f"{what} {text!r} is not a number; write e.g. 42, 0x2a, 1.5ether or 10gwei") from None


def coerce(sb: Sandbox, text: Any, param: dict[str, Any], where: str) -> Any:
    """One command-line word (or decoded JSON value) as the ABI type of ``param``."""
    kind = str(param["type"])
    name = param.get("name") or kind
    if kind.endswith("]") or kind == "tuple":
        value = text
        if isinstance(text, str):
            try:
                value = json.loads(text)
            except ValueError:
                raise ArgumentError(f"{where}: {name} ({kind}) needs JSON, e.g. '[1, 2]'; got {text!r}") from None
        if kind == "tuple":
            comps = param.get("components", [])
            if isinstance(value, dict):
                value = [value.get(c["name"]) for c in comps]
            if not isinstance(value, list) or len(value) != len(comps):
                raise ArgumentError(f"{where}: {name} is a tuple of {len(comps)} values; got {text!r}")
            return tuple(coerce(sb, v, c, where) for v, c in zip(value, comps, strict=True))
        if not isinstance(value, list):
            raise ArgumentError(f"{where}: {name} ({kind}) needs a JSON list, e.g. '[1, 2]'; got {text!r}")
        inner = dict(param, type=kind[: kind.rindex("[")])
        return [coerce(sb, v, inner, where) for v in value]
    text = text if isinstance(text, str) else json.dumps(text) if not isinstance(text, (int, bool)) else str(text).lower()
    if kind == "address":
        return sb.accounts.resolve(text)
    if kind == "bool":
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise ArgumentError(f"{where}: {name} is a bool; write true or false, not {text!r}")
    if kind.startswith(("uint", "int")):
        return parse_amount(text, what=f"{where}: {name} ({kind})")
    if kind.startswith("bytes"):
        if not text.startswith("0x"):
            raise ArgumentError(f"{where}: {name} ({kind}) must be 0x-prefixed hex, got {text!r}")
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            raise ArgumentError(f"{where}: {name} ({kind}) {text!r} is not valid hex") from None
    return text


def _coerce_args(sb: Sandbox, overloads: list[dict[str, Any]], words: list[str], where: str) -> list[Any]:
    fitting = [o for o in overloads if len(o.get("inputs", [])) == len(words)]
    if not fitting:
        options = "; ".join(human_signature(o) for o in overloads)
        raise ArgumentError(f"{where} takes other arguments than the {len(words)} given; signature(s): {options}")
    error: SandboxError | None = None
    for item in fitting:
        try:
            return [coerce(sb, w, p, where) for w, p in zip(words, item["inputs"], strict=True)]
        except SandboxError as exc:
            error = exc
    assert error is not None
    raise error


def plain(value: Any) -> Any:
    """A decoded ABI value as JSON-friendly data (bytes as 0x-hex, tuples as lists)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def split_target(target: str) -> tuple[str, str]:
    contract, dot, function = target.rpartition(".")
    if not dot or not contract or not function:
        raise ArgumentError(f"{target!r} is not CONTRACT.FUNCTION; write e.g. SandboxNFT.ownerOf (or 0xADDRESS.ownerOf)")
    return contract, function


def deploy(ws: Workshop, sb: Sandbox, name: str, words: list[str], *, sender: str, value: str = "0") -> dict[str, Any]:
    """Deploy contract ``name`` with constructor arguments given as words (write session)."""
    artifact = sb.compile().get(name)
    ctor = next((i for i in artifact.abi if i.get("type") == "constructor"), {"inputs": [], "type": "constructor"})
    args = _coerce_args(sb, [dict(ctor, name=name)], words, f"{name} constructor")
    contract = sb.deploy(name, *args, sender=sb.accounts.resolve(sender), value=parse_amount(value, what="--value"))
    ws.record_contract(name, contract.address)
    receipt = contract.receipt
    return {"name": name, "address": contract.address, "tx": receipt.tx_hash if receipt else "", "gas_used": receipt.gas_used if receipt else 0}


def _function(ws: Workshop, sb: Sandbox, target: str) -> tuple[Contract, str, list[dict[str, Any]]]:
    ref, function = split_target(target)
    contract = ws.find_contract(sb, ref)
    overloads = [i for i in contract.abi if i.get("type") == "function" and i.get("name") == function]
    if not overloads:
        raise ArgumentError(f"{contract.contract_name} has no function {function!r}; functions: {', '.join(contract.functions)}")
    return contract, function, overloads


def call(ws: Workshop, sb: Sandbox, target: str, words: list[str], *, sender: str | None = None) -> dict[str, Any]:
    """Run ``CONTRACT.FUNCTION(words...)`` as an ``eth_call``; nothing changes on chain."""
    contract, function, overloads = _function(ws, sb, target)
    args = _coerce_args(sb, overloads, words, f"{contract.contract_name}.{function}")
    result = ContractFunction(contract, function, overloads).call(*args, sender=sb.accounts.resolve(sender) if sender else None)
    return {"contract": contract.address, "function": function, "result": plain(result)}


def send(ws: Workshop, sb: Sandbox, target: str, words: list[str], *, sender: str, value: str = "0") -> dict[str, Any]:
    """Send ``CONTRACT.FUNCTION(words...)`` as a transaction from ``sender`` (write session)."""
    contract, function, overloads = _function(ws, sb, target)
    args = _coerce_args(sb, overloads, words, f"{contract.contract_name}.{function}")
    receipt = ContractFunction(contract, function, overloads).transact(*args, sender=sb.accounts.resolve(sender), value=parse_amount(value, what="--value"))
    events = [{"event": name, "args": {k: plain(v) for k, v in e.args.items()}} for name, evs in receipt.events.items() for e in evs]
    return {"contract": contract.address, "function": function, "tx": receipt.tx_hash, "gas_used": receipt.gas_used,
            "block": receipt.block_number, "events": events}
