"""Compile times of a multi-version project (four pragmas, four compilers) and a first-use solc fetch.

    .venv/bin/python bench/compile_bench.py [--fetch VERSION]

- cold: every compiler already in the toolchain cache, no compile cache (force);
- warm: unchanged project, a fresh Project.load + compile_project each time
  (what every Sandbox() and pytest session pays), median of 20;
- fetch: a solc-js release into an empty SANDBOX_HOME, with an empty npm
  cache too (a real download from the registry), then its first compile;
- bundled (issue 16, target 6): a cold compile of this repository's own
  contracts (force, compilers cached) in a new process, through the solc-js
  worker kept loaded across units (sandbox/project/solcjs/worker.py, the
  default) beside one solc command per unit, as py-solc-x runs it (the
  sandbox before the worker): median of ``--runs``, alternated.
Printed as times and ratios; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.project.compiler import compile_project
from sandbox.project.config import Project
from sandbox.project.toolchain import solc_binary

REPO = Path(__file__).resolve().parents[1]
MULTI = REPO / "tests" / "data" / "multiversion"

#: One cold compile of the repository's contracts in this new process; argv[1] "cli" runs each unit as a solc
#: command (py-solc-x's compile_standard on the solc-compatible CLI) instead of the kept-loaded worker.
COLD_CHILD = """
import sys, time
from sandbox.project.compiler import compile_project
from sandbox.project.config import Project
if sys.argv[1] == "cli":
    import solcx
    import sandbox.project.solcjs.worker as worker
    worker.compile_standard = lambda standard_input, path: dict(solcx.compile_standard(standard_input, solc_binary=path, allow_empty=True))
seconds = []
for _ in range(2):  # the first compile of the process, then the next one (what a recompile after an edit pays)
    start = time.perf_counter()
    compiled = compile_project(Project.load(sys.argv[2]), force=True)
    seconds.append(time.perf_counter() - start)
print(*seconds, len(compiled.units), len([k for k in compiled.artifacts if ":" in k]))
"""


def bundled_cold(runs: int) -> None:
    """Cold compiles of the repository's contracts in a new process (the first and the next): the worker vs a solc process per unit."""
    import subprocess

    times: dict[str, list[float]] = {"worker": [], "cli": []}
    again: dict[str, list[float]] = {"worker": [], "cli": []}
    shape = ""
    for _ in range(runs):
        for mode in times:
            done = subprocess.run([sys.executable, "-c", COLD_CHILD, mode, str(REPO)], capture_output=True, text=True, cwd=REPO)
            if done.returncode != 0:
                sys.exit(f"cold compile ({mode}) failed:\n{done.stderr[-2000:]}")
            first, second, units, contracts = done.stdout.split()
            times[mode].append(float(first))
            again[mode].append(float(second))
            shape = f"{units} units, {contracts} contracts"
    worker, cli = statistics.median(times["worker"]), statistics.median(times["cli"])
    print(f"this repository's contracts, cold compile in a new process ({shape}), median of {runs}:")
    worker2, cli2 = statistics.median(again["worker"]), statistics.median(again["cli"])
    print(f"{'':<40} {'first compile':>14} {'the next one':>13}")
    print(f"  {'solc-js worker kept loaded (default)':<38} {worker:>12.2f} s {worker2:>11.2f} s")
    print(f"  {'one solc command per unit (before)':<38} {cli:>12.2f} s {cli2:>11.2f} s")
    print(f"  {'worker / command':<38} {worker / cli:>13.2f}x {worker2 / cli2:>12.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fetch", default="0.8.26", help="solc release to fetch into an empty cache (default 0.8.26)")
    parser.add_argument("--backend", default="revm", choices=["pyevm", "revm", "rpc"])
    parser.add_argument("--runs", type=int, default=3, help="runs of the bundled contracts' cold compile, each mode (default 3)")
    parser.add_argument("--bundled-only", action="store_true", help="only the cold compile of this repository's contracts")
    args = parser.parse_args()
    bundled_cold(args.runs)
    if args.bundled_only:
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "multi"
        shutil.copytree(MULTI, folder, ignore=shutil.ignore_patterns(".sandbox"))
        project = Project.load(folder)
        compile_project(project, backend=args.backend)  # fetch whatever compilers are missing
        colds = []
        for _ in range(3):
            start = time.perf_counter()
            compiled = compile_project(project, force=True, backend=args.backend)
            colds.append(time.perf_counter() - start)
        cold = statistics.median(colds)
        warms = []
        for _ in range(20):
            start = time.perf_counter()
            again = compile_project(Project.load(folder), backend=args.backend)
            warms.append(time.perf_counter() - start)
            assert again.from_cache
        warm = statistics.median(warms)
        units = ", ".join(f"{u.solc.version}/{u.evm_version}" for u in compiled.units)
        print(f"multi-version project ({len(compiled.units)} units: {units})")
        print(f"  cold compile (compilers cached), median of 3: {cold * 1000:8.0f} ms")
        print(f"  warm compile (unchanged), median of 20:        {warm * 1000:8.1f} ms   (warm/cold = {warm / cold:.4f}; budget 100 ms)")

        home, npm_cache = Path(tmp) / "home", Path(tmp) / "npm-cache"
        saved = {k: os.environ.get(k) for k in ("SANDBOX_HOME", "npm_config_cache")}
        os.environ["SANDBOX_HOME"], os.environ["npm_config_cache"] = str(home), str(npm_cache)
        try:
            start = time.perf_counter()
            solc_binary(args.fetch)
            fetch = time.perf_counter() - start
            one = Path(tmp) / "one"
            (one / "contracts").mkdir(parents=True)
            body = "contract A { function f() external pure returns (uint256) { return 1; } }\n"
            (one / "contracts" / "A.sol").write_text(f"// SPDX-License-Identifier: MIT\npragma solidity {args.fetch};\n" + body)
            start = time.perf_counter()
            compile_project(Project.load(one), backend=args.backend)
            first = time.perf_counter() - start
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        size = sum(p.stat().st_size for p in home.rglob("*") if p.is_file()) / 1e6
        print(f"first use of solc {args.fetch} (empty toolchain cache and empty npm cache):")
        print(f"  fetch (npm pack + sha512 check + its npm dependencies): {fetch:6.1f} s  ({size:.1f} MB in the cache)")
        print(f"  then its first compile of a one-contract project:       {first:6.1f} s  (fetch/cold = {fetch / cold:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
