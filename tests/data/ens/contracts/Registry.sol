// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title The ENS registry's interface (EIP-137), enough for web3.py's ENS module and a PublicResolver.
/// @notice Names are owned by node (namehash); an owner gives out subnodes and points a node at a resolver.
contract Registry {
    struct Record {
        address owner;
        address resolver;
        uint64 ttl;
    }

    mapping(bytes32 node => Record) private _records;
    mapping(address owner => mapping(address operator => bool)) private _operators;

    /// @notice Emitted when a subnode is given to `owner`.
    event NewOwner(bytes32 indexed node, bytes32 indexed label, address owner);
    /// @notice Emitted when a node's owner changes.
    event Transfer(bytes32 indexed node, address owner);
    /// @notice Emitted when a node's resolver changes.
    event NewResolver(bytes32 indexed node, address resolver);
    /// @notice Emitted when an operator is approved or revoked.
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    /// @notice Raised when the caller neither owns `node` nor operates for its owner.
    error RegistryUnauthorized(bytes32 node, address caller);

    modifier authorised(bytes32 node) {
        address holder = _records[node].owner;
        if (holder != msg.sender && !_operators[holder][msg.sender]) revert RegistryUnauthorized(node, msg.sender);
        _;
    }

    /// @notice The deployer owns the root node.
    constructor() {
        _records[0x0].owner = msg.sender;
    }

    /// @notice Give `label` under `node` to `owner`; returns the subnode.
    function setSubnodeOwner(bytes32 node, bytes32 label, address owner) external authorised(node) returns (bytes32) {
        bytes32 subnode = keccak256(abi.encodePacked(node, label));
        _records[subnode].owner = owner;
        emit NewOwner(node, label, owner);
        return subnode;
    }

    /// @notice Point `node` at `resolver`.
    function setResolver(bytes32 node, address resolver) external authorised(node) {
        _records[node].resolver = resolver;
        emit NewResolver(node, resolver);
    }

    /// @notice Transfer `node` to `owner`.
    function setOwner(bytes32 node, address owner) external authorised(node) {
        _records[node].owner = owner;
        emit Transfer(node, owner);
    }

    /// @notice Let `operator` manage every node of the caller.
    function setApprovalForAll(address operator, bool approved) external {
        _operators[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    /// @notice The owner of `node`.
    function owner(bytes32 node) external view returns (address) {
        return _records[node].owner;
    }

    /// @notice The resolver of `node`.
    function resolver(bytes32 node) external view returns (address) {
        return _records[node].resolver;
    }

    /// @notice The cache time of `node`'s records.
    function ttl(bytes32 node) external view returns (uint64) {
        return _records[node].ttl;
    }

    /// @notice Whether `node` has an owner.
    function recordExists(bytes32 node) external view returns (bool) {
        return _records[node].owner != address(0);
    }

    /// @notice Whether `operator` manages every node of `holder`.
    function isApprovedForAll(address holder, address operator) external view returns (bool) {
        return _operators[holder][operator];
    }
}
