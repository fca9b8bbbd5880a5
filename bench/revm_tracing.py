"""What recording costs on revm (sandbox.backends.revm.tracing), against untraced runs in the same run.

Four ways of running the same transactions through the Sandbox API on revm:

- ``off``: no tracer at all (the engine as before issue 12; no console lines, no traces);
- ``default``: what the sandbox does: untraced, plus a console run for a run that called
  console.log or reverted, and the tracer for a revert that logged;
- ``always``: every run through revm's EIP-3155 tracer (``Tracer.always``; what coverage does);
- ``asked``: ``sb.trace(receipt)`` of a transaction mined untraced (one tracer run, later).

For each: milliseconds per transaction (best of ``--rounds``) and the ratio to ``off``; and the
tracer's cost per instruction. py-evm's recording (its hooks, always on) is measured the same way
for comparison, against a py-evm chain with ``observer`` unset.

    .venv/bin/python bench/revm_tracing.py [--rounds 3] [--n 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import Sandbox
from sandbox.errors import ContractReverted

INSPECT = REPO / "tests" / "testing" / "data" / "inspect"


def chain(mode: str) -> tuple[Sandbox, Any, Any, Any, Any]:
    sb = Sandbox(INSPECT, backend="revm")
    engine = sb.chain.backend.engine_backend
    if mode == "off":
        engine.tracer = engine.state.tracer = None
    elif mode == "always":
        engine.tracer.always = True
    alice = sb.accounts.alice
    token = sb.deploy("Token", sender=alice)
    callee = sb.deploy("Callee", sender=alice)
    logger = sb.deploy("Logger", callee, sender=alice)
    return sb, token, logger, callee, alice


def best(fn: Callable[[], object], n: int, rounds: int) -> float:
    """Best of ``rounds`` of ``n`` calls, in ms per call (after one call to warm up)."""
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - start) / n * 1000)
    return min(times)


def failing(logger: Any, alice: Any) -> Callable[[], None]:
    def run() -> None:
        try:
            logger.fail(9, sender=alice)
        except ContractReverted:
            pass

    return run


def checking(callee: Any) -> Callable[[], None]:
    def run() -> None:
        try:
            callee.check(9)
        except ContractReverted:
            pass

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=20, help="transactions per round (untraced modes)")
    args = parser.parse_args()
    n, rounds = args.n, args.rounds
    results: dict[str, dict[str, float]] = {}
    for mode in ("off", "default", "always"):
        sb, token, logger, callee, alice = chain(mode)
        slow = mode == "always"
        count, tries = (1, 1) if slow else (n, rounds)
        results[mode] = {
            "mint (no console.log)": best(lambda: token.mint(alice, 1, sender=alice), count, tries),  # noqa: B023
            "Logger.work (4 console.log, 2 frames)": best(lambda: logger.work(3, sender=alice), count, tries),  # noqa: B023
            "Logger.fail (a revert that logged)": best(failing(logger, alice), count, tries),
            "Callee.check (a revert, no console.log)": best(checking(callee), count, tries),
        }
    sb, token, logger, callee, alice = chain("default")
    receipts = [token.mint(alice, 1, sender=alice) for _ in range(3)]
    start = time.perf_counter()
    for receipt in receipts:
        sb.trace(receipt)
    asked = (time.perf_counter() - start) / len(receipts) * 1000
    sb, token, logger, callee, alice = chain("always")
    tracer = sb.chain.backend.engine_backend.tracer
    before_steps, start = tracer.steps, time.perf_counter()
    logger.work(3, sender=alice)  # an estimate run and the transaction, both traced
    per_step = (time.perf_counter() - start) * 1000 / (tracer.steps - before_steps)
    print(f"revm, {INSPECT.name} project; ms per transaction (best of {rounds}; always: one run)")
    names = list(results["off"])
    print(f"{'':40} {'off':>10} {'default':>16} {'always':>18}")
    for name in names:
        off = results["off"][name]
        row = [f"{off:10.2f}"]
        for mode in ("default", "always"):
            value = results[mode][name]
            row.append(f"{value:10.2f} ({value / off:5.1f}x)" if mode == "default" else f"{value:10.1f} ({value / off:6.0f}x)")
        print(f"{name:40} {' '.join(row)}")
    print(f"sb.trace(receipt) of an untraced mint: {asked:.1f} ms ({asked / results['off']['mint (no console.log)']:.0f}x a mint)")
    print(f"revm's tracer (pyrevm prints each piece of its JSON through Python): {per_step:.2f} ms per instruction")


if __name__ == "__main__":
    main()
