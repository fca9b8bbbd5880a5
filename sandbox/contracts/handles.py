"""Deployed-contract handles: view functions are calls, the rest transactions.

``nft.mint(bob, uri, sender=alice)`` encodes the arguments against the ABI
(accounts and contract handles are accepted wherever an address is
expected), estimates gas, sends, and returns a :class:`Receipt` with decoded
events. ``nft.ownerOf(0)`` is an ``eth_call``. Reverts raise
:class:`~sandbox.errors.ContractReverted` with the decoded reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from sandbox.chain.accounts import normalize_address
from sandbox.contracts.reverts import _canonical_type
from sandbox.errors import ArgumentError, InvalidAddressError, SandboxError

if TYPE_CHECKING:
    from sandbox.main import Sandbox


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


def _encode_args(item: dict[str, Any], args: tuple[Any, ...], where: str) -> bytes:
    inputs = item.get("inputs", [])
    if len(args) != len(inputs):
        raise ArgumentError(f"{where} takes {len(inputs)} argument(s), got {len(args)}; signature: {human_signature(item)}")
    values = [_normalize(a, p, where) for a, p in zip(args, inputs, strict=True)]
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
        return to_checksum_address(value)
    return value


# ---------------------------------------------------------------------------
# Events and receipts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A decoded log: ``event.args["tokenId"]``, or ``event.tokenId``."""

    name: str
    args: dict[str, Any]
    address: str
    log_index: int
    block_number: int = 0
    tx_hash: str = ""

    def __getattr__(self, key: str) -> Any:
        try:
            return self.args[key]
        except KeyError:
            raise AttributeError(f"event {self.name} has no argument {key!r}; it has {list(self.args)}") from None


class EventMap(dict[str, list[Event]]):
    """Decoded events by name; a missing name raises a KeyError naming those present."""

    def __missing__(self, key: str) -> list[Event]:
        raise KeyError(f"no {key!r} event in this receipt; events present: {list(self) or 'none'}")


class EventDecoder:
    """Decodes logs with every event ABI the project knows."""

    def __init__(self) -> None:
        self._by_topic: dict[bytes, list[dict[str, Any]]] = {}

    def add_abi(self, abi: list[dict[str, Any]]) -> None:
        for item in abi:
            if item.get("type") == "event" and not item.get("anonymous"):
                topic = keccak(text=signature(item))
                known = self._by_topic.setdefault(topic, [])
                if all(signature(k) != signature(item) or _indexed(k) != _indexed(item) for k in known):
                    known.append(item)

    def decode(self, log: Any) -> Event | None:
        topics = [bytes(t) for t in log["topics"]]
        if not topics:
            return None
        for item in self._by_topic.get(topics[0], []):
            if len(_indexed(item)) != len(topics) - 1:
                continue
            try:
                return _decode_log(item, topics, bytes(log["data"]), log)
            except (DecodingError, ValueError):
                continue
        return None


def _indexed(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in item.get("inputs", []) if i.get("indexed")]


def _decode_log(item: dict[str, Any], topics: list[bytes], data: bytes, log: Any) -> Event:
    inputs = item.get("inputs", [])
    plain = [i for i in inputs if not i.get("indexed")]
    plain_values = iter(abi_decode([_canonical_type(i) for i in plain], data))
    topic_values = iter(topics[1:])
    args: dict[str, Any] = {}
    for n, param in enumerate(inputs):
        name = param.get("name") or f"arg{n}"
        if param.get("indexed"):
            raw = next(topic_values)
            kind = _canonical_type(param)
            if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
                args[name] = raw  # dynamic indexed values are stored as their hash
            else:
                args[name] = _decode_value(abi_decode([kind], raw)[0], param)
        else:
            args[name] = _decode_value(next(plain_values), param)
    tx_hash = log.get("transactionHash")
    return Event(
        item["name"],
        args,
        to_checksum_address(log["address"]),
        int(log["logIndex"]),
        int(log.get("blockNumber") or 0),
        "0x" + bytes(tx_hash).hex() if tx_hash else "",
    )


@dataclass
class Receipt:
    """A mined transaction: status, gas, and decoded events by name."""

    tx_hash: str
    status: int
    gas_used: int
    block_number: int
    effective_gas_price: int
    contract_address: str | None
    logs: list[Any] = field(repr=False)
    events: EventMap = field(repr=False)

    @property
    def fee(self) -> int:
        """Wei paid for gas: ``gas_used * effective_gas_price``."""
        return self.gas_used * self.effective_gas_price

    def assert_event(self, name: str, /, **expected: Any) -> Event:
        """Assert an event ``name`` was emitted with these argument values; return it."""
        if name not in self.events:
            raise AssertionError(f"expected a {name!r} event; events present: {list(self.events) or 'none'}")
        seen = []
        for event in self.events[name]:
            if all(_equal(event.args.get(k, _MISSING), v) for k, v in expected.items()):
                return event
            seen.append(event.args)
        want = ", ".join(f"{k}={v!r}" for k, v in expected.items())
        raise AssertionError(f"no {name} event with {want}; {name} events seen: {seen}")


_MISSING = object()


