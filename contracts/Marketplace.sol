// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {ERC165Checker} from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {ISaleRestricted} from "./interfaces/ISaleRestricted.sol";

/// @title Marketplace
/// @notice Fixed-price, non-custodial listings of ERC-721 and ERC-1155 tokens.
/// A sale pays the ERC-2981 royalty, a platform fee in basis points, and the
/// seller the rest, all as pull payments: the contract's balance always
/// equals what it owes, and no payee can block a sale. Tokens whose transfer
/// policy forbids a sale are refused: soulbound tokens (ERC-5192 `locked`)
/// and tokens whose collection says {ISaleRestricted-saleAllowed} is false
/// (e.g. China's gift-only digital collectibles).
/// @dev The seller keeps the token and approves this contract; the token moves
/// from seller to buyer at purchase. If the royalty and the fee together
/// exceed the price, the royalty is cut so the seller is never charged.
contract Marketplace is Ownable, ReentrancyGuard {
    /// @notice Which token standard a listing trades.
    enum Standard {
        ERC721,
        ERC1155
    }

    /// @notice A fixed-price offer; `amount` is what remains (always 1 for ERC-721).
    struct Listing {
        address seller;
        address token;
        uint256 tokenId;
        uint256 amount;
        uint256 pricePerUnit;
        Standard standard;
    }

    /// @notice Most a platform fee may be: 10% in basis points.
    uint96 public constant MAX_FEE_BPS = 1_000;

    uint96 private _feeBps;
    address private _feeRecipient;
    uint256 private _nextListingId;
    mapping(uint256 listingId => Listing) private _listings;
    mapping(address payee => uint256 amount) private _payments;

    /// @notice `token` supports neither ERC-721 nor ERC-1155 (by ERC-165).
    error MarketplaceUnsupportedToken(address token);

    /// @notice The token's transfer policy forbids selling `tokenId` (soulbound or gift-only).
    error MarketplaceSaleForbidden(address token, uint256 tokenId);

    /// @notice `seller` does not hold `amount` of `tokenId`.
    error MarketplaceNotTokenOwner(address seller, address token, uint256 tokenId, uint256 amount);

    /// @notice The marketplace is not approved to move `seller`'s `tokenId`.
    error MarketplaceNotApproved(address seller, address token, uint256 tokenId);

    /// @notice Price must be above zero; amount must be 1 for ERC-721 and above zero for ERC-1155.
    error MarketplaceInvalidListing(uint256 amount, uint256 pricePerUnit);

    /// @notice No open listing `listingId`.
    error MarketplaceUnknownListing(uint256 listingId);

    /// @notice `account` is not the seller of `listingId`.
    error MarketplaceNotSeller(address account, uint256 listingId);

    /// @notice `requested` is zero or more than the `available` units of the listing.
    error MarketplaceInvalidAmount(uint256 requested, uint256 available);

    /// @notice The ether sent (`sent`) is not the price (`price`).
    error MarketplaceIncorrectPayment(uint256 sent, uint256 price);

    /// @notice The seller cannot buy its own listing.
    error MarketplaceSelfPurchase(uint256 listingId);

    /// @notice `bps` is above MAX_FEE_BPS, or the recipient is the zero address.
    error MarketplaceInvalidFee(uint256 bps, address recipient);

    /// @notice `payee` has no payments to withdraw.
    error MarketplaceNothingToWithdraw(address payee);

    /// @notice Emitted when a listing was created.
    event Listed(
        uint256 indexed listingId,
        address indexed seller,
        address indexed token,
        uint256 tokenId,
        uint256 amount,
        uint256 pricePerUnit,
        Standard standard
    );

    /// @notice Emitted when `buyer` bought `amount` units for `price`, split into royalty, fee and the seller's proceeds.
    event Purchased(
        uint256 indexed listingId,
        address indexed buyer,
        uint256 amount,
        uint256 price,
        address royaltyReceiver,
        uint256 royalty,
        uint256 fee
    );

    /// @notice Emitted when the seller cancelled a listing.
    event ListingCancelled(uint256 indexed listingId);

    /// @notice Emitted when the platform fee changed.
    event PlatformFeeChanged(uint256 bps, address recipient);

    /// @notice Emitted when `payee` withdrew `amount` wei.
    event PaymentWithdrawn(address indexed payee, uint256 amount);

    /// @param initialOwner Platform operator; also the first fee recipient.
    /// @param feeBps Platform fee in basis points, at most MAX_FEE_BPS.
    constructor(address initialOwner, uint96 feeBps) Ownable(initialOwner) {
        _setPlatformFee(feeBps, initialOwner);
    }

    // ------------------------------------------------------------------
    // Listings
    // ------------------------------------------------------------------

    /// @notice Lists `amount` of `tokenId` of `token` at `pricePerUnit` wei each.
    /// Requirements:
    /// - `token` supports ERC-721 (then `amount` is 1) or ERC-1155 (`amount` > 0);
    /// - the caller holds the tokens and has approved this contract;
    /// - the token's transfer policy allows a sale; `pricePerUnit` > 0.
    /// Emits a {Listed} event.
    /// @param token Collection address.
    /// @param tokenId Token id.
    /// @param amount Units for sale.
    /// @param pricePerUnit Wei per unit.
    /// @return listingId The new listing's id (from 0).
    function list(address token, uint256 tokenId, uint256 amount, uint256 pricePerUnit)
        external
        returns (uint256 listingId)
    {
        Standard standard = _standardOf(token);
        if (pricePerUnit == 0 || amount == 0 || (standard == Standard.ERC721 && amount != 1)) {
            revert MarketplaceInvalidListing(amount, pricePerUnit);
        }
        _requireSaleAllowed(token, tokenId);
        _requireHeldAndApproved(msg.sender, token, tokenId, amount, standard);
        listingId = _nextListingId;
        unchecked {
            // Cannot overflow: one id per transaction, far below 2**256.
            _nextListingId = listingId + 1;
        }
        _listings[listingId] = Listing(msg.sender, token, tokenId, amount, pricePerUnit, standard);
        emit Listed(listingId, msg.sender, token, tokenId, amount, pricePerUnit, standard);
    }

    /// @notice Cancels an open listing.
    /// Requirements:
    /// - the caller is the listing's seller.
    /// Emits a {ListingCancelled} event.
    /// @param listingId The listing.
    function cancel(uint256 listingId) external {
        Listing storage listing = _openListing(listingId);
        if (listing.seller != msg.sender) revert MarketplaceNotSeller(msg.sender, listingId);
        delete _listings[listingId];
        emit ListingCancelled(listingId);
    }

    /// @notice Buys `amount` units of a listing for exactly `amount * pricePerUnit` wei.
    /// @dev Credits royalty, fee and proceeds as pull payments, then moves the
    /// token with a safe transfer (a contract buyer must accept it).
    /// Requirements:
    /// - the listing is open, `amount` is between 1 and what remains;
    /// - `msg.value` is the price; the caller is not the seller;
    /// - the sale is still allowed and the seller still holds and approves the tokens.
    /// Emits a {Purchased} event (and the token's transfer event).
    /// @param listingId The listing.
    /// @param amount Units to buy.
    function buy(uint256 listingId, uint256 amount) external payable nonReentrant {
        Listing memory listing = _openListing(listingId);
        if (amount == 0 || amount > listing.amount) revert MarketplaceInvalidAmount(amount, listing.amount);
        if (msg.sender == listing.seller) revert MarketplaceSelfPurchase(listingId);
        uint256 price = listing.pricePerUnit * amount;
        if (msg.value != price) revert MarketplaceIncorrectPayment(msg.value, price);
        _requireSaleAllowed(listing.token, listing.tokenId);
        _requireHeldAndApproved(listing.seller, listing.token, listing.tokenId, amount, listing.standard);

        if (amount == listing.amount) {
            delete _listings[listingId];
        } else {
            _listings[listingId].amount = listing.amount - amount;
        }
        uint256 fee = price * _feeBps / 10_000;
        (address royaltyReceiver, uint256 royalty) = _royalty(listing.token, listing.tokenId, price);
        if (royalty > price - fee) royalty = price - fee;
        _payments[_feeRecipient] += fee;
        _payments[royaltyReceiver] += royalty;
        _payments[listing.seller] += price - fee - royalty;
        emit Purchased(listingId, msg.sender, amount, price, royaltyReceiver, royalty, fee);

        if (listing.standard == Standard.ERC721) {
            IERC721(listing.token).safeTransferFrom(listing.seller, msg.sender, listing.tokenId);
        } else {
            IERC1155(listing.token).safeTransferFrom(listing.seller, msg.sender, listing.tokenId, amount, "");
        }
    }

    /// @notice The open listing `listingId`.
    /// @param listingId The listing.
    function listing(uint256 listingId) external view returns (Listing memory) {
        return _openListing(listingId);
    }

    /// @notice Number of listings ever created.
    function listingCount() external view returns (uint256) {
        return _nextListingId;
    }

    // ------------------------------------------------------------------
    // Payments and fees
    // ------------------------------------------------------------------

    /// @notice Sends the caller everything owed to it (proceeds, royalties, fees).
    /// Requirements:
    /// - the caller is owed more than zero.
    /// Emits a {PaymentWithdrawn} event.
    function withdrawPayments() external nonReentrant {
        uint256 amount = _payments[msg.sender];
        if (amount == 0) revert MarketplaceNothingToWithdraw(msg.sender);
        _payments[msg.sender] = 0;
        emit PaymentWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @notice Wei owed to `payee`.
    /// @param payee The account to ask about.
    function payments(address payee) external view returns (uint256) {
        return _payments[payee];
    }

    /// @notice Sets the platform fee and its recipient.
    /// Requirements:
    /// - the caller is the owner; `bps` <= MAX_FEE_BPS; `recipient` is not zero.
    /// Emits a {PlatformFeeChanged} event.
    /// @param bps Fee in basis points.
    /// @param recipient Fee recipient.
    function setPlatformFee(uint96 bps, address recipient) external onlyOwner {
        _setPlatformFee(bps, recipient);
    }

    /// @notice Platform fee in basis points and its recipient.
    function platformFee() external view returns (uint256 bps, address recipient) {
        return (_feeBps, _feeRecipient);
    }

    // ------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------

    function _setPlatformFee(uint96 bps, address recipient) private {
        if (bps > MAX_FEE_BPS || recipient == address(0)) revert MarketplaceInvalidFee(bps, recipient);
        _feeBps = bps;
        _feeRecipient = recipient;
        emit PlatformFeeChanged(bps, recipient);
    }

    function _openListing(uint256 listingId) private view returns (Listing storage open) {
        open = _listings[listingId];
        if (open.seller == address(0)) revert MarketplaceUnknownListing(listingId);
    }

    function _standardOf(address token) private view returns (Standard) {
        if (ERC165Checker.supportsInterface(token, type(IERC721).interfaceId)) return Standard.ERC721;
        if (ERC165Checker.supportsInterface(token, type(IERC1155).interfaceId)) return Standard.ERC1155;
        revert MarketplaceUnsupportedToken(token);
    }

    function _requireSaleAllowed(address token, uint256 tokenId) private view {
        if (ERC165Checker.supportsInterface(token, type(IERC5192).interfaceId) && IERC5192(token).locked(tokenId)) {
            revert MarketplaceSaleForbidden(token, tokenId);
        }
        if (
            ERC165Checker.supportsInterface(token, type(ISaleRestricted).interfaceId)
                && !ISaleRestricted(token).saleAllowed(tokenId)
        ) {
            revert MarketplaceSaleForbidden(token, tokenId);
        }
    }

    function _requireHeldAndApproved(address seller, address token, uint256 tokenId, uint256 amount, Standard standard)
        private
        view
    {
        if (standard == Standard.ERC721) {
            IERC721 nft = IERC721(token);
            if (nft.ownerOf(tokenId) != seller) revert MarketplaceNotTokenOwner(seller, token, tokenId, amount);
            if (nft.getApproved(tokenId) != address(this) && !nft.isApprovedForAll(seller, address(this))) {
                revert MarketplaceNotApproved(seller, token, tokenId);
            }
        } else {
            IERC1155 multi = IERC1155(token);
            if (multi.balanceOf(seller, tokenId) < amount) {
                revert MarketplaceNotTokenOwner(seller, token, tokenId, amount);
            }
            if (!multi.isApprovedForAll(seller, address(this))) revert MarketplaceNotApproved(seller, token, tokenId);
        }
    }

    function _royalty(address token, uint256 tokenId, uint256 price) private view returns (address, uint256) {
        if (!ERC165Checker.supportsInterface(token, type(IERC2981).interfaceId)) return (address(0), 0);
        (address receiver, uint256 amount) = IERC2981(token).royaltyInfo(tokenId, price);
        if (receiver == address(0)) return (address(0), 0);
        return (receiver, amount);
    }
}
