"""The Sandbox beside its peers on one workload, in one run (issue 16's table).

The OpenZeppelin ERC-721 workload: deploy SandboxNFT (OpenZeppelin's
ERC721URIStorage underneath), 200 mints each with its receipt (or logs), 400
``ownerOf`` reads; the same artifact (the same creation bytes) on every row:

- titanoboa 0.1 + boa-solidity (py-evm), in a venv of its own outside the
  project (installed here on first run, pinned: PEERS below);
- web3.py + ``EthereumTesterProvider`` with its defaults;
- Sandbox on py-evm (the default) and on revm;
- web3.py over anvil (HTTP, receipt polled every millisecond: the stricter
  baseline) and the Sandbox over the same anvil (a new anvil each round,
  both rows on it, their order swapped round by round).

Each ratio is against the titanoboa row of this same run (the web3.py +
eth-tester row when titanoboa cannot be installed), printed with its target.
Every row runs in a new process of its own, as titanoboa's must (its venv):
none inherits the objects and garbage of the rows before it. The titanoboa,
web3.py + eth-tester, Sandbox py-evm and revm rows, and the two anvil rows, run ``--rounds`` times (5),
alternating, each keeping its fastest timings: on a shared machine the load
of the moment falls on every row alike.
Then the 20-test suite (bench/nft_suite; its titanoboa twin bench/nft_suite_boa)
as the median wall time of five pytest processes on each chain. ``--scale``
adds the node rows' cost per mint at 100 and at N tokens: wall, the client's CPU and anvil's.

    .venv/bin/python bench/peers.py                 # the table
    .venv/bin/python bench/peers.py --scale 1000    # plus cost per mint at 100 vs 1,000 tokens on anvil
    .venv/bin/python bench/peers.py --pyevm-only    # titanoboa, web3.py + eth-tester and the Sandbox on py-evm only
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _env  # noqa: F401  (child processes cache bytecode, as a user's shell does)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MINTS, READS = 200, 400
#: The peers, pinned: titanoboa 0.1 is the last line boa-solidity supports (py-evm 0.12.1b1, as ours).
PEERS = ("titanoboa==0.1.10", "boa-solidity==0.1.1")
PEER_HOME = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nft-dapp-sandbox" / "bench-peers"


#: A token URI as collections publish them (an IPFS link, three storage slots); a data: URI
#: with its SVG inline (sandbox.helpers.nft.metadata_uri, ~1.9 kB, ~60 slots) is --data-uri.
IPFS_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/1.json"


def uri(data: bool = False) -> str:
    if not data:
        return IPFS_URI
    from sandbox.helpers.nft import metadata_uri

    return metadata_uri("Bench #1", description="benchmark token")


def artifact() -> Any:
    from sandbox.project.compiler import compile_project
    from sandbox.project.config import Project

    return compile_project(Project.load(REPO)).get("SandboxNFT")


# -- titanoboa (its own venv) ----------------------------------------------------------


def boa_python() -> Path | None:
    """The peers' Python with titanoboa + boa-solidity installed (pinned), or None when pip cannot install them."""
    venv = PEER_HOME / "boa"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == " ".join(PEERS):
        return python
    print(f"installing the peers into {venv}: {' '.join(PEERS)} ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PEERS], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except subprocess.CalledProcessError as exc:
        print(f"  titanoboa could not be installed ({exc}); its row is left out", file=sys.stderr)
        return None
    stamp.write_text(" ".join(PEERS))
    return python


def boa_row(art: Any, token_uri: str) -> dict[str, float] | None:
    python = boa_python()
    if python is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as request:
        json.dump({"abi": art.abi, "bytecode": art.bytecode.removeprefix("0x"), "uri": token_uri, "mints": MINTS, "reads": READS},
                  request)
    try:
        done = subprocess.run([str(python), str(REPO / "bench" / "peer_boa.py"), request.name], capture_output=True, text=True, check=True)
    finally:
        os.unlink(request.name)
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["logs"] >= MINTS, out  # every mint emitted its Transfer
    return out


# -- web3.py alone -----------------------------------------------------------------------


def web3_row(w3: Any, art: Any, token_uri: str, *, poll: float | None = None) -> dict[str, float]:
    """Deploy, mint with receipts, read through web3.py's contract API (defaults, unless ``poll``)."""
    wait: dict[str, Any] = {} if poll is None else {"poll_latency": poll}
    alice, bob = w3.eth.accounts[0], w3.eth.accounts[1]
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    start = time.perf_counter()
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor("Bench", "B", alice).transact({"from": alice}), **wait)
    deploy = time.perf_counter() - start
    nft = w3.eth.contract(address=receipt["contractAddress"], abi=art.abi)
    start = time.perf_counter()
    for _ in range(MINTS):
        got = w3.eth.wait_for_transaction_receipt(nft.functions.mint(bob, token_uri).transact({"from": alice}), **wait)
        assert got["status"] == 1 and got["logs"]
    mint = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(READS):
        nft.functions.ownerOf(i % MINTS).call()
    return {"deploy": deploy, "mint": mint, "read": time.perf_counter() - start}


