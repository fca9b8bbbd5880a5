// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Compiled by exactly solc 0.8.30 (whose own default EVM is Prague).
contract Latest30 {
    event Greeted(address indexed by, string text);

    function greet(string calldata text) external returns (bytes32) {
        emit Greeted(msg.sender, text);
        return keccak256(bytes(text));
    }
}
