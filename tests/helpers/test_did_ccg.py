"""The W3C CCG's DID Resolution test suite (mocha) against `sandbox node`'s ``GET /1.0/identifiers/{did}``.

The suite is vendored in ``tests/helpers/ccg/`` (VENDORED.md says from where
and which commit); its two GitHub-hosted imports are the local stand-ins in
``ccg/stand-ins/``, installed by ``npm ci`` as ``file:`` devDependencies
beside mocha, chai and ajv.
This test builds a workshop chain with DID histories, serves it with the
node, writes the suite's implementation manifest (the DIDs it resolves), runs
mocha with its JSON reporter and requires every test of the suite to pass.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_keys import keys
from eth_utils import keccak

from sandbox.helpers.identity import bytes32, did_for
from sandbox.node.server import BackgroundServer, create_app
from sandbox.workshop.session import Workshop
from tests.helpers.conftest import node_binary

REPO = Path(__file__).resolve().parents[2]
CCG = Path(__file__).resolve().parent / "ccg"
MOCHA = REPO / "node_modules" / "mocha" / "bin" / "mocha.js"
DAY = 86_400
ZERO = "0x0000000000000000000000000000000000000000"
#: Tests the suite ran in the previous session's run by hand (3 valid DIDs, a deactivated one, a not-found one);
#: this manifest has more valid DIDs, so fewer than this means the suite lost tests or ran none.
BY_HAND = 57


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The suite's implementation manifest for a `sandbox node` serving a workshop chain with DID histories."""
    ws = Workshop(REPO, state=tmp_path_factory.mktemp("did-ccg") / "state.sqlite")
    with ws.session(write=True) as sb:
        alice, bob, carol, dave = sb.accounts.alice, sb.accounts.bob, sb.accounts.carol, sb.accounts.dave
        registry = sb.deploy("IdentityRegistry", sender=alice)
        ws.record_contract("IdentityRegistry", registry.address)
        registry.addDelegate(bob, bytes32("sigAuth"), carol, 30 * DAY, sender=bob)
        first_change = sb.chain.block_number
        registry.setAttribute(bob, bytes32("did/pub/X25519/enc/base64"), b"k" * 32, 30 * DAY, sender=bob)
        registry.setAttribute(bob, bytes32("did/svc/Messaging"), b'{"uri": "https://m.example"}', 30 * DAY, sender=bob)
        registry.changeOwner(carol, alice, sender=carol)
        registry.changeOwner(dave, ZERO, sender=dave)  # deactivated
        chain_id = sb.chain.chain_id
    public_key = "0x" + keys.PrivateKey(keccak(text="ccg-public-key-did")).public_key.to_compressed_bytes().hex()
    valid = [
        did_for(alice, chain_id),  # no history
        did_for(bob, chain_id),  # a delegate, an X25519 key, a JSON service endpoint
        f"did:ethr:sandbox:{bob.address}",  # the network name the sandbox registers
        f"did:ethr:{hex(chain_id)}:{carol.address.lower()}",  # a lower-case address, its owner changed
        f"did:ethr:{hex(chain_id)}:{public_key}",  # a public-key DID (#controllerKey)
    ]
    from sandbox.web import create_app as create_gallery

    with BackgroundServer(create_app(ws)) as server, BackgroundServer(create_gallery(ws)) as gallery:
        GALLERY.append(f"{gallery.url}/1.0/identifiers")
        yield {
            "name": "NFT & DApp Sandbox",
            "implementation": "sandbox node",
            "didResolvers": [
                {
                    "id": "",
                    "endpoint": f"{server.url}/1.0/identifiers",
                    "tags": ["did-ethr", "did-resolution"],
                    "supportedDids": {
                        "valid": [{"did": did, "resolutionOptions": {}} for did in valid]
                        # a past version: the DID with history before its last three changes
                        + [{"did": did_for(bob, chain_id), "resolutionOptions": {"versionId": str(first_change)}}],
                        # The suite puts these two in the URL as they are (strings, not the README's arrays).
                        "deactivated": did_for(dave, chain_id),
                        # Every did:ethr address has a document; a version after the chain's head has none.
                        "notFound": f"{did_for(bob, chain_id)}?versionId=99999999",
                    },
                }
            ],
        }


