// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Bridge, BridgedNFT} from "../../contracts/Bridge.sol";
import {SandboxNFT} from "../../contracts/SandboxNFT.sol";

/// Both chains in one EVM: `vm.chainId` switches between chain A (1) and chain B (2).
contract BridgeTest is Test {
    uint256 internal constant A = 1;
    uint256 internal constant B = 2;
    uint256 internal relayerKey = 0x5E1A7;
    address internal relayer;
    address internal admin = makeAddr("admin");
    address internal holder = makeAddr("holder");
    Bridge internal bridgeA;
    Bridge internal bridgeB;
    SandboxNFT internal nft;

    function setUp() public {
        relayer = vm.addr(relayerKey);
        vm.chainId(A);
        bridgeA = new Bridge(admin, relayer);
        nft = new SandboxNFT("O", "O", address(this));
        nft.mint(holder, "x");
        vm.prank(holder);
        nft.setApprovalForAll(address(bridgeA), true);
        vm.chainId(B);
        bridgeB = new Bridge(admin, relayer);
        vm.chainId(A);
    }

    function _sign(Bridge bridge, bytes32 typeHash, Bridge.Message memory m) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(relayerKey, bridge.messageDigest(typeHash, m));
        return abi.encodePacked(r, s, v);
    }

    function testFuzz_RoundTripAndNoReplay(address recipient) public {
        vm.assume(recipient != address(0) && recipient.code.length == 0);
        vm.assume(uint160(recipient) > 0x100); // not a precompile
        vm.prank(holder);
        uint256 nonce = bridgeA.lock(address(nft), 0, B, recipient);

        vm.chainId(B);
        Bridge.Message memory m = Bridge.Message(A, B, nonce, address(nft), 0, recipient);
        bytes memory sig = _sign(bridgeB, bridgeB.MINT_TYPEHASH(), m);
        uint256 wrappedId = bridgeB.mintWrapped(m, sig);
        assertEq(bridgeB.wrapped().ownerOf(wrappedId), recipient);
        vm.expectRevert(
            abi.encodeWithSelector(
                Bridge.BridgeMessageAlreadyProcessed.selector, bridgeB.messageDigest(bridgeB.MINT_TYPEHASH(), m)
            )
        );
        bridgeB.mintWrapped(m, sig);

        vm.prank(recipient);
        uint256 burnNonce = bridgeB.burnWrapped(wrappedId, holder);

        vm.chainId(A);
        Bridge.Message memory r = Bridge.Message(B, A, burnNonce, address(nft), 0, holder);
        bridgeA.release(r, _sign(bridgeA, bridgeA.RELEASE_TYPEHASH(), r));
        assertEq(nft.ownerOf(0), holder);
    }

    function testFuzz_WrongChainReverts(uint256 destination) public {
        vm.assume(destination != B);
        vm.chainId(B);
        Bridge.Message memory m = Bridge.Message(A, destination, 0, address(nft), 0, holder);
        bytes memory sig = _sign(bridgeB, bridgeB.MINT_TYPEHASH(), m);
        vm.expectRevert(abi.encodeWithSelector(Bridge.BridgeWrongChain.selector, destination, B));
        bridgeB.mintWrapped(m, sig);
    }

    function test_RevertWhen_StrangerLocks() public {
        address mallory = makeAddr("mallory");
        vm.expectRevert(abi.encodeWithSelector(Bridge.BridgeUnauthorizedLocker.selector, mallory, address(nft), 0));
        vm.prank(mallory);
        bridgeA.lock(address(nft), 0, B, mallory);
    }

    function test_RevertWhen_ForgedSignature() public {
        vm.chainId(B);
        Bridge.Message memory m = Bridge.Message(A, B, 0, address(nft), 0, holder);
        uint256 forgerKey = 0xBAD;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(forgerKey, bridgeB.messageDigest(bridgeB.MINT_TYPEHASH(), m));
        vm.expectRevert(abi.encodeWithSelector(Bridge.BridgeInvalidSignature.selector, vm.addr(forgerKey)));
        bridgeB.mintWrapped(m, abi.encodePacked(r, s, v));
    }
}
