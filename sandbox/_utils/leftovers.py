"""Temporary files of a command that was killed: found by their owner's process id, removed by the next command.

A command writes a file whole or not at all: into ``.NAME.PID.SUFFIX`` beside
it, then ``os.replace``. A ``kill -9`` between the two leaves that file
behind (no ``finally`` runs). :func:`temp_path` names the file for this
process; :func:`sweep` removes the ones whose process is gone, so the next
command that writes there cleans up after the killed one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def temp_path(target: Path, suffix: str = "tmp") -> Path:
    """Where this process writes ``target`` before renaming it (after sweeping dead processes' leftovers)."""
    sweep(target, suffix)
    return target.with_name(f".{target.name}.{os.getpid()}.{suffix}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to judge
        return True
    return True


def sweep(target: Path, suffix: str = "tmp") -> list[Path]:
    """Remove ``.NAME.PID.SUFFIX`` files beside ``target`` whose process no longer runs; returns what it removed."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.{re.escape(suffix)}(?:-journal|-wal|-shm)?$")
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        found = pattern.match(entry.name)
        if found and int(found.group(1)) != os.getpid() and not _alive(int(found.group(1))):
            try:
                entry.unlink()
                removed.append(entry)
            except OSError:
                pass
    return removed


__all__ = ["sweep", "temp_path"]
