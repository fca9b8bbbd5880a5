"""NFTs on the workshop chain: mint, list, show, give away, in plain words.

Shared by the ``sandbox`` command and the web gallery. Every function takes
a :class:`~sandbox.workshop.Workshop` and the session's sandbox, and returns
plain dicts (what ``--json`` prints). A revert becomes a
:class:`~sandbox.errors.TokenError` that says the rule that was broken.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode

from sandbox.contracts.handles import Contract
from sandbox.errors import ArgumentError, ContractReverted, SandboxError, TokenError
from sandbox.helpers.nft import MetadataError, image_uri_for, metadata_uri, read_metadata
from sandbox.main import Sandbox
from sandbox.workshop.session import Workshop

ZERO = "0x" + "00" * 20
#: On-chain metadata costs ~1,200 gas per image byte; 16 KiB stays well under a block.
MAX_IMAGE_BYTES = 16 * 1024


def label(sb: Sandbox, address: str) -> str:
    """An account's name, or the address itself."""
    if address == ZERO:
        return "nobody"
    return sb.accounts.name_of(address) or address


def token_uri(name: str, description: str = "", image: bytes | None = None, filename: str = "") -> str:
    """Metadata ``data:`` URI; generated SVG art when no image is given."""
    image_uri = None
    if image is not None:
        if len(image) > MAX_IMAGE_BYTES:
            raise MetadataError(
                f"image {filename!r} is {len(image):,} bytes; on-chain images must be at most {MAX_IMAGE_BYTES:,} bytes "
                "(about 20M gas): use a smaller picture, e.g. 256x256 pixels, or leave it out for generated art"
            )
        image_uri = image_uri_for(image, filename)
    return metadata_uri(name, description=description, image=image_uri)


