"""A fast embedded backend: eth-tester's backend interface on revm (``pyrevm``).

``Sandbox(backend="revm")`` or ``SANDBOX_BACKEND=revm`` runs the sandbox on it.
The default backend stays py-evm.

How it is built (one module per concept):

- ``state.py``: world state. pyrevm's EVM holds the state in revm's database;
  a Python mirror of accounts and storage answers reads, and an undo log gives
  snapshots and state at past blocks. Each transaction runs in a journal
  checkpoint that is reverted after its writes are copied to the database, so
  every transaction starts cold (EIP-2929), as on py-evm and geth. Fees are
  settled here: the sender prepays ``gas * price``, the tip goes to the
  coinbase, the base fee is burned; EIP-7623's calldata floor applies.
- ``blocks.py``: blocks with py-evm's own transactions, receipts and Prague
  headers (hashes, blooms and transaction/receipt roots as py-evm's; a
  sealed header is encoded from its fields, py-evm's header object made
  when asked for), and the sandbox's own receipt built normalized;
- ``signing.py``: the engine's own transactions signed (a kept
  libsecp256k1 key; the RLP of a dynamic-fee transaction encoded once).
- ``backend.py``: :class:`RevmBackend`, eth-tester's ``BaseChainBackend``.
- ``calls.py``: ``call`` and ``estimate_gas`` (the sandbox's geth-style
  estimate, with the same ``estimator.confirm`` switch as py-evm's).
- ``tracing.py``, ``replay.py``: what py-evm's hooks record (call frames,
  console.log, revert pcs, struct-logger steps, coverage), from revm's
  EIP-3155 tracer and a console run, and when each runs (pyrevm 0.3.7 has
  no inspector; its tracer costs ~5-8 ms per instruction);
- ``chain_backend.py``: :class:`RevmChainBackend`, the sandbox's seam
  (:class:`~sandbox.backends.base.ChainBackend`) over it; the road straight
  to the engine and the road through eth-tester are shared with py-evm in
  :mod:`sandbox.backends.tester`.

Proven equal to py-evm by ``tests/backends``: a differential replay (receipts'
status, gas used, gas limit chosen, logs; return and revert data; balances,
nonces, past-block reads; on both roads), eth-tester's conformance suite
(all of it), and the project's contract suite under ``SANDBOX_BACKEND=revm``.

Known differences (pyrevm 0.3.7 embeds revm 8, a Cancun EVM; py-evm runs Prague):

- no EIP-7702 (type 4) or blob (type 3) transactions, no BLS precompiles;
- inside the EVM, ``GASPRICE`` and ``BASEFEE`` read 0 (pyrevm runs with a zero
  base fee and the fees are settled outside it); no contract here reads them;
- ``state_root`` in headers is a placeholder, not a Merkle root;
- the journal checkpoint around each transaction takes one level of depth,
  so the 1024-deep call limit is likely reached one frame earlier (untested).

A saved workshop chain loads on it from any engine's dump (``StateDump``).
"""

from __future__ import annotations

from sandbox.backends.revm.backend import TESTER_CHAIN_ID, RevmBackend

__all__ = ["TESTER_CHAIN_ID", "RevmBackend"]
