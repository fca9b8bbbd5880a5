"""The published rules as checks: a scenario that breaks one (with its transaction) and one that keeps them all."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sandbox.models.rules import Action, RuleSetError, check
from sandbox.models.sweep import Sweep

REPO = Path(__file__).resolve().parents[2]
TX = re.compile(r"0x[0-9a-f]{64}")


def status(checks: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["status"] for r in checks["results"]}


def test_gift_rules_name_the_breaking_transaction_and_scenario() -> None:
    actions = [
        Action("gift", "0xaa", 5, "24 hours", {"held_days": 3.0, "first_hop": True, "recipient_mainland": True, "recipient_age": 30}),
        Action("gift", "0xbb", 9, "Jingtan 2022", {"held_days": 200.0, "first_hop": True, "recipient_mainland": True, "recipient_age": 30}),
        Action("gift", "0xcc", 12, "Jingtan 2022", {"held_days": 740.0, "first_hop": False, "recipient_mainland": True, "recipient_age": 12}),
    ]
    checks = check(actions, {})
    assert status(checks)["jingtan-180d"] == "broken" and status(checks)["jingtan-2y"] == "held"
    by_id = {r["id"]: r for r in checks["results"]}
    assert by_id["jingtan-180d"]["examples"] == [
        {"kind": "gift", "tx": "0xaa", "block": 5, "scenario": "24 hours", "why": "given away after 3.0 days held (the rule asks 180)"}]
    assert by_id["jingtan-recipient"]["examples"][0]["tx"] == "0xcc" and "under 14" in by_id["jingtan-recipient"]["examples"][0]["why"]
    assert checks["within_mainland_rules"] is False and checks["scenarios_within_rules"] == []
    assert status(checks)["nifa-no-trading"] == "not exercised"


def test_open_resale_in_ether_is_outside_the_mainland_rules() -> None:
    resale = Action("resale", "0xdd", 3, "", {"venue": "marketplace", "currency": "ETH", "price": 5})
    checks = check([resale], {"underlying": "none", "fractional": False})
    assert checks["broken"] == ["nifa-no-trading", "nifa-fiat", "sd-no-secondary"]
    assert status(checks)["nifa-underlying"] == "held" and status(checks)["nifa-non-fungible"] == "held"


def test_design_and_identity_rules() -> None:
    login = Action("login", None, None, "", {"platform_sees": ["claimHash", "did", "name"]})
    checks = check([login, Action("login", facts={"platform_sees": ["did"]})], {"underlying": "security", "fractional": True})
    by_id = {r["id"]: r for r in checks["results"]}
    assert by_id["realdid-anonymous"]["breaches"] == 1 and "sees name beside the DID" in by_id["realdid-anonymous"]["examples"][0]["why"]
    assert by_id["nifa-underlying"]["examples"][0]["why"].startswith("design: underlying='security'")
    assert by_id["nifa-non-fungible"]["status"] == "broken"
    with pytest.raises(RuleSetError, match="unknown rule set 'us-2024'; known: cn-2022"):
        check([], {}, "us-2024")


def test_a_real_run_keeps_the_rules_and_the_forbidden_design_breaks_one(pool_sweep: tuple[Sweep, dict[str, Any]]) -> None:
    plan, _ = pool_sweep
    runs = {r.name: json.loads((r / "figures.json").read_text()) for r in (plan.folder / "runs").iterdir()}
    kept = [f for name, f in runs.items() if "public_sale=0" in name]
    broke = [f for name, f in runs.items() if "public_sale=1" in name and f["unverified_names"] and f["rule_checks"]["broken"]]
    assert len(kept) == 4 and broke
    for f in kept:  # verified buyers only: every sale real-name, in yuan, no resale
        checks = f["rule_checks"]
        assert checks["within_mainland_rules"] is True
        assert status(checks)["nifa-real-name"] == "held" and status(checks)["nifa-fiat"] == "held"
        assert status(checks)["sd-no-secondary"] == "not exercised"
    for f in broke:  # a public sale lets unverified buyers in: each of their purchases breaks the real-name rule
        checks = f["rule_checks"]
        assert checks["broken"] == ["nifa-real-name"]
        real_name = next(r for r in checks["results"] if r["id"] == "nifa-real-name")
        bought_unverified = sum(v for k, v in f["holdings_simulated"].items() if k in f["unverified_names"])
        assert real_name["breaches"] == bought_unverified > 0
        first = real_name["examples"][0]
        assert TX.fullmatch(first["tx"]) and first["kind"] == "sale" and first["block"] > 0
        assert re.fullmatch(r"the buyer \((\w+)\) is not real-name verified", first["why"]).group(1) in f["unverified_names"]


def test_sandbox_check_reports_the_rules_of_a_forbidden_design() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "check", "creator_royalties", "--quick", "--param", "resales=4", "--param", "tokens=2"],
        capture_output=True, text=True, timeout=300, cwd=REPO, env={**os.environ, "COLUMNS": "200"},
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "OUTSIDE the mainland rules" in out.stdout
    assert re.search(r"sd-no-secondary.*broken", out.stdout) and re.search(r"nifa-underlying.*held", out.stdout)
    assert TX.search(out.stdout)
    bad = subprocess.run([sys.executable, "-m", "sandbox.cli", "check", "creator_royalties", "--param", "royalty_bps=20000"],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert bad.returncode == 1 and "royalty_bps=20000 is outside its range [0, 10000]" in bad.stderr and "Traceback" not in bad.stderr
