// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Exercises every kind of revert, payable calls and overloads for the sandbox's own tests.
contract Probe {
    error NotEnough(uint256 needed, uint256 given);
    error Plain();
    error Named(string name);

    event Deposited(address indexed from, uint256 amount, string memo);
    event Poked(uint256 value);

    mapping(address account => uint256) public deposits;
    uint256 public counter;

    function deposit(string calldata memo) external payable {
        deposits[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value, memo);
    }

    function failWithString(string calldata message) external pure {
        revert(message);
    }

    function failWithRequire(uint256 x) external pure returns (uint256) {
        require(x > 10, "x must be above 10");
        return x;
    }

    function failCustom(uint256 needed) external payable {
        if (msg.value < needed) revert NotEnough(needed, msg.value);
    }

    /// @dev A custom error with one string looks like Error(string) after its selector.
    function failNamed(string calldata name) external {
        counter += 1;
        revert Named(name);
    }

    function failPlain() external pure {
        revert Plain();
    }

    function failEmpty() external pure {
        revert();
    }

    function overflow(uint8 x) external pure returns (uint8) {
        return x + 255;
    }

    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }

    function outOfBounds(uint256 i) external pure returns (uint256) {
        uint256[] memory a = new uint256[](1);
        return a[i];
    }

    function failAssert() external pure {
        assert(false);
    }

    function poke() external {
        counter += 1;
        emit Poked(counter);
    }

    function poke(uint256 by) external {
        counter += by;
        emit Poked(counter);
    }

    function poke(address who) external {
        counter += uint160(who) % 7;
        emit Poked(counter);
    }

    /// @dev Succeeds only with plenty of gas left: defeats an optimistic gas estimate.
    function needsGas() external {
        require(gasleft() > 200_000, "need more gas");
        counter += 1;
    }

    function failUnknown() external pure {
        bytes memory data = hex"deadbeef01";
        assembly {
            revert(add(data, 32), mload(data))
        }
    }
}
