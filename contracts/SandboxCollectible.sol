// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {ISaleRestricted} from "./interfaces/ISaleRestricted.sol";

/// @title SandboxCollectible
/// @notice A digital-collectible ERC-721 with the rules real collectible
/// platforms use: owner airdrops, a public sale at a fixed price, an
/// allowlist sale by Merkle proof, a per-wallet cap on self-service mints,
/// pull-payment withdrawal of the proceeds, pause, ERC-2981 royalties, and a
/// transfer policy fixed at deployment:
/// - `Free`: ordinary ERC-721 transfers and resale;
/// - `GiftOnlyAfterHold`: China's digital-collectible rule. A token cannot
///   move until its current holder has held it for `minHoldSeconds`, counted
///   from when it arrived; it may then be given away but never sold on a
///   marketplace ({saleAllowed} is false);
/// - `Soulbound`: ERC-5192. `Locked` is emitted at mint and every transfer reverts.
/// @dev `SandboxNFT` is this contract with the `Free` policy and the original
/// three-argument constructor. Everything standard comes from OpenZeppelin 5.
/// Allowlist leaves are OpenZeppelin StandardMerkleTree leaves of one
/// `address`: `keccak256(bytes.concat(keccak256(abi.encode(account))))`.
contract SandboxCollectible is ERC721URIStorage, ERC2981, Ownable, Pausable, ReentrancyGuard, IERC5192, ISaleRestricted {
    /// @notice How tokens of a collection may move between holders.
    enum TransferPolicy {
        Free,
        GiftOnlyAfterHold,
        Soulbound
    }

    /// @notice Default supply cap set at deployment.
    uint256 public constant DEFAULT_MAX_SUPPLY = 10_000;

    /// @notice Default royalty: 5% in basis points, paid to the initial owner.
    uint96 public constant DEFAULT_ROYALTY_BPS = 500;

    /// @notice The transfer policy chosen at deployment.
    TransferPolicy public immutable transferPolicy;

    /// @notice Seconds a holder must keep a token before it can move (GiftOnlyAfterHold only).
    uint256 public immutable minHoldSeconds;

    uint256 private _nextTokenId;
    uint256 private _maxSupply;
    uint256 private _mintPrice;
    uint256 private _walletCap;
    bytes32 private _allowlistRoot;
    bool private _publicSaleOpen;
    mapping(address wallet => uint256 count) private _selfMinted;
    mapping(uint256 tokenId => uint256 timestamp) private _receivedAt;
    mapping(address payee => uint256 amount) private _payments;

    // ------------------------------------------------------------------
    // Errors and events
    // ------------------------------------------------------------------

    /// @notice The supply cap was reached: no more than `cap` tokens can exist.
    error SandboxNFTSupplyExhausted(uint256 cap);

    /// @notice A new cap is below the number of tokens already minted.
    error SandboxNFTInvalidMaxSupply(uint256 requested, uint256 minted);

    /// @notice `wallet` already minted `cap` tokens itself (public or allowlist sale).
    error SandboxNFTWalletCapReached(address wallet, uint256 cap);

    /// @notice The public sale is closed.
    error SandboxNFTPublicSaleClosed();

    /// @notice `account` is not on the allowlist (bad proof, or no allowlist set).
    error SandboxNFTNotAllowlisted(address account);

    /// @notice The ether sent (`sent`) is not the mint price (`price`).
    error SandboxNFTIncorrectPayment(uint256 sent, uint256 price);

    /// @notice `payee` has no payments to withdraw.
    error SandboxNFTNothingToWithdraw(address payee);

    /// @notice `tokenId` is soulbound and can never be transferred.
    error SandboxNFTSoulbound(uint256 tokenId);

    /// @notice `tokenId` is still in its holding period and cannot move before `transferableAt`.
    error SandboxNFTHoldPeriodActive(uint256 tokenId, uint256 transferableAt);

    /// @notice A holding period was given for a policy other than GiftOnlyAfterHold, or none for it.
    error SandboxNFTInvalidHoldPeriod(TransferPolicy policy, uint256 minHoldSeconds);

    /// @notice Emitted when the owner changes the supply cap.
    event MaxSupplyChanged(uint256 previousCap, uint256 newCap);

    /// @notice Emitted when the owner changes the sale terms.
    event SaleConfigured(uint256 price, uint256 walletCap, bool publicSaleOpen);

    /// @notice Emitted when the owner sets the allowlist's Merkle root.
    event AllowlistRootChanged(bytes32 previousRoot, bytes32 newRoot);

    /// @notice Emitted when a mint payment is credited to `payee`.
    event PaymentDeposited(address indexed payee, uint256 amount);

    /// @notice Emitted when `payee` withdrew `amount` wei.
    event PaymentWithdrawn(address indexed payee, uint256 amount);

    /// @param name_ Collection name (ERC-721 metadata).
    /// @param symbol_ Collection symbol (ERC-721 metadata).
    /// @param initialOwner Account that may mint, configure the sale, and receives royalties and proceeds.
    /// @param policy Transfer policy, fixed for the collection's life.
    /// @param holdSeconds Minimum holding time for `GiftOnlyAfterHold` (must be > 0), else 0.
    constructor(
        string memory name_,
        string memory symbol_,
        address initialOwner,
        TransferPolicy policy,
        uint256 holdSeconds
    ) ERC721(name_, symbol_) Ownable(initialOwner) {
        if ((policy == TransferPolicy.GiftOnlyAfterHold) != (holdSeconds > 0)) {
            revert SandboxNFTInvalidHoldPeriod(policy, holdSeconds);
        }
        transferPolicy = policy;
        minHoldSeconds = holdSeconds;
        _maxSupply = DEFAULT_MAX_SUPPLY;
        _setDefaultRoyalty(initialOwner, DEFAULT_ROYALTY_BPS);
    }

    // ------------------------------------------------------------------
    // Minting
    // ------------------------------------------------------------------

    /// @notice Mints the next token id to `to` with metadata at `uri` (an airdrop: free, no wallet cap).
    /// @dev Token ids start at 0 and increase by one.
    /// Requirements:
    /// - the caller is the owner; the contract is not paused;
    /// - fewer than `maxSupply()` tokens have been minted;
    /// - `to` is not the zero address and accepts ERC-721 tokens if it is a contract.
    /// Emits a {Transfer} event, a {MetadataUpdate} event, and {Locked} when soulbound.
    /// @param to Receiver of the new token.
    /// @param uri Token metadata URI (e.g. a `data:application/json;base64,...` URI).
    /// @return tokenId The id of the minted token.
    function mint(address to, string calldata uri) external onlyOwner returns (uint256 tokenId) {
        return _mintNext(to, uri);
    }

    /// @notice Buys one token in the public sale, for `mintPrice()` wei.
    /// Requirements:
    /// - the public sale is open and the contract is not paused;
    /// - `msg.value` equals `mintPrice()`;
    /// - the caller has minted fewer than `walletCap()` tokens itself (0 means no cap);
    /// - supply remains.
    /// Emits {Transfer}, {MetadataUpdate} and {PaymentDeposited} events.
    /// @param uri Token metadata URI.
    /// @return tokenId The id of the minted token.
    function publicMint(string calldata uri) external payable returns (uint256 tokenId) {
        if (!_publicSaleOpen) revert SandboxNFTPublicSaleClosed();
        return _sell(uri);
    }

    /// @notice Buys one token as an allowlisted account, for `mintPrice()` wei, whether or not the public sale is open.
    /// Requirements:
    /// - `proof` shows the caller is a leaf of the allowlist tree whose root is `allowlistRoot()`;
    /// - the same payment, wallet cap and supply rules as {publicMint}.
    /// Emits {Transfer}, {MetadataUpdate} and {PaymentDeposited} events.
    /// @param uri Token metadata URI.
    /// @param proof Merkle proof of the caller's leaf.
    /// @return tokenId The id of the minted token.
    function allowlistMint(string calldata uri, bytes32[] calldata proof) external payable returns (uint256 tokenId) {
        bytes32 root = _allowlistRoot;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(msg.sender))));
        if (root == bytes32(0) || !MerkleProof.verifyCalldata(proof, root, leaf)) {
            revert SandboxNFTNotAllowlisted(msg.sender);
        }
        return _sell(uri);
    }

    // ------------------------------------------------------------------
    // Pull payments
    // ------------------------------------------------------------------

    /// @notice Sends `payee` everything owed to it. Anyone may trigger it; the ether always goes to `payee`.
    /// @dev Checks-effects-interactions plus a reentrancy guard; a payee that
    /// rejects ether keeps its balance and can retry.
    /// Requirements:
    /// - `payee` is owed more than zero.
    /// Emits a {PaymentWithdrawn} event.
    /// @param payee The account to pay.
    function withdrawPayments(address payable payee) external nonReentrant {
        uint256 amount = _payments[payee];
        if (amount == 0) revert SandboxNFTNothingToWithdraw(payee);
        _payments[payee] = 0;
        emit PaymentWithdrawn(payee, amount);
        Address.sendValue(payee, amount);
    }

    /// @notice Wei owed to `payee` and not withdrawn yet.
    /// @param payee The account to ask about.
    function payments(address payee) external view returns (uint256) {
        return _payments[payee];
    }

    // ------------------------------------------------------------------
    // Owner configuration
    // ------------------------------------------------------------------

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

    /// @notice Sets the sale terms for {publicMint} and {allowlistMint}.
    /// Requirements:
    /// - the caller is the owner.
    /// Emits a {SaleConfigured} event.
    /// @param price Wei per token.
    /// @param cap Most tokens one wallet may mint itself; 0 means no cap.
    /// @param open Whether {publicMint} is open.
    function configureSale(uint256 price, uint256 cap, bool open) external onlyOwner {
        _mintPrice = price;
        _walletCap = cap;
        _publicSaleOpen = open;
        emit SaleConfigured(price, cap, open);
    }

    /// @notice Sets the Merkle root of the allowlist; zero disables {allowlistMint}.
    /// Requirements:
    /// - the caller is the owner.
    /// Emits an {AllowlistRootChanged} event.
    /// @param root Root of an OpenZeppelin StandardMerkleTree of `address` leaves.
    function setAllowlistRoot(bytes32 root) external onlyOwner {
        bytes32 previous = _allowlistRoot;
        _allowlistRoot = root;
        emit AllowlistRootChanged(previous, root);
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

    /// @notice Stops minting and every transfer.
    /// Requirements:
    /// - the caller is the owner; the contract is not paused.
    /// Emits a {Paused} event.
    function pause() external onlyOwner {
        _pause();
    }

    /// @notice Resumes minting and transfers.
    /// Requirements:
    /// - the caller is the owner; the contract is paused.
    /// Emits an {Unpaused} event.
    function unpause() external onlyOwner {
        _unpause();
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

    /// @notice Wei per token in the public and allowlist sales.
    function mintPrice() external view returns (uint256) {
        return _mintPrice;
    }

    /// @notice Most tokens one wallet may mint itself; 0 means no cap.
    function walletCap() external view returns (uint256) {
        return _walletCap;
    }

    /// @notice Whether {publicMint} is open.
    function publicSaleOpen() external view returns (bool) {
        return _publicSaleOpen;
    }

    /// @notice Merkle root of the allowlist (zero: no allowlist sale).
    function allowlistRoot() external view returns (bytes32) {
        return _allowlistRoot;
    }

    /// @notice Tokens `wallet` minted itself through {publicMint} and {allowlistMint}.
    /// @param wallet The account to ask about.
    function mintedBy(address wallet) external view returns (uint256) {
        return _selfMinted[wallet];
    }

    /// @notice Earliest timestamp at which `tokenId` may move; `type(uint256).max` if never (soulbound).
    /// @param tokenId An existing token.
    function transferableAt(uint256 tokenId) public view returns (uint256) {
        _requireOwned(tokenId);
        if (transferPolicy == TransferPolicy.Soulbound) return type(uint256).max;
        if (transferPolicy == TransferPolicy.GiftOnlyAfterHold) return _receivedAt[tokenId] + minHoldSeconds;
        return 0;
    }

    /// @inheritdoc IERC5192
    /// @dev True for every token of a `Soulbound` collection, false otherwise.
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return transferPolicy == TransferPolicy.Soulbound;
    }

    /// @inheritdoc ISaleRestricted
    /// @dev Only `Free` collections may be resold; `GiftOnlyAfterHold` tokens may only be given.
    function saleAllowed(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return transferPolicy == TransferPolicy.Free;
    }

    /// @notice ERC-165: ERC-721, ERC-721 metadata, ERC-4906, ERC-2981,
    /// ISaleRestricted, and ERC-5192 for soulbound collections.
    /// @param interfaceId The interface identifier.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        virtual
        override(ERC721URIStorage, ERC2981)
        returns (bool)
    {
        if (interfaceId == type(IERC5192).interfaceId) return transferPolicy == TransferPolicy.Soulbound;
        return interfaceId == type(ISaleRestricted).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------

    function _sell(string calldata uri) private returns (uint256 tokenId) {
        uint256 price = _mintPrice;
        if (msg.value != price) revert SandboxNFTIncorrectPayment(msg.value, price);
        uint256 cap = _walletCap;
        uint256 minted = _selfMinted[msg.sender];
        if (cap != 0 && minted >= cap) revert SandboxNFTWalletCapReached(msg.sender, cap);
        unchecked {
            // Cannot overflow: minted < cap, or minted counts tokens and tokens <= _maxSupply.
            _selfMinted[msg.sender] = minted + 1;
        }
        if (price > 0) {
            address payee = owner();
            _payments[payee] += price;
            emit PaymentDeposited(payee, price);
        }
        return _mintNext(msg.sender, uri);
    }

    function _mintNext(address to, string calldata uri) private returns (uint256 tokenId) {
        tokenId = _nextTokenId;
        if (tokenId >= _maxSupply) revert SandboxNFTSupplyExhausted(_maxSupply);
        unchecked {
            // Cannot overflow: tokenId < _maxSupply <= type(uint256).max.
            _nextTokenId = tokenId + 1;
        }
        _safeMint(to, tokenId);
        _setTokenURI(tokenId, uri);
        if (transferPolicy == TransferPolicy.Soulbound) emit Locked(tokenId);
    }

    /// @dev Every mint and transfer passes here: pause, the transfer policy,
    /// and the arrival time that starts a holding period.
    function _update(address to, uint256 tokenId, address auth) internal virtual override whenNotPaused returns (address from) {
        from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) {
            if (transferPolicy == TransferPolicy.Soulbound) revert SandboxNFTSoulbound(tokenId);
            if (transferPolicy == TransferPolicy.GiftOnlyAfterHold) {
                uint256 unlocksAt = _receivedAt[tokenId] + minHoldSeconds;
                if (block.timestamp < unlocksAt) revert SandboxNFTHoldPeriodActive(tokenId, unlocksAt);
            }
        }
        // Only a holding period needs the arrival time; other policies save the storage write.
        if (transferPolicy == TransferPolicy.GiftOnlyAfterHold) _receivedAt[tokenId] = block.timestamp;
        return super._update(to, tokenId, auth);
    }
}
