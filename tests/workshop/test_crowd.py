"""Thirty at once (issue 17): thirty `sandbox mint` processes through the warm server and thirty gallery mints
posted together, on one chain; every one lands once, with its own token, and the gallery keeps answering reads.

Bounded in time by the processes' timeouts, never asserted on speed (bench/workshop_bench.py measures it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.node.server import BackgroundServer
from sandbox.web import create_app
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO

N = 30


@pytest.fixture
def warm_server() -> Iterator[dict[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="sbx-crowd-", dir="/tmp"))
    env = {**os.environ, "SANDBOX_SERVER": "auto", "SANDBOX_SERVER_DIR": str(folder)}
    try:
        started = subprocess.run([sys.executable, "-m", "sandbox.cli", "server", "start", "--idle", "300"], cwd=REPO, env=env,
                                 capture_output=True, text=True, timeout=300)
        log = folder / "server.log"
        assert started.returncode == 0, started.stderr + (log.read_text() if log.exists() else "")
        yield env
    finally:
        subprocess.run([sys.executable, "-m", "sandbox.cli", "server", "stop"], cwd=REPO, env=env, capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def test_thirty_commands_and_thirty_gallery_mints_at_once_all_land(warm_server: dict[str, str], tmp_path: Path) -> None:
    state = tmp_path / "chain.db"
    env = {**warm_server, "SANDBOX_STATE": str(state), "SANDBOX_PROJECT": str(REPO)}
    first = subprocess.run([sys.executable, "-m", "sandbox.cli", "mint", "--to", "bob", "--name", "First"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    ws = Workshop(REPO, state=state)
    with BackgroundServer(create_app(ws)) as server, httpx.Client(base_url=server.url, timeout=300) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
        assert token
        codes: list[int] = []
        reads: list[int] = []

        def post(i: int) -> None:
            reply = httpx.post(server.url + "/mint", data={"to": "dave", "name": f"Web #{i}"}, headers={"x-csrf-token": token.group(1)},
                               timeout=300)
            codes.append(reply.status_code)

        commands = [subprocess.Popen([sys.executable, "-m", "sandbox.cli", "mint", "--to", "carol", "--name", f"Cli #{i}"], cwd=REPO,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(N)]
        posts = [threading.Thread(target=post, args=(i,)) for i in range(N)]
        for thread in posts:
            thread.start()
        while any(t.is_alive() for t in posts) or any(p.poll() is None for p in commands):  # reads go on meanwhile
            reads.append(client.get("/").status_code)
        for thread in posts:
            thread.join()
        outcomes = [(p.wait(timeout=300), *p.communicate()) for p in commands]
    failed = [(code, err) for code, _, err in outcomes if code != 0]
    assert failed == [] and codes == [303] * N
    assert reads and set(reads) == {200}
    said = sorted(int(re.search(r"minted #(\d+)", out).group(1)) for _, out, _ in outcomes)  # type: ignore[union-attr]
    listed = json.loads(subprocess.run([sys.executable, "-m", "sandbox.cli", "list", "--json"], cwd=REPO, env=env,
                                       capture_output=True, text=True, timeout=300).stdout)
    names = sorted(t["name"] for t in listed)
    assert names == sorted([f"Cli #{i}" for i in range(N)] + [f"Web #{i}" for i in range(N)] + ["First"])  # each once, none lost
    assert sorted(t["token_id"] for t in listed) == list(range(2 * N + 1))
    assert len(set(said)) == N and set(said) <= set(range(2 * N + 1))
