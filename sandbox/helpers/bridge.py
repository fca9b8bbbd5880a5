"""The Bridge contract's relayer messages: EIP-712 types and signing.

A relayer signs a ``Mint`` (original locked on the source chain) or a
``Release`` (wrapped token burned) for the bridge on the destination chain;
the domain (name "SandboxBridge", version "1", chain id, bridge address)
binds the signature to that one chain and contract.
"""

from __future__ import annotations

from typing import Any

from sandbox.chain.accounts import normalize_address

MESSAGE_FIELDS = [
    {"name": "sourceChainId", "type": "uint256"},
    {"name": "destinationChainId", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "token", "type": "address"},
    {"name": "tokenId", "type": "uint256"},
    {"name": "recipient", "type": "address"},
]


def sign_message(private_key: bytes, kind: str, message: dict[str, Any], *, chain_id: int, bridge: Any) -> bytes:
    """65-byte EIP-712 signature of a ``Mint`` or ``Release`` ``message`` for ``bridge`` on ``chain_id``."""
    from eth_account import Account as EthAccount
    from eth_account.messages import encode_typed_data

    domain = {"name": "SandboxBridge", "version": "1", "chainId": chain_id, "verifyingContract": normalize_address(bridge)}
    signable = encode_typed_data(domain_data=domain, message_types={kind: MESSAGE_FIELDS}, message_data=message)
    return bytes(EthAccount.sign_message(signable, private_key).signature)
