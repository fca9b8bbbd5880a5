"""``kill -9`` at any moment: every acknowledged mint is kept and the store opens.

Ten rounds of two writers at once (real processes minting in a loop on one
store, each printing a mint only after its session committed), each killed
with SIGKILL at a random moment: 20 kills, mid-execution, mid-commit or
while waiting for the other's lock. After every round the store must open,
hold every acknowledged token with its transaction, and keep going.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sandbox.workshop.db import ChainStore
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO

#: One warm process (imports and compiled artifacts loaded once) that forks the writers of each round,
#: so a round costs a fork, not a Python start-up.
FORKER = """
import os, sys
from sandbox.workshop import collection
from sandbox.workshop.session import Workshop

warm = Workshop(sys.argv[1], state=sys.argv[2])
with warm.session() as sb:
    warm.collection(sb)
warm.store.close()
del warm
for line in sys.stdin:
    pids = []
    for writer in range(int(sys.argv[3])):
        pid = os.fork()
        if pid == 0:
            ws = Workshop(sys.argv[1], state=sys.argv[2])
            i = 0
            while True:
                with ws.session(write=True) as sb:
                    minted = collection.mint(ws, sb, to="bob", name=f"{line.strip()}-{writer}-{i}")
                print("ack", minted["token_id"], minted["tx"], flush=True)  # acknowledged: committed
                i += 1
        pids.append(pid)
    print("pids", *pids, flush=True)
    codes = [os.waitpid(pid, 0)[1] for pid in pids]
    print("done", *codes, flush=True)
"""
ROUNDS, WRITERS = 10, 2


def test_kill_9_at_random_moments_keeps_every_acknowledged_mint(tmp_path: Path) -> None:
    store = tmp_path / "chain.db"
    ws = Workshop(REPO, state=store)
    from sandbox.workshop import collection

    with ws.session(write=True) as sb:  # the collection exists before the race
        collection.mint(ws, sb, to="bob", name="First")
    ws.store.close()
    rng = random.Random(14)
    acknowledged: dict[int, str] = {}
    forker = subprocess.Popen([sys.executable, "-c", FORKER, str(REPO), str(store), str(WRITERS)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert forker.stdin is not None and forker.stdout is not None
    try:
        for round_ in range(ROUNDS):
            forker.stdin.write(f"r{round_}\n")
            forker.stdin.flush()
            lines = [forker.stdout.readline() for _ in range(2)]  # "pids ..." and the first acknowledgement, in either order
            assert all(lines), forker.stderr.read() if forker.stderr else ""
            time.sleep(rng.uniform(0.0, 0.4))
            pids = next(line.split()[1:] for line in lines if line.startswith("pids"))
            for pid in pids:
                os.kill(int(pid), signal.SIGKILL)
            while not lines[-1].startswith("done"):
                lines.append(forker.stdout.readline())
                assert lines[-1], forker.stderr.read() if forker.stderr else ""
            assert lines[-1].split()[1:] == [str(signal.SIGKILL)] * WRITERS  # both died by the kill, not by an error
            for line in lines:
                if line.startswith("ack"):
                    _, token, tx = line.split()
                    assert int(token) not in acknowledged, f"token {token} acknowledged twice"
                    acknowledged[int(token)] = tx
            # The store opens and holds every acknowledged mint, with its receipt.
            check = Workshop(REPO, state=store)
            with check.session() as sb:
                nft = check.collection(sb)
                supply = nft.totalSupply()
                for token, tx in acknowledged.items():
                    assert token < supply and nft.ownerOf(token) == sb.accounts.bob, token
                    receipt = sb.chain.backend.get_receipt(tx)
                    assert receipt is not None and receipt["status"] == 1, tx
            assert ChainStore(store).digest() is not None
            check.store.close()
    finally:
        forker.kill()
        forker.wait(timeout=30)
    assert len(acknowledged) >= ROUNDS  # every round acknowledged at least one mint before the kill
