"""Distributed digital identity, RealDID-style: DIDs, issuers, credentials, logins.

China's RealDID (launched December 2023 by the Ministry of Public Security's
First Research Institute on the state-backed BSN network) lets a citizen
prove "real-name verified" to an online platform with a DID and a
credential, without handing the platform an ID-card number. This model runs
that flow on the real contracts:

- users hold did:ethr identities in IdentityRegistry (ERC-1056); their DID
  documents are resolved from the registry's events as the did:ethr method
  specification says (``sandbox.identity.resolve``);
- an admin approves issuers in CredentialRegistry; issuers sign EIP-712
  credentials whose claim stays off-chain (a salted hash is signed);
- platforms authenticate a login by a signed challenge from a key the DID
  document lists (``authentication``), with the gallery's sign-in code
  (``sandbox.helpers.identity.signin``), and check the credential on chain;
- events over time: a lost phone (key rotation with ``changeOwnerSigned``,
  relayed gas-free), a stolen document (credential revoked), an expired
  credential, an expired device delegate, a tampered credential, an
  unapproved issuer.

Sources: RealDID as announced by the First Research Institute of the
Ministry of Public Security and BSN (December 2023); did:ethr method
specification (decentralized-identity/ethr-did-resolver); ERC-1056; EIP-712.

Reported: login outcomes, failures by reason, gas per operation, and what a
platform sees (only DIDs and claim hashes). Every login is recorded for the
RealDID rule ("front-end anonymous, back-end real-name"); ``--param
platform_sees_identity=1`` explores a platform that also logs the user's
name, which the rule check reports as broken. The run is set beside
RealDID's published target of 5 million identities in its first year.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from statistics import mean

from eth_account import Account as EthAccount

from sandbox.helpers.identity import (
    Credential,
    EthrResolver,
    bytes32,
    claim_hash,
    credential_status,
    did_for,
    erc1056_digest,
    packed_address,
    packed_uint,
    resolve,
    sign_credential,
    sign_digest,
)
from sandbox.helpers.identity.signin import challenge, sign_challenge, verify_sign_in
from sandbox.models.params import Param
from sandbox.models.report import ModelRun

DAY = 86_400
PARAMS = (
    Param("rounds", int, 24, (3, 500), "login rounds", "assumption", quick=5),
    Param("step_days", int, 10, (1, 60), "days between rounds", "assumption"),
    Param("credential_days", int, 365, (1, 3650), "days a credential is valid", "assumption: a year, as ID checks are renewed"),
    Param("platform_sees_identity", bool, False, (False, True), "0 or 1", "forbidden design: the platform logs the name (RealDID forbids)"),
)


def main(argv: list[str] | None = None) -> dict:
    run = ModelRun("digital_identity", "DIDs, approved issuers, EIP-712 credentials and platform logins", argv, params=PARAMS,
                   design={"underlying": "none"})
    sb = run.sandbox
    chain_id = sb.chain.chain_id
    acc = sb.accounts
    admin, bob, carol, dave = acc.alice, acc.bob, acc.carol, acc.dave
    users = [acc.erin, acc.frank, acc.grace, acc.heidi, acc.ivan, acc.judy]
    rounds = run.p["rounds"]
    step_days = run.p["step_days"]
    gas: dict[str, list[int]] = defaultdict(list)

    def record(op: str, receipt) -> None:  # type: ignore[no-untyped-def]
        gas[op].append(receipt.gas_used)

    identity = sb.deploy("IdentityRegistry", sender=admin)
    resolver = EthrResolver.for_sandbox(sb, identity)
    credentials = sb.deploy("CredentialRegistry", admin, sender=admin)
    for issuer in (bob, carol):
        record("grant issuer role", credentials.grantRole(credentials.ISSUER_ROLE(), issuer, sender=admin))

    def device_key(label: str) -> EthAccount:
        return EthAccount.from_key(run.random.randbytes(32))

    # Each user's DID: the controller is the user's wallet; a phone key is a sigAuth delegate.
    devices = {}
    for user in users:
        devices[user.name] = device_key(user.name)
        validity = 15 * DAY if user.name == "erin" else 365 * DAY
        record("addDelegate", identity.addDelegate(user, bytes32("sigAuth"), devices[user.name].address, validity, sender=user))
    record(
        "setAttribute (service)",
        identity.setAttribute(acc.ivan, bytes32("did/svc/ProfileService"), b"https://ivan.example/profile", 365 * DAY, sender=acc.ivan),
    )

    # Credentials: "real-name verified" from bob (the approved real-name issuer).
    now = sb.chain.timestamp
    creds: dict[str, tuple[Credential, bytes]] = {}
    for user in users:
        expires = now + (20 * DAY if user.name == "judy" else run.p["credential_days"] * DAY)
        cred = Credential(bob.address, user.address, claim_hash("real-name verified", run.random.randbytes(16)), now, expires)
        creds[user.name] = (cred, sign_credential(bob.private_key, cred, credentials, chain_id))
    # heidi shows one from dave, who was never approved.
    fake = Credential(dave.address, acc.heidi.address, claim_hash("real-name verified", b"fake"), now, now + 365 * DAY)
    creds["heidi"] = (fake, sign_credential(dave.private_key, fake, credentials, chain_id))
    # A university degree as a soulbound certificate NFT from carol.
    degree = Credential(carol.address, acc.grace.address, claim_hash("BSc, 2024", b"grace"), now, 0)
    record("issueCertificate", credentials.issueCertificate(acc.grace, "ipfs://degree/grace", credentials.credentialDigest(degree.as_tuple()), sender=carol))

    outcomes: Counter[str] = Counter()
    platform_log: list[dict[str, str]] = []
    accepted_after_revocation = 0
    revoked_at: int | None = None
    old_frank_device = None

    for round_no in run.progress(range(rounds), "login rounds"):
        day = round_no * step_days
        if round_no == 1:
            # frank loses his phone: his wallet signs a new owner, a relayer pays the gas,
            # and the new owner adds a new phone key, again gas-free.
            new_owner = device_key("frank-wallet-2")
            nonce = identity.nonce(acc.frank)
            v, r, s = sign_digest(acc.frank.private_key, erc1056_digest(identity, nonce, acc.frank, "changeOwner", packed_address(new_owner.address)))
            record("changeOwnerSigned (relayed)", identity.changeOwnerSigned(acc.frank, v, r, s, new_owner.address, sender=admin))
            old_frank_device, devices["frank"] = devices["frank"], device_key("frank-phone-2")
            nonce = identity.nonce(new_owner.address)
            digest = erc1056_digest(
                identity, nonce, acc.frank, "addDelegate", bytes32("sigAuth"), packed_address(devices["frank"].address), packed_uint(365 * DAY)
            )
            v, r, s = sign_digest(new_owner.key, digest)
            record(
                "addDelegateSigned (relayed)",
                identity.addDelegateSigned(acc.frank, v, r, s, bytes32("sigAuth"), devices["frank"].address, 365 * DAY, sender=admin),
            )
            # Delegates belong to the identity, not the owner (ERC-1056): the lost phone
            # stays valid until the new owner revokes it.
            nonce = identity.nonce(new_owner.address)
            digest = erc1056_digest(identity, nonce, acc.frank, "revokeDelegate", bytes32("sigAuth"), packed_address(old_frank_device.address))
            v, r, s = sign_digest(new_owner.key, digest)
            record(
                "revokeDelegateSigned (relayed)",
                identity.revokeDelegateSigned(acc.frank, v, r, s, bytes32("sigAuth"), old_frank_device.address, sender=admin),
            )
        if round_no == 2:
            # grace reports her ID document stolen: the issuer revokes her credential.
            receipt = credentials.revokeCredential(credentials.credentialDigest(creds["grace"][0].as_tuple()), sender=bob)
            record("revokeCredential", receipt)
            revoked_at = receipt.block_number
        if round_no == 4 and rounds > 4:
            # erin's phone key expired on day 15; she renews it.
            record("addDelegate", identity.addDelegate(acc.erin, bytes32("sigAuth"), devices["erin"].address, 365 * DAY, sender=acc.erin))

        for user in users:
            did = did_for(user, chain_id)
            key = devices[user.name]
            if user.name == "frank" and round_no == 1:
                key = old_frank_device  # the thief tries the lost phone once
            cred, signature = creds[user.name]
            if user.name == "ivan" and round_no == 3:
                cred = Credential(cred.issuer, cred.subject, claim_hash("over 18", b"forged"), cred.issued_at, cred.expires_at)
            # The gallery's sign-in (sandbox.helpers.identity.signin): a challenge signed by a key the
            # resolved DID document lists under authentication (controller or sigAuth delegate).
            text = challenge(did, domain="platform.example", issued_at=sb.chain.timestamp, nonce=f"round-{round_no}")
            login = verify_sign_in(resolver, did, text, sign_challenge(key.key, text))
            if not login.ok:
                reason = "key not in DID document"
                if user.name == "erin" and 15 <= day and round_no < 4:
                    reason = "device delegate expired"
                outcomes[reason] += 1
            else:
                status = credential_status(credentials, cred, signature)
                outcomes["accepted" if status == "Valid" else f"credential {status}"] += 1
                if status == "Valid" and user.name == "grace" and revoked_at is not None:
                    accepted_after_revocation += 1
            entry = {"did": did, "claimHash": "0x" + cred.claim_hash.hex()}
            if run.p["platform_sees_identity"]:
                entry["name"] = user.name
            platform_log.append(entry)
            run.record("login", None, user=user.name, round=round_no, platform_sees=sorted(entry))
        sb.time_travel(seconds=step_days * DAY)

    attempts = sum(outcomes.values())
    run.figures.update(
        {
            "users": len(users),
            "rounds": rounds,
            "attempts": attempts,
            "outcomes": dict(outcomes),
            "accepted_after_revocation": accepted_after_revocation,
            "gas": {op: int(mean(values)) for op, values in gas.items()},
            "platform_fields_seen": sorted({k for entry in platform_log for k in entry}),
            "platform_distinct_dids": len({e["did"] for e in platform_log}),
            "frank_controller": resolve(sb, identity, did_for(acc.frank, chain_id)).controller_address(),
            "certificate_locked": bool(credentials.locked(0)),
            "accepted_share": outcomes["accepted"] / attempts if attempts else 0.0,
            "headline": ["accepted_share", "outcomes/credential Expired", "outcomes/credential Revoked"],
        }
    )
    per_identity = mean(gas["addDelegate"])
    per_day = 5_000_000 / 365
    capacity = 30_000_000 * 86_400 / 12  # a chain of 30M-gas blocks every 12 s
    run.compare(
        "identities in the first year", len(users), 5_000_000, unit="identities",
        source="RealDID's first-year target (issue 18, summarising the December 2023 announcement)",
        to_match=(f"{per_day:,.0f} new identities a day; at this run's {per_identity:,.0f} gas to register a DID key, "
                  f"{per_day * per_identity / 1e9:.2f} billion gas a day, {per_day * per_identity / capacity:.1%} of a chain with 30M-gas blocks "
                  "every 12 s (RealDID keeps identities off the public chain; this is what on-chain registration would cost)"),
    )
    run.table(
        f"Logins by {len(users)} users over {rounds * step_days} days",
        ["outcome", "count", "share"],
        [[k, v, f"{v / attempts:.0%}"] for k, v in outcomes.most_common()],
    )
    run.table("Gas per operation (mean)", ["operation", "gas"], [[op, int(mean(v))] for op, v in gas.items()])
    run.table(
        "What a platform sees",
        ["field", "example"],
        [[k, platform_log[0][k]] for k in sorted(platform_log[0])] + [["(no names, no ID numbers)", ""]],
    )

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        left, right = fig.subplots(1, 2)
        names = [k for k, _ in outcomes.most_common()]
        left.barh(names, [outcomes[n] for n in names], color=["#52b788" if n == "accepted" else "#c33c54" for n in names])
        left.invert_yaxis()
        left.set_xlabel("login attempts")
        ops = list(gas)
        right.barh(ops, [mean(gas[o]) / 1000 for o in ops], color="#5bc0be")
        right.invert_yaxis()
        right.set_xlabel("gas (thousands)")
        fig.suptitle("RealDID-style logins: outcomes and gas per operation")

    run.chart(draw)
    return run.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