def _equal(got: Any, want: Any) -> bool:
    if got is _MISSING:
        return False
    if isinstance(got, str) and got.startswith("0x") and len(got) == 42:
        try:
            return got.lower() == normalize_address(want).lower()
        except InvalidAddressError:
            return False
    return bool(got == want)


# ---------------------------------------------------------------------------
# Contract handles
# ---------------------------------------------------------------------------


class ContractFunction:
    """All overloads of one function name on a deployed contract."""

    def __init__(self, contract: Contract, name: str, overloads: list[dict[str, Any]]) -> None:
        self.contract = contract
        self.name = name
        self.overloads = overloads

    def __repr__(self) -> str:
        return f"<{self.contract.contract_name}.{self.name}: {' | '.join(human_signature(o) for o in self.overloads)}>"

    def _select(self, args: tuple[Any, ...]) -> tuple[dict[str, Any], bytes]:
        where = f"{self.contract.contract_name}.{self.name}"
        same_arity = [o for o in self.overloads if len(o.get("inputs", [])) == len(args)]
        if not same_arity:
            options = "; ".join(human_signature(o) for o in self.overloads)
            raise ArgumentError(f"{where} got {len(args)} argument(s); signature{'s' if len(self.overloads) > 1 else ''}: {options}")
        errors: list[SandboxError] = []
        for item in same_arity:
            try:
                body = _encode_args(item, args, where)
                return item, function_signature_to_4byte_selector(signature(item)) + body
            except (ArgumentError, InvalidAddressError) as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        options = "; ".join(human_signature(o) for o in same_arity)
        raise ArgumentError(f"{where}: arguments {list(args)!r} match no overload; signatures: {options}")

    def __call__(self, *args: Any, sender: Any = None, value: int = 0, gas: int | None = None) -> Any:
        item, data = self._select(args)
        if item.get("stateMutability") in ("view", "pure"):
            return self.contract._sandbox._call(self.contract, item, data, sender=sender)
        return self.contract._sandbox._transact(
            self.contract.address, data, sender=sender, value=value, gas=gas, what=f"{self.contract.contract_name}.{self.name}"
        )

    def call(self, *args: Any, sender: Any = None, value: int = 0) -> Any:
        """Run as an ``eth_call`` (no transaction) and return the decoded result."""
        item, data = self._select(args)
        return self.contract._sandbox._call(self.contract, item, data, sender=sender, value=value)

    def transact(self, *args: Any, sender: Any = None, value: int = 0, gas: int | None = None) -> Receipt:
        """Send as a transaction even if the function is a view."""
        _, data = self._select(args)
        return self.contract._sandbox._transact(
            self.contract.address, data, sender=sender, value=value, gas=gas, what=f"{self.contract.contract_name}.{self.name}"
        )

    def estimate_gas(self, *args: Any, sender: Any = None, value: int = 0) -> int:
        _, data = self._select(args)
        return self.contract._sandbox._estimate(self.contract.address, data, sender=sender, value=value)


class Contract:
    """A contract deployed at ``address`` with ABI ``abi``."""

    def __init__(self, sandbox: Sandbox, name: str, address: str, abi: list[dict[str, Any]], receipt: Receipt | None = None) -> None:
        self._sandbox = sandbox
        self.contract_name = name
        self.address = to_checksum_address(address)
        self.abi = abi
        self.receipt = receipt
        self._functions: dict[str, list[dict[str, Any]]] = {}
        for item in abi:
            if item.get("type") == "function":
                self._functions.setdefault(item["name"], []).append(item)

    def __getattr__(self, name: str) -> ContractFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        overloads = self._functions.get(name)
        if overloads is None:
            raise AttributeError(f"{self.contract_name} has no function {name!r}; functions: {', '.join(sorted(self._functions))}")
        return ContractFunction(self, name, overloads)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._functions]

    def __repr__(self) -> str:
        return f"<{self.contract_name} at {self.address}>"

    def __str__(self) -> str:
        return self.address

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Contract):
            return self.address == other.address
        if isinstance(other, str):
            return other.lower() == self.address.lower()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.address.lower())

    @property
    def name(self) -> Any:
        """The contract's own ``name()`` function when it has one (ERC-20/721), else :attr:`contract_name`."""
        if "name" in self._functions:
            return ContractFunction(self, "name", self._functions["name"])
        return self.contract_name

    @property
    def functions(self) -> list[str]:
        return sorted(self._functions)

    @property
    def balance(self) -> int:
        return self._sandbox.chain.balance(self.address)

    def decode_output(self, item: dict[str, Any], raw: bytes) -> Any:
        outputs = item.get("outputs", [])
        if not outputs:
            return None
        values = abi_decode([_canonical_type(o) for o in outputs], raw)
        decoded = [_decode_value(v, o) for v, o in zip(values, outputs, strict=True)]
        return decoded[0] if len(decoded) == 1 else tuple(decoded)


def constructor_data(artifact_name: str, abi: list[dict[str, Any]], bytecode: str, args: tuple[Any, ...]) -> bytes:
    """Creation code followed by the ABI-encoded constructor arguments."""
    ctor = next((i for i in abi if i.get("type") == "constructor"), {"inputs": [], "name": "constructor"})
    ctor = dict(ctor, name=artifact_name)
    return bytes.fromhex(bytecode) + _encode_args(ctor, args, f"{artifact_name} constructor")
