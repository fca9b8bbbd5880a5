"""console.log lines at the command line: after a command's output, and in ``sandbox node``'s log.

A command that sends or calls (``sandbox deploy``, ``send``, ``call``,
``mint``...) collects the lines its contracts logged and prints them after
its own output, on standard error so that ``--json`` output stays JSON:

    ✓ Logger.work in block 4 (gas 53,938) 0x…
    console.log:
      work called with 3

``sandbox node`` and ``sandbox room`` print each line to the node's log as
the engine runs it, as anvil does (:func:`sandbox.node.debug.log_console`).
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

#: Commands that serve a chain: their lines go to the log as they run.
SERVING = ("node", "room")


def register(app: typer.Typer) -> None:
    """Install the app's callback that routes console.log lines (the app has no other callback)."""

    @app.callback()
    def _console_lines(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand in SERVING:
            from sandbox.node.debug import log_console

            ctx.call_on_close(log_console())
            return
        from sandbox.contracts.transactor import Transactor

        lines: list[str] = []
        Transactor.console_listeners.append(lines.extend)

        def show() -> None:
            Transactor.console_listeners.remove(lines.extend)
            print_lines(lines, Console(stderr=True))

        ctx.call_on_close(show)


def print_lines(lines: list[str], console: Any) -> None:
    if not lines:
        return
    console.print("console.log:", style="bold", highlight=False)
    for line in lines:
        console.print("  " + escape(line), highlight=False, soft_wrap=True)
