"""Keccak of ABI signatures, computed once per signature text in a process.

Every :class:`~sandbox.Sandbox` registers the ABIs of its whole project with
its decoders (errors, events, call traces): about a thousand signatures for
this repository's 62 artifacts, which were hashed again for every sandbox
(two thirds of a warm ``sandbox mint`` on revm). The warm command server
(:mod:`sandbox.cli.server`) fills this cache before it forks, so its commands
find their signatures hashed already.
"""

from __future__ import annotations

from functools import lru_cache

from eth_utils import keccak


@lru_cache(maxsize=1 << 16)
def topic(signature: str) -> bytes:
    """keccak256 of ``name(type1,type2)``: an event's topic 0."""
    return bytes(keccak(text=signature))


def selector(signature: str) -> bytes:
    """The first 4 bytes of :func:`topic`: a function's or an error's selector."""
    return topic(signature)[:4]
