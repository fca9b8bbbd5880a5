"""Events and receipts: logs decoded with every event ABI the project knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from sandbox.chain.accounts import normalize_address
from sandbox.contracts.abi import _decode_value, checksum, signature
from sandbox.contracts.reverts import _canonical_type
from sandbox.contracts.selectors import topic as topic_of
from sandbox.contracts.static_abi import Codec
from sandbox.errors import InvalidAddressError

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
        if key == "args" or key.startswith("__"):  # not set yet (unpickling, copying): not an argument either
            raise AttributeError(key)
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
        self._plans: dict[int, Plan] = {}  # by id of an ABI entry in _by_topic (kept alive there)

    def add_abi(self, abi: list[dict[str, Any]]) -> None:
        for item in abi:
            if item.get("type") == "event" and not item.get("anonymous"):
                topic = topic_of(signature(item))
                known = self._by_topic.setdefault(topic, [])
                if all(signature(k) != signature(item) or _indexed(k) != _indexed(item) for k in known):
                    known.append(item)
                    self._plans[id(item)] = _plan(item)

    def decode(self, log: Any) -> Event | None:
        """Decode a log record (``sandbox.backends`` shape) or a web3.py log; ``None`` for unknown events."""
        topics = [_as_bytes(t) for t in log["topics"]]
        if not topics:
            return None
        for item in self._by_topic.get(topics[0], []):
            if len(_indexed(item)) != len(topics) - 1:
                continue
            try:
                return _decode_log(item, topics, _as_bytes(log["data"]), log, self._plans.get(id(item)))
            except (DecodingError, ValueError):
                continue
        return None


def _indexed(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in item.get("inputs", []) if i.get("indexed")]


#: An event ABI worked out once, not on every log: its non-indexed types, each input's
#: (name, indexed, canonical type, ABI entry), and the codec of the non-indexed types.
Plan = tuple[list[str], list[tuple[str, bool, str, dict[str, Any]]], Codec]


def _plan(item: dict[str, Any]) -> Plan:
    inputs = item.get("inputs", [])
    plain = [_canonical_type(i) for i in inputs if not i.get("indexed")]
    return (plain, [(p.get("name") or f"arg{n}", bool(p.get("indexed")), _canonical_type(p), p) for n, p in enumerate(inputs)], Codec(plain))


def _topic_value(raw: bytes, kind: str, param: dict[str, Any]) -> Any:
    """One indexed static value; addresses and unsigned integers without eth-abi's per-call set-up."""
    if kind == "address" and len(raw) == 32 and not any(raw[:12]):
        return checksum("0x" + raw[12:].hex())
    if kind == "uint256" and len(raw) == 32:
        return int.from_bytes(raw, "big")
    return _decode_value(abi_decode([kind], raw)[0], param)


def _decode_log(item: dict[str, Any], topics: list[bytes], data: bytes, log: Any, plan: Plan | None = None) -> Event:
    plain_types, inputs, codec = plan if plan is not None else _plan(item)
    fast = codec.decode(data) if plain_types else None  # values as the sandbox returns them (addresses checksummed)
    plain_values = iter(fast if fast is not None else abi_decode(plain_types, data) if plain_types else ())
    topic_values = iter(topics[1:])
    args: dict[str, Any] = {}
    for name, indexed, kind, param in inputs:
        if indexed:
            raw = next(topic_values)
            if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
                args[name] = raw  # dynamic indexed values are stored as their hash
            else:
                args[name] = _topic_value(raw, kind, param)
        else:
            args[name] = next(plain_values) if fast is not None else _decode_value(next(plain_values), param)
    tx_hash = log.get("transaction_hash", log.get("transactionHash"))
    return Event(
        item["name"],
        args,
        checksum(log["address"]),
        int(log.get("log_index", log.get("logIndex")) or 0),
        int(log.get("block_number", log.get("blockNumber")) or 0),
        "0x" + _as_bytes(tx_hash).hex() if tx_hash else "",
    )


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    return bytes(value)


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
    #: The transaction's ``console.log`` lines, decoded (embedded engines that record them: py-evm).
    console: list[str] = field(default_factory=list, repr=False)
    #: Its block when mined ahead of its roots (py-evm): reading :attr:`logs` builds it, for their block hash.
    _pending: Any = field(default=None, repr=False, compare=False)

    @property
    def fee(self) -> int:
        """Wei paid for gas: ``gas_used * effective_gas_price``."""
        return self.gas_used * self.effective_gas_price

    def __getstate__(self) -> dict[str, Any]:
        """Pickled and copied with its block built (the logs' block hash in them), not with the chain it waited on."""
        self.logs  # noqa: B018 (builds the block the logs wait for)
        return dict(self.__dict__, _pending=None)

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


def _logs(receipt: Receipt) -> list[Any]:
    pending = receipt.__dict__.get("_pending")
    if pending is not None:
        receipt.__dict__["_pending"] = None
        pending.settle()  # the block hash in each log
    return receipt.__dict__["_logs"]  # type: ignore[no-any-return]


def _set_logs(receipt: Receipt, logs: list[Any]) -> None:
    receipt.__dict__["_logs"] = logs


#: The raw logs (each with its block hash): a property over the field, so a block mined ahead is built when they are read.
Receipt.logs = property(_logs, _set_logs, doc="The raw logs, as the node gives them (block hash included).")  # type: ignore[assignment]

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


