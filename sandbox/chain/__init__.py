"""The chain layer: :class:`Chain` over one backend, accounts, keys and signers, the anvil launcher."""

from sandbox.chain.chain import DEFAULT_BALANCE, DEFAULT_CHAIN_ID, Chain

__all__ = ["DEFAULT_BALANCE", "DEFAULT_CHAIN_ID", "Chain"]
