// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SandboxCollectible} from "./SandboxCollectible.sol";

/// @title TieredHoldCollectible
/// @notice A gift-only digital collectible whose holding period grows after
/// the first hop: the first holder waits `minHoldSeconds` before giving the
/// token away, every later holder waits `laterHoldSeconds`. This is the rule
/// Ant Group's Jingtan published in 2022 (180 days before the first gift,
/// two years before each one after it).
/// @dev Only the hop count is new; the base contract's holding-period check
/// still runs (its `minHoldSeconds` is never longer than `laterHoldSeconds`).
contract TieredHoldCollectible is SandboxCollectible {
    /// @notice Seconds a holder must keep the token after its first transfer.
    uint256 public immutable laterHoldSeconds;

    mapping(uint256 tokenId => uint256 count) private _hops;

    /// @notice `laterHold` is shorter than the first holding period.
    error TieredHoldInvalidPeriods(uint256 firstHold, uint256 laterHold);

    /// @param name_ Collection name.
    /// @param symbol_ Collection symbol.
    /// @param initialOwner Account that may mint and receives royalties.
    /// @param firstHold Seconds before the first gift (> 0).
    /// @param laterHold Seconds before each later gift (>= firstHold).
    constructor(string memory name_, string memory symbol_, address initialOwner, uint256 firstHold, uint256 laterHold)
        SandboxCollectible(name_, symbol_, initialOwner, TransferPolicy.GiftOnlyAfterHold, firstHold)
    {
        if (laterHold < firstHold) revert TieredHoldInvalidPeriods(firstHold, laterHold);
        laterHoldSeconds = laterHold;
    }

    /// @notice How many times `tokenId` has moved between holders (mints excluded).
    /// @param tokenId An existing token.
    function hops(uint256 tokenId) external view returns (uint256) {
        _requireOwned(tokenId);
        return _hops[tokenId];
    }

    /// @notice Earliest timestamp at which `tokenId` may be given away under the tiered rule.
    /// @param tokenId An existing token.
    function giftableAt(uint256 tokenId) public view returns (uint256) {
        uint256 base = transferableAt(tokenId);
        if (_hops[tokenId] == 0) return base;
        // base = arrival + minHoldSeconds, so the arrival time is base - minHoldSeconds.
        return base - minHoldSeconds + laterHoldSeconds;
    }

    /// @dev Later hops wait `laterHoldSeconds`; the base contract checks the first.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) {
            uint256 count = _hops[tokenId];
            if (count > 0) {
                uint256 unlocksAt = giftableAt(tokenId);
                if (block.timestamp < unlocksAt) revert SandboxNFTHoldPeriodActive(tokenId, unlocksAt);
            }
            unchecked {
                // Cannot overflow: one increment per transaction.
                _hops[tokenId] = count + 1;
            }
        }
        return super._update(to, tokenId, auth);
    }
}
