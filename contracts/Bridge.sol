// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title BridgedNFT
/// @notice The wrapped copy of an NFT from another chain, minted and burned only by its {Bridge}.
/// @dev Wrapped id = `uint256(keccak256(abi.encode(sourceChainId, token, tokenId)))`.
contract BridgedNFT is ERC721 {
    /// @notice Where a wrapped token comes from.
    struct Origin {
        uint256 chainId;
        address token;
        uint256 tokenId;
    }

    /// @notice The bridge that deployed this collection.
    address public immutable bridge;

    mapping(uint256 wrappedId => Origin) private _origins;

    /// @notice Only the bridge may mint and burn; `account` is not it.
    error BridgedNFTUnauthorized(address account);

    constructor() ERC721("Sandbox Bridged NFT", "bNFT") {
        bridge = msg.sender;
    }

    /// @notice Mints the wrapped copy of (`chainId`, `token`, `tokenId`) to `to`.
    /// Requirements:
    /// - the caller is the bridge; `to` accepts ERC-721 tokens.
    /// Emits a {Transfer} event.
    /// @param to Receiver.
    /// @param origin The original token.
    /// @return wrappedId The wrapped token's id.
    function mint(address to, Origin calldata origin) external returns (uint256 wrappedId) {
        if (msg.sender != bridge) revert BridgedNFTUnauthorized(msg.sender);
        wrappedId = wrappedIdOf(origin.chainId, origin.token, origin.tokenId);
        _origins[wrappedId] = origin;
        _safeMint(to, wrappedId);
    }

    /// @notice Burns `wrappedId` on behalf of `spender` (its owner or an approved account).
    /// Requirements:
    /// - the caller is the bridge; `spender` may move `wrappedId`.
    /// Emits a {Transfer} event.
    /// @param spender The account asking the bridge to burn.
    /// @param wrappedId The wrapped token.
    /// @return origin Where the token comes from.
    function burn(address spender, uint256 wrappedId) external returns (Origin memory origin) {
        if (msg.sender != bridge) revert BridgedNFTUnauthorized(msg.sender);
        origin = _origins[wrappedId];
        _update(address(0), wrappedId, spender);
        delete _origins[wrappedId];
    }

    /// @notice Where wrapped token `wrappedId` comes from.
    /// @param wrappedId An existing wrapped token.
    function origin(uint256 wrappedId) external view returns (Origin memory) {
        _requireOwned(wrappedId);
        return _origins[wrappedId];
    }

    /// @notice The wrapped id of (`chainId`, `token`, `tokenId`).
    /// @param chainId Source chain.
    /// @param token Source collection.
    /// @param tokenId Source token id.
    function wrappedIdOf(uint256 chainId, address token, uint256 tokenId) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(chainId, token, tokenId)));
    }
}

