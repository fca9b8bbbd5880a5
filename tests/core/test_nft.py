from __future__ import annotations

import base64
import json

import pytest

from sandbox.helpers.nft import MetadataError, image_uri_for, metadata_uri, read_metadata, svg_art


def test_svg_art_is_deterministic_and_seeded() -> None:
    assert svg_art("Panda #1") == svg_art("Panda #1")
    assert svg_art("Panda #1") != svg_art("Panda #2")
    art = svg_art("A <b> & c")
    assert art.startswith("<svg xmlns=") and art.endswith("</svg>")
    assert "A &lt;b&gt; &amp; c" in art  # the title is escaped, the SVG stays valid


def test_metadata_uri_round_trips_with_default_art() -> None:
    uri = metadata_uri("Panda #1", description="first")
    assert uri.startswith("data:application/json;base64,")
    meta = read_metadata(uri)
    assert meta["name"] == "Panda #1" and meta["description"] == "first"
    assert meta["image"].startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(meta["image"].split(",", 1)[1]).decode()
    assert svg == svg_art("Panda #1")


def test_metadata_accepts_an_image_and_attributes() -> None:
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001649444154789c633c6113c0c0c0c0c4"
                        "c0c0c0c0c00000109201584079d4cf0000000049454e44ae426082")  # a real 2x2 PNG: images are decoded
    image = image_uri_for(png, "cat.PNG")
    meta = read_metadata(metadata_uri("Cat", image=image, attributes=[{"trait_type": "color", "value": "grey"}]))
    assert meta["image"] == "data:image/png;base64," + base64.b64encode(png).decode()
    assert meta["attributes"][0]["value"] == "grey"


def test_bad_metadata_inputs_are_typed_errors() -> None:
    with pytest.raises(MetadataError, match="'cat.bmp' is not PNG, JPEG, GIF, WebP or SVG"):
        image_uri_for(b"BM", "cat.bmp")
    with pytest.raises(MetadataError, match="token name is empty"):
        metadata_uri("  ")
    with pytest.raises(MetadataError, match="not a data: URI"):
        read_metadata("ipfs://abc")
    with pytest.raises(MetadataError, match="not valid JSON"):
        read_metadata("data:application/json;base64," + base64.b64encode(b"{nope").decode())
    with pytest.raises(MetadataError, match="holds text/plain"):
        read_metadata("data:text/plain," + json.dumps({"a": 1}))
