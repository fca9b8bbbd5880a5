"""Store bench: the workshop chain at 100, 1,000 and 10,000 tokens, SQLite store beside the JSON file it replaced.

For each size, in one run: the store's size on disk, the time to open it
(load the state and continue the chain), one more mint in-process (open,
mint, commit) and one more ``sandbox mint`` end to end (a new process
alone, and through a warm ``sandbox server`` started before the timing);
and the same chain written as the JSON state file of earlier releases
(``bench/json_store.py``, kept verbatim): its size, load (parse and build
the chain) and one more mint in-process (load, mint, dump, rewrite the
file). Ratios are against the 100-token row of the same run; the target
(issue 14) is one more mint at 10,000 tokens costing no more than at 100.

    .venv/bin/python bench/store_bench.py [--sizes 100,1000,10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _env  # noqa: F401  (child processes cache bytecode, as a user's shell does)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from json_store import ChainState, StateStore

from sandbox.chain.chain import Chain
from sandbox.helpers.nft import metadata_uri
from sandbox.main import Sandbox
from sandbox.workshop.session import Workshop


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(str(path) + "-wal")) if p.exists())


def median_time(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


PER_COLLECTION = 5000


def build(path: Path, tokens: int) -> Workshop:
    """A chain with ``tokens`` minted NFTs (built on revm, the fast engine; the store is engine-neutral)."""
    ws = Workshop(REPO, state=path, backend="revm")
    done = 0
    while done < tokens:
        with ws.session(write=True) as sb:
            nft = ws.collection(sb, create=True)
            alice = sb.accounts.alice
            if done and done % PER_COLLECTION == 0:  # SandboxNFT's cap is 10,000: a second collection, the bench mints into it
                nft = sb.deploy("SandboxNFT", "Bench more", "BNM", alice, sender=alice)
                ws.record_contract("SandboxNFT", nft.address, role="collection")
            for i in range(done, min(tokens, done + 1000)):
                nft.mint(sb.accounts[i % 10], metadata_uri(f"Bulk #{i}", description="bench token"), sender=alice)
            done = min(tokens, done + 1000)
    return ws


def store_row(path: Path, runs: int, server: Path | None) -> dict[str, float]:
    def open_() -> None:
        ws = Workshop(REPO, state=path)
        with ws.session():
            pass
        ws.store.close()

    def mint_in_process() -> None:
        ws = Workshop(REPO, state=path)
        with ws.session(write=True) as sb:
            nft = ws.collection(sb)
            nft.mint(sb.accounts.bob, metadata_uri("One more", description="bench token"), sender=sb.accounts.alice)
        ws.store.close()

    # A new process alone (no warm server: one that a first command starts would land in one run's median and
    # not another's), and through a warm server started before the timing (what an attendee's next command meets).
    alone = {**os.environ, "SANDBOX_STATE": str(path), "SANDBOX_PROJECT": str(REPO), "SANDBOX_SERVER": "off"}
    warm = {**alone, "SANDBOX_SERVER": "auto", "SANDBOX_SERVER_DIR": str(server)} if server is not None else None

    def cli_mint(env: dict[str, str]) -> None:
        done = subprocess.run([sys.executable, "-m", "sandbox.cli", "mint", "--to", "bob", "--name", "End to end"], cwd=REPO, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr)

    return {"size": size_of(path), "open": median_time(open_, runs), "mint": median_time(mint_in_process, runs),
            "cli": median_time(lambda: cli_mint(alone), runs),
            "warm": median_time(lambda: cli_mint(warm), runs) if warm is not None else float("nan")}


def json_row(ws: Workshop, path: Path, runs: int) -> dict[str, float]:
    with ws.session() as sb:
        dump = sb.chain.dump_state()
        address = ws.collection(sb).address
    from sandbox.backends.pyevm.genesis import state_root

    fresh = ChainState({}, 31337)
    # With its state root, as py-evm saved it: the JSON load then takes the fast one-pass trie build.
    root = state_root(dump.accounts, {})
    StateStore(path).write(ChainState(dump.accounts, 31337, dump.block_number, dump.timestamp, {"contracts": ws.contracts()}, root))

    def load() -> Sandbox:
        state = StateStore(path).read()
        assert state is not None
        return Sandbox(REPO, chain=Chain(chain_id=state.chain_id, state=state.to_dump(), persistent=True))

    def mint() -> None:
        state = StateStore(path).read()
        assert state is not None
        sb = Sandbox(REPO, chain=Chain(chain_id=state.chain_id, state=state.to_dump(), persistent=True))
        sb.at("SandboxNFT", address).mint(sb.accounts.bob, metadata_uri("One more", description="bench token"), sender=sb.accounts.alice)
        again = sb.chain.dump_state()
        StateStore(path).write(ChainState(again.accounts, 31337, again.block_number, again.timestamp, state.extra, again.state_root))

    del fresh
    return {"size": size_of(path), "open": median_time(load, runs), "mint": median_time(mint, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    rows = []
    from workshop_bench import warm_server

    with tempfile.TemporaryDirectory() as tmp, warm_server() as server:
        for tokens in sizes:
            start = time.perf_counter()
            ws = build(Path(tmp) / f"chain-{tokens}.db", tokens)
            built = time.perf_counter() - start
            ws.store.close()
            # Built on revm (no state trie): the first py-evm write session rebuilds and saves py-evm's trie, once.
            start = time.perf_counter()
            first = Workshop(REPO, state=Path(tmp) / f"chain-{tokens}.db")
            with first.session(write=True) as sb:
                first.collection(sb).mint(sb.accounts.bob, metadata_uri("First on py-evm"), sender=sb.accounts.alice)
            first.store.close()
            rebuild = time.perf_counter() - start
            print(f"  first py-evm session on it (rebuilds and saves the trie once): {rebuild:.1f} s", file=sys.stderr)
            store = store_row(Path(tmp) / f"chain-{tokens}.db", options.runs, server)
            legacy = json_row(ws, Path(tmp) / f"chain-{tokens}.json", options.runs)
            rows.append((tokens, built, store, legacy))
            print(f"  built {tokens:,} tokens in {built:.0f} s", file=sys.stderr)
    base_store, base_json = rows[0][2], rows[0][3]
    print("NFT & DApp Sandbox — store bench (SQLite store vs the JSON file it replaced), one run")
    print(f"{'tokens':>8} | {'store MB':>8} {'open ms':>8} {'mint ms':>8} {'x100':>5} {'sandbox mint ms':>15} {'x100':>5}"
          f" {'warm ms':>8} {'x100':>5} | {'JSON MB':>8} {'load ms':>8} {'mint ms':>8} {'x100':>5}")
    for tokens, _, store, legacy in rows:
        print(f"{tokens:>8,} | {store['size'] / 1e6:8.2f} {store['open'] * 1000:8.0f} {store['mint'] * 1000:8.0f} "
              f"{store['mint'] / base_store['mint']:5.2f} {store['cli'] * 1000:15.0f} {store['cli'] / base_store['cli']:5.2f}"
              f" {store['warm'] * 1000:8.0f} {store['warm'] / base_store['warm']:5.2f} |"
              f" {legacy['size'] / 1e6:8.2f} {legacy['open'] * 1000:8.0f} {legacy['mint'] * 1000:8.0f} {legacy['mint'] / base_json['mint']:5.2f}")
    last = rows[-1]
    print(f"target: one more sandbox mint at {last[0]:,} tokens <= at {rows[0][0]:,} (within noise): alone "
          f"{last[2]['cli'] / base_store['cli']:.2f}x, through the warm server {last[2]['warm'] / base_store['warm']:.2f}x; "
          f"the JSON file's in-process mint: {last[3]['mint'] / base_json['mint']:.2f}x")


if __name__ == "__main__":
    main()
