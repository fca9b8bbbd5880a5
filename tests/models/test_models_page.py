"""The gallery's models page in real headless Chromium: a model's report with its rule checks, and a sweep's charts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from sandbox.models.sweep import Sweep
from sandbox.node.server import BackgroundServer
from sandbox.web import create_app, models_page
from sandbox.web.app import HERE
from sandbox.web.pages import Pages
from sandbox.workshop.session import Workshop

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workshop:
    monkeypatch.delenv("SANDBOX_RPC", raising=False)
    return Workshop(REPO, state=tmp_path / "chain.json")


@pytest.fixture
def outputs(pool_sweep: tuple[Sweep, dict[str, Any]], tmp_path: Path) -> Path:
    """An out/ folder as the scripts and `sandbox sweep` leave it: one model's latest run and one sweep."""
    plan, _ = pool_sweep
    out = tmp_path / "out"
    broke = next(r for r in sorted((plan.folder / "runs").iterdir()) if "supply=5,public_sale=1,seed=1" in r.name)
    shutil.copytree(broke, out / "models" / "digital_collectibles")
    shutil.copytree(plan.folder, out / "sweeps" / "digital_collectibles" / "supply_public_sale")
    return out


def test_create_app_serves_the_models_page(workshop: Workshop) -> None:
    paths = {getattr(route, "path", "") for route in create_app(workshop).routes}
    assert {"/models", "/models/files/{which}/{path:path}"} <= paths


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run tools/browser.sh (make setup does)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
                                                       viewport={"width": 1280, "height": 1000})
        try:
            yield context.new_page()
        finally:
            context.close()


def test_models_page_in_chromium(workshop: Workshop, outputs: Path, page: Any) -> None:
    from playwright.sync_api import expect

    pages = Pages(workshop, Jinja2Templates(directory=str(HERE / "templates")), "token")
    app = Starlette(routes=[*models_page.routes(pages, folders=[outputs]), Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")])
    with BackgroundServer(app) as server:
        page.goto(server.url + "/models")
        model = page.locator("article.model[data-model=digital_collectibles]")
        expect(model.locator("h3")).to_have_text("digital_collectibles")
        expect(model.locator(".verdict")).to_contain_text("Outside the mainland rules (cn-2022): breaks nifa-real-name")
        expect(model.locator("tr[data-rule=nifa-real-name] td.rule-broken")).to_have_text("broken")
        expect(model.locator("tr[data-rule=nifa-real-name]")).to_contain_text("is not real-name verified")
        expect(model.locator("tr[data-rule=nifa-fiat] td.rule-held")).to_have_text("held")
        expect(model.locator("table.report caption").first).to_have_text("First release")
        expect(model.locator("table.report", has_text="Beside the published figures")).to_contain_text("Zibo")
        assert model.locator("img.chart").evaluate("img => img.complete && img.naturalWidth") > 0
        sweep = page.locator("article.sweep[data-script=digital_collectibles]")
        expect(sweep.locator("h3")).to_contain_text("supply = 3, 5")
        expect(sweep.locator(".meta")).to_contain_text("8 of 8 runs")
        charts = sweep.locator("img.sweep-chart")
        assert charts.count() >= 4
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        assert all(w > 0 for w in charts.evaluate_all("imgs => imgs.map(i => i.naturalWidth)"))
        assert sweep.locator("img.overview").evaluate("img => img.naturalWidth") > 0
        expect(page.locator("nav a[href='/models']")).to_have_text("Models")
        # Files are served from the output folders only.
        assert page.request.get(server.url + "/models/files/0/../../etc/passwd").status == 404
        page.screenshot(path=str(outputs.parent / "models.png"), full_page=True)
