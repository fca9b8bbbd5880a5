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
from collections.abc import AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from sandbox.errors import SandboxError
from sandbox.web.pages import Pages

CHECK_SECONDS = 0.5
STREAM_SECONDS = 30.0


class Beacon:
    """One poller for every open stream: thirty attendees cost one chain check per tick, not thirty.

    Started by the first listener, it stops when the last one leaves.
    """

    def __init__(self, read: Callable[[], int]) -> None:
        self.read = read
        self.version: int | None = None
        self.listeners = 0
        self._task: asyncio.Task[None] | None = None

    async def _poll(self) -> None:
        while self.listeners > 0:
            try:
                self.version = await run_in_threadpool(self.read)
            except SandboxError:
                self.version = -1
            await asyncio.sleep(CHECK_SECONDS)
        self._task = None

    async def join(self) -> None:
        self.listeners += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._poll())
        while self.version is None:
            await asyncio.sleep(0.05)

    def leave(self) -> None:
        self.listeners -= 1


def routes(pages: Pages) -> list[Route]:
    ws = pages.ws

    def current() -> int:
        with ws.session():
            return ws.version

    beacon = Beacon(current)

    async def version(request: Request) -> Response:
        try:
            return JSONResponse({"version": await run_in_threadpool(current)}, headers={"cache-control": "no-store"})
        except SandboxError as exc:
            return JSONResponse({"version": -1, "error": str(exc)}, status_code=503)

    async def events(request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            yield "retry: 1500\n\n"
            await beacon.join()
            try:
                last, started = None, time.monotonic()
                while time.monotonic() - started < STREAM_SECONDS:
                    now = beacon.version
                    if now != last:
                        yield f"event: version\ndata: {now}\n\n"
                        last = now
                    if await request.is_disconnected():
                        return
                    await asyncio.sleep(CHECK_SECONDS / 2)
            finally:
                beacon.leave()

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-store", "x-accel-buffering": "no"})

    return [Route("/api/version", version), Route("/api/events", events)]
