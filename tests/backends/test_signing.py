"""The engines' signing shortcut (sandbox/backends/tester._faster_signing) signs the same bytes as eth-keys' own backends."""

from __future__ import annotations

import os

import pytest
from eth_keys import keys
from eth_keys.backends import NativeECCBackend
from eth_utils import keccak

import sandbox.backends.tester  # noqa: F401  (installs the shortcut)
from sandbox.chain.accounts import dev_keys


def test_signatures_are_the_pure_python_backends() -> None:
    native = NativeECCBackend()
    for i, raw in enumerate(dev_keys(4)):
        key = keys.PrivateKey(raw)
        for n in range(3):
            digest = keccak(f"message {i} {n}".encode())
            ours = key.sign_msg_hash(digest)
            assert ours.to_bytes() == native.ecdsa_sign(digest, key).to_bytes()
            assert ours.recover_public_key_from_msg_hash(digest) == key.public_key


def test_the_backend_choice_still_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    key = keys.PrivateKey(dev_keys(1)[0])
    monkeypatch.setenv("ECC_BACKEND_CLASS", "eth_keys.backends.NativeECCBackend")
    assert type(key.backend).__name__ == "NativeECCBackend"
    monkeypatch.delenv("ECC_BACKEND_CLASS")
    assert "ECC_BACKEND_CLASS" not in os.environ
    assert type(key.backend).__name__ == "CoinCurveECCBackend"
    assert key.backend is key.backend  # one backend object, not one per look-up
