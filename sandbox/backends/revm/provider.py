"""Build an ``EthereumTester`` and a ``Web3`` over :class:`RevmBackend` (used by ``sandbox.chain``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from web3 import Web3

from sandbox.backends.revm.backend import RevmBackend


def revm_tester(chain_id: int, private_keys: Sequence[Any], balance: int) -> tuple[Any, Any]:
    """An ``EthereumTester`` on revm whose genesis funds ``private_keys`` with ``balance`` wei each, and its
    :class:`~sandbox.backends.revm.calls.Estimator` (typed Any: ``Chain.estimator`` is declared for py-evm's)."""
    from eth_tester import EthereumTester

    genesis_state = {k.public_key.to_canonical_address(): {"balance": balance, "nonce": 0, "code": b"", "storage": {}} for k in private_keys}
    backend = RevmBackend(genesis_state=genesis_state, chain_id=chain_id)
    backend.account_keys = tuple(private_keys)
    return EthereumTester(backend), backend.estimator


def tester_web3(tester: Any, chain_id: int) -> Web3:
    """web3.py's ``EthereumTesterProvider`` over ``tester``, answering ``chain_id``."""
    from web3.providers.eth_tester import EthereumTesterProvider
    from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return

    endpoints = {ns: dict(methods) for ns, methods in API_ENDPOINTS.items()}
    endpoints["eth"]["chainId"] = static_return(chain_id)
    endpoints["net"]["version"] = static_return(str(chain_id))
    return Web3(EthereumTesterProvider(tester, api_endpoints=endpoints))
