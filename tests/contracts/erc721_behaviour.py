"""The ERC-721 expectations, written once and run against every ERC-721 in the project.

A test module subclasses :class:`ERC721Behaviour` (tokens that can move) or
:class:`NonTransferableERC721Behaviour` (soulbound tokens) and provides
these fixtures (like OpenZeppelin's ``shouldBehaveLikeERC721()``):

- ``sb``: the module's Sandbox;
- ``token``: the deployed ERC-721 handle;
- ``mint``: ``mint(to) -> tokenId``, mints a fresh token to ``to``;
- ``unlock``: ``unlock(tokenId)``, whatever makes a freshly arrived token
  movable (a no-op, or time travel past a holding period);
- ``transfer_error`` (non-transferable only): ``(error name, kwargs(tokenId))``
  expected from every transfer attempt.

Policy-specific expectations live in the subclass's module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from contract_helpers import ZERO, interface_id

from sandbox import Contract, Sandbox

ERC165 = interface_id("supportsInterface(bytes4)")
ERC721 = interface_id(
    "balanceOf(address)",
    "ownerOf(uint256)",
    "safeTransferFrom(address,address,uint256,bytes)",
    "safeTransferFrom(address,address,uint256)",
    "transferFrom(address,address,uint256)",
    "approve(address,uint256)",
    "setApprovalForAll(address,bool)",
    "getApproved(uint256)",
    "isApprovedForAll(address,address)",
)
ERC721_METADATA = interface_id("name()", "symbol()", "tokenURI(uint256)")


class _Common:
    """Expectations that hold whether or not tokens can move."""

    def test_mint_sets_owner_and_balance(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int]) -> None:
        bob = sb.accounts.bob
        before = token.balanceOf(bob)
        token_id = mint(bob)
        assert token.ownerOf(token_id) == bob
        assert token.balanceOf(bob) == before + 1

    def test_owner_of_unknown_token_reverts(self, sb: Sandbox, token: Contract) -> None:
        with sb.reverts("ERC721NonexistentToken", tokenId=987_654):
            token.ownerOf(987_654)

    def test_balance_of_zero_address_reverts(self, sb: Sandbox, token: Contract) -> None:
        with sb.reverts("ERC721InvalidOwner", owner=ZERO):
            token.balanceOf(ZERO)

    def test_metadata(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int]) -> None:
        # Contract.name is the handle's contract name and shadows the Solidity
        # name() function; __getattr__ reaches the function (see the report).
        assert isinstance(Contract.__getattr__(token, "name")(), str)
        assert token.symbol()
        token_id = mint(sb.accounts.bob)
        assert isinstance(token.tokenURI(token_id), str)
        with sb.reverts("ERC721NonexistentToken", tokenId=987_654):
            token.tokenURI(987_654)

    def test_supports_erc165_erc721_and_metadata(self, token: Contract) -> None:
        assert token.supportsInterface(ERC165)
        assert token.supportsInterface(ERC721)
        assert token.supportsInterface(ERC721_METADATA)
        assert not token.supportsInterface(b"\xff\xff\xff\xff")

    def test_approve_emits_and_records(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int]) -> None:
        bob, carol = sb.accounts.bob, sb.accounts.carol
        token_id = mint(bob)
        receipt = token.approve(carol, token_id, sender=bob)
        receipt.assert_event("Approval", owner=bob, approved=carol, tokenId=token_id)
        assert token.getApproved(token_id) == carol

    def test_approve_by_stranger_reverts(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int]) -> None:
        token_id = mint(sb.accounts.bob)
        with sb.reverts("ERC721InvalidApprover", approver=sb.accounts.dave):
            token.approve(sb.accounts.dave, token_id, sender=sb.accounts.dave)

    def test_approve_unknown_token_reverts(self, sb: Sandbox, token: Contract) -> None:
        with sb.reverts("ERC721NonexistentToken", tokenId=987_654):
            token.approve(sb.accounts.carol, 987_654, sender=sb.accounts.bob)

    def test_operator_may_approve(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int]) -> None:
        bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
        token_id = mint(bob)
        token.setApprovalForAll(carol, True, sender=bob)
        token.approve(dave, token_id, sender=carol)
        assert token.getApproved(token_id) == dave

    def test_set_approval_for_all(self, sb: Sandbox, token: Contract) -> None:
        bob, carol = sb.accounts.bob, sb.accounts.carol
        receipt = token.setApprovalForAll(carol, True, sender=bob)
        receipt.assert_event("ApprovalForAll", owner=bob, operator=carol, approved=True)
        assert token.isApprovedForAll(bob, carol)
        token.setApprovalForAll(carol, False, sender=bob)
        assert not token.isApprovedForAll(bob, carol)

    def test_operator_zero_reverts(self, sb: Sandbox, token: Contract) -> None:
        with sb.reverts("ERC721InvalidOperator", operator=ZERO):
            token.setApprovalForAll(ZERO, True, sender=sb.accounts.bob)

    def test_get_approved_unknown_token_reverts(self, sb: Sandbox, token: Contract) -> None:
        with sb.reverts("ERC721NonexistentToken", tokenId=987_654):
            token.getApproved(987_654)


class ERC721Behaviour(_Common):
    """ERC-721 for tokens that can move (after ``unlock``)."""

    def test_transfer_by_owner(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None]) -> None:
        bob, carol = sb.accounts.bob, sb.accounts.carol
        token_id = mint(bob)
        unlock(token_id)
        token.approve(sb.accounts.dave, token_id, sender=bob)
        balances = token.balanceOf(bob), token.balanceOf(carol)
        receipt = token.transferFrom(bob, carol, token_id, sender=bob)
        receipt.assert_event("Transfer", **{"from": bob, "to": carol, "tokenId": token_id})
        assert token.ownerOf(token_id) == carol
        assert (token.balanceOf(bob), token.balanceOf(carol)) == (balances[0] - 1, balances[1] + 1)
        assert token.getApproved(token_id) == ZERO  # approval cleared by the transfer

    def test_transfer_by_approved_account(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None]) -> None:
        bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
        token_id = mint(bob)
        unlock(token_id)
        token.approve(dave, token_id, sender=bob)
        token.transferFrom(bob, carol, token_id, sender=dave)
        assert token.ownerOf(token_id) == carol

    def test_transfer_by_operator(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None]) -> None:
        bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
        token_id = mint(bob)
        unlock(token_id)
        token.setApprovalForAll(dave, True, sender=bob)
        token.safeTransferFrom(bob, carol, token_id, sender=dave)
        assert token.ownerOf(token_id) == carol

    def test_transfer_by_stranger_reverts(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None]) -> None:
        bob, dave = sb.accounts.bob, sb.accounts.dave
        token_id = mint(bob)
        unlock(token_id)
        with sb.reverts("ERC721InsufficientApproval", operator=dave, tokenId=token_id):
            token.transferFrom(bob, dave, token_id, sender=dave)
        assert token.ownerOf(token_id) == bob

    def test_transfer_from_wrong_owner_reverts(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None]) -> None:
        bob, carol = sb.accounts.bob, sb.accounts.carol
        token_id = mint(bob)
        unlock(token_id)
        with sb.reverts("ERC721IncorrectOwner", sender=carol, tokenId=token_id, owner=bob):
            token.transferFrom(carol, sb.accounts.dave, token_id, sender=bob)

    def test_transfer_to_zero_reverts(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None]) -> None:
        bob = sb.accounts.bob
        token_id = mint(bob)
        unlock(token_id)
        with sb.reverts("ERC721InvalidReceiver", receiver=ZERO):
            token.transferFrom(bob, ZERO, token_id, sender=bob)

    def test_transfer_unknown_token_reverts(self, sb: Sandbox, token: Contract) -> None:
        bob = sb.accounts.bob
        with sb.reverts("ERC721NonexistentToken", tokenId=987_654):
            token.transferFrom(bob, sb.accounts.carol, 987_654, sender=bob)

    def test_safe_transfer_to_receiver_contract(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None]) -> None:
        bob = sb.accounts.bob
        receiver = sb.deploy("ERC721ReceiverMock", 0, sender=bob)
        token_id = mint(bob)
        unlock(token_id)
        receipt = token.safeTransferFrom(bob, receiver, token_id, b"hello", sender=bob)
        receipt.assert_event("Received", operator=bob, tokenId=token_id, data=b"hello")
        assert token.ownerOf(token_id) == receiver

    def test_safe_transfer_to_non_receiver_reverts(self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None]) -> None:
        bob = sb.accounts.bob
        plain = sb.deploy("NonReceiver", sender=bob)
        token_id = mint(bob)
        unlock(token_id)
        with sb.reverts("ERC721InvalidReceiver", receiver=plain):
            token.safeTransferFrom(bob, plain, token_id, sender=bob)
        # transferFrom does not ask the receiver: the token can be sent there (and is then stuck).
        token.transferFrom(bob, plain, token_id, sender=bob)
        assert token.ownerOf(token_id) == plain

    @pytest.mark.parametrize(
        ("behaviour", "expected"),
        [(1, "ERC721ReceiverMock: refused"), (2, "ReceiverMockRefused"), (3, "ERC721InvalidReceiver")],
    )
    def test_safe_transfer_to_refusing_receiver_reverts(
        self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], unlock: Callable[[int], None], behaviour: int, expected: str
    ) -> None:
        bob = sb.accounts.bob
        receiver = sb.deploy("ERC721ReceiverMock", behaviour, sender=bob)
        token_id = mint(bob)
        unlock(token_id)
        with sb.reverts(expected):
            token.safeTransferFrom(bob, receiver, token_id, sender=bob)
        assert token.ownerOf(token_id) == bob


class NonTransferableERC721Behaviour(_Common):
    """ERC-721 for soulbound tokens: everything but moving them."""

    def test_every_transfer_route_reverts(
        self, sb: Sandbox, token: Contract, mint: Callable[[Any], int], transfer_error: tuple[str, Callable[[int], dict[str, Any]]]
    ) -> None:
        bob, carol = sb.accounts.bob, sb.accounts.carol
        token_id = mint(bob)
        token.setApprovalForAll(carol, True, sender=bob)
        name, kwargs = transfer_error
        for call in (
            lambda: token.transferFrom(bob, carol, token_id, sender=bob),
            lambda: token.safeTransferFrom(bob, carol, token_id, sender=bob),
            lambda: token.safeTransferFrom(bob, carol, token_id, b"", sender=bob),
            lambda: token.transferFrom(bob, carol, token_id, sender=carol),
        ):
            with sb.reverts(name, **kwargs(token_id)):
                call()
        sb.time_travel(seconds=10 * 365 * 86_400)
        with sb.reverts(name, **kwargs(token_id)):
            token.transferFrom(bob, carol, token_id, sender=bob)
        assert token.ownerOf(token_id) == bob
