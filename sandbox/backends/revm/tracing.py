"""Tracing on revm: when a run is traced, and how revm's tracer output is caught.

pyrevm 0.3.7 exposes no inspector; ``EVM.tracing = True`` (settable per
run) makes revm's EIP-3155 tracer write one JSON line per instruction to
the process's file descriptor 1, from Rust. :class:`Tracer` points fd 1 at
a temporary file around the traced run, puts it back, and hands the lines to
:class:`~sandbox.backends.revm.replay.Builder`. Any other output that
reached fd 1 meanwhile (another thread's) is written back to it.

Tracing is a second way of running, not a change to the run: the traced run
uses the same gas (the console address keeps no code), so receipts are the
same traced or not. Which runs are traced (measured in
``bench/revm_tracing.py``: a traced run costs several untraced ones):

- every run while the recorder is stepping (``debug_trace*``'s struct
  logger), while ``pytest --sandbox-coverage`` records (``coverage.HITS``),
  or while :attr:`Tracer.always` is set;
- otherwise a run is first made untraced, and made again traced (from the
  same state: the transaction's journal checkpoint is reverted first) only
  when it failed or called the console address (revm's journal names every
  account a run loaded): then its console.log lines, call tree and revert
  location are there, as on py-evm;
- a mined transaction that was not traced is traced when its recording is
  asked for (``sb.trace``, ``debug_traceTransaction``): run again on the
  state before it (:meth:`sandbox.backends.revm.backend.RevmBackend.retrace`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.backends.revm.replay import Builder, RunContext
from sandbox.backends.trace import CONSOLE_ADDRESS, Recorder, Recording

#: The console address as revm's journal prints it.
CONSOLE_IN_JOURNAL = "AccountLoaded { address: 0x" + CONSOLE_ADDRESS.hex() + " }"


def _coverage() -> tuple[Any, Any]:
    """The pcs and branches ``pytest --sandbox-coverage`` collects (None, None when it does not)."""
    from sandbox.backends.pyevm import coverage  # plain dicts the plugin sets; no engine behind them

    return coverage.HITS, coverage.BRANCHES


class Tracer:
    """One chain's tracing: the recorder it fills and the file revm's tracer writes to."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        #: Trace every run (not only failed ones and console.log callers).
        self.always = False
        self._file: Any = None
        #: A recording to trace into instead of the recorder's (a mined transaction run again).
        self.into: Recording | None = None
        #: Runs traced, and how many of them were second runs (counts for tests and the bench).
        self.traced = 0
        self.retraced = 0

    def wanted(self) -> bool:
        """Must the next run be traced from the start?"""
        return self.always or self.into is not None or self.recorder.current.steps is not None or _coverage()[0] is not None

    @staticmethod
    def worth_a_trace(outcome: Any, journal: str) -> bool:
        """Should an untraced run be made again traced: it reverted or failed (not for want of gas: a gas
        estimate's probes fail so), or it called the console address."""
        if not outcome.success and not str(outcome.error or "").startswith("OutOfGas"):
            return True
        return CONSOLE_IN_JOURNAL in journal

    @contextmanager
    def capturing(self, evm: Any) -> Iterator[list[bytes]]:
        """Run the block with revm's tracer on and fd 1 caught; the list is filled with its step lines after it."""
        if self._file is None:
            self._file = tempfile.TemporaryFile()  # kept open for the chain's life, reused by each traced run
        out = self._file
        out.seek(0)
        out.truncate()
        sys.stdout.flush()
        saved = os.dup(1)
        lines: list[bytes] = []
        os.dup2(out.fileno(), 1)
        evm.tracing = True
        try:
            yield lines
        finally:
            evm.tracing = False
            os.dup2(saved, 1)
            os.close(saved)
            out.seek(0)
            foreign = []
            for line in out.read().splitlines():
                if line.startswith(b'{"pc"'):
                    lines.append(line)
                elif not line.startswith(b'{"stateRoot"'):  # revm's summary line of a whole transaction
                    foreign.append(line)
            if foreign:
                os.write(1, b"\n".join(foreign) + b"\n")
            self.traced += 1

    def record(self, lines: list[bytes], ctx: RunContext, recording: Recording | None = None) -> Recording:
        """The run's steps into ``recording`` (the recorder's current one by default); console listeners hear its lines."""
        target = recording or self.into or self.recorder.current
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
    """A recording whose frames are traced when first asked for (``trace`` fills it); console lines are known empty."""

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
