"""The web gallery and explorer: Starlette + Jinja2, no front-end build step.

Pages (all server-rendered; forms post and redirect, so they work without
JavaScript):

- ``/``: the NFT gallery, newest first, :data:`~sandbox.web.gallery.PAGE_SIZE`
  per page, filters by owner and collection, a mint form, give-away forms;
- ``/token/{contract}/{id}``: one token (image, metadata, owner, holding
  rule, every transfer);
- ``/contracts``, ``/contract/{address}``: every deployed contract, with read
  and write forms generated from its ABI, decoded events and revert reasons;
- ``/explorer``, ``/block/{n}``, ``/tx/{hash}``, ``/address/{who}``: the chain.

Live updates: ``/api/events`` streams the chain's version as server-sent
events; the page script re-renders the ``#live`` part when it changes
(polling ``/api/version`` where EventSource fails). Every request passes
:class:`~sandbox.web.security.CrossSiteGuard` (known Host; same origin and a
CSRF token for anything that changes the chain).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from sandbox.errors import SandboxError
from sandbox.workshop.session import Workshop

HERE = Path(__file__).resolve().parent


def create_app(workshop: Workshop, *, hosts: Iterable[str] = (), room: bool = False, join_url: str = "") -> Starlette:
    """The gallery app over ``workshop``'s chain.

    ``hosts``: extra host names the gallery answers to (``localhost`` and IP
    literals always work), e.g. ``room.local`` when attendees use a name.
    ``room``: add the join page (QR code of ``join_url``, one account per
    attendee) and the organiser's page (:mod:`sandbox.web.room`).
    """
    from sandbox.web import did_pages, did_routes, explorer, gallery, live, models_page
    from sandbox.web.pages import Pages
    from sandbox.web.security import CrossSiteGuard, new_token

    token = new_token()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    pages = Pages(workshop, templates, token)

    routes: list[BaseRoute] = [
        *gallery.routes(pages),
        *explorer.routes(pages),
        *live.routes(pages),
        *did_routes.routes(did_routes.workshop_resolver(workshop)),  # GET /1.0/identifiers/{did}: W3C DID Resolution
        *did_pages.routes(pages),  # /did: resolve a DID, its history, credentials, sign in with a DID
        *models_page.routes(pages),  # /models: the business models' reports and sweeps
        # Other pages register here: routes.extend(module.routes(...)).
    ]
    if room:
        from sandbox.web import room as room_pages

        routes.extend(room_pages.routes(pages, join_url=join_url))
    routes += [
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    async def sandbox_error(request: Request, exc: Exception) -> Response:
        return await pages.error_page(request, exc)

    return Starlette(
        routes=routes,
        middleware=[Middleware(CrossSiteGuard, token=token, hosts=hosts)],
        exception_handlers={SandboxError: sandbox_error},
    )

