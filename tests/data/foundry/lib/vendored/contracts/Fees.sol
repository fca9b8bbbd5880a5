// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// @notice Found through remappings.txt (@vendored/=lib/vendored/contracts/).
abstract contract Fees {
    uint256 public constant FEE_WAD = 0.05e18;
}
