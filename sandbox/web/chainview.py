"""What the explorer and the contract pages show, read through the public API (``sb.w3``, handles, events).

Every function takes the :class:`~sandbox.workshop.session.Workshop` and the
session's sandbox and returns plain dicts for the templates. Nothing here
reaches into an engine: blocks, transactions and receipts come from web3.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from eth_utils import to_checksum_address

from sandbox.errors import SandboxError
from sandbox.helpers.nft import read_metadata
from sandbox.main import Sandbox
from sandbox.workshop import collection
from sandbox.workshop.session import Workshop

#: How far back the address page looks for an account's transactions.
SCAN_BLOCKS = 2000


def when(timestamp: int) -> str:
    try:
        return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):  # a chain clock pushed past what the platform can show
        return f"timestamp {timestamp}"


def hexstr(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value.hex() if hasattr(value, "hex") and not isinstance(value, str) else value)


def names(ws: Workshop, sb: Sandbox) -> dict[str, str]:
    """Address → a name people know it by: dev account names and deployed contracts."""
    known = {a.address: a.name for a in sb.accounts}
    for c in ws.contracts():
        known[to_checksum_address(c["address"])] = c["name"]
    return known


def label(known: dict[str, str], address: str | None) -> str:
    if not address:
        return ""
    return known.get(to_checksum_address(address), "")


def _tx_row(tx: Any, known: dict[str, str], timestamp: int, number: int) -> dict[str, Any]:
    to = tx.get("to")
    return {"hash": hexstr(tx["hash"]), "block": number, "from": tx["from"], "from_name": label(known, tx["from"]),
            "to": to or "", "to_name": label(known, to) if to else "contract creation", "value_eth": ether(int(tx.get("value", 0))),
            "when": when(timestamp), "method": hexstr(tx.get("input", b""))[:10]}


def ether(wei: int) -> str:
    text = f"{wei / 10**18:,.6f}".rstrip("0").rstrip(".")
    return text or "0"


def latest(ws: Workshop, sb: Sandbox, *, blocks: int = 10, txs: int = 10) -> dict[str, Any]:
    """The newest blocks and transactions."""
    known = names(ws, sb)
    head = int(sb.w3.eth.block_number)
    rows: list[dict[str, Any]] = []
    transactions: list[dict[str, Any]] = []
    for number in range(head, max(head - 200, -1), -1):
        block = sb.w3.eth.get_block(number, full_transactions=True)
        if len(rows) < blocks:
            rows.append({"number": number, "hash": hexstr(block["hash"]), "txs": len(block["transactions"]),
                         "gas_used": int(block["gasUsed"]), "when": when(int(block["timestamp"]))})
        for tx in block["transactions"]:
            if len(transactions) < txs:
                transactions.append(_tx_row(tx, known, int(block["timestamp"]), number))
        if len(rows) >= blocks and len(transactions) >= txs:
            break
    return {"head": head, "blocks": rows, "txs": transactions}


def block(ws: Workshop, sb: Sandbox, number: int) -> dict[str, Any]:
    head = int(sb.w3.eth.block_number)
    if not 0 <= number <= head:
        raise SandboxError(f"block {number} does not exist: the chain is at block {head}")
    known = names(ws, sb)
    raw = sb.w3.eth.get_block(number, full_transactions=True)
    return {"number": number, "hash": hexstr(raw["hash"]), "parent": hexstr(raw["parentHash"]), "when": when(int(raw["timestamp"])),
            "gas_used": int(raw["gasUsed"]), "gas_limit": int(raw["gasLimit"]), "base_fee": int(raw.get("baseFeePerGas") or 0),
            "txs": [_tx_row(tx, known, int(raw["timestamp"]), number) for tx in raw["transactions"]], "head": head}


def _abi_for(ws: Workshop, sb: Sandbox, address: str | None) -> tuple[str, list[dict[str, Any]]]:
    if not address:
        return "", []
    for c in reversed(ws.contracts()):
        if c["address"].lower() == address.lower():
            try:
                return c["name"], list(sb.at(c["name"], c["address"]).abi)
            except SandboxError:
                return c["name"], []
    return "", []


def decode_call(abi: list[dict[str, Any]], data: bytes) -> dict[str, Any] | None:
    """``{"function", "args"}`` for calldata against ``abi``, or ``None``."""
    from eth_abi import decode as abi_decode
    from eth_utils import function_abi_to_4byte_selector

    for item in abi:
        if item.get("type") != "function" or len(data) < 4 or function_abi_to_4byte_selector(item) != data[:4]:  # type: ignore[arg-type]
            continue
        types = [_type(i) for i in item.get("inputs", [])]
        try:
            values = abi_decode(types, data[4:])
        except Exception:
            return {"function": item["name"], "args": [{"name": "(undecodable)", "type": "", "value": "0x" + data[4:].hex()}]}
        return {"function": item["name"], "args": [{"name": i.get("name") or f"arg{n}", "type": i["type"], "value": plain(v)}
                                                   for n, (i, v) in enumerate(zip(item.get("inputs", []), values, strict=True))]}
    return None


def _type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param.get("components", [])) + ")" + kind[5:]
    return kind


def plain(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _revert_reason(sb: Sandbox, tx: Any, number: int) -> str:
    """Replay a failed transaction as a call on its parent block to recover why it reverted."""
    call = {"from": tx["from"], "to": tx.get("to"), "data": tx.get("input", b""), "value": int(tx.get("value", 0)), "gas": int(tx["gas"])}
    try:
        sb.w3.eth.call(call, number - 1)
    except Exception as exc:
        for attr in ("data", "args"):
            raw = getattr(exc, attr, None)
            raw = raw[-1] if isinstance(raw, tuple) and raw else raw
            if isinstance(raw, str) and raw.startswith("0x"):
                try:
                    return str(sb.decode_revert(bytes.fromhex(raw[2:])).reason)
                except Exception:
                    pass
        return str(exc)
    return "reverted (the reason could not be recovered)"


def call_trace(ws: Workshop, sb: Sandbox, tx_hash: str) -> dict[str, Any]:
    """The call tree of a transaction as ``forge -vvvv`` draws it (``sb.trace``), with every workshop contract named."""
    for entry in ws.contracts():  # a handle names its address in the trace decoder
        try:
            sb.at(entry["name"], entry["address"])
        except SandboxError:
            continue
    trace = sb.trace(tx_hash)
    return {"text": trace.format(), "complete": trace.complete, "reverted": trace.reverted}


def transaction(ws: Workshop, sb: Sandbox, tx_hash: str) -> dict[str, Any]:
    from web3.exceptions import TransactionNotFound

    try:
        tx = sb.w3.eth.get_transaction(tx_hash)
        receipt = sb.w3.eth.get_transaction_receipt(tx_hash)
    except (TransactionNotFound, ValueError):
        raise SandboxError(f"transaction {tx_hash[:80]!r} is not on this chain (since it was last loaded)") from None
    known = names(ws, sb)
    number = int(receipt["blockNumber"])
    block_ = sb.w3.eth.get_block(number)
    row = _tx_row(tx, known, int(block_["timestamp"]), number)
    name, abi = _abi_for(ws, sb, tx.get("to"))
    data = bytes(tx.get("input", b""))
    created = receipt.get("contractAddress")
    row.update(
        nonce=int(tx["nonce"]), gas_limit=int(tx["gas"]), gas_used=int(receipt["gasUsed"]), status=int(receipt["status"]),
        effective_gas_price=int(receipt.get("effectiveGasPrice") or 0), contract_name=name, input="0x" + data.hex(),
        call=decode_call(abi, data), created=created or "", created_name=label(known, created) if created else "",
        revert="" if int(receipt["status"]) == 1 else _revert_reason(sb, tx, number),
        logs=logs_of(sb, number, row["hash"], known),
    )
    return row


def logs_of(sb: Sandbox, number: int, tx_hash: str, known: dict[str, str]) -> list[dict[str, Any]]:
    """The decoded events of one transaction (decoded with every ABI the project compiles)."""
    out = []
    for event in sb.get_events(from_block=number, to_block=number):
        if str(getattr(event, "tx_hash", tx_hash)).lower() not in (tx_hash.lower(), ""):
            continue
        out.append({"name": event.name, "address": event.address, "address_name": label(known, event.address),
                    "args": [{"name": k, "value": plain(v), "name_of": label(known, v) if _looks_address(v) else ""}
                             for k, v in event.args.items()]})
    return out


def _looks_address(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("0x") and len(value) == 42


def address(ws: Workshop, sb: Sandbox, who: str) -> dict[str, Any]:
    """Balance, nonce, code, tokens held and recent transactions of ``who`` (a name or an address)."""
    target = to_checksum_address(sb.accounts.resolve(who))
    known = names(ws, sb)
    code = bytes(sb.w3.eth.get_code(target))
    head = int(sb.w3.eth.block_number)
    txs = []
    for number in range(head, max(head - SCAN_BLOCKS, -1), -1):
        raw = sb.w3.eth.get_block(number, full_transactions=True)
        for tx in raw["transactions"]:
            if target in (tx["from"], tx.get("to")):
                txs.append(_tx_row(tx, known, int(raw["timestamp"]), number))
        if len(txs) >= 50:
            break
    held = [dict(t, image="") for t in collection.tokens(ws, sb, owner=target, metadata=False)]
    for t in held:
        t.update(token_meta(ws, sb, t["contract"], t["token_id"]))
    return {"address": target, "name": label(known, target), "balance_eth": ether(int(sb.w3.eth.get_balance(target))),
            "balance_wei": int(sb.w3.eth.get_balance(target)), "nonce": int(sb.w3.eth.get_transaction_count(target)),
            "code_size": len(code), "code": "0x" + code[:512].hex(), "is_contract": bool(code), "tokens": held, "txs": txs,
            "contract": next((c for c in ws.contracts() if c["address"].lower() == target.lower()), None)}


def token_meta(ws: Workshop, sb: Sandbox, contract: str, token_id: int) -> dict[str, Any]:
    """Name, description, image and attributes from a token's ``tokenURI`` (cached per chain load)."""
    key = ("web", contract, token_id)
    cache: dict[Any, Any] = ws.cache
    if key not in cache:
        from eth_abi import decode as abi_decode

        try:
            raw = sb.w3.eth.call({"to": contract, "data": bytes.fromhex("c87b56dd") + token_id.to_bytes(32, "big")})
            meta = read_metadata(abi_decode(["string"], bytes(raw))[0])
        except Exception:  # not a data: URI, or not our kind of metadata: show the id
            meta = {}
        found = meta.get("attributes")
        attributes: list[Any] = found if isinstance(found, list) else []
        cache[key] = {"name": str(meta.get("name") or f"Token #{token_id}"), "description": str(meta.get("description") or ""),
                      "image": str(meta.get("image") or ""), "attributes": [a for a in attributes if isinstance(a, dict)]}
    return dict(cache[key])


def holding_rule(sb: Sandbox, contract: str, token_id: int, abi: list[dict[str, Any]]) -> dict[str, Any] | None:
    """When a held or soulbound token may move (``transferableAt``, ``giftableAt``, ``locked``), if the contract says."""
    handle_fns = {i["name"] for i in abi if i.get("type") == "function"}
    c = sb.w3.eth.contract(address=to_checksum_address(contract), abi=abi)
    rule: dict[str, Any] = {}
    try:
        if "locked" in handle_fns and c.functions.locked(token_id).call():
            rule["soulbound"] = True
        for fn in ("giftableAt", "transferableAt"):
            if fn in handle_fns:
                at = int(c.functions[fn](token_id).call())
                if at == 0:  # no holding period on this collection (it would read "unlocked since 1970")
                    break
                now = int(sb.w3.eth.get_block("latest")["timestamp"])
                rule.update(unlocks_at=when(at), locked_now=at > now, seconds_left=max(at - now, 0), rule=fn)
                break
    except Exception:
        return None
    return rule or None
