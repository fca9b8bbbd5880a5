// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice The console address and ABI of forge-std's console.sol and Hardhat's (a subset).
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

    function log(string memory p0, uint256 p1, bool p2) internal view {
        _send(abi.encodeWithSignature("log(string,uint256,bool)", p0, p1, p2));
    }

    function log(uint256 p0) internal view {
        _send(abi.encodeWithSignature("log(uint256)", p0));
    }
}

/// @notice Logs through console.log, calls a callee that may revert two frames down.
contract Logger {
    Callee public callee;
    uint256 public total;

    constructor(Callee callee_) {
        callee = callee_;
    }

    function work(uint256 x) external returns (uint256) {
        console.log("work called with", x);
        console.log("by %s", msg.sender);
        uint256 y = callee.double(x);
        console.log("doubled %d, over ten: %s", y, y > 10);
        total += y;
        return y;
    }

    function fail(uint256 x) external {
        console.log("about to fail");
        callee.check(x);
    }

    function quiet() external view returns (uint256) {
        console.log(total);
        return total;
    }
}

contract Callee {
    error TooBig(uint256 value, uint256 limit);

    function double(uint256 x) external view returns (uint256) {
        console.log("Callee.double");
        return x * 2;
    }

    function check(uint256 x) external pure {
        if (x > 5) revert TooBig(x, 5);
    }
}
