"""anvil's ``--dump-state`` JSON, both ways: a saved chain out to anvil, and an anvil dump in.

The format is anvil 1.7's ``SerializableState`` (anvil changed it
incompatibly in 1.3, foundry issue 11176): the block environment, every
account with code and storage, and the history as ``blocks`` (header,
transactions) and ``transactions`` (info, receipt, block). Headers carry
every field, so anvil computes the same block hashes; call traces are not
exported (anvil keeps them only to serve ``trace_*``).

An import rebuilds the chain as a new store: the state at anvil's best
block, and the blocks, transactions and receipts of its history, so the
chain continues at the same number and hash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import rlp
from eth_bloom import BloomFilter  # type: ignore[attr-defined]
from eth_utils import keccak, to_checksum_address

from sandbox.errors import StateFileError
from sandbox.node.wire import raw_transaction, transaction_out
from sandbox.workshop.db import ChainStore, Change

#: Header fields in anvil's JSON (alloy's camelCase) and in py-evm's header, in RLP order.
HEADER = (("parentHash", "parent_hash"), ("sha3Uncles", "uncles_hash"), ("miner", "coinbase"), ("stateRoot", "state_root"),
          ("transactionsRoot", "transaction_root"), ("receiptsRoot", "receipt_root"), ("logsBloom", "bloom"),
          ("difficulty", "difficulty"), ("number", "block_number"), ("gasLimit", "gas_limit"), ("gasUsed", "gas_used"),
          ("timestamp", "timestamp"), ("extraData", "extra_data"), ("mixHash", "mix_hash"), ("nonce", "nonce"),
          ("baseFeePerGas", "base_fee_per_gas"), ("withdrawalsRoot", "withdrawals_root"), ("blobGasUsed", "blob_gas_used"),
          ("excessBlobGas", "excess_blob_gas"), ("parentBeaconBlockRoot", "parent_beacon_block_root"), ("requestsHash", "requests_hash"))
INTS = {"bloom", "difficulty", "block_number", "gas_limit", "gas_used", "timestamp", "base_fee_per_gas", "blob_gas_used", "excess_blob_gas"}


def _hex32(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _header_json(raw: bytes) -> dict[str, Any]:
    # A Prague header is an RLP list of these fields in this order (plain RLP: the node layer uses no engine).
    items = rlp.decode(raw)
    out: dict[str, Any] = {}
    for (wire, field), value in zip(HEADER, items, strict=True):
        if field == "bloom":
            out[wire] = "0x" + bytes(value).rjust(256, b"\x00").hex()
        elif field in INTS:
            out[wire] = hex(int.from_bytes(value, "big"))
        else:
            out[wire] = "0x" + bytes(value).hex()
    return out


def _header_rlp(data: dict[str, Any]) -> bytes:
    items: list[Any] = []
    for wire, field in HEADER:
        text = str(data[wire])
        if field == "bloom":  # a fixed 256-byte string, not a minimal integer
            items.append(int(text, 16).to_bytes(256, "big"))
        elif field in INTS:
            items.append(int(text, 16))
        else:
            items.append(bytes.fromhex(text[2:]))
    return bytes(rlp.encode(items))


def _bloom(logs: list[dict[str, Any]]) -> str:
    bloom = BloomFilter()
    for log in logs:
        bloom.add(bytes.fromhex(str(log["address"])[2:]))
        for topic in log["topics"]:
            bloom.add(bytes.fromhex(str(topic)[2:]))
    return "0x" + int(bloom).to_bytes(256, "big").hex()


# -- out --------------------------------------------------------------------------------


def export_anvil(store: ChainStore) -> dict[str, Any]:
    """The saved chain as anvil's ``--dump-state`` JSON (``anvil --load-state FILE`` starts from it)."""
    if store.head() is None:
        raise StateFileError(f"there is no chain at {store.path} yet; mint or deploy something first")
    with store.reading() as conn:
        assert conn is not None
        accounts: dict[str, Any] = {}
        for address, nonce, balance, code in conn.execute("SELECT address, nonce, balance, code FROM accounts ORDER BY address"):
            accounts["0x" + bytes(address).hex()] = {"nonce": int(nonce), "balance": balance, "code": "0x" + bytes(code).hex(), "storage": {}}
        for address, slot, value in conn.execute("SELECT address, slot, value FROM storage ORDER BY address, slot"):
            accounts["0x" + bytes(address).hex()]["storage"]["0x" + bytes(slot).hex()] = "0x" + bytes(value).hex()
        blocks = conn.execute("SELECT number, hash, header, record FROM blocks ORDER BY number").fetchall()
        txs: dict[int, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        for number, record, receipt in conn.execute("SELECT block, record, receipt FROM transactions ORDER BY block, idx"):
            txs.setdefault(int(number), []).append((json.loads(record), json.loads(receipt)))
    out_blocks, out_txs = [], []
    for number, block_hash, raw, _record in blocks:
        header = _header_json(bytes(raw))
        entries = txs.get(int(number), [])
        out_blocks.append({"header": header, "transactions": [{"transaction": _transaction(tx), "impersonated_sender": None} for tx, _ in entries],
                           "ommers": [], "withdrawals": None})
        for index, (tx, receipt) in enumerate(entries):
            logs = [{"address": str(log["address"]).lower(), "topics": list(log["topics"]), "data": log["data"]} for log in receipt["logs"]]
            created = receipt.get("contract_address")
            ok = int(receipt["status"]) == 1
            out_txs.append({
                "info": {"transaction_hash": tx["hash"], "transaction_index": index, "from": str(tx["from"]).lower(),
                         "to": str(tx["to"]).lower() if tx.get("to") else None, "contract_address": str(created).lower() if created else None,
                         "traces": [], "exit": ("Return" if created else "Stop") if ok else "Revert", "out": "0x", "nonce": int(tx["nonce"]),
                         "gas_used": int(receipt["gas_used"])},
                "receipt": {"type": hex(int(str(tx.get("type") or "0x0"), 16)), "status": hex(int(receipt["status"])),
                            "cumulativeGasUsed": hex(int(receipt["cumulative_gas_used"])), "logs": logs, "logsBloom": _bloom(logs)},
                "block_hash": block_hash, "block_number": int(number),
            })
    head = json.loads(blocks[-1][3])
    return {
        "block": {"number": hex(int(head["number"])), "beneficiary": str(head["coinbase"]).lower(), "timestamp": hex(int(head["timestamp"])),
                  "gas_limit": int(head["gas_limit"]), "basefee": int(head.get("base_fee_per_gas") or 0), "difficulty": "0x0",
                  "prevrandao": head["mix_hash"], "blob_excess_gas_and_price": {"excess_blob_gas": 0, "blob_gasprice": 1}},
        "accounts": accounts,
        "best_block_number": int(head["number"]),
        "blocks": out_blocks,
        "transactions": out_txs,
        "historical_states": None,
    }


def _transaction(tx: dict[str, Any]) -> dict[str, Any]:
    wire = transaction_out({k: v for k, v in tx.items() if k not in ("block_hash", "block_number", "transaction_index", "from")})
    kind = int(str(tx.get("type") or "0x0"), 16)
    wire["type"] = hex(kind)
    if kind == 0:
        wire.pop("maxFeePerGas", None)
        wire.pop("maxPriorityFeePerGas", None)
        wire.pop("accessList", None)
        wire.pop("yParity", None)
    return wire


# -- in ---------------------------------------------------------------------------------


class ChainIdMismatch(ValueError):
    """Raised when a dump's transactions are signed for another chain id than the import's."""


def read_dump(path: Path) -> dict[str, Any]:
    """An anvil dump (or the JSON state file of an older sandbox), checked enough to import."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StateFileError(f"no file {path}; give the path of an anvil --dump-state file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StateFileError(f"{path} is not an anvil dump: not JSON ({exc}); anvil writes one with `anvil --dump-state FILE`") from None
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict) or not isinstance(data.get("block"), dict):
        raise StateFileError(f"{path} is not an anvil dump: it needs 'block' and 'accounts' (anvil 1.3 or later writes both)")
    return data


def import_anvil(data: dict[str, Any], store: ChainStore, chain_id: int, path: Path) -> int:
    """Write the dump as the store's chain (the store must be empty); returns the head block number."""
    if store.head() is not None:
        raise StateFileError(f"{store.path} already holds a chain; `sandbox reset` first (or pass --state NEWFILE) to import into a new one")
    try:
        change = Change(chain_id)
        accounts: dict[bytes, dict[str, Any]] = {}
        for address, account in data["accounts"].items():
            storage = {int(k, 16): int(v, 16) for k, v in (account.get("storage") or {}).items()}
            nonce = account.get("nonce", 0)
            accounts[bytes.fromhex(address[2:].rjust(40, "0"))] = {
                "nonce": int(nonce, 16) if isinstance(nonce, str) else int(nonce),
                "balance": int(str(account.get("balance", "0x0")), 16),
                "code": bytes.fromhex(str(account.get("code") or "0x")[2:]), "storage": storage}
        change.updates(accounts)
        receipts: dict[str, dict[str, Any]] = {str(t["info"]["transaction_hash"]).lower(): t for t in data.get("transactions") or []}
        best = int(data.get("best_block_number") or 0)
        blocks = [b for b in data.get("blocks") or [] if int(str(b["header"]["number"]), 16) <= best]
        if not blocks and isinstance(data.get("sandbox"), dict) and data["sandbox"].get("format") == 1:
            return _import_legacy(data, accounts, store, path)
        if not blocks:
            raise StateFileError(f"{path} has no blocks: anvil 1.3 and later dump them; dump again with a newer anvil")
        for block in blocks:
            raw = _header_rlp(block["header"])
            block_hash = "0x" + keccak(raw).hex()
            number = int(str(block["header"]["number"]), 16)
            base_fee = int(str(block["header"].get("baseFeePerGas") or "0x0"), 16)
            entries = [_imported(entry["transaction"], receipts, block_hash, number, index, chain_id, base_fee)
                       for index, entry in enumerate(block.get("transactions") or [])]
            record = _block_record(block["header"], block_hash, [tx["hash"] for tx, _ in entries], len(raw))
            change.blocks.append((record, raw, entries))
    except ChainIdMismatch as exc:
        raise StateFileError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateFileError(f"{path} is not an anvil dump this sandbox reads ({type(exc).__name__}: {exc}); it reads anvil 1.3 and later") from None
    store.commit(change)
    return int(change.blocks[-1][0]["number"])


def _import_legacy(data: dict[str, Any], accounts: dict[bytes, dict[str, Any]], store: ChainStore, path: Path) -> int:
    """The JSON state file of sandbox 0.1 (format 1): state only, so the chain starts a new history at its time."""
    from sandbox.chain.chain import Chain

    section = data["sandbox"]
    chain_id = int(section.get("chain_id", 31337))
    timestamp = int(str(data["block"].get("timestamp", "0x0")), 16)
    from sandbox.backends.base import StateDump

    chain = Chain(backend="pyevm", chain_id=chain_id, state=StateDump(accounts, 0, timestamp), persistent=True)
    backend = chain.backend
    genesis, header = backend.get_block(0, full=False), backend.raw_header(0)
    assert genesis is not None and header is not None
    change = Change(chain_id)
    change.updates(accounts)
    change.blocks.append((genesis, header, []))
    # Its token histories were a list beside the state (0.1 kept no blocks): kept as a record, shown before the chain's own.
    change.records = {"contracts": list(section.get("contracts") or []), "imported_transfers": list(section.get("transfers") or [])}
    store.commit(change)
    return 0


def _block_record(header: dict[str, Any], block_hash: str, tx_hashes: list[str], size: int) -> dict[str, Any]:
    def num(key: str) -> int:
        return int(str(header.get(key) or "0x0"), 16)

    return {
        "number": num("number"), "hash": block_hash, "parent_hash": header["parentHash"], "nonce": header["nonce"],
        "sha3_uncles": header["sha3Uncles"], "logs_bloom": num("logsBloom"), "transactions_root": header["transactionsRoot"],
        "receipts_root": header["receiptsRoot"], "state_root": header["stateRoot"], "coinbase": to_checksum_address(header["miner"]),
        "difficulty": num("difficulty"), "total_difficulty": num("difficulty"), "mix_hash": header["mixHash"], "size": size,
        "extra_data": "0x" + bytes.fromhex(str(header["extraData"])[2:]).rjust(32, b"\0").hex(), "gas_limit": num("gasLimit"),
        "gas_used": num("gasUsed"), "timestamp": num("timestamp"), "transactions": tx_hashes, "uncles": [],
        "base_fee_per_gas": num("baseFeePerGas"), "withdrawals": [], "withdrawals_root": header["withdrawalsRoot"],
        "parent_beacon_block_root": header["parentBeaconBlockRoot"], "blob_gas_used": num("blobGasUsed"),
        "excess_blob_gas": num("excessBlobGas"), "requests_hash": header["requestsHash"],
    }


def _imported(tx: dict[str, Any], receipts: dict[str, Any], block_hash: str, number: int, index: int,
              chain_id: int, base_fee: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One anvil transaction and its receipt as the backends' records."""
    tx_hash = str(tx["hash"]).lower()
    saved = receipts[tx_hash]
    info, receipt = saved["info"], saved["receipt"]
    kind = int(str(tx.get("type") or "0x0"), 16)

    def num(key: str, default: str = "0x0") -> int:
        return int(str(tx.get(key) or default), 16)

    record: dict[str, Any] = {
        "hash": tx_hash, "nonce": num("nonce"), "block_hash": block_hash, "block_number": number, "transaction_index": index,
        "from": to_checksum_address(info["from"]), "to": to_checksum_address(tx["to"]) if tx.get("to") else "",
        "value": num("value"), "gas": num("gas"), "data": tx.get("input") or "0x", "r": num("r"), "s": num("s"),
        "v": num("v"), "type": hex(kind),
    }
    if kind == 0:
        record["gas_price"] = num("gasPrice")
    else:
        if num("chainId", hex(chain_id)) != chain_id:
            raise ChainIdMismatch(f"transaction {tx_hash} in the dump is signed for chain id {num('chainId')}, not {chain_id}; "
                                  f"import it with --chain-id {num('chainId')} (the chain id anvil ran with)")
        record.update(chain_id=num("chainId", hex(chain_id)), y_parity=num("yParity", str(tx.get("v") or "0x0")),
                      access_list=[{"address": to_checksum_address(e["address"]), "storage_keys": list(e.get("storageKeys") or [])}
                                   for e in tx.get("accessList") or []])
        if kind == 1:
            record["gas_price"] = num("gasPrice")
        else:
            record.update(max_fee_per_gas=num("maxFeePerGas"), max_priority_fee_per_gas=num("maxPriorityFeePerGas"))
    try:  # the hash anvil gave must be the transaction's: a check that the fields were read right
        if "0x" + keccak(bytes.fromhex(raw_transaction(record)[2:])).hex() != tx_hash:
            raise ValueError(f"transaction {tx_hash} does not hash to itself from its fields")
    except KeyError:
        pass
    cumulative = int(str(receipt["cumulativeGasUsed"]), 16)
    logs = [{"type": "mined", "log_index": i, "transaction_index": index, "transaction_hash": tx_hash, "block_hash": block_hash,
             "block_number": number, "address": to_checksum_address(log["address"]), "data": log.get("data") or "0x",
             "topics": [str(t).lower() for t in log["topics"]]} for i, log in enumerate(receipt.get("logs") or [])]
    created = info.get("contract_address")
    price = record["gas_price"] if "gas_price" in record else min(record["max_fee_per_gas"], base_fee + record["max_priority_fee_per_gas"])
    out = {
        "block_hash": block_hash, "block_number": number, "contract_address": to_checksum_address(created) if created else None,
        "cumulative_gas_used": cumulative, "effective_gas_price": price, "from": record["from"],
        "gas_used": int(info["gas_used"]), "logs": logs, "state_root": "0x01", "status": int(str(receipt["status"]), 16),
        "to": record["to"], "transaction_hash": tx_hash, "transaction_index": index, "type": hex(kind),
    }
    return record, out


__all__ = ["export_anvil", "import_anvil", "read_dump"]
