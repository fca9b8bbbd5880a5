"""A museum's first digital-collectible release: fixed price, caps, verified buyers.

China's digital-collectible platforms sell a museum's or a scenic site's
first release at a fixed price, in a limited edition, to real-name-verified
users only, with a per-user purchase limit (e.g. the Hubei Provincial
Museum's Yue Wang Gou Jian sword collectibles on Alipay/Jingtan in 2021: 8,000
copies at ¥19.9, sold out in seconds). This model runs such a release on the
real SandboxCollectible contract:

- the platform operates the sale: supply cap, fixed price, per-wallet cap,
  gift-only transfers after a 90-day hold;
- only identity-verified buyers may buy: a buyer shows an EIP-712
  real-name credential (as in the digital-identity model); the platform
  checks it on CredentialRegistry and adds the verified wallets to a Merkle
  allowlist, whose root the contract enforces (``allowlistMint``);
- proceeds are pull payments; the platform withdraws them and pays the IP
  owner (the museum) its share on chain.

Sources: the Hubei Provincial Museum / Alipay release as reported by Chinese
press (June 2021); real-name and purchase-limit rules of Chinese collectible
platforms as summarised in this project's issue 6. The 70/30 IP/platform
split is an assumption (licensing terms are private); change IP_SHARE_BPS.

Reported: sell-through, blocks until sold out, revenue and its split,
unverified buyers rejected, purchases stopped by the wallet cap, and holder
concentration (top-10 share, Gini).
"""

from __future__ import annotations

import sys
from collections import Counter

from sandbox import ContractReverted
from sandbox.helpers.identity import Credential, claim_hash, credential_status, sign_credential
from sandbox.helpers.merkle import Allowlist
from sandbox.helpers.nft import metadata_uri
from sandbox.models.report import ModelRun, gini

GIFT_ONLY_AFTER_HOLD = 1
DAY = 86_400
PRICE = 10**16  # 0.01 ether per collectible
IP_SHARE_BPS = 7_000  # assumption: 70% to the IP owner, 30% to the platform


