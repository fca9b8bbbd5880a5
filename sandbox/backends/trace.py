"""Call frames and console.log payloads, as the engines record them (engine-neutral shapes).

An embedded engine fills a :class:`Recording` while it runs a transaction:
one :class:`Frame` per message (the transaction's own, then every call and
create beneath it) and the calldata of every call to the console address
(forge-std's and Hardhat's ``console.sol``). Decoding (function names,
arguments, format strings) happens above the seam, with the project's ABIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: ``address(uint160(uint256(keccak256("console.log"))))``, where ``console.sol`` sends its calls.
CONSOLE_ADDRESS = bytes.fromhex("000000000000000000636f6e736f6c652e6c6f67")


@dataclass
class Frame:
    """One message: a call or create, with what it returned; ``children`` in the order they ran."""

    kind: str  # CALL, STATICCALL, DELEGATECALL, CREATE
    sender: bytes
    to: bytes  # the created address for a CREATE
    value: int
    input: bytes
    gas: int
    depth: int
    gas_used: int = 0
    output: bytes = b""
    error: str | None = None  # None: success; "Revert" or the failure's name
    children: list[Frame] = field(default_factory=list)
    #: Console lines logged by this frame (indices into Recording.console).
    console: list[int] = field(default_factory=list)
    #: Whose code ran (differs from ``to`` under DELEGATECALL: a library, a proxy's implementation).
    code_address: bytes = b""
    #: Program counter of the frame's own failing instruction (REVERT, INVALID...), when it failed there.
    fail_pc: int | None = None
    #: Program counter, in the parent's code, of the CALL/CREATE that started this frame.
    call_pc: int | None = None
    #: Logs the frame itself emitted (kept only if it succeeded): ``(address, topics, data)``.
    logs: list[tuple[bytes, list[int], bytes]] = field(default_factory=list)
    #: The engine's message while the frame runs (the engine's own bookkeeping).
    message: Any = field(default=None, repr=False, compare=False)

    @property
    def reverted(self) -> bool:
        return self.error is not None


@dataclass
class Recording:
    """What one run recorded: the root frame (None when the engine records no frames) and the console payloads."""

    root: Frame | None = None
    console: list[bytes] = field(default_factory=list)
    #: Frames open while the run is going on (innermost last).
    stack: list[Frame] = field(default_factory=list)


class Recorder:
    """The recordings of the latest run and of each mined transaction (the newest ``keep``)."""

    def __init__(self, keep: int = 4096) -> None:
        self.current = Recording()
        self.by_tx: dict[str, Recording] = {}
        self.keep = keep

    def start(self) -> None:
        """Forget the latest run: a new top-level run (send, call, estimate) begins."""
        self.current = Recording()

    def file(self, tx_hash: str) -> None:
        """The latest run was the transaction ``tx_hash``: keep its recording."""
        self.by_tx[tx_hash] = self.current
        if len(self.by_tx) > self.keep:
            del self.by_tx[next(iter(self.by_tx))]


def call_tracer(frame: Frame) -> dict[str, Any]:
    """``frame`` as geth's ``callTracer`` gives it (``debug_traceTransaction`` with ``{"tracer": "callTracer"}``)."""
    out: dict[str, Any] = {
        "type": "CALL" if frame.kind == "CONSOLE" else frame.kind,
        "from": "0x" + frame.sender.hex(),
        "to": "0x" + frame.to.hex(),
        "value": hex(frame.value),
        "gas": hex(frame.gas),
        "gasUsed": hex(frame.gas_used),
        "input": "0x" + frame.input.hex(),
    }
    if frame.output:
        out["output"] = "0x" + frame.output.hex()
    if frame.error is not None:
        out["error"] = "execution reverted" if frame.error == "Revert" else frame.error
    if frame.children:
        out["calls"] = [call_tracer(child) for child in frame.children]
    return out
