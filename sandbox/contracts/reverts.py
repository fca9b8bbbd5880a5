"""Decoding revert data, and the ``reverts(...)`` assertion.

Revert data is decoded in this one place, whatever layer raised it:
web3.py's ``ContractLogicError`` family (which carries the data), or
eth-tester's ``TransactionFailed`` (which, with web3.py 8 and eth-tester
0.14, carries a decoded string for ``Error(string)`` and the ``repr`` of the
raw bytes otherwise). Custom errors are looked up by selector across every
ABI the project compiled.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address

from sandbox.contracts.selectors import selector
from sandbox.errors import ContractReverted

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)

#: Solidity's panic codes and what they mean.
PANIC_CODES: dict[int, str] = {
    0x00: "generic compiler panic",
    0x01: "assert(false)",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array encoding",
    0x31: "pop() on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory (too large allocation)",
    0x51: "call to an uninitialized internal function",
}


def _canonical_type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in param.get("components", []))
        return f"({inner}){kind[5:]}"
    return kind


@dataclass(frozen=True)
class ErrorSpec:
    name: str
    names: tuple[str, ...]
    types: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.types)})"


class ErrorDecoder:
    """Maps 4-byte selectors to custom errors found in a set of ABIs."""

    def __init__(self, abis: list[list[dict[str, Any]]] | None = None) -> None:
        self._errors: dict[bytes, ErrorSpec] = {}
        for abi in abis or []:
            self.add_abi(abi)

    def add_abi(self, abi: list[dict[str, Any]]) -> None:
        for item in abi:
            if item.get("type") != "error":
                continue
            inputs = item.get("inputs", [])
            spec = ErrorSpec(
                str(item["name"]),
                tuple(str(i.get("name") or f"arg{n}") for n, i in enumerate(inputs)),
                tuple(_canonical_type(i) for i in inputs),
            )
            self._errors.setdefault(selector(spec.signature), spec)

    def decode(self, data: bytes) -> ContractReverted:
        """Turn raw revert data into a :class:`ContractReverted`."""
        if not data:
            return ContractReverted("no reason given (empty revert data)", kind="empty", data=data)
        selector, body = data[:4], data[4:]
        if selector == ERROR_SELECTOR:
            try:
                (message,) = abi_decode(["string"], body)
                return ContractReverted(message, kind="error", name="Error", args={"message": message}, data=data)
            except (DecodingError, ValueError):
                pass
        if selector == PANIC_SELECTOR and len(body) == 32:
            code = int.from_bytes(body, "big")
            meaning = PANIC_CODES.get(code, "unknown panic code")
            return ContractReverted(
                f"Panic(0x{code:02x}): {meaning}",
                kind="panic",
                name="Panic",
                args={"code": code},
                data=data,
                panic_code=code,
            )
        spec = self._errors.get(selector)
        if spec is not None:
            try:
                values = abi_decode(list(spec.types), body)
            except (DecodingError, ValueError):
                values = None
            if values is not None:
                args = {n: _pretty(v, t) for n, v, t in zip(spec.names, values, spec.types, strict=True)}
                shown = ", ".join(f"{n}={_show(v)}" for n, v in args.items())
                return ContractReverted(f"{spec.name}({shown})", kind="custom", name=spec.name, args=args, data=data)
        return ContractReverted(f"unknown error 0x{data.hex()}", kind="unknown", data=data)

    def from_exception(self, exc: BaseException) -> ContractReverted | None:
        """The decoded revert inside a web3.py or eth-tester exception, if it is one."""
        data = getattr(exc, "data", None)
        if isinstance(data, str) and data.startswith("0x"):
            return self.decode(bytes.fromhex(data[2:]))
        if isinstance(data, bytes):
            return self.decode(data)
        if type(exc).__name__ != "TransactionFailed":
            return None
        text = str(exc.args[0]) if exc.args else ""
        text = text.removeprefix("execution reverted: ").removeprefix("execution reverted")
        if text.startswith(("b'", 'b"')):
            try:
                raw = ast.literal_eval(text)
                if isinstance(raw, bytes):
                    return self.decode(raw)
            except (ValueError, SyntaxError):
                pass
        if text == "":
            return self.decode(b"")
        # eth-tester already decoded an Error(string); rebuild its data.
        from eth_abi import encode as abi_encode

        return self.decode(ERROR_SELECTOR + abi_encode(["string"], [text]))


def _pretty(value: Any, typ: str) -> Any:
    if typ == "address":
        return to_checksum_address(value)
    return value


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and not value.startswith("0x"):
        return repr(value)
    return str(value)


# ---------------------------------------------------------------------------
# The assertion
# ---------------------------------------------------------------------------

_PANIC_PATTERN = re.compile(r"^Panic\((0x[0-9a-fA-F]+|\d+)\)$")


def _expectation(expected: Any, panic: int | None, kwargs: dict[str, Any]) -> str:
    parts = []
    if expected is not None:
        parts.append(expected.pattern if isinstance(expected, re.Pattern) else repr(expected))
    if panic is not None:
        parts.append(f"Panic(0x{panic:02x})")
    if kwargs:
        parts.append(", ".join(f"{k}={_show(v)}" for k, v in kwargs.items()))
    return " ".join(parts) or "any revert"


def matches(error: ContractReverted, expected: Any = None, *, panic: int | None = None, **kwargs: Any) -> bool:
    """Does ``error`` match: a custom-error name, a revert string, a regex, ``"Panic(0x11)"``?"""
    if panic is not None and error.panic_code != panic:
        return False
    if isinstance(expected, re.Pattern):
        if not (expected.search(error.reason) or (error.message and expected.search(error.message))):
            return False
    elif isinstance(expected, str):
        panic_match = _PANIC_PATTERN.match(expected)
        if panic_match:
            if error.panic_code != int(panic_match.group(1), 0):
                return False
        elif error.kind == "custom":
            if expected not in (error.name, error.reason):
                return False
        elif error.kind == "error":
            if expected not in (error.message, "Error"):
                return False
        elif expected != error.reason:
            return False
    for key, want in kwargs.items():
        if key not in error.revert_args:
            return False
        got = error.revert_args[key]
        if isinstance(got, str) and got.startswith("0x") and len(got) == 42:
            if str(want).lower() != got.lower():
                return False
        elif got != want:
            return False
    return True


class RevertExpectation:
    """What ``reverts()`` yields: after the block, ``.error`` is the revert seen."""

    error: ContractReverted | None = None


@contextmanager
def reverts(expected: Any = None, *, panic: int | None = None, **kwargs: Any) -> Iterator[RevertExpectation]:
    """Assert that the block reverts, optionally with a given reason.

    ``expected`` is a custom-error name (``"OwnableUnauthorizedAccount"``), a
    revert string (``"x must be above 10"``), ``"Panic(0x11)"``, or a compiled
    regex matched against the reason. Keyword arguments match the custom
    error's (or panic's ``code``) decoded arguments by name.
    """
    outcome = RevertExpectation()
    try:
        yield outcome
    except ContractReverted as err:
        outcome.error = err
        if not matches(err, expected, panic=panic, **kwargs):
            want = _expectation(expected, panic, kwargs)
            raise AssertionError(f"expected revert {want}, but it reverted with {err.reason}") from None
        return
    raise AssertionError(f"expected revert {_expectation(expected, panic, kwargs)}, but nothing reverted")
