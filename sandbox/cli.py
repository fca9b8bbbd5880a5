"""The ``sandbox`` command (typer + rich).

Every :class:`~sandbox.errors.SandboxError` becomes one red line and exit
status 1: no traceback at the command line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sandbox.errors import SandboxError

app = typer.Typer(
    name="sandbox",
    help="NFT & DApp Sandbox: Solidity contracts on a local Ethereum chain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the generated SVG art.")] = Path("sandbox-demo"),
    project: Annotated[Path | None, typer.Option(help="Project folder (default: current folder).")] = None,
) -> None:
    """Compile, deploy SandboxNFT, mint three NFTs, give one away, show them."""
    from sandbox.demo import run_demo

    run_demo(out, console, project)


@app.command()
def compile(
    project: Annotated[Path | None, typer.Option(help="Project folder (default: current folder).")] = None,
    force: Annotated[bool, typer.Option(help="Ignore the cache.")] = False,
) -> None:
    """Compile the project's contracts and list them."""
    from sandbox.compiler import compile_project
    from sandbox.project import Project

    compiled = compile_project(Project.load(project), force=force, progress=console.print)
    source = "cache" if compiled.from_cache else f"solc {compiled.solc.version} ({compiled.solc.kind})"
    console.print(f"{len(compiled.names())} contracts from {source}: {', '.join(compiled.names())}")


def main() -> None:
    """Entry point: run the app, turning sandbox errors into one line."""
    try:
        app(standalone_mode=False)
    except SandboxError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Usage errors from typer's click (vendored as typer._click in new typer).
        exit_code = getattr(exc, "exit_code", None)
        if hasattr(exc, "show") and isinstance(exit_code, int):
            exc.show()
            sys.exit(exit_code)
        raise


if __name__ == "__main__":
    main()
