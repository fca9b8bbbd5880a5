"""Gift-only transfers under China's digital-collectible holding periods.

China's platforms sell digital collectibles (数字藏品) without a secondary
market: a token may only be given away, and only after its holder has kept
it for a minimum time. This model compares four rules, each enforced by the
real contract on chain:

- Jingtan 2022: 180 days before the first gift, then two years before each
  later gift (Ant Group's Jingtan/鲸探 user rules, 2022) — TieredHoldCollectible;
- 90 days (Jingtan, February 2023) — SandboxCollectible, GiftOnlyAfterHold;
- 24 hours (Jingtan, August 2023) — the same contract, a 1-day hold;
- 30 days per hop (the rule other platforms used) — a 30-day hold.

Sources: the policy dates and lengths as given in this project's issue 6
("Business-model scripts"), summarising Jingtan's published rules and the
Chinese press coverage of their changes.

Every token's holder tries to gift it at random moments (a Poisson process,
the same seeded schedule for every rule). Reported per rule: the share of
gift attempts the contract blocked, the days from mint to the first legal
gift, and gifts per token per year. The run also checks the rule itself:
no gift may succeed before its holding period ends.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sandbox import ContractReverted
from sandbox.models.params import Param
from sandbox.models.report import ModelRun

DAY = 86_400
PARAMS = (
    Param("tokens", int, 8, (1, 200), "tokens", "assumption", quick=2),
    Param("years", int, 4, (1, 20), "years", "assumption: long enough for the two-year rule to bite", quick=2),
    Param("mean_gap_days", float, 12.0, (0.5, 730.0), "days between gift attempts per token", "assumption", quick=45.0),
    Param("minor_share", float, 0.0, (0.0, 1.0), "share of recipients under 14", "assumption; Jingtan allows none"),
)
GIFT_ONLY_AFTER_HOLD = 1  # SandboxCollectible.TransferPolicy


@dataclass(frozen=True)
class Rule:
    name: str
    first_hold_days: float
    later_hold_days: float


RULES = (
    Rule("Jingtan 2022 (180 d, then 2 y)", 180, 730),
    Rule("90 days (Feb 2023)", 90, 90),
    Rule("24 hours (Aug 2023)", 1, 1),
    Rule("30 days per hop", 30, 30),
)


def main(argv: list[str] | None = None) -> dict:
    run = ModelRun("holding_periods", "gift-only transfers under four holding-period rules", argv, params=PARAMS,
                   design={"underlying": "none", "fractional": False})
    sb = run.sandbox
    owner = sb.accounts.alice
    holders = list(sb.accounts)[1:]
    tokens = run.p["tokens"]
    years = run.p["years"]
    mean_gap_days = run.p["mean_gap_days"]
    horizon = years * 365 * DAY

    # One schedule of gift attempts for every rule: (time offset, token, recipient index).
    schedule: list[tuple[int, int, int]] = []
    for token in range(tokens):
        t = 0.0
        while True:
            t += run.random.expovariate(1 / (mean_gap_days * DAY))
            if t >= horizon:
                break
            schedule.append((int(t), token, run.random.randrange(len(holders))))
    schedule.sort()
    # Who the holders are: age and residence (the contract cannot see them; the platform's KYC does).
    # Drawn after the schedule, so the schedule is the same whatever minor_share is.
    minors = {h.name for h in holders if run.random.random() < run.p["minor_share"]}

    results: dict[str, dict] = {}
    for rule in RULES:
        with sb.isolate():
            first, later = int(rule.first_hold_days * DAY), int(rule.later_hold_days * DAY)
            if first == later:
                nft = sb.deploy("SandboxCollectible", "Collectible", "DC", owner, GIFT_ONLY_AFTER_HOLD, first, sender=owner)
            else:
                nft = sb.deploy("TieredHoldCollectible", "Collectible", "DC", owner, first, later, sender=owner)
            start = sb.chain.timestamp + 1
            holder = {}
            arrived = {}
            hops = {}
            for token in range(tokens):
                nft.mint(holders[token % len(holders)], f"ipfs://collectible/{token}", sender=owner)
                holder[token] = holders[token % len(holders)]
                arrived[token] = sb.chain.timestamp
                hops[token] = 0
            attempts = blocked = gifts = violations = 0
            first_gift_days: dict[int, float] = {}
            for offset, token, pick in run.progress(schedule, rule.name):
                when = start + offset
                if when > sb.chain.timestamp:
                    sb.time_travel(to=when)
                giver = holder[token]
                receiver = holders[pick] if holders[pick] != giver else holders[(pick + 1) % len(holders)]
                attempts += 1
                required = first if hops[token] == 0 else later
                try:
                    receipt = nft.transferFrom(giver, receiver, token, sender=giver)
                except ContractReverted as err:
                    if err.name != "SandboxNFTHoldPeriodActive":
                        raise
                    blocked += 1
                    continue
                block_time = sb.w3.eth.get_block(receipt.block_number)["timestamp"]
                if block_time - arrived[token] < required:
                    violations += 1
                gifts += 1
                if hops[token] == 0:
                    first_gift_days[token] = (block_time - arrived[token]) / DAY
                run.record("gift", receipt, scenario=rule.name, held_days=(block_time - arrived[token]) / DAY, first_hop=hops[token] == 0,
                           recipient=receiver.name, recipient_mainland=True, recipient_age=12 if receiver.name in minors else 30)
                holder[token], arrived[token], hops[token] = receiver, block_time, hops[token] + 1
            results[rule.name] = {
                "first_hold_days": rule.first_hold_days,
                "later_hold_days": rule.later_hold_days,
                "attempts": attempts,
                "blocked": blocked,
                "gifts": gifts,
                "blocked_share": blocked / attempts if attempts else 0.0,
                "mean_days_to_first_gift": sum(first_gift_days.values()) / len(first_gift_days) if first_gift_days else None,
                "tokens_never_gifted": tokens - len(first_gift_days),
                "gifts_per_token_year": gifts / tokens / years,
                "violations": violations,
            }

    run.figures.update({"tokens": tokens, "years": years, "mean_gap_days": mean_gap_days, "rules": results,
                        "headline": [f"rules/{name}/blocked_share" for name in results]})
    published = {"Jingtan 2022 (180 d, then 2 y)": (180, "Jingtan user rules, 2022"), "90 days (Feb 2023)": (90, "Jingtan, February 2023"),
                 "24 hours (Aug 2023)": (1, "Jingtan, August 2023")}
    for name, (hold, source) in published.items():
        model = results[name]["mean_days_to_first_gift"]
        run.compare(
            f"days to the first gift, {name}", model, hold, unit="days", source=f"{source} (issue 6 / issue 18)",
            to_match=(f"holders would have to try to give the token away the day the hold ends; here they try every ~{mean_gap_days:g} days, "
                      f"so the first legal gift comes {'never' if model is None else f'{model - hold:.0f} days'} after it"),
        )
    run.table(
        f"Gift attempts over {years} years, {tokens} tokens (one attempt every ~{mean_gap_days} days per token)",
        ["rule", "tries", "blocked", "share", "days to 1st", "gifts/yr", "violations"],
        [
            [
                name,
                r["attempts"],
                r["blocked"],
                f"{r['blocked_share']:.0%}",
                "never" if r["mean_days_to_first_gift"] is None else f"{r['mean_days_to_first_gift']:.0f}",
                f"{r['gifts_per_token_year']:.2f}",
                r["violations"],
            ]
            for name, r in results.items()
        ],
    )

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        names = list(results)
        left, right = fig.subplots(1, 2)
        left.barh(names, [results[n]["blocked_share"] * 100 for n in names], color="#c33c54")
        left.set_xlabel("gift attempts blocked (%)")
        left.invert_yaxis()
        right.barh(names, [results[n]["gifts_per_token_year"] for n in names], color="#1e96fc")
        right.set_xlabel("gifts per token per year")
        right.invert_yaxis()
        right.set_yticklabels([])
        fig.suptitle("Holding-period rules for gift-only digital collectibles")

    run.chart(draw)
    return run.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