#: The gallery's endpoint (the same binding, mounted by sandbox/web/did_routes.py), set by the fixture.
GALLERY: list[str] = []


def run_suite(manifest: dict[str, Any], work: Path) -> dict[str, Any]:
    """Run the vendored suite with mocha's JSON reporter against ``manifest``; its JSON report."""
    (work / "implementations.json").write_text(json.dumps(manifest, indent=1))
    report = work / "report.json"
    command = [
        node_binary(),
        "--no-warnings",  # node 20 calls the suite's JSON module import experimental
        str(MOCHA),
        "--no-config",
        "--no-package",
        "--timeout",
        "15000",  # the suite's own `npm test` timeout
        "--reporter",
        "json",
        "--reporter-option",
        f"output={report}",
        str(CCG / "tests"),
    ]
    if not MOCHA.is_file():
        pytest.fail(f"{MOCHA} is missing; `make setup` installs the npm devDependencies (mocha, chai, ajv)")
    env = {**os.environ, "DID_CCG_IMPLEMENTATIONS": str(work / "implementations.json")}
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, timeout=600, check=False)
    if not report.is_file():
        pytest.fail(f"mocha wrote no report (exit {done.returncode}): {done.stderr.decode()[-3000:]}")
    return dict(json.loads(report.read_text()))


def test_the_ccg_did_resolution_suite_passes_against_the_node(manifest: dict[str, Any], tmp_path: Path) -> None:
    report = run_suite(manifest, tmp_path)
    stats = report["stats"]
    failed = [f"{t['fullTitle']}: {t['err'].get('message', t['err'])}" for t in report["failures"]]
    assert not failed, f"{len(failed)} of {stats['tests']} CCG suite tests failed:\n" + "\n".join(failed)
    assert stats["pending"] == 0 and stats["passes"] == stats["tests"], stats
    assert stats["tests"] >= BY_HAND, f"the suite ran {stats['tests']} tests, fewer than the {BY_HAND} of the run by hand"
    titles = {t["fullTitle"] for t in report["passes"]}
    # Both sections ran, for this implementation, with the optional deactivated and not-found cases.
    assert any(t.startswith("DID Resolution NFT & DApp Sandbox ") for t in titles)
    assert any("HTTP response status MUST be 410" in t for t in titles)
    assert any("NOT_FOUND error MUST map to HTTP status 404" in t for t in titles)


def test_the_ccg_suite_passes_against_the_gallery_too(manifest: dict[str, Any], tmp_path: Path) -> None:
    resolver = {**manifest["didResolvers"][0], "endpoint": GALLERY[-1]}
    report = run_suite({**manifest, "implementation": "sandbox ui", "didResolvers": [resolver]}, tmp_path)
    stats = report["stats"]
    failed = [f"{t['fullTitle']}: {t['err'].get('message', t['err'])}" for t in report["failures"]]
    assert not failed, f"{len(failed)} of {stats['tests']} CCG suite tests failed on the gallery:\n" + "\n".join(failed)
    assert stats["passes"] == stats["tests"] >= BY_HAND, stats


def test_the_suite_fails_against_a_wrong_answer(manifest: dict[str, Any], tmp_path: Path) -> None:
    """The suite can fail: a deactivated DID listed as valid (410, not 200) and a valid DID as not found."""
    resolver = manifest["didResolvers"][0]
    broken = {**manifest, "didResolvers": [{**resolver, "supportedDids": {**resolver["supportedDids"]}}]}
    dids = broken["didResolvers"][0]["supportedDids"]
    dids["valid"] = [{"did": dids["deactivated"], "resolutionOptions": {}}]
    dids["notFound"] = resolver["supportedDids"]["valid"][0]["did"]
    report = run_suite(broken, tmp_path)
    failed = {t["fullTitle"] for t in report["failures"]}
    assert any("NOT_FOUND error MUST map to HTTP status 404" in t for t in failed)
    assert any("MUST implement the GET version of the HTTPS binding" in t for t in failed)
    assert report["stats"]["passes"] > 0  # the rest of the suite still ran
