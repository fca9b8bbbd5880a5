"""``sandbox node``: the workshop chain as a JSON-RPC server (Starlette + uvicorn).

MetaMask, ethers.js, viem, web3.py and ``cast`` connect to
``http://127.0.0.1:8545`` (chain id 31337, the same dev accounts as anvil).
The node binds 127.0.0.1 unless told otherwise, refuses bodies over
:data:`MAX_BODY` bytes, and answers every request with JSON-RPC (errors
included), never an HTTP 500. It works on the persistent chain: commands
run beside it (``sandbox mint``) land on the same chain; the node then
reloads it, which drops block history it served before (receipts of earlier
transactions, snapshot ids), as a restarted node would.

The module also holds the small server helpers the gallery uses:
:func:`bind` (a clear error for a taken port) and :class:`BackgroundServer`.
"""

from __future__ import annotations

import json
import os
import runpy
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from sandbox.errors import PortInUseError, SandboxError
from sandbox.node.methods import RpcHandler
from sandbox.node.wire import INVALID_REQUEST, PARSE_ERROR, error
from sandbox.workshop.session import Workshop

MAX_BODY = 5 * 1024 * 1024


def create_app(workshop: Workshop) -> Any:
    """The Starlette app answering JSON-RPC on ``POST /``."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    handler = RpcHandler(workshop)

    async def rpc(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return JSONResponse(error(INVALID_REQUEST, f"request of {int(declared):,} bytes is over the {MAX_BODY:,}-byte limit"), status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return JSONResponse(error(INVALID_REQUEST, f"request is over the {MAX_BODY:,}-byte limit"), status_code=413)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return JSONResponse(error(PARSE_ERROR, f"parse error: {exc}"))
        reply = await run_in_threadpool(handler.handle, payload)
        if reply is None:  # notifications only
            return Response(status_code=204)
        return JSONResponse(reply)

    async def info(request: Request) -> Response:
        hint = 'this is a JSON-RPC endpoint: POST a request, e.g. {"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'
        return JSONResponse(error(INVALID_REQUEST, hint), status_code=405)

    return Starlette(
        routes=[Route("/", rpc, methods=["POST"]), Route("/", info, methods=["GET"])],
        # Browser wallets and dapps on other local ports call the node directly.
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["POST"], allow_headers=["*"])],
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or :class:`PortInUseError` naming the port and the fix."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUseError(f"cannot listen on {host}:{port} ({exc.strerror}): is another node or server using it? "
                             f"Stop it or pass --port {port + 1}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _server(app: Any) -> Any:
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))


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
    """Run a Python script with ``SANDBOX_RPC`` pointing at a node on the workshop chain.

    ``Sandbox()`` inside the script then works on the persistent chain: what
    the script deploys and mints is there for the next command.
    """
    if not script.is_file():
        raise SandboxError(f"script {str(script)!r} does not exist; pass a path to a .py file, e.g. scripts/digital_collectibles.py")
    saved_env, saved_argv, saved_path = os.environ.get("SANDBOX_RPC"), sys.argv, list(sys.path)
    with BackgroundServer(create_app(workshop)) as node:
        os.environ["SANDBOX_RPC"] = node.url
        sys.argv = [str(script), *args]
        sys.path.insert(0, str(script.resolve().parent))
        try:
            runpy.run_path(str(script), run_name="__main__")
        finally:
            sys.argv, sys.path[:] = saved_argv, saved_path
            if saved_env is None:
                os.environ.pop("SANDBOX_RPC", None)
            else:
                os.environ["SANDBOX_RPC"] = saved_env
