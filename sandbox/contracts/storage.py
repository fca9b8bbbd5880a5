"""Finding where a contract keeps a value, by writing candidate slots and reading the value back.

forge-std's ``deal`` records the slots ``balanceOf`` reads; the engines here
do not record reads for every backend alike, so the search is by writing:
each candidate slot gets a marker value, the view is called, and the slot
whose marker comes back is the one. The search runs inside a snapshot, so
the markers leave nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from eth_utils import keccak

from sandbox.chain.chain import Chain

#: Slots searched for a mapping's base or a plain variable.
SEARCH_SLOTS = 100
#: ERC-7201 namespace of OpenZeppelin's upgradeable ERC20 (``openzeppelin.storage.ERC20``): its ``_balances`` base.
OZ_ERC20_NAMESPACE = 0x52C63247E1F47DB19D5CE0460030C497F067CA4CEBF71BA98EEADABE20BACE00
#: A value no real balance has.
MARKER = 0x5A4D_B0C5_5A4D_B0C5_5A4D_B0C5_5A4D_B0C5


def mapping_slots(key: str) -> Iterable[int]:
    """Where ``mapping(address => ...)`` at each candidate base keeps ``key``: Solidity's layout, then Vyper's."""
    padded = bytes(12) + bytes.fromhex(key[2:])
    bases = [*range(SEARCH_SLOTS), OZ_ERC20_NAMESPACE]
    for base in bases:
        yield int.from_bytes(keccak(padded + base.to_bytes(32, "big")), "big")
    for base in range(SEARCH_SLOTS):
        yield int.from_bytes(keccak(base.to_bytes(32, "big") + padded), "big")


def _search(chain: Chain, read: Callable[[], int], address: str, candidates: Iterable[int]) -> int | None:
    current = read()
    snapshot = chain.snapshot()
    try:
        for slot in candidates:
            old = chain.backend.get_storage(address, slot)
            if old != current:  # the slot cannot be it: balanceOf would read it back
                continue
            chain.set_storage(address, slot, MARKER)
            try:
                if read() == MARKER:
                    return slot
            except Exception:  # the marker broke the view (a packed slot): not this one
                pass
            chain.set_storage(address, slot, old)
        return None
    finally:
        chain.revert(snapshot)


def find_balance_slot(chain: Chain, read: Callable[[], int], token: str, holder: str) -> int | None:
    """The storage slot of ``token`` that ``read`` (its ``balanceOf(holder)``) returns, or ``None``."""
    return _search(chain, read, token, mapping_slots(holder))


def find_plain_slot(chain: Chain, read: Callable[[], int], address: str) -> int | None:
    """The plain slot (0-99) of ``address`` that ``read`` returns (``totalSupply``), or ``None``."""
    return _search(chain, read, address, range(SEARCH_SLOTS))