def web3_tester_row(art: Any, token_uri: str) -> dict[str, float]:
    from web3 import Web3
    from web3.providers.eth_tester import EthereumTesterProvider

    return web3_row(Web3(EthereumTesterProvider()), art, token_uri)


# -- the Sandbox ---------------------------------------------------------------------------


def sandbox_row(token_uri: str, **where: Any) -> dict[str, float]:
    from sandbox import Sandbox

    sb = Sandbox(REPO, **where)
    alice, bob = sb.accounts.alice, sb.accounts.bob
    sb.compile()
    start = time.perf_counter()
    nft = sb.deploy("SandboxNFT", "Bench", "B", alice, sender=alice)
    deploy = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(MINTS):
        receipt = nft.mint(bob, token_uri, sender=alice)
        assert receipt.status == 1 and receipt.events
    mint = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(READS):
        nft.ownerOf(i % MINTS)
    return {"deploy": deploy, "mint": mint, "read": time.perf_counter() - start}


#: One client's cost per mint at a size: wall ms, this process's CPU ms (the client's share), the node's CPU ms.
Cost = tuple[float, float, float]


def node_cpu_seconds(pid: int) -> float:
    """CPU seconds the node process has used so far (user + system, /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scale_rows(url: str, pid: int, art: Any, token_uri: str, tokens: int) -> list[tuple[str, Cost, Cost]]:
    """Cost per mint over the first 100 tokens and over the 100 up to ``tokens``, on one anvil, through each client:
    wall, the client's own CPU (this process) and anvil's CPU, so a cost that grows is placed on its side."""
    from web3 import HTTPProvider, Web3

    from sandbox import Sandbox

    sb = Sandbox(REPO, rpc=url)
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Bench", "B", alice, sender=alice)
    w3 = Web3(HTTPProvider(url))
    raw = w3.eth.contract(address=nft.address, abi=art.abi)

    def sandbox_mint() -> None:
        nft.mint(bob, token_uri, sender=alice)

    def web3_mint() -> None:
        w3.eth.wait_for_transaction_receipt(raw.functions.mint(bob.address, token_uri).transact({"from": alice.address}))

    def web3_fast_mint() -> None:
        w3.eth.wait_for_transaction_receipt(raw.functions.mint(bob.address, token_uri).transact({"from": alice.address}), poll_latency=0.001)

    rows = [("Sandbox on anvil", sandbox_mint), ("web3.py + anvil, defaults", web3_mint),
            ("web3.py + anvil, 1 ms poll", web3_fast_mint)]

    def ms(mint: Callable[[], None], n: int = 30) -> Cost:
        node, cpu, start = node_cpu_seconds(pid), time.process_time(), time.perf_counter()
        for _ in range(n):
            mint()
        wall, cpu, node = time.perf_counter() - start, time.process_time() - cpu, node_cpu_seconds(pid) - node
        return wall / n * 1000, cpu / n * 1000, node / n * 1000

    early = [ms(f, 34) for _, f in rows]  # ~100 tokens
    while nft.totalSupply() < tokens - 100:
        for _ in range(100):
            sandbox_mint()
    late = [ms(f, 34) for _, f in rows]
    return [(name, a, b) for (name, _), a, b in zip(rows, early, late, strict=True)]


def fastest(kept: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any] | None:
    """Each timing of ``new`` or ``kept``, whichever is smaller (``None``: none measured)."""
    if kept is None or new is None:
        return new if kept is None else kept
    return {k: min(v, new[k]) if k in ("deploy", "mint", "read") else v for k, v in kept.items()}


# -- the 20-test suite -----------------------------------------------------------------------


def suite_seconds(python: Path, args: list[str], env: dict[str, str] | None = None, cwd: Path = REPO) -> float:
    """Wall seconds of one pytest process (start-up, collection and the tests), which must pass."""
    start = time.perf_counter()
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"pytest {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return wall


SUITE_RUNS = 5


def suite_rows(art: Any, boa: Path | None, runs: int = SUITE_RUNS) -> dict[str, float]:
    """bench/nft_suite on each Sandbox chain, and its titanoboa twin (bench/nft_suite_boa) on the same bytes:
    the median wall of ``runs`` processes each, the rows alternated run by run (a first, unmeasured run of each
    writes its bytecode caches, as any user's first run does)."""
    python = Path(sys.executable)
    commands: dict[str, tuple[Path, list[str], dict[str, str], Path]] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump({"abi": art.abi, "bytecode": art.bytecode.removeprefix("0x")}, file)
    try:
        if boa is not None:
            commands["titanoboa"] = (boa, ["-o", "addopts=", "."], {"PEER_ARTIFACT": file.name}, REPO / "bench" / "nft_suite_boa")
        commands["Sandbox, py-evm"] = (python, ["bench/nft_suite"], {"SANDBOX_BACKEND": "pyevm"}, REPO)
        commands["Sandbox, revm"] = (python, ["bench/nft_suite"], {"SANDBOX_BACKEND": "revm"}, REPO)
        commands["Sandbox on anvil"] = (python, ["--sandbox-anvil", "bench/nft_suite"], {}, REPO)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for n in range(runs + 1):
            for name, (exe, args, env, cwd) in commands.items():
                wall = suite_seconds(exe, args, env, cwd)
                if n:
                    walls[name].append(wall)
    finally:
        os.unlink(file.name)
    return {name: statistics.median(found) for name, found in walls.items()}


# -- one row in a process of its own ---------------------------------------------------------


def own_process(kind: str, token_uri: str, **where: Any) -> dict[str, float]:
    """One row in a new process, as titanoboa's row runs: no row inherits the objects, garbage or warm caches
    the rows before it left in this process (the revm row ran 1.5-2x slower here after the py-evm rows)."""
    spec = json.dumps({"kind": kind, "uri": token_uri, "where": where})
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--one-row", spec], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        sys.exit(f"the {kind} row ({where}) failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    row: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def one_row(spec: str) -> dict[str, float]:
    """The row ``own_process`` asked for, measured in this process."""
    asked = json.loads(spec)
    kind, token_uri, where = asked["kind"], asked["uri"], asked["where"]
    if kind == "tester":
        return web3_tester_row(artifact(), token_uri)
    if kind == "sandbox":
        return sandbox_row(token_uri, **where)
    if kind == "web3":
        from web3 import HTTPProvider, Web3

        return web3_row(Web3(HTTPProvider(where["url"])), artifact(), token_uri, poll=0.001)
    raise SystemExit(f"unknown row kind {kind!r}")


# -- the table ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=0, help="also mint up to this many tokens on anvil and compare ms per mint")
    parser.add_argument("--no-boa", action="store_true", help="leave titanoboa out")
    parser.add_argument("--no-suite", action="store_true", help="leave the 20-test suite rows out")
    parser.add_argument("--readme", action="store_true", help="write this run's table into README.md's Benchmarks section")
    parser.add_argument("--data-uri", action="store_true", help="mint with a 1.9 kB data: URI (art inline) instead of an IPFS link")
    parser.add_argument("--rounds", type=int, default=5,
                        help="run the titanoboa, web3.py + eth-tester and Sandbox py-evm rows this many times, alternating, "
                             "and keep each row's fastest (default 5: on a shared 2-core machine one process's 200 mints vary "
                             "by up to 1.5x from run to run, and the load falls on every row alike)")
    parser.add_argument("--pyevm-only", action="store_true",
                        help="only the py-evm rows: titanoboa, web3.py + eth-tester and the Sandbox on py-evm (no revm, anvil or suite rows)")
    parser.add_argument("--one-row", metavar="JSON", help=argparse.SUPPRESS)  # internal: one row in this process (own_process)
    options = parser.parse_args()
    if options.one_row:
        print(json.dumps(one_row(options.one_row)))
        return
    if options.pyevm_only and (options.readme or options.scale):
        parser.error("--pyevm-only leaves rows out: the README table and --scale need the whole run")

    from sandbox.chain.anvil import Anvil

    art, token_uri = artifact(), uri(options.data_uri)
    # The py-evm rows, alternated over the rounds; each row keeps its fastest deploy, mints and reads.
    boa = tester = pyevm = revm = None
    paired: list[tuple[float, float]] = []  # each round's Sandbox py-evm ÷ titanoboa: mints/s, reads/s
    for _ in range(max(options.rounds, 1)):
        boa_now = None if options.no_boa else boa_row(art, token_uri)
        boa = fastest(boa, boa_now)
        tester = fastest(tester, own_process("tester", token_uri))
        pyevm_now = own_process("sandbox", token_uri, backend="pyevm")
        pyevm = fastest(pyevm, pyevm_now)
        if not options.pyevm_only:
            revm = fastest(revm, own_process("sandbox", token_uri, backend="revm"))
        if boa_now is not None:
            paired.append((boa_now["mint"] / pyevm_now["mint"], boa_now["read"] / pyevm_now["read"]))
    base_name = "titanoboa 0.1 + boa-solidity (py-evm)" if boa is not None else "web3.py + EthereumTesterProvider"
    print(f"OpenZeppelin ERC-721 workload: deploy, {MINTS} mints with receipts, {READS} reads (same artifact on every row); "
          f"token URI of {len(token_uri)} bytes")
    print(f"ratios against: {base_name}" + ("" if boa is not None else " (titanoboa could not be installed)"))
    print(f"{'row':<40} {'deploy ms':>9} {'mints/s':>9} {'x base':>7} {'reads/s':>9} {'x base':>7}  target")
    rows: dict[str, dict[str, float]] = {}
    table = [f"| row ({MINTS} mints with receipts, {READS} reads; token URI {len(token_uri)} bytes) | mints/s | × base | reads/s | × base | target |",
             "|---|---|---|---|---|---|"]

    def show(name: str, row: dict[str, float], target: Callable[[float, float], str] | None = None) -> None:
        rows[name] = row
        base = rows[base_name]
        mints, reads = MINTS / row["mint"], READS / row["read"]
        mx, rx = mints / (MINTS / base["mint"]), reads / (READS / base["read"])
        said = target(mx, rx) if target is not None and boa is not None else ""
        table.append(f"| {name} | {mints:,.1f} | {mx:.2f} | {reads:,.0f} | {rx:.2f} | {said or '—'} |")
        print(f"{name:<40} {row['deploy'] * 1000:>9.0f} {mints:>9.1f} {mx:>7.2f} {reads:>9.1f} {rx:>7.2f}  {said}", flush=True)

    def versus(tm: float, tr: float) -> Callable[[float, float], str]:
        def said(mx: float, rx: float) -> str:
            return f"mints >= {tm:g}x: {'met' if mx >= tm else 'NOT met'}; reads >= {tr:g}x: {'met' if rx >= tr else 'NOT met'}"
        return said

    if boa is not None:
        show(base_name, boa)
    assert tester is not None and pyevm is not None
    show("web3.py + EthereumTesterProvider", tester)
    show("Sandbox, py-evm (default)", pyevm, versus(1.0, 1.0))
    if len(paired) > 1:  # how steady the py-evm ratio is: each round's pair (adjacent processes) on its own
        table.append(round_spread("Sandbox py-evm ÷ titanoboa", {"mints": [m for m, _ in paired], "reads": [r for _, r in paired]}))
    if options.pyevm_only:
        return
    assert revm is not None
    show("Sandbox, revm", revm, versus(3.0, 5.0))
    # The node rows: a new anvil each round (anvil's cost per mint grows with its state), both rows on it, the
    # order swapped round by round (the second row meets the first's 200 tokens); each keeps its fastest.
    peer = ours = None
    node_pairs: list[float] = []  # each round's web3.py ÷ Sandbox mint time: the Sandbox's mints/s over web3.py's
    for k in range(max(options.rounds, 1)):
        with Anvil() as node:
            kinds = ("web3", "sandbox") if k % 2 == 0 else ("sandbox", "web3")
            now = {kind: own_process(kind, token_uri, **({"url": node.url} if kind == "web3" else {"rpc": node.url})) for kind in kinds}
        peer, ours = fastest(peer, now["web3"]), fastest(ours, now["sandbox"])
        node_pairs.append(now["web3"]["mint"] / now["sandbox"]["mint"])
    assert peer is not None and ours is not None
    show("web3.py + anvil (1 ms poll)", peer)
    vs = peer["mint"] / ours["mint"]
    rows_said = f"mints >= web3.py + anvil: {vs:.2f}x {'met' if vs >= 1 else 'NOT met'}"
    show("Sandbox on anvil", ours, lambda mx, rx: rows_said)
    if len(node_pairs) > 1:
        table.append(round_spread("Sandbox on anvil ÷ web3.py + anvil", {"mints": node_pairs}))
    scaled: list[tuple[str, Cost, Cost]] = []
    if options.scale:
        with Anvil() as node:
            assert node.process is not None
            scaled = scale_rows(node.url, node.process.pid, art, token_uri, options.scale)
    if not options.no_suite:
        suites = suite_rows(art, None if boa is None else boa_python())
        base_suite = suites.get("titanoboa") or suites["Sandbox, py-evm"]
        against = "titanoboa" if "titanoboa" in suites else "py-evm"
        print(f"\n20-test NFT suite, median wall of {SUITE_RUNS} pytest processes (start-up included); ratios against {against}")
        suite_targets = {"Sandbox, py-evm": 1.0, "Sandbox, revm": 0.6}
        for name, wall in suites.items():
            ratio = wall / base_suite
            target = suite_targets.get(name) if "titanoboa" in suites else None
            said = f"target <= {target:g}x: {'met' if ratio <= target else 'NOT met'}" if target is not None else ""
            print(f"{name:<40} {wall:>8.2f} s {ratio:>7.2f}x  {said}")
            table.append(f"| 20-test suite, {name} | {wall:.2f} s | {ratio:.2f} | | | {said or '—'} |")
    if scaled:
        print(f"\nms per mint on anvil at ~100 and at ~{options.scale:,} tokens: wall, the client's CPU (flat is the client's "
              "target), anvil's CPU (the node's own)")
        for name, early, late in scaled:
            print(f"{name:<30} wall {early[0]:>6.1f} -> {late[0]:>6.1f} ({late[0] / early[0]:.2f}x)   client CPU {early[1]:>5.1f} -> "
                  f"{late[1]:>5.1f} ({late[1] / early[1]:.2f}x)   anvil CPU {early[2]:>5.1f} -> {late[2]:>5.1f} ({late[2] / early[2]:.2f}x)")
            table.append(f"| ms per mint, {name}, ~100 → ~{options.scale:,} tokens: wall; client CPU; anvil CPU | "
                         f"{early[0]:.1f} → {late[0]:.1f}; {early[1]:.1f} → {late[1]:.1f}; {early[2]:.1f} → {late[2]:.1f} | "
                         f"{late[0] / early[0]:.2f}; {late[1] / early[1]:.2f}; {late[2] / early[2]:.2f} | | | client flat |")
    if options.readme:
        write_readme(table, base_name)


def round_spread(name: str, ratios: dict[str, list[float]]) -> str:
    """Print each round's ratios of ``name`` (their median and range; the first, mints, against 1x) and return the table row."""
    rounds = len(next(iter(ratios.values())))
    spread = ", ".join(f"{what} {statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})" for what, xs in ratios.items())
    met = sum(x >= 1.0 for x in next(iter(ratios.values())))
    print(f"{'  each round, ' + name:<40} median (min–max) of {rounds}: {spread}; mints >= 1x in {met} of {rounds}")
    return f"| each round, {name}: median (min–max) of {rounds} | {spread} | | | | mints >= 1x in {met} of {rounds} rounds |"


README = REPO / "README.md"
START, END = "<!-- bench/peers.py: start (generated, do not edit) -->", "<!-- bench/peers.py: end -->"


def write_readme(table: list[str], base: str) -> None:
    """Put this run's table between the markers in README.md (the Benchmarks section)."""
    text = README.read_text()
    if START not in text or END not in text:
        sys.exit(f"README.md has no {START} ... {END} block to fill")
    block = "\n".join([START, f"Ratios against {base}, measured in the same run (`make bench`, shared 2-core machine):", "", *table, END])
    head, rest = text.split(START, 1)
    README.write_text(head + block + rest.split(END, 1)[1])
    print(f"README.md: table written ({len(table) - 2} rows)")


if __name__ == "__main__":
    main()
