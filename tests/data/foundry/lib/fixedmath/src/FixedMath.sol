// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// @notice Found through Foundry's automatic remapping fixedmath/=lib/fixedmath/src/.
library FixedMath {
    uint256 internal constant WAD = 1e18;

    function mulWad(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * b) / WAD;
    }
}
