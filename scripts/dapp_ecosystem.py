"""A DApp ecosystem: developers register, a registrar verifies, users discover and use.

China's blockchain strategy promotes DApps and NFT collections on
state-backed networks (BSN), where a directory and a verification step
stand between a developer's contract and its users. This model runs such a
directory on the real DAppRegistry contract:

- developers deploy their DApps (real SandboxCollectible contracts with an
  open, free public mint) and register them by unique name, contract,
  metadata URI and category; a second registration of a taken name is
  refused;
- a registrar (a role) reviews entries after a random lead time and marks
  most of them verified;
- users discover DApps by category through the registry's paginated
  listing, prefer verified entries three to one, and use them (mint).

Sources: BSN (Blockchain-based Service Network) DApp publishing and review
practice; the categories follow the strategy's themes (collectibles,
culture and tourism, games, identity). Lead times and preferences are
assumptions stated here.

Reported: registrations, verification lead time, activity per DApp and per
category (counted from the DApps' own Transfer events). The verified DApps
are set beside Sichuan's plan of 200 application scenarios and ¥250 billion
by 2025, with what would have to hold for the two to match.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from statistics import mean

from sandbox import ContractReverted
from sandbox.models.params import Param
from sandbox.models.report import ModelRun

DAY = 86_400
CATEGORIES = ("collectibles", "tourism", "culture", "games")
NAMES = (
    "Terracotta Cards", "West Lake Pass", "Silk Road Stamps", "Panda Quest", "Opera Masks",
    "Great Wall Walk", "Tea Garden Tokens", "Dragon Boat Race", "Calligraphy Club", "Lantern Festival",
    "Jade Rabbit", "Porcelain Atlas",
)  # fmt: skip
PAGE = 5
PARAMS = (
    Param("dapps", int, 12, (1, len(NAMES)), "DApps", "assumption", quick=6),
    Param("days", int, 30, (1, 365), "days", "assumption", quick=8),
    Param("actions_per_day", int, 8, (1, 200), "uses per day", "assumption", quick=4),
    Param("approve_share", float, 0.8, (0.0, 1.0), "share of DApps the registrar verifies", "assumption"),
    Param("verified_weight", float, 3.0, (0.1, 100.0), "preference for a verified DApp", "assumption: three to one"),
    Param("max_review_days", int, 6, (0, 60), "days", "assumption: review within a week"),
)


def _lead(entry: dict) -> str:
    if entry["verified_at"] is None:
        return "not verified"
    return f"{(entry['verified_at'] - entry['registered']) / DAY:.0f}"


def main(argv: list[str] | None = None) -> dict:
    run = ModelRun("dapp_ecosystem", "register, verify, discover and use DApps", argv, accounts=(12, 30), params=PARAMS,
                   design={"underlying": "none", "fractional": False})
    sb = run.sandbox
    acc = list(sb.accounts)
    admin, registrar, developers, users = acc[0], acc[1], acc[2:6], acc[6:]
    dapps = run.p["dapps"]
    days = run.p["days"]
    actions_per_day = run.p["actions_per_day"]

    registry = sb.deploy("DAppRegistry", admin, sender=admin)
    registry.grantRole(registry.REGISTRAR_ROLE(), registrar, sender=admin)

    entries = []
    duplicate_refused = 0
    for i in range(dapps):
        developer = developers[i % len(developers)]
        contract = sb.deploy("SandboxCollectible", NAMES[i], f"D{i}", developer, 0, 0, sender=developer)
        contract.configureSale(0, 0, True, sender=developer)
        category = CATEGORIES[i % len(CATEGORIES)]
        receipt = registry.register(NAMES[i], contract, f"ipfs://dapps/{i}", category, sender=developer)
        run.record("issue", receipt, issuer=developer.name, fungible=False)  # ERC-721: one token per mint
        entry_id = int(receipt.events["DAppRegistered"][0].args["id"])
        review_days = run.random.randint(0, run.p["max_review_days"])
        approve = run.random.random() < run.p["approve_share"]
        entries.append(
            {"id": entry_id, "name": NAMES[i], "contract": contract, "category": category, "registered": sb.chain.timestamp,
             "review_at": sb.chain.timestamp + review_days * DAY, "approve": approve, "verified_at": None}
        )  # fmt: skip
    # A latecomer tries to take an existing name.
    try:
        impostor = sb.deploy("SandboxCollectible", "Impostor", "IMP", developers[0], 0, 0, sender=developers[0])
        registry.register(NAMES[0], impostor, "ipfs://impostor", CATEGORIES[0], sender=developers[0])
    except ContractReverted as err:
        if err.name != "DAppRegistryNameTaken":
            raise
        duplicate_refused += 1

    used: Counter[str] = Counter()
    start = sb.chain.timestamp
    for day in run.progress(range(days), "days"):
        now = start + day * DAY
        if now > sb.chain.timestamp:
            sb.time_travel(to=now)
        for e in entries:
            if e["verified_at"] is None and e["approve"] and e["review_at"] <= now:
                registry.setVerified(e["id"], True, sender=registrar)
                e["verified_at"] = sb.chain.timestamp
        for _ in range(actions_per_day):
            user = run.random.choice(users)
            category = run.random.choice(CATEGORIES)
            found, offset = [], 0
            while True:  # discovery: page through the category
                page, total = registry.listByCategory(category, offset, PAGE)
                found.extend(page)
                offset += PAGE
                if offset >= total:
                    break
            if not found:
                continue
            weights = [run.p["verified_weight"] if item[6] else 1 for item in found]  # Entry.verified
            choice = run.random.choices(found, weights=weights)[0]
            handle = sb.at("SandboxCollectible", choice[2])  # Entry.contractAddress
            handle.publicMint(f"ipfs://use/{choice[1]}/{user.name}", sender=user)
            used[choice[1]] += 1

    activity_onchain = {e["name"]: len(sb.get_events(e["contract"], name="Transfer")) for e in entries}
    by_category: dict[str, int] = defaultdict(int)
    for e in entries:
        by_category[e["category"]] += activity_onchain[e["name"]]
    lead_days = [(e["verified_at"] - e["registered"]) / DAY for e in entries if e["verified_at"] is not None]
    verified_names = {e["name"] for e in entries if e["verified_at"] is not None}
    listed_total = sum(registry.listByCategory(c, 0, 0)[1] for c in CATEGORIES)
    total_use = sum(activity_onchain.values())
    run.figures.update(
        {
            "dapps": dapps,
            "registrations": int(registry.entryCount()),
            "duplicate_names_refused": duplicate_refused,
            "listed_across_categories": listed_total,
            "verified": len(verified_names),
            "lead_time_days_mean": mean(lead_days) if lead_days else None,
            "lead_time_days_max": max(lead_days) if lead_days else None,
            "activity_onchain": activity_onchain,
            "activity_simulated": dict(used),
            "activity_by_category": dict(by_category),
            "verified_share_of_use": sum(activity_onchain[n] for n in verified_names) / total_use if total_use else 0.0,
            "days": days,
            "headline": ["verified_share_of_use", "verified", "lead_time_days_mean"],
        }
    )
    f = run.figures
    uses_per_dapp_year = total_use / dapps * 365 / days if dapps and days else 0
    run.compare(
        "verified application scenarios", len(verified_names), 200, unit="scenarios",
        source="Sichuan's metaverse plan: ¥250 billion and 200 application scenarios by 2025 (issue 18)",
        to_match=(f"{200 / max(run.p['approve_share'], 1e-9):.0f} registrations at this run's {run.p['approve_share']:.0%} approval; and "
                  f"¥1.25 billion of output per scenario, i.e. ¥{1.25e9 / max(uses_per_dapp_year, 1):,.0f} per use at this run's "
                  f"{uses_per_dapp_year:,.0f} uses per DApp a year"),
    )
    run.table(
        f"{dapps} DApps over {days} days",
        ["DApp", "category", "verified after (days)", "uses"],
        [[e["name"], e["category"], _lead(e), activity_onchain[e["name"]]] for e in entries],
    )
    run.table(
        "Ecosystem",
        ["measure", "value"],
        [
            ["registrations (duplicate names refused)", f"{f['registrations']} ({duplicate_refused})"],
            ["verified", f"{len(verified_names)} of {dapps}"],
            ["verification lead time, mean / max (days)", f"{f['lead_time_days_mean'] or 0:.1f} / {f['lead_time_days_max'] or 0:.0f}"],
            ["share of use on verified DApps", f"{f['verified_share_of_use']:.0%}"],
            *[[f"uses in {c}", by_category.get(c, 0)] for c in CATEGORIES],
        ],
    )

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        left, right = fig.subplots(1, 2)
        names = [e["name"] for e in entries]
        left.barh(names, [activity_onchain[n] for n in names], color=["#52b788" if n in verified_names else "#adb5bd" for n in names])
        left.invert_yaxis()
        left.set_xlabel("uses (green: verified)")
        right.bar(list(CATEGORIES), [by_category.get(c, 0) for c in CATEGORIES], color="#7b2cbf")
        right.set_ylabel("uses")
        fig.suptitle("DApp ecosystem: activity per DApp and per category")

    run.chart(draw)
    return run.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
