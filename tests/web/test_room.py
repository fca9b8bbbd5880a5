"""Room mode: the join page (QR code, one account per attendee), the organiser's page, `sandbox room` start-up errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.node.server import BackgroundServer
from sandbox.web import create_app
from sandbox.workshop.session import Workshop
from tests.web.conftest import REPO


@pytest.fixture
def room(seeded: Path, state_file: Path) -> Iterator[tuple[str, str]]:
    state_file.write_bytes(seeded.read_bytes())
    ws = Workshop(REPO, state=state_file)
    with BackgroundServer(create_app(ws, room=True, join_url="http://192.168.1.20:8000/join")) as server:
        page = httpx.get(server.url + "/join")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        yield server.url, token.group(1)


def test_the_join_page_shows_a_qr_code_and_the_accounts(room: tuple[str, str]) -> None:
    url, _ = room
    page = httpx.get(url + "/join")
    assert page.status_code == 200 and "<svg" in page.text and "http://192.168.1.20:8000/join" in page.text
    assert page.text.count('name="account"') == 10


def test_an_attendee_takes_an_account_and_the_forms_default_to_it(room: tuple[str, str]) -> None:
    url, token = room
    with httpx.Client(base_url=url) as li, httpx.Client(base_url=url) as wang:
        joined = li.post("/join", data={"csrf": token, "attendee": "Li Wei", "account": "frank"})
        assert joined.status_code == 303 and "frank" in joined.headers["location"]
        home = li.get("/")
        assert re.search(r'<option value="frank"\s+selected>', home.text)
        taken = wang.post("/join", data={"csrf": token, "attendee": "Wang Fang", "account": "frank"})
        assert taken.status_code == 400 and "already Li Wei" in taken.text
        assert "Li Wei" in wang.get("/room").text and "disabled" in wang.get("/join").text
        assert wang.post("/join", data={"csrf": token, "attendee": " ", "account": "grace"}).status_code == 400
        assert wang.post("/join", data={"attendee": "Wang Fang", "account": "grace"}).status_code == 403  # no CSRF token


def test_the_room_page_shows_who_minted_what(room: tuple[str, str]) -> None:
    url, _ = room
    page = httpx.get(url + "/room")
    assert page.status_code == 200
    assert "Seed Panda" in page.text and "Seed Lotus" in page.text


@pytest.mark.parametrize("args", [["--port", "99999"], ["--node-port", "-1"]])
def test_sandbox_room_refuses_bad_ports_in_one_line(sandbox_cmd: Any, args: list[str]) -> None:
    result = sandbox_cmd("room", *args)
    assert result.code == 1 and "is out of range" in result.err and result.err.strip().count("\n") == 0
