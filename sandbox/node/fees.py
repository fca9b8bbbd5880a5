"""Fee figures computed from the chain's blocks: ``eth_feeHistory`` and ``eth_blobBaseFee`` as anvil and geth answer them.

Read through the backend only (``get_block``, ``get_receipt``), so every
engine answers the same. The base fee of the block after ``newest`` is
EIP-1559's rule applied to ``newest``; rewards are the effective tips at
the requested percentiles of the block's gas, as geth weighs them.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from sandbox.node.wire import INVALID_PARAMS, RpcError

#: The most blocks one eth_feeHistory may cover (geth and anvil: 1024).
MAX_BLOCKS = 1024
ELASTICITY, BASE_FEE_CHANGE_DENOMINATOR = 2, 8
BLOB_GAS_PER_BLOB = 131_072
#: EIP-4844's update fraction (Cancun) and EIP-7691's (Prague on).
BLOB_FRACTION = {"cancun": 3_338_477}
BLOB_FRACTION_DEFAULT = 5_007_716
MAX_BLOBS = {"cancun": 6}
MAX_BLOBS_DEFAULT = 9


def next_base_fee(block: dict[str, Any]) -> int:
    """EIP-1559: the base fee of the block after ``block``."""
    base, used = int(block.get("base_fee_per_gas") or 0), int(block["gas_used"])
    target = int(block["gas_limit"]) // ELASTICITY
    if target == 0 or used == target:
        return base
    if used > target:
        return base + max(1, base * (used - target) // target // BASE_FEE_CHANGE_DENOMINATOR)
    return max(0, base - base * (target - used) // target // BASE_FEE_CHANGE_DENOMINATOR)


def fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    """EIP-4844's integer approximation of ``factor * e ** (numerator / denominator)``."""
    i, output, accumulator = 1, 0, factor * denominator
    while accumulator > 0:
        output += accumulator
        accumulator = accumulator * numerator // (denominator * i)
        i += 1
    return output // denominator


def blob_base_fee(block: dict[str, Any], evm_version: str) -> int:
    return fake_exponential(1, int(block.get("excess_blob_gas") or 0), BLOB_FRACTION.get(evm_version, BLOB_FRACTION_DEFAULT))


def next_excess_blob_gas(block: dict[str, Any], evm_version: str) -> int:
    target = MAX_BLOBS.get(evm_version, MAX_BLOBS_DEFAULT) * 2 // 3 * BLOB_GAS_PER_BLOB
    return max(0, int(block.get("excess_blob_gas") or 0) + int(block.get("blob_gas_used") or 0) - target)


def _tip(tx: dict[str, Any], base: int) -> int:
    if tx.get("max_fee_per_gas") is not None:
        return max(0, min(int(tx.get("max_priority_fee_per_gas") or 0), int(tx["max_fee_per_gas"]) - base))
    return max(0, int(tx.get("gas_price") or 0) - base)


def rewards(backend: Any, block: dict[str, Any], percentiles: list[float]) -> list[int]:
    """The effective tip paid at each percentile of ``block``'s gas (0 for an empty block)."""
    base = int(block.get("base_fee_per_gas") or 0)
    paid = []
    for tx in block["transactions"]:
        receipt = backend.get_receipt(tx["hash"])
        paid.append((_tip(tx, base), int(receipt["gas_used"]) if receipt else int(tx["gas"])))
    if not paid:
        return [0 for _ in percentiles]
    paid.sort()
    total, out, index, spent = int(block["gas_used"]) or sum(g for _, g in paid), [], 0, paid[0][1]
    for p in percentiles:
        threshold = total * p / 100
        while spent < threshold and index < len(paid) - 1:
            index += 1
            spent += paid[index][1]
        out.append(paid[index][0])
    return out


def fee_history(backend: Any, count: int, newest: int, percentiles: list[float]) -> dict[str, Any]:
    """``eth_feeHistory`` for ``count`` blocks up to block number ``newest``, in wire form."""
    if count < 1:
        raise RpcError(INVALID_PARAMS, f"blockCount must be at least 1, got {count}")
    if any(b < a for a, b in pairwise(percentiles)):
        raise RpcError(INVALID_PARAMS, f"rewardPercentiles must be in ascending order, got {percentiles}")
    count = min(count, MAX_BLOCKS, newest + 1)
    oldest = newest - count + 1
    evm = str(getattr(backend, "evm_version", ""))
    base_fees, ratios, blob_fees, blob_ratios, reward = [], [], [], [], []
    max_blob_gas = MAX_BLOBS.get(evm, MAX_BLOBS_DEFAULT) * BLOB_GAS_PER_BLOB
    block: dict[str, Any] | None = None
    for number in range(oldest, newest + 1):
        block = backend.get_block(number, bool(percentiles))
        if block is None:
            raise RpcError(INVALID_PARAMS, f"block {number} does not exist")
        base_fees.append(hex(int(block.get("base_fee_per_gas") or 0)))
        ratios.append(int(block["gas_used"]) / int(block["gas_limit"]) if int(block["gas_limit"]) else 0.0)
        blob_fees.append(hex(blob_base_fee(block, evm)))
        blob_ratios.append(int(block.get("blob_gas_used") or 0) / max_blob_gas)
        if percentiles:
            reward.append([hex(r) for r in rewards(backend, block, percentiles)])
    assert block is not None
    following = dict(block, excess_blob_gas=next_excess_blob_gas(block, evm), blob_gas_used=0)
    base_fees.append(hex(next_base_fee(block)))
    blob_fees.append(hex(blob_base_fee(following, evm)))
    out: dict[str, Any] = {"oldestBlock": hex(oldest), "baseFeePerGas": base_fees, "gasUsedRatio": ratios,
                           "baseFeePerBlobGas": blob_fees, "blobGasUsedRatio": blob_ratios}
    if percentiles:
        out["reward"] = reward
    return out
