"""The gallery, the token, contract and explorer pages end to end in real headless Chromium (Debian's, driven by Playwright).

Mints through the form, gives away, sees a mint typed in a terminal appear
without a reload (server-sent events), reads and writes a contract from its
ABI-generated page (a revert shown with its reason), walks the explorer,
checks that no element is wider than a 390-px phone, and that a hostile
page (a ``file:`` page's form, a ``no-cors`` fetch) changes nothing.
Screenshots go to the test's tmp dir (desktop and phone).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.node.server import BackgroundServer
from sandbox.node.server import create_app as create_node
from sandbox.web import create_app
from sandbox.workshop.db import ChainStore
from sandbox.workshop.session import Workshop
from tests.web.conftest import seeded  # noqa: F401 (fixture)
from tests.workshop.conftest import REPO, run_process

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#c33c54"/></svg>'
PHONE = {"width": 390, "height": 844}
#: Elements sticking out of the viewport, as [tag.class text] (none means no horizontal scroll).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (r.right > width + 1 || r.left < -1);
  });
  return {scroll: document.documentElement.scrollWidth, width,
          wide: wide.slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run tools/browser.sh (make setup does)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def gallery(state_file: Path) -> Iterator[tuple[str, Workshop]]:
    ws = Workshop(REPO, state=state_file)
    with BackgroundServer(create_app(ws)) as server:
        yield server.url, ws


@pytest.fixture
def seeded_gallery(seeded: Path, state_file: Path) -> Iterator[tuple[str, Workshop]]:  # noqa: F811
    """The gallery on a chain where alice minted #0 (Seed Panda) to bob and #1 (Seed Lotus) to carol."""
    ChainStore(seeded).copy_to(state_file)
    ws = Workshop(REPO, state=state_file)
    with BackgroundServer(create_app(ws)) as server:
        yield server.url, ws


def card(page: Any, name: str) -> Any:
    return page.locator("article.card").filter(has=page.locator("h3", has_text=name))


def collection_of(ws: Workshop) -> str:
    with ws.session() as sb:
        return ws.collection(sb).address


