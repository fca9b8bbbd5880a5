"""Merkle allowlists compatible with OpenZeppelin's ``MerkleProof`` and ``StandardMerkleTree``.

Leaves are ``keccak256(bytes.concat(keccak256(abi.encode(account))))`` (the
double hash OpenZeppelin's StandardMerkleTree uses against second-preimage
attacks); inner nodes hash their two children sorted, so a proof is just the
list of siblings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak

from sandbox.chain.accounts import normalize_address
from sandbox.errors import SandboxError


class AllowlistError(SandboxError, KeyError):
    """Raised when asking a proof for an account that is not on the allowlist."""

    def __str__(self) -> str:
        return str(self.args[0])


def leaf(account: Any) -> bytes:
    return keccak(keccak(abi_encode(["address"], [normalize_address(account)])))


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


class Allowlist:
    """A Merkle tree of addresses: ``root`` for the contract, ``proof(account)`` for a buyer."""

    def __init__(self, accounts: Iterable[Any]) -> None:
        self.addresses = sorted({normalize_address(a) for a in accounts}, key=str.lower)
        layer = sorted(leaf(a) for a in self.addresses)
        self._layers = [layer]
        while len(layer) > 1:
            layer = [_pair(layer[i], layer[i + 1]) if i + 1 < len(layer) else layer[i] for i in range(0, len(layer), 2)]
            self._layers.append(layer)

    @property
    def root(self) -> bytes:
        return self._layers[-1][0] if self._layers[0] else b"\0" * 32

    def __contains__(self, account: object) -> bool:
        try:
            return normalize_address(account) in self.addresses
        except SandboxError:
            return False

    def proof(self, account: Any) -> list[bytes]:
        target = leaf(account)
        try:
            index = self._layers[0].index(target)
        except ValueError:
            raise AllowlistError(f"{normalize_address(account)} is not on the allowlist; add it before building the tree") from None
        proof = []
        for layer in self._layers[:-1]:
            sibling = index ^ 1
            if sibling < len(layer):
                proof.append(layer[sibling])
            index //= 2
        return proof


def verify(root: bytes, account: Any, proof: list[bytes]) -> bool:
    """The same check as OpenZeppelin's ``MerkleProof.verify``."""
    node = leaf(account)
    for sibling in proof:
        node = _pair(node, sibling)
    return node == root
