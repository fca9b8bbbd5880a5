"""DID resolution on `sandbox node`: its /1.0/identifiers endpoint, and the npm reference resolver over its JSON-RPC.

The same workshop chain serves both: the reference resolver reads the node
as it would read any Ethereum node; the node's DID Resolution endpoint
answers with the sandbox's resolver. Their documents must be equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.helpers.identity import bytes32, did_for
from sandbox.node.server import BackgroundServer, create_app
from sandbox.workshop.session import Workshop
from tests.helpers.conftest import reference_resolve
from tests.helpers.test_did_reference import comparable, differences

REPO = Path(__file__).resolve().parents[2]
DAY = 86_400


@pytest.fixture(scope="module", params=["pyevm", "revm"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[str]]]:
    """A node on each engine (the reference resolver reads either as it reads anvil)."""
    ws = Workshop(REPO, state=tmp_path_factory.mktemp("did-node") / "state.sqlite", backend=request.param)
    with ws.session(write=True) as sb:
        alice, bob, carol = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol
        registry = sb.deploy("IdentityRegistry", sender=alice)
        ws.record_contract("IdentityRegistry", registry.address)
        registry.addDelegate(bob, bytes32("sigAuth"), carol, 30 * DAY, sender=bob)
        registry.setAttribute(bob, bytes32("did/pub/X25519/enc/base64"), b"k" * 32, 30 * DAY, sender=bob)
        registry.setAttribute(bob, bytes32("did/svc/Messaging"), b'{"uri": "https://m.example"}', 30 * DAY, sender=bob)
        registry.changeOwner(carol, alice, sender=carol)
        dids = [did_for(who, 31337) for who in (alice, bob, carol)]
        dids += [f"{dids[1]}?versionId={sb.chain.block_number - 2}", f"did:ethr:sandbox:{bob.address}"]
        address = registry.address
    with BackgroundServer(create_app(ws)) as server:
        yield server.url, address, dids


def test_the_node_endpoint_equals_the_reference_over_the_node(node: tuple[str, str, list[str]]) -> None:
    url, registry, dids = node
    reference = reference_resolve(url, registry, 31337, ["sandbox"], [{"did": d} for d in dids])
    failures: list[str] = []
    for did, answer in zip(dids, reference, strict=True):
        reply = httpx.get(f"{url}/1.0/identifiers/{did.replace('?', '%3F')}", headers={"accept": "application/did-resolution"}, timeout=60)
        assert reply.status_code == 200 and reply.headers["content-type"] == "application/did-resolution"
        ours: dict[str, Any] = reply.json()
        # The binding labels the document with DID 1.1's media type; the npm reference with DID Core 1.0's.
        assert ours["didResolutionMetadata"] == {"contentType": "application/did"}
        ours["didResolutionMetadata"] = answer["result"]["didResolutionMetadata"]
        failures += [f"{did}: {d}" for d in differences(comparable(ours), comparable(answer["result"]))]
    assert not failures, "\n".join(failures)
    assert reference[1]["result"]["didDocument"]["keyAgreement"]  # the history is not trivial


def test_the_node_still_answers_json_rpc(node: tuple[str, str, list[str]]) -> None:
    url, _, _ = node
    reply = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=60)
    assert reply.json()["result"] == "0x7a69"
    bad = httpx.get(f"{url}/1.0/identifiers/not-a-did", timeout=60)
    assert bad.status_code == 400 and bad.json()["didResolutionMetadata"]["error"]["type"] == "https://www.w3.org/ns/did#INVALID_DID"
