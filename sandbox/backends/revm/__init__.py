"""A fast embedded backend: eth-tester's backend interface on revm (``pyrevm``).

``Sandbox(backend="revm")`` (or ``SANDBOX_BACKEND=revm``) runs the same
web3.py + eth-tester stack as the default py-evm backend, with the EVM in
Rust. What is the same as py-evm, proven by ``tests/backends``: receipts
(status, gas used, cumulative gas, logs, bloom), return and revert data,
nonces, balances (base fee burned, tip to the coinbase), EIP-2929 warm/cold
gas, EIP-7623 calldata floor, snapshots, time travel, reads and calls at past
blocks, and eth-tester's backend conformance suite.

What differs (pyrevm 0.3.7 runs revm 8, a Cancun EVM; py-evm runs Prague):

- no EIP-7702 (type 4) or blob (type 3) transactions, no BLS precompiles;
- transactions with a non-empty access list are refused (pyrevm would keep
  the listed accounts warm for good);
- ``BASEFEE`` reads 0 inside the EVM (pyrevm runs with a zero base fee; the
  sandbox charges and burns the base fee itself);
- ``state_root`` in headers is a placeholder, not a Merkle root;
- one more call frame is used by the journal checkpoint around each
  transaction (the 1024-deep call limit is reached one frame earlier).
"""

from __future__ import annotations

from sandbox.backends.revm.backend import TESTER_CHAIN_ID, RevmBackend

__all__ = ["TESTER_CHAIN_ID", "RevmBackend"]
