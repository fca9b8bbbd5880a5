"""eth-tester's outbound receipt normalizer, the same functions applied without its curried dict and list walkers.

eth-tester's ``normalize_receipt`` is ``compose(normalize_dict(RECEIPT_NORMALIZERS),
_normalize_contract_address)``; ``normalize_dict`` and ``normalize_array`` are
curried generators wrapped by ``to_dict``/``to_list``, run for the receipt,
its list of logs, each log and each log's topics: a dozen layers of calls a
mint. :func:`normalized` applies the same normalizer to each key, in the same
order, into a dict (and lists where ``normalize_array`` makes lists), when
the tables are the ones it knows: each log's normalizer is eth-tester's
``normalize_log_entry`` and its topics' ``encode_hex``. Any other normalizer
(a custom one, or tables of another eth-tester) is called as before.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from eth_tester.normalization import common, outbound
from eth_utils import encode_hex

_RECEIPT = outbound.RECEIPT_NORMALIZERS
_LOG = outbound.LOG_ENTRY_NORMALIZERS


def _array_of(normalizer: Any, item: Any) -> bool:
    """Whether ``normalizer`` is ``partial(normalize_array, normalizer=item)``."""
    return (isinstance(normalizer, partial) and normalizer.func is common.normalize_array and not normalizer.args
            and normalizer.keywords == {"normalizer": item})


def _known() -> bool:
    return _array_of(_RECEIPT.get("logs"), outbound.normalize_log_entry) and _array_of(_LOG.get("topics"), encode_hex) \
        and isinstance(outbound.normalize_log_entry, partial) and outbound.normalize_log_entry.func is common.normalize_dict \
        and outbound.normalize_log_entry.keywords == {"normalizers": _LOG}


#: Whether eth-tester's tables are the ones :func:`normalized` mirrors (checked once, at import).
KNOWN = _known()


def _log(entry: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in entry.items():
        out[key] = [encode_hex(topic) for topic in item] if key == "topics" else _LOG[key](item)
    return out


def normalized(normalizer: Any, receipt: dict[str, Any]) -> Any:
    """``normalizer.normalize_outbound_receipt(receipt)``: eth-tester's default normalizer's answer, computed directly."""
    if not KNOWN or type(normalizer).normalize_outbound_receipt is not outbound.normalize_receipt:
        return normalizer.normalize_outbound_receipt(receipt)
    receipt = outbound._normalize_contract_address(receipt)
    out: dict[str, Any] = {}
    for key, item in receipt.items():
        out[key] = [_log(entry) for entry in item] if key == "logs" else _RECEIPT[key](item)
    return out
