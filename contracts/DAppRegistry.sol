// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title DAppRegistry
/// @notice A directory of DApps and NFT collections: each entry has a unique
/// name, a contract address, a metadata URI and a category, and an owner who
/// can update it or hand it over. Registrars (a role) mark entries verified;
/// changing an entry's contract address clears the mark. Events index every
/// change, and entries can be listed by category page by page.
/// @dev Names are unique byte-for-byte (1 to 64 bytes); categories (1 to 32
/// bytes) are keyed by their keccak256. Ids start at 0.
contract DAppRegistry is AccessControl {
    /// @notice One registered DApp or collection.
    struct Entry {
        uint256 id;
        string name;
        address contractAddress;
        string metadataURI;
        string category;
        address owner;
        bool verified;
        uint64 registeredAt;
    }

    /// @notice Role of accounts that verify entries.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @notice Most entries one {listByCategory} call returns.
    uint256 public constant MAX_PAGE = 100;

    Entry[] private _entries;
    mapping(bytes32 nameHash => uint256 idPlusOne) private _idByName;
    mapping(bytes32 categoryHash => uint256[] ids) private _byCategory;
    mapping(uint256 id => uint256 index) private _categoryIndex;

    /// @notice `name` is already registered.
    error DAppRegistryNameTaken(string name);

    /// @notice `name` is empty or longer than 64 bytes.
    error DAppRegistryInvalidName(string name);

    /// @notice `category` is empty or longer than 32 bytes.
    error DAppRegistryInvalidCategory(string category);

    /// @notice `contractAddress` holds no contract code.
    error DAppRegistryInvalidContract(address contractAddress);

    /// @notice No entry has id `id`.
    error DAppRegistryUnknownEntry(uint256 id);

    /// @notice No entry is named `name`.
    error DAppRegistryUnknownName(string name);

    /// @notice `account` does not own entry `id`.
    error DAppRegistryNotEntryOwner(address account, uint256 id);

    /// @notice An entry cannot be handed to the zero address.
    error DAppRegistryInvalidOwner(address newOwner);

    /// @notice `limit` is above MAX_PAGE.
    error DAppRegistryPageTooLarge(uint256 limit, uint256 max);

    /// @notice Emitted when entry `id` was registered.
    event DAppRegistered(
        uint256 indexed id, address indexed owner, string indexed category, string name, address contractAddress, string metadataURI
    );

    /// @notice Emitted when the owner updated entry `id`.
    event DAppUpdated(uint256 indexed id, string indexed category, address contractAddress, string metadataURI);

    /// @notice Emitted when entry `id` changed hands.
    event DAppOwnershipTransferred(uint256 indexed id, address indexed previousOwner, address indexed newOwner);

    /// @notice Emitted when a registrar set, or a contract change cleared, entry `id`'s verified mark.
    event DAppVerificationChanged(uint256 indexed id, bool verified, address indexed by);

    /// @param admin Account that appoints registrars (DEFAULT_ADMIN_ROLE).
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------
    // Entries
    // ------------------------------------------------------------------

    /// @notice Registers a DApp or collection; the caller owns the entry.
    /// Requirements:
    /// - `name` is 1..64 bytes and not taken; `category` is 1..32 bytes;
    /// - `contractAddress` holds contract code.
    /// Emits a {DAppRegistered} event.
    /// @param name Unique name.
    /// @param contractAddress The DApp's main contract.
    /// @param metadataURI Description, icon, links (e.g. an IPFS JSON).
    /// @param category e.g. "collectibles", "games", "identity".
    /// @return id The new entry's id.
    function register(string calldata name, address contractAddress, string calldata metadataURI, string calldata category)
        external
        returns (uint256 id)
    {
        uint256 nameLength = bytes(name).length;
        if (nameLength == 0 || nameLength > 64) revert DAppRegistryInvalidName(name);
        bytes32 nameHash = keccak256(bytes(name));
        if (_idByName[nameHash] != 0) revert DAppRegistryNameTaken(name);
        _checkEntryFields(contractAddress, category);
        id = _entries.length;
        _entries.push(
            Entry(id, name, contractAddress, metadataURI, category, msg.sender, false, uint64(block.timestamp))
        );
        _idByName[nameHash] = id + 1;
        _addToCategory(id, category);
        emit DAppRegistered(id, msg.sender, category, name, contractAddress, metadataURI);
    }

    /// @notice Updates an entry's contract, metadata and category (the name is permanent).
    /// @dev A new contract address clears the verified mark.
    /// Requirements:
    /// - the caller owns entry `id`; the same field rules as {register}.
    /// Emits a {DAppUpdated} event, and {DAppVerificationChanged} if the mark was cleared.
    /// @param id The entry.
    /// @param contractAddress The DApp's main contract.
    /// @param metadataURI Metadata URI.
    /// @param category Category.
    function update(uint256 id, address contractAddress, string calldata metadataURI, string calldata category) external {
        Entry storage entry = _ownedEntry(id);
        _checkEntryFields(contractAddress, category);
        if (keccak256(bytes(entry.category)) != keccak256(bytes(category))) {
            _removeFromCategory(id, entry.category);
            _addToCategory(id, category);
            entry.category = category;
        }
        bool contractChanged = entry.contractAddress != contractAddress;
        entry.contractAddress = contractAddress;
        entry.metadataURI = metadataURI;
        emit DAppUpdated(id, category, contractAddress, metadataURI);
        if (contractChanged && entry.verified) {
            entry.verified = false;
            emit DAppVerificationChanged(id, false, msg.sender);
        }
    }

    /// @notice Hands entry `id` to `newOwner`.
    /// Requirements:
    /// - the caller owns entry `id`; `newOwner` is not zero.
    /// Emits a {DAppOwnershipTransferred} event.
    /// @param id The entry.
    /// @param newOwner The new owner.
    function transferEntry(uint256 id, address newOwner) external {
        Entry storage entry = _ownedEntry(id);
        if (newOwner == address(0)) revert DAppRegistryInvalidOwner(newOwner);
        entry.owner = newOwner;
        emit DAppOwnershipTransferred(id, msg.sender, newOwner);
    }

    /// @notice Sets or clears entry `id`'s verified mark.
    /// Requirements:
    /// - the caller has REGISTRAR_ROLE; entry `id` exists.
    /// Emits a {DAppVerificationChanged} event.
    /// @param id The entry.
    /// @param verified The new mark.
    function setVerified(uint256 id, bool verified) external onlyRole(REGISTRAR_ROLE) {
        _entry(id).verified = verified;
        emit DAppVerificationChanged(id, verified, msg.sender);
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    /// @notice Entry `id`.
    /// @param id An existing entry.
    function entry(uint256 id) external view returns (Entry memory) {
        return _entry(id);
    }

    /// @notice The id of the entry named `name`.
    /// @param name A registered name.
    function idOf(string calldata name) external view returns (uint256) {
        uint256 idPlusOne = _idByName[keccak256(bytes(name))];
        if (idPlusOne == 0) revert DAppRegistryUnknownName(name);
        return idPlusOne - 1;
    }

    /// @notice Number of entries.
    function entryCount() external view returns (uint256) {
        return _entries.length;
    }

    /// @notice Entries of `category`, `limit` at most, starting at position `offset`.
    /// @dev The order within a category is not stable across {update}s that move entries out of it.
    /// Requirements:
    /// - `limit` is at most MAX_PAGE.
    /// @param category The category.
    /// @param offset Position of the first entry (0-based); past the end gives an empty page.
    /// @param limit Page size.
    /// @return page The entries.
    /// @return total How many entries the category holds.
    function listByCategory(string calldata category, uint256 offset, uint256 limit)
        external
        view
        returns (Entry[] memory page, uint256 total)
    {
        if (limit > MAX_PAGE) revert DAppRegistryPageTooLarge(limit, MAX_PAGE);
        uint256[] storage ids = _byCategory[keccak256(bytes(category))];
        total = ids.length;
        uint256 end = offset >= total ? offset : (total - offset > limit ? offset + limit : total);
        page = new Entry[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            page[i - offset] = _entries[ids[i]];
        }
    }

    // ------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------

    function _checkEntryFields(address contractAddress, string calldata category) private view {
        if (contractAddress.code.length == 0) revert DAppRegistryInvalidContract(contractAddress);
        uint256 length = bytes(category).length;
        if (length == 0 || length > 32) revert DAppRegistryInvalidCategory(category);
    }

    function _entry(uint256 id) private view returns (Entry storage) {
        if (id >= _entries.length) revert DAppRegistryUnknownEntry(id);
        return _entries[id];
    }

    function _ownedEntry(uint256 id) private view returns (Entry storage found) {
        found = _entry(id);
        if (found.owner != msg.sender) revert DAppRegistryNotEntryOwner(msg.sender, id);
    }

    function _addToCategory(uint256 id, string calldata category) private {
        uint256[] storage ids = _byCategory[keccak256(bytes(category))];
        _categoryIndex[id] = ids.length;
        ids.push(id);
    }

    /// @dev Swap-and-pop: the last id of the category takes the removed one's place.
    function _removeFromCategory(uint256 id, string storage category) private {
        uint256[] storage ids = _byCategory[keccak256(bytes(category))];
        uint256 index = _categoryIndex[id];
        uint256 last = ids[ids.length - 1];
        ids[index] = last;
        _categoryIndex[last] = index;
        ids.pop();
    }
}
