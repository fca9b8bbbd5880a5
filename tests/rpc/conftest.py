"""A real anvil per module for the external-chain tests, started and stopped here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox
from sandbox.chain.anvil import Anvil

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    """anvil on a free port with the dev mnemonic, chain id 31337."""
    with Anvil() as node:
        yield node


@pytest.fixture(scope="module")
def node_sb(anvil: Anvil) -> Sandbox:
    """A sandbox on the repository's contracts, on the module's anvil."""
    return Sandbox(REPO, rpc=anvil.url)
