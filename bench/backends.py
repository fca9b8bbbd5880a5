"""Embedded backends against each other and against anvil, in one run.

Prints mints per second through the ``Sandbox`` API on py-evm and on revm,
each straight to the engine (the default) and through eth-tester (what a
web3.py filter forces, so the filter sees every transaction), and
on anvil over HTTP (started here on 127.0.0.1 and a free port, stopped at the
end); then the wall time of a contract test module run by pytest on each
embedded backend; and the ratios, each against a baseline measured in this
same run. Targets from issue 7: revm >= 10x anvil-over-HTTP mints/s through
the Sandbox API, and the contract suite >= 3x faster on revm than on py-evm.

    .venv/bin/python bench/backends.py            # mints + tests/contracts/test_collectible.py
    .venv/bin/python bench/backends.py --suite tests/contracts   # the whole contract suite
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import _env  # noqa: F401  (child processes cache bytecode, as a user's shell does)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import Sandbox
from sandbox.chain.anvil import Anvil
from sandbox.helpers.nft import metadata_uri

URI = metadata_uri("Bench #1", description="benchmark token")


def mints_per_second(n: int, *, backend: str | None = None, rpc: str | None = None, fast: bool = True, rounds: int = 3) -> float:
    """Best of ``rounds`` runs of ``n`` SandboxNFT mints through the Sandbox API (``fast=False``: through eth-tester)."""
    sb = Sandbox(REPO, backend=backend, rpc=rpc)
    if not fast:
        sb.w3.eth.filter("latest")  # a block filter: every transaction goes through eth-tester
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Bench", "B", alice, sender=alice)
    nft.mint(bob, URI, sender=alice)  # warm-up
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            nft.mint(bob, URI, sender=alice)
        best = max(best, n / (time.perf_counter() - start))
    return best


def raw_web3_mints_per_second(url: str, n: int, rounds: int = 3) -> float:
    """web3.py alone over HTTP (no Sandbox): transact, then poll for the receipt every millisecond."""
    from web3 import HTTPProvider, Web3

    from sandbox.project.compiler import compile_project
    from sandbox.project.config import Project

    artifact = compile_project(Project.load(REPO)).get("SandboxNFT")
    w3 = Web3(HTTPProvider(url))
    alice, bob = w3.eth.accounts[0], w3.eth.accounts[1]
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor("Bench", "B", alice).transact({"from": alice}))
    nft = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
    w3.eth.wait_for_transaction_receipt(nft.functions.mint(bob, URI).transact({"from": alice}), poll_latency=0.001)
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            w3.eth.wait_for_transaction_receipt(nft.functions.mint(bob, URI).transact({"from": alice}), poll_latency=0.001)
        best = max(best, n / (time.perf_counter() - start))
    return best


def suite_seconds(suite: str, backend: str) -> tuple[float, str]:
    """Wall time of ``pytest <suite>`` with SANDBOX_BACKEND=backend; and pytest's last line."""
    env = dict(os.environ, SANDBOX_BACKEND=backend)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", suite, "-q", "-p", "no:cacheprovider", "--deselect", "tests/contracts/test_forge.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"{suite} failed on {backend}: {last}")
    return seconds, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="tests/contracts/test_collectible.py", help="pytest target timed on each embedded backend")
    parser.add_argument("--no-suite", action="store_true", help="only the mint benchmark")
    args = parser.parse_args()

    print("mints/s through Sandbox (SandboxNFT.mint with a data: URI; best of 3):")
    pyevm_tester = mints_per_second(20, backend="pyevm", fast=False)
    print(f"  py-evm, through eth-tester           {pyevm_tester:9.1f}")
    pyevm = mints_per_second(40, backend="pyevm")
    print(f"  py-evm, straight to the engine       {pyevm:9.1f}")
    revm_web3 = mints_per_second(100, backend="revm", fast=False)
    print(f"  revm, through eth-tester             {revm_web3:9.1f}")
    revm = mints_per_second(500, backend="revm")
    print(f"  revm, straight to the engine         {revm:9.1f}")
    with Anvil() as node:
        anvil_sandbox = mints_per_second(100, rpc=node.url)
        anvil_raw = raw_web3_mints_per_second(node.url, 100)
    print(f"  anvil over HTTP, through Sandbox     {anvil_sandbox:9.1f}")
    print(f"  anvil over HTTP, web3.py alone       {anvil_raw:9.1f}")
    anvil = max(anvil_sandbox, anvil_raw)  # the stricter baseline
    print("ratios:")
    print(f"  revm / py-evm                        {revm / pyevm:9.1f}x")
    print(f"  revm / anvil over HTTP (faster one)  {revm / anvil:9.1f}x   (target >= 10x)")
    print(f"  revm through eth-tester / py-evm     {revm_web3 / pyevm:9.1f}x")
    print(f"  py-evm straight / through eth-tester {pyevm / pyevm_tester:9.1f}x")

    if not args.no_suite:
        print(f"pytest {args.suite}:")
        slow, slow_line = suite_seconds(args.suite, "pyevm")
        print(f"  py-evm  {slow:7.1f} s   {slow_line}")
        fast, fast_line = suite_seconds(args.suite, "revm")
        print(f"  revm    {fast:7.1f} s   {fast_line}")
        print(f"  py-evm / revm                        {slow / fast:9.1f}x   (target >= 3x)")


if __name__ == "__main__":
    main()
