// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155Supply} from "@openzeppelin/contracts/token/ERC1155/extensions/ERC1155Supply.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Editions
/// @notice Multi-copy collectibles and tourism passes on ERC-1155: the owner
/// creates an edition with a supply cap and mints copies up to it; an
/// edition may carry a perk (a museum visit, a scenic-spot entry) that its
/// holder redeems by burning copies; ERC-2981 royalties (5% to the initial
/// owner by default).
/// @dev Metadata follows ERC-1155: `uri(id)` returns one template containing
/// `{id}`, which clients replace with the id as 64 lowercase hex digits.
contract Editions is ERC1155Supply, ERC2981, Ownable {
    /// @notice An edition's supply cap and whether copies can be redeemed.
    struct Edition {
        uint256 maxSupply;
        bool redeemable;
    }

    /// @notice Default royalty: 5% in basis points, paid to the initial owner.
    uint96 public constant DEFAULT_ROYALTY_BPS = 500;

    uint256 private _nextId;
    mapping(uint256 id => Edition) private _editions;
    mapping(address holder => mapping(uint256 id => uint256 count)) private _redeemed;

    /// @notice `id` has not been created.
    error EditionsUnknownId(uint256 id);

    /// @notice Minting `requested` copies of `id` would pass its cap; `available` remain.
    error EditionsSupplyExceeded(uint256 id, uint256 requested, uint256 available);

    /// @notice An edition needs a cap of at least one copy.
    error EditionsInvalidMaxSupply(uint256 maxSupply);

    /// @notice `id` carries no perk to redeem.
    error EditionsNotRedeemable(uint256 id);

    /// @notice Redeeming needs at least one copy.
    error EditionsInvalidAmount(uint256 amount);

    /// @notice Emitted when edition `id` was created.
    event EditionCreated(uint256 indexed id, uint256 maxSupply, bool redeemable);

    /// @notice Emitted when `holder` redeemed `amount` copies of `id` (burned).
    event PerkRedeemed(address indexed holder, uint256 indexed id, uint256 amount);

    /// @param uriTemplate Metadata URI template with `{id}` (e.g. `ipfs://.../{id}.json`).
    /// @param initialOwner Creates editions, mints, and receives royalties.
    constructor(string memory uriTemplate, address initialOwner) ERC1155(uriTemplate) Ownable(initialOwner) {
        _setDefaultRoyalty(initialOwner, DEFAULT_ROYALTY_BPS);
    }

    /// @notice Creates an edition; ids start at 0.
    /// Requirements:
    /// - the caller is the owner; `maxSupply` is at least 1.
    /// Emits an {EditionCreated} event.
    /// @param maxSupply Most copies that can ever exist.
    /// @param redeemable Whether holders can redeem a perk by burning copies.
    /// @return id The new edition's id.
    function createEdition(uint256 maxSupply, bool redeemable) external onlyOwner returns (uint256 id) {
        if (maxSupply == 0) revert EditionsInvalidMaxSupply(maxSupply);
        id = _nextId;
        unchecked {
            // Cannot overflow: one id per transaction, far below 2**256.
            _nextId = id + 1;
        }
        _editions[id] = Edition(maxSupply, redeemable);
        emit EditionCreated(id, maxSupply, redeemable);
    }

    /// @notice Mints `amount` copies of edition `id` to `to`.
    /// Requirements:
    /// - the caller is the owner; `id` exists; the cap is not passed;
    /// - `to` is not zero and accepts ERC-1155 tokens if it is a contract.
    /// Emits a {TransferSingle} event.
    /// @param to Receiver.
    /// @param id Edition id.
    /// @param amount Number of copies.
    function mint(address to, uint256 id, uint256 amount) external onlyOwner {
        uint256 cap = _editionOf(id).maxSupply;
        uint256 available = cap - totalSupply(id);
        if (amount > available) revert EditionsSupplyExceeded(id, amount, available);
        _mint(to, id, amount, "");
    }

    /// @notice Burns `amount` of the caller's copies of `id` to redeem its perk.
    /// Requirements:
    /// - `id` exists and is redeemable; `amount` > 0; the caller holds `amount` copies.
    /// Emits {TransferSingle} and {PerkRedeemed} events.
    /// @param id Edition id.
    /// @param amount Copies to redeem.
    function redeem(uint256 id, uint256 amount) external {
        if (!_editionOf(id).redeemable) revert EditionsNotRedeemable(id);
        if (amount == 0) revert EditionsInvalidAmount(amount);
        _burn(msg.sender, id, amount);
        _redeemed[msg.sender][id] += amount;
        emit PerkRedeemed(msg.sender, id, amount);
    }

    /// @notice Sets the metadata URI template (with `{id}`).
    /// Requirements:
    /// - the caller is the owner.
    /// @param uriTemplate The new template.
    function setURI(string calldata uriTemplate) external onlyOwner {
        _setURI(uriTemplate);
    }

    /// @notice Sets the royalty on every edition.
    /// Requirements:
    /// - the caller is the owner; `feeBps` <= 10000; `receiver` is not zero.
    /// @param receiver Royalty receiver.
    /// @param feeBps Royalty in basis points.
    function setDefaultRoyalty(address receiver, uint96 feeBps) external onlyOwner {
        _setDefaultRoyalty(receiver, feeBps);
    }

    /// @notice Supply cap and redeemability of edition `id`.
    /// @param id An existing edition.
    function edition(uint256 id) external view returns (Edition memory) {
        return _editionOf(id);
    }

    /// @notice Number of editions created.
    function editionCount() external view returns (uint256) {
        return _nextId;
    }

    /// @notice Copies of `id` that `holder` has redeemed.
    /// @param holder The account.
    /// @param id Edition id.
    function redeemed(address holder, uint256 id) external view returns (uint256) {
        return _redeemed[holder][id];
    }

    /// @notice ERC-165: ERC-1155, its metadata URI extension, and ERC-2981.
    /// @param interfaceId The interface identifier.
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, ERC2981) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _editionOf(uint256 id) private view returns (Edition storage info) {
        info = _editions[id];
        if (info.maxSupply == 0) revert EditionsUnknownId(id);
    }
}
