// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {console} from "forge-std/console.sol";
import {console2} from "forge-std/console2.sol";

/// @notice Logs through the real forge-std console.sol and console2.sol: every family of their functions.
contract Logs {
    uint256 public runs;

    function everything(int256 negative, uint256 amount) external {
        console.log();
        console.log("plain string");
        console.log(amount);
        console.log(negative);
        console.log(true);
        console.log(address(0xdEaD));
        console.logInt(negative);
        console.logUint(amount);
        console.logString("logString");
        console.logBool(false);
        console.logAddress(address(this));
        console.logBytes(hex"c0ffee");
        console.logBytes1(bytes1(0xab));
        console.logBytes4(bytes4(0xdeadbeef));
        console.logBytes20(bytes20(address(0xdEaD)));
        console.logBytes32(bytes32(uint256(7)));
        console.log("signed", negative);
        console.log("sum %s of %s", amount, amount * 2);
        console.log("percent %d%% done", amount);
        console.log("hex %x", amount);
        console.log("sci %e and octal %o", amount, amount);
        console.log("int %i and %d", amount, amount + 1);
        console.log("left over", amount, true, address(0xdEaD));
        console.log("a", "b", "c", "d");
        console2.log("console2", amount);
        console2.log("console2 signed", negative);
        console2.log(negative);
        // format specifiers on every type: forge prints NaN where one does not apply
        console.log("e %e", uint256(0));
        console.log("e %e", uint256(7));
        console.log("e %e", uint256(1000));
        console.log("e %e", uint256(1500));
        console.log("e %e", uint256(123456789));
        console.log("e %e", type(uint256).max);
        console.log("ei %e", int256(-1500));
        console.log("ei %e", int256(-7));
        console.log("xi %x", int256(-1));
        console.log("di %d", int256(-5));
        console.log("s %e", "str");
        console.log("b %d", true);
        console.log("b %x", true);
        console.log("a %d", address(0xdEaD));
        console.log("a %x", address(0xdEaD));
        console.log("bytes %s", true, uint256(3));
        console.log("%s %s", uint256(1));
        console.log("no spec", "x");
        console.log("%d", "text");
        console.log("%s%%", uint256(5));
        console.log("%i", uint256(5));
        console.log("%j", uint256(5));
        console.log("%.3e", uint256(1500));
        console.log("%.2e", int256(-1500));
        runs += 1;
    }
}
