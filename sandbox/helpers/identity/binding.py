"""The W3C DID Resolution HTTP(S) binding: ``GET /1.0/identifiers/{did}`` (the Universal Resolver's path).

What the DID Resolution specification (section "HTTP(S) Binding") asks for:

- ``Accept: application/did-resolution`` (also ``application/json``, ``*/*``
  or none): the whole DID resolution result, ``Content-Type:
  application/did-resolution``;
- ``Accept: application/did`` (DID 1.1), ``application/did+ld+json`` or
  ``application/did+json``: only the DID document, with that
  ``Content-Type`` (the ``contentType`` of the resolution metadata); a whole
  result carries the document as ``application/did``;
- errors as RFC 9457 objects in ``didResolutionMetadata.error``, ``type``
  ``https://www.w3.org/ns/did#INVALID_DID`` and the others, with the HTTP
  status of the spec's table (400, 404, 406, 410 when deactivated, 501, 500);
- resolution options as query parameters: ``versionId`` (a block number,
  as in the DID URL ``did:ethr:...?versionId=12``).

``unknownNetwork`` (did:ethr's own error) is the spec's
``FEATURE_NOT_SUPPORTED`` (501): the resolver has no registry for that
network. Every error object also carries ``code``, the resolver's name.

The Starlette side is :func:`routes`; surfaces mount it (the gallery, the node).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from sandbox.errors import SandboxError
from sandbox.helpers.identity.resolver import DID_JSON, DID_LD_JSON, DID_MEDIA, EthrResolver, ResolutionResult

DID_RESOLUTION = "application/did-resolution"
PATH = "/1.0/identifiers/{did:path}"
_NS = "https://www.w3.org/ns/did#"
#: Resolver error name -> (error type, HTTP status, title).
ERROR_TYPES: dict[str, tuple[str, int, str]] = {
    "invalidDid": (_NS + "INVALID_DID", 400, "The DID is not valid"),
    "invalidDidUrl": (_NS + "INVALID_DID_URL", 400, "The DID URL is not valid"),
    "invalidOptions": (_NS + "INVALID_OPTIONS", 400, "A resolution option is not valid"),
    "notFound": (_NS + "NOT_FOUND", 404, "The DID document was not found"),
    "representationNotSupported": (_NS + "REPRESENTATION_NOT_SUPPORTED", 406, "The representation is not supported"),
    "methodNotSupported": (_NS + "METHOD_NOT_SUPPORTED", 501, "The DID method is not supported"),
    "unknownNetwork": (_NS + "FEATURE_NOT_SUPPORTED", 501, "The did:ethr network is not configured on this resolver"),
    "featureNotSupported": (_NS + "FEATURE_NOT_SUPPORTED", 501, "The feature is not supported"),
    "internalError": (_NS + "INTERNAL_ERROR", 500, "Internal error"),
}
_RESULT_TYPES = {DID_RESOLUTION, "application/json", "*/*", "application/*"}
_DOCUMENT_TYPES = {DID_LD_JSON, DID_JSON, DID_MEDIA}

#: Something that yields a resolver for one request (holding any lock it needs), or raises SandboxError.
ResolverFactory = Callable[[], AbstractContextManager[EthrResolver]]


class _Workshop(Protocol):
    def session(self) -> AbstractContextManager[Any]: ...

    def find_contract(self, sb: Any, ref: str) -> Any: ...


def workshop_resolver(workshop: _Workshop, registry: str = "IdentityRegistry") -> ResolverFactory:
    """A factory resolving on a workshop chain, against its latest ``registry`` deployment."""

    @contextmanager
    def factory() -> Iterator[EthrResolver]:
        with workshop.session() as sb:
            yield EthrResolver.for_sandbox(sb, workshop.find_contract(sb, registry))

    return factory


def negotiate(accept: str | None) -> str | None:
    """The representation to answer with: a media type, ``DID_RESOLUTION`` for the whole result, None if none fits."""
    if not accept or not accept.strip():
        return DID_RESOLUTION
    ranges = []
    for order, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, quality = fields[0].lower(), 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            elif key.strip().lower() == "profile" and "did-resolution" in value and media == "application/ld+json":
                media = DID_RESOLUTION  # the older media type of a resolution result
        if quality > 0:
            ranges.append((-quality, order, media))
    for _, _, media in sorted(ranges):
        if media in _DOCUMENT_TYPES:
            return media
        if media in _RESULT_TYPES:
            return DID_RESOLUTION
    return None


def error_object(code: str, detail: str | None) -> dict[str, Any]:
    """An RFC 9457 problem object for a resolver error name."""
    kind, _, title = ERROR_TYPES.get(code, (_NS + code, 500, code))
    problem = {"type": kind, "title": title, "code": code}
    if detail:
        problem["detail"] = detail
    return problem


def http_status(result: ResolutionResult) -> int:
    if result.error is not None:
        return ERROR_TYPES.get(result.error, ("", 500, ""))[1]
    return 410 if result.deactivated else 200


def answer(factory: ResolverFactory, did_url: str, accept: str | None, options: Mapping[str, str]) -> tuple[int, str, dict[str, Any]]:
    """``(status, content type, JSON body)`` of one GET on the binding."""
    wanted = negotiate(accept)
    if "versionTime" in options:
        hint = "versionTime is not supported by did:ethr; use versionId=<block number>"
        result = ResolutionResult(did_url, None, {"error": "featureNotSupported", "message": hint})
    elif wanted is None:
        hint = f"cannot answer Accept: {accept}; ask for {DID_RESOLUTION}, {DID_MEDIA}, {DID_LD_JSON} or {DID_JSON}"
        result = ResolutionResult(did_url, None, {"error": "representationNotSupported", "message": hint})
    else:
        if "versionId" in options and "?" not in did_url:
            did_url = f"{did_url}?versionId={options['versionId']}"
        try:
            with factory() as resolver:
                # A whole result carries the document in DID 1.1's media type, as the spec's examples do.
                result = resolver.resolve(did_url, accept=wanted if wanted in _DOCUMENT_TYPES else DID_MEDIA)
        except SandboxError as exc:  # no registry on this chain, a chain that cannot be read
            result = ResolutionResult(did_url, None, {"error": "notFound", "message": str(exc)})
    status = http_status(result)
    if result.error is not None:
        body = result.to_json()
        body["didResolutionMetadata"] = {
            **{k: v for k, v in result.did_resolution_metadata.items() if k not in ("error", "message")},
            "error": error_object(result.error, result.did_resolution_metadata.get("message")),
        }
        return status, DID_RESOLUTION, body
    if wanted in _DOCUMENT_TYPES:
        return status, str(result.did_resolution_metadata["contentType"]), dict(result.did_document or {})
    return status, DID_RESOLUTION, result.to_json()


def routes(resolver_factory: ResolverFactory) -> list[Any]:
    """Starlette routes of the binding: ``GET /1.0/identifiers/{did}``."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def identifiers(request: Request) -> Response:
        did_url = request.path_params["did"]
        status, media_type, body = await run_in_threadpool(
            answer, resolver_factory, did_url, request.headers.get("accept"), dict(request.query_params)
        )
        return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type=media_type)

    return [Route(PATH, identifiers, methods=["GET"], name="did_identifiers")]
