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
