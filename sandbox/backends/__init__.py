"""Embedded chain backends other than eth-tester's py-evm.

``sandbox.backends.revm`` runs the EVM in Rust (``pyrevm``) behind eth-tester's
backend interface, so the web3.py stack above it is unchanged. See
:mod:`sandbox.backends.revm` for what it covers and what it does not.
"""

from __future__ import annotations

__all__: list[str] = []
