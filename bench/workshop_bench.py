"""Workshop bench: the persistent chain as an attendee meets it, beside baselines from the same run.

1. ``sandbox mint`` end to end (a new process: imports, load the chain file,
   mint, save) on the persisted chain, median of several runs, beside a bare
   ``python -c "import web3"`` measured the same way: the floor any Python
   command on web3.py pays.
2. (The chain at 100, 1,000 and 10,000 tokens, against the JSON file the
   store replaced, is ``bench/store_bench.py``.) Then the first ``sandbox
   mint`` in a fresh copy of the project (its tracked files and the
   OpenZeppelin ``npm ci`` installs, an empty toolchain cache, no compile
   cache): the bundled artifacts make it a cache hit, no compile.
3. Thirty at once (``--crowd 30``): 30 ``sandbox mint`` processes started
   together, and 30 gallery mints posted together to one ``sandbox ui``,
   each beside one alone; and gallery page loads while the mints run
   (do reads wait for writes?). Measured, not asserted.

    .venv/bin/python bench/workshop_bench.py [--runs 5] [--mints 1000] [--crowd 30] [--only-crowd]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import _env  # noqa: F401  (child processes cache bytecode, as a user's shell does)

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


def cli_mint(state: Path, name: str, server: Path | None = None, backend: str = "pyevm") -> float:
    """One ``sandbox mint`` process; through the warm server in folder ``server``, else alone (SANDBOX_SERVER=off)."""
    return timed_process([sys.executable, "-m", "sandbox.cli", "mint", "--to", "bob", "--name", name], cli_env(state, server, backend))


def server_pid(folder: Path) -> int | None:
    import json

    for info in folder.glob("*.json"):
        try:
            return int(json.loads(info.read_text())["pid"])
        except (OSError, ValueError, KeyError):
            continue
    return None


def reaped_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of the children process ``pid`` has reaped: a server's finished commands."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime


def cpu_of_one(state: Path, name: str, server: Path | None, backend: str) -> tuple[float, float]:
    """One ``sandbox mint``: its wall time and the CPU it cost (the command's process, and the server's child)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    pid = server_pid(server) if server is not None else None
    child_before = reaped_cpu(pid)
    wall = cli_mint(state, name, server, backend)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, own + reaped_cpu(pid) - child_before


def cli_env(state: Path, server: Path | None, backend: str = "pyevm") -> dict[str, str]:
    env = {"SANDBOX_STATE": str(state), "SANDBOX_PROJECT": str(REPO), "SANDBOX_SERVER": "off", "SANDBOX_BACKEND": backend}
    if server is not None:
        env.update(SANDBOX_SERVER="auto", SANDBOX_SERVER_DIR=str(server))
    return env


