// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice Shares its name with contracts/Gauge.sol: addressed as "contracts/other/Gauge.sol:Gauge".
contract Gauge {
    function read(uint256) external pure returns (uint256) {
        return 42;
    }
}
