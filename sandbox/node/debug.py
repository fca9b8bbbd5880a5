"""``debug_traceTransaction`` and ``debug_traceCall``: geth's ``callTracer`` and its default struct logger.

Mixed into :class:`sandbox.node.methods.RpcHandler`. The call tree of a mined
transaction is the one the engine recorded when it ran
(:mod:`sandbox.backends.trace`); opcode steps are recorded on demand, by
running the transaction again as a call on the state of its parent block
(every transaction of the sandbox is mined in a block of its own, so that
is the state it ran on). Both embedded engines answer: py-evm from its
hooks, revm from revm's EIP-3155 tracer (``sandbox.backends.revm.tracing``:
a mined transaction is traced again on the state before it when its tree is
first asked for; slow, ~3 ms per instruction). An engine that records
nothing is refused with -32000.

Options, as geth takes them: ``{"tracer": "callTracer", "tracerConfig":
{"withLog": true, "onlyTopCall": true}}``; for the struct logger (no
``tracer``) ``disableStack``, ``enableMemory``, ``disableStorage`` and
``limit``. Unknown hashes are an error naming the hash (anvil answers an
empty trace).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.backends.trace import Frame, Recorder, Recording, StepLimitExceeded, StepOptions, call_tracer, replay_call
from sandbox.node.wire import INVALID_PARAMS, REFUSED, RpcError, hash_param, params_of

TRACERS = ("callTracer", "default struct logger (no tracer)")


def _options(value: Any, method: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RpcError(INVALID_PARAMS, f"{method}'s trace options must be an object such as {{\"tracer\": \"callTracer\"}}, got {value!r}")
    tracer = value.get("tracer")
    if tracer not in (None, "", "callTracer"):
        raise RpcError(INVALID_PARAMS, f"tracer {tracer!r} is not supported by the sandbox node; use one of: {', '.join(TRACERS)}")
    return value


def _step_options(options: dict[str, Any]) -> StepOptions:
    limit = options.get("limit") or 0
    if not isinstance(limit, int) or limit < 0:
        raise RpcError(INVALID_PARAMS, f"limit must be a non-negative integer, got {limit!r}")
    return StepOptions(stack=not options.get("disableStack"), memory=bool(options.get("enableMemory")),
                       storage=not options.get("disableStorage"), limit=limit)


def _replayable(tx_hash: str, index: int) -> None:
    """A transaction is run again on its parent block's state: exact for the first of its block only."""
    if index > 0:
        raise RpcError(REFUSED, f"transaction {tx_hash} is number {index} of its block: the node replays a transaction on its parent "
                                "block's state, which would miss the block's earlier transactions (mined together under manual or "
                                "interval mining); trace it with {\"tracer\": \"callTracer\"} if it was recorded, or mine one per block")


