"""Metaverse land: a parcel sale on a grid, then escrow rentals.

Virtual-land platforms (The Sandbox, Decentraland; in China, parcels in
metaverse projects built on state-backed BSN-style chains) sell parcels on a
fixed grid, priced by location, and owners rent them out to brands and
event organisers for a daily fee. This model runs that market on the real
LandRegistry contract (ERC-721 parcels, ERC-4907 users, escrow rental):

- the platform sells every parcel; central parcels cost more;
- owners offer parcels for rent at a daily price tied to location;
- tenants arrive at random, pay price x days up front (the platform takes
  its fee at once, the rest waits in escrow until the rental ends), and
  become the parcel's ERC-4907 user;
- an owner who tries to sell a rented parcel is refused until the rental
  ends.

Sources: ERC-4907 (rental NFT standard) and the escrow rental pattern of
metaverse land markets; The Sandbox's LAND grid; the platform fee level
(5%) is an assumption in line with NFT market fees.

Reported: occupancy, gross rent, landlord yield, platform fees, rentals that
expired and were settled, and transfers refused during rentals. Sales and
rentals are recorded for the published rules (``--rules cn-2022``): priced
in yuan (the chain's unit stands for it), rentals are use, not trading.
"""

from __future__ import annotations

import sys

from sandbox import ContractReverted
from sandbox.models.params import Param
from sandbox.models.report import ModelRun

DAY = 86_400
ETHER = 10**18
PARAMS = (
    Param("side", int, 5, (2, 20), "parcels per side of the grid", "The Sandbox's LAND grid, scaled down", quick=3),
    Param("days", int, 120, (10, 3650), "days", "assumption", quick=40),
    Param("fee_bps", int, 500, (0, 5_000), "basis points of rent", "assumption: in line with NFT market fees (5%)"),
    Param("rent_bps_per_day", float, 5.0, (0.1, 100.0), "basis points of the parcel's price per day", "assumption: 0.05% a day"),
    Param("demand", float, 0.25, (0.0, 1.0), "chance a free edge parcel is rented on a day", "assumption"),
)
ZERO = "0x0000000000000000000000000000000000000000"


