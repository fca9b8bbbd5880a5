// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice A sample collectible: the owner mints, holders transfer.
contract SampleNFT is ERC721, Ownable {
    /// @notice Raised when minting beyond the supply cap.
    error SampleNFTSoldOut(uint256 cap);

    uint256 public constant MAX_SUPPLY = 100;
    uint256 private _nextId;

    constructor(address owner_) ERC721("Sample", "SMPL") Ownable(owner_) {}

    /// @notice Mint the next token to `to`.
    /// @dev Requirements: the caller is the owner; fewer than MAX_SUPPLY tokens exist.
    /// Emits a {Transfer} event.
    function mint(address to) external onlyOwner returns (uint256 tokenId) {
        tokenId = _nextId;
        if (tokenId >= MAX_SUPPLY) revert SampleNFTSoldOut(MAX_SUPPLY);
        _nextId = tokenId + 1;
        _safeMint(to, tokenId);
    }
}
