"""The identity pages: resolve a DID (document, metadata, history of changes), issue credentials, sign in with a DID.

- ``GET /did?did=...``: the DID's resolved document and metadata, every
  registry event that shaped it (with links to each past version,
  ``?versionId=``), and the credentials issued to it;
- ``POST /did/issue``: an account issues a W3C VC 2.0 credential
  (EthereumEip712Signature2021) to a DID; revocable in CredentialRegistry
  when one is deployed;
- ``POST /did/challenge`` then ``POST /did/signin``: sign in by signing a
  one-time challenge with the DID's controller or a ``sigAuth`` delegate
  (pasted from a wallet's ``personal_sign``, or signed here with a workshop
  account), checked against the resolved document
  (:mod:`sandbox.helpers.identity.signin`); then the credentials issued to it.

Credentials live in this gallery process (a holder's wallet, in real life);
the chain holds only the DIDs and the revocations.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.errors import SandboxError
from sandbox.helpers.identity import EthrResolver, change_log, did_for, parse_did_url
from sandbox.helpers.identity.did import split_identifier
from sandbox.helpers.identity.signin import challenge, credentials_of, sign_challenge, verify_sign_in
from sandbox.helpers.identity.vc import issue_credential
from sandbox.web.pages import Pages

MAX_CHALLENGES = 1000


def _history(sb: Any, registry: Any, did: str) -> list[dict[str, Any]]:
    parsed = parse_did_url(did)
    parts = split_identifier(parsed.id) if parsed is not None else None
    if parts is None or len(parts[1]) != 42:
        return []
    rows = []
    for event in change_log(sb, registry, sb.w3.to_checksum_address(parts[1])):
        if event.kind == "DIDOwnerChanged":
            what = f"owner → {event.owner}"
        elif event.kind == "DIDDelegateChanged":
            what = f"{event.delegate_type} delegate {event.delegate}"
        else:
            value = event.value or b""
            try:
                shown = value.decode()
            except UnicodeDecodeError:
                shown = "0x" + value.hex()
            what = f"{event.name} = {shown[:80]}"
        rows.append({"block": event.block_number, "kind": event.kind, "what": what, "valid_to": event.valid_to})
    return rows


def routes(pages: Pages) -> list[Route]:
    """``/did`` and its forms; adds "Identity" to the header's links."""
    pages.nav.append({"href": "/did", "title": "Identity"})
    ws = pages.ws
    issued: list[dict[str, Any]] = []
    challenges: dict[str, str] = {}  # nonce -> challenge text, each usable once

    def context(did: str = "", extra: dict[str, Any] | None = None, *, resolve: bool = True) -> dict[str, Any]:
        with ws.session() as sb:
            base = pages.base(sb)
            base["dids"] = [{"name": a.name, "did": did_for(a.address, sb.chain.chain_id)} for a in sb.accounts]
            base.update({"did": did, "result": None, "history": [], "credentials": [], "registry_error": "", **(extra or {})})
            try:
                registry = ws.find_contract(sb, "IdentityRegistry")
            except SandboxError as exc:
                base["registry_error"] = str(exc).replace("NAME ARGS...", "IdentityRegistry")
                return base
            resolver = EthrResolver.for_sandbox(sb, registry)
            if did and resolve:
                result = resolver.resolve(did)
                base["result"] = result
                base["result_json"] = json.dumps(result.to_json(), indent=2)
                if result.error is None:
                    base["history"] = _history(sb, registry, result.did)
                    base["credentials"] = credentials_of(result.did, issued, resolver)
            if "signin" in base and base["signin"] is not None and base["signin"].ok:
                base["credentials"] = credentials_of(base["signin"].did, issued, resolver)
        return base

    async def index(request: Request) -> Response:
        did = request.query_params.get("did", "").strip()
        return pages.render(request, "did_index.html", await run_in_threadpool(context, did))

    async def issue(request: Request) -> Response:
        form = await request.form()
        subject, claim = str(form.get("subject", "")).strip(), str(form.get("claim", "")).strip()[:200]

        def work() -> str:
            with ws.session() as sb:
                account = sb.accounts[str(form.get("issuer", ""))]
                try:
                    status = ws.find_contract(sb, "CredentialRegistry").address
                except SandboxError:
                    status = None
                issued.append(issue_credential(
                    account.private_key, did_for(account.address, sb.chain.chain_id), {"id": subject, "claim": claim or "member"},
                    chain_id=sb.chain.chain_id, issued_at=sb.chain.timestamp, status_registry=status,
                    types=("VerifiableCredential", "SandboxCredential"), credential_id=f"urn:uuid:{secrets.token_hex(16)}",
                ))
                return account.name

        name = await run_in_threadpool(work)
        return RedirectResponse(f"/did?did={subject}&notice=credential+issued+by+{name}", status_code=303)

    async def make_challenge(request: Request) -> Response:
        form = await request.form()
        did = str(form.get("did", "")).strip()
        nonce = secrets.token_hex(8)

        def work() -> dict[str, Any]:
            with ws.session() as sb:
                text = challenge(did, domain=request.url.netloc or "sandbox gallery", issued_at=sb.chain.timestamp, nonce=nonce)
            if len(challenges) >= MAX_CHALLENGES:
                challenges.pop(next(iter(challenges)))
            challenges[nonce] = text
            return context(did, {"challenge": text, "nonce": nonce}, resolve=False)

        return pages.render(request, "did_signin.html", await run_in_threadpool(work))

    async def sign_in(request: Request) -> Response:
        form = await request.form()
        did, nonce = str(form.get("did", "")).strip(), str(form.get("nonce", ""))
        signature, signer_name = str(form.get("signature", "")).strip(), str(form.get("account", "")).strip()

        def work() -> dict[str, Any]:
            text = challenges.pop(nonce, None)
            if text is None or did not in text:
                return context(did, {"challenge": None, "signin_error": "this challenge is unknown or already used; ask for a new one"}, resolve=False)
            with ws.session() as sb:
                sig = signature
                if not sig and signer_name:  # the workshop's accounts sign here, as the node signs for them
                    sig = sign_challenge(sb.accounts[signer_name].private_key, text)
                registry = ws.find_contract(sb, "IdentityRegistry")
                outcome = verify_sign_in(EthrResolver.for_sandbox(sb, registry), did, text, sig)
            return context(did, {"challenge": text, "signin": outcome}, resolve=False)

        return pages.render(request, "did_signin.html", await run_in_threadpool(work))

    return [
        Route("/did", index),
        Route("/did/issue", issue, methods=["POST"]),
        Route("/did/challenge", make_challenge, methods=["POST"]),
        Route("/did/signin", sign_in, methods=["POST"]),
    ]
