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


def wrap_opcodes(opcodes: dict[int, Any], hits: dict[bytes, set[int]]) -> dict[int, Any]:
    """``opcodes`` with each one noting where it ran before running."""

    def wrapped(fn: Any) -> Any:
        def run(computation: Any) -> Any:
            code = computation.msg.code
            seen = hits.get(code)
            if seen is None:
                seen = hits[code] = set()
            seen.add(computation.code.program_counter - 1)
            return fn(computation=computation)

        run.mnemonic = getattr(fn, "mnemonic", "?")  # type: ignore[attr-defined]
        run.gas_cost = getattr(fn, "gas_cost", 0)  # type: ignore[attr-defined]
        return run

    return {op: wrapped(fn) for op, fn in opcodes.items()}
