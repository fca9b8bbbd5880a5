"""The engines behind the seam (:class:`~sandbox.backends.base.ChainBackend`).

``create_backend("pyevm" | "revm", genesis)`` builds an embedded engine;
``RemoteChainBackend(url)`` connects to a node. Only this package imports
eth-tester, py-evm, pyrevm or web3.py's provider internals (an import-linter
contract in pyproject.toml checks it).
"""

from __future__ import annotations

import sys

from sandbox._utils import lazy_keyfile, lazy_precompiles
from sandbox._utils.gc_pause import paused_gc

# Before py-evm and eth-account are imported by anything below: py_ecc's curve modules,
# which py-evm's precompiles and eth-keyfile's keystores need, load on their first use.
lazy_precompiles.install()
lazy_keyfile.install()

from sandbox.backends.base import ChainBackend, ExecutionFailed, Genesis, Reverted, StateDump  # noqa: E402
from sandbox.errors import ChainError  # noqa: E402

#: Embedded engines by name; the first is the default.
EMBEDDED = ("pyevm", "revm")
#: The newest EVM version each backend runs (the compiler is capped by it).
EVM_VERSIONS = {"pyevm": "prague", "revm": "cancun", "rpc": "cancun"}


def create_backend(name: str, genesis: Genesis, *, persistent: bool = False) -> ChainBackend:
    """An embedded engine (``"pyevm"`` or ``"revm"``) started from ``genesis``."""
    if name == "pyevm":
        # The engine's first import (py-evm, eth-tester), then what the process imported frozen (sandbox._utils.gc_pause says why).
        with paused_gc(freeze="sandbox.backends.pyevm.backend" not in sys.modules):
            from sandbox.backends.pyevm.backend import PyEvmChainBackend

        return PyEvmChainBackend(genesis, persistent=persistent)
    if name == "revm":
        try:
            with paused_gc(freeze="sandbox.backends.revm.chain_backend" not in sys.modules):
                from sandbox.backends.revm.chain_backend import RevmChainBackend
        except ImportError as exc:
            raise ChainError(f"the revm backend needs the pyrevm package ({exc}); run `make setup` or use backend='pyevm'") from None
        return RevmChainBackend(genesis, persistent=persistent)
    raise ChainError(f"unknown backend {name!r}; choose one of: {', '.join(EMBEDDED)} (or pass rpc= for a node)")


def connect(url: str) -> ChainBackend:
    """The chain of the JSON-RPC node at ``url``."""
    from sandbox.backends.remote.backend import RemoteChainBackend

    return RemoteChainBackend(url)


__all__ = ["EMBEDDED", "EVM_VERSIONS", "ChainBackend", "ExecutionFailed", "Genesis", "Reverted", "StateDump", "connect", "create_backend"]
