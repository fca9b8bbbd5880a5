"""Cost per mint and memory per token as a collection grows, on each embedded engine (issue 16, target 7).

One chain per engine, each in a process of its own (so its memory is its
own): deploy SandboxNFT, then mint to 100, 1,000 and 10,000 tokens through
the Sandbox (each mint with its receipt), as a workshop's collection grows.
At each size it prints the cost per mint of the last ``--window`` mints
before that size (ms, wall and this process's CPU), the ratio of the
largest size's CPU cost to the smallest's (CPU: a shared machine's load moves
the wall time; target: flat, 1.0), and the memory the chain holds per token:
resident set growth since the deploy (``VmRSS`` in /proc/self/status)
divided by the tokens minted. It also counts the full (generation 2) garbage
collections inside each window: each walks every object the chain keeps
(~30 a mint: blocks, receipts, logs), so its cost grows with the chain and
one of them inside a short window (a few hundred ms at 10,000 tokens) shows
as a cost per mint that is not the mint's; they come every quarter more
objects kept, so over a window wide enough to hold them (``--window 900``
between 1,000 and 10,000) their cost per mint is flat.

On a shared machine one window's CPU time moves by a quarter from one
minute to the next, more than the sizes differ; so each engine's process
also ends with a paired comparison: a second chain kept at the smallest
size and the grown one take turns, window by window (each window undone
after, so the sizes stay put), and the ratio of each round's pair is
printed with its median and range.

    .venv/bin/python bench/scale_mint.py                       # py-evm and revm, 100 / 1,000 / 10,000 tokens
    .venv/bin/python bench/scale_mint.py --backends pyevm --sizes 100,2000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/1.json"


def rss_kib() -> int:
    """This process's resident set now (kB), from /proc/self/status (``resource``'s is the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def one_engine(backend: str, sizes: list[int], window: int) -> dict[str, Any]:
    """Mint up to each size on one fresh chain; ms per mint over the last ``window`` mints before each size, RSS at each."""
    import gc

    from sandbox import Sandbox

    # The paired comparison's small chain, built first (its memory is in the baseline, not in the per-token figure).
    small = Sandbox(REPO, backend=backend)
    small_nft = small.deploy("SandboxNFT", "Small", "S", small.accounts.alice, sender=small.accounts.alice)
    for _ in range(sizes[0]):
        small_nft.mint(small.accounts.bob, URI, sender=small.accounts.alice)
    sb = Sandbox(REPO, backend=backend)
    alice, bob = sb.accounts.alice, sb.accounts.bob
    sb.compile()
    nft = sb.deploy("SandboxNFT", "Scale", "S", alice, sender=alice)
    nft.mint(bob, URI, sender=alice)  # the first mint warms what every later one shares
    gc.collect()
    start_rss, minted, rows = rss_kib(), 1, []
    for size in sizes:
        while minted < size - window:
            nft.mint(bob, URI, sender=alice)
            minted += 1
        full = [0]  # full (generation 2) collections inside the window: each walks every object the chain keeps

        def count(phase: str, info: dict[str, Any], full: list[int] = full) -> None:
            if phase == "start" and info["generation"] == 2:
                full[0] += 1

        if size == sizes[-1]:
            before_last = sb.snapshot()  # the paired comparison mints from here again (a collection may be capped at its size)
        gc.callbacks.append(count)
        began, cpu, timed = time.perf_counter(), time.process_time(), size - minted
        while minted < size:
            receipt = nft.mint(bob, URI, sender=alice)
            minted += 1
        gc.callbacks.remove(count)
        ms = (time.perf_counter() - began) / max(timed, 1) * 1000
        cpu_ms = (time.process_time() - cpu) / max(timed, 1) * 1000
        assert receipt.status == 1 and receipt.events["Transfer"][0].args["tokenId"] == size - 1
        gc.collect()
        rss = rss_kib()
        rows.append({"size": size, "ms": ms, "cpu_ms": cpu_ms, "rss_mib": rss / 1024, "kib_per_token": (rss - start_rss) / minted,
                     "full_gcs": full[0]})
    assert nft.totalSupply() == sizes[-1]
    sb.revert(before_last)
    return {"backend": backend, "start_rss_mib": start_rss / 1024, "rows": rows,
            "paired": paired([(small, small_nft), (sb, nft)], window, PAIRED_ROUNDS)}


