// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Editions} from "../../contracts/Editions.sol";

contract EditionsTest is Test {
    Editions internal editions;
    address internal owner = makeAddr("owner");
    address internal fan = makeAddr("fan");

    function setUp() public {
        editions = new Editions("ipfs://e/{id}.json", owner);
        vm.startPrank(owner);
        editions.createEdition(50, true);
        vm.stopPrank();
    }

    function testFuzz_CapHolds(uint256 first, uint256 second) public {
        first = bound(first, 1, 50);
        second = bound(second, 1, 100);
        vm.startPrank(owner);
        editions.mint(fan, 0, first);
        if (first + second > 50) {
            vm.expectRevert(abi.encodeWithSelector(Editions.EditionsSupplyExceeded.selector, 0, second, 50 - first));
        }
        editions.mint(fan, 0, second);
        vm.stopPrank();
        assertLe(editions.totalSupply(0), 50);
    }

    function testFuzz_RedeemBurns(uint8 held, uint8 used) public {
        held = uint8(bound(held, 1, 50));
        used = uint8(bound(used, 1, held));
        vm.prank(owner);
        editions.mint(fan, 0, held);
        vm.prank(fan);
        editions.redeem(0, used);
        assertEq(editions.balanceOf(fan, 0), uint256(held) - used);
        assertEq(editions.redeemed(fan, 0), used);
        assertEq(editions.totalSupply(0), uint256(held) - used);
    }

    function test_RevertWhen_UnknownEdition() public {
        vm.expectRevert(abi.encodeWithSelector(Editions.EditionsUnknownId.selector, 3));
        vm.prank(owner);
        editions.mint(fan, 3, 1);
    }

    function test_UriTemplate() public view {
        assertEq(editions.uri(12), "ipfs://e/{id}.json");
    }
}
