"""The gallery's pages over HTTP: twelve cards a page, the owner and collection filters, a token page's holding rule."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from sandbox.node.server import BackgroundServer
from sandbox.web import create_app
from sandbox.workshop import collection
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO

DAY = 86_400


def cards(page: str) -> list[str]:
    return re.findall(r'<article class="card" data-token="(\d+)" data-contract="(0x[0-9a-fA-F]{40})"', page)


def test_pages_filters_and_the_holding_rule(tmp_path: Path) -> None:
    ws = Workshop(REPO, state=tmp_path / "chain.db")
    with ws.session(write=True) as sb:
        for i in range(14):
            collection.mint(ws, sb, to="bob" if i % 2 == 0 else "carol", name=f"Card {i}")
        alice = sb.accounts.alice
        held = sb.deploy("TieredHoldCollectible", "Held", "HLD", alice, 3 * DAY, 5 * DAY, sender=alice)
        ws.record_contract("TieredHoldCollectible", held.address, role="")
        held.mint(sb.accounts.dave, "ipfs://held-0", sender=alice)
        workshop_nft = ws.collection(sb).address
    with BackgroundServer(create_app(ws)) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        first, second = client.get("/").text, client.get("/?page=2").text
        assert len(cards(first)) == 12 and len(cards(second)) == 3  # 15 tokens, newest first
        assert not set(cards(first)) & set(cards(second))
        bob = cards(client.get("/?owner=bob").text)
        assert len(bob) == 7 and all(contract == workshop_nft for _, contract in bob)
        only_held = cards(client.get(f"/?collection={held.address}").text)
        assert only_held == [("0", held.address)]
        assert "No NFTs on page 9" in client.get("/?page=9").text
        token = client.get(f"/token/{held.address}/0").text
        rule = re.search(r'<dd class="rule">([^<]+)</dd>', token)
        assert rule is not None and rule.group(1).startswith("held until ") and "of chain time" in rule.group(1), token[:2000]
        with ws.session(write=True) as sb:
            sb.time_travel(3 * DAY + 60)
            sb.mine()
        token = client.get(f"/token/{held.address}/0").text
        rule = re.search(r'<dd class="rule">([^<]+)</dd>', token)
        assert rule is not None and rule.group(1).startswith("free to move (unlocked since "), token[:2000]
        free = client.get(f"/token/{workshop_nft}/0").text
        assert '<dd class="rule">' not in free  # a plain collection has no holding rule
