// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice forge-std's console address and ABI (the functions used here).
library console {
    address constant CONSOLE_ADDRESS = 0x000000000000000000636F6e736F6c652e6c6f67;

    function _send(bytes memory payload) private view {
        address target = CONSOLE_ADDRESS;
        assembly ("memory-safe") {
            pop(staticcall(gas(), target, add(payload, 32), mload(payload), 0, 0))
        }
    }

    function log(string memory p0) internal view {
        _send(abi.encodeWithSignature("log(string)", p0));
    }

    function log(string memory p0, uint256 p1) internal view {
        _send(abi.encodeWithSignature("log(string,uint256)", p0, p1));
    }

    function log(string memory p0, address p1) internal view {
        _send(abi.encodeWithSignature("log(string,address)", p0, p1));
    }

    function log(string memory p0, uint256 p1, uint256 p2) internal view {
        _send(abi.encodeWithSignature("log(string,uint256,uint256)", p0, p1, p2));
    }

    function log(bool p0) internal view {
        _send(abi.encodeWithSignature("log(bool)", p0));
    }

    function log(address p0) internal view {
        _send(abi.encodeWithSignature("log(address)", p0));
    }

    function log(string memory p0, string memory p1, uint256 p2) internal view {
        _send(abi.encodeWithSignature("log(string,string,uint256)", p0, p1, p2));
    }
}

/// @notice A child made by CREATE and CREATE2; it logs, stores, and can fail.
contract Child {
    uint256 public value;
    event Stored(uint256 value);

    constructor(uint256 value_) payable {
        value = value_;
        console.log("child made with", value_);
    }

    function store(uint256 value_) external returns (uint256) {
        console.log("store", value_);
        require(value_ != 13, "Child: unlucky");
        value = value_;
        emit Stored(value_);
        return value_ * 2;
    }
}

/// @notice Nested calls of every kind: creates, value transfers, precompiles, a caught revert, loops of logs.
contract Factory {
    Child[] public children;
    event Made(address child, bool salted);

    receive() external payable {}

    function make(uint256 value, bytes32 salt) external payable returns (address made, address salted) {
        Child a = new Child(value);
        Child b = new Child{salt: salt, value: msg.value}(value + 1);
        children.push(a);
        children.push(b);
        emit Made(address(a), false);
        emit Made(address(b), true);
        return (address(a), address(b));
    }

    function busy(uint256 rounds) external payable returns (bytes32 digest, uint256 total) {
        digest = sha256(abi.encodePacked(rounds));  // a precompile: its output read back from memory
        bytes memory copied = abi.encodePacked(digest, "identity");
        (bool ok, bytes memory echoed) = address(4).staticcall(copied);
        require(ok && keccak256(echoed) == keccak256(copied), "identity");
        for (uint256 i = 0; i < rounds; i++) {
            console.log("round");  // the same line again and again
            console.log("round %s of %s", i, rounds);
        }
        console.log(true);
        console.log(address(this));
        console.log("a line longer than any one word of calldata, so the payload takes many words to carry", "x", rounds);
        try children[0].store(13) returns (uint256) {
            total = 0;
        } catch Error(string memory reason) {
            console.log(reason);
        }
        total = children[0].store(rounds);
        (bool sent,) = payable(msg.sender).call{value: 1}("");
        require(sent, "refund");
    }

    function deep(uint256 value) external {
        children[1].store(value);
    }
}
