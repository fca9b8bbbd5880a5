from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.errors import CompileError, ToolchainError, UnknownContractError
from sandbox.project.compiler import compile_project, resolve_solc
from sandbox.project.config import Project

REPO = Path(__file__).resolve().parents[2]

SIMPLE = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Dep} from "../lib/Dep.sol";

contract Simple {
    function value() external pure returns (uint256) {
        return Dep.VALUE;
    }
}
"""
DEP = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

library Dep {
    uint256 internal constant VALUE = 7;
}
"""
BAD = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract Bad {
    function f() external pure returns (uint256) {
        bool flag = 5;
        return flag ? 1 : 0;
    }

    function g() external pure returns (bool) {
        uint256 x = "text";
        return x > 1;
    }
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "contracts" / "Simple.sol").write_text(SIMPLE)
    (tmp_path / "lib" / "Dep.sol").write_text(DEP)
    (tmp_path / "foundry.toml").write_text('[profile.default]\nsrc = "contracts"\nevm_version = "cancun"\nsolc_version = "0.8.28"\n')
    return Project.load(tmp_path)


def test_project_reads_foundry_toml() -> None:
    project = Project.load(REPO)
    assert project.evm_version == "cancun"
    assert project.src == "contracts"
    assert any(r.startswith("@openzeppelin/contracts/=") for r in project.remappings)
    assert project.solc == "sandbox/project/solcjs/solc"  # forge's `solc = <path>`: the repository compiles with it


def test_cache_miss_then_hit_then_miss_on_source_and_dependency_change(project: Project) -> None:
    first = compile_project(project)
    assert not first.from_cache and first.names() == ["Simple"]
    second = compile_project(project)
    assert second.from_cache
    assert second.get("Simple").bytecode == first.get("Simple").bytecode
    # An edit to a project source misses the cache.
    source = project.contracts_dir / "Simple.sol"
    source.write_text(SIMPLE.replace("Dep.VALUE", "Dep.VALUE + 1"))
    assert not compile_project(project).from_cache
    # So does an edit to an imported file outside contracts/.
    (project.root / "lib" / "Dep.sol").write_text(DEP.replace("= 7", "= 8"))
    third = compile_project(project)
    assert not third.from_cache
    assert compile_project(project).from_cache


def test_warm_compile_of_the_repository_is_cached() -> None:
    project = Project.load(REPO)
    compile_project(project)
    warm = compile_project(project)  # its timing is reported by `make bench`
    assert warm.from_cache
    assert "SandboxNFT" in warm.names()


def test_compile_errors_list_every_error_with_location_and_source_line(project: Project) -> None:
    (project.contracts_dir / "Bad.sol").write_text(BAD)
    with pytest.raises(CompileError) as info:
        compile_project(project)
    message = str(info.value)
    assert message.startswith("2 compile errors (solc 0.8.28):")
    assert "contracts/Bad.sol:6:9: TypeError: Type int_const 5 is not implicitly convertible" in message
    assert "\n            bool flag = 5;\n" + " " * 12 + "^\n" in message
    assert "contracts/Bad.sol:11:9: TypeError:" in message
    assert [e["location"] for e in info.value.errors] == ["contracts/Bad.sol:6:9", "contracts/Bad.sol:11:9"]
    # Nothing was cached for the failed compile.
    assert not any("Bad" in p.read_text() for p in project.state_dir.glob("cache/*.json"))


def test_unknown_contract_is_a_typed_error(project: Project) -> None:
    compiled = compile_project(project)
    with pytest.raises(UnknownContractError, match="unknown contract 'Simpel'; known contracts: Simple"):
        compiled.get("Simpel")


def test_sandbox_solc_override_must_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SANDBOX_SOLC", str(tmp_path / "no-such-solc"))
    with pytest.raises(ToolchainError, match="SANDBOX_SOLC=.*no-such-solc.* is not a working solc binary; fix or unset it"):
        resolve_solc()


def test_sandbox_solc_override_is_used(monkeypatch: pytest.MonkeyPatch, project: Project) -> None:
    wrapper = REPO / "sandbox" / "project" / "solcjs" / "solc"
    monkeypatch.setenv("SANDBOX_SOLC", str(wrapper))
    solc = resolve_solc()
    assert solc.kind == "env" and solc.version == "0.8.28"


def test_missing_node_is_a_toolchain_error(monkeypatch: pytest.MonkeyPatch, project: Project) -> None:
    monkeypatch.setenv("SANDBOX_NODE", "/nonexistent/node")
    with pytest.raises(ToolchainError, match="could not run|failed"):
        compile_project(project, force=True)


def test_a_node_set_for_a_while_is_not_kept_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """SANDBOX_NODE is read on each ask: a value set for one compile does not stay the process's node after it is unset."""
    from sandbox.project.toolchain import find_node

    monkeypatch.setenv("SANDBOX_NODE", "/nonexistent/node")
    assert find_node() == "/nonexistent/node"
    monkeypatch.delenv("SANDBOX_NODE")
    assert find_node() != "/nonexistent/node" and Path(find_node()).exists()