def read_image(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise MetadataError(f"cannot read image {str(path)!r} ({exc.strerror}); pass an existing PNG, JPEG, GIF, WebP or SVG file") from None


def mint(
    ws: Workshop, sb: Sandbox, *, to: str, name: str, description: str = "", image: bytes | None = None,
    filename: str = "", collection: str | None = None, sender: str | None = None,
) -> dict[str, Any]:
    """Mint a token to ``to`` (run inside a write session)."""
    recipient = sb.accounts.resolve(to)
    uri = token_uri(name, description, image, filename)
    nft = ws.collection(sb, collection, create=True)
    minter = sb.accounts.resolve(sender) if sender is not None else _owner(sb, nft)
    try:
        receipt = nft.mint(recipient, uri, sender=minter)
    except ContractReverted as exc:
        raise TokenError(explain(sb, exc, token_id=None, sender=minter)) from None
    token_id = int(receipt.events["Transfer"][0].args["tokenId"])
    return {"contract": nft.address, "collection": nft.contract_name, "token_id": token_id, "name": name, "owner": recipient,
            "owner_name": label(sb, recipient), "tx": receipt.tx_hash, "gas_used": receipt.gas_used}


def _owner(sb: Sandbox, nft: Contract) -> str:
    try:
        return str(nft.owner())
    except (SandboxError, AttributeError):
        return sb.accounts.alice.address


def _metadata(ws: Workshop, sb: Sandbox, contract: str, token_id: int) -> dict[str, Any]:
    key = (contract, token_id)
    if key not in ws.cache:
        try:
            raw = sb.w3.eth.call({"to": contract, "data": bytes.fromhex("c87b56dd") + token_id.to_bytes(32, "big")})
            meta = read_metadata(abi_decode(["string"], bytes(raw))[0])
        except Exception:  # not a data: URI, or not our kind of metadata: show the id
            meta = {}
        ws.cache[key] = {"name": str(meta.get("name") or f"Token #{token_id}"),
                         "description": str(meta.get("description") or ""), "image": str(meta.get("image") or "")}
    return dict(ws.cache[key])


def tokens(
    ws: Workshop, sb: Sandbox, *, owner: str | None = None, collection: str | None = None, metadata: bool = True,
) -> list[dict[str, Any]]:
    """Every ERC-721 token on the chain (or of one collection / owner), with its history.

    ``metadata=False`` skips reading each token's name and image from the chain.
    """
    contract = ws.collection(sb, collection).address if collection is not None else None
    wanted = sb.accounts.resolve(owner) if owner is not None else None
    names = {c["address"]: c["name"] for c in ws.contracts()}
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for t in ws.transfers():
        if contract is not None and t["contract"] != contract:
            continue
        key = (t["contract"], t["token_id"])
        entry = found.setdefault(key, {"contract": t["contract"], "collection": names.get(t["contract"], "ERC-721"),
                                       "token_id": t["token_id"], "history": []})
        entry["history"].append(dict(t, from_name=label(sb, t["from"]), to_name=label(sb, t["to"])))
        entry["owner"] = t["to"]
    result = []
    for key, entry in found.items():
        if entry["owner"] == ZERO or (wanted is not None and entry["owner"] != wanted):
            continue
        entry["owner_name"] = label(sb, entry["owner"])
        if metadata:
            entry.update(_metadata(ws, sb, *key))
        result.append(entry)
    return result


def token(ws: Workshop, sb: Sandbox, token_id: int, *, collection: str | None = None) -> dict[str, Any]:
    """One token of the workshop collection (or ``collection``); unknown ids raise :class:`TokenError`."""
    nft = ws.collection(sb, collection)
    mine = tokens(ws, sb, collection=nft.address)
    for entry in mine:
        if entry["token_id"] == token_id:
            return entry
    ids = sorted(e["token_id"] for e in mine)
    have = f"it has {len(ids)} token(s): " + ", ".join(f"#{i}" for i in ids[:10]) + (" ..." if len(ids) > 10 else "") if ids else "it has no tokens yet"
    raise TokenError(f"token #{token_id} does not exist in {nft.contract_name} at {nft.address}; {have} (see `sandbox list`)")


def transfer(ws: Workshop, sb: Sandbox, token_id: int, *, sender: str, to: str, collection: str | None = None) -> dict[str, Any]:
    """Give token ``token_id`` from ``sender`` to ``to`` (run inside a write session)."""
    entry = token(ws, sb, token_id, collection=collection)
    giver, receiver = sb.accounts.resolve(sender), sb.accounts.resolve(to)
    nft = sb.at(entry["collection"], entry["contract"]) if entry["collection"] != "ERC-721" else ws.collection(sb, collection)
    try:
        receipt = nft.transferFrom(giver, receiver, token_id, sender=giver)
    except ContractReverted as exc:
        raise TokenError(explain(sb, exc, token_id=token_id, sender=giver, owner=entry["owner"])) from None
    except ArgumentError as exc:
        raise TokenError(str(exc)) from None
    return {"contract": nft.address, "token_id": token_id, "name": entry["name"], "from": giver, "from_name": label(sb, giver),
            "to": receiver, "to_name": label(sb, receiver), "tx": receipt.tx_hash, "gas_used": receipt.gas_used}


def accounts(ws: Workshop, sb: Sandbox) -> list[dict[str, Any]]:
    """Each dev account with its ether balance and how many NFTs it holds."""
    held: dict[str, int] = {}
    for entry in tokens(ws, sb, metadata=False):
        held[entry["owner"]] = held.get(entry["owner"], 0) + 1
    rows = []
    for account in sb.accounts:
        wei = sb.balance(account.address)
        rows.append({"name": account.name, "address": account.address, "balance_wei": wei,
                     "balance_eth": f"{wei / 10**18:,.4f}", "nfts": held.get(account.address, 0)})
    return rows


def _when(seconds: int) -> str:
    days, rest = divmod(max(seconds, 0), 86_400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} day(s) {hours} h"
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


def explain(sb: Sandbox, exc: ContractReverted, *, token_id: int | None, sender: str, owner: str | None = None) -> str:
    """A revert of an NFT operation in plain words: the rule, and how to get past it."""
    name, args = exc.name or "", exc.revert_args
    who, tok = label(sb, sender), f"token #{token_id}" if token_id is not None else "the token"
    if name in ("ERC721IncorrectOwner", "ERC721InsufficientApproval"):
        holder = label(sb, str(args.get("owner") or owner or ""))
        return f"{who} cannot give away {tok}: it belongs to {holder}, and only its owner can give it away (use --from {holder})"
    if name == "ERC721NonexistentToken":
        return f"{tok} does not exist (see `sandbox list`)"
    if name == "ERC721InvalidReceiver":
        return f"{label(sb, str(args.get('receiver')))} cannot receive NFTs (a contract without onERC721Received); give it to an account"
    if name.endswith("Soulbound"):
        return f"{tok} is soulbound: this collection's rule (ERC-5192) is that its tokens never leave their first owner"
    if name.endswith("HoldPeriodActive") or any(k.lower().endswith(("at", "until")) for k in args if k != "tokenId"):
        at = next((int(v) for k, v in args.items() if k != "tokenId" and isinstance(v, int)), 0)
        try:
            when = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        except (OverflowError, OSError, ValueError):  # a clock moved past what dates can show
            when = f"timestamp {at}"
        return (f"{tok} is still in its holding period: this collection lets a holder give a token away only after keeping it "
                f"for a minimum time; it can move from {when} (in {_when(at - sb.chain.timestamp)} of chain time)")
    if name == "EnforcedPause":
        return "the collection is paused by its owner; tokens move again when the owner unpauses it"
    if name == "OwnableUnauthorizedAccount":
        return f"{label(sb, str(args.get('account')))} cannot mint here: only the collection's owner can (leave out --from)"
    if name.endswith("SupplyExhausted"):
        return f"the collection is sold out: its supply cap is {args.get('cap')} tokens"
    return f"the contract refused: {exc.reason}"
