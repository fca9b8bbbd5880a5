// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Marketplace} from "../../contracts/Marketplace.sol";
import {SandboxNFT} from "../../contracts/SandboxNFT.sol";
import {SandboxCollectible} from "../../contracts/SandboxCollectible.sol";
import {Editions} from "../../contracts/Editions.sol";

contract MarketplaceTest is Test {
    Marketplace internal market;
    SandboxNFT internal nft;
    Editions internal editions;
    address internal operator = makeAddr("operator");
    address internal creator = makeAddr("creator");
    address internal seller = makeAddr("seller");
    address internal buyer = makeAddr("buyer");

    function setUp() public {
        market = new Marketplace(operator, 250);
        nft = new SandboxNFT("W", "W", creator);
        editions = new Editions("ipfs://{id}", creator);
        vm.startPrank(creator);
        nft.mint(seller, "x");
        editions.createEdition(100, false);
        editions.mint(seller, 0, 100);
        vm.stopPrank();
        vm.startPrank(seller);
        nft.setApprovalForAll(address(market), true);
        editions.setApprovalForAll(address(market), true);
        vm.stopPrank();
    }

    function testFuzz_SaleSplitsEveryWei(uint96 price, uint96 royaltyBps) public {
        vm.assume(price > 0);
        royaltyBps = uint96(bound(royaltyBps, 0, 10_000));
        vm.prank(creator);
        nft.setDefaultRoyalty(creator, royaltyBps);
        vm.prank(seller);
        uint256 id = market.list(address(nft), 0, 1, price);
        vm.deal(buyer, price);
        vm.prank(buyer);
        market.buy{value: price}(id, 1);
        assertEq(nft.ownerOf(0), buyer);
        uint256 owed = market.payments(operator) + market.payments(creator) + market.payments(seller);
        assertEq(owed, price);
        assertEq(address(market).balance, price);
    }

    function testFuzz_PartialErc1155(uint8 first) public {
        first = uint8(bound(first, 1, 99));
        vm.prank(seller);
        uint256 id = market.list(address(editions), 0, 100, 1 gwei);
        vm.deal(buyer, 100 gwei);
        vm.startPrank(buyer);
        market.buy{value: uint256(first) * 1 gwei}(id, first);
        assertEq(market.listing(id).amount, 100 - uint256(first));
        market.buy{value: (100 - uint256(first)) * 1 gwei}(id, 100 - uint256(first));
        vm.stopPrank();
        assertEq(editions.balanceOf(buyer, 0), 100);
    }

    function test_RevertWhen_ListingGiftOnlyCollectible() public {
        SandboxCollectible held =
            new SandboxCollectible("H", "H", creator, SandboxCollectible.TransferPolicy.GiftOnlyAfterHold, 1 days);
        vm.prank(creator);
        held.mint(seller, "x");
        vm.startPrank(seller);
        held.setApprovalForAll(address(market), true);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.MarketplaceSaleForbidden.selector, address(held), 0));
        market.list(address(held), 0, 1, 1 ether);
        vm.stopPrank();
    }

    function test_RevertWhen_WrongPayment() public {
        vm.prank(seller);
        uint256 id = market.list(address(nft), 0, 1, 1 ether);
        vm.deal(buyer, 2 ether);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.MarketplaceIncorrectPayment.selector, 2 ether, 1 ether));
        vm.prank(buyer);
        market.buy{value: 2 ether}(id, 1);
    }
}
