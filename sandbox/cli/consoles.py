"""The command line's rich consoles, one place: made on first use, for the terminal this process has then.

Every command module prints through these (``from sandbox.cli.consoles import out``)::

    out.print("✓ minted")        # stdout
    err.print("[red]error:[/]")  # stderr

A console detects colours and width when it is made. The warm server
(:mod:`sandbox.cli.server`) imports every module before it forks, and each
child then takes its caller's terminal: :func:`fresh` drops the consoles
made so far, so the child's first print makes them again for that terminal.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console


class LazyConsole:
    """A :class:`rich.console.Console` made on first use with these options, again after :func:`fresh`."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None
        _ALL.append(self)

    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


_ALL: list[LazyConsole] = []

#: stdout, with rich's highlighting of numbers and paths.
out = LazyConsole()
#: stderr (errors, progress, warnings).
err = LazyConsole(stderr=True)
#: stdout without highlighting (tables whose colours mean something: coverage).
plain = LazyConsole(highlight=False)


def fresh() -> None:
    """Forget the consoles made so far: the next print makes each again for the current terminal."""
    for lazy in _ALL:
        lazy._console = None


__all__ = ["LazyConsole", "err", "fresh", "out", "plain"]
