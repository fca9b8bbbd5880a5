"""Workshop bench: the persistent chain as an attendee meets it, beside baselines from the same run.

1. ``sandbox mint`` end to end (a new process: imports, load the chain file,
   mint, save) on the persisted chain, median of several runs, beside a bare
   ``python -c "import web3"`` measured the same way: the floor any Python
   command on web3.py pays.
2. (The chain at 100, 1,000 and 10,000 tokens, against the JSON file the
   store replaced, is ``bench/store_bench.py``.)
3. Thirty at once (``--crowd 30``): 30 ``sandbox mint`` processes started
   together, and 30 gallery mints posted together to one ``sandbox ui``,
   each beside one alone; and gallery page loads while the mints run
   (do reads wait for writes?). Measured, not asserted.

    .venv/bin/python bench/workshop_bench.py [--runs 5] [--mints 1000] [--crowd 30] [--only-crowd]
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.workshop.session import Workshop


def timed_process(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")
    return elapsed


def cli_mint(state: Path, name: str) -> float:
    env = {"SANDBOX_STATE": str(state), "SANDBOX_PROJECT": str(REPO)}
    return timed_process([sys.executable, "-m", "sandbox.cli", "mint", "--to", "bob", "--name", name], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mints", type=int, default=1000)
    parser.add_argument("--crowd", type=int, default=30, help="how many at once in part 3 (0 skips it)")
    parser.add_argument("--only-crowd", action="store_true", help="run part 3 only")
    parser.add_argument("--web-only", action="store_true", help="in part 3, only the gallery")
    options = parser.parse_args()
    if options.only_crowd:
        crowd(options.crowd, cli=not options.web_only)
        return

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "chain.db"
        cli_mint(state, "Warm-up")  # deploys the collection; compile cache warm
        mints = [cli_mint(state, f"Bench #{i}") for i in range(options.runs)]
        imports = [timed_process([sys.executable, "-c", "import web3"], {}) for _ in range(options.runs)]
        mint_s, import_s = statistics.median(mints), statistics.median(imports)

    print("NFT & DApp Sandbox — workshop bench")
    print(f"  sandbox mint, end to end (median of {options.runs}): {mint_s * 1000:8.0f} ms")
    print(f"  python -c 'import web3'   (median of {options.runs}): {import_s * 1000:8.0f} ms")
    print(f"  ratio    mint / import web3:                  {mint_s / import_s:8.2f}x")
    print("  (the chain at 100, 1,000 and 10,000 tokens: bench/store_bench.py)")
    if options.crowd:
        crowd(options.crowd)


def crowd(n: int, *, cli: bool = True) -> None:
    """Part 3: n commands and n gallery mints at once, beside one alone; gallery reads during the writes."""
    import re
    import threading

    import httpx

    from sandbox.node.server import BackgroundServer
    from sandbox.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "crowd.db"
        env = {**os.environ, "SANDBOX_STATE": str(state), "SANDBOX_PROJECT": str(REPO)}
        cli_mint(state, "Warm-up")
        one_cli = many_cli = float("nan")
        failed = 0
        if cli:
            one_cli = cli_mint(state, "Alone")
            start = time.perf_counter()
            procs = [subprocess.Popen([sys.executable, "-m", "sandbox.cli", "mint", "--to", "carol", "--name", f"Crowd #{i}"], cwd=REPO,
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(n)]
            failed = sum(p.wait() != 0 for p in procs)
            many_cli = time.perf_counter() - start

        ws = Workshop(REPO, state=state)
        with BackgroundServer(create_app(ws)) as server, httpx.Client(base_url=server.url, timeout=600) as client:
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
            assert token
            headers = {"x-csrf-token": token.group(1)}

            def post(name: str) -> int:
                return httpx.post(server.url + "/mint", data={"to": "dave", "name": name}, headers=headers, timeout=600).status_code

            start = time.perf_counter()
            assert post("Web alone") == 303
            one_web = time.perf_counter() - start
            start = time.perf_counter()
            read_alone = client.get("/").elapsed.total_seconds()
            codes: list[int] = []
            reads: list[float] = []
            threads = [threading.Thread(target=lambda i=i: codes.append(post(f"Web crowd #{i}"))) for i in range(n)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):  # someone reloading the gallery every 0.25 s meanwhile
                reads.append(client.get("/").elapsed.total_seconds())
                time.sleep(0.25)
            for t in threads:
                t.join()
            many_web = time.perf_counter() - start
            with ws.session():
                kept = len(ws.transfers())
    print(f"  {n} at once (one machine, 2 cores):")
    print(f"    sandbox mint: one {one_cli:6.1f} s; {n} together {many_cli:6.1f} s ({many_cli / one_cli:5.1f}x one; {failed} failed)")
    print(f"    gallery mint: one {one_web:6.2f} s; {n} together {many_web:6.2f} s ({many_web / one_web:5.1f}x one; "
          f"{sum(c == 303 for c in codes)}/{n} minted)")
    print(f"    gallery page: alone {read_alone * 1000:6.0f} ms; during the {n} mints median {statistics.median(reads) * 1000:6.0f} ms, "
          f"max {max(reads) * 1000:6.0f} ms ({len(reads)} loads)")
    print(f"    tokens on the chain: {kept} (expected {(n * 2 + 3) if cli else n + 2})")


if __name__ == "__main__":
    main()
