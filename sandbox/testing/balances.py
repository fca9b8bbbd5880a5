"""Ether balance changes across a block of code, with or without gas fees.

>>> with balance_change(sb, alice, bob) as change:          # doctest: +SKIP
...     shop.buy(1, sender=alice, value=10**18)
>>> change[bob]                      # +10**18
>>> change[alice]                    # -10**18: the gas alice paid is added back
>>> change.with_fees(alice)          # -10**18 - change.fee(alice)
>>> change.assert_changes({alice: -10**18, bob: 10**18})

By default the fees an account paid for transactions it sent inside the
block are excluded, as in Hardhat's ``changeEtherBalance``, so the same
assertion holds on the embedded chain and on anvil whatever the gas price.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from sandbox.errors import ArgumentError

if TYPE_CHECKING:
    from sandbox.main import Sandbox


class BalanceChange:
    """Balances of some accounts before and after a ``with`` block."""

    def __init__(self, sandbox: Sandbox, who: tuple[Any, ...]) -> None:
        if not who:
            raise ArgumentError("balance_change needs at least one account or address, e.g. balance_change(alice, bob)")
        self._sandbox = sandbox
        self._addresses = [sandbox.accounts.resolve(w) for w in who]
        self._before: dict[str, int] = {}
        self._after: dict[str, int] | None = None
        self._fees: dict[str, int] = {}
        self._start_block = 0

    def __enter__(self) -> BalanceChange:
        self._start_block = self._sandbox.chain.block_number
        self._before = {a: self._sandbox.chain.balance(a) for a in self._addresses}
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._after = {a: self._sandbox.chain.balance(a) for a in self._addresses}
        self._fees = self._fees_paid(self._start_block + 1, self._sandbox.chain.block_number)

    def _fees_paid(self, first: int, last: int) -> dict[str, int]:
        # The chain's own reads, not sb.w3: web3.py is a second's import the suite may not otherwise need.
        backend = self._sandbox.chain.backend
        watched = {a.lower(): a for a in self._addresses}
        fees = dict.fromkeys(self._addresses, 0)
        for number in range(first, last + 1):
            block = backend.get_block(number, full=True)
            for tx in block["transactions"] if block else ():
                sender = watched.get(str(tx["from"]).lower())
                if sender is not None:
                    receipt = backend.get_receipt(str(tx["hash"]))
                    if receipt is not None:
                        fees[sender] += int(receipt["gas_used"]) * int(receipt.get("effective_gas_price") or 0)
        return fees

    def _address(self, who: Any) -> str:
        address = self._sandbox.accounts.resolve(who)
        if address not in self._before:
            watched = ", ".join(self._addresses)
            raise ArgumentError(f"{address} is not watched by this balance_change (watching {watched}); pass it to balance_change(...)")
        if self._after is None:
            raise ArgumentError("read a balance change after its with-block has ended")
        return address

    def with_fees(self, who: Any) -> int:
        """The raw change in wei, gas fees included."""
        address = self._address(who)
        assert self._after is not None
        return self._after[address] - self._before[address]

    def fee(self, who: Any) -> int:
        """Wei ``who`` paid in gas fees for transactions it sent inside the block."""
        return self._fees[self._address(who)]

    def __getitem__(self, who: Any) -> int:
        """The change in wei, not counting gas fees ``who`` paid inside the block."""
        address = self._address(who)
        return self.with_fees(address) + self._fees[address]

    def assert_changes(self, expected: dict[Any, int], *, include_fees: bool = False) -> None:
        """Assert each account's change in wei; the message lists every mismatch."""
        wrong = []
        for who, want in expected.items():
            got = self.with_fees(who) if include_fees else self[who]
            if got != want:
                wrong.append(f"{self._sandbox.accounts.name_of(self._address(who)) or self._address(who)}: expected {want:+,} wei, got {got:+,}")
        if wrong:
            raise AssertionError("balance changes differ: " + "; ".join(wrong))


def balance_change(sandbox: Sandbox, *who: Any) -> BalanceChange:
    """Context manager measuring the ether balance change of ``who`` (see module docs)."""
    return BalanceChange(sandbox, who)
