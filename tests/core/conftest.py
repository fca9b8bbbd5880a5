"""Fixtures for the core tests: one compiled Probe project, deployed once per module."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs inside a snapshot of the module's sandbox, if it uses one."""
    if "sb" not in request.fixturenames:
        yield
        return
    sandbox: Sandbox = request.getfixturevalue("sb")
    with sandbox.isolate():
        yield