#: Rounds of the paired comparison (each: a window on the small chain, then one on the large).
PAIRED_ROUNDS = 9


def paired(chains: list[tuple[Any, Any]], window: int, rounds: int) -> list[list[float]]:
    """CPU ms per mint over ``window`` mints on each chain in turn, ``rounds`` times; each window undone after
    (``isolate``), so every window mints onto the same collection size. In one process, one window after the
    other, the machine's load of the moment falls on both sizes alike, and the garbage collector walks both
    chains whichever is minting: what differs is the chain's own work at its size."""
    out: list[list[float]] = [[] for _ in chains]
    for _ in range(rounds):
        for (sb, nft), times in zip(chains, out, strict=True):
            alice, bob = sb.accounts.alice, sb.accounts.bob
            with sb.isolate():
                cpu = time.process_time()
                for _ in range(window):
                    nft.mint(bob, URI, sender=alice)
                times.append((time.process_time() - cpu) / window * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="pyevm,revm", help="comma-separated engines (default: pyevm,revm)")
    parser.add_argument("--sizes", default="100,1000,10000", help="collection sizes to measure at (default: 100,1000,10000)")
    parser.add_argument("--window", type=int, default=100, help="mints timed before each size (default: 100)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child: one engine, JSON out
    options = parser.parse_args()
    sizes = sorted(int(s) for s in options.sizes.split(","))
    window = min(options.window, sizes[0] - 1)
    if options.one:
        print(json.dumps(one_engine(options.one, sizes, window)))
        return
    print(f"SandboxNFT mints through the Sandbox (each with its receipt), one chain per engine; ms per mint over the last {window} before each size")
    print(f"{'engine':<8} {'tokens':>7} {'ms/mint':>8} {'CPU ms':>8} {'x first':>8} {'RSS MiB':>8} {'KiB/token':>10} {'full GCs':>9}")
    for backend in options.backends.split(","):
        done = subprocess.run([sys.executable, __file__, "--one", backend, "--sizes", options.sizes, "--window", str(options.window)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{backend} failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        first = result["rows"][0]["cpu_ms"]
        print(f"{backend:<8} {'deploy':>7} {'':>8} {'':>8} {'':>8} {result['start_rss_mib']:>8.1f}")
        for row in result["rows"]:
            print(f"{backend:<8} {row['size']:>7,} {row['ms']:>8.2f} {row['cpu_ms']:>8.2f} {row['cpu_ms'] / first:>8.2f} {row['rss_mib']:>8.1f} "
                  f"{row['kib_per_token']:>10.1f} {row['full_gcs']:>9}")
        last = result["rows"][-1]
        print(f"{backend:<8} CPU per mint {sizes[-1]:,}/{sizes[0]:,}: {last['cpu_ms'] / first:.2f}x (target 1.0); "
              f"memory {last['kib_per_token']:.1f} KiB per token", flush=True)
        small, large = result["paired"]
        ratios = sorted(b / a for a, b in zip(small, large, strict=True))
        print(f"{backend:<8} paired, {len(small)} rounds of {window} mints from {sizes[0]:,} and from {sizes[-1] - window:,} tokens, in one process: "
              f"CPU {statistics.median(small):.2f} vs {statistics.median(large):.2f} ms a mint (medians); each round's ratio "
              f"{statistics.median(ratios):.2f}x median ({ratios[0]:.2f}-{ratios[-1]:.2f}; target 1.0)", flush=True)


if __name__ == "__main__":
    main()
