"""Hypothesis strategies for contract tests: addresses, uint256 values, accounts.

>>> from hypothesis import given
>>> from sandbox.testing.strategies import accounts, addresses, uint256
>>> @given(to=addresses(), amount=uint256(max_value=10**18), sender=accounts())
... def test_transfer(token, to, amount, sender): ...

Under the pytest plugin every example runs inside its own snapshot, so
state written by one example is gone before the next one starts.
"""

from __future__ import annotations

from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # hypothesis is a test dependency, not a runtime one
    from sandbox.errors import ToolchainError

    raise ToolchainError("sandbox.testing.strategies needs hypothesis: pip install hypothesis (or the package's [dev] extra)") from exc

from eth_utils import to_checksum_address

from sandbox.chain.accounts import NAMES, Account, Accounts

UINT256_MAX = 2**256 - 1
ZERO_ADDRESS = "0x" + "00" * 20

_default: Accounts | None = None


def set_default_accounts(accounts: Accounts | None) -> None:
    """Accounts :func:`accounts` draws from when none are passed (the plugin sets its session's)."""
    global _default
    _default = accounts


def _current() -> Accounts:
    return _default if _default is not None else Accounts.dev()


def addresses(*, include_zero: bool = False) -> st.SearchStrategy[str]:
    """EIP-55 checksummed addresses; the zero address only if ``include_zero``."""
    raw = st.binary(min_size=20, max_size=20)
    if not include_zero:
        raw = raw.filter(lambda b: any(b))
    return raw.map(to_checksum_address)


def uint256(min_value: int = 0, max_value: int = UINT256_MAX) -> st.SearchStrategy[int]:
    """Integers a ``uint256`` can hold, within ``[min_value, max_value]``."""
    if not 0 <= min_value <= max_value <= UINT256_MAX:
        from sandbox.errors import ArgumentError

        raise ArgumentError(f"uint256 bounds must satisfy 0 <= min_value <= max_value <= 2**256-1, got {min_value}..{max_value}")
    return st.integers(min_value=min_value, max_value=max_value)


def accounts(source: Accounts | None = None, *, exclude: tuple[Any, ...] = ()) -> st.SearchStrategy[Account]:
    """Named dev accounts (alice .. judy), without those in ``exclude`` (accounts, names or addresses).

    With no ``source``, an example is the pytest plugin's session account of
    that name (or a plain dev account when no session is running).
    """
    dev = Accounts.dev()
    skip = {dev.resolve(a).lower() for a in exclude}
    names = [n for n in NAMES if dev[n].address.lower() not in skip]
    if not names:
        from sandbox.errors import ArgumentError

        raise ArgumentError(f"accounts(exclude=...) excluded every account; keep at least one of {', '.join(NAMES)}")
    return st.sampled_from(names).map(lambda name: (source or _current())[name])
