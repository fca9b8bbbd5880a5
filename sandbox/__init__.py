"""NFT & DApp Sandbox: Solidity contracts on a local chain, from Python.

>>> from sandbox import Sandbox
>>> sb = Sandbox()
>>> alice, bob = sb.accounts.alice, sb.accounts.bob
>>> nft = sb.deploy("SandboxNFT", "Workshop", "WS", alice, sender=alice)
"""

from sandbox import _aliases
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

_aliases.install()
