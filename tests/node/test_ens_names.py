"""web3.py's ENS name handling works in the project's environment (pyunormalize pinned below 18, see pyproject.toml)."""

from __future__ import annotations

from ens.utils import normalize_name


def test_web3_normalizes_ens_names() -> None:
    # With pyunormalize 18.0 and web3 8.0 this raised AttributeError for every name, so any
    # ENS name given to sb.w3 (or to the conformance suite's ENS tests) crashed inside web3.py.
    assert normalize_name("Test.ETH") == "test.eth"
    assert normalize_name("Ünicode.eth") == "ünicode.eth"
