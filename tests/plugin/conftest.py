"""A small contracts project shared by the plugin's pytester runs (compiled once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Sandbox

BOX = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice A tiny contract for the plugin's sample suites.
contract Box {
    error BoxTooBig(uint256 value, uint256 limit);

    event Stored(address indexed by, uint256 value);

    uint256 public value;
    uint256 public bumps;

    function store(uint256 newValue) external {
        if (newValue > 1000) revert BoxTooBig(newValue, 1000);
        value = newValue;
        emit Stored(msg.sender, newValue);
    }

    function bump() external {
        bumps += 1;
    }

    function fail() external pure {
        revert("nope");
    }

    function pay(address payable to) external payable {
        to.transfer(msg.value);
    }
}
"""


@pytest.fixture(scope="session")
def box_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with contracts/Box.sol, compiled into its own cache."""
    root = tmp_path_factory.mktemp("box_project")
    (root / "contracts").mkdir()
    (root / "contracts" / "Box.sol").write_text(BOX)
    Sandbox(root).compile()
    return root


@pytest.fixture
def suite(pytester: pytest.Pytester, box_project: Path) -> pytest.Pytester:
    """A pytester folder whose suites run on the Box project (no conftest.py)."""
    pytester.makeini(f"[pytest]\nsandbox_project = {box_project}\n")
    return pytester
