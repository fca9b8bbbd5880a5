"""Runs the Solidity suites (tests/solidity/*.t.sol) with forge, so pytest runs them too.

forge comes from npm's @foundry-rs/forge-linux-amd64, compiles with the
solc-js wrapper named in foundry.toml and uses forge-std from lib/ (made by
tools/forge-std.sh), all offline. The test fails if any forge test fails.
The ``gas`` profile runs tests/solidity/Gas.t.sol in isolation mode and
rewrites the committed gas table (snapshots/<Contract>.json), so a change in
the cost of a main operation shows up as a diff.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from sandbox.project.toolchain import find_node, foundry_binary

REPO = Path(__file__).resolve().parents[2]
SUITES = sorted(p for p in (REPO / "tests" / "solidity").glob("*.t.sol") if p.name != "Gas.t.sol")
GAS_TABLE = {
    "SandboxNFT": {"mint", "publicMint", "transferFrom", "withdrawPayments"},
    "Editions": {"createEdition", "mint", "safeTransferFrom", "redeem"},
    "IdentityRegistry": {"addDelegate", "setAttribute", "changeOwnerSigned"},
    "CredentialRegistry": {"verifyCredential", "issueCertificate", "revokeCredential"},
    "LandRegistry": {"mintParcel", "offerRental", "rent", "settleRental"},
    "Marketplace": {"list (ERC-721)", "list (ERC-1155)", "buy (ERC-721)", "buy (ERC-1155)", "withdrawPayments"},
    "DAppRegistry": {"register"},
    "Bridge": {"lock", "mintWrapped", "burnWrapped", "release"},
}


def _forge(profile: str) -> subprocess.CompletedProcess[str]:
    if not (REPO / "lib" / "forge-std" / "src" / "Test.sol").exists():
        pytest.fail("forge-std is missing from lib/forge-std/src; run ./tools/forge-std.sh (make setup does)")
    env = dict(os.environ, SANDBOX_NODE=find_node(), NO_COLOR="1", FOUNDRY_OFFLINE="true", FOUNDRY_PROFILE=profile)
    return subprocess.run(
        [str(foundry_binary("forge")), "test", "--offline"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def forge_run() -> subprocess.CompletedProcess[str]:
    return _forge("default")


@pytest.fixture(scope="module")
def gas_run(forge_run: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    return _forge("gas")  # after the default run: the compile is shared


def test_forge_suites_exist() -> None:
    assert len(SUITES) >= 1, "no tests/solidity/*.t.sol found"


def test_forge_test_passes(forge_run: subprocess.CompletedProcess[str]) -> None:
    output = forge_run.stdout + forge_run.stderr
    assert forge_run.returncode == 0, f"forge test failed (exit {forge_run.returncode}):\n{output[-6000:]}"
    assert re.search(r"\b0 failed\b", output), output[-3000:]


def test_every_suite_ran_with_a_fuzz_test(forge_run: subprocess.CompletedProcess[str]) -> None:
    output = forge_run.stdout
    for suite in SUITES:
        rel = suite.relative_to(REPO).as_posix()
        block = re.search(rf"Ran \d+ tests? for {re.escape(rel)}:\w+\n(.*?)Suite result: (\w+)", output, re.S)
        assert block is not None, f"forge did not run {rel}:\n{output[-3000:]}"
        assert block.group(2) == "ok", block.group(0)
        assert "(runs: " in block.group(1), f"{rel} has no fuzz test"


def test_gas_table_is_written(gas_run: subprocess.CompletedProcess[str]) -> None:
    output = gas_run.stdout + gas_run.stderr
    assert gas_run.returncode == 0, f"forge gas run failed (exit {gas_run.returncode}):\n{output[-6000:]}"
    assert "Gas.t.sol:GasTest" in output
    for contract, operations in GAS_TABLE.items():
        table = json.loads((REPO / "snapshots" / f"{contract}.json").read_text())
        assert operations <= set(table), f"{contract}: missing {operations - set(table)}"
        assert all(int(gas) > 0 for gas in table.values()), table
