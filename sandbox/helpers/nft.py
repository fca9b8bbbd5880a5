"""NFT metadata and deterministic SVG art, offline and on-chain friendly.

:func:`svg_art` draws the same picture for the same seed on every machine;
:func:`metadata_uri` packs ERC-721 metadata JSON (name, description, image)
into a ``data:`` URI, with the image itself a ``data:`` URI, so tokens show
their art without any server.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from typing import Any

from sandbox.errors import SandboxError

_PALETTES = (
    ("#0b132b", "#1c2541", "#3a506b", "#5bc0be", "#f4d35e"),
    ("#2d0320", "#6a0f49", "#c33c54", "#f18f01", "#f7e3af"),
    ("#072ac8", "#1e96fc", "#a2d6f9", "#fcf300", "#ffc600"),
    ("#1b4332", "#2d6a4f", "#52b788", "#b7e4c7", "#ffb703"),
    ("#3d0066", "#7b2cbf", "#c77dff", "#e0aaff", "#ff6d00"),
    ("#370617", "#9d0208", "#e85d04", "#faa307", "#ffe8d6"),
)


class MetadataError(SandboxError, ValueError):
    """Raised when token metadata is not valid ERC-721 metadata JSON."""


def _stream(seed: str) -> bytes:
    out = b""
    counter = 0
    while len(out) < 256:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return out


def svg_art(seed: str, *, title: str | None = None, size: int = 320) -> str:
    """A deterministic SVG (circles and a ring on a gradient) drawn from ``seed``."""
    rnd = _stream(seed)
    palette = _PALETTES[rnd[0] % len(_PALETTES)]
    bg1, bg2 = palette[0], palette[1]
    shapes = []
    for i in range(7):
        b = rnd[8 + i * 5 : 13 + i * 5]
        cx = 20 + b[0] * (size - 40) // 255
        cy = 20 + b[1] * (size - 80) // 255
        r = 12 + b[2] * (size // 4) // 255
        color = palette[2 + b[3] % 3]
        opacity = 0.35 + (b[4] % 50) / 100
        shapes.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color}" fill-opacity="{opacity:.2f}"/>')
    ring_r = size // 5 + rnd[60] % (size // 8)
    shapes.append(
        f'<circle cx="{size // 2}" cy="{size // 2 - 20}" r="{ring_r}" fill="none" '
        f'stroke="{palette[4]}" stroke-width="{4 + rnd[61] % 8}"/>'
    )
    label = escape(title if title is not None else seed)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{bg1}"/><stop offset="1" stop-color="{bg2}"/></linearGradient></defs>'
        f'<rect width="{size}" height="{size}" fill="url(#g)"/>'
        + "".join(shapes)
        + f'<text x="{size // 2}" y="{size - 22}" font-family="sans-serif" font-size="18" '
        f'text-anchor="middle" fill="#ffffff">{label}</text></svg>'
    )


def data_uri(payload: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode()}"


def image_uri_for(path_or_bytes: bytes, filename: str) -> str:
    """A ``data:`` URI for an image file's bytes (PNG, JPEG, GIF, WebP or SVG)."""
    lower = filename.lower()
    mime = {
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".gif": "image/gif",
        ".webp": "image/webp",
        ".svg": "image/svg+xml",
    }.get(lower[lower.rfind(".") :] if "." in lower else "")
    if mime is None:
        raise MetadataError(f"image {filename!r} is not PNG, JPEG, GIF, WebP or SVG; convert it to one of those")
    return data_uri(path_or_bytes, mime)


def metadata(name: str, *, description: str = "", image: str | None = None, attributes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """ERC-721 metadata JSON; the image defaults to :func:`svg_art` of the name."""
    if not name.strip():
        raise MetadataError("token name is empty; give the NFT a name")
    meta: dict[str, Any] = {
        "name": name,
        "description": description,
        "image": image if image is not None else data_uri(svg_art(name).encode(), "image/svg+xml"),
    }
    if attributes:
        meta["attributes"] = attributes
    return meta


def metadata_uri(name: str, *, description: str = "", image: str | None = None, attributes: list[dict[str, Any]] | None = None) -> str:
    """``data:application/json;base64,...`` holding :func:`metadata`."""
    meta = metadata(name, description=description, image=image, attributes=attributes)
    return data_uri(json.dumps(meta, separators=(",", ":"), ensure_ascii=False).encode(), "application/json")


def decode_data_uri(uri: str) -> tuple[str, bytes]:
    """``(mime, payload)`` of a ``data:`` URI (base64 or percent-encoded)."""
    from urllib.parse import unquote_to_bytes

    if not uri.startswith("data:") or "," not in uri:
        raise MetadataError(f"{uri[:60]!r} is not a data: URI")
    header, payload = uri[5:].split(",", 1)
    parts = header.split(";")
    mime = parts[0] or "text/plain"
    if "base64" in parts[1:]:
        try:
            return mime, base64.b64decode(payload, validate=True)
        except ValueError as exc:
            raise MetadataError(f"data: URI has invalid base64 ({exc})") from None
    return mime, unquote_to_bytes(payload)


def read_metadata(token_uri: str) -> dict[str, Any]:
    """Parse ERC-721 metadata from a ``data:`` token URI."""
    mime, payload = decode_data_uri(token_uri)
    if mime != "application/json":
        raise MetadataError(f"token URI holds {mime}, not application/json metadata")
    try:
        meta = json.loads(payload)
    except ValueError as exc:
        raise MetadataError(f"token metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise MetadataError("token metadata JSON is not an object")
    return meta