def main(argv: list[str] | None = None) -> dict:
    run = ModelRun("metaverse_land", "a land sale on a grid, then escrow rentals", argv, accounts=(14, 30), params=PARAMS,
                   design={"underlying": "none", "fractional": False})
    sb = run.sandbox
    acc = list(sb.accounts)
    platform, landlords, tenants = acc[0], acc[1:6], acc[6:]
    side = run.p["side"]
    days = run.p["days"]
    fee_bps = run.p["fee_bps"]
    run.fund(acc[1:], 5 * ETHER)

    land = sb.deploy("LandRegistry", platform, side, side, fee_bps, sender=platform)
    centre = (side - 1) / 2

    def premium(x: int, y: int) -> float:
        distance = max(abs(x - centre), abs(y - centre)) / max(centre, 1)
        return 2.0 - distance  # 2x in the centre, 1x at the edge

    # The sale: parcels go to landlords in turn, paid to the platform.
    paid_for: dict[int, int] = {}
    sale_revenue = 0
    for i, (x, y) in enumerate((x, y) for y in range(side) for x in range(side)):
        buyer = landlords[i % len(landlords)]
        price = int(0.1 * ETHER * premium(x, y))
        paid = sb.transfer(platform, price, sender=buyer)
        run.record("sale", paid, buyer=buyer.name, currency="CNY", price=price)
        token = int(land.mintParcel(buyer, x, y, sender=platform).events["Transfer"][0].args["tokenId"])
        paid_for[token] = price
        sale_revenue += price
    parcels = list(paid_for)
    owner_of = {t: str(land.ownerOf(t)) for t in parcels}
    daily = {t: int(paid_for[t] / (10_000 / run.p["rent_bps_per_day"])) for t in parcels}  # rent: a share of the price per day (5 bps = 1/2000)
    for t in parcels:
        land.offerRental(t, daily[t], 30, sender=owner_of[t])

    gross = fees = 0
    rentals = expired = refused_transfers = 0
    rented_days = 0
    sold_while_rented = 0
    busy_until = {t: 0 for t in parcels}
    user_checks_failed = 0
    start = sb.chain.timestamp
    for day in run.progress(range(days), "days"):
        now = start + day * DAY
        if now > sb.chain.timestamp:
            sb.time_travel(to=now)
        for t in parcels:
            if busy_until[t] and busy_until[t] <= now:
                busy_until[t] = 0
                expired += 1
                if land.userOf(t) != ZERO:
                    user_checks_failed += 1
            if busy_until[t]:
                # Now and then the landlord tries to sell a rented parcel.
                # (only while at least a day of the rental remains, so the attempt
                # cannot land in the block where it ends).
                if busy_until[t] > sb.chain.timestamp + DAY and run.random.random() < 0.02:
                    try:
                        moved = land.transferFrom(owner_of[t], landlords[0] if owner_of[t] != landlords[0] else landlords[1], t, sender=owner_of[t])
                        run.record("resale", moved, venue="direct", currency="CNY")
                        sold_while_rented += 1
                    except ContractReverted as err:
                        if err.name != "LandRented":
                            raise
                        refused_transfers += 1
                continue
            # Demand: cheaper (outer) parcels are rented more often.
            if run.random.random() < run.p["demand"] / (paid_for[t] / (0.1 * ETHER)):
                tenant = run.random.choice(tenants)
                length = run.random.randint(3, 30)
                due = daily[t] * length
                receipt = land.rent(t, length, sender=tenant, value=due)
                run.record("rental", receipt, currency="CNY", price=due)
                event = receipt.events["Rented"][0].args
                gross += event["paid"]
                fees += event["fee"]
                rentals += 1
                rented_days += min(length, days - day)
                busy_until[t] = int(event["until"])
                if str(land.userOf(t)).lower() != tenant.address.lower():
                    user_checks_failed += 1
    # Settle every finished rental, then everyone withdraws.
    sb.time_travel(seconds=31 * DAY)
    for t in parcels:
        _tenant, _until, landlord, _escrowed = land.rental(t)
        if landlord != ZERO:
            land.settleRental(t, sender=platform)
    # A new rental settles the previous one itself; count every settlement on chain.
    settled = len(sb.get_events(land, name="RentalSettled"))
    landlord_income = {}
    for landlord in landlords:
        owed = int(land.payments(landlord))
        landlord_income[landlord.name] = owed
        if owed:
            land.withdrawPayments(sender=landlord)
    platform_owed = int(land.payments(platform))
    total_paid = sum(paid_for.values())
    years = days / 365
    run.figures.update(
        {
            "grid": f"{side}x{side}",
            "parcels": len(parcels),
            "days": days,
            "sale_revenue_wei": sale_revenue,
            "rentals": rentals,
            "expired_rentals": expired,
            "settled_rentals": settled,
            "occupancy": rented_days / (len(parcels) * days),
            "gross_rent_wei": gross,
            "platform_fees_wei": fees,
            "platform_fees_owed_wei": platform_owed,
            "landlord_income_wei": sum(landlord_income.values()),
            "landlord_yield_annual": sum(landlord_income.values()) / total_paid / years if years else 0.0,
            "refused_transfers_while_rented": refused_transfers,
            "transfers_while_rented": sold_while_rented,
            "user_checks_failed": user_checks_failed,
            "fee_bps": fee_bps,
            "headline": ["occupancy", "landlord_yield_annual", "platform_fees_wei"],
        }
    )
    f = run.figures
    run.table(
        f"Land on a {side}x{side} grid over {days} days",
        ["measure", "value"],
        [
            ["parcels sold / revenue (ether)", f"{len(parcels)} / {sale_revenue / ETHER:.2f}"],
            ["rentals (expired during the run)", f"{rentals} ({expired})"],
            ["occupancy", f"{f['occupancy']:.0%}"],
            ["gross rent (ether)", gross / ETHER],
            [f"platform fees at {fee_bps / 100:.0f}% (ether)", fees / ETHER],
            ["landlord income (ether)", f["landlord_income_wei"] / ETHER],
            ["landlord yield, annualised", f"{f['landlord_yield_annual']:.1%}"],
            ["sales refused while rented", refused_transfers],
        ],
    )

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        ax = fig.add_subplot(1, 1, 1)
        grid = [[daily[land_id] / 1e15 for land_id in parcels[y * side : (y + 1) * side]] for y in range(side)]
        image = ax.imshow(grid, cmap="viridis")
        fig.colorbar(image, ax=ax, label="daily rent (milli-ether)")
        ax.set_title(f"Daily rent by parcel; occupancy {f['occupancy']:.0%}, yield {f['landlord_yield_annual']:.0%}/yr")

    run.chart(draw)
    return run.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
