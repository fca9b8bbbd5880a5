"""EIP-1186 Merkle proofs (``eth_getProof``) from py-evm's state trie.

py-evm keeps the real Ethereum state trie (accounts keyed by the hash of the
address, each account's storage trie keyed by the hash of the slot), so a
proof is py-trie's ``HexaryTrie.get_proof`` of those keys, each node RLP
encoded, and it verifies against the block's ``stateRoot`` as on any node.
"""

from __future__ import annotations

from typing import Any

from sandbox.backends.base import Record


def proof_of(backend: Any, address: str, slots: list[int], block: Any) -> Record:
    """``ChainBackend.get_proof`` on :class:`~sandbox.backends.pyevm.backend.PyEvmChainBackend`."""
    import rlp
    from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
    from eth.rlp.accounts import Account
    from eth_tester.backends.pyevm.main import _get_block_by_number
    from eth_utils import keccak, to_canonical_address, to_checksum_address
    from trie.hexary import HexaryTrie

    chain = backend._chain
    header = _get_block_by_number(chain, backend._read_block(block)).header
    db = chain.chaindb.db
    key = to_canonical_address(address)
    accounts = HexaryTrie(db, header.state_root)
    encoded = accounts.get(keccak(key))
    account = rlp.decode(encoded, sedes=Account) if encoded else Account(0, 0, BLANK_ROOT_HASH, EMPTY_SHA3)
    storage = HexaryTrie(db, account.storage_root)

    def nodes(proof: Any) -> list[str]:
        return ["0x" + rlp.encode(node).hex() for node in proof]

    storage_proofs = []
    for slot in slots:
        hashed = keccak(int(slot).to_bytes(32, "big"))
        value = storage.get(hashed)
        storage_proofs.append({"key": int(slot), "value": rlp.decode(value, sedes=rlp.sedes.big_endian_int) if value else 0,
                               "proof": nodes(storage.get_proof(hashed))})  # type: ignore[no-untyped-call]
    return {
        "address": to_checksum_address(key), "account_proof": nodes(accounts.get_proof(keccak(key))),  # type: ignore[no-untyped-call]
        "balance": int(account.balance), "nonce": int(account.nonce), "code_hash": "0x" + bytes(account.code_hash).hex(),
        "storage_hash": "0x" + bytes(account.storage_root).hex(), "storage_proof": storage_proofs,
    }
