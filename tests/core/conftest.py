"""Fixtures for the core tests: one compiled Probe project, deployed once per module.

Every test runs inside a snapshot: the sandbox pytest plugin isolates any
Sandbox a test reaches through a wider-scoped fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Contract, Sandbox

DATA = Path(__file__).resolve().parent.parent / "data"
PROBE_PROJECT = DATA / "probe"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    """A sandbox on the Probe test project (compiled once, cached on disk)."""
    return Sandbox(PROBE_PROJECT)


@pytest.fixture(scope="module")
def probe(sb: Sandbox) -> Contract:
    return sb.deploy("Probe", sender=sb.accounts.alice)
