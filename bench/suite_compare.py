"""The same 20-test NFT suite on the embedded chain and on anvil, side by side.

Runs ``bench/nft_suite`` with pytest in a fresh process per run, alternating
embedded and ``--sandbox-anvil`` (anvil started and stopped by the plugin),
and prints the median wall time of each with their ratio. The compile cache
is warmed first, so both sides time running tests, not solc.

    .venv/bin/python bench/suite_compare.py [--runs 3] [--contracts]

``--contracts`` also times the re-run that ``make test`` adds: the contract
suite (tests/contracts, forge's file excluded) on anvil, beside the same
suite on the embedded chain.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import Sandbox

SUITE = "bench/nft_suite"
CONTRACTS = ["tests/contracts", "--ignore=tests/contracts/test_forge.py"]
_SUMMARY = re.compile(r"(\d+) passed.* in ([0-9.]+)s")


def run(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, pytest's own session seconds, tests passed."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    found = _SUMMARY.search(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "")
    if done.returncode != 0 or found is None:
        sys.exit(f"pytest {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return wall, float(found.group(2)), int(found.group(1))


def compare(label: str, args: list[str], runs: int) -> None:
    times: dict[str, list[tuple[float, float]]] = {"embedded": [], "anvil": []}
    passed = 0
    for _ in range(runs):  # alternate, so load from other work hits both sides alike
        for mode, extra in (("embedded", []), ("anvil", ["--sandbox-anvil"])):
            wall, session, passed = run([*extra, *args])
            times[mode].append((wall, session))
    print(f"\n{label} ({passed} tests, median of {runs} runs)")
    print(f"{'chain':<10} {'wall s':>8} {'pytest s':>9}")
    med = {}
    for mode, samples in times.items():
        med[mode] = (statistics.median(w for w, _ in samples), statistics.median(s for _, s in samples))
        print(f"{mode:<10} {med[mode][0]:>8.2f} {med[mode][1]:>9.2f}")
    print(f"ratio anvil/embedded: wall {med['anvil'][0] / med['embedded'][0]:.2f}x, pytest {med['anvil'][1] / med['embedded'][1]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--contracts", action="store_true", help="also time tests/contracts on both chains")
    options = parser.parse_args()
    Sandbox(REPO).compile()  # warm the compile cache outside the timings
    compare("20-test NFT suite (bench/nft_suite)", [SUITE], options.runs)
    if options.contracts:
        compare("contract suite (tests/contracts, the make test re-run)", CONTRACTS, 1)


if __name__ == "__main__":
    main()
