"""Named, funded dev accounts from the standard test mnemonic.

``test test test test test test test test test test test junk`` with the
path ``m/44'/60'/0'/0/i`` gives the same ten addresses as anvil and Hardhat,
so scripts move between the embedded chain and a real node unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from sandbox._utils import lazy_keyfile

lazy_keyfile.install()  # before eth-account is imported by anything below (eth-tester, web3.py)

from eth_utils import is_address, is_checksum_address, to_checksum_address  # noqa: E402

from sandbox.errors import InvalidAddressError, UnknownAccountError  # noqa: E402


class BalanceReader(Protocol):
    """What an account asks its chain (``Chain`` is one)."""

    def balance(self, address: str) -> int: ...


DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_PATH = "m/44'/60'/0'/0"
NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
#: Chain ids on which dev keys may sign (anvil/Hardhat use 31337, Ganache 1337).
DEV_CHAIN_IDS = frozenset({1337, 31337})


#: The first keys of :data:`DEV_MNEMONIC` and their addresses, as every dev tool prints them.
#: Deriving them takes eth-account's HD wallet, whose import (eth-keyfile, py_ecc's BLS
#: curves) costs most of a command's start-up; tests/chain/test_dev_keys.py derives them again.
KNOWN_DEV_KEYS = (
    ("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
    ("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
    ("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
    ("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6", "0x90F79bf6EB2c4f870365E785982E1f101E93b906"),
    ("47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a", "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
    ("8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"),
    ("92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e", "0x976EA74026E726554dB657fA54763abd0C3a0aa9"),
    ("4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"),
    ("dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97", "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"),
    ("2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6", "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"),
)
_KNOWN_ADDRESSES = {bytes.fromhex(key): address for key, address in KNOWN_DEV_KEYS}


@lru_cache(maxsize=4)
def dev_keys(count: int = len(NAMES), mnemonic: str = DEV_MNEMONIC) -> tuple[bytes, ...]:
    """Private keys ``m/44'/60'/0'/0/0 .. count-1`` of ``mnemonic``."""
    if mnemonic == DEV_MNEMONIC and count <= len(KNOWN_DEV_KEYS):
        return tuple(bytes.fromhex(key) for key, _ in KNOWN_DEV_KEYS[:count])
    return derive_keys(count, mnemonic)


def derive_keys(count: int, mnemonic: str) -> tuple[bytes, ...]:
    """Private keys ``m/44'/60'/0'/0/0 .. count-1`` of ``mnemonic``, derived (BIP-32/39/44)."""
    from eth_account.hdaccount import key_from_seed, seed_from_mnemonic

    seed = seed_from_mnemonic(mnemonic, "")
    return tuple(key_from_seed(seed, f"{DEV_PATH}/{i}") for i in range(count))


def address_of(private_key: bytes) -> str:
    """The checksummed address of ``private_key`` (the dev keys' from the table, no curve arithmetic)."""
    known = _KNOWN_ADDRESSES.get(bytes(private_key))
    if known is not None:
        return known
    from eth_keys import keys

    return str(keys.PrivateKey(bytes(private_key)).public_key.to_checksum_address())


@dataclass(frozen=True, eq=False)
class Account:
    """A dev account: compares equal to its address (any case) and to itself."""

    name: str
    address: str
    private_key: bytes = field(repr=False)
    _chain: BalanceReader | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return self.address

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Account):
            return self.address == other.address
        if isinstance(other, str):
            return other.lower() == self.address.lower()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.address.lower())

    @property
    def chain(self) -> BalanceReader | None:
        """The chain the account was made for (``None`` for a bare key)."""
        return self._chain

    @property
    def balance(self) -> int:
        """Ether balance in wei on the account's chain."""
        if self._chain is None:
            raise UnknownAccountError(f"account {self.name} is not attached to a chain")
        return self._chain.balance(self.address)


