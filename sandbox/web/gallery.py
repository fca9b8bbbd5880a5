"""The NFT gallery: cards (paginated, filtered by owner and collection), a page per token, mint and give-away forms."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.errors import ArgumentError, SandboxError, TokenError
from sandbox.web import chainview
from sandbox.web.pages import Pages
from sandbox.workshop import collection

PAGE_SIZE = 12
#: Uploads above this are refused before they are read in full.
MAX_UPLOAD = 512 * 1024  # as the guard's body limit: a big image or name gets its own clear message


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise ArgumentError(f"page {raw[:20]!r} is not a page number; use ?page=1, 2, ...")
    return int(raw)


def gallery_context(pages: Pages, request: Request) -> dict[str, Any]:
    """Everything the gallery's live part shows, for the page the request asks for."""
    ws = pages.ws
    page = _page_number(request)
    owner = request.query_params.get("owner", "").strip()[:100]
    wanted = request.query_params.get("collection", "").strip()[:100]
    with ws.session() as sb:
        base = pages.base(sb)
        rows = collection.tokens(ws, sb, owner=owner or None, collection=wanted or None, metadata=False)
        rows.sort(key=lambda t: (t["history"][0]["block"], t["token_id"]), reverse=True)
        count = max(1, math.ceil(len(rows) / PAGE_SIZE))
        shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        for t in shown:
            t.update(chainview.token_meta(ws, sb, t["contract"], t["token_id"]))
        base.update(accounts=collection.accounts(ws, sb))
        nfts = {t["contract"] for t in ws.transfers()}
        collections = [c for c in ws.contracts() if c["address"] in nfts or c.get("role") == "collection"]
    filters = {"owner": owner, "collection": wanted}

    def page_url(n: int) -> str:
        return "/?" + urlencode({k: v for k, v in {**filters, "page": str(n)}.items() if v})

    return {**base, "tokens": shown, "total": len(rows), "page": page, "pages": count, "filters": filters,
            "collections": collections, "page_url": page_url}


def routes(pages: Pages) -> list[Route]:
    ws = pages.ws

    async def index(request: Request, *, status: int = 200, error: str = "", form: dict[str, str] | None = None) -> Response:
        context = await run_in_threadpool(gallery_context, pages, request)
        return pages.render(request, "index.html", {**context, "error": error, "form": form or {}}, status=status)

    def live_part(request: Request) -> Response:
        return pages.render(request, "_live.html", gallery_context(pages, request))

    def token_page(request: Request) -> Response:
        contract, raw_id = request.path_params["contract"], request.path_params["token_id"]
        if not raw_id.isdigit() or len(raw_id) > 78:
            raise TokenError(f"token id {raw_id[:20]!r} is not a number; token ids are 0, 1, 2, ...")
        with ws.session() as sb:
            base = pages.base(sb)
            entry = collection.token(ws, sb, int(raw_id), collection=contract)
            entry.update(chainview.token_meta(ws, sb, entry["contract"], entry["token_id"]))
            abi = list(ws.find_contract(sb, entry["contract"]).abi)
            rule = chainview.holding_rule(sb, entry["contract"], entry["token_id"], abi)
        meta = {k: entry[k] for k in ("name", "description", "attributes") if entry.get(k)}
        meta["image"] = entry["image"][:120] + ("…" if len(entry["image"]) > 120 else "")
        return pages.render(request, "token.html", {**base, "t": entry, "rule": rule,
                                                    "meta_json": json.dumps(meta, indent=2, ensure_ascii=False)})

    async def mint(request: Request) -> Response:
        form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_UPLOAD)
        fields = {k: str(form.get(k) or "") for k in ("to", "name", "description")}
        upload = form.get("image")
        image, filename = None, ""
        if isinstance(upload, UploadFile) and upload.filename:
            image, filename = await upload.read(), upload.filename

        def work() -> dict[str, Any]:
            from sandbox.helpers.nft import check_image, check_text

            check_text(fields["name"], fields["description"])
            if image is not None:
                check_image(image, filename)
            return pages.writer.run(lambda sb: collection.mint(ws, sb, to=fields["to"], name=fields["name"],
                                                               description=fields["description"], image=image, filename=filename))

        try:
            result = await run_in_threadpool(work)
        except SandboxError as exc:
            fields["name"] = fields["name"][:200]
            fields["description"] = fields["description"][:2000]
            return await index(request, status=400, error=str(exc), form=fields)
        notice = f"Minted #{result['token_id']} {result['name']} to {result['owner_name']}."
        return RedirectResponse("/?" + urlencode({"notice": notice}), status_code=303)

    async def give(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=10)
        fields = {k: str(form.get(k) or "") for k in ("contract", "token_id", "owner", "to", "back")}
        back = fields["back"] if fields["back"].startswith("/token/") else "/"

        def work() -> dict[str, Any]:
            if not fields["token_id"].isdigit() or len(fields["token_id"]) > 78:
                raise TokenError(f"token id {fields['token_id'][:20]!r} is not a number")
            return pages.writer.run(lambda sb: collection.transfer(ws, sb, int(fields["token_id"]), sender=fields["owner"], to=fields["to"],
                                                                   collection=fields["contract"] or None))

        try:
            result = await run_in_threadpool(work)
        except SandboxError as exc:
            return await index(request, status=400, error=str(exc))
        notice = f"{result['from_name']} gave #{result['token_id']} {result['name']} to {result['to_name']}."
        return RedirectResponse(back + "?" + urlencode({"notice": notice}), status_code=303)

    return [
        Route("/", pages.stale_while_writing(index)),
        Route("/gallery", pages.stale_while_writing(live_part)),
        Route("/token/{contract}/{token_id}", pages.stale_while_writing(token_page)),
        Route("/mint", mint, methods=["POST"]),
        Route("/give", give, methods=["POST"]),
    ]
