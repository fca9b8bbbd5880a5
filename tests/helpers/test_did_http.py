"""The W3C DID Resolution HTTP binding (GET /1.0/identifiers/{did}) through an HTTP client.

Success in every representation, and every error type with the HTTP status
the DID Resolution specification's table gives it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from sandbox import Contract, Sandbox
from sandbox.errors import UnknownContractError
from sandbox.helpers.identity import EthrResolver, bytes32, did_for
from sandbox.web.did_routes import routes

REPO = Path(__file__).resolve().parents[2]
NS = "https://www.w3.org/ns/did#"


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    return Sandbox(REPO)


@pytest.fixture(scope="module")
def registry(sb: Sandbox) -> Contract:
    registry = sb.deploy("IdentityRegistry", sender=sb.accounts.alice)
    bob, carol, dave = sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
    registry.setAttribute(bob, bytes32("did/svc/HubService"), b"https://hub.example/bob", 86_400, sender=bob)
    registry.addDelegate(bob, bytes32("sigAuth"), carol, 86_400, sender=bob)
    registry.changeOwner(dave, "0x0000000000000000000000000000000000000000", sender=dave)
    return registry


@pytest.fixture(scope="module")
def client(sb: Sandbox, registry: Contract) -> TestClient:
    @contextmanager
    def factory() -> Iterator[EthrResolver]:
        yield EthrResolver.for_sandbox(sb, registry)

    return TestClient(Starlette(routes=routes(factory)))


def get(client: TestClient, did: str, accept: str | None = "application/did-resolution", **params: str):  # type: ignore[no-untyped-def]
    headers = {} if accept is None else {"accept": accept}
    return client.get(f"/1.0/identifiers/{did}", headers=headers, params=params or None)


def test_a_resolution_result_by_default_and_on_request(client: TestClient, sb: Sandbox) -> None:
    did = did_for(sb.accounts.bob, sb.chain.chain_id)
    for accept in ("application/did-resolution", None, "*/*", "application/json", 'application/ld+json;profile="https://w3id.org/did-resolution"'):
        reply = get(client, did, accept)
        assert reply.status_code == 200, accept
        assert reply.headers["content-type"] == "application/did-resolution"
        body = reply.json()
        assert set(body) == {"didDocument", "didResolutionMetadata", "didDocumentMetadata"}
        assert body["didDocument"]["id"] == did
        assert body["didResolutionMetadata"] == {"contentType": "application/did"}  # DID 1.1's media type
        assert body["didDocument"]["service"][0]["serviceEndpoint"] == "https://hub.example/bob"
        assert body["didDocumentMetadata"]["versionId"].isdigit()


def test_only_the_document_for_a_document_media_type(client: TestClient, sb: Sandbox) -> None:
    did = did_for(sb.accounts.bob, sb.chain.chain_id)
    ld = get(client, did, "application/did+ld+json")
    assert ld.status_code == 200 and ld.headers["content-type"] == "application/did+ld+json"
    assert ld.json()["id"] == did and "@context" in ld.json() and "didResolutionMetadata" not in ld.json()
    did11 = get(client, did, "application/did")
    assert did11.headers["content-type"] == "application/did" and did11.json() == ld.json()
    plain = get(client, did, "application/did+json")
    assert plain.headers["content-type"] == "application/did+json" and "@context" not in plain.json()
    # q-values pick the preferred representation.
    assert get(client, did, "application/did+json;q=0.5, application/did+ld+json").headers["content-type"] == "application/did+ld+json"


def test_url_encoded_dids_and_past_versions(client: TestClient, sb: Sandbox, registry: Contract) -> None:
    did = did_for(sb.accounts.bob, sb.chain.chain_id)
    latest = get(client, did).json()["didDocumentMetadata"]
    assert get(client, quote(did, safe="")).json()["didDocumentMetadata"] == latest
    first = int(latest["versionId"]) - 1
    for reply in (get(client, quote(f"{did}?versionId={first}", safe="")), get(client, did, versionId=str(first))):
        meta = reply.json()["didDocumentMetadata"]
        assert reply.status_code == 200 and meta["versionId"] == str(first) and meta["nextVersionId"] == latest["versionId"]


def test_a_deactivated_did_is_410_gone(client: TestClient, sb: Sandbox) -> None:
    reply = get(client, did_for(sb.accounts.dave, sb.chain.chain_id))
    assert reply.status_code == 410
    body = reply.json()
    assert body["didDocumentMetadata"]["deactivated"] is True and body["didDocument"]["verificationMethod"] == []


@pytest.mark.parametrize(
    ("did", "accept", "params", "kind", "status"),
    [
        ("not-a-did", "application/did-resolution", {}, "INVALID_DID", 400),
        ("did:example", "application/did-resolution", {}, "INVALID_DID", 400),
        ("did:ethr:0x7a69:0x1234", "application/did-resolution", {}, "INVALID_DID", 400),
        ("did:unsupported:123456789abcdefghi", "application/did-resolution", {}, "METHOD_NOT_SUPPORTED", 501),
        ("did:ethr:0x7a69:0x" + "ab" * 20 + "?versionId=99999999", "application/did-resolution", {}, "NOT_FOUND", 404),
        ("did:ethr:0x" + "ab" * 20, "application/did-resolution", {}, "FEATURE_NOT_SUPPORTED", 501),  # unknownNetwork
        ("did:ethr:0x7a69:0x" + "ab" * 20, "text/html", {}, "REPRESENTATION_NOT_SUPPORTED", 406),
        ("did:ethr:0x7a69:0x" + "ab" * 20, "application/did-resolution", {"versionTime": "2026-01-01T00:00:00Z"}, "FEATURE_NOT_SUPPORTED", 501),
    ],
)
def test_every_error_type_with_its_status(client: TestClient, did: str, accept: str, params: dict[str, str], kind: str, status: int) -> None:
    reply = get(client, did, accept, **params)
    assert reply.status_code == status
    assert reply.headers["content-type"] == "application/did-resolution"
    body = reply.json()
    assert body["didDocument"] is None and body["didDocumentMetadata"] == {}
    error = body["didResolutionMetadata"]["error"]
    assert error["type"] == NS + kind and error["title"] and error["code"]


def test_no_registry_on_the_chain_is_not_found(sb: Sandbox) -> None:
    @contextmanager
    def factory() -> Iterator[EthrResolver]:
        raise UnknownContractError("no contract 'IdentityRegistry' deployed on the sandbox chain; deploy one with `sandbox deploy IdentityRegistry`")
        yield  # pragma: no cover

    reply = get(TestClient(Starlette(routes=routes(factory))), did_for(sb.accounts.bob, 31337))
    assert reply.status_code == 404
    assert "sandbox deploy IdentityRegistry" in reply.json()["didResolutionMetadata"]["error"]["detail"]
