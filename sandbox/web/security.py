"""Cross-site safety for the gallery: one ASGI middleware in front of every route.

Every request must name a host the gallery answers to (``localhost``, a
loopback or LAN IP literal, or a name given with ``hosts=``): a page on
``evil.example`` whose DNS name was re-pointed at 127.0.0.1 (DNS rebinding)
is refused before it can read a token. A state-changing request (any
method but GET, HEAD, OPTIONS) must also

- come from this origin: ``Origin`` equal to the request's own host (never
  ``null``, which sandboxed frames and ``file:`` pages send), and no
  ``Sec-Fetch-Site: cross-site``/``same-site``;
- carry the CSRF token: a form field ``csrf`` or an ``X-CSRF-Token`` header
  equal to the token the gallery puts in its own pages. The token is made
  at start-up and never leaves the pages the gallery serves; another site
  cannot read those pages (no CORS), so it cannot forge the field.

Refusals are a 403 page saying why; the endpoint never runs, so the
chain is unchanged.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOCAL_NAMES = frozenset({"localhost", "ip6-localhost"})
#: Largest body a state-changing request may have (an image is at most 16 KiB; forms are small).
MAX_BODY = 512 * 1024


def _hostname(host: str) -> str:
    try:
        return (urlsplit("//" + host).hostname or "").lower()
    except ValueError:
        return ""


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class CrossSiteGuard:
    """ASGI middleware: known ``Host`` on every request; same origin and the CSRF token on every write."""

    def __init__(self, app: ASGIApp, *, token: str, hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.token = token
        self.hosts = LOCAL_NAMES | {h.lower() for h in hosts}

    def host_allowed(self, host: str) -> bool:
        name = _hostname(host)
        return bool(name) and (name in self.hosts or _is_ip(name))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not self.host_allowed(host):
            await self.refuse(scope, receive, send, f"host {host[:80]!r} is not this gallery's; open it as http://localhost:PORT "
                                                    "(or start it with the name you use)")
            return
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        origin = headers.get("origin")
        if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower()):
            await self.refuse(scope, receive, send, f"a form from {origin[:80]!r} cannot change this gallery: "
                                                    "use the gallery's own page")
            return
        if headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            await self.refuse(scope, receive, send, "a form from another site cannot change this gallery: use the gallery's own page")
            return
        body, too_big = await _read_body(receive)
        if too_big:
            await self.refuse(scope, _replay(b""), send, f"request is over the {MAX_BODY:,}-byte limit", status=413)
            return
        sent = headers.get("x-csrf-token") or await _form_token(scope, body)
        if not sent or not secrets.compare_digest(sent, self.token):
            await self.refuse(scope, _replay(body), send, "the form's CSRF token is missing or stale: reload the gallery page and try again")
            return
        await self.app(scope, _replay(body), send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send, reason: str, *, status: int = 403) -> None:
        response: Response = PlainTextResponse(f"refused: {reason}\n", status_code=status)
        await response(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_token(scope: Scope, body: bytes) -> str:
    kind = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return (parse_qs(body.decode("latin-1")).get("csrf") or [""])[0]
    if kind == "multipart/form-data":
        try:
            form = await Request(scope, _replay(body)).form(max_files=1, max_fields=50, max_part_size=MAX_BODY)
        except Exception:  # a malformed body: the endpoint answers it after the token check fails
            return ""
        value: Any = form.get("csrf")
        return value if isinstance(value, str) else ""
    return ""


def new_token() -> str:
    return secrets.token_urlsafe(24)
