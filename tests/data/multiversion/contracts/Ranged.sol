// SPDX-License-Identifier: MIT
pragma solidity >=0.8.25 <0.9.0;

/// @notice Needs Cancun's transient storage (TSTORE/TLOAD, solc >= 0.8.24).
contract Ranged {
    function roundTrip(uint256 value) external returns (uint256 read) {
        assembly {
            tstore(0, value)
            read := tload(0)
        }
    }
}
