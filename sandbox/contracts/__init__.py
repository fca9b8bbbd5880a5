"""Contract handles, events, receipts and reverts."""

from sandbox.contracts.handles import Contract, ContractFunction, Event, Receipt
from sandbox.contracts.reverts import ErrorDecoder, RevertExpectation, reverts

__all__ = ["Contract", "ContractFunction", "ErrorDecoder", "Event", "Receipt", "RevertExpectation", "reverts"]
