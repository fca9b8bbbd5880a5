"""Layouts and imports: Hardhat's node_modules, Foundry's src/lib/remappings.txt, the bundled packages."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from sandbox import Sandbox
from sandbox.errors import CompileError, EvmVersionError, ImportNotFoundError, ProjectError, SolcVersionError, SolcWarning
from sandbox.project.compiler import compile_project
from sandbox.project.config import Project, find_project_root
from sandbox.project.imports import Remapping, effective_remappings, unit_name

DATA = Path(__file__).resolve().parent.parent / "data"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def npm_project() -> Path:
    """tests/data/npmdeps with its node_modules (npm ci from its package-lock.json, once)."""
    folder = DATA / "npmdeps"
    if not (folder / "node_modules" / "solmate").is_dir():
        npm = [str(REPO / "tools" / "npm.sh"), "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(npm, cwd=folder, check=True, env={**os.environ, "VENV": str(REPO / ".venv")})
    return folder


def test_packages_from_the_projects_node_modules_compile_and_deploy(npm_project: Path) -> None:
    sb = Sandbox(npm_project)
    assert sb.contract_names == ["BatchBadge", "Settings", "SolmateBadge"]
    sources = {a.source for a in sb.compile().artifacts.values()}
    assert "solmate/src/tokens/ERC721.sol" in sources and "erc721a/contracts/ERC721A.sol" in sources
    # @openzeppelin/contracts is not in the project's node_modules: the bundled copy serves it.
    assert "@openzeppelin/contracts/utils/Strings.sol" in sources
    alice, bob = sb.accounts.alice, sb.accounts.bob
    badge = sb.deploy("SolmateBadge", sender=alice)
    badge.mint(bob, 7, sender=alice)
    assert badge.ownerOf(7) == bob and badge.tokenURI(7) == "ipfs://badge/7"
    batch = sb.deploy("BatchBadge", sender=alice)
    batch.mint(bob, 3, sender=alice)
    assert batch.balanceOf(bob) == 3


def test_foundry_layout_with_lib_and_remappings_txt_compiles_and_runs() -> None:
    project = Project.load(DATA / "foundry")
    assert project.src == "src"
    names = [str(r) for r in effective_remappings(project)]
    assert names[0] == "@vendored/=lib/vendored/contracts/"  # remappings.txt
    assert "fixedmath/=lib/fixedmath/src/" in names  # Foundry's automatic lib/<name>/src
    sb = Sandbox(DATA / "foundry")
    assert sb.contract_names == ["Vault"]  # test/ and script/ are forge's
    vault = sb.deploy("Vault", sb.accounts.bob, sender=sb.accounts.alice)
    vault.deposit(100 * 10**18, sender=sb.accounts.alice)
    assert vault.fees() == 5 * 10**18


def test_src_layout_is_found_without_foundry_toml(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "A.sol").write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract A {}\n")
    assert Project.load(tmp_path).src == "src"
    (tmp_path / "tests").mkdir()
    assert find_project_root(tmp_path / "tests") == tmp_path


def test_foundry_toml_remappings_are_added_to_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "Two.sol").write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nuint256 constant TWO = 2;\n")
    (tmp_path / "foundry.toml").write_text('[profile.default]\nremappings = ["my/=mine/"]\n')
    (tmp_path / "contracts" / "T.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n"
        'import {TWO} from "my/Two.sol";\nimport {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";\n'
        'contract T is ERC20 { constructor() ERC20("T", "T") { _mint(msg.sender, TWO); } }\n'
    )
    compiled = compile_project(Project.load(tmp_path))
    assert compiled.names() == ["T"]


def test_a_missing_import_names_remappings_and_folders(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "remappings.txt").write_text("gone/=lib/gone/\n")
    (tmp_path / "contracts" / "M.sol").write_text('// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\nimport "gone/X.sol";\ncontract M {}\n')
    with pytest.raises(ImportNotFoundError) as info:
        compile_project(Project.load(tmp_path))
    message = str(info.value)
    assert "contracts/M.sol: import 'gone/X.sol' (as 'lib/gone/X.sol') not found" in message
    assert "remappings: gone/=lib/gone/" in message and str(tmp_path / "node_modules") in message
    assert message.count("searched") == 1


def test_the_projects_own_openzeppelin_switches_the_bundled_one_off(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "node_modules" / "@openzeppelin" / "contracts").mkdir(parents=True)
    source = '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\nimport "@openzeppelin/contracts/access/Ownable.sol";\ncontract O {}\n'
    (tmp_path / "contracts" / "O.sol").write_text(source)
    with pytest.raises(ImportNotFoundError, match="'@openzeppelin/contracts/access/Ownable.sol'"):
        compile_project(Project.load(tmp_path))


def test_solc_import_rules() -> None:
    remaps = [Remapping.parse("a/=lib/a/src/"), Remapping.parse("ctx:a/=lib/other/"), Remapping.parse("a/b/=lib/ab/")]
    assert unit_name("src/X.sol", "./Y.sol", remaps) == "src/Y.sol"
    assert unit_name("src/deep/X.sol", "../Y.sol", remaps) == "src/Y.sol"
    assert unit_name("src/X.sol", "a/T.sol", remaps) == "lib/a/src/T.sol"
    assert unit_name("src/X.sol", "a/b/T.sol", remaps) == "lib/ab/T.sol"  # longest prefix
    assert unit_name("ctx/X.sol", "a/T.sol", remaps) == "lib/other/T.sol"  # context wins
    with pytest.raises(ProjectError, match="not of the form"):
        Remapping.parse("no-equals-sign")


# -- bad input ---------------------------------------------------------------------


def _one_file(tmp_path: Path, text: str, toml: str = "") -> Project:
    (tmp_path / "contracts").mkdir(exist_ok=True)
    (tmp_path / "contracts" / "A.sol").write_text(text)
    if toml:
        (tmp_path / "foundry.toml").write_text("[profile.default]\n" + toml)
    return Project.load(tmp_path)


def test_unpublished_solc_version_lists_the_nearest(tmp_path: Path) -> None:
    project = _one_file(tmp_path, "pragma solidity ^0.8.0;\ncontract A {}\n", 'solc_version = "0.8.99"\n')
    with pytest.raises(SolcVersionError, match=r"solc '0.8.99' is not a published solc-js release; nearest published: 0\.8\.\d+"):
        compile_project(project)


def test_pragmas_no_single_version_satisfies_name_the_files(tmp_path: Path) -> None:
    project = _one_file(tmp_path, 'pragma solidity ^0.8.20;\nimport "./B.sol";\ncontract A {}\n')
    (tmp_path / "contracts" / "B.sol").write_text("pragma solidity ^0.7.0;\ncontract B {}\n")
    with pytest.raises(SolcVersionError) as info:
        compile_project(project)
    assert "no single solc version satisfies every pragma that contracts/A.sol imports" in str(info.value)
    assert "contracts/A.sol needs ^0.8.20" in str(info.value) and "contracts/B.sol needs ^0.7.0" in str(info.value)


def test_solc_version_from_foundry_toml_is_honoured(tmp_path: Path) -> None:
    project = _one_file(tmp_path, "pragma solidity >=0.8.0;\ncontract A {}\n", 'solc_version = "0.8.19"\nauto_detect_solc = false\n')
    compiled = compile_project(project)
    assert [u.solc.version for u in compiled.units] == ["0.8.19"]
    bad = _one_file(tmp_path, "pragma solidity ^0.8.20;\ncontract A {}\n", 'solc_version = "0.8.19"\n')
    with pytest.raises(SolcVersionError, match=r"solc 0.8.19 \(foundry.toml solc_version\) does not satisfy: contracts/A.sol needs \^0.8.20"):
        compile_project(bad)


def test_auto_detect_off_needs_a_version(tmp_path: Path) -> None:
    project = _one_file(tmp_path, "pragma solidity ^0.8.0;\ncontract A {}\n", "auto_detect_solc = false\n")
    with pytest.raises(ProjectError, match="auto_detect_solc = false but no solc_version"):
        compile_project(project)


def test_an_evm_version_the_backend_cannot_run_is_refused_before_compiling(tmp_path: Path) -> None:
    project = _one_file(tmp_path, "this is not Solidity", 'evm_version = "prague"\n')
    with pytest.raises(EvmVersionError, match=r"evm_version 'prague' \(foundry.toml\) is newer than the revm backend runs \(up to 'cancun'\)"):
        compile_project(project, backend="revm")
    with pytest.raises(EvmVersionError, match="unknown evm_version 'pragu'"):
        compile_project(_one_file(tmp_path, "", 'evm_version = "pragu"\n'))


def test_an_old_compiler_gets_an_evm_version_it_knows(tmp_path: Path) -> None:
    project = _one_file(tmp_path, "// SPDX-License-Identifier: MIT\npragma solidity 0.8.19;\ncontract A {}\n", 'evm_version = "cancun"\n')
    compiled = compile_project(project)  # 0.8.19 predates cancun: lowered to paris instead of "Invalid EVM version"
    assert compiled.units[0].evm_version == "paris"


def test_copy_of_a_fixture_compiles_from_its_own_cache(tmp_path: Path) -> None:
    shutil.copytree(DATA / "foundry", tmp_path / "f", ignore=shutil.ignore_patterns(".sandbox"))
    first = compile_project(Project.load(tmp_path / "f"))
    assert not first.from_cache and compile_project(Project.load(tmp_path / "f")).from_cache


# -- warnings ----------------------------------------------------------------------

_WARNS = (
    "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n"
    "contract W { function f(uint256 a) external pure returns (uint256) { uint256 unused; return a; } }\n"
)


def test_solc_warnings_are_shown_once_per_compile(tmp_path: Path) -> None:
    _one_file(tmp_path, _WARNS)
    sb = Sandbox(tmp_path)
    with pytest.warns(SolcWarning, match="Unused local variable"):
        sb.compile()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb.compile()  # the same compile: nothing new to say
        Sandbox(tmp_path).compile()  # from the cache: solc did not run
        sb.compile(force=True, quiet=True)


def test_ignored_error_codes_and_deny_warnings(tmp_path: Path) -> None:
    quiet = compile_project(_one_file(tmp_path, _WARNS, 'ignored_error_codes = ["unused-var", 1878]\n'))
    assert quiet.warnings == []
    with pytest.raises(CompileError, match=r"1 warning\(s\) and deny_warnings = true"):
        compile_project(_one_file(tmp_path, _WARNS, "deny_warnings = true\n"))
