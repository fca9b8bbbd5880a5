"""``balance_change`` reads fees from the chain's own records on every chain (py-evm, revm, anvil)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("chain", [[], ["--sandbox-backend", "revm"], ["--sandbox-anvil"]], ids=["pyevm", "revm", "anvil"])
def test_balance_change_fees_on_every_chain(suite: pytest.Pytester, chain: list[str]) -> None:
    suite.makepyfile(
        """
        def test_pay(deploy, balance_change, alice, bob, carol):
            box = deploy("Box")
            with balance_change(alice, bob, carol) as change:
                receipt = box.pay(bob, sender=alice, value=10**18)
                paid = box.pay(bob, sender=bob, value=1)  # bob pays himself: only his fee moves his balance
            assert change.fee(alice) == receipt.fee > 0
            assert change.fee(bob) == paid.fee > 0
            assert change[bob] == 10**18 and change.with_fees(bob) == 10**18 - paid.fee
            assert change[alice] == -10**18 == change.with_fees(alice) + receipt.fee
            assert change[carol] == 0 == change.fee(carol)
        """
    )
    suite.runpytest(*chain).assert_outcomes(passed=1)
