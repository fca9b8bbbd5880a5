"""``sandbox node``: the workshop chain as a JSON-RPC server (Starlette + uvicorn).

MetaMask, ethers.js, viem, web3.py and ``cast`` connect to
``http://127.0.0.1:8545`` (chain id 31337, the same dev accounts as anvil).
The node binds 127.0.0.1 unless told otherwise and answers every request
with JSON-RPC (errors included), never an HTTP 500. Before a body is
parsed it is checked against :data:`MAX_BODY` bytes and :data:`MAX_DEPTH`
levels of nesting, so a hostile body cannot take the node down; numbers
that JSON cannot carry back (``1e999``, ``NaN``) are a parse error.

Browsers get anvil's CORS answers (any origin may read), but a request
from another site's page never signs with the node's unlocked dev
accounts (:data:`SIGNING`): a hostile page would otherwise spend alice's
ether with one ``fetch``. Local pages (``localhost``, ``127.0.0.1``) and
clients that send no ``Origin`` (cast, web3.py, curl) are unaffected;
``sandbox node --allow-origin URL`` lets one more site in. The rule looks
at the request's origin, not its content type, so ``text/plain`` and
``no-cors`` requests are held to it too.

It works on the persistent chain: commands run beside it (``sandbox mint``)
land on the same chain; the node then reloads it, which drops block history
it served before (receipts of earlier transactions, snapshot ids), as a
restarted node would.

The module also holds the small server helpers the gallery uses:
:func:`bind` (a clear error for a taken port) and :class:`BackgroundServer`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import re
import runpy
import socket
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sandbox.errors import BadPortError, PortInUseError, SandboxError
from sandbox.node.methods import RpcHandler
from sandbox.node.wire import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, REFUSED, error
from sandbox.workshop.session import Workshop

MAX_BODY = 5 * 1024 * 1024
#: Deepest nesting of arrays and objects a request may have (Ethereum params need about 5).
MAX_DEPTH = 64
#: Methods that sign with the node's unlocked accounts (or act as one): refused to foreign web pages.
SIGNING = frozenset({
    "eth_sendTransaction", "eth_sendTransactionSync", "eth_signTransaction", "eth_sign", "personal_sign", "personal_sendTransaction",
    "eth_signTypedData", "eth_signTypedData_v3", "eth_signTypedData_v4",
    "evm_impersonateAccount", "evm_autoImpersonateAccount",
})
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _DEPTH_STEP)


class BodyError(ValueError):
    """A request body refused before parsing (too deep, bad numbers)."""


def too_deep(body: bytes) -> bool:
    """Whether arrays and objects in ``body`` nest deeper than :data:`MAX_DEPTH` (brackets in strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:  # the common case: nothing to scan
        return False
    # Strings out (an unterminated one runs to the end: linear time), then only brackets left.
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    return any(depth > MAX_DEPTH for depth in itertools.accumulate(_DEPTH_STEP[b] for b in brackets))


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(f"number {text[:40]} is out of range (JSON-RPC numbers must be finite)")
    return value


def _constant(name: str) -> Any:
    raise BodyError(f"{name} is not JSON; send a finite number or a string")


def parse_body(body: bytes) -> Any:
    """The JSON in ``body``, refusing depth over :data:`MAX_DEPTH` and non-finite numbers."""
    if too_deep(body):
        raise BodyError(f"request nests arrays or objects more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH}")
    try:
        return json.loads(body, parse_float=_finite, parse_constant=_constant)
    except RecursionError:
        raise BodyError(f"request nests too deep (limit {MAX_DEPTH} levels)") from None
    except BodyError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyError(str(exc)) from None


def origin_host(origin: str) -> str:
    try:
        return (urlsplit(origin).hostname or "").lower()
    except ValueError:
        return ""


def is_foreign(headers: Any, allowed: Iterable[str] = ()) -> bool:
    """Whether a request comes from another site's web page (its ``Origin``, else ``Sec-Fetch-Site``).

    No ``Origin`` and no ``Sec-Fetch-Site: cross-site`` means a program (cast,
    web3.py, curl), not a page; ``Origin: null`` (a sandboxed frame, a
    ``file:`` page) is foreign.
    """
    allowed = {a.rstrip("/").lower() for a in allowed}
    origin = headers.get("origin")
    if origin is None:
        return headers.get("sec-fetch-site", "none") in ("cross-site", "same-site") and "*" not in allowed
    if "*" in allowed or origin.rstrip("/").lower() in allowed:
        return False
    return origin == "null" or origin_host(origin) not in LOOPBACK


def _method(request: Any) -> str:
    method = request.get("method") if isinstance(request, dict) else None
    return method.replace("hardhat_", "evm_").replace("anvil_", "evm_") if isinstance(method, str) else ""


def _refusal(request: dict[str, Any], origin: str) -> dict[str, Any] | None:
    if "id" not in request:
        return None
    method = request.get("method")
    return error(REFUSED, f"{method} from the web page at {origin} is refused: the node signs with its unlocked dev accounts "
                          "only for programs and local pages. Sign in the wallet and send eth_sendRawTransaction, or "
                          f"restart with `sandbox node --allow-origin {origin}` if you trust that page",
                 _safe_id(request.get("id")))


def _safe_id(value: Any) -> Any:
    return value if isinstance(value, (str, int, type(None))) and not isinstance(value, bool) else None


def create_app(workshop: Workshop, *, allow_origins: Iterable[str] = (), block_time: int | None = None, mining: bool = True) -> Any:
    """The Starlette app answering JSON-RPC on ``POST /``.

    ``allow_origins``: web origins (``http://host:port``, or ``*``) whose pages
    may make the node sign with its unlocked accounts. ``block_time``: mine a
    block every that many seconds instead of automining; ``mining=False``:
    transactions wait for ``evm_mine`` (see :mod:`sandbox.node.mining`).
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route, WebSocketRoute

    from sandbox.helpers.identity.binding import routes as did_routes
    from sandbox.helpers.identity.binding import workshop_resolver
    from sandbox.node.websocket import endpoint as ws_endpoint

    handler = RpcHandler(workshop)
    handler.configure_mining(block_time=block_time, mining=mining)
    trusted = tuple(allow_origins)

    def reply_with(body: Any, status: int = 200) -> Response:
        try:
            text = json.dumps(body, allow_nan=False, separators=(",", ":"))
        except (ValueError, TypeError) as exc:  # a non-finite number or an odd value in a result
            text = json.dumps(error(INTERNAL_ERROR, f"internal error: the response could not be encoded ({exc})"))
        return Response(text, status_code=status, media_type="application/json")

    def answer(payload: Any, origin: str | None) -> Any:
        requests = payload if isinstance(payload, list) else [payload]
        if origin is None or not any(_method(r) in SIGNING for r in requests):
            return handler.handle(payload)
        if not isinstance(payload, list):
            return _refusal(payload, origin)
        replies = [_refusal(r, origin) if _method(r) in SIGNING else handler.handle(r) for r in requests]
        return [r for r in replies if r is not None] or None

    async def rpc(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return reply_with(error(INVALID_REQUEST, f"request of {int(declared):,} bytes is over the {MAX_BODY:,}-byte limit"), 413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return reply_with(error(INVALID_REQUEST, f"request is over the {MAX_BODY:,}-byte limit"), 413)
        try:
            payload = await run_in_threadpool(parse_body, bytes(body)) if len(body) > 65536 else parse_body(bytes(body))
        except BodyError as exc:
            return reply_with(error(PARSE_ERROR, f"parse error: {exc}"))
        foreign = is_foreign(request.headers, trusted)
        origin = (request.headers.get("origin") or "a cross-site page") if foreign else None
        reply = await run_in_threadpool(answer, payload, origin)
        if reply is None:  # notifications only
            return Response(status_code=204)
        return reply_with(reply)

    async def info(request: Request) -> Response:
        hint = 'this is a JSON-RPC endpoint: POST a request, e.g. {"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'
        return reply_with(error(INVALID_REQUEST, hint), 405)

    def foreign_origin(headers: Any) -> str | None:
        return (headers.get("origin") or "a cross-site page") if is_foreign(headers, trusted) else None

    routes: list[Any] = [Route("/", rpc, methods=["POST"]), Route("/", info, methods=["GET"])]
    routes.append(WebSocketRoute("/", ws_endpoint(handler, answer, foreign_origin, parse_body)))  # eth_subscribe: sandbox.node.websocket
    routes += did_routes(workshop_resolver(workshop))  # GET /1.0/identifiers/{did}: W3C DID Resolution
    return Starlette(
        routes=routes,
        lifespan=_closing(handler),  # stops the interval miner's thread
        # As anvil: any page may read (dapps on other local ports call the node directly).
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["content-type"])],
    )


def _closing(handler: RpcHandler) -> Any:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        try:
            yield
        finally:
            handler.close()

    return lifespan


def check_port(port: int) -> int:
    """``port`` if it is one a server can listen on (0 picks a free one), else :class:`BadPortError`."""
    if not 0 <= port <= 65535:
        raise BadPortError(f"port {port} is out of range: pass --port between 1 and 65535 (e.g. --port 8545), or 0 for any free port")
    return port


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or :class:`PortInUseError` naming the port and the fix."""
    check_port(port)
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError) as exc:
        raise BadPortError(f"cannot listen on host {host!r} ({exc}): pass --host 127.0.0.1 (this machine) or 0.0.0.0 (your network)") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUseError(f"cannot listen on {host}:{port} ({exc.strerror}): is another node or server using it? "
                             f"Stop it or pass --port {port + 1 if port < 65535 else 8545}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class _OneWrite:
    """A transport that sends what a response writes in one event-loop turn as one ``write``.

    uvicorn writes the status line and headers, then the body, as two
    writes (two TCP segments); clients that read one segment as the whole
    answer then see headers only. Both writes happen in the same turn, so
    joining them there gives one write per response.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(bytes(data))

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _protocol() -> Any:
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class OneWriteProtocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(_OneWrite(transport))  # type: ignore[arg-type]

    return OneWriteProtocol


def _server(app: Any) -> Any:
    import uvicorn

    # A short graceful shutdown: the gallery's event streams would otherwise hold it open.
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto", http=_protocol(),
                                         timeout_graceful_shutdown=1))


def serve(app: Any, sock: socket.socket) -> None:
    """Run ``app`` on ``sock`` until Ctrl-C."""
    _server(app).run(sockets=[sock])


class BackgroundServer:
    """``app`` served from a thread (for ``sandbox run`` and tests); ``url`` once started."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = bind(host, port)
        self.url = f"http://{host}:{self.sock.getsockname()[1]}"
        self.server = _server(app)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        while not self.server.started and self.thread.is_alive():
            threading.Event().wait(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def run_script(workshop: Workshop, script: Path, args: list[str]) -> None:
    """Run a Python script with ``Sandbox()`` pointing at a node on the workshop chain.

    ``Sandbox()`` inside the script then works on the persistent chain: what
    the script deploys and mints is there for the next command. In this
    process that is ``Sandbox.defaults``; ``SANDBOX_RPC`` is exported too, for
    the processes the script itself starts (the script is the boundary).
    """
    from dataclasses import replace

    from sandbox.main import Sandbox

    if not script.is_file():
        raise SandboxError(f"script {str(script)!r} does not exist; pass a path to a .py file, e.g. scripts/digital_collectibles.py")
    saved_env, saved_argv, saved_path = os.environ.get("SANDBOX_RPC"), sys.argv, list(sys.path)
    saved_defaults = Sandbox.defaults
    with BackgroundServer(create_app(workshop)) as node:
        Sandbox.defaults = replace(saved_defaults, rpc=node.url)
        os.environ["SANDBOX_RPC"] = node.url
        sys.argv = [str(script), *args]
        sys.path.insert(0, str(script.resolve().parent))
        try:
            runpy.run_path(str(script), run_name="__main__")
        finally:
            sys.argv, sys.path[:] = saved_argv, saved_path
            Sandbox.defaults = saved_defaults
            if saved_env is None:
                os.environ.pop("SANDBOX_RPC", None)
            else:
                os.environ["SANDBOX_RPC"] = saved_env
