"""Live updates: many open event streams share one poller and all hear a change."""

from __future__ import annotations

import threading

import httpx

from tests.web.conftest import Gallery


def _versions(url: str, wanted: int, out: list[list[int]], ready: threading.Barrier) -> None:
    seen: list[int] = []
    with httpx.stream("GET", url + "/api/events", timeout=60) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append(int(line[6:]))
                if len(seen) == 1:
                    ready.wait(timeout=60)
                if len(seen) == wanted:
                    break
    out.append(seen)


def test_every_open_stream_hears_a_mint(gallery: Gallery) -> None:
    streams, results = 5, []
    ready = threading.Barrier(streams + 1)
    threads = [threading.Thread(target=_versions, args=(gallery.url, 2, results, ready)) for _ in range(streams)]
    for t in threads:
        t.start()
    ready.wait(timeout=60)  # every stream has its first version
    minted = gallery.client.post("/mint", data={"to": "bob", "name": "Live", "csrf": gallery.token}, follow_redirects=False)
    assert minted.status_code == 303
    for t in threads:
        t.join(timeout=60)
    assert len(results) == streams
    assert all(len(seen) == 2 and seen[1] > seen[0] for seen in results), results
    assert gallery.client.get("/api/version").json()["version"] == results[0][1]
