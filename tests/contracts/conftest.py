"""Fixtures for the contract suites: the repository's project, compiled once
(disk cache), one chain per module, every test inside a snapshot (the sandbox pytest plugin isolates any Sandbox a
test reaches through a wider-scoped fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
ZERO = "0x" + "00" * 20


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    """A sandbox on this repository's contracts; deploy fixtures are module-scoped."""
    return Sandbox(REPO)
