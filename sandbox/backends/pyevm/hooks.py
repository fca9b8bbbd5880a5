"""py-evm's computation class, observed: call frames and console.log calls for :mod:`sandbox.backends.trace`.

Every message (the transaction's own and each CALL/CREATE beneath it) goes
through the computation class's ``apply_message`` / ``apply_create_message``;
a subclass records a frame around each, and the calldata of calls to the
console address. The console address keeps no code, so the call costs what
it costs on any node (a cold, empty account): gas is not changed.

While the recorder is stepping (``debug_traceTransaction``'s struct logger),
each computation also runs opcodes wrapped to note every step (pc, op, gas,
cost, depth, stack, and memory or storage when asked); otherwise the
opcodes are py-evm's own and nothing per instruction is added.
"""

from __future__ import annotations

from typing import Any

from sandbox.backends.trace import CONSOLE_ADDRESS, MAX_STEPS, Frame, Recorder, Recording, StepLimitExceeded

#: Opcodes whose cost geth counts with the gas handed to the child (set when the child starts).
_CALLS = frozenset({"CALL", "CALLCODE", "DELEGATECALL", "STATICCALL", "CREATE", "CREATE2"})


def _word(value: Any) -> str:
    return hex(value if isinstance(value, int) else int.from_bytes(value, "big"))


def _slot(value: Any) -> str:
    return "0x" + (value if isinstance(value, int) else int.from_bytes(value, "big")).to_bytes(32, "big").hex()


def stepped(opcodes: dict[int, Any], recorder: Recorder) -> dict[int, Any]:
    """``opcodes`` with each one appending a struct-logger step to the recorder's current recording."""

    def wrapped(fn: Any) -> Any:
        mnemonic = getattr(fn, "mnemonic", "?")
        is_call = mnemonic in _CALLS

        def run(computation: Any) -> Any:
            recording: Recording = recorder.current
            steps = recording.steps
            options = recording.step_options
            if steps is None or options is None:
                return fn(computation=computation)
            if len(steps) >= (options.limit or MAX_STEPS):
                raise StepLimitExceeded(f"more than {options.limit or MAX_STEPS} steps")
            gas = int(computation.get_gas_remaining())
            values = computation._stack.values
            step: dict[str, Any] = {"pc": max(int(computation.code.program_counter) - 1, 0), "op": mnemonic, "gas": gas, "gasCost": 0,
                                    "depth": int(computation.msg.depth) + 1}
            if options.stack:
                step["stack"] = [_word(v) for v in values]
            if options.memory:
                memory = bytes(computation._memory._bytes)
                step["memory"] = ["0x" + memory[i : i + 32].hex() for i in range(0, len(memory), 32)]
            step["refund"] = int(computation.get_gas_refund())
            steps.append(step)
            if is_call:
                recording.pending_call = step
            stored = None
            if options.storage and mnemonic in ("SLOAD", "SSTORE") and values:
                stored = recording.step_storage.setdefault(bytes(computation.msg.storage_address), {})
                if mnemonic == "SSTORE" and len(values) >= 2:
                    stored[_slot(values[-1])] = _slot(values[-2])
                key = _slot(values[-1])
            try:
                result = fn(computation=computation)
            except Exception as exc:
                step["gasCost"] = max(gas - int(computation.get_gas_remaining()), 0)
                if type(exc).__name__ not in ("Revert", "Halt"):  # STOP and RETURN end a frame by raising Halt
                    step["error"] = type(exc).__name__
                raise
            finally:
                if recording.pending_call is step:
                    recording.pending_call = None
            if not (is_call and step["gasCost"]):
                step["gasCost"] = gas - int(computation.get_gas_remaining())
            if stored is not None:
                if mnemonic == "SLOAD" and computation._stack.values:
                    stored[key] = _slot(computation._stack.values[-1])
                step["storage"] = dict(stored)
            return result

        run.mnemonic = mnemonic  # type: ignore[attr-defined]
        run.gas_cost = getattr(fn, "gas_cost", 0)  # type: ignore[attr-defined]
        return run

    return {op: wrapped(fn) for op, fn in opcodes.items()}


