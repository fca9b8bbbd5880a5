"""The gallery end to end in real headless Chromium (Debian's, driven by Playwright).

Opens the page, mints through the form, sees the card, gives it away, sees a
mint typed in a terminal appear without a reload, and saves a screenshot to
artifacts/workshop/gallery.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.node.server import BackgroundServer
from sandbox.web import create_app
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import ARTIFACTS, REPO, run_process

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#c33c54"/></svg>'


@pytest.fixture
def gallery(state_file: Path) -> Iterator[tuple[str, Workshop]]:
    ws = Workshop(REPO, state=state_file)
    with BackgroundServer(create_app(ws)) as server:
        yield server.url, ws


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run tools/browser.sh (make setup does)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 1000},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def card(page: Any, name: str) -> Any:
    return page.locator("article.card").filter(has=page.locator("h3", has_text=name))


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

    # A mint from the command line shows up without a reload.
    page.evaluate("window.__sameDocument = true")
    result = run_process("mint", "--to", "erin", "--name", "Terminal Panda",
                         env={"SANDBOX_STATE": str(ws.store.path), "SANDBOX_PROJECT": str(REPO)})
    assert result.returncode == 0, result.stderr
    expect(card(page, "Terminal Panda").locator(".owner")).to_have_text("owned by erin", timeout=20_000)
    assert page.evaluate("window.__sameDocument") is True  # no navigation happened
    expect(page.locator(".gallery .count")).to_have_text("2 NFTs")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "gallery.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_form_mistakes_show_a_message_and_change_nothing(gallery: tuple[str, Workshop], page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, ws = gallery
    page.goto(url)
    big = tmp_path / "huge.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40_000))
    page.fill("#mint-form input[name=name]", "Too Big")
    page.set_input_files("#mint-form input[name=image]", str(big))
    page.click("#mint-form button[type=submit]")
    expect(page.locator(".error")).to_contain_text(re.compile(r"must be at most 16,384 bytes"))
    expect(page.locator("#mint-form input[name=name]")).to_have_value("Too Big")  # the form keeps what was typed
    expect(page.locator(".empty")).to_be_visible()
    assert not ws.store.path.exists()  # nothing was saved


def test_a_post_from_another_site_is_refused(gallery: tuple[str, Workshop]) -> None:
    import httpx

    url, ws = gallery
    response = httpx.post(f"{url}/mint", data={"to": "bob", "name": "Sneaky"}, headers={"origin": "http://evil.example"})
    assert response.status_code == 403
    assert not ws.store.path.exists()


def test_a_damaged_state_file_shows_the_error_not_a_crash(gallery: tuple[str, Workshop]) -> None:
    import httpx

    url, ws = gallery
    ws.store.path.write_text("{broken")
    page = httpx.get(url)
    assert page.status_code == 503 and "is not valid JSON" in page.text and "kept" in page.text
    version = httpx.get(f"{url}/api/version")
    assert version.status_code == 503 and version.json()["version"] == -1
    assert ws.store.path.read_text() == "{broken"
