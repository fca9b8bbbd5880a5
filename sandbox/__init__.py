"""NFT & DApp Sandbox: Solidity contracts on a local chain, from Python.

>>> from sandbox import Sandbox
>>> sb = Sandbox()
>>> alice, bob = sb.accounts.alice, sb.accounts.bob
>>> nft = sb.deploy("SandboxNFT", "Workshop", "WS", alice, sender=alice)

The names below are imported on first use (PEP 562), so ``import sandbox``
alone, as the ``sandbox`` command's first step does, costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sandbox import _aliases

if TYPE_CHECKING:
    from sandbox.chain.accounts import Account
    from sandbox.contracts.handles import Contract, Event, Receipt
    from sandbox.errors import CompileError, ContractReverted, SandboxError
    from sandbox.main import Sandbox

__all__ = [
    "Account",
    "CompileError",
    "Contract",
    "ContractReverted",
    "Event",
    "Receipt",
    "Sandbox",
    "SandboxError",
]

_WHERE = {
    "Account": "sandbox.chain.accounts",
    "Contract": "sandbox.contracts.handles",
    "Event": "sandbox.contracts.handles",
    "Receipt": "sandbox.contracts.handles",
    "CompileError": "sandbox.errors",
    "ContractReverted": "sandbox.errors",
    "SandboxError": "sandbox.errors",
    "Sandbox": "sandbox.main",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


_aliases.install()
