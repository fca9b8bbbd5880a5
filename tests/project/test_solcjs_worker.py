"""The persistent solc-js worker (sandbox/project/solcjs/worker.py) answers as the one-shot wrapper does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import solcx
from solcx.exceptions import SolcError

from sandbox.project.solcjs import worker
from sandbox.project.toolchain import solc_binary

SOURCE = ("// SPDX-License-Identifier: MIT\npragma solidity >=0.7.0;\nimport './Lib.sol';\n"
          "contract A { function f() external pure returns (uint) { return Lib.one(); } }\n")
LIB = "// SPDX-License-Identifier: MIT\npragma solidity >=0.7.0;\nlibrary Lib { function one() internal pure returns (uint) { return 1; } }\n"


def _input(content: str = SOURCE) -> dict[str, object]:
    return {"language": "Solidity", "sources": {"A.sol": {"content": content}},
            "settings": {"outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}}}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "Lib.sol").write_text(LIB)  # found through the import callback, from the caller's folder
    here = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(here)


@pytest.mark.parametrize("version", ["0.8.28", "0.7.6"])
def test_the_worker_gives_the_wrappers_output(project: Path, version: str) -> None:
    solc = solc_binary(version)
    ours = worker.compile_standard(_input(), solc)
    assert ours == solcx.compile_standard(_input(), solc_binary=solc, allow_empty=True)
    assert ours["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"]
    again = worker.compile_standard(_input(SOURCE.replace("uint", "uint256")), solc)  # the same process, a second compile
    assert again["contracts"]["A.sol"]["A"]["abi"] == ours["contracts"]["A.sol"]["A"]["abi"]
    assert worker.worker_for(solc)._process is not None


def test_errors_raise_as_solcx_raises(project: Path) -> None:
    solc = solc_binary("0.8.28")
    bad = _input("contract B { nope }")
    with pytest.raises(SolcError) as ours:
        worker.compile_standard(bad, solc)
    with pytest.raises(SolcError) as theirs:
        solcx.compile_standard(bad, solc_binary=solc, allow_empty=True)
    assert ours.value.error_dict == theirs.value.error_dict and "ParserError" in str(ours.value)


def test_a_worker_that_died_is_started_again(project: Path) -> None:
    solc = solc_binary("0.8.28")
    worker.compile_standard(_input(), solc)
    process = worker.worker_for(solc)._process
    assert process is not None
    process.kill()
    process.wait()
    assert worker.compile_standard(_input(), solc)["contracts"]["A.sol"]["A"]["abi"]
    assert worker.worker_for(solc)._process not in (None, process)
    worker.stop_all()
    assert worker._WORKERS == {}
