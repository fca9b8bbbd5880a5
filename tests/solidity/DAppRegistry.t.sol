// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {DAppRegistry} from "../../contracts/DAppRegistry.sol";

contract DAppRegistryTest is Test {
    DAppRegistry internal registry;
    address internal admin = makeAddr("admin");
    address internal dev = makeAddr("dev");

    function setUp() public {
        registry = new DAppRegistry(admin);
    }

    function testFuzz_PaginationCoversEveryEntry(uint8 count, uint8 pageSize) public {
        count = uint8(bound(count, 0, 40));
        pageSize = uint8(bound(pageSize, 1, 100));
        vm.startPrank(dev);
        for (uint256 i = 0; i < count; i++) {
            registry.register(vm.toString(i), address(registry), "", "games");
        }
        vm.stopPrank();
        uint256 seen;
        for (uint256 offset = 0; offset < count; offset += pageSize) {
            (DAppRegistry.Entry[] memory page, uint256 total) = registry.listByCategory("games", offset, pageSize);
            assertEq(total, count);
            for (uint256 j = 0; j < page.length; j++) {
                assertEq(page[j].id, offset + j);
            }
            seen += page.length;
        }
        assertEq(seen, count);
    }

    function test_RevertWhen_NameTaken() public {
        vm.startPrank(dev);
        registry.register("Jingtan", address(registry), "", "collectibles");
        vm.expectRevert(abi.encodeWithSelector(DAppRegistry.DAppRegistryNameTaken.selector, "Jingtan"));
        registry.register("Jingtan", address(registry), "", "games");
        vm.stopPrank();
    }

    function test_NewContractClearsVerification() public {
        vm.prank(dev);
        uint256 id = registry.register("App", address(registry), "", "tools");
        bytes32 role = registry.REGISTRAR_ROLE();
        vm.prank(admin);
        registry.grantRole(role, admin);
        vm.prank(admin);
        registry.setVerified(id, true);
        vm.prank(dev);
        registry.update(id, address(this), "", "tools");
        assertFalse(registry.entry(id).verified);
    }

    function test_RevertWhen_StrangerUpdates() public {
        vm.prank(dev);
        uint256 id = registry.register("App", address(registry), "", "tools");
        vm.expectRevert(abi.encodeWithSelector(DAppRegistry.DAppRegistryNotEntryOwner.selector, admin, id));
        vm.prank(admin);
        registry.update(id, address(registry), "x", "tools");
    }
}
