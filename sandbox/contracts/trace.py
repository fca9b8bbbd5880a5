"""Call traces decoded with the project's ABIs: ``sb.trace(receipt)`` and the trace a ``ContractReverted`` carries.

The engine records frames (:mod:`sandbox.backends.trace`); here each gets the
contract's name (from the handles made on this chain), the function and its
arguments (from every ABI of the project, by selector), the return value or
the revert reason, and the console lines it logged. ``format()`` draws the
tree as ``forge test -vvvv`` does; ``failing_path()`` keeps only the frames
on the way to the innermost revert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address

from sandbox.backends.trace import CONSOLE_ADDRESS, Frame, Recording
from sandbox.contracts.abi import signature
from sandbox.contracts.console import decode_line
from sandbox.contracts.selectors import selector as selector_of
from sandbox.contracts.sources import Location


@dataclass
class CallTrace:
    """One call or create in a transaction, decoded; ``children`` in the order they ran."""

    kind: str
    sender: str
    to: str
    contract: str | None
    function: str | None
    args: dict[str, Any] | None
    value: int
    gas: int
    gas_used: int
    depth: int
    output: Any = None
    error: str | None = None  # None: it succeeded; else the decoded revert or failure
    console: list[str] = field(default_factory=list)
    children: list[CallTrace] = field(default_factory=list)
    #: Events this frame emitted, decoded where the project knows them: ``"Transfer(from=..., value=1)"``.
    events: list[str] = field(default_factory=list)
    #: Finds :attr:`location` when first asked (source maps cost a solc run the first time).
    _where: Callable[[], Location | None] | None = field(default=None, repr=False, compare=False)
    #: Finds :attr:`call_site` when first asked.
    _called_from: Callable[[], Location | None] | None = field(default=None, repr=False, compare=False)
    #: False when the engine records only the top frame (revm, nodes): the tree stops here.
    complete: bool = True

    @property
    def reverted(self) -> bool:
        return self.error is not None

    def _found(self, finder: str) -> Location | None:
        """What the finder held in attribute ``finder`` returns, worked out once (source maps cost a solc run the first time)."""
        where: Callable[[], Location | None] | None = getattr(self, finder)
        if where is None:
            return None
        try:
            found = where()
        except Exception:  # a location is a help, never a second failure
            found = None
        setattr(self, finder, lambda: found)
        return found

    @property
    def location(self) -> Location | None:
        """For a frame that failed: the Solidity line of its revert, or of the call that failed under it."""
        return self._found("_where")

    @property
    def call_site(self) -> Location | None:
        """Where, in the caller's Solidity source, this frame was called or created (``None`` for the top call)."""
        return self._found("_called_from")

    @property
    def revert_location(self) -> Location | None:
        """Where the revert started: the location of the innermost failing frame."""
        innermost = self.innermost_failure()
        return innermost.location if innermost is not None else None

    def innermost_failure(self) -> CallTrace | None:
        """The deepest frame on the failing path (where the revert started), or ``None`` if nothing failed."""
        if not self.reverted:
            return None
        path = self.failing_path().walk()
        return path[-1]

    def walk(self) -> list[CallTrace]:
        """This frame and every call and create beneath it, in execution order (console calls left out)."""
        found = [self]
        for child in self.children:
            if child.kind != "CONSOLE":
                found.extend(child.walk())
        return found

    def failing_path(self) -> CallTrace:
        """A copy holding only the frames from here to the innermost revert."""
        children = [c for c in self.children if c.reverted]
        keep = [children[-1].failing_path()] if children else []
        return CallTrace(**{**self.__dict__, "children": keep})

    def label(self) -> str:
        if self.kind == "CONSOLE":
            return f"console.log: {self.console[0] if self.console else ''}"
        where = self.contract or self.to
        if self.kind == "CREATE":
            call = f"new {where}"
        elif self.function is not None:
            shown = ", ".join(f"{k}={_short(v)}" for k, v in (self.args or {}).items())
            call = f"{where}.{self.function}({shown})"
        else:
            call = f"{where}.<unknown>"
        value = f" value={self.value}" if self.value else ""
        kind = "" if self.kind == "CALL" else f" [{self.kind.lower()}]"
        if self.error is not None:
            result = f"← REVERT {self.error}"
        elif self.output is not None and self.output != ():
            result = f"← {_short(self.output)}"
        else:
            result = "← ok"
        return f"[{self.gas_used}] {call}{value}{kind} {result}"

    def format(self, *, full: bool = True) -> str:
        """The tree, one frame per line (``full=False``: only the failing path)."""
        lines: list[str] = []
        root = self if full or not self.reverted else self.failing_path()

        def draw(frame: CallTrace, prefix: str, last: bool, top: bool) -> None:
            branch = "" if top else ("└─ " if last else "├─ ")
            lines.append(f"{prefix}{branch}{frame.label()}")
            inner = prefix + ("" if top else ("   " if last else "│  "))
            if frame.location is not None:
                lines.append(f"{inner}  at {frame.location}: {frame.location.text}")
            elif full and frame.kind != "CONSOLE" and frame.call_site is not None:
                lines.append(f"{inner}  called at {frame.call_site}: {frame.call_site.text}")
            for event in frame.events:
                lines.append(f"{inner}  emit {event}")
            for i, child in enumerate(frame.children):
                draw(child, inner, i == len(frame.children) - 1, False)
            if not frame.complete:
                lines.append(f"{inner}  (inner calls not recorded: a node records none; to run a transaction again, a reloaded "
                             "chain keeps the state before it only on py-evm, for the last 256 blocks; a later transaction of a "
                             "block cannot be)")

        draw(root, "", True, True)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def _short(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        text = "0x" + bytes(value).hex()
    elif isinstance(value, tuple) and len(value) == 1:
        return _short(value[0])
    else:
        text = repr(value) if isinstance(value, str) and not value.startswith("0x") else str(value)
    return text if len(text) <= 66 else text[:63] + "..."


class TraceDecoder:
    """Frames into :class:`CallTrace` trees, with the project's ABIs and the names of the handles made."""

    def __init__(self, revert_reason: Callable[[bytes], str], event: Callable[[dict[str, Any]], Any] = lambda log: None) -> None:
        self._functions: dict[bytes, list[dict[str, Any]]] = {}
        self._names: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        #: Whose code an address holds, as deployed here (a handle made with ``at`` may name a proxy by its
        #: implementation's ABI: the names above decode calls, these find source lines).
        self._code: dict[str, str] = {}
        self._revert_reason = revert_reason
        self._event = event
        #: ``locate(contract, pc, create)``: a Solidity location (set by the facade, which has the project).
        self.locate: Callable[[str, int, bool], Location | None] | None = None

    def add_abi(self, abi: list[dict[str, Any]]) -> None:
        for item in abi:
            if item.get("type") == "function":
                known = self._functions.setdefault(selector_of(signature(item)), [])
                if item not in known:
                    known.append(item)

    def name(self, address: str, contract: str, abi: list[dict[str, Any]], *, deployed: bool = False) -> None:
        """``address`` is called as ``contract`` (a handle was made for it); ``deployed``: its code is that contract's."""
        self._names[address.lower()] = (contract, abi)
        if deployed or address.lower() not in self._code:
            self._code[address.lower()] = contract
        self.add_abi(abi)

    def _code_name(self, address: bytes) -> str | None:
        return self._code.get(to_checksum_address(address).lower()) if address else None

    def decode(self, recording: Recording) -> CallTrace | None:
        if recording.root is None:
            return None
        return self._frame(recording.root, recording)

    def _frame(self, frame: Frame, recording: Recording) -> CallTrace:
        to = to_checksum_address(frame.to)
        named = self._names.get(to.lower())
        if frame.kind == "DELEGATECALL" and frame.code_address:  # the code that ran is the library's, the implementation's
            named = self._names.get(to_checksum_address(frame.code_address).lower()) or named
        contract = "console" if frame.to == CONSOLE_ADDRESS else (named[0].rsplit(":", 1)[-1] if named else None)
        function, args, item = None, None, None
        if frame.kind == "CREATE":
            function = "constructor"
        elif frame.to == CONSOLE_ADDRESS:
            function, args = "log", {"line": decode_line(frame.input)}
        elif len(frame.input) >= 4:
            item = self._function(frame.input[:4], named[1] if named else None)
            if item is not None:
                function = str(item["name"])
                args = _decode_params(item.get("inputs", []), frame.input[4:])
        elif not frame.input:
            function = "receive"
            args = {}
        output: Any = None
        error: str | None = None
        if frame.error == "Revert":
            error = self._revert_reason(frame.output)
        elif frame.error is not None:
            error = frame.error
        elif item is not None and item.get("outputs"):
            decoded = _decode_params(item["outputs"], frame.output)
            output = tuple(decoded.values()) if decoded is not None else frame.output
        trace = CallTrace(frame.kind, to_checksum_address(frame.sender), to, contract, function, args, frame.value, frame.gas,
                          frame.gas_used, frame.depth, output, error, [decode_line(recording.console[i]) for i in frame.console])
        for address, topics, data in frame.logs:
            log = {"address": to_checksum_address(address), "topics": ["0x" + t.to_bytes(32, "big").hex() for t in topics],
                   "data": "0x" + data.hex(), "log_index": 0, "block_number": 0, "transaction_hash": ""}
            event = self._event(log)
            if event is None:
                trace.events.append(f"<log with topic 0x{topics[0]:064x}>" if topics else "<anonymous log>")
            else:
                trace.events.append(f"{event.name}({', '.join(f'{k}={_short(v)}' for k, v in event.args.items())})")
        code_name = self._code_name(frame.code_address or frame.to)
        if frame.error is not None and self.locate is not None and code_name is not None:
            failing = [c for c in frame.children if c.error is not None and c.call_pc is not None]
            pc = failing[-1].call_pc if failing else frame.fail_pc
            if pc is not None:
                locate, create = self.locate, frame.kind == "CREATE"
                trace._where = lambda: locate(code_name, pc, create)
        if frame.to == CONSOLE_ADDRESS:
            trace.kind = "CONSOLE"
        trace.children = [self._frame(child, recording) for child in frame.children]
        # every frame under this one: the line of this frame's code that called or created it
        if self.locate is not None and code_name is not None:
            locate, create = self.locate, frame.kind == "CREATE"
            for child, made in zip(frame.children, trace.children, strict=True):
                if child.call_pc is not None:
                    made._called_from = lambda pc=child.call_pc: locate(code_name, pc, create)
        # the lines a frame logged through its own console calls belong to it
        if trace.kind != "CONSOLE":
            trace.console = [line for child in trace.children if child.kind == "CONSOLE" for line in child.console]
        return trace

    def _function(self, selector: bytes, abi: list[dict[str, Any]] | None) -> dict[str, Any] | None:
        if abi is not None:
            for item in abi:
                if item.get("type") == "function" and selector_of(signature(item)) == selector:
                    return item
        candidates = self._functions.get(selector)
        return candidates[0] if candidates else None


def _decode_params(params: list[dict[str, Any]], data: bytes) -> dict[str, Any] | None:
    from sandbox.contracts.reverts import _canonical_type

    try:
        values = abi_decode([_canonical_type(p) for p in params], data)
    except Exception:
        return None
    return {p.get("name") or f"arg{i}": (to_checksum_address(v) if p["type"] == "address" else v) for i, (p, v) in enumerate(zip(params, values, strict=True))}
