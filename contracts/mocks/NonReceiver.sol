// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title NonReceiver
/// @notice Test helper: a contract with no token hooks and no way to accept ether.
contract NonReceiver {
    /// @notice A function so the contract has code and an ABI.
    function ping() external pure returns (bool) {
        return true;
    }
}
