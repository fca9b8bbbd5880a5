"""The web gallery: Starlette + Jinja2, no front-end build step.

One page shows a card for every NFT on the workshop chain (image, name,
owner, transfer history), the accounts' balances, a mint form and a
give-away form on each card. Forms post and redirect, so the page works
without JavaScript; a few lines of script poll ``/api/version`` and swap in
fresh cards when the chain changed, so a ``sandbox mint`` typed in a
terminal appears without a reload.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from sandbox.errors import SandboxError
from sandbox.workshop import collection
from sandbox.workshop.session import Workshop

HERE = Path(__file__).resolve().parent
#: Uploads above this are refused before they are read in full.
MAX_UPLOAD = 256 * 1024


def _when(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _shown(path: Path, root: Path) -> str:
    """The state file as the attendee would type it: relative to where they are, if it can be."""
    for base in (Path.cwd(), root):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def create_app(workshop: Workshop) -> Starlette:
    """The gallery app over ``workshop``'s chain."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["when"] = _when

    def snapshot() -> dict[str, Any]:
        with workshop.session() as sb:
            tokens = sorted(collection.tokens(workshop, sb), key=lambda t: t["history"][0]["block"], reverse=True)
            return {"tokens": tokens, "accounts": collection.accounts(workshop, sb), "version": workshop.version,
                    "chain_id": sb.chain.chain_id, "state_path": _shown(workshop.store.path, workshop.project.root)}

    async def page(request: Request, *, status: int = 200, error: str = "", form: dict[str, str] | None = None) -> Response:
        try:
            context = await run_in_threadpool(snapshot)
        except SandboxError as exc:  # e.g. the state file was damaged while the gallery runs
            return HTMLResponse(f"<!doctype html><title>Sandbox gallery</title><p>error: {escape(str(exc))}</p>", status_code=503)
        context.update(notice=request.query_params.get("notice", ""), error=error or request.query_params.get("error", ""), form=form or {})
        return templates.TemplateResponse(request, "gallery.html", context, status_code=status)

    async def index(request: Request) -> Response:
        return await page(request)

    async def gallery(request: Request) -> Response:
        try:
            return templates.TemplateResponse(request, "_live.html", await run_in_threadpool(snapshot))
        except SandboxError as exc:
            return HTMLResponse(f'<p class="error">error: {escape(str(exc))}</p>', status_code=503)

    async def version(request: Request) -> Response:
        def current() -> int:
            with workshop.session():
                return workshop.version

        try:
            return JSONResponse({"version": await run_in_threadpool(current)}, headers={"cache-control": "no-store"})
        except SandboxError as exc:
            return JSONResponse({"version": -1, "error": str(exc)}, status_code=503)

    def same_origin(request: Request) -> bool:
        # A page on another site must not mint with the workshop's keys.
        origin = request.headers.get("origin")
        return origin is None or origin == "null" or urlsplit(origin).netloc == request.headers.get("host")

    async def mint(request: Request) -> Response:
        if not same_origin(request):
            return Response("cross-site form posts are refused", status_code=403)
        form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_UPLOAD)
        fields = {k: str(form.get(k) or "") for k in ("to", "name", "description")}
        upload = form.get("image")
        image, filename = None, ""
        if isinstance(upload, UploadFile) and upload.filename:
            image, filename = await upload.read(), upload.filename

        def work() -> dict[str, Any]:
            with workshop.session(write=True) as sb:
                return collection.mint(workshop, sb, to=fields["to"], name=fields["name"], description=fields["description"],
                                       image=image, filename=filename)

        try:
            result = await run_in_threadpool(work)
        except SandboxError as exc:
            return await page(request, status=400, error=str(exc), form=fields)
        notice = f"Minted #{result['token_id']} {result['name']} to {result['owner_name']}."
        return RedirectResponse("/?" + urlencode({"notice": notice}), status_code=303)

    async def give(request: Request) -> Response:
        if not same_origin(request):
            return Response("cross-site form posts are refused", status_code=403)
        form = await request.form(max_files=0, max_fields=10)
        fields = {k: str(form.get(k) or "") for k in ("contract", "token_id", "owner", "to")}

        def work() -> dict[str, Any]:
            if not fields["token_id"].isdigit():
                raise SandboxError(f"token id {fields['token_id']!r} is not a number")
            with workshop.session(write=True) as sb:
                return collection.transfer(workshop, sb, int(fields["token_id"]), sender=fields["owner"], to=fields["to"],
                                           collection=fields["contract"] or None)

        try:
            result = await run_in_threadpool(work)
        except SandboxError as exc:
            return await page(request, status=400, error=str(exc))
        notice = f"{result['from_name']} gave #{result['token_id']} {result['name']} to {result['to_name']}."
        return RedirectResponse("/?" + urlencode({"notice": notice}), status_code=303)

    return Starlette(routes=[
        Route("/", index),
        Route("/gallery", gallery),
        Route("/api/version", version),
        Route("/mint", mint, methods=["POST"]),
        Route("/give", give, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ])
