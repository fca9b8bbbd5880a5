"""The explorer (blocks, transactions, addresses) and the contract pages generated from each ABI.

A contract page is Scaffold-ETH's debug page on the workshop chain: every
view function with no inputs is called and shown; the others get a form
with a field per typed input (account names work for addresses,
``1.5ether``/``10gwei`` for integers); every state-changing function gets a
form with an account picker and, when payable, a value with its unit. A
write shows its receipt and decoded events, or the revert reason.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.errors import ArgumentError, ContractReverted, SandboxError
from sandbox.main import Sandbox
from sandbox.web import chainview
from sandbox.web.pages import Pages
from sandbox.workshop import words
from sandbox.workshop.session import Workshop

MAX_ARGS, MAX_ARG_CHARS = 20, 10_000
HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
NUMERIC = re.compile(r"^u?int\d*$")
PLACEHOLDERS = {"string": "text", "bytes": "0x…", "bytes32": "0x… (32 bytes)"}


def _signature(item: dict[str, Any]) -> str:
    return f"{item['name']}({','.join(str(i['type']) for i in item.get('inputs', []))})"


def _outputs(item: dict[str, Any]) -> str:
    return ", ".join(f"{o['type']}{' ' + o['name'] if o.get('name') else ''}" for o in item.get("outputs", []))


def _inputs(item: dict[str, Any], values: list[str]) -> list[dict[str, Any]]:
    out = []
    for n, param in enumerate(item.get("inputs", [])):
        kind = str(param["type"])
        placeholder = "42, 0x2a or 1.5ether" if NUMERIC.match(kind) else PLACEHOLDERS.get(kind, "JSON, e.g. [1, 2]" if kind.endswith("]") or
                                                                                          kind.startswith("tuple") else kind)
        out.append({"name": param.get("name") or f"arg{n}", "type": kind, "placeholder": placeholder, "numeric": bool(NUMERIC.match(kind)),
                    "value": values[n] if n < len(values) else ""})
    return out


def _shown(value: Any) -> str:
    return json.dumps(chainview.plain(value), default=str, ensure_ascii=False)


def _failure(exc: SandboxError) -> str:
    if isinstance(exc, ContractReverted):
        return f"reverted: {exc.reason}"
    return str(exc)


def _args(raw: list[str]) -> list[str]:
    if len(raw) > MAX_ARGS or any(len(a) > MAX_ARG_CHARS for a in raw):
        raise ArgumentError(f"too many or too long arguments: at most {MAX_ARGS}, each up to {MAX_ARG_CHARS:,} characters")
    return [a.strip() for a in raw]


def contract_view(ws: Workshop, sb: Sandbox, address: str, *, asked: str = "", asked_args: list[str] | None = None) -> dict[str, Any]:
    handle = ws.find_contract(sb, address)
    reads, writes = [], []
    for n, item in enumerate(handle.abi):
        if item.get("type") != "function":
            continue
        signature = _signature(item)
        entry: dict[str, Any] = {"name": item["name"], "signature": signature, "key": f"fn-{item['name']}-{n}", "outputs": _outputs(item),
                                 "payable": item.get("stateMutability") == "payable", "result": None, "error": ""}
        values = (asked_args or []) if signature == asked else []
        entry["inputs"] = _inputs(item, values)
        if item.get("stateMutability") in ("view", "pure"):
            if not item.get("inputs") or (signature == asked and asked_args is not None):
                try:
                    entry["result"] = _shown(words.call(ws, sb, f"{handle.address}.{item['name']}", values)["result"])
                except SandboxError as exc:
                    entry["error"] = _failure(exc)
            reads.append(entry)
        else:
            writes.append(entry)
    head = int(sb.w3.eth.block_number)
    known = chainview.names(ws, sb)
    events = []
    for event in sb.get_events(handle.address, from_block=max(0, head - 1000))[-20:][::-1]:
        events.append({"name": event.name, "address": event.address, "address_name": chainview.label(known, event.address),
                       "args": [{"name": k, "value": chainview.plain(v), "name_of": chainview.label(known, v) if isinstance(v, str)
                                 and len(v) == 42 and v.startswith("0x") else ""} for k, v in event.args.items()]})
    names = {i.get("name") for i in handle.abi if i.get("type") == "function"}
    return {"name": handle.contract_name, "address": handle.address, "reads": reads, "writes": writes, "events": events,
            "balance_eth": chainview.ether(int(sb.w3.eth.get_balance(handle.address))), "is_nft": {"ownerOf", "tokenURI"} <= names}


def routes(pages: Pages) -> list[Route]:
    ws = pages.ws

    def explorer(request: Request) -> Response:
        with ws.session() as sb:
            context = {**pages.base(sb), "latest": chainview.latest(ws, sb)}
        return pages.render(request, "explorer.html", context)

    def block(request: Request) -> Response:
        raw = request.path_params["number"]
        if not raw.isdigit() or len(raw) > 20:
            raise ArgumentError(f"block {raw[:20]!r} is not a block number; use /block/0, /block/1, ...")
        with ws.session() as sb:
            context = {**pages.base(sb), "b": chainview.block(ws, sb, int(raw))}
        return pages.render(request, "block.html", context)

    def transaction(request: Request) -> Response:
        tx_hash = request.path_params["tx_hash"]
        if not HASH.match(tx_hash):
            raise ArgumentError(f"{tx_hash[:80]!r} is not a transaction hash (0x and 64 hex digits)")
        with ws.session() as sb:
            context = {**pages.base(sb), "tx": chainview.transaction(ws, sb, tx_hash), "engine": ws.backend, "trace": None}
            # py-evm runs a transaction again in milliseconds; revm's only tracer is slow (seconds), so there it is asked for
            if ws.backend == "pyevm" or request.query_params.get("trace") == "1":
                context["trace"] = chainview.call_trace(ws, sb, tx_hash)
        return pages.render(request, "tx.html", context)

    def address(request: Request) -> Response:
        who = request.path_params["who"][:100]
        with ws.session() as sb:
            context = {**pages.base(sb), "a": chainview.address(ws, sb, who)}
        return pages.render(request, "address.html", context)

    def search(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()[:100]
        if q.isdigit():
            target = f"/block/{q}"
        elif HASH.match(q):
            target = f"/tx/{q}"
        elif q:
            target = f"/address/{quote(q)}"
        else:
            raise ArgumentError("type a block number, a transaction hash, an address or an account name")
        return RedirectResponse(target, status_code=303)

    def contracts(request: Request) -> Response:
        with ws.session() as sb:
            context = {**pages.base(sb), "contracts": list(reversed(ws.contracts()))}
        return pages.render(request, "contracts.html", context)

    def contract(request: Request) -> Response:
        asked = request.query_params.get("fn", "")[:300]
        asked_args = _args(request.query_params.getlist("arg")) if asked else None
        with ws.session() as sb:
            context = {**pages.base(sb), "c": contract_view(ws, sb, request.path_params["address"][:100], asked=asked, asked_args=asked_args),
                       "default_sender": request.cookies.get("sandbox_account") or "alice"}
        return pages.render(request, "contract.html", context)

    async def write(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=MAX_ARGS + 10)
        signature = str(form.get("fn") or "")[:300]
        args = _args([str(v) for v in form.getlist("arg")])
        sender = str(form.get("sender") or "alice")[:100]
        value = f"{str(form.get('value') or '0').strip()[:80]}{str(form.get('unit') or 'wei')[:5]}"
        target = request.path_params["address"][:100]

        def work() -> tuple[dict[str, Any], int]:
            name = signature.split("(")[0]
            try:
                result = pages.writer.run(lambda sb: words.send(ws, sb, f"{target}.{name}", args, sender=sender, value=value))
                outcome = {"ok": True, "function": signature, **result, "block": result["block"]}
                status = 200
            except SandboxError as exc:
                outcome, status = {"ok": False, "function": signature, "error": _failure(exc)}, 400
            with ws.session() as sb:
                known = chainview.names(ws, sb)
                if outcome["ok"]:
                    outcome["events"] = chainview.logs_of(sb, int(outcome["block"]), str(outcome["tx"]), known)
                context = {**pages.base(sb), "c": contract_view(ws, sb, target), "outcome": outcome, "default_sender": sender}
            return context, status

        context, status = await run_in_threadpool(work)
        return pages.render(request, "contract.html", context, status=status)

    return [
        Route("/explorer", pages.stale_while_writing(explorer)),
        Route("/block/{number}", pages.stale_while_writing(block)),
        Route("/tx/{tx_hash}", pages.stale_while_writing(transaction)),
        Route("/address/{who}", pages.stale_while_writing(address)),
        Route("/search", search),
        Route("/contracts", pages.stale_while_writing(contracts)),
        Route("/contract/{address}", pages.stale_while_writing(contract)),
        Route("/contract/{address}/write", write, methods=["POST"]),
    ]
