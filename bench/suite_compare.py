"""The same 20-test NFT suite on the embedded chain and on anvil, side by side.

Runs ``bench/nft_suite`` with pytest in a fresh process per run, alternating
embedded and ``--sandbox-anvil`` (anvil started and stopped by the plugin),
and prints the median wall time of each with their ratio. The compile cache
is warmed first, so both sides time running tests, not solc.

    .venv/bin/python bench/suite_compare.py [--runs 3] [--contracts]
    .venv/bin/python bench/suite_compare.py --peers [--runs 3]

``--contracts`` also times the re-run that ``make test`` adds: the contract
suite (tests/contracts, forge's file excluded) on anvil, beside the same
suite on the embedded chain.

``--peers`` times only issue 16's suite rows, as bench/peers.py does (wall of
one pytest process, start-up included), each run alternating titanoboa's twin
(bench/nft_suite_boa, in the peers' venv), py-evm and revm; it prints each
run's wall and CPU seconds with both ratios against titanoboa's in that run
(CPU time is steadier than wall on a loaded machine).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _env  # noqa: F401  (child processes cache bytecode, as a user's shell does)

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


def timed(python: Path | str, args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one pytest process, which must pass."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env})
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"pytest {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def peers(runs: int) -> None:
    """Issue 16's suite rows: titanoboa's twin, py-evm and revm, alternated run by run, ratios within each run."""
    sys.path.insert(0, str(REPO / "bench"))
    from peers import artifact, boa_python

    boa = boa_python()
    if boa is None:
        sys.exit("titanoboa could not be installed; --peers needs it")
    art = artifact()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump({"abi": art.abi, "bytecode": art.bytecode.removeprefix("0x")}, file)
    print(f"20-test NFT suite, one pytest process each (start-up included); {runs} runs, ratios against titanoboa's in the same run")
    print(f"{'run':<4} {'titanoboa wall/cpu':>19} {'py-evm wall/cpu':>16} {'x boa':>11} {'revm wall/cpu':>14} {'x boa':>11}")
    try:
        for n in range(runs):
            b = timed(boa, ["-o", "addopts=", "."], {"PEER_ARTIFACT": file.name}, REPO / "bench" / "nft_suite_boa")
            p = timed(sys.executable, [SUITE], {"SANDBOX_BACKEND": "pyevm"}, REPO)
            r = timed(sys.executable, [SUITE], {"SANDBOX_BACKEND": "revm"}, REPO)
            print(f"{n + 1:<4} {b[0]:>9.2f}/{b[1]:<9.2f} {p[0]:>7.2f}/{p[1]:<8.2f} {p[0] / b[0]:>4.2f}/{p[1] / b[1]:<4.2f}"
                  f"   {r[0]:>6.2f}/{r[1]:<7.2f} {r[0] / b[0]:>4.2f}/{r[1] / b[1]:<4.2f}", flush=True)
    finally:
        os.unlink(file.name)
    print("targets: py-evm <= 1.0x titanoboa, revm <= 0.6x (issue 16)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--contracts", action="store_true", help="also time tests/contracts on both chains")
    parser.add_argument("--peers", action="store_true", help="only the suite rows of bench/peers.py: titanoboa, py-evm and revm, ratios per run")
    options = parser.parse_args()
    Sandbox(REPO).compile()  # warm the compile cache outside the timings
    if options.peers:
        peers(options.runs)
        return
    compare("20-test NFT suite (bench/nft_suite)", [SUITE], options.runs)
    if options.contracts:
        compare("contract suite (tests/contracts, the make test re-run)", CONTRACTS, 1)


if __name__ == "__main__":
    main()
