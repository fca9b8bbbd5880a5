from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.chain.accounts import Accounts
from sandbox.helpers.merkle import Allowlist, AllowlistError, verify

ACCOUNTS = list(Accounts.dev(None, 12))


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=11), min_size=1))
def test_every_member_proves_and_no_outsider_does(members: set[int]) -> None:
    tree = Allowlist(ACCOUNTS[i] for i in members)
    for i in range(12):
        if i in members:
            assert verify(tree.root, ACCOUNTS[i], tree.proof(ACCOUNTS[i]))
        else:
            assert ACCOUNTS[i] not in tree
            assert not verify(tree.root, ACCOUNTS[i], tree.proof(ACCOUNTS[min(members)]))


def test_outsider_has_no_proof() -> None:
    tree = Allowlist(ACCOUNTS[:3])
    with pytest.raises(AllowlistError, match="is not on the allowlist"):
        tree.proof(ACCOUNTS[5])
