"""py-evm's computation class, observed: call frames and console.log calls for :mod:`sandbox.backends.trace`.

Every message (the transaction's own and each CALL/CREATE beneath it) goes
through the computation class's ``apply_message`` / ``apply_create_message``;
a subclass records a frame around each, and the calldata of calls to the
console address. The console address keeps no code, so the call costs what
it costs on any node (a cold, empty account): gas is not changed.
"""

from __future__ import annotations

from typing import Any

from sandbox.backends.trace import CONSOLE_ADDRESS, Frame, Recorder


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
            if recording.stack:
                recording.stack[-1].children.append(frame)
            elif recording.root is None:
                recording.root = frame
            if bytes(message.code_address) == CONSOLE_ADDRESS and not message.is_create:
                frame.console.append(len(recording.console))
                recording.console.append(frame.input)
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
            if computation.is_error:
                frame.fail_pc = max(int(computation.code.program_counter) - 1, 0)
                error = computation.error
                frame.error = "Revert" if type(error).__name__ == "Revert" else f"{type(error).__name__}{f': {error}' if str(error) else ''}"
            return computation

        class Observed(base):  # type: ignore[misc]
            @classmethod
            def apply_message(cls, state: Any, message: Any, transaction_context: Any, parent_computation: Any = None) -> Any:
                return run(cls, super().apply_message, state, message, transaction_context, parent_computation)

            @classmethod
            def apply_create_message(cls, state: Any, message: Any, transaction_context: Any, parent_computation: Any = None) -> Any:
                return run(cls, super().apply_create_message, state, message, transaction_context, parent_computation)

        Observed.__name__ = f"Observed{base.__name__}"
        from sandbox.backends.pyevm import coverage

        if coverage.HITS is not None:  # pytest --sandbox-coverage: note every instruction run
            Observed.opcodes = coverage.wrap_opcodes(dict(base.opcodes), coverage.HITS)
        return Observed

    chain_class.vm_configuration = tuple(
        (number, vm.configure(_state_class=vm.get_state_class().configure(computation_class=observed(vm.get_state_class().computation_class))))
        for number, vm in chain_class.vm_configuration
    )
