"""Distributed digital identity: did:ethr resolution, ERC-1056 signatures, credentials.

A did:ethr identifier names an Ethereum address (or a compressed secp256k1
public key) on a chain, ``did:ethr:0x7a69:0xf39F...``. Its DID document is
not stored anywhere: it is rebuilt from the ERC-1056 registry's events as
the did:ethr method specification says, field for field as the reference
resolver (npm ``ethr-did-resolver``) does, except for the clock
(:class:`TimeRule`).

- :mod:`.did`: DID URL syntax, network names, typed resolution errors;
- :mod:`.document`: the replay of an event history into a DID document;
- :mod:`.resolver`: reading the history from a chain, ``EthrResolver``;
- :mod:`.erc1056`: digests for the registry's ``...Signed`` calls;
- :mod:`.credentials`: EIP-712 credentials for ``CredentialRegistry``;
- :mod:`.vc`: W3C VC 2.0 credentials with EthereumEip712Signature2021 proofs (Veramo's);
- :mod:`.binding`: the W3C DID Resolution HTTP binding (``GET /1.0/identifiers/{did}``).
"""

from sandbox.helpers.identity.credentials import (
    CREDENTIAL_STATUS,
    CREDENTIAL_TYPES,
    Credential,
    claim_hash,
    credential_domain,
    credential_status,
    sign_credential,
)
from sandbox.helpers.identity.did import (
    DIDURL,
    SANDBOX_NETWORK,
    ZERO,
    DIDNotFoundError,
    DIDResolutionError,
    InvalidDIDError,
    MethodNotSupportedError,
    RepresentationNotSupportedError,
    UnknownNetworkError,
    bytes32,
    did_for,
    parse_did,
    parse_did_url,
)
from sandbox.helpers.identity.document import CONTEXT, RegistryEvent, TimeRule, build_document
from sandbox.helpers.identity.erc1056 import erc1056_digest, packed_address, packed_uint, sign_digest
from sandbox.helpers.identity.resolver import (
    DID_JSON,
    DID_LD_JSON,
    EthrResolver,
    Network,
    ResolutionResult,
    change_log,
    history,
    iso_time,
    resolve,
)
from sandbox.helpers.identity.vc import (
    CredentialCheck,
    CredentialError,
    credential_hash,
    eip712_types,
    issue_credential,
    verify_credential,
)

#: The old name of a resolution result.
Resolution = ResolutionResult

__all__ = [
    "CONTEXT",
    "CREDENTIAL_STATUS",
    "CREDENTIAL_TYPES",
    "DIDURL",
    "DID_JSON",
    "DID_LD_JSON",
    "SANDBOX_NETWORK",
    "ZERO",
    "Credential",
    "CredentialCheck",
    "CredentialError",
    "DIDNotFoundError",
    "DIDResolutionError",
    "EthrResolver",
    "InvalidDIDError",
    "MethodNotSupportedError",
    "Network",
    "RegistryEvent",
    "RepresentationNotSupportedError",
    "Resolution",
    "ResolutionResult",
    "TimeRule",
    "UnknownNetworkError",
    "build_document",
    "bytes32",
    "change_log",
    "claim_hash",
    "credential_domain",
    "credential_hash",
    "credential_status",
    "did_for",
    "eip712_types",
    "erc1056_digest",
    "history",
    "iso_time",
    "issue_credential",
    "packed_address",
    "packed_uint",
    "parse_did",
    "parse_did_url",
    "resolve",
    "sign_credential",
    "sign_digest",
    "verify_credential",
]
