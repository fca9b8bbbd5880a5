// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title SandboxNFT
/// @notice A digital-collectible ERC-721: per-token metadata URI, ERC-2981
/// royalties, owner-controlled minting and a supply cap.
/// @dev Everything standard comes from OpenZeppelin Contracts 5; this file
/// only adds the mint counter and the cap.
contract SandboxNFT is ERC721URIStorage, ERC2981, Ownable {
    /// @notice Default supply cap set at deployment.
    uint256 public constant DEFAULT_MAX_SUPPLY = 10_000;

    /// @notice Default royalty: 5% in basis points, paid to the initial owner.
    uint96 public constant DEFAULT_ROYALTY_BPS = 500;

    uint256 private _nextTokenId;
    uint256 private _maxSupply;

    /// @notice The supply cap was reached: no more than `cap` tokens can exist.
    error SandboxNFTSupplyExhausted(uint256 cap);

    /// @notice A new cap is below the number of tokens already minted.
    error SandboxNFTInvalidMaxSupply(uint256 requested, uint256 minted);

    /// @notice Emitted when the owner changes the supply cap.
    event MaxSupplyChanged(uint256 previousCap, uint256 newCap);

    /// @param name_ Collection name (ERC-721 metadata).
    /// @param symbol_ Collection symbol (ERC-721 metadata).
    /// @param initialOwner Account that may mint and receives royalties.
    constructor(string memory name_, string memory symbol_, address initialOwner)
        ERC721(name_, symbol_)
        Ownable(initialOwner)
    {
        _maxSupply = DEFAULT_MAX_SUPPLY;
        _setDefaultRoyalty(initialOwner, DEFAULT_ROYALTY_BPS);
    }

    // ------------------------------------------------------------------
    // Minting
    // ------------------------------------------------------------------

    /// @notice Mints the next token id to `to` with metadata at `uri`.
    /// @dev Token ids start at 0 and increase by one.
    /// Requirements:
    /// - the caller is the owner;
    /// - fewer than `maxSupply()` tokens have been minted;
    /// - `to` is not the zero address and accepts ERC-721 tokens if it is a contract.
    /// Emits a {Transfer} event and a {MetadataUpdate} event.
    /// @param to Receiver of the new token.
    /// @param uri Token metadata URI (e.g. a `data:application/json;base64,...` URI).
    /// @return tokenId The id of the minted token.
    function mint(address to, string calldata uri) external onlyOwner returns (uint256 tokenId) {
        tokenId = _nextTokenId;
        if (tokenId >= _maxSupply) revert SandboxNFTSupplyExhausted(_maxSupply);
        unchecked {
            // Cannot overflow: tokenId < _maxSupply <= type(uint256).max.
            _nextTokenId = tokenId + 1;
        }
        _safeMint(to, tokenId);
        _setTokenURI(tokenId, uri);
    }

    /// @notice Changes the supply cap.
    /// Requirements:
    /// - the caller is the owner;
    /// - `newCap` is at least the number of tokens already minted.
    /// Emits a {MaxSupplyChanged} event.
    /// @param newCap The new maximum number of tokens.
    function setMaxSupply(uint256 newCap) external onlyOwner {
        if (newCap < _nextTokenId) revert SandboxNFTInvalidMaxSupply(newCap, _nextTokenId);
        uint256 previous = _maxSupply;
        _maxSupply = newCap;
        emit MaxSupplyChanged(previous, newCap);
    }

    /// @notice Sets the royalty paid on every token to `receiver`, `feeBps` / 10000 of the sale price.
    /// Requirements:
    /// - the caller is the owner;
    /// - `feeBps` is at most 10000 and `receiver` is not the zero address.
    /// @param receiver Account that receives royalties.
    /// @param feeBps Royalty in basis points.
    function setDefaultRoyalty(address receiver, uint96 feeBps) external onlyOwner {
        _setDefaultRoyalty(receiver, feeBps);
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    /// @notice Number of tokens minted so far (none are burned).
    function totalSupply() external view returns (uint256) {
        return _nextTokenId;
    }

    /// @notice Maximum number of tokens that can ever be minted.
    function maxSupply() external view returns (uint256) {
        return _maxSupply;
    }

    /// @inheritdoc ERC721URIStorage
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721URIStorage, ERC2981)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }
}
