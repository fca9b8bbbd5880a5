"""The repository's own contracts, compiled once and shipped: a fresh copy starts from a warm cache.

A cold compile of ``contracts/`` is most of a minute of solc-js on a small
machine, and a fresh clone (or a workshop laptop) would pay it before its
first ``sandbox mint``. ``sandbox/project/bundled/`` holds the compile cache
entries of this repository's project (one per backend cap), with the
repository's folder written as ``{root}``. On a cache miss the compiler asks
:func:`seed` for an entry of the same name (the name is the hash of every
source, the settings and the toolchain choice, so only the very same sources
can match); the entry is then checked like any cache entry: every imported
file's hash (OpenZeppelin in node_modules) must still match.

``python tools/bundle_artifacts.py`` writes the entries after a contract changes.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).resolve().parent / "bundled"
ROOT = "{root}"


def seed(cache_file: Path, root: Path) -> bool:
    """Write the shipped entry named like ``cache_file`` into the cache (``{root}`` made ``root``); False when none is shipped."""
    shipped = BUNDLED / (cache_file.name + ".gz")
    try:
        text = gzip.decompress(shipped.read_bytes()).decode()
    except OSError:
        return False
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(text.replace(json.dumps(ROOT)[1:-1], json.dumps(str(root))[1:-1]))
    return True


def write(root: Path, backends: Iterable[str] = ("pyevm", "revm")) -> list[Path]:
    """Compile the project at ``root`` for each backend and ship its cache entries; returns the files written."""
    from sandbox.project import compiler
    from sandbox.project.config import Project

    project = Project.load(root)
    BUNDLED.mkdir(exist_ok=True)
    for old in BUNDLED.glob("compile-*.json.gz"):
        old.unlink()
    written = []
    for backend in backends:
        entry = _entry_used(compiler, project, backend)
        text = entry.read_text().replace(json.dumps(str(project.root))[1:-1], json.dumps(ROOT)[1:-1])
        target = BUNDLED / (entry.name + ".gz")
        target.write_bytes(gzip.compress(text.encode(), mtime=0))
        written.append(target)
    return written


def _entry_used(compiler: Any, project: Any, backend: str) -> Path:
    """The cache entry a compile of ``project`` for ``backend`` reads or writes (the compiler names it)."""
    seen: list[Path] = []
    load, store = compiler._load_cache, compiler._write_cache

    def noted_load(file: Path, src: str) -> Any:
        seen.append(file)
        return load(file, src)

    def noted_store(file: Path, payload: Any) -> None:
        seen.append(file)
        store(file, payload)

    compiler._load_cache, compiler._write_cache = noted_load, noted_store
    try:
        compiler.compile_project(project, backend=backend)
    finally:
        compiler._load_cache, compiler._write_cache = load, store
    return seen[-1]
