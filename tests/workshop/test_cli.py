"""The workshop commands on one persistent chain, as an attendee types them."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from sandbox.workshop.db import ChainStore
from tests.workshop.conftest import REPO, run_process

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1c9a50000000049454e44ae426082"
)


def as_json(result: Any) -> Any:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_mint_show_list_transfer_across_invocations(sandbox_cmd: Any, state_file: Path, tmp_path: Path) -> None:
    image = tmp_path / "panda.png"
    image.write_bytes(PNG)
    first = as_json(sandbox_cmd("mint", "--to", "bob", "--name", "Panda #1", "--description", "On patrol", "--json"))
    assert first["token_id"] == 0 and first["owner_name"] == "bob"
    assert state_file.exists()
    second = as_json(sandbox_cmd("mint", "--to", "carol", "--name", "Panda #2", "--image", str(image), "--json"))
    assert second["token_id"] == 1 and second["contract"] == first["contract"]

    shown = as_json(sandbox_cmd("show", "0", "--json"))
    assert shown["name"] == "Panda #1" and shown["description"] == "On patrol" and shown["owner_name"] == "bob"
    assert shown["image"].startswith("data:image/svg+xml;base64,")  # generated art
    assert as_json(sandbox_cmd("show", "1", "--json"))["image"].startswith("data:image/png;base64,")

    moved = sandbox_cmd("transfer", "0", "--from", "bob", "--to", "carol")
    assert moved.code == 0 and "bob gave #0 'Panda #1' to carol" in moved.out
    history = as_json(sandbox_cmd("show", "0", "--json"))["history"]
    assert [(h["from_name"], h["to_name"]) for h in history] == [("nobody", "bob"), ("bob", "carol")]
    assert history[0]["block"] < history[1]["block"]

    rows = as_json(sandbox_cmd("list", "--owner", "carol", "--json"))
    assert [(r["token_id"], r["name"]) for r in rows] == [(0, "Panda #1"), (1, "Panda #2")]
    assert as_json(sandbox_cmd("list", "--owner", "bob", "--json")) == []
    accounts = {a["name"]: a for a in as_json(sandbox_cmd("accounts", "--json"))}
    assert accounts["carol"]["nfts"] == 2 and accounts["bob"]["nfts"] == 0
    assert accounts["alice"]["balance_wei"] < 10_000 * 10**18 == accounts["dave"]["balance_wei"]  # alice paid the gas

    table = sandbox_cmd("list")
    assert "Panda #1" in table.out and "carol" in table.out


def test_deploy_call_and_send_any_contract(sandbox_cmd: Any) -> None:
    deployed = as_json(sandbox_cmd("deploy", "SandboxNFT", "Museum", "MUS", "carol", "--json"))
    carol = as_json(sandbox_cmd("call", "SandboxNFT.owner", "--json"))["result"]
    assert carol == as_json(sandbox_cmd("call", f"{deployed['address']}.owner", "--json"))["result"]
    assert {a["name"]: a["address"] for a in as_json(sandbox_cmd("accounts", "--json"))}["carol"] == carol
    assert as_json(sandbox_cmd("call", "SandboxNFT.name", "--json"))["result"] == "Museum"
    sent = as_json(sandbox_cmd("send", "SandboxNFT.setMaxSupply", "25", "--from", "carol", "--json"))
    assert sent["events"] == [{"event": "MaxSupplyChanged", "args": {"previousCap": 10000, "newCap": 25}}]
    assert as_json(sandbox_cmd("call", "SandboxNFT.maxSupply", "--json"))["result"] == 25
    minted = as_json(sandbox_cmd("mint", "--to", "dave", "--name", "On the museum", "--collection", "SandboxNFT", "--from", "carol", "--json"))
    assert minted["contract"] == deployed["address"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "7"), "token #7 does not exist in SandboxNFT"),
        (("transfer", "0", "--from", "carol", "--to", "dave"),
         "carol cannot give away token #0: it belongs to bob, and only its owner can give it away (use --from bob)"),
        (("transfer", "0", "--from", "bob", "--to", "0x1234"), "'0x1234' is not an address"),
        (("mint", "--to", "0xZZ", "--name", "x"), "'0xZZ' is not an address"),
        (("mint", "--to", "mallory", "--name", "x"), "'mallory' is not an address nor a known account; known accounts: alice, bob,"),
        (("mint", "--to", "bob", "--name", " "), "token name is empty"),
        (("mint", "--to", "bob", "--name", "x", "--image", "/no/such.png"), "cannot read image '/no/such.png'"),
        (("mint", "--to", "bob", "--name", "x", "--from", "bob"), "bob cannot mint here: only the collection's owner can"),
        (("call", "Nope.foo"), "no contract 'Nope' deployed on the sandbox chain"),
        (("call", "SandboxNFT.nope"), "SandboxNFT has no function 'nope'"),
        (("call", "ownerOf"), "is not CONTRACT.FUNCTION"),
        (("call", "SandboxNFT.ownerOf", "abc"), "'abc' is not a number"),
        (("deploy", "NoSuchContract"), "NoSuchContract"),
    ],
)
def test_bad_input_is_one_red_line_and_exit_1(sandbox_cmd: Any, state_file: Path, args: tuple[str, ...], message: str) -> None:
    assert sandbox_cmd("mint", "--to", "bob", "--name", "Panda #1").code == 0
    before = ChainStore(state_file).digest()
    result = sandbox_cmd(*args)
    assert result.code == 1, result.out
    assert result.err.startswith("error: ") and message in result.err, result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert ChainStore(state_file).digest() == before  # nothing half-written


def test_too_big_an_image_is_refused(sandbox_cmd: Any, tmp_path: Path) -> None:
    image = tmp_path / "big.png"
    image.write_bytes(PNG + bytes(20_000))
    result = sandbox_cmd("mint", "--to", "bob", "--name", "Big", "--image", str(image))
    assert result.code == 1 and "must be at most 16,384 bytes" in result.err


def test_a_corrupt_state_file_is_reported_kept_and_reset_moves_it_aside(sandbox_cmd: Any, state_file: Path) -> None:
    state_file.write_text('{"half": ')
    result = sandbox_cmd("list")
    assert result.code == 1 and f"{state_file} is a JSON chain file" in result.err and "sandbox state import" in result.err
    assert sandbox_cmd("mint", "--to", "bob", "--name", "x").code == 1
    assert state_file.read_text() == '{"half": '
    reset = sandbox_cmd("reset")
    assert reset.code == 0 and "kept as" in reset.out
    assert Path(str(state_file) + ".bak").read_text() == '{"half": '
    assert as_json(sandbox_cmd("mint", "--to", "bob", "--name", "Fresh", "--json"))["token_id"] == 0


def test_reset_starts_over(sandbox_cmd: Any, state_file: Path) -> None:
    sandbox_cmd("mint", "--to", "bob", "--name", "Gone soon")
    assert sandbox_cmd("reset").code == 0
    assert not state_file.exists()
    assert as_json(sandbox_cmd("list", "--json")) == []


def test_real_processes_queue_on_the_lock_and_lose_no_mint(state_file: Path) -> None:
    env = {"SANDBOX_STATE": str(state_file), "SANDBOX_PROJECT": str(REPO)}
    assert run_process("mint", "--to", "bob", "--name", "First", env=env).returncode == 0
    results: list[Any] = []
    threads = [threading.Thread(target=lambda i=i: results.append(run_process("mint", "--to", "carol", "--name", f"Racer {i}", env=env))) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    listed = run_process("list", "--json", env=env)
    assert sorted(r["name"] for r in json.loads(listed.stdout)) == ["First", "Racer 0", "Racer 1"]
    bad = run_process("show", "42", env=env)
    assert bad.returncode == 1 and bad.stderr.startswith("error: token #42 does not exist") and "Traceback" not in bad.stderr


def test_every_workshop_command_has_help() -> None:
    from typer.testing import CliRunner

    from sandbox.cli.app import app

    for command in ("accounts", "mint", "show", "list", "transfer", "deploy", "call", "send", "reset"):
        result = CliRunner().invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "--project" in result.output, command


def test_held_and_soulbound_tokens_say_the_rule_and_when_it_unlocks(sandbox_cmd: Any, state_file: Path) -> None:
    from sandbox.workshop.session import Workshop

    held = as_json(sandbox_cmd("deploy", "SandboxCollectible", "Held", "HLD", "alice", "1", "86400", "--json"))["address"]
    soul = as_json(sandbox_cmd("deploy", "SandboxCollectible", "Soul", "SBT", "alice", "2", "0", "--json"))["address"]
    for address in (held, soul):
        assert sandbox_cmd("mint", "--collection", address, "--to", "bob", "--name", "Kept").code == 0

    early = sandbox_cmd("transfer", "0", "--collection", held, "--from", "bob", "--to", "carol")
    assert early.code == 1
    assert "token #0 is still in its holding period" in early.err and "it can move from" in early.err
    assert "(in 23 h 59 min of chain time)" in early.err or "(in 1 day(s) 0 h of chain time)" in early.err
    bound = sandbox_cmd("transfer", "0", "--collection", soul, "--from", "bob", "--to", "carol")
    assert bound.code == 1 and "token #0 is soulbound" in bound.err and "never leave" in bound.err

    ws = Workshop(REPO, state=state_file)
    with ws.session(write=True) as sb:
        sb.time_travel(seconds=86_400)
    later = sandbox_cmd("transfer", "0", "--collection", held, "--from", "bob", "--to", "carol")
    assert later.code == 0, later.err
