"""Room mode (``sandbox room``): a join page with a QR code, one named dev account per attendee, and the organiser's view.

``/join`` shows the gallery's address as a QR code and the ten dev
accounts; an attendee types a name and takes a free account (a cookie
remembers it, so the mint form and the contract pages pick it by default).
``/room`` shows who holds which account and who minted what, live. The
room's roster lives in the server's memory: restarting the room frees the
accounts.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.errors import ArgumentError
from sandbox.web.pages import Pages

COOKIE = "sandbox_account"
MAX_NICK = 40


class Roster:
    """Which attendee took which dev account (thread-safe, in memory)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.taken: dict[str, str] = {}  # account name -> attendee

    def take(self, account: str, attendee: str, *, known: list[str]) -> None:
        attendee = " ".join(attendee.split())[:MAX_NICK]
        if not attendee:
            raise ArgumentError("type your name first, so the room knows whose account this is")
        if account not in known:
            raise ArgumentError(f"there is no account {account[:40]!r}; pick one of {', '.join(known)}")
        with self._lock:
            holder = self.taken.get(account)
            if holder is not None and holder != attendee:
                raise ArgumentError(f"{account} is already {holder}'s; pick a free account")
            self.taken[account] = attendee


def qr_svg(text: str) -> str:
    """``text`` as an inline SVG QR code (segno, no image files)."""
    import segno

    return str(segno.make(text, error="m").svg_inline(scale=6, border=2, dark="#1c2541"))


def routes(pages: Pages, *, join_url: str = "") -> list[Route]:
    ws = pages.ws
    roster = Roster()
    pages.nav.extend([{"href": "/join", "title": "Join"}, {"href": "/room", "title": "Room"}])

    def base(request: Request) -> dict[str, Any]:
        with ws.session() as sb:
            return pages.base(sb)

    def join(request: Request) -> Response:
        context = base(request)
        url = join_url or str(request.base_url).rstrip("/") + "/join"
        return pages.render(request, "join.html", {**context, "url": url, "qr": qr_svg(url), "taken": dict(roster.taken),
                                                  "me": request.cookies.get(COOKIE, "")})

    async def take(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        account, attendee = str(form.get("account") or ""), str(form.get("attendee") or "")[:200]
        with ws.session() as sb:
            known = [a.name for a in sb.accounts]
        roster.take(account, attendee, known=known)
        response = RedirectResponse("/?" + urlencode({"notice": f"Welcome, {attendee.strip()[:MAX_NICK]}: you are {account}."}),
                                    status_code=303)
        response.set_cookie(COOKIE, account, max_age=12 * 3600, samesite="strict", httponly=True)
        return response

    def room(request: Request) -> Response:
        from sandbox.workshop import collection

        with ws.session() as sb:
            context = pages.base(sb)
            tokens = collection.tokens(ws, sb)
            names = {a.address: a.name for a in sb.accounts}
            mints = [dict(t, to_name=names.get(t["to"], t["to"])) for t in ws.transfers() if int(t["from"], 16) == 0][::-1][:50]
        by_token = {(t["contract"], t["token_id"]): t for t in tokens}
        for m in mints:
            m["name"] = by_token.get((m["contract"], m["token_id"]), {}).get("name", f"#{m['token_id']}")
        people = []
        for a in context["accounts"]:
            held = [t for t in tokens if t["owner"] == a["address"]]
            people.append({**a, "attendee": roster.taken.get(a["name"], ""), "held": held})
        return pages.render(request, "room.html", {**context, "people": people, "mints": mints})

    return [Route("/join", join), Route("/join", take, methods=["POST"]), Route("/room", room)]


def lan_address() -> str:
    """This machine's address on its network (what attendees type), or 127.0.0.1 offline."""
    import socket

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def terminal_qr(text: str) -> str:
    """``text`` as a QR code drawn with block characters, for the organiser's terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()
