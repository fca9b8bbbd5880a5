// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {LandRegistry} from "../../contracts/LandRegistry.sol";

contract LandRegistryTest is Test {
    LandRegistry internal land;
    address internal operator = makeAddr("operator");
    address internal landlord = makeAddr("landlord");
    address internal tenant = makeAddr("tenant");
    uint256 internal constant W = 100;
    uint256 internal constant H = 50;
    uint256 internal parcel;

    function setUp() public {
        land = new LandRegistry(operator, W, H, 500);
        vm.prank(operator);
        parcel = land.mintParcel(landlord, 7, 3);
        vm.prank(landlord);
        land.offerRental(parcel, 1 ether, 365);
    }

    function testFuzz_GridRoundTrip(uint256 x, uint256 y) public {
        x = bound(x, 0, W - 1);
        y = bound(y, 0, H - 1);
        vm.assume(!(x == 7 && y == 3));
        vm.prank(operator);
        uint256 id = land.mintParcel(tenant, x, y);
        (uint256 gx, uint256 gy) = land.coordinates(id);
        assertEq(gx, x);
        assertEq(gy, y);
        assertEq(id, land.parcelId(x, y));
    }

    function testFuzz_OutOfBoundsReverts(uint256 x, uint256 y) public {
        vm.assume(x >= W || y >= H);
        vm.expectRevert(abi.encodeWithSelector(LandRegistry.LandOutOfBounds.selector, x, y, W, H));
        vm.prank(operator);
        land.mintParcel(tenant, x, y);
    }

    function testFuzz_RentalAccounting(uint16 days_) public {
        days_ = uint16(bound(days_, 1, 365));
        uint256 due = uint256(days_) * 1 ether;
        vm.deal(tenant, due);
        vm.prank(tenant);
        land.rent{value: due}(parcel, days_);
        assertEq(land.userOf(parcel), tenant);
        uint256 fee = due * 500 / 10_000;
        assertEq(land.payments(operator), fee);
        LandRegistry.Rental memory r = land.rental(parcel);
        assertEq(r.escrowed + fee, due);

        uint256 until = block.timestamp + uint256(days_) * 1 days;
        vm.expectRevert(abi.encodeWithSelector(LandRegistry.LandRented.selector, parcel, until));
        vm.prank(landlord);
        land.transferFrom(landlord, tenant, parcel);

        vm.warp(until);
        land.settleRental(parcel);
        assertEq(land.payments(landlord), due - fee);
        vm.prank(landlord);
        land.transferFrom(landlord, tenant, parcel);
        assertEq(land.userOf(parcel), address(0));
    }

    function test_UserExpires() public {
        vm.prank(landlord);
        land.setUser(parcel, tenant, uint64(block.timestamp + 10));
        vm.warp(block.timestamp + 11);
        assertEq(land.userOf(parcel), address(0));
    }
}
