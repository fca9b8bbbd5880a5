"""DID resolution on the gallery: the W3C DID Resolution HTTP binding, ``GET /1.0/identifiers/{did}``.

The binding itself (content negotiation, error objects, HTTP statuses) is
:mod:`sandbox.helpers.identity.binding`, shared with ``sandbox node``; this
module is how web surfaces mount it.

>>> app = Starlette(routes=routes(workshop_resolver(workshop)))   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from sandbox.helpers.identity.binding import PATH, ResolverFactory, workshop_resolver
from sandbox.helpers.identity.binding import routes as _binding_routes

__all__ = ["PATH", "ResolverFactory", "routes", "workshop_resolver"]


def routes(resolver_factory: ResolverFactory) -> list[Any]:
    """The DID resolution routes, resolving with what ``resolver_factory`` yields per request."""
    return _binding_routes(resolver_factory)
