// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IdentityRegistry} from "../../contracts/IdentityRegistry.sol";

contract IdentityRegistryTest is Test {
    event DIDOwnerChanged(address indexed identity, address owner, uint256 previousChange);

    IdentityRegistry internal registry;
    uint256 internal ownerKey = 0xA11CE;
    address internal identity;
    address internal carol = makeAddr("carol");
    bytes32 internal constant VERI_KEY = "veriKey";

    function setUp() public {
        registry = new IdentityRegistry();
        identity = vm.addr(ownerKey);
    }

    function _sign(uint256 key, bytes memory packed) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 hash = keccak256(
            abi.encodePacked(
                bytes1(0x19), bytes1(0), address(registry), registry.nonce(registry.identityOwner(identity)), identity, packed
            )
        );
        return vm.sign(key, hash);
    }

    function test_ChangeOwnerLinksPreviousChange() public {
        vm.roll(10);
        vm.expectEmit(true, false, false, true);
        emit DIDOwnerChanged(identity, carol, 0);
        vm.prank(identity);
        registry.changeOwner(identity, carol);
        vm.roll(11);
        vm.expectEmit(true, false, false, true);
        emit DIDOwnerChanged(identity, identity, 10);
        vm.prank(carol);
        registry.changeOwner(identity, identity);
        assertEq(registry.changed(identity), 11);
    }

    function test_RevertWhen_StrangerChangesOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IdentityRegistry.IdentityRegistryUnauthorizedActor.selector, identity, carol));
        vm.prank(carol);
        registry.changeOwner(identity, carol);
    }

    function test_ChangeOwnerSignedCannotBeReplayed() public {
        (uint8 v, bytes32 r, bytes32 s) = _sign(ownerKey, abi.encodePacked("changeOwner", carol));
        registry.changeOwnerSigned(identity, v, r, s, carol);
        assertEq(registry.identityOwner(identity), carol);
        assertEq(registry.nonce(identity), 1);
        vm.expectRevert();
        registry.changeOwnerSigned(identity, v, r, s, carol);
    }

    function testFuzz_SignedByStrangerRefused(uint256 key) public {
        key = bound(key, 1, type(uint128).max);
        vm.assume(key != ownerKey);
        (uint8 v, bytes32 r, bytes32 s) = _sign(key, abi.encodePacked("addDelegate", VERI_KEY, carol, uint256(1 days)));
        vm.expectRevert(
            abi.encodeWithSelector(IdentityRegistry.IdentityRegistryInvalidSignature.selector, identity, vm.addr(key))
        );
        registry.addDelegateSigned(identity, v, r, s, VERI_KEY, carol, 1 days);
    }

    function testFuzz_DelegateValidUntilExpiry(uint32 validity, uint32 elapsed) public {
        vm.assume(validity > 0);
        vm.prank(identity);
        registry.addDelegate(identity, VERI_KEY, carol, validity);
        vm.warp(block.timestamp + elapsed);
        assertEq(registry.validDelegate(identity, VERI_KEY, carol), elapsed < validity);
        vm.prank(identity);
        registry.revokeDelegate(identity, VERI_KEY, carol);
        assertFalse(registry.validDelegate(identity, VERI_KEY, carol));
    }

    function test_SignedAttributeAndRevocation() public {
        (uint8 v, bytes32 r, bytes32 s) =
            _sign(ownerKey, abi.encodePacked("setAttribute", bytes32("did/svc/Hub"), bytes("https://x"), uint256(60)));
        registry.setAttributeSigned(identity, v, r, s, "did/svc/Hub", "https://x", 60);
        (v, r, s) = _sign(ownerKey, abi.encodePacked("revokeAttribute", bytes32("did/svc/Hub"), bytes("https://x")));
        registry.revokeAttributeSigned(identity, v, r, s, "did/svc/Hub", "https://x");
        (v, r, s) = _sign(ownerKey, abi.encodePacked("revokeDelegate", VERI_KEY, carol));
        registry.revokeDelegateSigned(identity, v, r, s, VERI_KEY, carol);
        assertEq(registry.nonce(identity), 3);
    }
}
