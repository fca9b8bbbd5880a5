"""Signing on a real node: dev keys locally, the dev-chain refusal, real keys kept secret."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account as EthAccount

from sandbox import Sandbox
from sandbox.chain.anvil import Anvil
from sandbox.chain.keys import SecretKey, key_from_env, key_from_hex, key_from_keystore
from sandbox.errors import ChainError, KeyLoadError

REPO = Path(__file__).resolve().parents[2]
# A throwaway key made for this test run; never a dev key.
SECRET = os.urandom(32)
SECRET_HEX = SECRET.hex()


def _fund(sb: Sandbox, address: str, wei: int) -> None:
    sb.chain.request("anvil_setBalance", address, hex(wei))


@pytest.fixture(scope="module")
def two_account_anvil() -> Iterator[Anvil]:
    """anvil holding only alice and bob: the other dev accounts must sign locally."""
    with Anvil(accounts=2) as node:
        yield node


@pytest.fixture(scope="module")
def public_anvil() -> Iterator[Anvil]:
    """anvil pretending to be a public chain (id 5): dev keys must refuse to sign."""
    with Anvil(chain_id=5) as node:
        yield node


def test_dev_keys_the_node_lacks_sign_locally(two_account_anvil: Anvil) -> None:
    sb = Sandbox(REPO, rpc=two_account_anvil.url)
    alice, carol = sb.accounts.alice, sb.accounts.carol
    assert carol.address not in sb.w3.eth.accounts
    sb.transfer(carol, 10**18, sender=alice)  # the node signs for alice
    nft = sb.deploy("SandboxNFT", "W", "WS", carol, sender=carol)  # carol's key signs here
    assert nft.owner() == carol
    assert sb.w3.eth.get_transaction(nft.receipt.tx_hash)["from"] == carol.address


def test_dev_keys_refuse_a_chain_that_is_not_a_dev_chain(public_anvil: Anvil) -> None:
    sb = Sandbox(REPO, rpc=public_anvil.url)
    assert sb.chain.chain_id == 5
    with pytest.raises(ChainError, match=r"refusing to use dev account 0xf39F.* on chain id 5.*allowed_chain_ids=\{5\}"):
        sb.transfer(sb.accounts.bob, 1, sender=sb.accounts.alice)
    allowed = Sandbox(REPO, rpc=public_anvil.url, allowed_chain_ids={5})
    allowed.transfer(allowed.accounts.bob, 1, sender=allowed.accounts.alice)


def test_a_real_key_signs_locally_on_any_chain(public_anvil: Anvil) -> None:
    deployer = key_from_hex(SECRET_HEX, name="deployer")
    sb = Sandbox(REPO, rpc=public_anvil.url, signers=[deployer])
    _fund(sb, deployer.address, 10**18)
    nft = sb.deploy("SandboxNFT", "W", "WS", sb.accounts.deployer, sender=sb.accounts.deployer)
    receipt = nft.mint(sb.accounts.bob, "data:,x", sender="deployer")
    receipt.assert_event("Transfer", to=sb.accounts.bob)
    assert sb.w3.eth.get_transaction(receipt.tx_hash)["from"] == deployer.address


def test_a_real_key_is_never_printed_or_logged(public_anvil: Anvil, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_PRIVATE_KEY", "0x" + SECRET_HEX)
    caplog.set_level(logging.DEBUG)
    sb = Sandbox(REPO, rpc=public_anvil.url)  # picked up from the environment
    deployer = sb.accounts.deployer
    _fund(sb, deployer.address, 10**18)
    receipt = sb.transfer(sb.accounts.bob, 12345, sender=deployer)
    assert receipt.status == 1
    key = deployer.private_key
    assert isinstance(key, SecretKey) and bytes(key) == SECRET  # the key is there...
    shown = [repr(deployer), str(deployer), repr(key), str(key), f"{key}", f"{key!r}", repr(list(sb.accounts)), repr(receipt), caplog.text]
    assert "SecretKey(<hidden>)" in repr(key)
    assert "eth_sendRawTransaction" in caplog.text  # the signed transaction went through the logs
    for text in shown:  # ...but never in what is printed or logged
        assert SECRET_HEX not in text.lower() and str(SECRET) not in text


def test_a_bad_key_is_described_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = SECRET_HEX[:-1] + "z"
    monkeypatch.setenv("MY_KEY", bad)
    with pytest.raises(KeyLoadError) as caught:
        key_from_env("MY_KEY")
    message = str(caught.value)
    assert "environment variable MY_KEY is not a private key" in message and "64 hex digits" in message
    assert bad not in message and SECRET_HEX[:16] not in message
    with pytest.raises(KeyLoadError, match="MISSING_KEY is not set"):
        key_from_env("MISSING_KEY")


def test_keys_from_an_encrypted_keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ops.json"
    path.write_text(json.dumps(EthAccount.encrypt(SECRET, "correct horse", kdf="pbkdf2", iterations=2048)))
    monkeypatch.setenv("SANDBOX_KEYSTORE_PASSWORD", "correct horse")
    account = key_from_keystore(path)
    assert account.name == "ops" and account.address == EthAccount.from_key(SECRET).address
    assert bytes(account.private_key) == SECRET and SECRET_HEX not in repr(account)
    with pytest.raises(KeyLoadError, match="wrong password") as caught:
        key_from_keystore(path, password="battery staple")
    assert "battery staple" not in str(caught.value)
    with pytest.raises(KeyLoadError, match="cannot read keystore file"):
        key_from_keystore(tmp_path / "missing.json", password="x")
    (tmp_path / "junk.json").write_text("not json")
    with pytest.raises(KeyLoadError, match="is not JSON"):
        key_from_keystore(tmp_path / "junk.json", password="x")
    monkeypatch.delenv("SANDBOX_KEYSTORE_PASSWORD")
    with pytest.raises(KeyLoadError, match="pass password= or set SANDBOX_KEYSTORE_PASSWORD"):
        key_from_keystore(path)


def test_signer_names_must_be_unique(anvil: Anvil) -> None:
    with pytest.raises(KeyLoadError, match="two accounts are named 'alice'"):
        Sandbox(REPO, rpc=anvil.url, signers=[key_from_hex(SECRET_HEX, name="alice")])


def test_a_real_key_signs_on_the_embedded_chain_too() -> None:
    sb = Sandbox(REPO, signers=[key_from_hex(SECRET_HEX, name="ops")])
    assert sb.chain.embedded and SECRET_HEX not in repr(sb.accounts.ops)
    sb.transfer(sb.accounts.ops, 10**18, sender=sb.accounts.alice)
    nft = sb.deploy("SandboxNFT", "W", "WS", sb.accounts.ops, sender=sb.accounts.ops)
    assert sb.w3.eth.get_transaction(nft.receipt.tx_hash)["from"] == sb.accounts.ops.address
