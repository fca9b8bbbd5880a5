"""The gallery's identity pages and DID endpoint: resolve a DID with its history, issue a credential, sign in with a DID."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.helpers.identity import bytes32, did_for
from sandbox.helpers.identity.signin import sign_challenge
from sandbox.node.server import BackgroundServer
from sandbox.web.app import create_app
from sandbox.workshop.session import Workshop

REPO = Path(__file__).resolve().parents[2]
DAY = 86_400
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")


CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@dataclass
class Site:
    client: httpx.Client
    token: str
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ws = Workshop(REPO, state=tmp_path_factory.mktemp("did-gallery") / "state.sqlite")
    with ws.session(write=True) as sb:
        alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
        registry = sb.deploy("IdentityRegistry", sender=alice)
        ws.record_contract("IdentityRegistry", registry.address)
        credentials = sb.deploy("CredentialRegistry", alice, sender=alice)
        ws.record_contract("CredentialRegistry", credentials.address)
        registry.addDelegate(bob, bytes32("sigAuth"), carol, 30 * DAY, sender=bob)
        registry.setAttribute(bob, bytes32("did/svc/Profile"), b"https://bob.example", 30 * DAY, sender=bob)
    with BackgroundServer(create_app(ws)) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
        assert token
        yield Site(client, token.group(1), server.url)


def did() -> str:
    return did_for(BOB, 31337)


def challenge(site: Site) -> tuple[str, str]:
    page = site.client.post("/did/challenge", data={"csrf": site.token, "did": did()})
    assert page.status_code == 200
    text = re.search(r'<pre id="challenge">(.*?)</pre>', page.text, re.S)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert text and nonce
    return text.group(1), nonce.group(1)


def test_the_did_endpoint_is_on_the_gallery(site: Site) -> None:
    reply = site.client.get(f"/1.0/identifiers/{did()}", headers={"accept": "application/did-resolution"})
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/did-resolution"
    assert reply.json()["didDocument"]["authentication"][1].endswith("#delegate-1")
    assert site.client.get("/1.0/identifiers/did:example").status_code == 400


def test_the_page_shows_the_document_and_its_history(site: Site) -> None:
    page = site.client.get("/did", params={"did": did()})
    assert page.status_code == 200 and 'id="did-result"' in page.text and "https://bob.example" in page.text
    history = re.search(r'<table id="did-history">(.*?)</table>', page.text, re.S)
    assert history and history.group(1).count("<tr>") == 3  # header + delegate + attribute
    assert "sigAuth delegate" in history.group(1) and "did/svc/Profile" in history.group(1)
    bad = site.client.get("/did", params={"did": "did:ethr:0x1:" + BOB})
    assert 'id="resolution-error"' in bad.text and "unknownNetwork" in bad.text


def test_sign_in_with_a_sigauth_delegate_then_see_the_credentials(site: Site) -> None:
    form = {"csrf": site.token, "subject": did(), "issuer": "alice", "claim": "real-name verified"}
    issued = site.client.post("/did/issue", data=form, follow_redirects=True)
    assert issued.status_code == 200 and "credential issued by alice" in issued.text  # after the redirect
    _, nonce = challenge(site)
    page = site.client.post("/did/signin", data={"csrf": site.token, "did": did(), "nonce": nonce, "account": "carol"})
    assert 'id="signin-result"' in page.text and "Signed in as" in page.text and "delegate-1" in page.text
    assert "real-name verified" in page.text and ">valid<" in page.text
    again = site.client.post("/did/signin", data={"csrf": site.token, "did": did(), "nonce": nonce, "account": "carol"})
    assert "unknown or already used" in again.text  # a challenge signs in once


def test_a_pasted_wallet_signature_and_a_stranger(site: Site) -> None:
    text, nonce = challenge(site)
    signature = sign_challenge(BOB_KEY, text.replace("&#39;", "'").replace("&amp;", "&"))
    page = site.client.post("/did/signin", data={"csrf": site.token, "did": did(), "nonce": nonce, "signature": signature})
    assert "Signed in as" in page.text and "controller" in page.text
    _, nonce = challenge(site)
    stranger = site.client.post("/did/signin", data={"csrf": site.token, "did": did(), "nonce": nonce, "account": "dave"})
    assert "Not signed in" in stranger.text and "not an authentication key" in stranger.text


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run tools/browser.sh (make setup does)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield context.new_page()
        finally:
            context.close()


def test_sign_in_in_chromium(site: Site, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.url}/did")
    page.get_by_role("link", name="bob").click()
    expect(page.locator("#resolution-status")).to_contain_text("active")
    expect(page.locator("#did-history")).to_contain_text("sigAuth delegate")
    page.get_by_role("button", name="Get a challenge").click()
    expect(page.locator("#challenge")).to_contain_text("wants you to sign in with your DID")
    page.locator("select[name=account]").select_option("carol")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-result")).to_contain_text("Signed in as")
    expect(page.locator("#signin-result")).to_contain_text("delegate-1")