def fresh_project_mints(runs: int) -> list[float] | None:
    """The first ``sandbox mint`` in a fresh copy of this project, ``runs`` times: the repository's tracked files and
    the OpenZeppelin that ``npm ci`` installs (as in a fresh clone after ``make setup``), an empty toolchain cache
    (SANDBOX_HOME), no compile cache, no chain, no server; None outside a git checkout (nothing to copy from)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True)
    openzeppelin = REPO / "node_modules" / "@openzeppelin"
    if listed.returncode != 0 or not openzeppelin.is_dir():
        return None
    times = []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            project, home = Path(tmp) / "project", Path(tmp) / "home"
            for name in listed.stdout.decode().split("\0"):
                source = REPO / name
                if name and source.is_file():
                    (project / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, project / name)
            shutil.copytree(openzeppelin, project / "node_modules" / "@openzeppelin")
            home.mkdir()
            env = {"SANDBOX_STATE": str(project / ".sandbox" / "chain.db"), "SANDBOX_PROJECT": str(project), "SANDBOX_SERVER": "off",
                   "SANDBOX_HOME": str(home)}
            times.append(timed_process([sys.executable, "-m", "sandbox.cli", "mint", "--to", "bob", "--name", f"First #{i}"], env))
    return times


@contextmanager
def warm_server() -> Iterator[Path]:
    """A ``sandbox server`` in a private folder of its own, stopped afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="sbx-bench-", dir="/tmp"))
    env = {"SANDBOX_SERVER_DIR": str(folder)}
    try:
        timed_process([sys.executable, "-m", "sandbox.cli", "server", "start"], env)
        yield folder
    finally:
        subprocess.run([sys.executable, "-m", "sandbox.cli", "server", "stop"], cwd=REPO, env={**os.environ, **env}, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mints", type=int, default=1000)
    parser.add_argument("--crowd", type=int, default=30, help="how many at once in part 3 (0 skips it)")
    parser.add_argument("--only-crowd", action="store_true", help="run part 3 only")
    parser.add_argument("--web-only", action="store_true", help="in part 3, only the gallery")
    parser.add_argument("--backend", choices=["pyevm", "revm"], default="pyevm", help="the engine of part 3's chain")
    options = parser.parse_args()
    if options.only_crowd:
        crowd(options.crowd, cli=not options.web_only, backend=options.backend)
        return

    with tempfile.TemporaryDirectory() as tmp, warm_server() as server:
        state = Path(tmp) / "chain.db"
        cli_mint(state, "Warm-up")  # deploys the collection; compile cache warm
        alone, warm, imports, bare = [], [], [], []
        for i in range(options.runs):  # interleaved, so the machine's load falls on all four alike
            alone.append(cli_mint(state, f"Alone #{i}"))
            warm.append(cli_mint(state, f"Warm #{i}", server))
            imports.append(timed_process([sys.executable, "-c", "import web3"], {}))
            bare.append(timed_process([sys.executable, "-c", "pass"], {}))
        alone_s, warm_s = statistics.median(alone), statistics.median(warm)
        import_s, bare_s = statistics.median(imports), statistics.median(bare)

    print("NFT & DApp Sandbox — workshop bench")
    print(f"  sandbox mint alone, end to end (median of {options.runs}):      {alone_s * 1000:8.0f} ms")
    print(f"  sandbox mint through the warm server (median of {options.runs}): {warm_s * 1000:8.0f} ms"
          f"  ({warm_s / alone_s:.2f}x alone; target <= 500 ms)")
    print(f"  python -c 'import web3'   (median of {options.runs}):            {import_s * 1000:8.0f} ms")
    print(f"  python -c 'pass'          (median of {options.runs}):            {bare_s * 1000:8.0f} ms")
    print(f"  ratios   alone / import web3 {alone_s / import_s:5.2f}x;  warm / python start {warm_s / bare_s:5.2f}x")
    print("  (the chain at 100, 1,000 and 10,000 tokens: bench/store_bench.py)")
    fresh = fresh_project_mints(options.runs)
    if fresh is None:
        print("  first sandbox mint in a fresh project: skipped (not a git checkout, or node_modules/@openzeppelin missing: make setup)")
    else:
        first_s = statistics.median(fresh)
        print(f"  first sandbox mint in a fresh project (median of {options.runs}): {first_s * 1000:5.0f} ms"
              f"  (empty toolchain cache, no compile cache, no server; target <= 2000 ms: {'met' if first_s <= 2 else 'NOT met'})")
    if options.crowd:
        crowd(options.crowd)


def crowd(n: int, *, cli: bool = True, backend: str = "pyevm") -> None:
    """Part 3: n commands and n gallery mints at once, beside one alone; gallery reads during the writes."""
    import re
    import threading

    import httpx

    from sandbox.node.server import BackgroundServer
    from sandbox.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "crowd.db"
        cli_mint(state, "Warm-up", backend=backend)
        rows: list[tuple[str, float, float, int, float]] = []
        if cli:
            with warm_server() as server:
                for label, folder in (("alone", None), ("warm server", server)):
                    env = {**os.environ, **cli_env(state, folder, backend)}
                    one, cpu = cpu_of_one(state, f"Alone ({label})", folder, backend)
                    start = time.perf_counter()
                    procs = [subprocess.Popen([sys.executable, "-m", "sandbox.cli", "mint", "--to", "carol", "--name", f"Crowd #{i} ({label})"],
                                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(n)]
                    failed = sum(p.wait() != 0 for p in procs)
                    rows.append((label, one, time.perf_counter() - start, failed, cpu))

        ws = Workshop(REPO, state=state, backend=backend)
        with BackgroundServer(create_app(ws)) as gallery, httpx.Client(base_url=gallery.url, timeout=600) as client:
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
            assert token
            headers = {"x-csrf-token": token.group(1)}

            def post(name: str) -> int:
                return httpx.post(gallery.url + "/mint", data={"to": "dave", "name": name}, headers=headers, timeout=600).status_code

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
    print(f"  {n} at once (one machine, 2 cores; {backend}):")
    cores = os.cpu_count() or 1
    for label, one, many, failed, cpu in rows:
        print(f"    sandbox mint ({label}): one {one:6.2f} s; {n} together {many:6.2f} s ({many / one:5.1f}x one; {failed} failed)")
        # n commands need n times one's CPU, at best spread over every core: no scheduling beats that.
        floor = n * cpu / cores
        print(f"      CPU of one {cpu:5.2f} s; {n} of them on {cores} cores need at least {floor:5.2f} s ({floor / one:5.1f}x one)")
    print(f"    gallery mint: one {one_web:6.2f} s; {n} together {many_web:6.2f} s ({many_web / one_web:5.1f}x one; "
          f"{sum(c == 303 for c in codes)}/{n} minted)")
    print(f"    gallery page: alone {read_alone * 1000:6.0f} ms; during the {n} mints median {statistics.median(reads) * 1000:6.0f} ms, "
          f"max {max(reads) * 1000:6.0f} ms ({len(reads)} loads)")
    print(f"    tokens on the chain: {kept} (expected {(n * 3 + 4) if cli else n + 2})")


if __name__ == "__main__":
    main()
