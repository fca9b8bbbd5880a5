"""Fixtures for the web tests: a gallery on a chain in tmp_path with two NFTs, and a client that knows its CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sandbox.node.server import BackgroundServer
from sandbox.web import create_app
from sandbox.workshop import collection
from sandbox.workshop.db import ChainStore
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import ARTIFACTS, REPO, sandbox_cmd, state_file  # noqa: F401 (fixtures)


@dataclass
class Gallery:
    url: str
    ws: Workshop
    client: httpx.Client
    token: str
    collection: str

    def state(self) -> str | None:
        """A digest of everything the saved chain holds (``None`` before the first save)."""
        return self.ws.store.digest()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state file where alice minted #0 to bob and #1 to carol (made once per module, copied per test)."""
    path = tmp_path_factory.mktemp("seed") / "chain.db"
    ws = Workshop(REPO, state=path)
    with ws.session(write=True) as sb:
        collection.mint(ws, sb, to="bob", name="Seed Panda", description="first")
        collection.mint(ws, sb, to="carol", name="Seed Lotus")
    ws.store.close()
    return path


@pytest.fixture
def gallery(seeded: Path, state_file: Path) -> Iterator[Gallery]:  # noqa: F811
    ChainStore(seeded).copy_to(state_file)
    ws = Workshop(REPO, state=state_file)
    with BackgroundServer(create_app(ws)) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        home = client.get("/")
        token = re.search(r'name="csrf" value="([^"]+)"', home.text)
        assert token, home.text[:500]
        address = re.search(r'data-contract="(0x[0-9a-fA-F]{40})"', home.text)
        assert address
        yield Gallery(server.url, ws, client, token.group(1), address.group(1))


def shots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
