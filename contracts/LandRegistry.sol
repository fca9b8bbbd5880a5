// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IERC4907} from "./interfaces/IERC4907.sol";

/// @title LandRegistry
/// @notice Metaverse land: parcels on a bounded `width` x `height` grid, one
/// ERC-721 token per (x, y) coordinate, with ERC-4907 rental (a time-limited
/// "user" who may use the land, cleared on transfer) and an escrow rental
/// market: a landlord offers a parcel at a daily price, a tenant pays
/// price x days up front and becomes its user, the land cannot change hands
/// until the rental ends, the platform takes a fee, and the landlord's share
/// is released from escrow when the rental ends (pull payments).
/// @dev Token id of (x, y) is `y * width + x`.
contract LandRegistry is ERC721, Ownable, ReentrancyGuard, IERC4907 {
    /// @notice An ERC-4907 user and when its right ends.
    struct UserInfo {
        address user;
        uint64 expires;
    }

    /// @notice A landlord's standing offer to rent out a parcel.
    struct RentalOffer {
        uint128 pricePerDay;
        uint32 maxDays;
    }

    /// @notice A paid rental: the tenant, its end, and the landlord's share held in escrow.
    struct Rental {
        address tenant;
        uint64 until;
        address landlord;
        uint256 escrowed;
    }

    /// @notice Most a platform fee may be: 10% in basis points.
    uint96 public constant MAX_FEE_BPS = 1_000;

    /// @notice Grid width (x ranges over 0 .. width-1).
    uint256 public immutable width;

    /// @notice Grid height (y ranges over 0 .. height-1).
    uint256 public immutable height;

    uint96 private _feeBps;
    address private _feeRecipient;
    uint256 private _parcels;
    mapping(uint256 tokenId => UserInfo) private _users;
    mapping(uint256 tokenId => RentalOffer) private _offers;
    mapping(uint256 tokenId => Rental) private _rentals;
    mapping(address payee => uint256 amount) private _payments;

    /// @notice (x, y) lies outside the `width` x `height` grid.
    error LandOutOfBounds(uint256 x, uint256 y, uint256 width, uint256 height);

    /// @notice The grid must have at least one cell and ids must fit in uint256.
    error LandInvalidGrid(uint256 width, uint256 height);

    /// @notice Parcel (x, y) already has an owner.
    error LandParcelTaken(uint256 x, uint256 y);

    /// @notice `tokenId` is rented until `until`; it cannot move or change user before then.
    error LandRented(uint256 tokenId, uint256 until);

    /// @notice `tokenId` has no rental offer.
    error LandNotForRent(uint256 tokenId);

    /// @notice A rental offer needs a price above zero and at least one day.
    error LandInvalidRentalOffer(uint256 pricePerDay, uint256 maxDays);

    /// @notice `days_` is not between 1 and the offer's `maxDays`.
    error LandInvalidRentalDays(uint256 days_, uint256 maxDays);

    /// @notice The ether sent (`sent`) is not the rent due (`due`).
    error LandIncorrectPayment(uint256 sent, uint256 due);

    /// @notice The landlord cannot rent its own parcel.
    error LandSelfRental(uint256 tokenId);

    /// @notice `tokenId` has no unsettled rental.
    error LandNoRental(uint256 tokenId);

    /// @notice `bps` is above MAX_FEE_BPS, or the fee recipient is the zero address.
    error LandInvalidFee(uint256 bps, address recipient);

    /// @notice `payee` has no payments to withdraw.
    error LandNothingToWithdraw(address payee);

    /// @notice Emitted when the owner of `tokenId` offered it for rent.
    event RentalOffered(uint256 indexed tokenId, address indexed landlord, uint256 pricePerDay, uint256 maxDays);

    /// @notice Emitted when the rental offer for `tokenId` was withdrawn.
    event RentalOfferCancelled(uint256 indexed tokenId);

    /// @notice Emitted when `tenant` rented `tokenId` until `until` for `paid` wei (`fee` to the platform).
    event Rented(uint256 indexed tokenId, address indexed tenant, uint256 until, uint256 paid, uint256 fee);

    /// @notice Emitted when a finished rental's escrow was credited to `landlord`.
    event RentalSettled(uint256 indexed tokenId, address indexed landlord, uint256 amount);

    /// @notice Emitted when the platform fee changed.
    event PlatformFeeChanged(uint256 bps, address recipient);

    /// @notice Emitted when `payee` withdrew `amount` wei.
    event PaymentWithdrawn(address indexed payee, uint256 amount);

    /// @param initialOwner Platform operator: mints parcels and sets the fee.
    /// @param gridWidth Grid width, at least 1.
    /// @param gridHeight Grid height, at least 1.
    /// @param feeBps Platform fee on rentals in basis points, at most MAX_FEE_BPS.
    constructor(address initialOwner, uint256 gridWidth, uint256 gridHeight, uint96 feeBps)
        ERC721("Sandbox Land", "LAND")
        Ownable(initialOwner)
    {
        if (gridWidth == 0 || gridHeight == 0 || gridWidth > type(uint128).max || gridHeight > type(uint128).max) {
            revert LandInvalidGrid(gridWidth, gridHeight);
        }
        width = gridWidth;
        height = gridHeight;
        _setPlatformFee(feeBps, initialOwner);
    }

    // ------------------------------------------------------------------
    // Parcels
    // ------------------------------------------------------------------

    /// @notice Mints parcel (x, y) to `to`.
    /// Requirements:
    /// - the caller is the owner; (x, y) is on the grid and not yet minted.
    /// Emits a {Transfer} event.
    /// @param to The parcel's first owner.
    /// @param x Column.
    /// @param y Row.
    /// @return tokenId `y * width + x`.
    function mintParcel(address to, uint256 x, uint256 y) external onlyOwner returns (uint256 tokenId) {
        tokenId = parcelId(x, y);
        if (_ownerOf(tokenId) != address(0)) revert LandParcelTaken(x, y);
        unchecked {
            // Cannot overflow: at most width * height < 2**256 parcels.
            ++_parcels;
        }
        _safeMint(to, tokenId);
    }

    /// @notice Token id of parcel (x, y).
    /// @param x Column, below `width`.
    /// @param y Row, below `height`.
    function parcelId(uint256 x, uint256 y) public view returns (uint256) {
        if (x >= width || y >= height) revert LandOutOfBounds(x, y, width, height);
        return y * width + x;
    }

    /// @notice Coordinates of parcel `tokenId`.
    /// @param tokenId An existing parcel.
    function coordinates(uint256 tokenId) external view returns (uint256 x, uint256 y) {
        _requireOwned(tokenId);
        return (tokenId % width, tokenId / width);
    }

    /// @notice Number of parcels minted.
    function totalSupply() external view returns (uint256) {
        return _parcels;
    }

    // ------------------------------------------------------------------
    // ERC-4907
    // ------------------------------------------------------------------

    /// @inheritdoc IERC4907
    /// @dev Requirements: the caller owns or is approved for `tokenId`; no escrow rental is running.
    /// Emits an {UpdateUser} event.
    function setUser(uint256 tokenId, address user, uint64 expires) external {
        _checkAuthorized(_requireOwned(tokenId), msg.sender, tokenId);
        _requireNotRented(tokenId);
        _users[tokenId] = UserInfo(user, expires);
        emit UpdateUser(tokenId, user, expires);
    }

    /// @inheritdoc IERC4907
    function userOf(uint256 tokenId) external view returns (address) {
        UserInfo memory info = _users[tokenId];
        return uint256(info.expires) >= block.timestamp ? info.user : address(0);
    }

    /// @inheritdoc IERC4907
    function userExpires(uint256 tokenId) external view returns (uint256) {
        return _users[tokenId].expires;
    }

    // ------------------------------------------------------------------
    // Escrow rental
    // ------------------------------------------------------------------

    /// @notice Offers `tokenId` for rent at `pricePerDay` wei for up to `maxDays` days.
    /// Requirements:
    /// - the caller owns `tokenId`; `pricePerDay` and `maxDays` are above zero.
    /// Emits a {RentalOffered} event.
    /// @param tokenId The parcel.
    /// @param pricePerDay Wei per day.
    /// @param maxDays Longest rental accepted.
    function offerRental(uint256 tokenId, uint128 pricePerDay, uint32 maxDays) external {
        _checkAuthorized(_requireOwned(tokenId), msg.sender, tokenId);
        if (pricePerDay == 0 || maxDays == 0) revert LandInvalidRentalOffer(pricePerDay, maxDays);
        _offers[tokenId] = RentalOffer(pricePerDay, maxDays);
        emit RentalOffered(tokenId, ownerOf(tokenId), pricePerDay, maxDays);
    }

    /// @notice Withdraws the rental offer of `tokenId` (a running rental continues).
    /// Requirements:
    /// - the caller owns or is approved for `tokenId`; it has an offer.
    /// Emits a {RentalOfferCancelled} event.
    /// @param tokenId The parcel.
    function cancelRentalOffer(uint256 tokenId) external {
        _checkAuthorized(_requireOwned(tokenId), msg.sender, tokenId);
        if (_offers[tokenId].maxDays == 0) revert LandNotForRent(tokenId);
        delete _offers[tokenId];
        emit RentalOfferCancelled(tokenId);
    }

    /// @notice The standing rental offer of `tokenId` (zeros if none).
    /// @param tokenId The parcel.
    function rentalOffer(uint256 tokenId) external view returns (RentalOffer memory) {
        return _offers[tokenId];
    }

    /// @notice The current or last unsettled rental of `tokenId` (zeros if none).
    /// @param tokenId The parcel.
    function rental(uint256 tokenId) external view returns (Rental memory) {
        return _rentals[tokenId];
    }

    /// @notice Rents `tokenId` for `days_` days, paying price x days up front; the caller becomes its ERC-4907 user.
    /// @dev The platform fee is credited at once; the landlord's share stays in escrow until {settleRental}.
    /// Requirements:
    /// - `tokenId` is offered for rent, not rented now, and the previous rental is settled;
    /// - `days_` is between 1 and the offer's `maxDays`; `msg.value` is exactly price x days;
    /// - the caller is not the landlord.
    /// Emits {UpdateUser} and {Rented} events.
    /// @param tokenId The parcel.
    /// @param days_ Rental length in days.
    function rent(uint256 tokenId, uint256 days_) external payable nonReentrant {
        address landlord = _requireOwned(tokenId);
        RentalOffer memory offer = _offers[tokenId];
        if (offer.maxDays == 0) revert LandNotForRent(tokenId);
        _requireNotRented(tokenId);
        if (_rentals[tokenId].landlord != address(0)) _settle(tokenId);
        if (days_ == 0 || days_ > offer.maxDays) revert LandInvalidRentalDays(days_, offer.maxDays);
        if (msg.sender == landlord) revert LandSelfRental(tokenId);
        uint256 due = uint256(offer.pricePerDay) * days_;
        if (msg.value != due) revert LandIncorrectPayment(msg.value, due);

        uint256 fee = due * _feeBps / 10_000;
        uint64 until = uint64(block.timestamp + days_ * 1 days);
        _rentals[tokenId] = Rental(msg.sender, until, landlord, due - fee);
        _users[tokenId] = UserInfo(msg.sender, until);
        _payments[_feeRecipient] += fee;
        emit UpdateUser(tokenId, msg.sender, until);
        emit Rented(tokenId, msg.sender, until, due, fee);
    }

    /// @notice Releases a finished rental's escrow to its landlord's payments. Anyone may call it.
    /// Requirements:
    /// - `tokenId` has an unsettled rental that has ended.
    /// Emits a {RentalSettled} event.
    /// @param tokenId The parcel.
    function settleRental(uint256 tokenId) external {
        if (_rentals[tokenId].landlord == address(0)) revert LandNoRental(tokenId);
        _requireNotRented(tokenId);
        _settle(tokenId);
    }

    /// @notice Sends the caller everything owed to it (fees, settled rent).
    /// Requirements:
    /// - the caller is owed more than zero.
    /// Emits a {PaymentWithdrawn} event.
    function withdrawPayments() external nonReentrant {
        uint256 amount = _payments[msg.sender];
        if (amount == 0) revert LandNothingToWithdraw(msg.sender);
        _payments[msg.sender] = 0;
        emit PaymentWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @notice Wei owed to `payee`.
    /// @param payee The account to ask about.
    function payments(address payee) external view returns (uint256) {
        return _payments[payee];
    }

    /// @notice Sets the platform fee on rentals and who receives it.
    /// Requirements:
    /// - the caller is the owner; `bps` is at most MAX_FEE_BPS; `recipient` is not zero.
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

    /// @notice ERC-165: ERC-721, metadata and ERC-4907.
    /// @param interfaceId The interface identifier.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC4907).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------

    function _setPlatformFee(uint96 bps, address recipient) private {
        if (bps > MAX_FEE_BPS || recipient == address(0)) revert LandInvalidFee(bps, recipient);
        _feeBps = bps;
        _feeRecipient = recipient;
        emit PlatformFeeChanged(bps, recipient);
    }

    function _requireNotRented(uint256 tokenId) private view {
        uint256 until = _rentals[tokenId].until;
        if (until > block.timestamp) revert LandRented(tokenId, until);
    }

    function _settle(uint256 tokenId) private {
        Rental memory finished = _rentals[tokenId];
        delete _rentals[tokenId];
        _payments[finished.landlord] += finished.escrowed;
        emit RentalSettled(tokenId, finished.landlord, finished.escrowed);
    }

    /// @dev Transfers wait for a running rental to end; a transfer clears the
    /// ERC-4907 user (ERC-4907) and the rental offer (the new owner sets its own).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0)) {
            _requireNotRented(tokenId);
            if (from != to) {
                if (_users[tokenId].user != address(0)) {
                    delete _users[tokenId];
                    emit UpdateUser(tokenId, address(0), 0);
                }
                if (_offers[tokenId].maxDays != 0) {
                    delete _offers[tokenId];
                    emit RentalOfferCancelled(tokenId);
                }
            }
        }
        return super._update(to, tokenId, auth);
    }
}