def normalize_address(value: Any, *, what: str = "address") -> str:
    """Checksummed address of an :class:`Account`, or of a valid address string.

    All-lowercase and all-uppercase hex are accepted (they carry no checksum);
    mixed case must be a correct EIP-55 checksum.
    """
    if isinstance(value, Account):
        return value.address
    if hasattr(value, "address") and isinstance(value.address, str):  # contract handles
        return normalize_address(value.address, what=what)
    if isinstance(value, bytes) and len(value) == 20:
        return to_checksum_address(value)
    if not isinstance(value, str) or not is_address(value.lower() if isinstance(value, str) else value):
        raise InvalidAddressError(
            f"{what} {value!r} is not an address; pass an account (e.g. sb.accounts.bob) "
            "or a 0x-prefixed 40-hex-digit address"
        )
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise InvalidAddressError(
            f"{what} {value!r} has a wrong EIP-55 checksum; did you mean {to_checksum_address(value)}? "
            "(or write it all in lowercase)"
        )
    return to_checksum_address(value)


class Accounts:
    """The dev accounts by name (``accounts.alice``), by index, or by address."""

    def __init__(self, accounts: list[Account]) -> None:
        self._list = accounts
        self._by_name = {a.name: a for a in accounts}
        self._by_address = {a.address.lower(): a for a in accounts}
        self._chain: Any = None

    def bind(self, chain: Any) -> None:
        """The chain :meth:`at` and :meth:`generate` work on (a :class:`~sandbox.chain.chain.Chain`)."""
        self._chain = chain

    def add(self, account: Account) -> Account:
        """Known from now on by name and address (``generate`` adds its accounts here)."""
        self._list.append(account)
        self._by_name[account.name] = account
        self._by_address[account.address.lower()] = account
        return account

    def at(self, address: Any) -> Account:
        """An account object for any address: a known account, else one without a key.

        Sending from it needs the chain to let it through: ``with
        sb.impersonate(address) as whale:`` (or a dev account's address).
        """
        checksummed = normalize_address(address)
        known = self._by_address.get(checksummed.lower())
        if known is not None:
            return known
        return Account(f"{checksummed[:6]}…{checksummed[-4:]}", checksummed, b"", self._chain)

    def generate(self, count: int = 1, *, balance: int | None = None) -> list[Account]:
        """``count`` fresh accounts (random keys the chain signs for), each funded with ``balance`` wei (dev default)."""
        if self._chain is None:
            raise UnknownAccountError("these accounts are not attached to a chain; use sb.accounts or chain.accounts")
        made: list[Account] = self._chain.generate_accounts(count, balance=balance)
        return made

    @classmethod
    def dev(cls, chain: BalanceReader | None = None, count: int = len(NAMES)) -> Accounts:
        accounts = []
        for i, key in enumerate(dev_keys(count)):
            name = NAMES[i] if i < len(NAMES) else f"account{i}"
            accounts.append(Account(name, address_of(key), key, chain))
        return cls(accounts)

    def __getattr__(self, name: str) -> Account:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, key: int | str) -> Account:
        if isinstance(key, int):
            try:
                return self._list[key]
            except IndexError:
                raise UnknownAccountError(f"account index {key} out of range; there are {len(self._list)} accounts") from None
        if isinstance(key, str):
            found = self._by_name.get(key) or self._by_address.get(key.lower())
            if found is not None:
                return found
        names = ", ".join(self._by_name)
        raise UnknownAccountError(f"unknown account {key!r}; known accounts: {names} (or one of their addresses)")

    def resolve(self, value: Any) -> str:
        """Address of an account, account name, or address string."""
        if isinstance(value, str) and value in self._by_name:
            return self._by_name[value].address
        if isinstance(value, str) and value.isidentifier() and not is_address(value):  # a name, not an address: say which names there are
            raise InvalidAddressError(f"'{value}' is not an address nor a known account; known accounts: {', '.join(self._by_name)} "
                                      "(or a 0x-prefixed 40-hex-digit address)")
        return normalize_address(value)

    def name_of(self, address: str) -> str | None:
        """The account name owning ``address``, if it is a dev account."""
        found = self._by_address.get(str(address).lower())
        return found.name if found else None

    def __iter__(self) -> Iterator[Account]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def __contains__(self, value: object) -> bool:
        return str(value).lower() in self._by_address or value in self._by_name

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._by_name]
