"""The one-run transaction's signer (sandbox/backends/pyevm/signing.py) signs as eth-keys does."""

from __future__ import annotations

import random

from eth_keys import keys

from sandbox.backends.pyevm.signing import Signer, signer_of


def test_signatures_are_eth_keys_own_for_many_keys_and_messages() -> None:
    rnd = random.Random(7)
    for _ in range(60):
        key = keys.PrivateKey(rnd.randbytes(31) + b"\x01")
        signer = signer_of(key)
        assert isinstance(signer, Signer) and signer_of(key) is signer  # made once per key
        for _ in range(5):
            message = rnd.randbytes(rnd.choice([0, 1, 32, 100, 1000]))
            assert signer.sign_msg(message).vrs == key.sign_msg(message).vrs


def test_signed_transactions_and_their_hashes_are_the_same() -> None:
    from eth.vm.forks.prague.transactions import PragueTransactionBuilder

    key = keys.PrivateKey(b"\x42" * 32)
    unsigned = PragueTransactionBuilder.new_unsigned_dynamic_fee_transaction(
        chain_id=1337, nonce=3, max_priority_fee_per_gas=1, max_fee_per_gas=10**9, gas=90_000, to=b"\x11" * 20, value=5,
        data=b"\x01\x02", access_list=())
    ours, theirs = unsigned.as_signed_transaction(signer_of(key)), unsigned.as_signed_transaction(key)
    assert ours == theirs and ours.hash == theirs.hash
    assert ours.sender == key.public_key.to_canonical_address()
    legacy = PragueTransactionBuilder.create_unsigned_transaction(nonce=1, gas_price=10**9, gas=21_000, to=b"\x22" * 20, value=1, data=b"")
    assert legacy.as_signed_transaction(signer_of(key), chain_id=1337) == legacy.as_signed_transaction(key, chain_id=1337)


def test_a_key_on_another_backend_signs_itself() -> None:
    from eth_keys.backends.native import NativeECCBackend

    key = keys.PrivateKey(b"\x43" * 32, backend=NativeECCBackend())
    assert signer_of(key) is key


def test_a_mint_signed_once_recovers_to_its_sender() -> None:
    from sandbox import Sandbox
    from tests.backends.workload import REPO

    sb = Sandbox(REPO, backend="pyevm")
    alice, bob = sb.accounts.alice, sb.accounts.bob
    nft = sb.deploy("SandboxNFT", "Sign", "S", alice, sender=alice)
    receipt = nft.mint(bob, "ipfs://signed", sender=alice)
    chain = sb.chain.backend.engine_backend.chain
    block = chain.get_canonical_block_by_number(chain.get_canonical_head().block_number)
    (transaction,) = block.transactions
    transaction.__dict__.pop("sender", None)  # recovered from the signature, not the one remembered
    assert transaction.sender == bytes.fromhex(alice.address[2:])
    assert "0x" + transaction.hash.hex() == receipt.tx_hash
    assert sb.w3.eth.get_transaction(receipt.tx_hash)["from"] == alice.address
