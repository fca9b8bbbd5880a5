"""Gas estimation as geth does it, for every embedded engine: one run at the cap, then a tight bound.

py-evm's default estimator binary-searches the gas limit, about a dozen EVM
runs per transaction. geth instead runs the transaction once with the whole
block gas limit, reads the gas it used and refunded, and tries the
optimistic limit ``(used + refund + 2300) * 64 / 63``; only if that fails does
it search. The 64/63 covers EIP-150's withheld gas on calls, the 2300 the
stipend a value-carrying call may need. With ``confirm`` the returned limit
has been run successfully; without it, the caller confirms it by running the
transaction for real (``ChainBackend.transact`` undoes and retries if it
fails), which saves one of the three runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CALL_STIPEND = 2300


@dataclass(frozen=True)
class Run:
    """One EVM run of the transaction at a gas limit."""

    success: bool
    #: Gas used before the refund.
    spent: int
    refund: int


def optimistic(first: Run, *, cap: int, intrinsic: int) -> int:
    """The limit an unconfirmed estimate returns for ``first``, its run at ``cap``: geth's optimistic bound,
    or the intrinsic gas when no code ran."""
    if first.spent <= intrinsic:
        return intrinsic
    return min(cap, (first.spent + first.refund + CALL_STIPEND) * 64 // 63)


def geth_style_estimate(run: Callable[[int], Run], first: Run, *, cap: int, intrinsic: int, confirm: bool = True) -> int:
    """Smallest confirmed gas limit near the true need.

    ``run(gas)`` executes the transaction at ``gas`` and throws the effects
    away; ``first`` is its successful run at ``cap`` (a failure there is the
    caller's to report, with the engine's own error).
    """
    bound = optimistic(first, cap=cap, intrinsic=intrinsic)
    if first.spent <= intrinsic:
        # No code ran (a plain transfer to an account without code).
        if not confirm or run(intrinsic).success:
            return intrinsic
        return first.spent
    if not confirm or run(bound).success:
        return bound
    # Rare: the transaction needs more than the optimistic bound (e.g. gas-dependent
    # logic). Binary-search the remaining range; each probe is a real run.
    low, high = bound, cap
    while high - low > max(1000, high // 100):
        mid = (low + high) // 2
        if run(mid).success:
            high = mid
        else:
            low = mid
    return high
