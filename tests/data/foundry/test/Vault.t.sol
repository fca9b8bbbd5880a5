// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// A forge test: forge runs it; the Python sandbox compiles src/ only.
import {Test} from "forge-std/Test.sol";
import {IERC20} from "forge-std/interfaces/IERC20.sol";
import {Vault} from "../src/Vault.sol";

contract VaultTest is Test {
    function test_fee() public {
        Vault vault = new Vault(IERC20(address(0)));
        assertEq(vault.deposit(100e18), 5e18);
    }
}
