"""The bad-input battery, table-driven: each row is an input, the error it must get, and the chain left as it was.

Rows cover the gallery's forms and pages and the ``sandbox`` commands; the
node's hostile bodies are in tests/node/test_http.py. Every case here was
reported in issue 17 (accepted when it should be refused, a crash, a
traceback, or state changed).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.web.conftest import Gallery

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'


def png(size: tuple[int, int] = (4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 60, 80)).save(out, "PNG")
    return out.getvalue()


IMAGES = {
    "text named .png": (b"I am a text file, not a picture\n" * 4, "is not PNG, JPEG, GIF, WebP or SVG by its content"),
    "PNG header, garbage after": (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "cannot be decoded"),
    "HTML named .svg": (b"<!--x--><html><body>hi</body></html>", "XML whose root is"),
    "SVG with entities": (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
                          "DOCTYPE or entities"),
    "broken SVG": (b"<svg><g></svg>", "not well-formed XML"),
    "over 16 KiB": (b"\x89PNG\r\n\x1a\n" + bytes(40_000), "must be at most 16,384 bytes"),
    "empty": (b"", "is empty"),
    "JPEG magic, PNG inside": (b"\xff\xd8\xff" + png()[3:], "cannot be decoded"),
}

# (what, form fields, image or None, expected message)
MINTS = [
    ("empty name", {"to": "bob", "name": "   "}, None, "token name is empty"),
    ("100 KB name", {"to": "bob", "name": "N" * 100_000}, None, "the limit is 100"),
    ("5,000-character description", {"to": "bob", "name": "ok", "description": "d" * 5000}, None, "the limit is 1000"),
    ("unknown recipient", {"to": "mallory", "name": "ok"}, None, "mallory"),
    *[(f"image: {k}", {"to": "bob", "name": "ok"}, v[0], v[1]) for k, v in IMAGES.items()],
]


@pytest.mark.parametrize(("what", "fields", "image", "expected"), MINTS, ids=[m[0] for m in MINTS])
def test_gallery_mint_form(gallery: Gallery, what: str, fields: dict[str, str], image: bytes | None, expected: str) -> None:
    before = gallery.state()
    files = {"image": ("upload.png", image, "image/png")} if image is not None else {"image": ("", b"", "application/octet-stream")}
    response = gallery.client.post("/mint", data={**fields, "csrf": gallery.token}, files=files)
    assert response.status_code == 400, (what, response.status_code)
    assert expected in response.text.replace("&#39;", "'"), (what, response.text[-2000:])
    assert gallery.state() == before


GIVES = [
    ("token id not a number", {"token_id": "abc", "owner": "bob", "to": "dave"}, "is not a number"),
    ("token id 2**300", {"token_id": str(2**300), "owner": "bob", "to": "dave"}, "is not a number"),
    ("token that does not exist", {"token_id": "99", "owner": "bob", "to": "dave"}, "token #99 does not exist"),
    ("not the owner", {"token_id": "1", "owner": "bob", "to": "dave"}, "only its owner can give it away"),
    ("unknown recipient", {"token_id": "0", "owner": "bob", "to": "0x1234"}, "0x1234"),
]


@pytest.mark.parametrize(("what", "fields", "expected"), GIVES, ids=[g[0] for g in GIVES])
def test_gallery_give_form(gallery: Gallery, what: str, fields: dict[str, str], expected: str) -> None:
    before = gallery.state()
    response = gallery.client.post("/give", data={**fields, "contract": gallery.collection, "csrf": gallery.token})
    assert response.status_code == 400, (what, response.text[-1500:])
    assert expected in response.text.replace("&#39;", "'"), (what, response.text[-1500:])
    assert gallery.state() == before


PAGES = [
    ("/?page=0", 400, "is not a page number"),
    ("/?page=-1", 400, "is not a page number"),
    ("/?owner=nobody-here", 400, "nobody-here"),
    ("/?collection=0x0000000000000000000000000000000000000001", 404, "no contract"),
    ("/token/0x0000000000000000000000000000000000000001/0", 404, "no contract"),
    ("/token/COLLECTION/abc", 400, "is not a number"),
    ("/token/COLLECTION/77", 404, "token #77 does not exist"),
    ("/block/abc", 400, "is not a block number"),
    ("/block/99999999", 404, "does not exist"),
    ("/tx/0x12", 400, "is not a transaction hash"),
    ("/tx/0x" + "ab" * 32, 404, "is not on this chain"),
    ("/address/zzz", 400, "zzz"),
    ("/contract/0x0000000000000000000000000000000000000001", 404, "no contract"),
    ("/contract/COLLECTION?fn=ownerOf(uint256)&arg=notanumber", 200, "is not a number"),
    ("/contract/COLLECTION?fn=ownerOf(uint256)&arg=5", 200, "ERC721NonexistentToken"),
    ("/search?q=", 400, "type a block number"),
]


@pytest.mark.parametrize(("path", "status", "expected"), PAGES, ids=[p[0][:60] for p in PAGES])
def test_gallery_and_explorer_pages(gallery: Gallery, path: str, status: int, expected: str) -> None:
    before = gallery.state()
    response = gallery.client.get(path.replace("COLLECTION", gallery.collection))
    assert response.status_code == status, (path, response.text[-1500:])
    assert expected in response.text.replace("&#39;", "'"), (path, response.text[-3000:])
    assert "Traceback" not in response.text
    assert gallery.state() == before


WRITES = [
    ("too few arguments", {"fn": "transferFrom(address,address,uint256)", "arg": ["bob", "dave"], "sender": "bob"}, "takes other arguments"),
    ("not a number", {"fn": "transferFrom(address,address,uint256)", "arg": ["bob", "dave", "x"], "sender": "bob"}, "is not a number"),
    ("a revert: not the owner", {"fn": "transferFrom(address,address,uint256)", "arg": ["carol", "dave", "1"], "sender": "bob"},
     "reverted: ERC721InsufficientApproval"),
    ("a revert: only the owner mints", {"fn": "mint(address,string)", "arg": ["bob", "x"], "sender": "erin"}, "OwnableUnauthorizedAccount"),
    ("value not a number", {"fn": "mint(address,string)", "arg": ["bob", "x"], "sender": "alice", "value": "lots", "unit": "ether"},
     "is not a number"),
]


@pytest.mark.parametrize(("what", "fields", "expected"), WRITES, ids=[w[0] for w in WRITES])
def test_contract_write_form(gallery: Gallery, what: str, fields: dict[str, Any], expected: str) -> None:
    before = gallery.state()
    response = gallery.client.post(f"/contract/{gallery.collection}/write", data={**fields, "csrf": gallery.token})
    assert response.status_code == 400, (what, response.text[-1500:])
    assert expected in response.text.replace("&#39;", "'"), (what, response.text[-3000:])
    assert gallery.state() == before


# -- the same rules at the command line ---------------------------------------------------

CLI = [
    ("100 KB name", ["mint", "--to", "bob", "--name", "N" * 100_000], "the limit is 100"),
    ("long description", ["mint", "--to", "bob", "--name", "ok", "--description", "d" * 5000], "the limit is 1000"),
    *[(f"image: {k}", ["mint", "--to", "bob", "--name", "ok", "--image", f"IMAGE:{k}"], v[1]) for k, v in IMAGES.items()],
    ("a name that is rich markup in an error", ["show", "7", "--collection", "[/]"], "no contract '[/]'"),
]


@pytest.mark.parametrize(("what", "args", "expected"), CLI, ids=[c[0] for c in CLI])
def test_cli(sandbox_cmd: Any, seeded: Path, state_file: Path, tmp_path: Path, what: str, args: list[str], expected: str) -> None:
    state_file.write_bytes(seeded.read_bytes())
    args = list(args)
    for n, a in enumerate(args):
        if a.startswith("IMAGE:"):
            path = tmp_path / "upload.png"
            path.write_bytes(IMAGES[a[6:]][0])
            args[n] = str(path)
    before = state_file.read_bytes()
    result = sandbox_cmd(*args)
    assert result.code == 1, (what, result.out, result.err)
    assert expected in result.err and "Traceback" not in result.err, (what, result.err)
    assert result.err.strip().count("\n") == 0
    assert state_file.read_bytes() == before


@pytest.mark.parametrize("name", ["[/]", "Lotus [/b]", "Cat [x]", "[bold red]loud[/]", "[link=http://evil.example]x[/link]"])
def test_rich_markup_in_names_is_shown_as_typed(sandbox_cmd: Any, state_file: Path, name: str) -> None:
    minted = sandbox_cmd("mint", "--to", "bob", "--name", name, "--description", name)
    assert minted.code == 0, minted.err
    assert repr(name) in minted.out
    for args in (["list"], ["show", "0"]):
        shown = sandbox_cmd(*args)
        assert shown.code == 0 and "Traceback" not in shown.err, shown.err
        assert name[:16] in shown.out, shown.out  # list cuts long names to the terminal width


def test_good_images_of_every_kind_are_accepted(sandbox_cmd: Any, state_file: Path, tmp_path: Path) -> None:
    from sandbox.helpers.nft import check_image

    kinds = {"png": png(), "svg": SVG}
    for fmt in ("JPEG", "GIF", "WEBP"):
        out = io.BytesIO()
        Image.new("RGB", (4, 4), (10, 20, 30)).save(out, fmt)
        kinds[fmt.lower()] = out.getvalue()
    assert {k: check_image(v, f"x.{k}") for k, v in kinds.items()} == {
        "png": "image/png", "svg": "image/svg+xml", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
    misnamed = tmp_path / "really-a-gif.png"
    misnamed.write_bytes(kinds["gif"])
    result = sandbox_cmd("mint", "--to", "bob", "--name", "Gif", "--image", str(misnamed), "--json")
    assert result.code == 0, result.err
    shown = sandbox_cmd("show", "0", "--json")
    assert '"image": "data:image/gif;base64,' in shown.out  # typed by content, not by the .png name


def test_the_hint_after_a_collection_mint_names_that_collection(sandbox_cmd: Any, seeded: Path, state_file: Path) -> None:
    state_file.write_bytes(seeded.read_bytes())
    assert sandbox_cmd("deploy", "SandboxNFT", "Second", "S2", "alice").code == 0
    minted = sandbox_cmd("mint", "--collection", "SandboxNFT", "--to", "bob", "--name", "Other")
    assert minted.code == 0 and "sandbox show 0 --collection SandboxNFT" in minted.out, minted.out
    shown = sandbox_cmd("show", "0", "--collection", "SandboxNFT")
    assert shown.code == 0 and "Other" in shown.out