def shoot(page: Any, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_mint_give_away_and_live_update_in_chromium(gallery: tuple[str, Workshop], page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, ws = gallery
    page.goto(url)
    expect(page.locator("h1")).to_contain_text("Sandbox")
    expect(page.locator(".empty")).to_be_visible()

    # Mint through the form, with an uploaded image.
    image = tmp_path / "red.svg"
    image.write_bytes(SVG)
    page.select_option("#mint-form select[name=to]", "carol")
    page.fill("#mint-form input[name=name]", "Browser Panda")
    page.fill("#mint-form textarea[name=description]", "Minted in Chromium")
    page.set_input_files("#mint-form input[name=image]", str(image))
    page.click("#mint-form button[type=submit]")
    expect(page.locator(".notice")).to_have_text("Minted #0 Browser Panda to carol.")
    minted = card(page, "Browser Panda")
    expect(minted.locator(".owner")).to_have_text("owned by carol")
    expect(minted.locator(".description")).to_have_text("Minted in Chromium")
    assert minted.locator("img").evaluate("img => img.complete && img.naturalWidth") == 64
    expect(page.locator("tr[data-account=carol] .nfts")).to_have_text("1")

    # Give it away.
    minted.locator("select[name=to]").select_option("dave")
    minted.locator("button", has_text="Give away").click()
    expect(page.locator(".notice")).to_have_text("carol gave #0 Browser Panda to dave.")
    moved = card(page, "Browser Panda")
    expect(moved.locator(".owner")).to_have_text("owned by dave")
    expect(moved.locator(".history li")).to_have_count(2)
    expect(moved.locator(".history li").nth(1)).to_contain_text("carol → dave")

    # A mint from the command line shows up without a reload (server-sent events),
    # and the live update keeps what the reader had chosen but not sent yet.
    page.evaluate("window.__sameDocument = true")
    moved.locator("select[name=to]").select_option("bob")
    page.select_option("form.filters select[name=owner]", "erin")
    result = run_process("mint", "--to", "erin", "--name", "Terminal Panda",
                         env={"SANDBOX_STATE": str(ws.store.path), "SANDBOX_PROJECT": str(REPO)})
    assert result.returncode == 0, result.stderr
    expect(card(page, "Terminal Panda").locator(".owner")).to_have_text("owned by erin", timeout=20_000)
    assert page.evaluate("window.__sameDocument") is True  # no navigation happened
    expect(page.locator(".gallery .count")).to_have_text("2 NFTs")
    expect(card(page, "Browser Panda").locator("select[name=to]")).to_have_value("bob")
    expect(page.locator("form.filters select[name=owner]")).to_have_value("erin")
    shoot(page, tmp_path / "gallery.png")


def test_form_mistakes_show_a_message_and_change_nothing(gallery: tuple[str, Workshop], page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, ws = gallery
    page.goto(url)
    for content, message in ((b"\x89PNG\r\n\x1a\n" + bytes(40_000), "must be at most 16,384 bytes"),
                             (b"just some text\n", "is not PNG, JPEG, GIF, WebP or SVG by its content")):
        fake = tmp_path / "picture.png"
        fake.write_bytes(content)
        page.fill("#mint-form input[name=name]", "Too Big")
        page.set_input_files("#mint-form input[name=image]", str(fake))
        page.click("#mint-form button[type=submit]")
        expect(page.locator(".error")).to_contain_text(message)
        expect(page.locator("#mint-form input[name=name]")).to_have_value("Too Big")  # the form keeps what was typed
        expect(page.locator(".empty")).to_be_visible()
    assert not ws.store.path.exists()  # nothing was saved


def test_token_page_shows_the_art_owner_and_history_and_gives_away(seeded_gallery: tuple[str, Workshop], page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, _ws = seeded_gallery
    page.goto(url)
    card(page, "Seed Panda").locator("h3 a").click()
    expect(page.locator(".token-name")).to_contain_text("Seed Panda")
    expect(page.locator(".token .owner")).to_contain_text("bob")
    expect(page.locator(".history-table tbody tr")).to_have_count(1)
    expect(page.locator(".history-table tbody tr").first).to_contain_text("minted")
    assert page.locator(".token-art img").evaluate("img => img.complete && img.naturalWidth") > 0
    shoot(page, tmp_path / "token.png")
    page.select_option(".token form.give select[name=to]", "erin")
    page.click(".token form.give button")
    expect(page.locator(".notice")).to_contain_text("bob gave #0 Seed Panda to erin.")
    expect(page.locator(".token .owner")).to_contain_text("erin")
    expect(page.locator(".history-table tbody tr")).to_have_count(2)


def test_contract_page_reads_writes_and_shows_a_revert(seeded_gallery: tuple[str, Workshop], page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, _ws = seeded_gallery
    page.goto(f"{url}/contracts")
    page.locator(".contract-list a", has_text="SandboxNFT").click()
    expect(page.locator(".contract-head h2")).to_contain_text("SandboxNFT")
    expect(page.locator(".reads .fn", has=page.locator("h3 code", has_text=re.compile("^totalSupply$"))).locator("output")).to_have_text("2")

    # A read with an argument.
    owner_of = page.locator(".reads .fn", has=page.locator("h3 code", has_text=re.compile("^ownerOf$")))
    owner_of.locator("input[name=arg]").fill("1")
    owner_of.locator("button").click()
    carol = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    expect(page.locator(".reads .fn", has=page.locator("h3 code", has_text=re.compile("^ownerOf$"))).locator("output")).to_contain_text(carol)

    # A write that reverts: bob cannot move carol's token.
    transfer = page.locator(".writes .fn", has=page.locator("h3 code", has_text=re.compile("^transferFrom$")))
    for field, value in zip(transfer.locator("input[name=arg]").all(), ["carol", "dave", "1"], strict=True):
        field.fill(value)
    transfer.locator("select[name=sender]").select_option("bob")
    transfer.locator("button").click()
    expect(page.locator(".outcome.failed .revert")).to_contain_text("reverted: ERC721InsufficientApproval")
    shoot(page, tmp_path / "contract-revert.png")

    # The same write from carol goes through, with its decoded Transfer event.
    transfer = page.locator(".writes .fn", has=page.locator("h3 code", has_text=re.compile("^transferFrom$")))
    for field, value in zip(transfer.locator("input[name=arg]").all(), ["carol", "dave", "1"], strict=True):
        field.fill(value)
    transfer.locator("select[name=sender]").select_option("carol")
    transfer.locator("button").click()
    expect(page.locator(".outcome.ok")).to_contain_text("mined in block")
    expect(page.locator(".outcome.ok .event strong")).to_have_text("Transfer")
    expect(page.locator(".outcome.ok .event")).to_contain_text("(dave)")
    shoot(page, tmp_path / "contract.png")


def test_explorer_blocks_transactions_and_addresses(seeded_gallery: tuple[str, Workshop], page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, ws = seeded_gallery
    with ws.session(write=True) as sb:  # a reloaded chain keeps state, not blocks: make a transaction to look at
        from sandbox.workshop import collection

        collection.mint(ws, sb, to="bob", name="Explorer Panda")
    page.goto(f"{url}/explorer")
    expect(page.locator(".blocks tbody tr").first).to_be_visible()
    shoot(page, tmp_path / "explorer.png")
    page.locator(".txs tbody tr a[href^='/tx/']").first.click()
    expect(page.locator(".tx .status")).to_contain_text("succeeded")
    expect(page.locator(".tx h3").first).to_contain_text("SandboxNFT.mint")
    expect(page.locator(".tx .event strong").first).to_have_text("Transfer")
    page.locator(".tx dl.facts a[href^='/block/']").click()
    expect(page.locator("main h2").first).to_contain_text("Block")
    page.goto(f"{url}/search?q=alice")
    expect(page.locator(".address .who")).to_have_text("alice")
    expect(page.locator(".address .nonce")).not_to_have_text("0")
    page.goto(f"{url}/address/bob")
    expect(page.locator(".held .card")).to_have_count(2)
    expect(page.locator(".held .card h3", has_text="Seed Panda")).to_be_visible()


def test_no_page_is_wider_than_a_phone(seeded_gallery: tuple[str, Workshop], browser: Any, tmp_path: Path) -> None:
    url, ws = seeded_gallery
    with ws.session(write=True) as sb:  # a long name and description must wrap, not widen the page
        from sandbox.workshop import collection

        nft = ws.collection(sb).address
        tx = collection.mint(ws, sb, to="bob", name="W" * 100, description="x" * 1000)["tx"]
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        for name, path in [("gallery", "/"), ("token", f"/token/{nft}/2"), ("contract", f"/contract/{nft}"), ("explorer", "/explorer"),
                           ("tx", f"/tx/{tx}"), ("address", "/address/bob"), ("block", "/block/1"), ("contracts", "/contracts"),
                           ("identity", "/did"), ("models", "/models")]:
            phone.goto(url + path)
            found = phone.evaluate(OVERFLOW_JS)
            assert found["scroll"] <= PHONE["width"] and not found["wide"], (name, found)
            shoot(phone, tmp_path / f"phone-{name}.png")
    finally:
        context.close()


def test_the_room_pages_fit_a_phone(seeded: Path, state_file: Path, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    """An attendee opens the join page on a phone (from the QR code), picks an account; the organiser's page too."""
    from sandbox.web import create_app as create_room

    ChainStore(seeded).copy_to(state_file)
    ws = Workshop(REPO, state=state_file)
    with BackgroundServer(create_room(ws, room=True, join_url="http://127.0.0.1/join")) as server:
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        phone = context.new_page()
        try:
            for name, path in [("join", "/join"), ("room", "/room")]:
                phone.goto(server.url + path)
                assert phone.locator("h1, h2").first.is_visible()
                found = phone.evaluate(OVERFLOW_JS)
                assert found["scroll"] <= PHONE["width"] and not found["wide"], (name, found)
                shoot(phone, tmp_path / f"phone-{name}.png")
        finally:
            context.close()


def test_a_hostile_page_changes_nothing(seeded_gallery: tuple[str, Workshop], page: Any, tmp_path: Path) -> None:
    """A file: page (Origin: null) posts the mint form and sends alice's ether with no-cors and text/plain fetches."""
    url, ws = seeded_gallery
    before = ws.store.digest()
    with BackgroundServer(create_node(ws)) as node:
        bob = "0x70997970C51812dc3A010C7d01b50e20b51d79C8"
        send = ('{"jsonrpc":"2.0","id":1,"method":"eth_sendTransaction","params":[{"from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",'
                f'"to":"{bob}","value":"0xde0b6b3a7640000"}}]}}')
        hostile = tmp_path / "hostile.html"
        hostile.write_text(f"""<!doctype html><body>
<form id="f" action="{url}/mint" method="post"><input name="to" value="bob"><input name="name" value="Stolen"></form>
<script>
  window.results = [];
  const body = {send!r};
  Promise.allSettled([
    fetch("{node.url}", {{method: "POST", mode: "no-cors", body}}),
    fetch("{node.url}", {{method: "POST", headers: {{"content-type": "text/plain"}}, body}}).then(r => r.json()),
    fetch("{node.url}", {{method: "POST", headers: {{"content-type": "application/json"}}, body}}).then(r => r.json()),
  ]).then(r => {{ window.results = r.map(x => x.value && x.value.error ? x.value.error.message : String(x.status)); }});
</script></body>""")
        balance = httpx.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": [bob, "latest"]}).json()
        page.goto(hostile.as_uri())
        page.wait_for_function("window.results.length === 3", timeout=20_000)
        results = page.evaluate("window.results")
        assert sum("--allow-origin" in r for r in results) == 2, results  # the two readable answers say why
        with page.expect_navigation():
            page.evaluate("document.getElementById('f').submit()")
        assert "refused" in page.content()
        after = httpx.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": [bob, "latest"]}).json()
        assert after["result"] == balance["result"]
    assert ws.store.digest() == before
