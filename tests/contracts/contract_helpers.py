"""Helpers shared by the contract suites: ERC-165 ids, Merkle allowlists, EIP-712 signing."""

from __future__ import annotations

from typing import Any

from eth_abi import encode as abi_encode
from eth_account import Account as EthAccount
from eth_account.messages import encode_typed_data
from eth_utils import keccak

ZERO = "0x" + "00" * 20


def selector(sig: str) -> bytes:
    return keccak(text=sig)[:4]


def interface_id(*signatures: str) -> bytes:
    """ERC-165 id: XOR of the function selectors."""
    value = 0
    for sig in signatures:
        value ^= int.from_bytes(keccak(text=sig)[:4], "big")
    return value.to_bytes(4, "big")


class MerkleTree:
    """OpenZeppelin StandardMerkleTree of single-``address`` leaves (sorted-pair hashing)."""

    def __init__(self, addresses: list[str]) -> None:
        self.leaves = [self.leaf(a) for a in addresses]
        layers = [sorted(self.leaves)]
        while len(layers[-1]) > 1:
            below = layers[-1]
            layers.append([self._pair(below[i], below[i + 1]) if i + 1 < len(below) else below[i] for i in range(0, len(below), 2)])
        self.layers = layers

    @staticmethod
    def leaf(address: str) -> bytes:
        return keccak(keccak(abi_encode(["address"], [str(address)])))

    @staticmethod
    def _pair(a: bytes, b: bytes) -> bytes:
        return keccak(min(a, b) + max(a, b))

    @property
    def root(self) -> bytes:
        return self.layers[-1][0]

    def proof(self, address: str) -> list[bytes]:
        index = self.layers[0].index(self.leaf(address))
        proof = []
        for layer in self.layers[:-1]:
            sibling = index ^ 1
            if sibling < len(layer):
                proof.append(layer[sibling])
            index //= 2
        return proof


def sign_typed(private_key: Any, domain: dict[str, Any], types: dict[str, Any], message: dict[str, Any]) -> bytes:
    """EIP-712 signature (65 bytes r||s||v) with eth_account."""
    signable = encode_typed_data(domain_data=domain, message_types=types, message_data=message)
    signed = EthAccount.sign_message(signable, private_key)
    return bytes(signed.signature)
