"""Tracing on revm: which runs are traced, how revm's tracer output is caught, and console.log without it.

pyrevm 0.3.7 exposes no inspector; ``EVM.tracing = True`` (settable per
run) turns on revm's EIP-3155 tracer, one JSON line per instruction, which
pyrevm writes through Python's ``print`` (``py.run("print(s, end='')")``
for every piece serde writes, ~30 per instruction). :class:`Tracer` puts a
``StringIO`` in ``sys.stdout`` around the traced run and hands the lines to
:class:`~sandbox.backends.revm.replay.Builder`; other output printed
meanwhile (another thread's) is passed on. Each piece compiles a line of
Python, so a traced run costs ~3 ms per instruction (``bench/revm_tracing.py``:
thousands of times an untraced run). Tracing only watches: a traced run
uses the same gas, so receipts are the same traced or not. Hence:

- **console.log without the tracer.** A run is first made untraced; when
  revm's journal shows it loaded the console address (3 us to read), it is
  made again from the same state with :data:`CONSOLE_CODE` at that address,
  which turns its calldata into accounts it loads, listed in order in the
  journal (:func:`console_payloads`). Its loads cost gas, so that run gets
  more and its receipt is dropped; one more untraced run (~2x).
- **The tracer** for a run that reverted and called console.log (the
  console run's gas says so: a reverted run's journal is gone, so are its
  payloads; the tracer gives them in order, with the call tree and revert
  location), for any run that reverted when :attr:`Tracer.trace_failures`
  is set (off by default: see there; an untraced failure is traced when its
  frames are first asked for instead, e.g. a ``ContractReverted``'s ``trace``
  in a failing test's report: :meth:`Tracer.defer`), for every run while the recorder is
  stepping (``debug_trace*``'s struct logger) or framing (``debug_traceCall``'s
  callTracer), while ``pytest --sandbox-coverage`` records (``coverage.HITS``)
  or :attr:`Tracer.always` is set; and for a mined transaction when its
  frames are first asked for (``sb.trace``, ``debug_traceTransaction``): run
  again on the state before it (:class:`LazyRecording`).
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from eth_utils import to_checksum_address

from sandbox.backends.revm.replay import Builder, RunContext
from sandbox.backends.trace import CONSOLE_ADDRESS, Recorder, Recording

#: The console address as revm's journal prints it.
CONSOLE_IN_JOURNAL = "AccountLoaded { address: 0x" + CONSOLE_ADDRESS.hex() + " }"
#: The console address as a key of pyrevm's ``EVM.journal_state`` (the accounts the open run loaded; checksummed):
#: a run that is not kept looks there, ~2 us, instead of in the journal's text (~5-20 us: it prints the code run).
CONSOLE_IN_STATE = to_checksum_address(CONSOLE_ADDRESS)

#: Code put at the console address for a console run: its calldata read 12 bytes at a time into the
#: addresses it asks the BALANCE of, ``0xc0de | tag (GAS at entry, 4 bytes) | offset (2) | 12 bytes``
#: (offset 0xffff: the header, whose 12 bytes are the calldata's length). A STATICCALL may load
#: accounts, and revm's journal lists every account loaded, in order: so it carries the payloads out
#: of the EVM without a tracer. Each load costs 2,600 gas, which is why only a second run has this code.
CONSOLE_CODE = bytes.fromhex(
    "5a63ffffffff16"  # GAS, PUSH4 0xffffffff, AND: tag
    "8060701b61c0de60901b179050"  # base = 0xc0de << 144 | tag << 112
    "8061ffff60601b173617"  # header = base | 0xffff << 96 | CALLDATASIZE
    "31505f"  # BALANCE(header), POP; offset = 0
    "5b36811015603d57"  # loop: if not offset < CALLDATASIZE: jump to the end
    "803560a01c"  # CALLDATALOAD(offset) >> 160: its first 12 bytes
    "8160601b178217"  # | offset << 96 | base
    "3150600c01602156"  # BALANCE, POP; offset += 12; jump to the loop
    "5b00"  # end: STOP
)
#: Gas given to a console run beyond the transaction's own (its loads cost 2,600 each).
CONSOLE_RUN_GAS = 3_000_000


def console_code_gas(length: int) -> int:
    """Gas :data:`CONSOLE_CODE` uses for ``length`` bytes of calldata: the header (2,658 with its cold
    BALANCE), 2,674 per 12 bytes (each with one), 26 to leave the loop."""
    return 2_658 + 2_674 * ((length + 11) // 12) + 26
_MARKED = re.compile(r"AccountLoaded \{ address: 0xc0de([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{24}) \}")


def console_payloads(journal: str) -> list[bytes]:
    """The console.log calldata a console run's journal carries, in the order the calls ran.

    A frame that reverts takes its journal entries with it: a console call made there is not
    listed. The caller checks the gas the console code used against what the found payloads
    cost (:func:`console_code_gas`) to know that none is missing.
    """
    payloads: list[tuple[str, int, bytearray]] = []
    for tag, offset, data in _MARKED.findall(journal[journal.rfind(", journal: [") :]):
        if offset == "ffff":
            payloads.append((tag, int(data, 16), bytearray()))
        elif payloads and payloads[-1][0] == tag:
            payloads[-1][2].extend(bytes.fromhex(data))
    return [bytes(chunks[:length]) for _tag, length, chunks in payloads]


def _coverage() -> tuple[Any, Any]:
    """The pcs and branches ``pytest --sandbox-coverage`` collects (None, None when it does not)."""
    from sandbox.backends.pyevm import coverage  # plain dicts the plugin sets; no engine behind them

    return coverage.HITS, coverage.BRANCHES


class Tracer:
    """One chain's tracing: when runs are traced, and the recorder they fill."""

    #: Trace a run that reverted or failed (its call tree, revert location and console lines in the
    #: ``ContractReverted``). Off by default: a revert costs ~1.5 s traced against 0.4 ms (bench/revm_tracing.py),
    #: which made the contract suite's run on revm 13x slower (17 s -> 219 s for tests/contracts/test_collectible.py,
    #: its 27 expected reverts). Without it a failure is traced only when its frames are read (:meth:`defer`): the
    #: same trace, paid for by the failures someone looks at. Set it (``Tracer.trace_failures = True``) to trace every
    #: failure at once, e.g. when the state it ran on will be reverted before the trace is read.
    trace_failures: ClassVar[bool] = False

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        #: Trace every run (not only failed ones and console.log callers).
        self.always = False
        #: A recording to trace into instead of the recorder's (a mined transaction run again).
        self.into: Recording | None = None
        #: Runs traced, and how many of them were second runs (counts for tests and the bench).
        self.traced = 0
        self.retraced = 0
        #: Instructions the tracer has printed (the bench's cost per instruction).
        self.steps = 0
        #: Trace every run and hand its steps and context here instead of to the recorder (an access list's
        #: runs, :mod:`sandbox.backends.revm.access_list`); called while the state the run saw is still there.
        self.catch: Callable[[list[str], RunContext], None] | None = None
        #: Hand an untraced run's journal (revm's Debug text) here, and do nothing else for it (no console run, no
        #: deferred trace): an access list's check that a run touched nothing new.
        self.catch_journal: Callable[[str], None] | None = None

    def wanted(self) -> bool:
        """Must the next run be traced from the start?"""
        recorder = self.recorder
        if self.catch_journal is not None:
            return False
        return (self.always or self.catch is not None or self.into is not None or recorder.frames_wanted or recorder.current.steps is not None
                or _coverage()[0] is not None)

    def worth_a_trace(self, outcome: Any) -> bool:
        """Should an untraced run be made again traced: it reverted or failed (not for want of gas: a gas
        estimate's probes fail so) and :attr:`trace_failures` is set."""
        return self.trace_failures and not outcome.success and not str(outcome.error or "").startswith("OutOfGas")

    @contextmanager
    def capturing(self, evm: Any) -> Iterator[list[str]]:
        """Run the block with revm's tracer on and ``sys.stdout`` caught; the list gets its step lines after it."""
        caught = io.StringIO()
        saved = sys.stdout
        lines: list[str] = []
        sys.stdout = caught
        evm.tracing = True
        try:
            yield lines
        finally:
            evm.tracing = False
            sys.stdout = saved
            foreign = []
            for line in caught.getvalue().splitlines():
                if line.startswith('{"pc"'):
                    lines.append(line)
                elif not line.startswith('{"stateRoot"'):  # revm's summary line of a whole transaction
                    foreign.append(line)
            self.steps += len(lines)
            if foreign:  # another thread's output, printed meanwhile
                saved.write("\n".join(foreign) + "\n")
            self.traced += 1

    def defer(self, trace: Any) -> None:
        """The run just made failed untraced: the recorder's current recording becomes a :class:`LazyRecording`
        that ``trace(recording)`` fills when its frames are first asked for (a ``ContractReverted``'s ``trace``)."""
        current = self.recorder.current
        lazy = LazyRecording(trace)
        lazy.console = current.console
        self.recorder.current = lazy

    def heard(self, payloads: list[bytes]) -> None:
        """Console payloads of an untraced run (a console run): into the current recording, and to the listeners."""
        recording = self.recorder.current
        for payload in payloads:
            recording.console.append(payload)
            for listener in Recorder.console_listeners:
                try:
                    listener(payload)
                except Exception:  # a listener's failure must not change what the chain runs
                    pass

    def record(self, lines: list[str], ctx: RunContext, recording: Recording | None = None) -> Recording:
        """The run's steps into ``recording`` (the recorder's current one by default); console listeners hear its lines."""
        target = recording or self.into or self.recorder.current
        if self.catch is not None:
            self.catch(lines, ctx)
            return target
        if self.into is not None:  # a run again: it gives the console payloads it found (known from the first run)
            target.console.clear()
        hits, branches = _coverage()
        builder = Builder(ctx, target, depth=0, step_options=target.step_options if target.steps is not None else None,
                          hits=hits, branches=branches)
        builder.feed(lines)
        if target.steps is not None:
            builder.close_steps()
        for payload in builder.console if self.into is None else ():  # a run again: its lines were heard the first time
            for listener in Recorder.console_listeners:
                try:
                    listener(payload)
                except Exception:  # a listener's failure must not change what the chain runs
                    pass
        return target


class LazyRecording(Recording):
    """A recording whose frames are traced when first asked for (``trace`` fills it); its console lines are known.

    Two kinds: a mined transaction's (``RevmBackend.retrace``) and an untraced failed run's
    (:meth:`Tracer.defer`, ``WorldState.retrace``), both run again on the state they ran on.
    """

    def __init__(self, trace: Any) -> None:
        self._root: Any = None
        self._trace = trace
        super().__init__()

    @property
    def root(self) -> Any:
        if self._root is None and self._trace is not None:
            trace, self._trace = self._trace, None
            trace(self)
        return self._root

    @root.setter
    def root(self, value: Any) -> None:
        self._root = value
