// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Registry} from "./Registry.sol";

/// @title The part of ENS's UniversalResolver (ENSIP-10) web3.py's ENS module calls: resolve and findResolver.
/// @notice web3.py 8 resolves every name through the UniversalResolver at a fixed address; the test puts this
/// contract's code there (a cheatcode) and the registry's address in slot 0.
contract UniversalResolver {
    Registry private _registry;

    /// @notice Raised when no node of `name` has a resolver.
    error ResolverNotFound(bytes name);
    /// @notice Raised when the resolver's call failed.
    error ResolverError(bytes returnData);

    /// @notice Run `data` (e.g. `addr(node)`) on the resolver of DNS-encoded `name` (or of its nearest parent with one).
    function resolve(bytes calldata name, bytes calldata data) external view returns (bytes memory, address) {
        (address resolver,,) = findResolver(name);
        if (resolver == address(0)) revert ResolverNotFound(name);
        (bool ok, bytes memory result) = resolver.staticcall(data);
        if (!ok) revert ResolverError(result);
        return (result, resolver);
    }

    /// @notice The resolver of DNS-encoded `name` or its nearest parent, that node, and the offset of its label.
    function findResolver(bytes calldata name) public view returns (address, bytes32, uint256) {
        uint256 offset = 0;
        while (uint8(name[offset]) != 0) {
            bytes32 node = _namehash(name, offset);
            address resolver = _registry.resolver(node);
            if (resolver != address(0)) return (resolver, node, offset);
            offset += 1 + uint8(name[offset]);
        }
        return (address(0), bytes32(0), offset);
    }

    function _namehash(bytes calldata name, uint256 offset) private pure returns (bytes32) {
        uint256 length = uint8(name[offset]);
        if (length == 0) return bytes32(0);
        bytes32 label = keccak256(name[offset + 1:offset + 1 + length]);
        return keccak256(abi.encodePacked(_namehash(name, offset + 1 + length), label));
    }
}
