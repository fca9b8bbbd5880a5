// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @notice Compiled by exactly solc 0.8.19: checked arithmetic reverts on overflow.
contract Pinned19 {
    function increment(uint8 x) external pure returns (uint8) {
        return x + 1;
    }
}
