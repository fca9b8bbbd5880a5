"""Cross-chain transfer of NFTs: lock on chain A, mint on B, burn on B, release on A.

China's strategy names cross-chain interoperability as infrastructure for
digital collectibles: BSN's interchain hub ("Interchain Communication
Hub", 2021) connects permissioned and public chains, and collectible
platforms move assets between consortium chains through bridges. This
model runs two embedded chains in one process (chain ids 31337 and 1337),
the real Bridge contract on each, and a relayer in Python:

- a holder locks an NFT in the bridge on chain A (``TokenLocked``);
- the relayer reads the event, signs an EIP-712 ``Mint`` message (source
  and destination chain ids, nonce, token, recipient) and submits it on
  chain B, which mints the wrapped token;
- wrapped tokens change hands on B; a holder burns one (``WrappedBurned``),
  the relayer signs a ``Release`` for A, and the original comes back;
- at every step the model checks that the originals locked on A equal the
  wrapped tokens alive on B plus the messages still in flight; a replayed
  message and a message sent to the wrong chain are shown being refused.

Sources: BSN Interchain Communication Hub announcement (2021); the
lock-and-mint bridge pattern; EIP-712.

Reported: transfers each way, in-flight messages, the invariant checks,
rejected replays and wrong-chain messages, and gas per step on each chain.

The published rules (``--rules cn-2022``) show what a bridge does to a
holding period: a wrapped token given away on B minutes after it arrived
breaks Jingtan's 180-day rule, with the transaction; the mainland rules
would need the hold carried across the bridge.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from statistics import mean
from typing import Any

from sandbox import Contract, ContractReverted, Sandbox
from sandbox.helpers.bridge import sign_message
from sandbox.models.params import Param
from sandbox.models.report import ModelRun
from sandbox.project.config import SANDBOX_ROOT

DAY = 86_400
PARAMS = (
    Param("tokens", int, 24, (1, 500), "NFTs on chain A", "assumption", quick=6),
    Param("steps", int, 120, (1, 10_000), "steps", "assumption", quick=30),
    Param("relay_every", int, 3, (1, 100), "steps between relayer wake-ups", "assumption"),
    Param("relay_batch", int, 2, (1, 100), "messages per wake-up", "assumption"),
    Param("lock_share", float, 0.45, (0.0, 1.0), "share of steps that lock on A", "assumption"),
)

CHAIN_B = 1337
ZERO = "0x" + "00" * 20


class Relayer:
    """Watches both bridges' events and carries each message to the other chain."""

    def __init__(self, key: bytes, a: Sandbox, bridge_a: Contract, b: Sandbox, bridge_b: Contract) -> None:
        self.key = key
        self.a, self.bridge_a, self.b, self.bridge_b = a, bridge_a, b, bridge_b
        self.seen_a = self.seen_b = 0
        self.queue: list[tuple[str, dict[str, Any]]] = []
        self.done: list[tuple[str, dict[str, Any], bytes]] = []

    def sign(self, kind: str, message: dict[str, Any], chain: Sandbox, bridge: Contract) -> bytes:
        return sign_message(self.key, kind, message, chain_id=chain.chain.chain_id, bridge=bridge)

    def watch(self) -> None:
        """Queue a message for every new lock on A and every new burn on B."""
        # Only new blocks: a from_block past the head is not asked for (the engine seam answers it with the head's logs).
        new_a = self.a.get_events(self.bridge_a, name="TokenLocked", from_block=self.seen_a + 1) if self.a.chain.block_number > self.seen_a else []
        for event in new_a:
            e = event.args
            message = {"sourceChainId": self.a.chain.chain_id, "destinationChainId": e["destinationChainId"], "nonce": e["nonce"],
                       "token": e["token"], "tokenId": e["tokenId"], "recipient": e["recipient"]}  # fmt: skip
            self.queue.append(("Mint", message))
        self.seen_a = self.a.chain.block_number
        new_b = self.b.get_events(self.bridge_b, name="WrappedBurned", from_block=self.seen_b + 1) if self.b.chain.block_number > self.seen_b else []
        for event in new_b:
            e = event.args
            message = {"sourceChainId": self.b.chain.chain_id, "destinationChainId": e["sourceChainId"], "nonce": e["nonce"],
                       "token": e["token"], "tokenId": e["tokenId"], "recipient": e["recipient"]}  # fmt: skip
            self.queue.append(("Release", message))
        self.seen_b = self.b.chain.block_number

    def deliver(self, count: int, gas: dict[str, list[int]], submitter: Any, submitter_b: Any) -> int:
        """Submit up to ``count`` queued messages; returns how many were delivered."""
        delivered = 0
        while self.queue and delivered < count:
            kind, message = self.queue.pop(0)
            if kind == "Mint":
                signature = self.sign("Mint", message, self.b, self.bridge_b)
                gas["mintWrapped (B)"].append(self.bridge_b.mintWrapped(message, signature, sender=submitter_b).gas_used)
            else:
                signature = self.sign("Release", message, self.a, self.bridge_a)
                gas["release (A)"].append(self.bridge_a.release(message, signature, sender=submitter).gas_used)
            self.done.append((kind, message, signature))
            delivered += 1
        return delivered


