"""``sandbox did resolve DID`` on a workshop chain: the resolution result as JSON, one typed error line otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sandbox.cli import did_cmds
from sandbox.helpers.identity import InvalidDIDError, UnknownNetworkError, bytes32, did_for
from sandbox.workshop.session import Workshop

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("did-cli") / "state.sqlite"
    ws = Workshop(REPO, state=path)
    with ws.session(write=True) as sb:
        registry = sb.deploy("IdentityRegistry", sender=sb.accounts.alice)
        ws.record_contract("IdentityRegistry", registry.address)
        bob = sb.accounts.bob
        registry.setAttribute(bob, bytes32("did/svc/Profile"), b"https://bob.example", 86_400, sender=bob)
    return path


def run(*args: str):  # type: ignore[no-untyped-def]
    app = typer.Typer()
    app.callback()(lambda: None)
    did_cmds.register(app)
    return CliRunner().invoke(app, ["did", "resolve", *args, "--project", str(REPO)])


CAROL = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"  # no registry history
BOB = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"


def test_resolve_prints_the_resolution_result(state: Path) -> None:
    did = did_for(CAROL, 31337)
    done = run(did, "--state", str(state))
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["didDocument"]["verificationMethod"][0]["blockchainAccountId"] == f"eip155:31337:{did.rsplit(':', 1)[1]}"
    assert result["didResolutionMetadata"]["contentType"] == "application/did+ld+json"
    only = json.loads(run(did, "--state", str(state), "--document", "--accept", "application/did+json").stdout)
    assert only["id"] == did and "@context" not in only


def test_errors_are_typed(state: Path) -> None:
    assert isinstance(run("did:ethr:0x7a69:0x1234", "--state", str(state)).exception, InvalidDIDError)
    missing = run("did:ethr:0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "--state", str(state)).exception
    assert isinstance(missing, UnknownNetworkError) and "mainnet" in str(missing)


def test_the_command_line_prints_one_line_on_error(state: Path) -> None:
    code = "from sandbox.cli import app; app.main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "did", "resolve", "did:ethr:0x7a69:0x1234", "--state", str(state), "--project", str(REPO)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "invalidDid" in done.stderr and "Traceback" not in done.stderr


def test_history_survives_a_reload(state: Path) -> None:
    done = run(did_for(BOB, 31337), "--state", str(state))
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["didDocument"]["service"][0]["serviceEndpoint"] == "https://bob.example"
