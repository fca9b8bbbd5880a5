"""Which instructions py-evm ran, per code: the raw material of ``pytest --sandbox-coverage``.

When :data:`HITS` is a dict (the plugin sets it before any chain is made),
every py-evm chain made afterwards wraps its opcodes to note
``(code, pc)`` of each instruction it runs. Mapping pcs to Solidity lines
happens above the seam (:mod:`sandbox.contracts.coverage`).
"""

from __future__ import annotations

from typing import Any

#: code bytes (runtime or init code) -> program counters run; None: not recording.
HITS: dict[bytes, set[int]] | None = None
#: code bytes -> ``(pc, jumped)`` of each JUMPI outcome seen (branch coverage); set with HITS.
BRANCHES: dict[bytes, set[tuple[int, bool]]] | None = None

_JUMPI = 0x57


def wrap_opcodes(opcodes: dict[int, Any], hits: dict[bytes, set[int]], branches: dict[bytes, set[tuple[int, bool]]] | None = None) -> dict[int, Any]:
    """``opcodes`` with each one noting where it ran before running (and JUMPI which way it went)."""

    def wrapped(fn: Any, is_jumpi: bool) -> Any:
        def run(computation: Any) -> Any:
            code = computation.msg.code
            seen = hits.get(code)
            if seen is None:
                seen = hits[code] = set()
            pc = computation.code.program_counter - 1
            seen.add(pc)
            if is_jumpi and branches is not None:
                values = computation._stack.values
                if len(values) >= 2:
                    condition = values[-2]
                    jumped = bool(condition) if isinstance(condition, int) else any(condition)
                    branches.setdefault(code, set()).add((pc, jumped))
            return fn(computation=computation)

        run.mnemonic = getattr(fn, "mnemonic", "?")  # type: ignore[attr-defined]
        run.gas_cost = getattr(fn, "gas_cost", 0)  # type: ignore[attr-defined]
        return run

    return {op: wrapped(fn, op == _JUMPI) for op, fn in opcodes.items()}
