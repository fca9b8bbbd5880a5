"""Group commit: gallery writes that arrive together share one session and one save; one failing does not sink the others."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sandbox.errors import SandboxError
from sandbox.web.writes import GroupWriter
from sandbox.workshop import collection
from sandbox.workshop.session import Workshop
from tests.web.conftest import REPO


def test_concurrent_writes_share_sessions_and_all_land(seeded: Path, state_file: Path) -> None:
    state_file.write_bytes(seeded.read_bytes())
    ws = Workshop(REPO, state=state_file)
    writer = GroupWriter(ws)
    results: dict[int, object] = {}

    def mint(i: int) -> None:
        try:
            to = "nobody-known" if i == 3 else "erin"  # one bad request among them
            results[i] = writer.run(lambda sb: collection.mint(ws, sb, to=to, name=f"Crowd #{i}"))
        except SandboxError as exc:
            results[i] = exc

    threads = [threading.Thread(target=mint, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert isinstance(results[3], SandboxError) and "nobody-known" in str(results[3])
    assert sorted(r["name"] for i, r in results.items() if i != 3) == sorted(f"Crowd #{i}" for i in range(8) if i != 3)  # type: ignore[index]
    assert writer.jobs == 8 and writer.sessions < 8  # grouped
    fresh = Workshop(REPO, state=state_file)  # what was saved, read by another process's view
    with fresh.session() as sb:
        names = {t["name"] for t in collection.tokens(fresh, sb, owner="erin")}
    assert names == {f"Crowd #{i}" for i in range(8) if i != 3}


def test_a_batch_where_every_job_fails_leaves_the_file_as_it_was(seeded: Path, state_file: Path) -> None:
    state_file.write_bytes(seeded.read_bytes())
    before = state_file.read_bytes()
    writer = GroupWriter(Workshop(REPO, state=state_file))
    with pytest.raises(SandboxError, match="token #42 does not exist"):
        writer.run(lambda sb: collection.transfer(writer.ws, sb, 42, sender="bob", to="carol"))
    assert state_file.read_bytes() == before


def test_reads_are_answered_from_the_last_page_while_a_write_runs(seeded: Path, state_file: Path) -> None:
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.templating import Jinja2Templates

    from sandbox.web.app import HERE
    from sandbox.web.pages import Pages

    state_file.write_bytes(seeded.read_bytes())
    ws = Workshop(REPO, state=state_file)
    pages = Pages(ws, Jinja2Templates(directory=str(HERE / "templates")), "token")
    calls: list[int] = []

    def endpoint(request: Request) -> HTMLResponse:
        with ws.session():  # waits for the chain, as every page does
            calls.append(ws.version)
            return HTMLResponse(f"<p>version {ws.version}</p>")

    page = pages.stale_while_writing(endpoint)
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [], "server": ("x", 80),
                       "scheme": "http", "root_path": ""})
    fresh = page(request)
    assert fresh.headers.get("x-sandbox-stale") is None
    started, release = threading.Event(), threading.Event()

    def slow(sb: object) -> None:
        started.set()
        release.wait(timeout=60)

    writer = threading.Thread(target=pages.writer.run, args=(slow,))
    writer.start()
    assert started.wait(timeout=60) and pages.writer.busy
    stale = page(request)  # would block on the session without the cache
    assert stale.headers["x-sandbox-stale"] == "1" and stale.body == fresh.body and len(calls) == 1
    release.set()
    writer.join(timeout=60)
    assert not pages.writer.busy and page(request).headers.get("x-sandbox-stale") is None and len(calls) == 2
