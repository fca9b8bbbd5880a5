// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title IdentityRegistry
/// @notice Distributed digital identity: an ERC-1056 EthereumDIDRegistry, the
/// registry behind the did:ethr method. Any address is an identity with no
/// registration; its owner (itself by default) can hand it over, add or
/// revoke delegates for a while, and publish attributes (keys, services) as
/// events. Every change records the block of the previous change, so a
/// resolver walks the event history backwards from `changed(identity)`.
/// @dev Same storage, functions, events and signature scheme as ERC-1056:
/// `...Signed` calls carry an owner signature (v, r, s) over
/// `keccak256(0x19 0x00 registry nonce[owner] identity "<operation>" args...)`,
/// where `args` are packed as in `abi.encodePacked`. `require`s without a
/// reason are replaced by custom errors; signatures are checked with
/// OpenZeppelin's ECDSA (malleable high-s signatures are refused).
contract IdentityRegistry {
    /// @notice Owner of each identity that changed hands (zero: the identity owns itself).
    mapping(address identity => address owner) public owners;

    /// @notice Validity (timestamp) of each delegate, by identity, keccak256 of the delegate type, and delegate.
    mapping(address identity => mapping(bytes32 delegateTypeHash => mapping(address delegate => uint256 validTo)))
        public delegates;

    /// @notice Block number of the latest change to each identity.
    mapping(address identity => uint256 blockNumber) public changed;

    /// @notice Signed-call counter of each owner, part of every signed message (replay protection).
    mapping(address owner => uint256 count) public nonce;

    /// @notice `actor` is not the owner of `identity`.
    error IdentityRegistryUnauthorizedActor(address identity, address actor);

    /// @notice The signature does not recover to the owner of `identity` (`signer` is what it recovers to).
    error IdentityRegistryInvalidSignature(address identity, address signer);

    /// @notice Emitted when the owner of `identity` changed to `owner`.
    event DIDOwnerChanged(address indexed identity, address owner, uint256 previousChange);

    /// @notice Emitted when a delegate was added (`validTo` in the future) or revoked (`validTo` now).
    event DIDDelegateChanged(
        address indexed identity, bytes32 delegateType, address delegate, uint256 validTo, uint256 previousChange
    );

    /// @notice Emitted when an attribute was set (`validTo` in the future) or revoked (`validTo` 0).
    event DIDAttributeChanged(
        address indexed identity, bytes32 name, bytes value, uint256 validTo, uint256 previousChange
    );

    modifier onlyOwner(address identity, address actor) {
        if (actor != identityOwner(identity)) revert IdentityRegistryUnauthorizedActor(identity, actor);
        _;
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    /// @notice The current owner of `identity`: itself unless ownership was changed.
    /// @param identity Any address.
    function identityOwner(address identity) public view returns (address) {
        address owner = owners[identity];
        return owner != address(0) ? owner : identity;
    }

    /// @notice Whether `delegate` is a delegate of `identity` for `delegateType` right now.
    /// @param identity The identity.
    /// @param delegateType e.g. "veriKey" or "sigAuth" as bytes32.
    /// @param delegate The delegate address.
    function validDelegate(address identity, bytes32 delegateType, address delegate) public view returns (bool) {
        return delegates[identity][keccak256(abi.encodePacked(delegateType))][delegate] > block.timestamp;
    }

    // ------------------------------------------------------------------
    // Owner
    // ------------------------------------------------------------------

    /// @notice Hands `identity` over to `newOwner`.
    /// Requirements:
    /// - the caller is the owner of `identity`.
    /// Emits a {DIDOwnerChanged} event.
    /// @param identity The identity.
    /// @param newOwner The new owner.
    function changeOwner(address identity, address newOwner) external {
        _changeOwner(identity, msg.sender, newOwner);
    }

    /// @notice {changeOwner} authorised by the owner's signature; anyone may submit it.
    /// @dev Signed message: `0x19 0x00 registry nonce identity "changeOwner" newOwner`.
    /// Requirements:
    /// - (sigV, sigR, sigS) is the owner's signature over the current nonce.
    /// Emits a {DIDOwnerChanged} event.
    /// @param identity The identity.
    /// @param sigV Signature v.
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param newOwner The new owner.
    function changeOwnerSigned(address identity, uint8 sigV, bytes32 sigR, bytes32 sigS, address newOwner) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19), bytes1(0), this, nonce[identityOwner(identity)], identity, "changeOwner", newOwner
            )
        );
        _changeOwner(identity, _checkSignature(identity, sigV, sigR, sigS, hash), newOwner);
    }

    // ------------------------------------------------------------------
    // Delegates
    // ------------------------------------------------------------------

    /// @notice Makes `delegate` a `delegateType` delegate of `identity` for `validity` seconds.
    /// Requirements:
    /// - the caller is the owner of `identity`.
    /// Emits a {DIDDelegateChanged} event.
    /// @param identity The identity.
    /// @param delegateType e.g. "veriKey" or "sigAuth" as bytes32.
    /// @param delegate The delegate address.
    /// @param validity Seconds from now.
    function addDelegate(address identity, bytes32 delegateType, address delegate, uint256 validity) external {
        _addDelegate(identity, msg.sender, delegateType, delegate, validity);
    }

    /// @notice {addDelegate} authorised by the owner's signature.
    /// @dev Signed message: `0x19 0x00 registry nonce identity "addDelegate" delegateType delegate validity`.
    /// Emits a {DIDDelegateChanged} event.
    /// @param identity The identity.
    /// @param sigV Signature v.
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param delegateType The delegate type.
    /// @param delegate The delegate address.
    /// @param validity Seconds from now.
    function addDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate,
        uint256 validity
    ) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19),
                bytes1(0),
                this,
                nonce[identityOwner(identity)],
                identity,
                "addDelegate",
                delegateType,
                delegate,
                validity
            )
        );
        _addDelegate(identity, _checkSignature(identity, sigV, sigR, sigS, hash), delegateType, delegate, validity);
    }

    /// @notice Ends `delegate`'s `delegateType` delegation of `identity` now.
    /// Requirements:
    /// - the caller is the owner of `identity`.
    /// Emits a {DIDDelegateChanged} event with `validTo` = now.
    /// @param identity The identity.
    /// @param delegateType The delegate type.
    /// @param delegate The delegate address.
    function revokeDelegate(address identity, bytes32 delegateType, address delegate) external {
        _revokeDelegate(identity, msg.sender, delegateType, delegate);
    }

    /// @notice {revokeDelegate} authorised by the owner's signature.
    /// @dev Signed message: `0x19 0x00 registry nonce identity "revokeDelegate" delegateType delegate`.
    /// Emits a {DIDDelegateChanged} event.
    /// @param identity The identity.
    /// @param sigV Signature v.
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param delegateType The delegate type.
    /// @param delegate The delegate address.
    function revokeDelegateSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 delegateType,
        address delegate
    ) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19),
                bytes1(0),
                this,
                nonce[identityOwner(identity)],
                identity,
                "revokeDelegate",
                delegateType,
                delegate
            )
        );
        _revokeDelegate(identity, _checkSignature(identity, sigV, sigR, sigS, hash), delegateType, delegate);
    }

    // ------------------------------------------------------------------
    // Attributes
    // ------------------------------------------------------------------

    /// @notice Publishes attribute `name` = `value` of `identity`, valid for `validity` seconds.
    /// Requirements:
    /// - the caller is the owner of `identity`.
    /// Emits a {DIDAttributeChanged} event.
    /// @param identity The identity.
    /// @param name e.g. "did/pub/Secp256k1/veriKey/hex" or "did/svc/HubService" as bytes32.
    /// @param value The attribute's value.
    /// @param validity Seconds from now.
    function setAttribute(address identity, bytes32 name, bytes calldata value, uint256 validity) external {
        _setAttribute(identity, msg.sender, name, value, validity);
    }

    /// @notice {setAttribute} authorised by the owner's signature.
    /// @dev Signed message: `0x19 0x00 registry nonce identity "setAttribute" name value validity`.
    /// Emits a {DIDAttributeChanged} event.
    /// @param identity The identity.
    /// @param sigV Signature v.
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param name The attribute name.
    /// @param value The attribute's value.
    /// @param validity Seconds from now.
    function setAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value,
        uint256 validity
    ) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19),
                bytes1(0),
                this,
                nonce[identityOwner(identity)],
                identity,
                "setAttribute",
                name,
                value,
                validity
            )
        );
        _setAttribute(identity, _checkSignature(identity, sigV, sigR, sigS, hash), name, value, validity);
    }

    /// @notice Revokes attribute `name` = `value` of `identity`.
    /// Requirements:
    /// - the caller is the owner of `identity`.
    /// Emits a {DIDAttributeChanged} event with `validTo` 0.
    /// @param identity The identity.
    /// @param name The attribute name.
    /// @param value The attribute's value.
    function revokeAttribute(address identity, bytes32 name, bytes calldata value) external {
        _revokeAttribute(identity, msg.sender, name, value);
    }

    /// @notice {revokeAttribute} authorised by the owner's signature.
    /// @dev Signed message: `0x19 0x00 registry nonce identity "revokeAttribute" name value`.
    /// Emits a {DIDAttributeChanged} event.
    /// @param identity The identity.
    /// @param sigV Signature v.
    /// @param sigR Signature r.
    /// @param sigS Signature s.
    /// @param name The attribute name.
    /// @param value The attribute's value.
    function revokeAttributeSigned(
        address identity,
        uint8 sigV,
        bytes32 sigR,
        bytes32 sigS,
        bytes32 name,
        bytes calldata value
    ) external {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19), bytes1(0), this, nonce[identityOwner(identity)], identity, "revokeAttribute", name, value
            )
        );
        _revokeAttribute(identity, _checkSignature(identity, sigV, sigR, sigS, hash), name, value);
    }

    // ------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------

    function _checkSignature(address identity, uint8 sigV, bytes32 sigR, bytes32 sigS, bytes32 hash)
        private
        returns (address signer)
    {
        (signer,,) = ECDSA.tryRecover(hash, sigV, sigR, sigS);
        if (signer == address(0) || signer != identityOwner(identity)) {
            revert IdentityRegistryInvalidSignature(identity, signer);
        }
        nonce[signer]++;
    }

    function _changeOwner(address identity, address actor, address newOwner) private onlyOwner(identity, actor) {
        owners[identity] = newOwner;
        emit DIDOwnerChanged(identity, newOwner, changed[identity]);
        changed[identity] = block.number;
    }

    function _addDelegate(address identity, address actor, bytes32 delegateType, address delegate, uint256 validity)
        private
        onlyOwner(identity, actor)
    {
        uint256 validTo = block.timestamp + validity;
        delegates[identity][keccak256(abi.encodePacked(delegateType))][delegate] = validTo;
        emit DIDDelegateChanged(identity, delegateType, delegate, validTo, changed[identity]);
        changed[identity] = block.number;
    }

    function _revokeDelegate(address identity, address actor, bytes32 delegateType, address delegate)
        private
        onlyOwner(identity, actor)
    {
        delegates[identity][keccak256(abi.encodePacked(delegateType))][delegate] = block.timestamp;
        emit DIDDelegateChanged(identity, delegateType, delegate, block.timestamp, changed[identity]);
        changed[identity] = block.number;
    }

    function _setAttribute(address identity, address actor, bytes32 name, bytes calldata value, uint256 validity)
        private
        onlyOwner(identity, actor)
    {
        emit DIDAttributeChanged(identity, name, value, block.timestamp + validity, changed[identity]);
        changed[identity] = block.number;
    }

    function _revokeAttribute(address identity, address actor, bytes32 name, bytes calldata value)
        private
        onlyOwner(identity, actor)
    {
        emit DIDAttributeChanged(identity, name, value, 0, changed[identity]);
        changed[identity] = block.number;
    }
}
