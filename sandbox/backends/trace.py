"""Call frames and console.log payloads, as the engines record them (engine-neutral shapes).

An embedded engine fills a :class:`Recording` while it runs a transaction:
one :class:`Frame` per message (the transaction's own, then every call and
create beneath it) and the calldata of every call to the console address
(forge-std's and Hardhat's ``console.sol``). Decoding (function names,
arguments, format strings) happens above the seam, with the project's ABIs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

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
    #: How many logs the parent had emitted when this frame started (geth's log ``position``).
    logs_before: int = 0
    #: The engine's running log counter of each of ``logs`` (their order in the transaction).
    log_counters: list[int] = field(default_factory=list)
    #: The engine's message while the frame runs (the engine's own bookkeeping).
    message: Any = field(default=None, repr=False, compare=False)

    @property
    def reverted(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class StepOptions:
    """What each opcode step keeps (geth's struct logger options ``disableStack``, ``enableMemory``, ``disableStorage``)."""

    stack: bool = True
    memory: bool = False
    storage: bool = True
    #: Steps kept at most: a longer run fails rather than filling memory (geth's ``limit``; 0 is the default bound).
    limit: int = 0


#: Default bound on recorded steps (a step with its stack is about 1 kB of Python objects).
MAX_STEPS = 500_000


class StepLimitExceeded(Exception):
    """Raised inside the engine when a stepped run passes its step limit."""


@dataclass
class Recording:
    """What one run recorded: the root frame (None when the engine records no frames) and the console payloads."""

    root: Frame | None = None
    console: list[bytes] = field(default_factory=list)
    #: Frames open while the run is going on (innermost last).
    stack: list[Frame] = field(default_factory=list)
    #: Opcode steps as geth's struct logger gives them (``pc, op, gas, gasCost, depth, stack, ...``); None: not stepping.
    steps: list[dict[str, Any]] | None = None
    step_options: StepOptions | None = None
    #: Storage seen so far per contract while stepping (geth shows it at SLOAD/SSTORE).
    step_storage: dict[bytes, dict[str, str]] = field(default_factory=dict)
    #: The CALL/CREATE step whose cost is known once its child starts.
    pending_call: dict[str, Any] | None = None


class Recorder:
    """The recordings of the latest run and of each mined transaction (the newest ``keep``)."""

    #: Called with each console.log payload as the engine runs it, on every recorder of the process
    #: (``sandbox node`` prints them to its log, as anvil does, estimates and calls included).
    console_listeners: ClassVar[list[Callable[[bytes], None]]] = []

    def __init__(self, keep: int = 4096) -> None:
        self.current = Recording()
        self.by_tx: dict[str, Recording] = {}
        self.keep = keep

        #: While set (see :meth:`stepping`), each run also records its opcode steps.
        self.step_options: StepOptions | None = None
        #: While set (see :meth:`framing`), engines that record frames only on demand (revm) record them.
        self.frames_wanted = False

    def start(self) -> None:
        """Forget the latest run: a new top-level run (send, call, estimate) begins."""
        options = self.step_options
        self.current = Recording(steps=[] if options is not None else None, step_options=options)

    @contextmanager
    def stepping(self, options: StepOptions | None = None) -> Iterator[None]:
        """Record opcode steps of the runs made inside the block (``debug_trace*``'s struct logger)."""
        self.step_options = options or StepOptions()
        try:
            yield
        finally:
            self.step_options = None

    @contextmanager
    def framing(self) -> Iterator[None]:
        """Record the call frames of the runs made inside the block (py-evm always does; revm when asked)."""
        self.frames_wanted = True
        try:
            yield
        finally:
            self.frames_wanted = False

    def file(self, tx_hash: str) -> None:
        """The latest run was the transaction ``tx_hash``: keep its recording."""
        self.by_tx[tx_hash] = self.current
        if len(self.by_tx) > self.keep:
            del self.by_tx[next(iter(self.by_tx))]


_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


def revert_reason(output: bytes) -> str | None:
    """geth's ``revertReason``: the text of ``Error(string)``, or ``Panic`` with its code; None for other data."""
    if output[:4] == _ERROR_STRING and len(output) >= 68:
        try:
            length = int.from_bytes(output[36:68], "big")
            return output[68 : 68 + length].decode()
        except (UnicodeDecodeError, ValueError):
            return None
    if output[:4] == _PANIC and len(output) >= 36:
        return f"panic: 0x{int.from_bytes(output[4:36], 'big'):x}"
    return None


def call_tracer(frame: Frame, *, with_log: bool = False, only_top: bool = False, gas: int | None = None, gas_used: int | None = None) -> dict[str, Any]:
    """``frame`` as geth's ``callTracer`` gives it (``debug_traceTransaction`` with ``{"tracer": "callTracer"}``).

    ``gas``/``gas_used`` replace the top frame's (geth gives the transaction's
    gas used, intrinsic gas included); ``with_log`` and ``only_top`` are
    geth's ``tracerConfig`` options ``withLog`` and ``onlyTopCall``.
    """
    indices: dict[tuple[int, int], int] = {}
    if with_log:  # geth's log "index": its place among the transaction's kept logs (a reverted frame keeps none)
        kept: list[tuple[int, int, int]] = []

        def gather(f: Frame) -> None:
            if f.error is not None:
                return
            kept.extend((counter, id(f), i) for i, counter in enumerate(f.log_counters or range(len(f.logs))))
            for child in f.children:
                gather(child)

        gather(frame)
        indices = {(fid, i): n for n, (_c, fid, i) in enumerate(sorted(kept))}
    return _call_frame(frame, with_log, only_top, gas, gas_used, indices)


def _call_frame(frame: Frame, with_log: bool, only_top: bool, gas: int | None, gas_used: int | None,
                indices: dict[tuple[int, int], int]) -> dict[str, Any]:
    # geth names a DELEGATECALL by the contract that made it (whose storage it runs on) and the code it ran
    delegated = frame.kind in ("DELEGATECALL", "CALLCODE") and bool(frame.code_address)
    out: dict[str, Any] = {
        "type": "CALL" if frame.kind == "CONSOLE" else frame.kind,
        "from": "0x" + (frame.to if delegated else frame.sender).hex(),
        "to": "0x" + (frame.code_address if delegated else frame.to).hex(),
        "gas": hex(frame.gas if gas is None else gas),
        "gasUsed": hex(frame.gas_used if gas_used is None else gas_used),
        "input": "0x" + frame.input.hex(),
    }
    if frame.kind != "STATICCALL":  # a DELEGATECALL shows the value it runs with (its caller's)
        out["value"] = hex(frame.value)
    if frame.output:
        out["output"] = "0x" + frame.output.hex()
    if frame.error is not None:
        out["error"] = "execution reverted" if frame.error == "Revert" else frame.error
        reason = revert_reason(frame.output) if frame.error == "Revert" else None
        if reason is not None:
            out["revertReason"] = reason
    if frame.children and not only_top:
        out["calls"] = [_call_frame(child, with_log, False, None, None, indices) for child in frame.children]
    if with_log and frame.logs and (id(frame), 0) in indices:
        starts = [child.logs_before for child in frame.children]
        out["logs"] = [
            {"address": "0x" + address.hex(), "topics": ["0x" + t.to_bytes(32, "big").hex() for t in topics], "data": "0x" + data.hex(),
             "position": hex(sum(1 for start in starts if start <= index)), "index": hex(indices[(id(frame), index)])}
            for index, (address, topics, data) in enumerate(frame.logs)
        ]
    return out


_FEE_KEYS = ("gas_price", "max_fee_per_gas", "max_priority_fee_per_gas")


def replay_call(tx: dict[str, Any]) -> dict[str, Any]:
    """A mined transaction (a backend's record) as a call request: same sender, target, gas, value, data and fees.

    Run on its parent block's state it does what the transaction did, exactly
    when it was the first of its block (every transaction of the sandbox is,
    unless mined together under manual or interval mining).
    """
    data = tx.get("data") or b""
    call: dict[str, Any] = {
        "from": tx["from"],
        "gas": int(tx["gas"]),
        "value": int(tx.get("value") or 0),
        "data": bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data),
    }
    if tx.get("to"):
        call["to"] = tx["to"]
    for key in _FEE_KEYS:
        if tx.get(key) is not None:
            call[key] = int(tx[key])
    if "max_fee_per_gas" in call:
        call.pop("gas_price", None)
    return call
