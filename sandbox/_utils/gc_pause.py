"""No cyclic garbage collection while a block of imports runs.

Importing the engines, eth-utils and the sandbox's own layers allocates
hundreds of thousands of objects (classes, functions, opcode tables), all of
them kept; Python's collector runs every 700 allocations regardless and
walks them again and again for nothing. Pausing it around the big imports
saved 70-100 ms of each (the plugin's import, an engine's) on the
development machine, 0.15 s of a 2 s pytest run. Collection resumes after
the block, with nothing lost: unreachable cycles made inside it are found by
the next collection.

What such an import made lives as long as the process (modules, classes,
functions, tables), yet every full collection walks it again: with web3.py
and an engine loaded that is ~100,000 objects and 60-85 ms a collection on
the development machine, one of which fell inside every 200-mint benchmark
run (15-20% of the revm row's mints). ``paused_gc(freeze=True)`` ends the
block with :func:`gc.freeze`: what the process holds so far moves out of
the collector's sight for good (the pytest plugin does the same with its
session's chain). Only the first import of an engine asks for it, so a
process freezes at most once per engine; objects made after it, every
chain's blocks and every test's garbage, are collected as before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc(*, freeze: bool = False) -> Iterator[None]:
    """Cyclic collection off for the block (back on after it, if it was on before);
    with ``freeze``, everything tracked when the block ends completes it frozen (:func:`gc.freeze`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if enabled:
            gc.enable()
