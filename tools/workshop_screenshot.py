"""Make the README's workshop pictures: gallery, token page, contract page and explorer, desktop and phone, in headless Chromium.

    .venv/bin/python tools/workshop_screenshot.py

Runs the real flow on a throwaway chain (in a temporary folder): three
mints, one give-away, a contract write that reverts; then screenshots of
`sandbox ui` at 1280 px and at 390 px (a phone) into docs/workshop/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.node.server import BackgroundServer  # noqa: E402
from sandbox.web import create_app  # noqa: E402
from sandbox.workshop import collection  # noqa: E402
from sandbox.workshop.session import Workshop  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
OUT = REPO / "docs" / "workshop"


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        ws = Workshop(REPO, state=Path(tmp) / ".sandbox" / "chain.db")
        with ws.session(write=True) as sb:
            collection.mint(ws, sb, to="bob", name="Panda #1", description="A Chengdu panda on patrol.")
            collection.mint(ws, sb, to="carol", name="Dunhuang Apsara", description="A flying apsara from the Mogao caves.")
            collection.mint(ws, sb, to="dave", name="Bronze Ding", description="A Shang-dynasty vessel, digitised.")
            collection.transfer(ws, sb, 0, sender="bob", to="erin")
            nft = ws.collection(sb).address
            tx = ws.transfers()[-1]["tx"]
        with BackgroundServer(create_app(ws)) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=FLAGS)
            shots = {
                "gallery": "/?" + urlencode({"notice": "bob gave #0 Panda #1 to erin."}),
                "token": f"/token/{nft}/0",
                "contract": f"/contract/{nft}",
                "explorer": "/explorer",
                "tx": f"/tx/{tx}",
            }
            for device, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
                context = browser.new_context(viewport=viewport, device_scale_factor=1)
                page = context.new_page()
                for name, path in shots.items():
                    page.goto(server.url + path)
                    if name == "contract":  # show a revert: bob cannot move carol's token
                        fn = page.locator(".writes .fn", has=page.locator("h3 code", has_text="transferFrom")).first
                        for field, value in zip(fn.locator("input[name=arg]").all(), ["carol", "bob", "1"], strict=True):
                            field.fill(value)
                        fn.locator("select[name=sender]").select_option("bob")
                        fn.locator("button").click()
                        page.locator(".outcome").wait_for()
                    if device == "phone" and name == "gallery":  # the cards, below the mint form on a phone
                        page.locator(".cards").scroll_into_view_if_needed()
                    page.screenshot(path=str(OUT / f"{name}-{device}.png"), full_page=device == "desktop" and name != "contract")
                context.close()
            browser.close()
    print(f"wrote {len(shots) * 2} pictures to {OUT}")


if __name__ == "__main__":
    main()
