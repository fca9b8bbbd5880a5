"""The `sandbox` command (typer app in :mod:`sandbox.cli.app`; :mod:`sandbox.cli.launch` hands it to a warm server)."""

from sandbox.cli.launch import main

__all__ = ["main"]
