// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SandboxCollectible} from "./SandboxCollectible.sol";

/// @title SandboxNFT
/// @notice The workshop's digital-collectible ERC-721: per-token metadata URI,
/// ERC-2981 royalties (5% to the initial owner), owner-controlled minting with
/// a supply cap, and every sale rule of {SandboxCollectible} (public and
/// allowlist sales, per-wallet cap, pull-payment proceeds, pause), with the
/// `Free` transfer policy: tokens move and resell like any ERC-721.
/// @dev Kept as its own contract so `deploy("SandboxNFT", name, symbol, owner)`
/// stays a three-argument call; deploy {SandboxCollectible} directly to choose
/// `GiftOnlyAfterHold` or `Soulbound`.
contract SandboxNFT is SandboxCollectible {
    /// @param name_ Collection name (ERC-721 metadata).
    /// @param symbol_ Collection symbol (ERC-721 metadata).
    /// @param initialOwner Account that may mint and receives royalties and sale proceeds.
    constructor(string memory name_, string memory symbol_, address initialOwner)
        SandboxCollectible(name_, symbol_, initialOwner, TransferPolicy.Free, 0)
    {}
}
