"""Cross-site safety of the gallery: only its own pages, with its CSRF token, on a host it knows, change the chain."""

from __future__ import annotations

import pytest

from tests.web.conftest import Gallery

MINT = {"to": "bob", "name": "Sneaky"}


def _headers(g: Gallery, **extra: str) -> dict[str, str]:
    host = g.url.removeprefix("http://")
    return {"host": host, **extra}


@pytest.mark.parametrize(("case", "data", "headers", "reason"), [
    ("no token", MINT, {}, "CSRF token is missing"),
    ("wrong token", {**MINT, "csrf": "guessed"}, {}, "CSRF token is missing or stale"),
    ("Origin: null (sandboxed iframe, file: page)", {**MINT, "csrf": "TOKEN"}, {"origin": "null"}, "a form from 'null'"),
    ("foreign Origin", {**MINT, "csrf": "TOKEN"}, {"origin": "http://evil.example"}, "a form from 'http://evil.example'"),
    ("another local port", {**MINT, "csrf": "TOKEN"}, {"origin": "http://127.0.0.1:1"}, "cannot change this gallery"),
    ("Sec-Fetch-Site: cross-site, no Origin", {**MINT, "csrf": "TOKEN"}, {"sec-fetch-site": "cross-site"}, "another site"),
    ("DNS rebinding: foreign Host", {**MINT, "csrf": "TOKEN"}, {"host": "evil.example"}, "host 'evil.example' is not this gallery's"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 50 else None)
def test_a_state_change_from_anywhere_else_is_refused_and_changes_nothing(
    gallery: Gallery, case: str, data: dict[str, str], headers: dict[str, str], reason: str,
) -> None:
    before = gallery.state()
    fields = {k: (gallery.token if v == "TOKEN" else v) for k, v in data.items()}
    for path in ("/mint", "/give", f"/contract/{gallery.collection}/write"):
        response = gallery.client.post(path, data=fields, headers=_headers(gallery, **headers), follow_redirects=False)
        assert response.status_code == 403, (case, path, response.text)
        assert reason in response.text, response.text
    assert gallery.state() == before


def test_text_plain_and_multipart_without_the_token_are_refused(gallery: Gallery) -> None:
    before = gallery.state()
    for kwargs in ({"content": b"to=bob&name=x", "headers": {"content-type": "text/plain"}},
                   {"files": {"image": ("a.svg", b"<svg/>", "image/svg+xml")}, "data": MINT}):
        assert gallery.client.post("/mint", **kwargs).status_code == 403  # type: ignore[arg-type]
    assert gallery.state() == before


def test_a_foreign_host_cannot_even_read_the_page_and_its_token(gallery: Gallery) -> None:
    response = gallery.client.get("/", headers={"host": "rebound.example:8000"})
    assert response.status_code == 403 and gallery.token not in response.text


def test_the_gallerys_own_form_with_its_token_mints(gallery: Gallery) -> None:
    origin = gallery.url
    response = gallery.client.post("/mint", data={**MINT, "name": "Honest", "csrf": gallery.token}, headers={"origin": origin},
                                   follow_redirects=False)
    assert response.status_code == 303 and "Minted" in response.headers["location"]
    assert "Honest" in gallery.client.get("/").text


def test_a_header_token_works_for_scripts_and_a_huge_body_is_refused(gallery: Gallery) -> None:
    before = gallery.state()
    ok = gallery.client.post("/give", data={"contract": gallery.collection, "token_id": "0", "owner": "bob", "to": "dave"},
                             headers={"x-csrf-token": gallery.token}, follow_redirects=False)
    assert ok.status_code == 303
    big = gallery.client.post("/mint", content=b"x" * (600 * 1024), headers={"x-csrf-token": gallery.token,
                                                                            "content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413 and "limit" in big.text
    assert gallery.state() != before  # the give-away happened, the huge body did nothing more