def _kind(message: Any) -> str:
    if message.is_create:
        return "CREATE"
    if message.is_static:
        return "STATICCALL"
    if message.storage_address != message.code_address:
        return "DELEGATECALL"
    return "CALL"


def install(chain_class: Any, recorder: Recorder) -> None:
    """Observe every computation of ``chain_class``'s VMs into ``recorder`` (each backend has its own chain class)."""

    def observed(base: Any) -> Any:
        def run(cls: Any, method: Any, state: Any, message: Any, transaction_context: Any, parent_computation: Any) -> Any:
            recording = recorder.current
            if recording.stack and recording.stack[-1].message is message:  # apply_create_message runs apply_message inside
                return method(state, message, transaction_context, parent_computation=parent_computation)
            to = message.storage_address if message.is_create else message.to
            frame = Frame(_kind(message), bytes(message.sender), bytes(to), int(message.value),
                          bytes(message.data_as_bytes if hasattr(message, "data_as_bytes") else message.data), int(message.gas),
                          len(recording.stack))
            frame.message = message
            frame.code_address = bytes(to if message.is_create else message.code_address)
            if parent_computation is not None:
                frame.call_pc = max(int(parent_computation.code.program_counter) - 1, 0)
                frame.logs_before = len(parent_computation._log_entries)
                pending = recording.pending_call
                if pending is not None:  # geth's cost of a CALL/CREATE includes the gas handed to the child
                    pending["gasCost"] = pending["gas"] - int(parent_computation.get_gas_remaining())
                    recording.pending_call = None
            if recording.stack:
                recording.stack[-1].children.append(frame)
            elif recording.root is None:
                recording.root = frame
            if bytes(message.code_address) == CONSOLE_ADDRESS and not message.is_create:
                frame.console.append(len(recording.console))
                recording.console.append(frame.input)
                for listener in Recorder.console_listeners:
                    try:
                        listener(frame.input)
                    except Exception:  # a listener's failure must not change what the chain runs
                        pass
            recording.stack.append(frame)
            try:
                computation = method(state, message, transaction_context, parent_computation=parent_computation)
            finally:
                recording.stack.pop()
                frame.message = None
            frame.gas_used = int(computation.get_gas_used())
            frame.output = bytes(computation.output)
            if not computation.is_error:
                frame.logs = [(bytes(address), [int(t) for t in topics], bytes(data)) for _, address, topics, data in computation._log_entries]
                frame.log_counters = [int(counter) for counter, *_rest in computation._log_entries]
            if computation.is_error:
                frame.fail_pc = max(int(computation.code.program_counter) - 1, 0)
                error = computation.error
                frame.error = "Revert" if type(error).__name__ == "Revert" else f"{type(error).__name__}{f': {error}' if str(error) else ''}"
            return computation

        class Observed(base):  # type: ignore[misc]
            def __init__(self, state: Any, message: Any, transaction_context: Any) -> None:
                super().__init__(state, message, transaction_context)
                # stepping: this computation runs the noting opcodes (not for empty code, where py-evm runs one
                # implicit STOP that geth and anvil do not show)
                if recorder.current.steps is not None and message.code:
                    cls: Any = type(self)
                    if "_stepped" not in cls.__dict__:
                        cls._stepped = stepped(dict(cls.opcodes), recorder)
                    self.opcodes = cls._stepped

            @classmethod
            def apply_message(cls, state: Any, message: Any, transaction_context: Any, parent_computation: Any = None) -> Any:
                return run(cls, super().apply_message, state, message, transaction_context, parent_computation)

            @classmethod
            def apply_create_message(cls, state: Any, message: Any, transaction_context: Any, parent_computation: Any = None) -> Any:
                return run(cls, super().apply_create_message, state, message, transaction_context, parent_computation)

        Observed.__name__ = f"Observed{base.__name__}"
        from sandbox.backends.pyevm import coverage

        if coverage.HITS is not None:  # pytest --sandbox-coverage: note every instruction run
            Observed.opcodes = coverage.wrap_opcodes(dict(base.opcodes), coverage.HITS, coverage.BRANCHES)
        return Observed

    chain_class.vm_configuration = tuple(
        (number, vm.configure(_state_class=vm.get_state_class().configure(computation_class=observed(vm.get_state_class().computation_class))))
        for number, vm in chain_class.vm_configuration
    )
