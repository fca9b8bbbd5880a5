"""``console.log`` calls decoded: forge-std's ``console.sol``/``console2.sol`` and Hardhat's ``console.sol``.

They all send ``abi.encodeWithSignature("log(string,uint256)", ...)`` (Hardhat's
older builds spell ``uint``/``int``) to one address; the selector gives the
types, the first string argument may be a format string (``%s``, ``%d``,
``%i``, ``%o``, ``%x``, ``%e``, ``%%``, as forge formats it), and what is left
over is appended with spaces, as Node's ``util.format`` does.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any

from eth_abi import decode
from eth_utils import keccak, to_checksum_address

_FORMAT = re.compile(r"%[sdioxe%]")


@lru_cache(maxsize=1)
def signatures() -> dict[bytes, tuple[str, ...]]:
    """Selector -> parameter types of every console function."""
    table: dict[bytes, tuple[str, ...]] = {}

    def add(name: str, types: tuple[str, ...]) -> None:
        normalized = tuple({"uint": "uint256", "int": "int256"}.get(t, t) for t in types)
        table[keccak(f"{name}({','.join(types)})".encode())[:4]] = normalized

    add("log", ())
    for single in ("uint256", "int256", "string", "bool", "address", "bytes", "uint", "int"):
        add("log", (single,))
    for name, single in (("logInt", "int256"), ("logUint", "uint256"), ("logString", "string"), ("logBool", "bool"),
                         ("logAddress", "address"), ("logBytes", "bytes"), ("logInt", "int"), ("logUint", "uint")):
        add(name, (single,))
    for n in range(1, 33):
        add(f"logBytes{n}", (f"bytes{n}",))  # Hardhat's older console.sol
        add("log", (f"bytes{n}",))  # forge-std's console.sol and Hardhat's since 2.19 send logBytesN as log(bytesN)
    add("log", ("string", "int256"))
    for count in (2, 3, 4):
        for types in itertools.product(("uint256", "string", "bool", "address", "uint"), repeat=count):
            add("log", types)
    return table


def _show(kind: str, value: Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "address":
        return to_checksum_address(value)
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    return str(value)


def _exponential(value: int) -> str:
    """forge's ``%e`` of an integer: its digits as one digit, a point and the rest without trailing zeros (1500: ``1.5e3``)."""
    digits = str(abs(value))
    rest = digits[1:].rstrip("0")
    return f"{'-' if value < 0 else ''}{digits[0]}{'.' + rest if rest else ''}e{len(digits) - 1}"


def _formatted(kind: str, value: Any, spec: str) -> str:
    """One argument under a format specifier, as forge formats it (anvil prints the same); ``NaN`` where the
    specifier does not apply to the type (``%d`` of a string or an address, ``%x`` of a bool, ``%e`` of a string)."""
    if spec in "so":
        return _show(kind, value)
    if kind == "bool":
        return str(int(value)) if spec in "di" else "NaN"
    if kind in ("uint256", "int256"):
        if spec == "x":
            return hex(value) if value >= 0 else "0x" + format(value + (1 << 256), "x")  # int256: two's complement
        if spec == "e":
            return _exponential(value)
        return str(value)
    if kind == "address" or kind.startswith("bytes"):
        return _show(kind, value) if spec == "x" else "NaN"
    return "NaN"  # a string under %d, %i, %x or %e


def decode_line(payload: bytes) -> str:
    """One console call's calldata as the line it prints (undecodable: a note with its selector)."""
    types = signatures().get(bytes(payload[:4]))
    if types is None:
        return f"<console call 0x{bytes(payload[:4]).hex()} not in console.sol>"
    try:
        values = list(decode(list(types), bytes(payload[4:]))) if types else []
    except Exception:
        return f"<console call 0x{bytes(payload[:4]).hex()} with malformed arguments>"
    items = list(zip(types, values, strict=True))
    if items and items[0][0] == "string" and len(items) > 1 and "%" in items[0][1]:
        template = str(items[0][1])
        rest = items[1:]

        def substitute(match: re.Match[str]) -> str:
            if match.group() == "%%":
                return "%"
            if not rest:
                return match.group()
            kind, value = rest.pop(0)
            return _formatted(kind, value, match.group()[1])

        head = _FORMAT.sub(substitute, template)
        return " ".join([head, *(_show(k, v) for k, v in rest)])
    return " ".join(_show(k, v) for k, v in items)


def decode_lines(payloads: list[bytes]) -> list[str]:
    return [decode_line(p) for p in payloads]