def main(argv: list[str] | None = None) -> dict:
    run = ModelRun(
        "digital_collectibles",
        "a museum's first release to verified buyers only",
        argv,
        accounts=(24, 160),
    )
    sb = run.sandbox
    acc = list(sb.accounts)
    platform, museum, issuer = acc[0], acc[1], acc[2]
    buyers = acc[3:]
    supply = run.size(12, 200)
    wallet_cap = 2
    verified_share = 0.75
    run.fund(buyers, 10**18)

    credentials = sb.deploy("CredentialRegistry", platform, sender=platform)
    credentials.grantRole(credentials.ISSUER_ROLE(), issuer, sender=platform)
    nft = sb.deploy("SandboxCollectible", "Yue Wang Gou Jian Sword", "GJS", platform, GIFT_ONLY_AFTER_HOLD, 90 * DAY, sender=platform)
    nft.setMaxSupply(supply, sender=platform)
    nft.configureSale(PRICE, wallet_cap, False, sender=platform)  # allowlist only: no public sale

    # Real-name verification: most buyers hold an issuer-signed credential.
    now = sb.chain.timestamp
    verified, unverified = [], []
    for buyer in buyers:
        if run.random.random() < verified_share:
            cred = Credential(issuer.address, buyer.address, claim_hash("real-name verified", run.random.randbytes(16)), now, now + 365 * DAY)
            signature = sign_credential(issuer.private_key, cred, credentials, sb.chain.chain_id)
            if credential_status(credentials, cred, signature) == "Valid":
                verified.append(buyer)
                continue
        unverified.append(buyer)
    allowlist = Allowlist(verified)
    nft.setAllowlistRoot(allowlist.root, sender=platform)

    # The sale: buyers arrive in random order, each wanting 1-4 copies.
    demand = {b.name: run.random.choice((1, 1, 2, 2, 3, 4)) for b in buyers}
    queue = [b for b in buyers for _ in range(demand[b.name])]
    run.random.shuffle(queue)
    outcomes: Counter[str] = Counter()
    first_block = last_block = None
    holdings: Counter[str] = Counter()
    attempts_to_sell_out = None
    for attempt, buyer in enumerate(run.progress(queue, "buyers"), start=1):
        proof = allowlist.proof(buyer) if buyer in allowlist else []
        uri = metadata_uri(f"Gou Jian Sword #{sum(holdings.values()) + 1}", description="Hubei Provincial Museum, first release")
        try:
            receipt = nft.allowlistMint(uri, proof, sender=buyer, value=PRICE)
        except ContractReverted as err:
            outcomes[err.name or err.kind] += 1
            continue
        outcomes["sold"] += 1
        holdings[buyer.name] += 1
        first_block = first_block or receipt.block_number
        last_block = receipt.block_number
        if outcomes["sold"] == supply:
            attempts_to_sell_out = attempt

    sold = int(nft.totalSupply())
    owed = int(nft.payments(platform))
    withdrawn = nft.withdrawPayments(platform, sender=platform)
    ip_share = owed * IP_SHARE_BPS // 10_000
    museum_before = sb.balance(museum)
    sb.transfer(museum, ip_share, sender=platform)
    top = sorted(holdings.values(), reverse=True)
    run.figures.update(
        {
            "supply": supply,
            "price_wei": PRICE,
            "wallet_cap": wallet_cap,
            "buyers": len(buyers),
            "verified_buyers": len(verified),
            "unverified_buyers": len(unverified),
            "unverified_names": [b.name for b in unverified],
            "unverified_demand": sum(demand[b.name] for b in unverified),
            "purchase_attempts": len(queue),
            "sold": sold,
            "sell_through": sold / supply,
            "attempts_to_sell_out": attempts_to_sell_out,
            "blocks_to_sell_out": (last_block - first_block + 1) if sold == supply and first_block else None,
            "revenue_wei": owed,
            "ip_owner_wei": sb.balance(museum) - museum_before,
            "platform_wei": owed - ip_share,
            "withdraw_gas": withdrawn.gas_used,
            "rejected": {k: v for k, v in outcomes.items() if k != "sold"},
            "max_held_by_one_buyer": top[0] if top else 0,
            "holders": len(holdings),
            "top10_share": sum(top[:10]) / sold if sold else 0.0,
            "gini_among_buyers": gini([holdings.get(b.name, 0) for b in verified]),
            "holdings_onchain": {b.name: int(nft.balanceOf(b)) for b in buyers if holdings.get(b.name)},
            "holdings_simulated": dict(holdings),
        }
    )
    f = run.figures
    run.table(
        "First release",
        ["measure", "value"],
        [
            ["supply / sold", f"{supply} / {sold} ({f['sell_through']:.0%})"],
            ["blocks until sold out (one purchase per block)", f["blocks_to_sell_out"] or "not sold out"],
            ["purchase attempts until sold out", attempts_to_sell_out or "not sold out"],
            ["buyers verified / not", f"{len(verified)} / {len(unverified)}"],
            ["rejected: not on allowlist", outcomes.get("SandboxNFTNotAllowlisted", 0)],
            ["rejected: wallet cap", outcomes.get("SandboxNFTWalletCapReached", 0)],
            ["rejected: sold out", outcomes.get("SandboxNFTSupplyExhausted", 0)],
            ["revenue (ether)", owed / 1e18],
            [f"to the museum ({IP_SHARE_BPS / 100:.0f}%)", ip_share / 1e18],
            ["to the platform", (owed - ip_share) / 1e18],
            ["holders / top-10 share", f"{len(holdings)} / {f['top10_share']:.0%}"],
            ["Gini of holdings (verified buyers)", f"{f['gini_among_buyers']:.2f}"],
        ],
    )

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        left, right = fig.subplots(1, 2)
        labels = ["sold", *sorted(k for k in outcomes if k != "sold")]
        left.barh([x.replace("SandboxNFT", "") for x in labels], [outcomes[k] for k in labels], color="#5bc0be")
        left.invert_yaxis()
        left.set_xlabel("purchase attempts")
        counts = Counter(holdings.values())
        right.bar([str(k) for k in sorted(counts)], [counts[k] for k in sorted(counts)], color="#f4d35e")
        right.set_xlabel("collectibles held")
        right.set_ylabel("buyers")
        fig.suptitle("Digital-collectible first release: outcomes and holdings")

    run.chart(draw)
    return run.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
