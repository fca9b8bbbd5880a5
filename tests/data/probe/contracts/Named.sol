// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A contract with a name() function, like every ERC-20 and ERC-721.
contract Named {
    string public name;

    event Renamed(string name);

    constructor(string memory name_) {
        name = name_;
    }

    function rename(string calldata name_) external {
        name = name_;
        emit Renamed(name_);
    }
}
