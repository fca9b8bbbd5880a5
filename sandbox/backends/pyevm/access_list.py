"""EIP-2930 access lists from a py-evm run (``eth_createAccessList``), as geth's access-list tracer makes them.

The transaction runs on a throwaway state whose account database notes every
address and storage slot the EVM warms (EIP-2929 marks each one on first
touch). Addresses warm before the first instruction (sender, recipient,
precompiles, coinbase) are left out unless storage of theirs was touched,
as geth and anvil do. The transaction then runs again with the list, and
the gas it uses with it is returned beside it.
"""

from __future__ import annotations

from typing import Any

#: The most rounds: a list can change what the code touches (gas-dependent branches), as geth bounds it.
MAX_ROUNDS = 4


def _run(chain: Any, engine: Any, raw: dict[str, Any], header: Any) -> tuple[Any, set[bytes], dict[bytes, set[int]], int]:
    """One run of ``raw``: the computation, the addresses and slots warmed, and the gas the transaction used."""
    from eth.vm.spoof import SpoofTransaction

    spoof = SpoofTransaction(engine._get_normalized_and_unsigned_evm_transaction(raw, "latest"), from_=raw["from"])
    state = chain.get_vm(header).state
    addresses: set[bytes] = set()
    slots: dict[bytes, set[int]] = {}
    account_db = state._account_db
    mark_address, mark_storage = account_db.mark_address_warm, account_db.mark_storage_warm

    def address_warmed(address: bytes) -> None:
        addresses.add(bytes(address))
        mark_address(address)

    def storage_warmed(address: bytes, slot: int) -> None:
        slots.setdefault(bytes(address), set()).add(int(slot))
        mark_storage(address, slot)

    snapshot = state.snapshot()
    account_db.mark_address_warm, account_db.mark_storage_warm = address_warmed, storage_warmed
    try:
        computation = state.apply_transaction(spoof)
    finally:
        account_db.mark_address_warm, account_db.mark_storage_warm = mark_address, mark_storage
        state.revert(snapshot)
    spent = int(spoof.gas) - int(computation.get_gas_remaining())
    used = spent - min(int(computation.get_gas_refund()), spent // 5)  # London's refund cap
    return computation, addresses, slots, used


def access_list_of(backend: Any, tx: dict[str, Any], block: Any) -> tuple[list[dict[str, Any]], int]:
    """``ChainBackend.create_access_list`` on :class:`~sandbox.backends.pyevm.backend.PyEvmChainBackend`."""
    from eth.exceptions import Revert
    from eth_tester.backends.pyevm.main import _get_block_by_number
    from eth_utils import to_checksum_address

    from sandbox.backends.base import ExecutionFailed, Reverted
    from sandbox.backends.tester import FEE_FIELDS

    chain, engine = backend._chain, backend.engine_backend
    if not tx.get("from"):
        tx = dict(tx, **{"from": to_checksum_address(engine.get_accounts()[0])})
    raw = backend._raw(tx)
    header = _get_block_by_number(chain, backend._read_block(block)).header
    if not any(tx.get(k) for k in FEE_FIELDS):  # as eth_call: no fee fields, no base fee
        raw = dict(raw, max_fee_per_gas=0, max_priority_fee_per_gas=0)
        header = header.copy(base_fee_per_gas=0)
    raw.setdefault("gas", header.gas_limit)
    precompiles = {bytes(a) for a in getattr(chain.get_vm(header).state.computation_class, "_precompiles", {})}
    entries, used, computation = create_access_list(chain, engine, raw, header, precompiles)
    if computation is not None and computation.is_error:
        if isinstance(computation.error, Revert):
            raise Reverted(bytes(computation.output))
        raise ExecutionFailed(f"execution failed: {type(computation.error).__name__} {computation.error}".strip())
    return entries, used


def create_access_list(chain: Any, engine: Any, raw: dict[str, Any], header: Any, precompiles: set[bytes]) -> tuple[list[dict[str, Any]], int, Any]:
    """The access list of ``raw`` at ``header``, the gas used with it, and the last computation (for its error)."""
    from eth_utils import to_checksum_address

    sender, recipient = bytes(raw["from"]), bytes(raw.get("to") or b"")
    left_out = {sender, recipient, bytes(header.coinbase), *precompiles}
    entries: list[dict[str, Any]] = []
    raw = dict(raw, access_list=())
    computation: Any = None
    used = 0
    for _ in range(MAX_ROUNDS):
        computation, addresses, slots, used = _run(chain, engine, raw, header)
        if computation.is_error:
            break
        touched = {a for a in addresses if a not in left_out} | set(slots)
        if not recipient:  # a creation: the new contract is warm from the start, as the recipient is
            touched -= {a for a in touched if a not in slots and bytes(computation.msg.storage_address) == a}
        order = sorted(touched)
        listed = tuple((a, tuple(sorted(slots.get(a, ())))) for a in order)
        if listed == raw["access_list"]:
            break
        raw = dict(raw, access_list=listed)
    entries = [{"address": to_checksum_address(a), "storage_keys": ["0x" + s.to_bytes(32, "big").hex() for s in keys]}
               for a, keys in raw["access_list"]]
    return entries, used, computation
