"""One chain, many processes: the node, commands and their history stay one chain and lose nothing.

The measured failure (issue 14): with ``sandbox node`` running, a ``sandbox
mint`` made the node reload the file and go back to block 0; 20 of 30 RPC
transactions sent while 5 commands ran never landed.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from sandbox.node.server import BackgroundServer, create_app
from sandbox.workshop import collection
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO, rpc_result, run_process

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"



def test_rpc_transactions_and_commands_at_once_all_land_and_the_node_never_goes_back(state_file: Path) -> None:
    ws = Workshop(REPO, state=state_file)
    with ws.session(write=True) as sb:
        collection.mint(ws, sb, to="bob", name="Before the race")
    env = {"SANDBOX_STATE": str(state_file), "SANDBOX_PROJECT": str(REPO)}
    with BackgroundServer(create_app(ws)) as server:
        first_hash = rpc_result(server.url, "eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1"})
        hashes: list[object] = []
        heights: list[int] = []
        results: list[object] = []

        def send() -> None:
            for _ in range(30):
                hashes.append(rpc_result(server.url, "eth_sendTransaction", {"from": ALICE, "to": BOB, "value": "0x1"}))
                heights.append(int(str(rpc_result(server.url, "eth_blockNumber")), 16))

        commands = [threading.Thread(target=lambda i=i: results.append(run_process("mint", "--to", "carol", "--name", f"Racer {i}", env=env)))
                    for i in range(5)]
        sender = threading.Thread(target=send)
        for thread in [sender, *commands]:
            thread.start()
        for thread in [sender, *commands]:
            thread.join()
        assert all(r.returncode == 0 for r in results), [r.stderr for r in results]  # type: ignore[attr-defined]
        assert heights == sorted(heights)  # the node never went back
        receipts = [rpc_result(server.url, "eth_getTransactionReceipt", h) for h in [first_hash, *hashes]]
        assert all(r is not None and r["status"] == "0x1" for r in receipts)  # type: ignore[index]
    # A new process sees all of it, in one history.
    listed = run_process("list", "--json", env=env)
    names = sorted(r["name"] for r in json.loads(listed.stdout))
    assert names == sorted(["Before the race", *[f"Racer {i}" for i in range(5)]])
    again = Workshop(REPO, state=state_file)
    with again.session() as sb:
        assert all(sb.chain.backend.get_receipt(str(h)) is not None for h in [first_hash, *hashes])
        assert sb.chain.block_number == 1 + 1 + 1 + 30 + 5  # deploy, first mint, first send, 30 sends, 5 mints
