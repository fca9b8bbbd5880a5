// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISaleRestricted
/// @notice Lets a token collection tell marketplaces whether a token may be sold.
/// @dev The Sandbox's own convention (interface id = the selector of {saleAllowed}).
/// A digital collectible under China's rules may be gifted but not resold; a
/// soulbound token may not move at all. Marketplaces query this before listing.
interface ISaleRestricted {
    /// @notice Whether `tokenId` may be sold on a secondary market now.
    /// @param tokenId The token to ask about; must exist.
    function saleAllowed(uint256 tokenId) external view returns (bool);
}
