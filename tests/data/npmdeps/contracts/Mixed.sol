// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC721} from "solmate/src/tokens/ERC721.sol";
import {ERC721A} from "erc721a/contracts/ERC721A.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @notice solmate's ERC721, from the project's node_modules.
contract SolmateBadge is ERC721 {
    constructor() ERC721("Badge", "BDG") {}

    function mint(address to, uint256 id) external {
        _mint(to, id);
    }

    function tokenURI(uint256 id) public pure override returns (string memory) {
        return string.concat("ipfs://badge/", Strings.toString(id));
    }
}

/// @notice Azuki's ERC721A (batch mints), from the project's node_modules.
contract BatchBadge is ERC721A {
    constructor() ERC721A("Batch", "BAT") {}

    function mint(address to, uint256 quantity) external {
        _mint(to, quantity);
    }
}

/// @notice OpenZeppelin's upgradeable contracts from node_modules, next to the bundled @openzeppelin/contracts.
contract Settings is OwnableUpgradeable {
    uint256 public value;

    function initialize(address owner_) external initializer {
        __Ownable_init(owner_);
    }

    function set(uint256 value_) external onlyOwner {
        value = value_;
    }
}
