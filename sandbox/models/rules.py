"""The rules published for China's digital-collectible market, as checks on a run.

A model records what its scenario did, one :class:`Action` per transaction
that matters (``run.record("gift", receipt, held_days=3.0, ...)``), and
states its design once (``DESIGN = {"currency": "CNY", ...}``). The rule set
``cn-2022`` checks both and says, for each rule, whether it held, whether a
scenario broke it (with the transaction that broke it), or whether the run
never exercised it. A model may explore a forbidden design on purpose (open
resale with royalties, say): it still runs, and its report marks it as
outside the mainland rules.

Sources (as summarised in this project's issue 18):

- 2022-04-13: "Initiative on preventing financial risks related to NFTs",
  National Internet Finance Association of China, China Banking
  Association and Securities Association of China.
- 2022-06-30: "Self-discipline initiative for the digital-collectible
  industry" (China Cultural Industry Association and others): no secondary
  trading, circulation only for use.
- Jingtan (Ant Group) user rules, 2022: a collectible may be given away
  only after 180 days; a recipient must hold it two years before giving it
  again; recipients are mainland residents aged 14 or over.
- RealDID (Ministry of Public Security's First Research Institute, BSN,
  December 2023): "front-end anonymous, back-end real-name" — a platform
  sees the DID, never the identity behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import SandboxError

#: What a platform may see under RealDID: the DID and what points at a credential.
ANONYMOUS_FIELDS = frozenset({"did", "claimHash", "credentialDigest", "signature"})
#: Payment units a mainland platform may price and settle in (the chain's test
#: ether stands for yuan paid through the platform when a model says CNY).
FIAT = frozenset({"CNY"})
FINANCIAL_UNDERLYINGS = frozenset({"security", "insurance", "credit", "loan", "fund"})
#: How many breaking transactions a report lists per rule (the count is always complete).
EXAMPLES = 5


class RuleSetError(SandboxError, ValueError):
    """Raised when a rule set name is unknown (the message lists the known ones)."""


@dataclass(frozen=True)
class Action:
    """One thing a scenario did that a rule may judge."""

    kind: str  # issue, sale, resale, auction, gift, transfer, login, rental
    tx: str | None = None
    block: int | None = None
    scenario: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.facts.get(key, default)

    def where(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "tx": self.tx, "block": self.block}
        if self.scenario:
            out["scenario"] = self.scenario
        return out


@dataclass(frozen=True)
class Rule:
    """One published rule: which actions it judges and when one breaks it."""

    id: str
    title: str
    source: str
    #: (actions, design) -> (checked count, breaches as (action or None, why))
    judge: Callable[[Sequence[Action], Mapping[str, Any]], tuple[int, list[tuple[Action | None, str]]]]


def _each(kinds: Iterable[str], breaks: Callable[[Action], str | None], *, needs: str | Sequence[str] | None = None) -> Callable[..., Any]:
    """Judge every action of ``kinds`` that carries (one of) the facts ``needs``."""
    wanted = frozenset(kinds)
    facts = (needs,) if isinstance(needs, str) else tuple(needs or ())

    def judge(actions: Sequence[Action], design: Mapping[str, Any]) -> tuple[int, list[tuple[Action | None, str]]]:
        checked, breaches = 0, list[tuple[Action | None, str]]()
        for action in actions:
            if action.kind not in wanted or (facts and all(action.get(f) is None for f in facts)):
                continue
            checked += 1
            why = breaks(action)
            if why:
                breaches.append((action, why))
        return checked, breaches

    return judge


def _with_design(key: str, breaks: Callable[[Any], str | None], per_action: Callable[..., Any] | None = None) -> Callable[..., Any]:
    def judge(actions: Sequence[Action], design: Mapping[str, Any]) -> tuple[int, list[tuple[Action | None, str]]]:
        checked, breaches = per_action(actions, design) if per_action else (0, [])
        if key in design:
            checked += 1
            why = breaks(design[key])
            if why:
                breaches.insert(0, (None, f"design: {key}={design[key]!r}: {why}"))
        return checked, breaches

    return judge


def _currency(action: Action) -> str | None:
    unit = action.get("currency")
    return f"priced and settled in {unit}, a cryptocurrency" if unit not in FIAT else None


def _real_name(action: Action) -> str | None:
    for party in ("buyer", "seller", "issuer"):
        if action.get(f"{party}_real_name") is False:
            return f"the {party} ({action.get(party, '?')}) is not real-name verified"
    return None


def _gift_hold(first: bool, days: float) -> Callable[[Action], str | None]:
    def breaks(action: Action) -> str | None:
        if bool(action.get("first_hop", True)) != first:
            return None
        held = float(action.get("held_days"))
        return f"given away after {held:.1f} days held (the rule asks {days:g})" if held < days else None

    return breaks


def _recipient(action: Action) -> str | None:
    age, mainland = action.get("recipient_age"), action.get("recipient_mainland")
    if mainland is False:
        return f"the recipient ({action.get('recipient', '?')}) is not a mainland resident"
    if age is not None and age < 14:
        return f"the recipient ({action.get('recipient', '?')}) is {age}, under 14"
    return None


def _platform_view(action: Action) -> str | None:
    seen = set(action.get("platform_sees", ()))
    extra = sorted(seen - ANONYMOUS_FIELDS)
    return f"the platform sees {', '.join(extra)} beside the DID" if extra else None


def _price(action: Action) -> str:
    price, unit = action.get("price"), action.get("currency", "")
    if isinstance(price, int) and unit == "ETH":
        return f" for {price / 10**18:.4g} ETH"
    return f" for {price:,} {unit}".rstrip() if isinstance(price, int) else ""


def _trading(action: Action) -> str | None:
    if action.kind == "auction":
        return "sold at auction"
    venue = action.get("venue", "")
    if venue in ("marketplace", "order book", "market maker"):
        return f"resold through a {venue} listing (centralised, continuous trading)"
    return None


CN_2022: tuple[Rule, ...] = (
    Rule("nifa-underlying", "No securities, insurance or credit as the underlying of an NFT",
         "NIFA, China Banking Association, Securities Association of China, 2022-04-13",
         _with_design("underlying", lambda u: f"the NFT is backed by a {u}" if u in FINANCIAL_UNDERLYINGS else None)),
    Rule("nifa-non-fungible", "No splitting of ownership, no batch issuance that weakens non-fungibility",
         "NIFA et al., 2022-04-13",
         _with_design("fractional", lambda f: "ownership is split into shares" if f else None,
                      _each(["issue"], lambda a: "issued as fungible copies of one token" if a.get("fungible") else None, needs="fungible"))),
    Rule("nifa-no-trading", "No centralised or continuous trading, auctions, matching or market makers",
         "NIFA et al., 2022-04-13", _each(["resale", "auction"], _trading)),
    Rule("nifa-fiat", "No pricing or settlement in cryptocurrency",
         "NIFA et al., 2022-04-13", _each(["sale", "resale", "auction", "rental"], _currency, needs="currency")),
    Rule("nifa-real-name", "Issuers, sellers and buyers are real-name verified",
         "NIFA et al., 2022-04-13",
         _each(["sale", "resale", "auction", "issue"], _real_name, needs=("buyer_real_name", "seller_real_name", "issuer_real_name"))),
    Rule("sd-no-secondary", "No secondary trading; collectibles circulate only for use (gifts)",
         "Self-discipline initiative for the digital-collectible industry, 2022-06-30",
         _each(["resale", "auction"], lambda a: f"resold ({a.get('venue', 'direct')}){_price(a)}")),
    Rule("jingtan-180d", "A collectible is given away only after 180 days held",
         "Jingtan user rules, 2022", _each(["gift"], _gift_hold(True, 180), needs="held_days")),
    Rule("jingtan-2y", "A recipient holds a gift two years before giving it again",
         "Jingtan user rules, 2022", _each(["gift"], _gift_hold(False, 730), needs="held_days")),
    Rule("jingtan-recipient", "Recipients are mainland residents aged 14 or over",
         "Jingtan user rules, 2022", _each(["gift"], _recipient, needs="recipient_mainland")),
    Rule("realdid-anonymous", "Front-end anonymous, back-end real-name: platforms see the DID, never the identity",
         "RealDID (First Research Institute of the Ministry of Public Security, BSN), 2023-12",
         _each(["login"], _platform_view, needs="platform_sees")),
)

RULE_SETS: dict[str, tuple[Rule, ...]] = {"cn-2022": CN_2022}


def rule_set(name: str) -> tuple[Rule, ...]:
    if name not in RULE_SETS:
        raise RuleSetError(f"unknown rule set {name!r}; known: {', '.join(RULE_SETS)}")
    return RULE_SETS[name]


def check(actions: Sequence[Action], design: Mapping[str, Any], rules: str = "cn-2022") -> dict[str, Any]:
    """Judge a run: every rule's status (held, broken, not exercised) and the breaking transactions."""
    results: list[dict[str, Any]] = []
    for rule in rule_set(rules):
        checked, breaches = rule.judge(actions, design)
        status = "broken" if breaches else "held" if checked else "not exercised"
        scenarios = sorted({a.scenario for a, _ in breaches if a is not None and a.scenario})
        results.append({
            "id": rule.id, "title": rule.title, "source": rule.source, "status": status, "checked": checked,
            "breaches": len(breaches), "scenarios": scenarios,
            "examples": [{**(a.where() if a else {"kind": "design", "tx": None, "block": None}), "why": why} for a, why in breaches[:EXAMPLES]],
        })
    broken = [r["id"] for r in results if r["status"] == "broken"]
    all_scenarios = sorted({a.scenario for a in actions if a.scenario})
    clean = [s for s in all_scenarios if not any(s in r["scenarios"] for r in results)]
    return {"rule_set": rules, "within_mainland_rules": not broken, "broken": broken, "results": results,
            "scenarios_within_rules": clean, "actions_checked": len(actions)}
