"""Fixtures for the helper tests: a real anvil, a Sandbox on it, an ERC-1056 IdentityRegistry.

The did:ethr differential test needs a JSON-RPC node that both resolvers
read: the npm reference resolver through ethers, the sandbox's through
``Sandbox(rpc=...)``. Anvil (from npm) is that node, started once per module.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import Contract, Sandbox
from sandbox.chain.anvil import Anvil

REPO = Path(__file__).resolve().parents[2]
RESOLVE_MJS = Path(__file__).resolve().parent / "did" / "resolve.mjs"


def node_binary() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("node is not on PATH; the differential tests run the npm reference resolver with node (run `make setup`)")
    return found


def reference_resolve(url: str, registry: str, chain_id: int, names: list[str], requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resolve ``requests`` ({did, accept?}) with npm ethr-did-resolver against the node at ``url``.

    Returns ``[{"result": <DID resolution result>, "now": <wall-clock second it resolved at>}]``.
    """
    config = {"rpcUrl": url, "registry": registry, "chainId": chain_id, "names": names, "requests": requests}
    done = subprocess.run(
        [node_binary(), str(RESOLVE_MJS)], input=json.dumps(config).encode(), capture_output=True, cwd=REPO, timeout=120, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"the reference resolver failed: {done.stderr.decode()[-3000:]}")
    return list(json.loads(done.stdout))


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    # Genesis a day in the past: anvil mines one second per block, faster than the wall clock, and the
    # reference compares validTo with the wall clock; starting behind keeps every revocation in its past
    # (see TimeRule), so only the time travel of the expiry case separates the two clocks.
    with Anvil(extra_args=("--timestamp", str(int(time.time()) - 86_400))) as node:
        yield node


@pytest.fixture(scope="module")
def anvil_sb(anvil: Anvil) -> Sandbox:
    return Sandbox(REPO, rpc=anvil.url)


@pytest.fixture(scope="module")
def anvil_registry(anvil_sb: Sandbox) -> Contract:
    return anvil_sb.deploy("IdentityRegistry", sender=anvil_sb.accounts.alice)


VERAMO_MJS = Path(__file__).resolve().parent / "did" / "veramo.mjs"


def veramo(config: dict[str, Any]) -> dict[str, Any]:
    """Run Veramo (tests/helpers/did/veramo.mjs): ``{issued: [...], verified: [{verified, error}]}``."""
    done = subprocess.run(
        [node_binary(), str(VERAMO_MJS)], input=json.dumps(config).encode(), capture_output=True, cwd=REPO, timeout=180, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"Veramo failed: {done.stderr.decode()[-3000:]}")
    return dict(json.loads(done.stdout))
