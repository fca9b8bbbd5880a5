// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";

/// @title CredentialRegistry
/// @notice Verifiable credentials for distributed digital identity: an admin
/// approves issuers (a role); an issuer signs a credential off-chain as
/// EIP-712 typed data; anyone verifies it on-chain (issuer approved, signature,
/// expiry, revocation); the issuer can revoke it, recording the block; and
/// approved issuers mint soulbound certificate NFTs (ERC-721 + ERC-5192)
/// that point at a credential.
/// @dev EIP-712 domain: name "SandboxCredentials", version "1", this chain and
/// contract. Typed data:
/// `Credential(address issuer,address subject,bytes32 claimHash,uint64 issuedAt,uint64 expiresAt)`,
/// `expiresAt` 0 meaning "never". Revocations are keyed by issuer, so an
/// account can only revoke what it issued (even after losing the role).
contract CredentialRegistry is ERC721, AccessControl, EIP712, IERC5192 {
    /// @notice A credential as signed by its issuer.
    struct Credential {
        address issuer;
        address subject;
        bytes32 claimHash;
        uint64 issuedAt;
        uint64 expiresAt;
    }

    /// @notice What {verifyCredential} found.
    enum CredentialStatus {
        Valid,
        BadSignature,
        IssuerNotApproved,
        Revoked,
        Expired
    }

    /// @notice Certificate data: who issued it and for which credential digest.
    struct Certificate {
        address issuer;
        bytes32 credentialDigest;
    }

    /// @notice Role of accounts trusted to issue credentials and certificates.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    /// @notice EIP-712 type hash of {Credential}.
    bytes32 public constant CREDENTIAL_TYPEHASH = keccak256(
        "Credential(address issuer,address subject,bytes32 claimHash,uint64 issuedAt,uint64 expiresAt)"
    );

    mapping(address issuer => mapping(bytes32 digest => uint256 blockNumber)) private _revoked;
    mapping(uint256 tokenId => Certificate) private _certificates;
    mapping(uint256 tokenId => string) private _tokenURIs;
    uint256 private _nextTokenId;

    /// @notice `digest` was already revoked by `issuer` at block `blockNumber`.
    error CredentialAlreadyRevoked(address issuer, bytes32 digest, uint256 blockNumber);

    /// @notice Certificate `tokenId` is soulbound and cannot be transferred.
    error CredentialCertificateSoulbound(uint256 tokenId);

    /// @notice `account` did not issue certificate `tokenId` and cannot revoke it.
    error CredentialNotCertificateIssuer(address account, uint256 tokenId);

    /// @notice Emitted when `issuer` revoked the credential with EIP-712 digest `digest`.
    event CredentialRevoked(address indexed issuer, bytes32 indexed digest, uint256 blockNumber);

    /// @notice Emitted when `issuer` minted certificate `tokenId` to `holder`.
    event CertificateIssued(uint256 indexed tokenId, address indexed issuer, address indexed holder, bytes32 credentialDigest);

    /// @notice Emitted when the issuer of certificate `tokenId` revoked (burned) it.
    event CertificateRevoked(uint256 indexed tokenId, address indexed issuer);

    /// @param admin Account that approves and removes issuers (DEFAULT_ADMIN_ROLE).
    constructor(address admin) ERC721("Sandbox Certificate", "CERT") EIP712("SandboxCredentials", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------
    // Credentials
    // ------------------------------------------------------------------

    /// @notice The EIP-712 digest an issuer signs for `credential`.
    /// @param credential The credential.
    function credentialDigest(Credential calldata credential) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CREDENTIAL_TYPEHASH,
                    credential.issuer,
                    credential.subject,
                    credential.claimHash,
                    credential.issuedAt,
                    credential.expiresAt
                )
            )
        );
    }

    /// @notice Checks a credential and its issuer's signature, in this order:
    /// signature by `credential.issuer`, issuer approved now, not revoked, not expired.
    /// @param credential The credential.
    /// @param signature The issuer's 65-byte EIP-712 signature.
    /// @return status `Valid` or the first reason it is not.
    function verifyCredential(Credential calldata credential, bytes calldata signature)
        external
        view
        returns (CredentialStatus status)
    {
        bytes32 digest = credentialDigest(credential);
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signature);
        if (error != ECDSA.RecoverError.NoError || signer != credential.issuer) return CredentialStatus.BadSignature;
        if (!hasRole(ISSUER_ROLE, credential.issuer)) return CredentialStatus.IssuerNotApproved;
        if (_revoked[credential.issuer][digest] != 0) return CredentialStatus.Revoked;
        if (credential.expiresAt != 0 && block.timestamp >= credential.expiresAt) return CredentialStatus.Expired;
        return CredentialStatus.Valid;
    }

    /// @notice Revokes a credential the caller issued, identified by its EIP-712 digest.
    /// Requirements:
    /// - the caller has not already revoked `digest`.
    /// Emits a {CredentialRevoked} event.
    /// @param digest The credential's digest ({credentialDigest}).
    function revokeCredential(bytes32 digest) external {
        uint256 already = _revoked[msg.sender][digest];
        if (already != 0) revert CredentialAlreadyRevoked(msg.sender, digest, already);
        _revoked[msg.sender][digest] = block.number;
        emit CredentialRevoked(msg.sender, digest, block.number);
    }

    /// @notice The block at which `issuer` revoked `digest`, or 0 if it has not.
    /// @param issuer The issuer.
    /// @param digest The credential's digest.
    function revoked(address issuer, bytes32 digest) external view returns (uint256) {
        return _revoked[issuer][digest];
    }

    // ------------------------------------------------------------------
    // Soulbound certificates
    // ------------------------------------------------------------------

    /// @notice Mints a soulbound certificate to `holder` for the credential `digest`.
    /// Requirements:
    /// - the caller has ISSUER_ROLE;
    /// - `holder` is not the zero address and accepts ERC-721 tokens if it is a contract.
    /// Emits {Transfer}, {Locked} and {CertificateIssued} events.
    /// @param holder The certificate's holder.
    /// @param uri Metadata URI.
    /// @param digest The credential's EIP-712 digest (zero if none).
    /// @return tokenId The new certificate's id (from 0).
    function issueCertificate(address holder, string calldata uri, bytes32 digest)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 tokenId)
    {
        tokenId = _nextTokenId;
        unchecked {
            // Cannot overflow: one id per transaction, far below 2**256.
            _nextTokenId = tokenId + 1;
        }
        _certificates[tokenId] = Certificate(msg.sender, digest);
        _tokenURIs[tokenId] = uri;
        _safeMint(holder, tokenId);
        emit Locked(tokenId);
        emit CertificateIssued(tokenId, msg.sender, holder, digest);
    }

    /// @notice Burns certificate `tokenId`; only the account that issued it may.
    /// Requirements:
    /// - the caller issued `tokenId`.
    /// Emits {Transfer} and {CertificateRevoked} events.
    /// @param tokenId The certificate.
    function revokeCertificate(uint256 tokenId) external {
        if (_certificates[tokenId].issuer != msg.sender || _ownerOf(tokenId) == address(0)) {
            revert CredentialNotCertificateIssuer(msg.sender, tokenId);
        }
        _burn(tokenId);
        emit CertificateRevoked(tokenId, msg.sender);
    }

    /// @notice Issuer and credential digest of certificate `tokenId`.
    /// @param tokenId An existing certificate.
    function certificate(uint256 tokenId) external view returns (Certificate memory) {
        _requireOwned(tokenId);
        return _certificates[tokenId];
    }

    /// @notice Number of certificates ever issued.
    function certificatesIssued() external view returns (uint256) {
        return _nextTokenId;
    }

    /// @inheritdoc IERC5192
    /// @dev Every certificate is locked.
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return true;
    }

    /// @notice Metadata URI of certificate `tokenId`.
    /// @param tokenId An existing certificate.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _tokenURIs[tokenId];
    }

    /// @notice ERC-165: ERC-721, metadata, ERC-5192 and AccessControl.
    /// @param interfaceId The interface identifier.
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev Mints and burns pass; every transfer between holders reverts.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        address from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) revert CredentialCertificateSoulbound(tokenId);
        return super._update(to, tokenId, auth);
    }
}
