"""Make docs/workshop-gallery.png: the gallery after a short workshop, in headless Chromium.

    .venv/bin/python tools/workshop_screenshot.py

Runs the real flow on a throwaway chain (in a temporary folder): three mints
from the command line, one give-away, then a screenshot of `sandbox ui`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import collection  # noqa: E402
from sandbox.node.server import BackgroundServer  # noqa: E402
from sandbox.web import create_app  # noqa: E402
from sandbox.workshop.session import Workshop  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        ws = Workshop(REPO, state=Path(tmp) / ".sandbox" / "chain.json")
        with ws.session(write=True) as sb:
            collection.mint(ws, sb, to="bob", name="Panda #1", description="A Chengdu panda on patrol.")
            collection.mint(ws, sb, to="carol", name="Dunhuang Apsara", description="A flying apsara from the Mogao caves.")
            collection.mint(ws, sb, to="dave", name="Bronze Ding", description="A Shang-dynasty vessel, digitised.")
            collection.transfer(ws, sb, 0, sender="bob", to="erin")
        with BackgroundServer(create_app(ws)) as server, sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(Path(tmp) / "profile"), executable_path="/usr/bin/chromium", headless=True, args=FLAGS,
                viewport={"width": 1280, "height": 900},
            )
            page = context.new_page()
            page.goto(server.url + "/?" + urlencode({"notice": "bob gave #0 Panda #1 to erin."}))
            out = REPO / "docs" / "workshop-gallery.png"
            page.screenshot(path=str(out), full_page=True)
            context.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
