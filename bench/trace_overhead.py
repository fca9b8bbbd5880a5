"""Overhead of recording console.log and call frames on py-evm, as a ratio (issue 12).

Runs the same transactions (an ERC-20 mint and a nested call that logs four
console lines) on a py-evm chain with the computation observer and on one
without it (hooks.install replaced by a no-op), alternating, and prints the
median ratio. Usage: .venv/bin/python bench/trace_overhead.py [transactions]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from sandbox import Sandbox
from sandbox.backends.pyevm import hooks

PROJECT = Path(__file__).resolve().parents[1] / "tests" / "testing" / "data" / "inspect"


def run(observe: bool, count: int) -> float:
    original = hooks.install
    if not observe:
        hooks.install = lambda chain_class, recorder: None  # type: ignore[assignment]
    try:
        sb = Sandbox(PROJECT, backend="pyevm")
    finally:
        hooks.install = original
    alice = sb.accounts.alice
    token = sb.deploy("Token", sender=alice)
    logger = sb.deploy("Logger", sb.deploy("Callee", sender=alice), sender=alice)
    start = time.perf_counter()
    for i in range(count):
        token.mint(alice, 1, sender=alice)
        logger.work(i % 5, sender=alice)
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    ratios = []
    for _ in range(3):
        on, off = run(True, count), run(False, count)
        ratios.append(on / off)
        print(f"{2 * count} transactions: recording {on:.2f}s, without {off:.2f}s, ratio {on / off:.3f}")
    print(f"median ratio (recording / without): {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
