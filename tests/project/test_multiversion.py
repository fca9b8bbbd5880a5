"""One project, four pragmas, four compilers; each contract deploys and runs on py-evm and revm."""

from __future__ import annotations

from pathlib import Path

import pytest
from semantic_version import NpmSpec, Version

from sandbox import Sandbox
from sandbox.project.compiler import compile_project
from sandbox.project.config import Project

DATA = Path(__file__).resolve().parent.parent / "data"

MULTI = DATA / "multiversion"


@pytest.fixture(scope="module", params=["pyevm", "revm"])
def sb(request: pytest.FixtureRequest) -> Sandbox:
    return Sandbox(MULTI, backend=request.param)


def test_each_pragma_gets_its_own_compiler(sb: Sandbox) -> None:
    compiled = sb.compile()
    versions = {name: compiled.get(name).compiler for name in compiled.names()}
    assert versions["Pinned19"] == "0.8.19"
    assert versions["Latest30"] == "0.8.30"
    assert Version(versions["Old76"]) in NpmSpec("^0.7.6")
    assert Version(versions["Ranged"]) in NpmSpec(">=0.8.25 <0.9.0")
    assert len({u.solc.version for u in compiled.units}) == len(compiled.units) >= 3


def test_evm_version_is_the_newest_both_compiler_and_backend_run(sb: Sandbox) -> None:
    compiled = sb.compile()
    newest = "prague" if sb.chain.backend_name == "pyevm" else "cancun"
    assert compiled.get("Old76").evm_version == "berlin"  # 0.7.6 knows nothing newer
    assert compiled.get("Pinned19").evm_version == "paris"  # nor does 0.8.19
    assert compiled.get("Latest30").evm_version == newest  # 0.8.30 alone would pick prague
    assert compiled.get("Ranged").evm_version == newest


def test_every_unit_deploys_and_runs(sb: Sandbox) -> None:
    alice = sb.accounts.alice
    old = sb.deploy("Old76", 5, sender=alice)
    assert old.stored() == 5
    assert old.increment(255) == 0  # 0.7: wraps around
    pinned = sb.deploy("Pinned19", sender=alice)
    assert pinned.increment(41) == 42
    with sb.reverts(panic=0x11):  # 0.8: checked arithmetic
        pinned.increment(255)
    ranged = sb.deploy("Ranged", sender=alice)
    assert ranged.roundTrip.call(7) == 7  # TSTORE/TLOAD: Cancun
    latest = sb.deploy("Latest30", sender=alice)
    receipt = latest.greet("ni hao", sender=alice)
    receipt.assert_event("Greeted", by=alice, text="ni hao")


def test_warm_compile_is_cached_per_backend() -> None:
    project = Project.load(MULTI)
    first = compile_project(project, backend="revm")
    again = compile_project(project, backend="revm")
    assert again.from_cache
    assert [(u.solc.version, u.evm_version) for u in again.units] == [(u.solc.version, u.evm_version) for u in first.units]
    assert {a.compiler for a in again.artifacts.values()} == {a.compiler for a in first.artifacts.values()}
