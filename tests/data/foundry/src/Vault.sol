// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {FixedMath} from "fixedmath/FixedMath.sol";
import {Fees} from "@vendored/Fees.sol";
import {IERC20} from "forge-std/interfaces/IERC20.sol";

/// @notice Takes a 5% fee of what it is told was deposited.
contract Vault is Fees {
    IERC20 public immutable asset;
    uint256 public fees;

    constructor(IERC20 asset_) {
        asset = asset_;
    }

    function deposit(uint256 amount) external returns (uint256 fee) {
        fee = FixedMath.mulWad(amount, FEE_WAD);
        fees += fee;
    }
}
