"""py-evm's gas estimator (``chain.gas_estimator``): the geth-style search of :mod:`sandbox.backends.gas` on py-evm's state."""

from __future__ import annotations

from typing import Any, cast

from eth.abc import SignedTransactionAPI, StateAPI
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction

from sandbox.backends.gas import Run
from sandbox.backends.gas import geth_style_estimate as search


def _run(state: StateAPI, transaction: SignedTransactionAPI, gas: int) -> Any:
    """Apply ``transaction`` with ``gas`` on a snapshot; return the computation."""
    spoofed = cast(SignedTransactionAPI, SpoofTransaction(transaction, gas=gas, gas_price=0))
    snapshot = state.snapshot()
    try:
        return state.apply_transaction(spoofed)
    finally:
        state.revert(snapshot)


class GethStyleEstimator:
    """py-evm gas estimator (``chain.gas_estimator``) with an optional unconfirmed mode.

    With ``confirm`` false it returns the optimistic bound after the single run
    at the cap, and the caller must confirm it by running the transaction for
    real and undoing it if it fails (the sandbox does this with a snapshot,
    so a user never sees a transaction that ran out of gas). That saves one
    of the three EVM runs per transaction.
    """

    def __init__(self) -> None:
        self.confirm = True
        #: Raw revert data of the last estimate that reverted. eth-tester
        #: turns a revert during estimation into a message, decoding any
        #: one-string custom error as if it were Error(string); the sandbox
        #: decodes these bytes instead (see Sandbox.decode_revert).
        self.revert_data: bytes | None = None

    def __call__(self, state: StateAPI, transaction: SignedTransactionAPI) -> int:
        self.revert_data = None
        try:
            return geth_style_estimate(state, transaction, confirm=self.confirm)
        except Revert as error:
            self.revert_data = bytes(error.args[0]) if error.args and isinstance(error.args[0], (bytes, bytearray)) else b""
            raise

    def take_revert_data(self) -> bytes | None:
        """The last estimate's revert data, once."""
        data, self.revert_data = self.revert_data, None
        return data


def geth_style_estimate(state: StateAPI, transaction: SignedTransactionAPI, *, confirm: bool = True) -> int:
    """Smallest confirmed gas limit near the true need (py-evm estimator signature)."""
    cap = int(state.gas_limit)

    def run(gas: int) -> Run:
        computation = _run(state, transaction, gas)
        return Run(not computation.is_error, gas - int(computation.get_gas_remaining()), int(computation.get_gas_refund()))

    computation = _run(state, transaction, cap)
    if computation.is_error:
        raise computation.error
    first = Run(True, cap - int(computation.get_gas_remaining()), int(computation.get_gas_refund()))
    return search(run, first, cap=cap, intrinsic=int(transaction.intrinsic_gas), confirm=confirm)
