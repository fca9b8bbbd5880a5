// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {MathLib} from "./MathLib.sol";

/// @notice Calls MathLib's public functions (DELEGATECALL to the linked library).
contract Tally {
    uint256 public total;
    uint256 public immutable cap;

    constructor(uint256 cap_) {
        cap = cap_;
    }

    function add(uint256 x) external returns (uint256) {
        total = MathLib.clampedAdd(total, MathLib.triple(x), cap);
        return total;
    }
}
