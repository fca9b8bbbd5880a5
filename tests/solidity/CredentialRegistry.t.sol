// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {CredentialRegistry} from "../../contracts/CredentialRegistry.sol";

contract CredentialRegistryTest is Test {
    CredentialRegistry internal registry;
    address internal admin = makeAddr("admin");
    uint256 internal issuerKey = 0xB0B;
    address internal issuer;
    address internal holder = makeAddr("holder");

    function setUp() public {
        registry = new CredentialRegistry(admin);
        issuer = vm.addr(issuerKey);
        bytes32 role = registry.ISSUER_ROLE();
        vm.prank(admin);
        registry.grantRole(role, issuer);
    }

    function _credential(uint64 expiresAt) internal view returns (CredentialRegistry.Credential memory) {
        return CredentialRegistry.Credential(issuer, holder, keccak256("claim"), uint64(block.timestamp), expiresAt);
    }

    function _sign(uint256 key, CredentialRegistry.Credential memory c) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, registry.credentialDigest(c));
        return abi.encodePacked(r, s, v);
    }

    function testFuzz_ExpiryBoundary(uint32 lifetime, uint32 elapsed) public {
        vm.assume(lifetime > 0);
        CredentialRegistry.Credential memory c = _credential(uint64(block.timestamp) + lifetime);
        bytes memory sig = _sign(issuerKey, c);
        vm.warp(block.timestamp + elapsed);
        CredentialRegistry.CredentialStatus expected =
            elapsed < lifetime ? CredentialRegistry.CredentialStatus.Valid : CredentialRegistry.CredentialStatus.Expired;
        assertEq(uint8(registry.verifyCredential(c, sig)), uint8(expected));
    }

    function testFuzz_ForgedSignatureIsBad(uint256 key) public {
        key = bound(key, 1, type(uint128).max);
        vm.assume(key != issuerKey);
        CredentialRegistry.Credential memory c = _credential(0);
        assertEq(
            uint8(registry.verifyCredential(c, _sign(key, c))), uint8(CredentialRegistry.CredentialStatus.BadSignature)
        );
    }

    function test_RevocationRecordsBlock() public {
        CredentialRegistry.Credential memory c = _credential(0);
        bytes32 digest = registry.credentialDigest(c);
        vm.roll(42);
        vm.prank(issuer);
        registry.revokeCredential(digest);
        assertEq(registry.revoked(issuer, digest), 42);
        assertEq(uint8(registry.verifyCredential(c, _sign(issuerKey, c))), uint8(CredentialRegistry.CredentialStatus.Revoked));
    }

    function test_CertificateIsSoulbound() public {
        vm.prank(issuer);
        uint256 id = registry.issueCertificate(holder, "ipfs://c", bytes32(0));
        assertTrue(registry.locked(id));
        vm.expectRevert(abi.encodeWithSelector(CredentialRegistry.CredentialCertificateSoulbound.selector, id));
        vm.prank(holder);
        registry.transferFrom(holder, admin, id);
    }

    function test_RevertWhen_StrangerIssuesCertificate() public {
        bytes32 role = registry.ISSUER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, holder, role));
        vm.prank(holder);
        registry.issueCertificate(holder, "x", bytes32(0));
    }
}
