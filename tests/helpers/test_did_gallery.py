"""DID resolution in the gallery: the W3C endpoint behind the gallery's guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sandbox.helpers.identity import bytes32, did_for
from sandbox.web.app import create_app
from sandbox.workshop.session import Workshop

REPO = Path(__file__).resolve().parents[2]
DAY = 86_400


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, Workshop]:
    ws = Workshop(REPO, state=tmp_path_factory.mktemp("did-gallery") / "state.sqlite")
    with ws.session(write=True) as sb:
        registry = sb.deploy("IdentityRegistry", sender=sb.accounts.alice)
        ws.record_contract("IdentityRegistry", registry.address)
        bob, carol = sb.accounts.bob, sb.accounts.carol
        registry.addDelegate(bob, bytes32("sigAuth"), carol, 30 * DAY, sender=bob)
    return TestClient(create_app(ws), base_url="http://localhost"), ws


def test_the_gallery_serves_did_resolution(gallery: tuple[TestClient, Workshop]) -> None:
    client, _ = gallery
    did = did_for("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", 31337)
    reply = client.get(f"/1.0/identifiers/{did}", headers={"accept": "application/did-resolution"})
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/did-resolution"
    assert reply.json()["didDocument"]["authentication"][1].endswith("#delegate-1")
    assert client.get("/1.0/identifiers/did:example").status_code == 400
