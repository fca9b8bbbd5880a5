"""EVM versions: the table of what each solc release accepts, and what each backend runs."""

from __future__ import annotations

import json
import subprocess

import pytest

from sandbox.errors import EvmVersionError
from sandbox.project.evm import compiler_max_evm, max_evm_version, unit_evm_version
from sandbox.project.toolchain import solc_binary


def _accepts(version: str, evm: str) -> bool:
    source = "// SPDX-License-Identifier: MIT\npragma solidity >=0.4.0;\ncontract A {}\n"
    request = {"language": "Solidity", "sources": {"a.sol": {"content": source}}, "settings": {"evmVersion": evm, "outputSelection": {"*": {"*": ["abi"]}}}}
    out = subprocess.run([str(solc_binary(version)), "--standard-json"], input=json.dumps(request), capture_output=True, text=True, check=True).stdout
    return "Invalid EVM version" not in out


@pytest.mark.parametrize(("version", "newest", "next_one"), [("0.7.6", "berlin", "london"), ("0.8.19", "paris", "shanghai")])
def test_the_table_matches_the_compilers(version: str, newest: str, next_one: str) -> None:
    assert compiler_max_evm(version) == newest
    assert _accepts(version, newest) and not _accepts(version, next_one)


def test_the_table_at_the_recent_boundaries() -> None:
    # Checked once against npm's 0.8.26..0.8.30 (bench-style, not re-fetched here).
    assert compiler_max_evm("0.8.26") == "cancun"
    assert compiler_max_evm("0.8.27") == "prague"
    assert compiler_max_evm("0.8.28") == "prague"
    assert compiler_max_evm("0.8.29") == "osaka"


def test_backends() -> None:
    assert max_evm_version("pyevm") == "prague"
    assert max_evm_version("revm") == "cancun"
    assert max_evm_version("rpc") == "cancun"
    with pytest.raises(EvmVersionError, match="unknown backend 'geth'"):
        max_evm_version("geth")


def test_unit_evm_version() -> None:
    assert unit_evm_version("0.8.37", None, "cancun") == "cancun"  # the backend caps
    assert unit_evm_version("0.8.19", None, "prague") == "paris"  # the compiler caps
    assert unit_evm_version("0.8.30", "shanghai", "prague") == "shanghai"  # the project's setting
    assert unit_evm_version("0.7.6", "cancun", "prague") == "berlin"  # lowered for an old compiler
