"""``sandbox did resolve DID``: resolve a did:ethr DID on the workshop chain.

Registered on the main app by :func:`register` (two lines in ``app.py``).
Prints the W3C DID resolution result as JSON; a DID that cannot be
resolved is one line naming the error (``invalidDid``, ``notFound``,
``unknownNetwork``, ...) and exit status 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sandbox.cli import consoles

console = consoles.out
did_app = typer.Typer(help="Decentralized identifiers (did:ethr) on the workshop chain's ERC-1056 IdentityRegistry.", no_args_is_help=True)


@did_app.command("resolve")
def resolve(
    did: Annotated[str, typer.Argument(help="A did:ethr DID or DID URL, e.g. did:ethr:0x7a69:0xf39F...?versionId=12")],
    accept: Annotated[str | None, typer.Option("--accept", help="application/did+ld+json (default) or application/did+json.")] = None,
    document: Annotated[bool, typer.Option("--document", help="Print only the DID document.")] = False,
    registry: Annotated[str, typer.Option("--registry", help="The ERC-1056 registry: deployed name or address.")] = "IdentityRegistry",
    project: Annotated[Path | None, typer.Option("--project", envvar="SANDBOX_PROJECT", help="Project folder (default: current folder).")] = None,
    state: Annotated[Path | None, typer.Option("--state", envvar="SANDBOX_STATE", help="Chain store (default: PROJECT/.sandbox/chain.db).")] = None,
) -> None:
    """Resolve DID to its DID document and metadata (W3C DID resolution result)."""
    from sandbox.cli.app import _workshop
    from sandbox.helpers.identity import EthrResolver

    workshop = _workshop(project, state)
    with workshop.session() as sb:
        result = EthrResolver.for_sandbox(sb, workshop.find_contract(sb, registry)).resolve(did.strip(), accept=accept)
    result.raise_for_error()
    print(json.dumps(result.did_document if document else result.to_json(), indent=2))
    if result.deactivated:
        console.print(f"{result.did} is deactivated (its owner was set to 0x0 in block {result.metadata.get('versionId')})", style="yellow")


def register(app: typer.Typer) -> None:
    app.add_typer(did_app, name="did")
