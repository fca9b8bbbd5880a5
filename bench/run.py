"""`make bench`: the foundation's numbers, each beside a baseline from the same run.

1. Mints per second through ``Sandbox`` versus raw web3.py +
   ``EthereumTesterProvider`` with default settings, on the same SandboxNFT
   and the same token URI (target: ratio >= 2.0).
2. Cold and warm compile of all contracts (target: warm < 100 ms).
3. ``Sandbox()`` start-up time.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import Sandbox
from sandbox.helpers.nft import metadata_uri
from sandbox.project.compiler import compile_project
from sandbox.project.config import Project

URI = metadata_uri("Bench #1", description="benchmark token")
MINTS = 30


def sandbox_mints_per_second(n: int) -> float:
    sb = Sandbox(REPO)
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Bench", "B", alice, sender=alice)
    nft.mint(bob, URI, sender=alice)  # warm-up
    start = time.perf_counter()
    for _ in range(n):
        nft.mint(bob, URI, sender=alice)
    return n / (time.perf_counter() - start)


def raw_web3_mints_per_second(n: int) -> float:
    from web3 import Web3
    from web3.providers.eth_tester import EthereumTesterProvider

    artifact = compile_project(Project.load(REPO)).get("SandboxNFT")
    w3 = Web3(EthereumTesterProvider())
    alice, bob = w3.eth.accounts[0], w3.eth.accounts[1]
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor("Bench", "B", alice).transact({"from": alice}))
    nft = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
    w3.eth.wait_for_transaction_receipt(nft.functions.mint(bob, URI).transact({"from": alice}))
    start = time.perf_counter()
    for _ in range(n):
        w3.eth.wait_for_transaction_receipt(nft.functions.mint(bob, URI).transact({"from": alice}))
    return n / (time.perf_counter() - start)


def compile_times() -> tuple[float, float]:
    project = Project.load(REPO)
    start = time.perf_counter()
    compile_project(project, force=True)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(7):
        start = time.perf_counter()
        assert compile_project(project).from_cache
        warm.append(time.perf_counter() - start)
    return cold, statistics.median(warm)


def startup_time() -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        Sandbox(REPO)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def revert_times(n: int = 20) -> tuple[float, float]:
    """Median ms of snapshot+revert after a mint: the sandbox's revert vs eth-tester's."""
    from eth_tester import PyEVMBackend

    sb = Sandbox(REPO)
    alice = sb.accounts.alice
    nft = sb.deploy("SandboxNFT", "Bench", "B", alice, sender=alice)
    nft.mint(alice, URI, sender=alice)
    tester = sb.chain.backend.tester
    ours, theirs = [], []
    for _ in range(n):
        snap = tester.take_snapshot()
        start = time.perf_counter()
        tester.revert_to_snapshot(snap)
        ours.append(time.perf_counter() - start)
        block_hash = tester.backend.take_snapshot()
        start = time.perf_counter()
        PyEVMBackend.revert_to_snapshot(tester.backend, block_hash)
        theirs.append(time.perf_counter() - start)
    return statistics.median(ours) * 1000, statistics.median(theirs) * 1000


def main() -> None:
    cold, warm = compile_times()
    startup = startup_time()
    ours = sandbox_mints_per_second(MINTS)
    raw = raw_web3_mints_per_second(MINTS // 2)
    ratio = ours / raw
    revert_ours, revert_theirs = revert_times()
    print("NFT & DApp Sandbox — foundation bench")
    print(f"  mints/s  Sandbox (geth-style gas estimate): {ours:8.1f}")
    print(f"  mints/s  raw web3.py + EthereumTesterProvider: {raw:5.1f}")
    print(f"  ratio    Sandbox / raw web3.py: {ratio:.2f}x  (target >= 2.0: {'met' if ratio >= 2.0 else 'NOT met'})")
    print(f"  compile  cold (all contracts): {cold * 1000:8.0f} ms")
    print(f"  compile  warm (cache hit):     {warm * 1000:8.1f} ms  (target < 100 ms: {'met' if warm < 0.1 else 'NOT met'})")
    print(f"  compile  cold / warm:          {cold / warm:8.0f}x")
    print(f"  start-up Sandbox():            {startup * 1000:8.0f} ms")
    print(f"  revert   snapshot after a mint: {revert_ours:7.2f} ms  vs eth-tester's {revert_theirs:.1f} ms ({revert_theirs / revert_ours:.0f}x)")


if __name__ == "__main__":
    main()
