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
