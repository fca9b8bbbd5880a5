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

from eth_account.hdaccount import key_from_seed, seed_from_mnemonic
from eth_keys import keys
from eth_utils import is_address, is_checksum_address, to_checksum_address

from sandbox.errors import InvalidAddressError, UnknownAccountError


class BalanceReader(Protocol):
    """What an account asks its chain (``Chain`` is one)."""

    def balance(self, address: str) -> int: ...


DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_PATH = "m/44'/60'/0'/0"
NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
#: Chain ids on which dev keys may sign (anvil/Hardhat use 31337, Ganache 1337).
DEV_CHAIN_IDS = frozenset({1337, 31337})


@lru_cache(maxsize=4)
def dev_keys(count: int = len(NAMES), mnemonic: str = DEV_MNEMONIC) -> tuple[bytes, ...]:
    """Private keys ``m/44'/60'/0'/0/0 .. count-1`` of ``mnemonic``."""
    seed = seed_from_mnemonic(mnemonic, "")
    return tuple(key_from_seed(seed, f"{DEV_PATH}/{i}") for i in range(count))


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
            address = keys.PrivateKey(key).public_key.to_checksum_address()
            accounts.append(Account(name, address, key, chain))
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
