"""The `sandbox` command (typer app in :mod:`sandbox.cli.app`)."""

from sandbox.cli.app import main

__all__ = ["main"]