/// @title Bridge
/// @notice Moves NFTs between two chains with a trusted relayer. On the
/// source chain a holder locks the NFT in the bridge; the relayer signs an
/// EIP-712 `Mint` message (source and destination chain ids, nonce, token,
/// recipient) and anyone submits it to the bridge on the destination chain,
/// which mints the wrapped token ({BridgedNFT}). Burning the wrapped token
/// there lets the relayer sign a `Release`, which returns the original on
/// the source chain. Every message works once, on its destination chain only.
/// @dev The same contract runs on both chains. The EIP-712 domain (name
/// "SandboxBridge", version "1") binds a signature to one chain and one
/// bridge address; the explicit chain checks give a clear error first. The
/// bridge has no `onERC721Received` on purpose: {lock} pulls tokens with
/// `transferFrom`, and a token safe-transferred here by mistake is refused
/// instead of being stuck with no lock record.
contract Bridge is AccessControl, ReentrancyGuard, EIP712 {
    /// @notice A relayer-signed instruction: mint on, or release to, `destinationChainId`.
    struct Message {
        uint256 sourceChainId;
        uint256 destinationChainId;
        uint256 nonce;
        address token;
        uint256 tokenId;
        address recipient;
    }

    /// @notice Role of the relayers whose signatures the bridge accepts.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");

    /// @notice EIP-712 type hash of a mint message (original token locked on the source chain).
    bytes32 public constant MINT_TYPEHASH = keccak256(
        "Mint(uint256 sourceChainId,uint256 destinationChainId,uint256 nonce,address token,uint256 tokenId,address recipient)"
    );

    /// @notice EIP-712 type hash of a release message (wrapped token burned on the source chain).
    bytes32 public constant RELEASE_TYPEHASH = keccak256(
        "Release(uint256 sourceChainId,uint256 destinationChainId,uint256 nonce,address token,uint256 tokenId,address recipient)"
    );

    /// @notice The wrapped-token collection of this bridge.
    BridgedNFT public immutable wrapped;

    uint256 private _nextNonce;
    mapping(bytes32 digest => bool done) private _processed;
    mapping(address token => mapping(uint256 tokenId => uint256 chainId)) private _lockedTo;

    /// @notice The message is for chain `destinationChainId`, but this is chain `currentChainId`.
    error BridgeWrongChain(uint256 destinationChainId, uint256 currentChainId);

    /// @notice A token cannot be bridged to the chain it is on (`chainId`).
    error BridgeInvalidDestination(uint256 chainId);

    /// @notice `recipient` is the zero address.
    error BridgeInvalidRecipient(address recipient);

    /// @notice The message with EIP-712 digest `digest` was already processed (a replay).
    error BridgeMessageAlreadyProcessed(bytes32 digest);

    /// @notice The signature recovers to `signer`, who is not a relayer.
    error BridgeInvalidSignature(address signer);

    /// @notice `account` neither owns `tokenId` of `token` nor is approved for it.
    error BridgeUnauthorizedLocker(address account, address token, uint256 tokenId);

    /// @notice `tokenId` of `token` is not locked here for chain `chainId`.
    error BridgeTokenNotLocked(address token, uint256 tokenId, uint256 chainId);

    /// @notice Emitted when a holder locked `tokenId` of `token` for `recipient` on `destinationChainId`.
    event TokenLocked(
        uint256 indexed nonce,
        address indexed token,
        uint256 tokenId,
        address from,
        uint256 destinationChainId,
        address recipient
    );

    /// @notice Emitted when a relayer's mint message created wrapped token `wrappedId`.
    event WrappedMinted(
        bytes32 indexed digest, uint256 indexed wrappedId, uint256 sourceChainId, uint256 nonce, address recipient
    );

    /// @notice Emitted when a holder burned wrapped token `wrappedId` to release the original to `recipient`.
    event WrappedBurned(
        uint256 indexed nonce,
        uint256 indexed wrappedId,
        uint256 sourceChainId,
        address token,
        uint256 tokenId,
        address from,
        address recipient
    );

    /// @notice Emitted when a relayer's release message returned `tokenId` of `token` to `recipient`.
    event TokenReleased(bytes32 indexed digest, address indexed token, uint256 tokenId, address recipient);

    /// @param admin Account that manages relayers (DEFAULT_ADMIN_ROLE).
    /// @param relayer First relayer.
    constructor(address admin, address relayer) EIP712("SandboxBridge", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(RELAYER_ROLE, relayer);
        wrapped = new BridgedNFT();
    }

    // ------------------------------------------------------------------
    // Source chain: lock and release
    // ------------------------------------------------------------------

    /// @notice Locks `tokenId` of `token` here so `recipient` can receive its wrapped copy on `destinationChainId`.
    /// Requirements:
    /// - the caller owns the token (or is approved) and has approved this bridge;
    /// - `destinationChainId` is not this chain; `recipient` is not zero.
    /// Emits a {TokenLocked} event.
    /// @param token Collection.
    /// @param tokenId Token id.
    /// @param destinationChainId Chain to mint the wrapped token on.
    /// @param recipient Receiver of the wrapped token.
    /// @return nonce The lock's nonce (part of the relayer's message).
    function lock(address token, uint256 tokenId, uint256 destinationChainId, address recipient)
        external
        nonReentrant
        returns (uint256 nonce)
    {
        if (destinationChainId == block.chainid) revert BridgeInvalidDestination(destinationChainId);
        if (recipient == address(0)) revert BridgeInvalidRecipient(recipient);
        address holder = IERC721(token).ownerOf(tokenId);
        if (
            holder != msg.sender && IERC721(token).getApproved(tokenId) != msg.sender
                && !IERC721(token).isApprovedForAll(holder, msg.sender)
        ) revert BridgeUnauthorizedLocker(msg.sender, token, tokenId);
        nonce = _nextNonce;
        unchecked {
            // Cannot overflow: one nonce per transaction, far below 2**256.
            _nextNonce = nonce + 1;
        }
        _lockedTo[token][tokenId] = destinationChainId;
        emit TokenLocked(nonce, token, tokenId, holder, destinationChainId, recipient);
        IERC721(token).transferFrom(holder, address(this), tokenId);
    }

    /// @notice Returns a locked original to the recipient named in a relayer-signed release.
    /// Requirements:
    /// - `message.destinationChainId` is this chain and the message was not processed;
    /// - `signature` is a relayer's EIP-712 signature of the `Release` message;
    /// - the token is locked here for `message.sourceChainId`.
    /// Emits a {TokenReleased} event.
    /// @param message The release message.
    /// @param signature The relayer's 65-byte signature.
    function release(Message calldata message, bytes calldata signature) external nonReentrant {
        bytes32 digest = _accept(RELEASE_TYPEHASH, message, signature);
        if (_lockedTo[message.token][message.tokenId] != message.sourceChainId) {
            revert BridgeTokenNotLocked(message.token, message.tokenId, message.sourceChainId);
        }
        delete _lockedTo[message.token][message.tokenId];
        emit TokenReleased(digest, message.token, message.tokenId, message.recipient);
        IERC721(message.token).safeTransferFrom(address(this), message.recipient, message.tokenId);
    }

    // ------------------------------------------------------------------
    // Destination chain: mint and burn
    // ------------------------------------------------------------------

    /// @notice Mints the wrapped token named in a relayer-signed mint message.
    /// Requirements:
    /// - `message.destinationChainId` is this chain and the message was not processed;
    /// - `signature` is a relayer's EIP-712 signature of the `Mint` message.
    /// Emits {Transfer} and {WrappedMinted} events.
    /// @param message The mint message.
    /// @param signature The relayer's 65-byte signature.
    /// @return wrappedId The wrapped token's id.
    function mintWrapped(Message calldata message, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 wrappedId)
    {
        bytes32 digest = _accept(MINT_TYPEHASH, message, signature);
        wrappedId = wrapped.mint(
            message.recipient, BridgedNFT.Origin(message.sourceChainId, message.token, message.tokenId)
        );
        emit WrappedMinted(digest, wrappedId, message.sourceChainId, message.nonce, message.recipient);
    }

    /// @notice Burns wrapped token `wrappedId` so the relayer can release the original to `recipient`.
    /// Requirements:
    /// - the caller owns `wrappedId` or is approved for it; `recipient` is not zero.
    /// Emits {Transfer} and {WrappedBurned} events.
    /// @param wrappedId The wrapped token.
    /// @param recipient Receiver of the original on its home chain.
    /// @return nonce The burn's nonce (part of the relayer's message).
    function burnWrapped(uint256 wrappedId, address recipient) external nonReentrant returns (uint256 nonce) {
        if (recipient == address(0)) revert BridgeInvalidRecipient(recipient);
        BridgedNFT.Origin memory origin = wrapped.burn(msg.sender, wrappedId);
        nonce = _nextNonce;
        unchecked {
            // Cannot overflow: one nonce per transaction, far below 2**256.
            _nextNonce = nonce + 1;
        }
        emit WrappedBurned(nonce, wrappedId, origin.chainId, origin.token, origin.tokenId, msg.sender, recipient);
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    /// @notice The EIP-712 digest a relayer signs for `message` (`typeHash` MINT_TYPEHASH or RELEASE_TYPEHASH).
    /// @param typeHash Which kind of message.
    /// @param message The message.
    function messageDigest(bytes32 typeHash, Message calldata message) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    typeHash,
                    message.sourceChainId,
                    message.destinationChainId,
                    message.nonce,
                    message.token,
                    message.tokenId,
                    message.recipient
                )
            )
        );
    }

    /// @notice Whether the message with `digest` was processed.
    /// @param digest An EIP-712 digest from {messageDigest}.
    function processed(bytes32 digest) external view returns (bool) {
        return _processed[digest];
    }

    /// @notice The chain `tokenId` of `token` is locked for (0 if not locked here).
    /// @param token Collection.
    /// @param tokenId Token id.
    function lockedTo(address token, uint256 tokenId) external view returns (uint256) {
        return _lockedTo[token][tokenId];
    }

    /// @notice Number of locks and burns so far (the next nonce).
    function nextNonce() external view returns (uint256) {
        return _nextNonce;
    }

    // ------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------

    function _accept(bytes32 typeHash, Message calldata message, bytes calldata signature)
        private
        returns (bytes32 digest)
    {
        if (message.destinationChainId != block.chainid) {
            revert BridgeWrongChain(message.destinationChainId, block.chainid);
        }
        if (message.recipient == address(0)) revert BridgeInvalidRecipient(message.recipient);
        digest = messageDigest(typeHash, message);
        if (_processed[digest]) revert BridgeMessageAlreadyProcessed(digest);
        (address signer,,) = ECDSA.tryRecover(digest, signature);
        if (!hasRole(RELAYER_ROLE, signer)) revert BridgeInvalidSignature(signer);
        _processed[digest] = true;
    }
}
