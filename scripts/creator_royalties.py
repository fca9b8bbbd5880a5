"""Creator royalties when resale volume moves to a market that does not pay them.

ERC-2981 lets a collection state its royalty, but only a marketplace that
chooses to honour it pays the creator. In August 2023 OpenSea made creator
fees optional for new collections, following Blur and other
zero-royalty markets, and royalty income across the NFT market fell sharply.
This model resells a creator's collection on two venues:

- the project's Marketplace contract, which pays the ERC-2981 royalty and a
  2.5% platform fee as pull payments;
- a venue that pays no royalty, standing in for optional-fee markets: the
  buyer pays the seller directly and the seller transfers the token.

The share of resales going to the non-paying venue grows over the run
(from 0% to 80%), as volume moved in 2023.

Sources: OpenSea's announcement "Creator fees are now optional" (August
2023); ERC-2981 (NFT Royalty Standard); royalty rate of 5% (the
collection's default).

Reported: creator income over N resales, the effective royalty rate (creator
income / resale volume) as volume moves, and a check that the creator's
income equals the sum of the royalty payments in the marketplace's events.

This is the global design, outside the mainland rules on purpose: open
resale for ether on a listing market. It runs, and its report
(``--rules cn-2022``) marks every resale as breaking the 2022 bans on
secondary and continuous trading and on cryptocurrency settlement.
"""

from __future__ import annotations

import sys

from sandbox.models.params import Param
from sandbox.models.report import ModelRun

ETHER = 10**18
PARAMS = (
    Param("tokens", int, 20, (1, 500), "tokens", "assumption", quick=6),
    Param("resales", int, 300, (1, 20_000), "resales", "assumption", quick=24),
    Param("royalty_bps", int, 500, (0, 10_000), "basis points", "the collection's ERC-2981 default (5%)"),
    Param("fee_bps", int, 250, (0, 10_000), "basis points", "a 2.5% platform fee, as OpenSea charged"),
    Param("final_unpaid_share", float, 0.8, (0.0, 1.0), "share of resales", "assumption: volume moving to optional-fee markets in 2023"),
)
DESIGN = {"underlying": "none", "fractional": False}


def main(argv: list[str] | None = None) -> dict:
    run = ModelRun("creator_royalties", "royalties on a paying and a non-paying market", argv, params=PARAMS, design=DESIGN)
    sb = run.sandbox
    acc = list(sb.accounts)
    creator, platform, collectors = acc[0], acc[1], acc[2:]
    tokens = run.p["tokens"]
    resales = run.p["resales"]
    royalty_bps, fee_bps, final_unpaid_share = run.p["royalty_bps"], run.p["fee_bps"], run.p["final_unpaid_share"]

    nft = sb.deploy("SandboxNFT", "Creator Drop", "CD", creator, sender=creator)
    nft.setDefaultRoyalty(creator, royalty_bps, sender=creator)
    market = sb.deploy("Marketplace", platform, fee_bps, sender=platform)
    holder = {}
    for t in range(tokens):
        owner = collectors[t % len(collectors)]
        nft.mint(owner, f"ipfs://drop/{t}", sender=creator)
        holder[t] = owner
    for collector in collectors:
        nft.setApprovalForAll(market, True, sender=collector)

    price = 0.05 * ETHER
    periods = 4
    per_period = [{"volume": 0, "royalty": 0, "unpaid_volume": 0, "sales": 0} for _ in range(periods)]
    royalty_events = 0
    for i in run.progress(range(resales), "resales"):
        share_unpaid = final_unpaid_share * i / max(resales - 1, 1)
        token = run.random.randrange(tokens)
        seller = holder[token]
        buyer = run.random.choice([c for c in collectors if c != seller])
        price = max(0.01 * ETHER, price * run.random.lognormvariate(0, 0.15))
        amount = int(price) // 10**12 * 10**12
        period = per_period[min(periods - 1, i * periods // resales)]
        if run.random.random() < share_unpaid:
            # The non-paying venue: pay the seller, take the token; no royalty.
            sb.transfer(seller, amount, sender=buyer)
            receipt = nft.transferFrom(seller, buyer, token, sender=seller)
            run.record("resale", receipt, venue="direct", currency="ETH", price=amount, seller=seller.name, buyer=buyer.name)
            period["unpaid_volume"] += amount
        else:
            listing = market.list(nft, token, 1, amount, sender=seller).events["Listed"][0].args["listingId"]
            receipt = market.buy(listing, 1, sender=buyer, value=amount)
            run.record("resale", receipt, venue="marketplace", currency="ETH", price=amount, seller=seller.name, buyer=buyer.name)
            paid = receipt.events["Purchased"][0].args
            period["royalty"] += paid["royalty"]
            royalty_events += paid["royalty"]
        period["volume"] += amount
        period["sales"] += 1
        holder[token] = buyer

    owed = int(market.payments(creator))
    before = sb.balance(creator)
    withdrawal = market.withdrawPayments(sender=creator) if owed else None
    received = sb.balance(creator) - before + (withdrawal.fee if withdrawal else 0)
    all_purchases = sb.get_events(market, name="Purchased")
    volume = sum(p["volume"] for p in per_period)
    run.figures.update(
        {
            "tokens": tokens,
            "resales": resales,
            "royalty_bps": royalty_bps,
            "volume_wei": volume,
            "creator_income_wei": received,
            "royalty_in_events_wei": sum(int(e.args["royalty"]) for e in all_purchases),
            "royalty_tracked_wei": royalty_events,
            "marketplace_sales": len(all_purchases),
            "effective_rate": received / volume if volume else 0.0,
            "headline": ["effective_rate", "creator_income_wei"],
            "periods": [
                {
                    "sales": p["sales"],
                    "volume_wei": p["volume"],
                    "royalty_wei": p["royalty"],
                    "unpaid_share": p["unpaid_volume"] / p["volume"] if p["volume"] else 0.0,
                    "effective_rate": p["royalty"] / p["volume"] if p["volume"] else 0.0,
                }
                for p in per_period
            ],
        }
    )
    f = run.figures
    run.table(
        f"{resales} resales of {tokens} tokens, royalty {royalty_bps / 100:.0f}%",
        ["quarter of the run", "sales", "volume (ether)", "on the non-paying venue", "creator income (ether)", "effective rate"],
        [
            [f"Q{n + 1}", p["sales"], p["volume_wei"] / ETHER, f"{p['unpaid_share']:.0%}", p["royalty_wei"] / ETHER, f"{p['effective_rate']:.2%}"]
            for n, p in enumerate(f["periods"])
        ]
        + [["all", resales, volume / ETHER, "", received / ETHER, f"{f['effective_rate']:.2%}"]],
    )

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        ax = fig.add_subplot(1, 1, 1)
        quarters = [f"Q{n + 1}" for n in range(periods)]
        ax.plot(quarters, [p["effective_rate"] * 100 for p in f["periods"]], marker="o", label="effective royalty rate (%)")
        ax.plot(quarters, [p["unpaid_share"] * 100 / 20 for p in f["periods"]], marker="s", linestyle="--", label="volume on the non-paying venue (% / 20)")
        ax.axhline(royalty_bps / 100, color="grey", linewidth=0.8, label="stated royalty (ERC-2981)")
        ax.set_ylim(bottom=0)
        ax.legend()
        ax.set_title("Creator royalty income as resales move to a non-paying market")

    run.chart(draw)
    return run.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
