"""Real keys, for chains where the public dev keys must not sign.

A key comes from an environment variable holding its hex
(``SANDBOX_PRIVATE_KEY``) or from an encrypted eth-account keystore file
(``SANDBOX_KEYSTORE``, password in ``SANDBOX_KEYSTORE_PASSWORD``). The key
lives in a :class:`SecretKey`, whose ``repr``/``str`` hide it, so it cannot
end up in a log line, a traceback's locals or pytest's assertion output.
Error messages about a bad key describe its shape, never its value.

>>> from sandbox import Sandbox
>>> from sandbox.chain.keys import key_from_env
>>> sb = Sandbox(rpc="https://rpc.example", signers=[key_from_env("MY_KEY", name="deployer")])  # doctest: +SKIP
>>> sb.deploy("SandboxNFT", ..., sender=sb.accounts.deployer)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eth_keys import keys

from sandbox.chain.accounts import Account, Accounts
from sandbox.errors import KeyLoadError

KEY_ENV = "SANDBOX_PRIVATE_KEY"
KEYSTORE_ENV = "SANDBOX_KEYSTORE"
PASSWORD_ENV = "SANDBOX_KEYSTORE_PASSWORD"
SIGNER_MIDDLEWARE = "sandbox_local_signer"


class SecretKey(bytes):
    """Private key bytes that never show themselves in ``repr``, ``str`` or f-strings."""

    def __repr__(self) -> str:
        return "SecretKey(<hidden>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)


def _account(name: str, key: bytes) -> Account:
    address = keys.PrivateKey(key).public_key.to_checksum_address()
    return Account(name, address, SecretKey(key))


def key_from_hex(value: str, *, name: str = "deployer", source: str = "the key") -> Account:
    """An account for the hex private key ``value`` (``0x`` optional)."""
    text = value.strip()
    body = text[2:] if text.lower().startswith("0x") else text
    try:
        key = bytes.fromhex(body)
    except ValueError:
        key = b""
    if len(key) != 32:
        # Describe the shape, never the value.
        raise KeyLoadError(
            f"{source} is not a private key: expected 64 hex digits (optionally 0x-prefixed), got {len(text)} characters; "
            "export the key's hex, or use an encrypted keystore file instead"
        )
    try:
        return _account(name, key)
    except Exception:
        raise KeyLoadError(f"{source} is out of range for a secp256k1 private key; check you copied the right value") from None


def key_from_env(var: str = KEY_ENV, *, name: str = "deployer") -> Account:
    """An account for the hex private key in environment variable ``var``."""
    value = os.environ.get(var)
    if not value:
        raise KeyLoadError(f"environment variable {var} is not set; export it with the key's hex, or use a keystore file")
    return key_from_hex(value, name=name, source=f"environment variable {var}")


def key_from_keystore(path: str | Path, *, password: str | None = None, password_env: str = PASSWORD_ENV, name: str | None = None) -> Account:
    """An account for the encrypted eth-account keystore file ``path``.

    The password is ``password`` or, if not given, environment variable
    ``password_env``. The account's name defaults to the file's stem.
    """
    from eth_account import Account as EthAccount

    file = Path(path)
    try:
        keyfile: Any = json.loads(file.read_text())
    except OSError as exc:
        raise KeyLoadError(f"cannot read keystore file {str(file)!r} ({exc.strerror}); pass the path of an existing file") from None
    except ValueError:
        raise KeyLoadError(f"keystore file {str(file)!r} is not JSON; pass a file written by eth-account, geth or `cast wallet`") from None
    if password is None:
        password = os.environ.get(password_env)
        if password is None:
            raise KeyLoadError(f"no password for keystore {str(file)!r}: pass password= or set {password_env}")
    try:
        key = bytes(EthAccount.decrypt(keyfile, password))
    except ValueError as exc:
        reason = "wrong password" if "MAC mismatch" in str(exc) else "not a valid keystore"
        raise KeyLoadError(f"cannot decrypt keystore {str(file)!r}: {reason}; check the password (from {password_env} if not passed)") from None
    except (KeyError, TypeError):
        raise KeyLoadError(f"keystore file {str(file)!r} is not a valid keystore (missing crypto fields)") from None
    return _account(name or file.stem.split(".")[0] or "deployer", key)


def keys_from_environment() -> list[Account]:
    """Accounts for ``SANDBOX_PRIVATE_KEY`` (named ``deployer``) and ``SANDBOX_KEYSTORE``, if set."""
    found = []
    if os.environ.get(KEY_ENV):
        found.append(key_from_env(KEY_ENV, name="deployer"))
    if os.environ.get(KEYSTORE_ENV):
        found.append(key_from_keystore(os.environ[KEYSTORE_ENV], name="keystore"))
    return found


def attach_signers(chain: Any, dev: Accounts, real: Sequence[Account], *, remote: bool, dev_chain: bool) -> Accounts:
    """The chain's accounts: dev ones, then ``real``; keys the node lacks sign locally.

    The node signs for the accounts it holds (anvil unlocks the dev
    accounts). Every other real key signs in this process; dev keys do only
    on dev chains, so they can never reach a public chain. ``chain`` is what
    the accounts read balances from and whose ``w3`` gets the signing
    middleware (a :class:`~sandbox.chain.chain.Chain`).
    """
    taken = {a.name for a in dev}
    attached = []
    for account in real:
        if not isinstance(account, Account):
            raise KeyLoadError(f"signers must be accounts from sandbox.chain.keys (key_from_env, key_from_keystore), got {type(account).__name__}")
        if account.name in taken:
            raise KeyLoadError(f"two accounts are named {account.name!r}; pass name= to key_from_env/key_from_keystore")
        taken.add(account.name)
        attached.append(dataclasses.replace(account, _chain=chain))
    held: set[str] = set()
    if remote:
        try:
            held = {str(a).lower() for a in chain.w3.eth.accounts}
        except Exception:
            held = set()  # nodes without eth_accounts hold no keys
    local = [a for a in attached if a.address.lower() not in held]
    if remote and dev_chain:
        local += [a for a in dev if a.address.lower() not in held]
    if local:
        from eth_account import Account as EthAccount
        from web3.middleware import SignAndSendRawMiddlewareBuilder

        signer = SignAndSendRawMiddlewareBuilder.build([EthAccount.from_key(bytes(a.private_key)) for a in local])
        chain.w3.middleware_onion.inject(signer, name=SIGNER_MIDDLEWARE, layer=0)
    return Accounts([*dev, *attached])