def main(argv: list[str] | None = None) -> dict:
    run = ModelRun("cross_chain", "lock on A, mint on B, burn on B, release on A", argv, params=PARAMS,
                   design={"underlying": "none", "fractional": False})
    a = run.sandbox
    b = Sandbox(SANDBOX_ROOT, backend="pyevm", chain_id=CHAIN_B)
    holders_a = list(a.accounts)[1:7]
    holders_b = list(b.accounts)[1:7]
    relayer_a, relayer_b = a.accounts.ivan, b.accounts.ivan
    tokens = run.p["tokens"]
    steps = run.p["steps"]
    arrived_b: dict[int, int] = {}  # wrappedId -> when it reached its holder on B
    given_b: set[int] = set()
    max_in_flight = 0
    gas: dict[str, list[int]] = defaultdict(list)

    bridge_a = a.deploy("Bridge", a.accounts.alice, relayer_a, sender=a.accounts.alice)
    bridge_b = b.deploy("Bridge", b.accounts.alice, relayer_b, sender=b.accounts.alice)
    wrapped = b.at("BridgedNFT", bridge_b.wrapped())
    nft = a.deploy("SandboxNFT", "Terracotta Army", "TCA", a.accounts.alice, sender=a.accounts.alice)
    for t in range(tokens):
        nft.mint(holders_a[t % len(holders_a)], f"ipfs://terracotta/{t}", sender=a.accounts.alice)
    for h in holders_a:
        nft.setApprovalForAll(bridge_a, True, sender=h)
    relayer = Relayer(relayer_a.private_key, a, bridge_a, b, bridge_b)

    on_a = {t: str(nft.ownerOf(t)) for t in range(tokens)}  # token -> holder on A (or absent if locked)
    on_b: dict[int, str] = {}  # wrappedId -> holder on B
    moved_ab = moved_ba = checks = failures = 0
    minted = burned = seen_b = 0
    history = []
    for step in run.progress(range(steps), "steps"):
        action = run.random.random()
        if action < run.p["lock_share"] and on_a:
            token = run.random.choice(sorted(on_a))
            holder = on_a.pop(token)
            recipient = run.random.choice(holders_b)
            gas["lock (A)"].append(bridge_a.lock(nft, token, CHAIN_B, recipient, sender=holder).gas_used)
            moved_ab += 1
        elif action < run.p["lock_share"] + 0.25 and on_b:
            wrapped_id = run.random.choice(sorted(on_b))
            holder = on_b[wrapped_id]
            receiver = run.random.choice([h for h in holders_b if h != holder])
            gift = wrapped.transferFrom(holder, receiver, wrapped_id, sender=holder)
            now_b = b.chain.timestamp
            run.record("gift", gift, scenario="chain B", held_days=(now_b - arrived_b.get(wrapped_id, now_b)) / DAY,
                       first_hop=wrapped_id not in given_b, recipient=receiver.name, recipient_mainland=True)
            given_b.add(wrapped_id)
            arrived_b[wrapped_id] = now_b
            on_b[wrapped_id] = receiver.address
        elif on_b:
            wrapped_id = run.random.choice(sorted(on_b))
            holder = on_b.pop(wrapped_id)
            back_to = run.random.choice(holders_a)
            gas["burnWrapped (B)"].append(bridge_b.burnWrapped(wrapped_id, back_to, sender=holder).gas_used)
            moved_ba += 1
        # The relayer wakes every few steps and delivers part of its queue (messages stay in flight meanwhile).
        relayer.watch()
        max_in_flight = max(max_in_flight, len(relayer.queue))
        if step % run.p["relay_every"] == run.p["relay_every"] - 1:
            relayer.deliver(run.p["relay_batch"], gas, a.accounts.judy, b.accounts.judy)
        for kind, message, _sig in relayer.done[len(history) :]:
            if kind == "Mint":
                wid = int(wrapped.wrappedIdOf(message["sourceChainId"], message["token"], message["tokenId"]))
                on_b[wid] = message["recipient"]
                arrived_b[wid] = b.chain.timestamp
                given_b.discard(wid)
            else:
                on_a[message["tokenId"]] = message["recipient"]
            history.append(kind)
        # The invariant, from the chains themselves (B's wrapped Transfer events, read incrementally).
        locked = int(nft.balanceOf(bridge_a))
        for event in b.get_events(wrapped, name="Transfer", from_block=seen_b + 1) if b.chain.block_number > seen_b else []:
            minted += event.args["from"] == ZERO
            burned += event.args["to"] == ZERO
        seen_b = b.chain.block_number
        alive_on_b = minted - burned
        in_flight_mints = sum(1 for kind, _ in relayer.queue if kind == "Mint")
        in_flight_releases = sum(1 for kind, _ in relayer.queue if kind == "Release")
        checks += 1
        if locked != alive_on_b + in_flight_mints + in_flight_releases:
            failures += 1

    relayer.watch()
    relayer.deliver(len(relayer.queue), gas, a.accounts.judy, b.accounts.judy)
    locked_final = int(nft.balanceOf(bridge_a))
    for event in b.get_events(wrapped, name="Transfer", from_block=seen_b + 1) if b.chain.block_number > seen_b else []:
        minted += event.args["from"] == ZERO
        burned += event.args["to"] == ZERO

    # Attacks: replay a delivered message, and send a mint message to the wrong chain.
    refused: dict[str, str] = {}
    mint_done = next(((m, s) for k, m, s in relayer.done if k == "Mint"), None)
    if mint_done:
        message, signature = mint_done
        for label, bridge, sender in (("replayed mint on B", bridge_b, b.accounts.judy), ("mint message sent to A", bridge_a, a.accounts.judy)):
            try:
                bridge.mintWrapped(message, signature, sender=sender)
                refused[label] = "ACCEPTED"
            except ContractReverted as err:
                refused[label] = err.name or err.reason
    run.figures.update(
        {
            "tokens": tokens,
            "steps": steps,
            "moved_a_to_b": moved_ab,
            "moved_b_to_a": moved_ba,
            "messages_delivered": len(relayer.done),
            "invariant_checks": checks,
            "invariant_failures": failures,
            "locked_on_a": locked_final,
            "wrapped_alive_on_b": minted - burned,
            "wrapped_minted": minted,
            "wrapped_burned": burned,
            "refused": refused,
            "gas": {k: int(mean(v)) for k, v in gas.items()},
            "chain_ids": [a.chain.chain_id, b.chain.chain_id],
            "max_in_flight": max_in_flight,
            "headline": ["max_in_flight", "messages_delivered", "invariant_failures"],
        }
    )
    run.table(
        f"Bridge between chain {a.chain.chain_id} and chain {CHAIN_B}, {steps} steps",
        ["measure", "value"],
        [
            ["moved A → B (locks) / B → A (burns)", f"{moved_ab} / {moved_ba}"],
            ["messages relayed", len(relayer.done)],
            ["locked on A / wrapped alive on B (end)", f"{locked_final} / {minted - burned}"],
            ["invariant checks (failures)", f"{checks} ({failures})"],
            *[[label, outcome] for label, outcome in refused.items()],
            *[[f"gas: {op}", int(mean(v))] for op, v in gas.items()],
        ],
    )

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        ax = fig.add_subplot(1, 1, 1)
        ops = list(gas)
        ax.bar(ops, [mean(gas[o]) / 1000 for o in ops], color=["#1e96fc" if "(A)" in o else "#ff6d00" for o in ops])
        ax.set_ylabel("gas (thousands)")
        ax.set_title(f"Bridge steps (blue: chain A, orange: chain B); {checks} invariant checks, {failures} failed")

    run.chart(draw)
    return run.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
