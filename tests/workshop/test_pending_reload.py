"""A node in manual mining keeps its pending transactions when another process commits to the store.

The node then reloads its chain (the store moved on); what was pending on
the old chain is sent again to the new one, as a pool keeps its
transactions when the chain moves on. One the new state refuses (its nonce
was used by the other process) is dropped, as a pool drops it.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.node.server import BackgroundServer, create_app
from sandbox.workshop import collection
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO, rpc_result

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CAROL = "0x00000000000000000000000000000000000c0ffe"



def test_pending_transactions_survive_another_process_committing(state_file: Path) -> None:
    ws = Workshop(REPO, state=state_file)
    with ws.session(write=True) as sb:
        collection.mint(ws, sb, to="bob", name="Before")
    with BackgroundServer(create_app(ws, mining=False)) as node:
        kept = rpc_result(node.url, "eth_sendTransaction", {"from": BOB, "to": CAROL, "value": "0x7"})
        clashing = rpc_result(node.url, "eth_sendTransaction", {"from": ALICE, "to": CAROL, "value": "0x9"})
        assert rpc_result(node.url, "eth_getTransactionByHash", kept)["blockNumber"] is None
        head = int(rpc_result(node.url, "eth_blockNumber"), 16)
        other = Workshop(REPO, state=state_file)  # a command in another process: alice mints, using her next nonce
        with other.session(write=True) as sb:
            collection.mint(other, sb, to="dave", name="From the command")
        # The node reloads on its next request and keeps bob's transaction waiting; alice's clashes and is dropped.
        assert int(rpc_result(node.url, "eth_blockNumber"), 16) == head + 1
        assert rpc_result(node.url, "eth_getTransactionByHash", kept)["blockNumber"] is None
        assert rpc_result(node.url, "eth_getTransactionByHash", clashing) is None
        rpc_result(node.url, "evm_mine")
        receipt = rpc_result(node.url, "eth_getTransactionReceipt", kept)
        assert receipt is not None and receipt["status"] == "0x1" and int(receipt["blockNumber"], 16) == head + 2
        assert int(rpc_result(node.url, "eth_getBalance", CAROL, "latest"), 16) == 7
    again = Workshop(REPO, state=state_file)
    with again.session() as sb:
        assert sb.chain.block_number == head + 2 and [t["to"] for t in again.transfers()][-1] == sb.accounts.resolve("dave")
