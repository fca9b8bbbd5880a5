"""Fixtures for the contract suites: the repository's project, compiled once
(disk cache), one chain per module, every test inside a snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
ZERO = "0x" + "00" * 20


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    """A sandbox on this repository's contracts; deploy fixtures are module-scoped."""
    return Sandbox(REPO)


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs inside a snapshot of its module's chain."""
    if "sb" not in request.fixturenames:
        yield
        return
    sandbox: Sandbox = request.getfixturevalue("sb")
    with sandbox.isolate():
        yield
