"""The node's HTTP layer: hostile bodies, odd ids, one write per response, anvil's CORS, cross-site signing."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.node.server import BackgroundServer, create_app
from sandbox.workshop.session import Workshop
from tests.workshop.conftest import REPO, sandbox_cmd, state_file  # noqa: F401 (fixtures)

ALICE = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
BOB = "0x70997970c51812dc3a010c7d01b50e20b51d79c8"
SEND = {"jsonrpc": "2.0", "id": 7, "method": "eth_sendTransaction", "params": [{"from": ALICE, "to": BOB, "value": "0x1"}]}


@pytest.fixture
def node(state_file: Path) -> Iterator[str]:  # noqa: F811
    ws = Workshop(REPO, state=state_file)
    with BackgroundServer(create_app(ws, allow_origins=["http://trusted.example"])) as server:
        yield server.url


def post(url: str, body: bytes | str, **headers: str) -> httpx.Response:
    return httpx.post(url, content=body, headers={"content-type": "application/json", **headers}, timeout=60)


def call(url: str, method: str, *params: Any, **headers: str) -> Any:
    return post(url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}), **headers).json()


def bob_balance(url: str) -> int:
    return int(call(url, "eth_getBalance", BOB, "latest")["result"], 16)


@pytest.mark.parametrize(("body", "expected"), [
    (b"[" * 100_000 + b"]" * 100_000, "levels deep"),
    (b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":' + b"[" * 65 + b"]" * 65 + b"}", "levels deep"),
    (b'{"jsonrpc":"2.0","id":1e999,"method":"eth_chainId"}', "1e999 is out of range"),
    (b'{"jsonrpc":"2.0","id":NaN,"method":"eth_chainId"}', "NaN is not JSON"),
    (b'{"jsonrpc":"2.0","id":-Infinity,"method":"eth_chainId"}', "-Infinity is not JSON"),
    (b'{"jsonrpc":"2.0","id":' + b"9" * 5000 + b',"method":"eth_chainId"}', "parse error"),
    (b'["' + b'\\"' * 200_000 + b"[" * 100, "parse error"),  # unterminated string: linear scan, clean error
], ids=["100k-deep", "65-deep-params", "id-1e999", "id-NaN", "id-Infinity", "id-5000-digits", "unterminated"])
def test_hostile_bodies_get_a_parse_error_and_the_node_keeps_answering(node: str, body: bytes, expected: str) -> None:
    response = post(node, body)
    assert response.status_code == 200
    reply = response.json()
    assert reply["error"]["code"] == -32700 and expected in reply["error"]["message"], reply
    assert reply["id"] is None
    assert call(node, "eth_chainId")["result"] == "0x7a69"


def test_brackets_inside_strings_do_not_count_as_depth(node: str) -> None:
    reply = call(node, "eth_getBalance", "[" * 500 + "{" * 500, "latest")
    assert reply["error"]["code"] == -32602  # parsed; refused as a bad address, not as too deep


def test_a_response_is_one_write_with_content_length(node: str) -> None:
    host, port = node.removeprefix("http://").split(":")
    body = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(2):  # keep-alive: the second response is one write too
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            first = sock.recv(65536)  # one recv gets everything only if the server wrote it at once
            head, _, payload = first.partition(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
            assert len(payload) == length and json.loads(payload)["result"] == "0x7a69"


def test_cors_is_answered_as_anvil_does(node: str) -> None:
    preflight = httpx.options(node, headers={"origin": "http://evil.example", "access-control-request-method": "POST",
                                             "access-control-request-headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert set(preflight.headers["access-control-allow-methods"].split(", ")) >= {"GET", "POST"}
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    read = call(node, "eth_chainId", origin="http://evil.example")
    assert read["result"] == "0x7a69"  # reading is fine from anywhere, as on anvil


@pytest.mark.parametrize("headers", [
    {"origin": "http://evil.example"},                                     # fetch() with JSON (after a preflight)
    {"origin": "http://evil.example", "content-type": "text/plain"},       # a simple request: no preflight
    {"origin": "http://evil.example", "content-type": "application/x-www-form-urlencoded"},  # a form post
    {"origin": "null"},                                                    # a sandboxed iframe or a file: page
    {"sec-fetch-site": "cross-site"},                                      # a browser that dropped Origin
    {"origin": "http://127.0.0.1.evil.example:8545"},                      # looks local, is not
], ids=["json", "text-plain", "form", "origin-null", "sec-fetch-site", "lookalike"])
def test_a_foreign_page_cannot_make_the_node_sign(node: str, headers: dict[str, str]) -> None:
    before = bob_balance(node)
    for payload in (SEND, [SEND, {**SEND, "id": 8, "method": "eth_sign", "params": [ALICE, "0x00"]},
                           {"jsonrpc": "2.0", "id": 9, "method": "eth_chainId"}]):
        reply = post(node, json.dumps(payload), **headers).json()
        replies = reply if isinstance(reply, list) else [reply]
        refused = [r for r in replies if r["id"] in (7, 8)]
        assert refused and all(r["error"]["code"] == -32000 and "--allow-origin" in r["error"]["message"] for r in refused), replies
        assert all(r.get("result") == "0x7a69" for r in replies if r["id"] == 9)  # the rest of a batch is answered
    assert bob_balance(node) == before


@pytest.mark.parametrize("headers", [{}, {"origin": "http://localhost:3000"}, {"origin": "http://127.0.0.1:5173"},
                                     {"origin": "http://trusted.example"}], ids=["program", "localhost", "127", "allowed"])
def test_programs_local_pages_and_allowed_origins_still_sign(node: str, headers: dict[str, str]) -> None:
    before = bob_balance(node)
    reply = post(node, json.dumps(SEND), **headers).json()
    assert reply["result"].startswith("0x"), reply
    assert bob_balance(node) == before + 1


@pytest.mark.parametrize(("command", "port"), [("node", "-1"), ("ui", "99999"), ("node", "65536")])
def test_a_port_out_of_range_is_one_line(sandbox_cmd: Any, command: str, port: str) -> None:  # noqa: F811
    result = sandbox_cmd(command, "--port", port)
    assert result.code == 1
    assert result.err.strip().count("\n") == 0 and f"port {port} is out of range" in result.err and "Traceback" not in result.err


def test_a_host_that_does_not_resolve_is_one_line(sandbox_cmd: Any) -> None:  # noqa: F811
    result = sandbox_cmd("ui", "--host", "no-such-host.invalid", "--port", "0")
    assert result.code == 1 and "cannot listen on host 'no-such-host.invalid'" in result.err
