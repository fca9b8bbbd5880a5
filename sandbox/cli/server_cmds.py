"""``sandbox server start|status|stop`` (and ``sandbox status`` / ``sandbox stop``): the warm command server.

Registered on the main app by :func:`register`. The server itself is
:mod:`sandbox.cli.server`; how commands reach it, :mod:`sandbox.cli.launch`.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from sandbox.cli import consoles, launch

console = consoles.out
server_app = typer.Typer(help="The warm command server: commands run in it without importing web3.py and py-evm again.",
                         no_args_is_help=True)
IdleOpt = Annotated[float, typer.Option("--idle", help="Seconds without a command before the server stops itself.")]


def _describe(info: dict[str, Any]) -> str:
    up = time.time() - float(info["started"])
    running = info.get("running") or []
    doing = f"running {len(running)} command(s)" if running else f"idle for {info.get('idle_for', 0):.0f} s"
    return (f"sandbox server {info['pid']} up {up:.0f} s, {info['served']} command(s) served, {doing}; "
            f"stops after {float(info['idle']):.0f} s idle; socket {info['socket']}")


@server_app.command("start")
def start(idle: IdleOpt = launch.DEFAULT_IDLE) -> None:
    """Start the server now (the first workshop command also starts one)."""
    from sandbox.cli.server import start as start_server

    console.print(f"[green]✓[/] {_describe(start_server(idle=idle))}", soft_wrap=True, highlight=False)


@server_app.command("status")
def status() -> None:
    """Say whether a server runs for this copy of the sandbox, and what it does."""
    from sandbox.cli.server import status as server_status

    info = server_status()
    if info is None:
        console.print(f"no sandbox server runs for this copy of the sandbox ({launch.server_dir()}); "
                      "the next workshop command starts one (SANDBOX_SERVER=off: never)", soft_wrap=True, highlight=False)
        return
    console.print(_describe(info), soft_wrap=True, highlight=False)


@server_app.command("stop")
def stop() -> None:
    """Stop the server (commands it is running finish first)."""
    from sandbox.cli.server import stop as stop_server

    info = stop_server()
    if info is None:
        console.print("no sandbox server was running", highlight=False)
        return
    console.print(f"[green]✓[/] stopped sandbox server {info['pid']}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(server_app, name="server")
    app.command("status", help="Same as `sandbox server status`.")(status)
    app.command("stop", help="Same as `sandbox server stop`.")(stop)
