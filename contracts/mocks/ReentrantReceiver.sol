// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ReentrantReceiver
/// @notice Test helper: an attacker wallet. When it receives ether it calls
/// back into `target` with prepared calldata (e.g. a second withdrawal),
/// once, and records whether the reentrant call succeeded and what it returned.
contract ReentrantReceiver {
    address private _target;
    bytes private _payload;
    bool private _armed;

    /// @notice Whether the reentrant call succeeded.
    bool public reentrySucceeded;

    /// @notice Return or revert data of the reentrant call.
    bytes public reentryResult;

    /// @notice Emitted when the reentrant call was attempted.
    event Reentered(bool success, bytes result);

    /// @notice Sets the call to make when ether arrives.
    /// @param target Contract to call back into.
    /// @param payload Calldata of the reentrant call.
    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
        _armed = true;
    }

    /// @notice Makes any call from this contract (to list, buy, withdraw as the attacker).
    /// @param target Contract to call.
    /// @param payload Calldata.
    function execute(address target, bytes calldata payload) external payable returns (bytes memory) {
        (bool ok, bytes memory result) = target.call{value: msg.value}(payload);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @notice Accepts ether and, when armed, reenters the target once.
    receive() external payable {
        if (!_armed) return;
        _armed = false;
        (bool ok, bytes memory result) = _target.call(_payload);
        reentrySucceeded = ok;
        reentryResult = result;
        emit Reentered(ok, result);
    }

    /// @notice ERC-721 safe-transfer hook: accepts.
    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }

    /// @notice ERC-1155 hook: accepts.
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC1155Received.selector;
    }
}
