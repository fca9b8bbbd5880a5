"""Live updates: the chain's version as server-sent events (``/api/events``), and ``/api/version`` for polling.

The version grows whenever the chain may have changed (a command saved it,
a form minted). The page script listens on ``/api/events`` and re-renders
its ``#live`` part; where EventSource fails (an old proxy), it polls
``/api/version`` instead. A stream ends after :data:`STREAM_SECONDS` (the
browser reconnects), so a server can always shut down promptly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from sandbox.errors import SandboxError
from sandbox.web.pages import Pages

CHECK_SECONDS = 0.5
STREAM_SECONDS = 30.0


def routes(pages: Pages) -> list[Route]:
    ws = pages.ws

    def current() -> int:
        with ws.session():
            return ws.version

    async def version(request: Request) -> Response:
        try:
            return JSONResponse({"version": await run_in_threadpool(current)}, headers={"cache-control": "no-store"})
        except SandboxError as exc:
            return JSONResponse({"version": -1, "error": str(exc)}, status_code=503)

    async def events(request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            yield "retry: 1500\n\n"
            last, started = None, time.monotonic()
            while time.monotonic() - started < STREAM_SECONDS:
                try:
                    now = await run_in_threadpool(current)
                except SandboxError:
                    now = -1
                if now != last:
                    yield f"event: version\ndata: {now}\n\n"
                    last = now
                if await request.is_disconnected():
                    return
                await asyncio.sleep(CHECK_SECONDS)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-store", "x-accel-buffering": "no"})

    return [Route("/api/version", version), Route("/api/events", events)]
