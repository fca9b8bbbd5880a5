"""What every page shares: the templates, the base context (chain, accounts, version) and error pages."""

from __future__ import annotations

import datetime as dt
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from sandbox.errors import SandboxError, StateFileError, StateLockedError
from sandbox.helpers.nft import MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS
from sandbox.main import Sandbox
from sandbox.web.writes import GroupWriter
from sandbox.workshop.session import Workshop


def when(timestamp: int) -> str:
    try:
        return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):  # a clock pushed past what the platform can show
        return f"timestamp {timestamp}"


def short(value: Any) -> str:
    """``0xf39F…2266`` for addresses and hashes; other text as is."""
    text = str(value)
    return text[:6] + "…" + text[-4:] if text.startswith("0x") and len(text) > 14 else text


def duration(seconds: int) -> str:
    days, rest = divmod(max(int(seconds), 0), 86_400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


def shown_path(path: Path, root: Path) -> str:
    """The state file as the attendee would type it: relative to where they are, if it can be."""
    for base in (Path.cwd(), root):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


class Pages:
    """Rendering over one workshop: ``render(request, template, context)`` adds the base context."""

    def __init__(self, workshop: Workshop, templates: Jinja2Templates, token: str) -> None:
        self.ws = workshop
        self.templates = templates
        env = templates.env
        env.filters.update(when=when, short=short, duration=duration)
        env.globals.update(csrf=token, max_name=MAX_NAME_CHARS, max_description=MAX_DESCRIPTION_CHARS)
        #: Links other page modules add to the header: {"href": ..., "title": ...}.
        self.nav: list[dict[str, str]] = []
        #: Every state change goes through it: writes arriving together share one session and one save.
        self.writer = GroupWriter(workshop)
        self._pages: OrderedDict[str, bytes] = OrderedDict()
        self._pages_lock = threading.Lock()

    def stale_while_writing(self, endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
        """``endpoint``, answered from its last page while the gallery's own writes run (reads never wait for them).

        The page may be one batch of writes old; the live script fetches the
        fresh one as soon as the chain's version moves.
        """
        cache = self._pages

        def key(request: Request) -> str:
            return f"{request.url}|{request.cookies.get('sandbox_account', '')}"

        def remember(request: Request, response: Response) -> Response:
            if response.status_code == 200 and isinstance(response, HTMLResponse):
                with self._pages_lock:
                    cache[key(request)] = bytes(response.body)
                    cache.move_to_end(key(request))
                    while len(cache) > 256:
                        cache.popitem(last=False)
            return response

        def cached(request: Request) -> Response | None:
            body = cache.get(key(request)) if self.writer.busy else None
            return HTMLResponse(body, headers={"x-sandbox-stale": "1"}) if body is not None else None

        if inspect.iscoroutinefunction(endpoint):
            async def run_async(request: Request) -> Response:
                return cached(request) or remember(request, await endpoint(request))

            return run_async

        def run(request: Request) -> Response:
            return cached(request) or remember(request, endpoint(request))

        return run

    def base(self, sb: Sandbox) -> dict[str, Any]:
        """Chain id, head block, version, state path and the account pickers (call inside a session)."""
        return {"version": self.ws.version, "chain_id": sb.chain.chain_id, "head": int(sb.w3.eth.block_number),
                "state_path": shown_path(self.ws.store.path, self.ws.project.root), "extra_nav": self.nav,
                "accounts": [{"name": a.name, "address": a.address} for a in sb.accounts]}

    def render(self, request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> Response:
        context = {"notice": request.query_params.get("notice", ""), "error": "", "form": {},
                   "me": request.cookies.get("sandbox_account", ""), **context}
        return self.templates.TemplateResponse(request, template, context, status_code=status)

    async def error_page(self, request: Request, exc: Exception) -> Response:
        message = str(exc)
        status = 404 if ("does not exist" in message or "not on this chain" in message or "no contract" in message) else 400
        if isinstance(exc, (StateFileError, StateLockedError)):
            return plain_error(message, 503)

        def context() -> dict[str, Any]:
            with self.ws.session() as sb:
                return self.base(sb)

        try:
            base = await run_in_threadpool(context)
        except SandboxError as again:  # the chain itself cannot be read
            return plain_error(str(again), 503)
        return self.render(request, "error.html", {**base, "error": message, "heading": "Not found" if status == 404 else "Cannot do that"},
                           status=status)


def plain_error(message: str, status: int = 503) -> HTMLResponse:
    from html import escape

    return HTMLResponse(f'<!doctype html><title>Sandbox gallery</title><p class="error">error: {escape(message)}</p>', status_code=status)
