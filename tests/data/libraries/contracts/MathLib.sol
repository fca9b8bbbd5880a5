// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice A library with public functions: callers are linked to its deployed address.
library MathLib {
    function triple(uint256 x) public pure returns (uint256) {
        return 3 * x;
    }

    function clampedAdd(uint256 a, uint256 b, uint256 cap) public pure returns (uint256) {
        uint256 sum = a + b;
        return sum > cap ? cap : sum;
    }
}
