"""Any JSON-RPC node (anvil, geth, a testnet) behind the seam: :class:`RemoteChainBackend`."""

from sandbox.backends.remote.backend import RemoteChainBackend

__all__ = ["RemoteChainBackend"]
