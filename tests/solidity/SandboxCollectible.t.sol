// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SandboxCollectible} from "../../contracts/SandboxCollectible.sol";
import {SandboxNFT} from "../../contracts/SandboxNFT.sol";
import {ReentrantReceiver} from "../../contracts/mocks/ReentrantReceiver.sol";

contract SandboxCollectibleTest is Test {
    address internal owner = makeAddr("owner");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    SandboxNFT internal nft;
    SandboxCollectible internal held;
    SandboxCollectible internal soulbound;
    uint256 internal constant HOLD = 90 days;

    function setUp() public {
        nft = new SandboxNFT("Workshop", "WS", owner);
        held = new SandboxCollectible("Held", "H", owner, SandboxCollectible.TransferPolicy.GiftOnlyAfterHold, HOLD);
        soulbound = new SandboxCollectible("Soul", "S", owner, SandboxCollectible.TransferPolicy.Soulbound, 0);
    }

    function test_MintIdsFromZeroAndRoyalty() public {
        vm.startPrank(owner);
        assertEq(nft.mint(bob, "a"), 0);
        assertEq(nft.mint(bob, "b"), 1);
        vm.stopPrank();
        assertEq(nft.totalSupply(), 2);
        (address receiver, uint256 amount) = nft.royaltyInfo(0, 10_000);
        assertEq(receiver, owner);
        assertEq(amount, 500);
    }

    function test_RevertWhen_StrangerMints() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, bob));
        vm.prank(bob);
        nft.mint(bob, "x");
    }

    function test_RevertWhen_SupplyExhausted() public {
        vm.startPrank(owner);
        nft.setMaxSupply(1);
        nft.mint(bob, "x");
        vm.expectRevert(abi.encodeWithSelector(SandboxCollectible.SandboxNFTSupplyExhausted.selector, 1));
        nft.mint(bob, "y");
        vm.stopPrank();
    }

    function testFuzz_PublicMintNeedsExactPrice(uint256 price, uint256 sent) public {
        price = bound(price, 0, 100 ether);
        sent = bound(sent, 0, 200 ether);
        vm.prank(owner);
        nft.configureSale(price, 0, true);
        vm.deal(bob, sent);
        vm.prank(bob);
        if (sent != price) {
            vm.expectRevert(abi.encodeWithSelector(SandboxCollectible.SandboxNFTIncorrectPayment.selector, sent, price));
            nft.publicMint{value: sent}("x");
        } else {
            nft.publicMint{value: sent}("x");
            assertEq(nft.payments(owner), price);
            assertEq(address(nft).balance, price);
        }
    }

    function testFuzz_WalletCap(uint8 cap, uint8 attempts) public {
        cap = uint8(bound(cap, 1, 20));
        attempts = uint8(bound(attempts, 0, 25));
        vm.prank(owner);
        nft.configureSale(0, cap, true);
        for (uint256 i = 0; i < attempts; i++) {
            if (i >= cap) {
                vm.expectRevert(abi.encodeWithSelector(SandboxCollectible.SandboxNFTWalletCapReached.selector, bob, cap));
            }
            vm.prank(bob);
            nft.publicMint("x");
        }
        assertEq(nft.mintedBy(bob), attempts < cap ? attempts : cap);
    }

    function test_AllowlistMintWithProof() public {
        // Two-leaf tree: bob and carol; each leaf's proof is the other leaf.
        bytes32 leafBob = keccak256(bytes.concat(keccak256(abi.encode(bob))));
        bytes32 leafCarol = keccak256(bytes.concat(keccak256(abi.encode(carol))));
        bytes32 root = leafBob < leafCarol
            ? keccak256(abi.encodePacked(leafBob, leafCarol))
            : keccak256(abi.encodePacked(leafCarol, leafBob));
        vm.prank(owner);
        nft.setAllowlistRoot(root);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = leafCarol;
        vm.prank(bob);
        nft.allowlistMint("x", proof);
        assertEq(nft.ownerOf(0), bob);
    }

    function test_WithdrawIsReentrancySafe() public {
        ReentrantReceiver attacker = new ReentrantReceiver();
        vm.prank(owner);
        nft.configureSale(1 ether, 0, true);
        vm.prank(owner);
        nft.transferOwnership(address(attacker));
        vm.deal(bob, 2 ether);
        vm.startPrank(bob);
        nft.publicMint{value: 1 ether}("a");
        nft.publicMint{value: 1 ether}("b");
        vm.stopPrank();
        attacker.arm(address(nft), abi.encodeCall(nft.withdrawPayments, (payable(address(attacker)))));
        nft.withdrawPayments(payable(address(attacker)));
        assertFalse(attacker.reentrySucceeded());
        assertEq(bytes4(attacker.reentryResult()), ReentrancyGuard.ReentrancyGuardReentrantCall.selector);
        assertEq(address(attacker).balance, 2 ether);
        assertEq(nft.payments(address(attacker)), 0);
    }

    function test_PauseBlocksTransfers() public {
        vm.prank(owner);
        nft.mint(bob, "x");
        vm.prank(owner);
        nft.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(bob);
        nft.transferFrom(bob, carol, 0);
    }

    function testFuzz_HoldPeriod(uint256 waited) public {
        waited = bound(waited, 0, 2 * HOLD);
        vm.prank(owner);
        held.mint(bob, "x");
        uint256 unlocksAt = block.timestamp + HOLD;
        vm.warp(block.timestamp + waited);
        vm.prank(bob);
        if (waited < HOLD) {
            vm.expectRevert(abi.encodeWithSelector(SandboxCollectible.SandboxNFTHoldPeriodActive.selector, 0, unlocksAt));
            held.transferFrom(bob, carol, 0);
        } else {
            held.transferFrom(bob, carol, 0);
            assertEq(held.ownerOf(0), carol);
            assertEq(held.transferableAt(0), block.timestamp + HOLD);
        }
    }

    function testFuzz_SoulboundNeverMoves(uint256 waited, address to) public {
        vm.assume(to != address(0) && to != bob);
        vm.prank(owner);
        soulbound.mint(bob, "x");
        assertTrue(soulbound.locked(0));
        vm.warp(block.timestamp + bound(waited, 0, 100 * 365 days));
        vm.expectRevert(abi.encodeWithSelector(SandboxCollectible.SandboxNFTSoulbound.selector, 0));
        vm.prank(bob);
        soulbound.transferFrom(bob, to, 0);
    }

    function test_RevertWhen_TransferUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        nft.ownerOf(7);
    }
}
