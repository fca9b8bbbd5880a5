"""Deployed-contract handles: view functions are calls, the rest transactions.

``nft.mint(bob, uri, sender=alice)`` encodes the arguments against the ABI
(accounts and contract handles are accepted wherever an address is
expected), estimates gas, sends, and returns a :class:`Receipt` with decoded
events. ``nft.ownerOf(0)`` is an ``eth_call``. Reverts raise
:class:`~sandbox.errors.ContractReverted` with the decoded reason.
"""

from __future__ import annotations

from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address

from sandbox.contracts.abi import _decode_value, _encode_args, human_signature, signature
from sandbox.contracts.events import Event, EventDecoder, EventMap, Receipt
from sandbox.contracts.reverts import _canonical_type
from sandbox.contracts.selectors import selector
from sandbox.contracts.static_abi import Codec
from sandbox.contracts.transactor import Transactor
from sandbox.errors import ArgumentError, InvalidAddressError, SandboxError

__all__ = ["Contract", "ContractFunction", "Event", "EventDecoder", "EventMap", "Receipt", "constructor_data", "human_signature", "signature"]

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
                plan = self.contract._plan(item)
                return item, plan[1] + _encode_args(item, args, where, plan[2])
            except (ArgumentError, InvalidAddressError) as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        options = "; ".join(human_signature(o) for o in same_arity)
        raise ArgumentError(f"{where}: arguments {list(args)!r} match no overload; signatures: {options}")

    def __call__(self, *args: Any, sender: Any = None, value: int = 0, gas: int | None = None) -> Any:
        __tracebackhide__ = True  # pytest: a failure points at the test's line, not the sandbox's
        item, data = self._select(args)
        if item.get("stateMutability") in ("view", "pure"):
            return self.contract.decode_output(item, self.contract._tx.call(self.contract.address, data, sender=sender))
        return self.contract._tx.transact(
            self.contract.address, data, sender=sender, value=value, gas=gas, what=f"{self.contract.contract_name}.{self.name}"
        )

    def call(self, *args: Any, sender: Any = None, value: int = 0) -> Any:
        """Run as an ``eth_call`` (no transaction) and return the decoded result."""
        __tracebackhide__ = True
        item, data = self._select(args)
        return self.contract.decode_output(item, self.contract._tx.call(self.contract.address, data, sender=sender, value=value))

    def transact(self, *args: Any, sender: Any = None, value: int = 0, gas: int | None = None) -> Receipt:
        """Send as a transaction even if the function is a view."""
        _, data = self._select(args)
        return self.contract._tx.transact(
            self.contract.address, data, sender=sender, value=value, gas=gas, what=f"{self.contract.contract_name}.{self.name}"
        )

    def estimate_gas(self, *args: Any, sender: Any = None, value: int = 0) -> int:
        _, data = self._select(args)
        return self.contract._tx.estimate(self.contract.address, data, sender=sender, value=value)


class Contract:
    """A contract deployed at ``address`` with ABI ``abi``."""

    def __init__(self, transactor: Transactor, name: str, address: str, abi: list[dict[str, Any]], receipt: Receipt | None = None) -> None:
        self._tx = transactor
        self.contract_name = name
        self.address = to_checksum_address(address)
        self.abi = abi
        self.receipt = receipt
        transactor.traces.name(self.address, name, abi, deployed=receipt is not None)
        self._functions: dict[str, list[dict[str, Any]]] = {}
        #: Per function entry (by id; the plan holds the entry, so the id is never another's): the entry,
        #: its selector and its inputs' and outputs' codecs.
        self._plans: dict[int, tuple[dict[str, Any], bytes, Codec, Codec]] = {}
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
    def chain(self) -> Any:
        """The :class:`~sandbox.chain.chain.Chain` the contract lives on."""
        return self._tx.chain

    @property
    def balance(self) -> int:
        return self._tx.chain.balance(self.address)

    def _plan(self, item: dict[str, Any]) -> tuple[dict[str, Any], bytes, Codec, Codec]:
        """``item``, its selector and the codecs of its inputs and outputs, worked out on its first use."""
        plan = self._plans.get(id(item))
        if plan is None:
            plan = (item, selector(signature(item)), Codec([_canonical_type(i) for i in item.get("inputs", [])]),
                    Codec([_canonical_type(o) for o in item.get("outputs", [])]))
            self._plans[id(item)] = plan
        return plan

    def decode_output(self, item: dict[str, Any], raw: bytes) -> Any:
        outputs = item.get("outputs", [])
        if not outputs:
            return None
        decoded = self._plan(item)[3].decode(raw)
        if decoded is None:
            values = abi_decode([_canonical_type(o) for o in outputs], raw)
            decoded = [_decode_value(v, o) for v, o in zip(values, outputs, strict=True)]
        return decoded[0] if len(decoded) == 1 else tuple(decoded)


def constructor_data(artifact_name: str, abi: list[dict[str, Any]], bytecode: str, args: tuple[Any, ...]) -> bytes:
    """Creation code followed by the ABI-encoded constructor arguments."""
    ctor = next((i for i in abi if i.get("type") == "constructor"), {"inputs": [], "name": "constructor"})
    ctor = dict(ctor, name=artifact_name)
    return bytes.fromhex(bytecode) + _encode_args(ctor, args, f"{artifact_name} constructor")
