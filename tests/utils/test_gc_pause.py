"""paused_gc turns cyclic collection off for its block only, and the plugin and engines leave it on."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from sandbox._utils.gc_pause import paused_gc


def test_collection_is_off_inside_and_back_on_after_even_on_an_error() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_caller_that_had_it_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_plugin_and_both_engines_leave_collection_on() -> None:
    code = ("import gc, sandbox.testing.plugin; from sandbox import Sandbox; Sandbox(backend='pyevm'); Sandbox(backend='revm'); "
            "print(gc.isenabled())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True"


def test_freeze_moves_what_is_tracked_out_of_sight_only_when_the_block_completes() -> None:
    code = """
import gc
from sandbox._utils.gc_pause import paused_gc
try:
    with paused_gc(freeze=True):
        raise ImportError("no engine")
except ImportError:
    pass
print(gc.get_freeze_count())
with paused_gc(freeze=True):
    kept = [[] for _ in range(1000)]
print(gc.get_freeze_count() > 1000, gc.isenabled())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0", "True", "True"]


ENGINE_FREEZE = """
import gc, weakref
from sandbox import Sandbox
print(gc.get_freeze_count())
sb = Sandbox(backend={engine!r})
first = gc.get_freeze_count()
sb2 = Sandbox(backend={engine!r})
class Node: pass
a, b = Node(), Node()
a.other, b.other = b, a
gone = weakref.ref(a)
del a, b
gc.collect()
print(first, gc.get_freeze_count(), gone() is None, gc.isenabled())
"""


@pytest.mark.parametrize("engine", ["pyevm", "revm"])
def test_an_engines_first_import_freezes_what_was_imported_once_and_later_cycles_are_collected(engine: str) -> None:
    done = subprocess.run([sys.executable, "-c", ENGINE_FREEZE.format(engine=engine)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    before, first, second, collected, enabled = done.stdout.split()
    assert before == "0"
    assert int(first) > 50_000  # web3.py, eth-utils, the engine: out of the collector's sight
    assert second == first  # the second Sandbox imported nothing new: the first one's chain is not frozen
    assert (collected, enabled) == ("True", "True")
