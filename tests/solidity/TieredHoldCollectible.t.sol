// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {SandboxCollectible} from "../../contracts/SandboxCollectible.sol";
import {TieredHoldCollectible} from "../../contracts/TieredHoldCollectible.sol";

contract TieredHoldCollectibleTest is Test {
    address internal owner = makeAddr("owner");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    TieredHoldCollectible internal token;
    uint256 internal constant FIRST = 180 days;
    uint256 internal constant LATER = 730 days;

    function setUp() public {
        token = new TieredHoldCollectible("Jingtan", "JT", owner, FIRST, LATER);
        vm.prank(owner);
        token.mint(bob, "ipfs://t");
    }

    function test_FirstHopAfter180DaysThenTwoYears() public {
        vm.warp(block.timestamp + FIRST);
        vm.prank(bob);
        token.transferFrom(bob, carol, 0);
        assertEq(token.hops(0), 1);
        assertEq(token.giftableAt(0), block.timestamp + LATER);
        vm.warp(block.timestamp + FIRST);
        vm.expectRevert(
            abi.encodeWithSelector(SandboxCollectible.SandboxNFTHoldPeriodActive.selector, 0, block.timestamp - FIRST + LATER)
        );
        vm.prank(carol);
        token.transferFrom(carol, bob, 0);
    }

    /// Fuzz: no gift ever succeeds before the holder's period has passed.
    function testFuzz_NoGiftBeforeHoldEnds(uint32 firstWait, uint32 secondWait) public {
        uint256 start = block.timestamp;
        vm.warp(start + firstWait);
        vm.prank(bob);
        if (firstWait < FIRST) {
            vm.expectRevert();
            token.transferFrom(bob, carol, 0);
            return;
        }
        token.transferFrom(bob, carol, 0);
        uint256 arrived = block.timestamp;
        vm.warp(arrived + secondWait);
        vm.prank(carol);
        if (secondWait < LATER) vm.expectRevert();
        token.transferFrom(carol, bob, 0);
    }

    function test_RevertWhen_LaterHoldShorter() public {
        vm.expectRevert(abi.encodeWithSelector(TieredHoldCollectible.TieredHoldInvalidPeriods.selector, FIRST, 1 days));
        new TieredHoldCollectible("x", "x", owner, FIRST, 1 days);
    }
}