def _intrinsic(call: dict[str, Any]) -> int:
    """The gas a transaction pays before its code runs (21000, calldata, creation, access list)."""
    data = bytes(call.get("data") or b"")
    gas = 21_000 + sum(16 if b else 4 for b in data)
    if not call.get("to"):
        gas += 32_000 + 2 * ((len(data) + 31) // 32)
    for entry in call.get("access_list") or []:
        gas += 2_400 + 1_900 * len(entry.get("storage_keys") or [])
    return gas


def _struct_log(recording: Recording, failed: bool, gas_used: int) -> dict[str, Any]:
    root = recording.root
    output = root.output if root is not None else b""
    return {"gas": gas_used, "failed": failed, "returnValue": "0x" + output.hex(), "structLogs": recording.steps or []}


class DebugMethods:
    """``debug_traceTransaction``, ``debug_traceCall`` (mixed into the handler, which supplies ``_call_request``/``_overridden``)."""

    _call_request: Any
    _overridden: Any

    def _tracing_backend(self, sb: Any, method: str) -> Any:
        backend = sb.chain.backend
        if getattr(backend, "observer", None) is None:
            raise RpcError(REFUSED, f"{method} needs an engine that records execution; the {backend.engine} engine does not: "
                                    "run the node on py-evm or revm (SANDBOX_BACKEND=pyevm sandbox node)")
        return backend

    def _run(self, backend: Any, call: dict[str, Any], block: Any, steps: StepOptions | None) -> tuple[Recording, bool]:
        """Run ``call`` at ``block`` (recording frames, and steps when asked); the recording and whether it failed."""
        try:
            recording, failed = backend.rerun(call, block, steps)
        except StepLimitExceeded as exc:
            raise RpcError(REFUSED, f"the trace has {exc}: raise the limit option or trace with {{\"tracer\": \"callTracer\"}}") from None
        if recording is None:
            raise RpcError(REFUSED, "the engine recorded nothing for this run")
        return recording, failed

    def rpc_debug_traceTransaction(self, sb: Any, params: list[Any]) -> Any:
        """geth's callTracer (withLog, onlyTopCall) or struct logger (opcode steps) of a mined transaction (py-evm, revm)."""
        tx_hash, raw_options = params_of(params, 1, 2, "debug_traceTransaction")
        tx_hash = hash_param(tx_hash, "transaction hash")
        options = _options(raw_options, "debug_traceTransaction")
        backend = self._tracing_backend(sb, "debug_traceTransaction")
        tx = backend.get_transaction(tx_hash)
        receipt = backend.get_receipt(tx_hash) if tx is not None else None
        if tx is None or receipt is None or tx.get("block_number") is None:
            raise RpcError(REFUSED, f"transaction {tx_hash} not found: debug_traceTransaction traces transactions mined on this chain "
                                    "(eth_getTransactionByHash gives null for it)")
        gas_used = int(receipt["gas_used"])
        block, index = int(tx["block_number"]), int(tx.get("transaction_index") or 0)
        if options.get("tracer") == "callTracer":
            config = options.get("tracerConfig") or {}
            recorded = backend.recording(tx_hash)
            root: Frame | None = recorded.root if recorded is not None else None
            if root is None:  # older than the recordings kept (or a reloaded chain): run it again
                _replayable(tx_hash, index)
                root = self._run(backend, replay_call(tx), block - 1, None)[0].root
            assert root is not None
            return call_tracer(root, with_log=bool(config.get("withLog")), only_top=bool(config.get("onlyTopCall")), gas_used=gas_used)
        _replayable(tx_hash, index)
        recording, failed = self._run(backend, replay_call(tx), block - 1, _step_options(options))
        return _struct_log(recording, failed, gas_used)

    def rpc_debug_traceCall(self, sb: Any, params: list[Any]) -> Any:
        """The same tracers for a call at a block (with stateOverrides); py-evm, revm."""
        tx, block, raw_options = params_of(params, 1, 3, "debug_traceCall")
        options = _options(raw_options, "debug_traceCall")
        backend = self._tracing_backend(sb, "debug_traceCall")
        call = self._call_request(sb, tx)
        steps = None if options.get("tracer") == "callTracer" else _step_options(options)
        with self._overridden(sb, options.get("stateOverrides"), block) as at:
            recording, failed = self._run(backend, call, at, steps)
        root = recording.root
        assert root is not None
        gas_used = root.gas_used + _intrinsic(call)  # geth counts the transaction's intrinsic gas in
        if steps is None:
            config = options.get("tracerConfig") or {}
            return call_tracer(root, with_log=bool(config.get("withLog")), only_top=bool(config.get("onlyTopCall")), gas_used=gas_used)
        return _struct_log(recording, failed, gas_used)


def log_console(write: Callable[[str], None] | None = None) -> Callable[[], None]:
    """Print each console.log line to the node's log as the engine runs it, as anvil does; returns the undo.

    Like anvil, every run prints: transactions, calls and gas estimates (a
    transaction sent without a gas limit is estimated first, so its lines
    show once per run). ``write`` defaults to printing on standard output.
    """
    from sandbox.contracts.console import decode_line

    def out(line: str) -> None:
        print(line, flush=True)

    emit = write or out

    def listener(payload: bytes) -> None:
        emit(decode_line(payload))

    Recorder.console_listeners.append(listener)
    return lambda: Recorder.console_listeners.remove(listener)
