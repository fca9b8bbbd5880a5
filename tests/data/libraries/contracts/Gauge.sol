// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {MathLib} from "./MathLib.sol";

/// @notice A second user of MathLib: deploy links the library deployed for Tally.
contract Gauge {
    function read(uint256 x) external pure returns (uint256) {
        return MathLib.triple(x) + 1;
    }
}
