// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title ERC721ReceiverMock
/// @notice Test helper: a contract wallet that accepts ERC-721 and ERC-1155
/// tokens and ether, or refuses them in a chosen way.
contract ERC721ReceiverMock is IERC721Receiver, IERC1155Receiver {
    /// @notice How the receiver answers a safe transfer.
    enum Behaviour {
        Accept,
        RevertWithMessage,
        RevertWithCustomError,
        ReturnWrongValue
    }

    Behaviour private _behaviour;

    /// @notice The receiver refused a token on purpose.
    error ReceiverMockRefused(address operator, uint256 tokenId);

    /// @notice Emitted when an ERC-721 token was accepted.
    event Received(address operator, address from, uint256 tokenId, bytes data);

    /// @param behaviour How to answer safe transfers.
    constructor(Behaviour behaviour) {
        _behaviour = behaviour;
    }

    /// @notice Lets the test change how the receiver answers.
    /// @param behaviour The new behaviour.
    function setBehaviour(Behaviour behaviour) external {
        _behaviour = behaviour;
    }

    /// @notice ERC-721 safe-transfer hook.
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4)
    {
        _refuseIfAsked(operator, tokenId);
        if (_behaviour == Behaviour.ReturnWrongValue) return bytes4(0xdeadbeef);
        emit Received(operator, from, tokenId, data);
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @notice ERC-1155 single-transfer hook.
    function onERC1155Received(address operator, address, uint256 id, uint256, bytes calldata)
        external
        view
        returns (bytes4)
    {
        _refuseIfAsked(operator, id);
        if (_behaviour == Behaviour.ReturnWrongValue) return bytes4(0xdeadbeef);
        return IERC1155Receiver.onERC1155Received.selector;
    }

    /// @notice ERC-1155 batch-transfer hook.
    function onERC1155BatchReceived(address operator, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        view
        returns (bytes4)
    {
        _refuseIfAsked(operator, 0);
        if (_behaviour == Behaviour.ReturnWrongValue) return bytes4(0xdeadbeef);
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    /// @notice ERC-165.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC721Receiver).interfaceId
            || interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    /// @notice Accepts ether unless told to refuse.
    receive() external payable {
        _refuseIfAsked(msg.sender, 0);
    }

    function _refuseIfAsked(address operator, uint256 tokenId) private view {
        if (_behaviour == Behaviour.RevertWithMessage) revert("ERC721ReceiverMock: refused");
        if (_behaviour == Behaviour.RevertWithCustomError) revert ReceiverMockRefused(operator, tokenId);
    }
}
