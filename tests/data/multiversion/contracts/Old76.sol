// SPDX-License-Identifier: MIT
pragma solidity ^0.7.6;

/// @notice Compiled by a 0.7 solc: arithmetic wraps around silently.
contract Old76 {
    uint256 public stored;

    constructor(uint256 initial) {
        stored = initial;
    }

    function increment(uint8 x) external pure returns (uint8) {
        return x + 1;
    }
}
