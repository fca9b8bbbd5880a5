"""The dev keys' table (sandbox.chain.accounts.KNOWN_DEV_KEYS) is the mnemonic's derivation, and the CLI path needs no HD wallet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eth_keys import keys

from sandbox.chain.accounts import DEV_MNEMONIC, KNOWN_DEV_KEYS, Accounts, address_of, derive_keys, dev_keys


def test_the_table_is_the_mnemonics_derivation() -> None:
    derived = derive_keys(len(KNOWN_DEV_KEYS), DEV_MNEMONIC)
    assert [bytes.fromhex(k) for k, _ in KNOWN_DEV_KEYS] == list(derived)
    for key, address in KNOWN_DEV_KEYS:
        assert keys.PrivateKey(bytes.fromhex(key)).public_key.to_checksum_address() == address


def test_more_keys_than_the_table_are_derived() -> None:
    more = dev_keys(12)
    assert more[:10] == dev_keys(10)
    assert len(set(more)) == 12
    assert address_of(more[11]) == keys.PrivateKey(more[11]).public_key.to_checksum_address()


def test_dev_accounts_are_anvils() -> None:
    accounts = Accounts.dev()
    assert accounts.alice.address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert accounts.judy.address == "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"


def _fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_building_a_chain_imports_no_keyfile_or_bls_curves() -> None:
    done = _fresh("import sys; from sandbox.chain.chain import Chain; Chain(); "
                  "bad = [m for m in ('py_ecc.bls12_381', 'py_ecc.optimized_bls12_381', 'py_ecc.secp256k1', 'Crypto.Cipher', 'aiohttp') "
                  "if m in sys.modules]; "
                  "print(bad, sys.modules['eth_keyfile']); sys.exit(1 if bad else 0)")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]


def test_a_keystore_still_decrypts_and_encrypts_through_the_stand_in(tmp_path: Path) -> None:
    code = f"""
import json, sys
from sandbox.chain.chain import Chain
from sandbox.chain.keys import key_from_keystore
from eth_account import Account
assert getattr(sys.modules["eth_keyfile"], "_sandbox_stand_in", False)
Chain()
keystore = Account.encrypt(bytes.fromhex("{KNOWN_DEV_KEYS[3][0]}"), "pw", kdf="pbkdf2", iterations=2)
path = {str(tmp_path / "k.json")!r}
open(path, "w").write(json.dumps(keystore))
print(key_from_keystore(path, password="pw").address)
"""
    done = _fresh(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == KNOWN_DEV_KEYS[3][1]

