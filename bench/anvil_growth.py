"""Where anvil's cost per mint grows as a collection grows (issue 16, target 5's "flat").

``bench/peers.py --scale N`` shows the cost per mint over anvil growing from
100 to N tokens, through the Sandbox and through plain web3.py alike, and
shows that the growth is anvil's own CPU. This bench says what in anvil:
one anvil per configuration (its defaults, then ``--prune-history``, which
keeps no historical states), SandboxNFT deployed through web3.py, mints sent
with web3.py (receipt polled every millisecond, so the client adds little),
and anvil's CPU per mint (``/proc/PID/stat``) over ``--window`` mints at
~100 tokens and again at ``--tokens``. With ``--profile`` (and Linux
``perf`` on the PATH; anvil's npm binary keeps its symbols) each window is
also sampled with ``perf record`` and anvil's samples are put in three
bins by the function they fall in:

- *state root*: Keccak-f, alloy-trie's ``HashBuilder``, sorting and anvil's
  ``trie_storage``/``build_root``: anvil 1.7 rebuilds every account's
  storage trie and the state trie from all their entries after each block
  (``anvil::eth::backend::mem::state``), work that grows with every slot
  the collection holds;
- *history*: serde_json, hex formatting and the kernel's file writes:
  anvil keeps each block's state, and past its in-memory limit writes
  states to disk as JSON; ``--prune-history`` turns this off;
- *rest*: the EVM, RPC, signing, everything else.

Each bin's share times anvil's CPU per mint is its ms per mint, so the
growth from one window to the other is placed in a bin.

    .venv/bin/python bench/anvil_growth.py                     # 100 vs 1,500 tokens, anvil's defaults and --prune-history
    .venv/bin/python bench/anvil_growth.py --tokens 3000 --profile
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from peers import IPFS_URI as URI  # the same token URI and node-CPU reading as bench/peers.py's scale rows
from peers import node_cpu_seconds

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: Bins of anvil's samples, by the symbol they fall in (first match wins).
BINS = (
    ("state root", re.compile(r"Keccak|KECCAK|HashBuilder|quicksort|trie_storage|trie_accounts|build_root|state_root")),
    ("history", re.compile(r"serde|fmt|LowerHex|pad_integral|StackString|copy_folio|memset|filemap|ext4|dquot|write_str")),
)
#: One window: anvil's CPU ms per mint, the wall ms per mint, and each bin's share of anvil's samples (when profiled).
Window = tuple[float, float, dict[str, float] | None]


def shares(data: Path) -> dict[str, float]:
    """Each bin's share of the samples in a ``perf record`` file (the rest under "rest")."""
    report = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "symbol", "--stdio", "-g", "none", "-q"],
                            capture_output=True, text=True, check=True).stdout
    out = {name: 0.0 for name, _ in BINS} | {"rest": 0.0}
    for line in report.splitlines():
        found = re.match(r"\s*([\d.]+)%\s+(.*)", line)
        if not found:
            continue
        share, symbol = float(found.group(1)) / 100, found.group(2)
        out[next((name for name, pattern in BINS if pattern.search(symbol)), "rest")] += share
    return out


def window(pid: int, mint: Callable[[], None], n: int, profile: bool) -> Window:
    """anvil's CPU and the wall per mint over ``n`` mints (and the bins' shares, sampled with perf, when ``profile``)."""
    recorder, data = None, None
    if profile:
        fd, name = tempfile.mkstemp(suffix=".perf")
        os.close(fd)
        data = Path(name)
        recorder = subprocess.Popen(["perf", "record", "-F", "999", "-o", str(data), "-p", str(pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # perf attached
    cpu, start = node_cpu_seconds(pid), time.perf_counter()
    for _ in range(n):
        mint()
    wall, cpu = time.perf_counter() - start, node_cpu_seconds(pid) - cpu
    binned = None
    if recorder is not None and data is not None:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)
        try:
            binned = shares(data)
        finally:
            data.unlink(missing_ok=True)
    return cpu / n * 1000, wall / n * 1000, binned


def one_anvil(extra: tuple[str, ...], tokens: int, n: int, profile: bool) -> tuple[Window, Window]:
    """The early (~100 tokens) and late (``tokens``) windows on one new anvil started with ``extra``."""
    from web3 import HTTPProvider, Web3

    from sandbox.chain.anvil import Anvil
    from sandbox.project.compiler import compile_project
    from sandbox.project.config import Project

    art = compile_project(Project.load(REPO)).get("SandboxNFT")
    node = Anvil(extra_args=extra)
    try:
        w3 = Web3(HTTPProvider(node.start()))
        alice, bob = list(w3.eth.accounts)[:2]
        factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
        created = w3.eth.wait_for_transaction_receipt(factory.constructor("Growth", "G", alice).transact({"from": alice}), poll_latency=0.001)
        nft = w3.eth.contract(address=created["contractAddress"], abi=art.abi)
        assert node.process is not None
        pid = node.process.pid

        def mint() -> None:
            sent = nft.functions.mint(bob, URI).transact({"from": alice, "gas": 400_000})
            assert w3.eth.wait_for_transaction_receipt(sent, poll_latency=0.001)["status"] == 1

        for _ in range(100 - n // 2):
            mint()
        early = window(pid, mint, n, profile)
        while nft.functions.totalSupply().call() < tokens - n // 2:
            mint()
        late = window(pid, mint, n, profile)
        return early, late
    finally:
        node.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=1500, help="the late window's collection size (default 1,500)")
    parser.add_argument("--window", type=int, default=60, help="mints per window (default 60)")
    parser.add_argument("--profile", action="store_true", help="sample anvil with perf in each window and bin its time")
    options = parser.parse_args()
    if options.tokens < 300 or not 10 <= options.window <= 150:
        sys.exit("--tokens must be at least 300 and --window between 10 and 150")
    if options.profile and shutil.which("perf") is None:
        sys.exit("--profile needs Linux perf on the PATH (Debian: apt-get install linux-perf)")
    print(f"anvil's CPU per SandboxNFT mint (web3.py, 1 ms receipt poll), {options.window} mints at ~100 and at ~{options.tokens:,} tokens")
    for extra in ((), ("--prune-history",)):
        early, late = one_anvil(extra, options.tokens, options.window, options.profile)
        name = " ".join(extra) or "anvil's defaults"
        print(f"\n{name}: anvil CPU {early[0]:.1f} -> {late[0]:.1f} ms a mint ({late[0] / early[0]:.2f}x), "
              f"wall {early[1]:.1f} -> {late[1]:.1f} ms")
        if early[2] is not None and late[2] is not None:
            for part in early[2]:
                a, b = early[2][part] * early[0], late[2][part] * late[0]
                print(f"  {part:10s} {early[2][part]:5.1%} -> {late[2][part]:5.1%} of anvil's samples: {a:5.1f} -> {b:5.1f} ms a mint")


if __name__ == "__main__":
    main()
