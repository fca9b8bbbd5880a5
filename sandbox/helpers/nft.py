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



class ImageError(MetadataError):
    """Raised when an NFT image is not PNG, JPEG, GIF, WebP or SVG by its content, cannot be decoded, or is too big."""


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


#: On-chain metadata costs ~1,200 gas per image byte; 16 KiB stays well under a block.
MAX_IMAGE_BYTES = 16 * 1024
#: Widest and tallest picture accepted (a decompression bomb is small on disk and huge in memory).
MAX_IMAGE_SIDE = 4096
#: Longest token name and description, in characters (metadata lives on chain, and in every listing).
MAX_NAME_CHARS, MAX_DESCRIPTION_CHARS = 100, 1000
_KINDS = "PNG, JPEG, GIF, WebP or SVG"
_PILLOW_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def _sniff(data: bytes) -> str | None:
    """The MIME type the first bytes announce (magic numbers), or ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<svg", b"<?xml", b"<!--")):
        return "image/svg+xml"
    return None


def _check_svg(data: bytes, filename: str) -> None:
    import xml.etree.ElementTree as ET

    if b"<!doctype" in data.lower() or b"<!entity" in data.lower():
        raise ImageError(f"image {filename!r} is an SVG with a DOCTYPE or entities, which are refused; save it without them")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImageError(f"image {filename!r} looks like SVG but is not well-formed XML ({exc}); export it again") from None
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        raise ImageError(f"image {filename!r} is XML whose root is <{root.tag}>, not <svg>; pass a {_KINDS} file")


def check_image(data: bytes, filename: str = "image", *, max_bytes: int = MAX_IMAGE_BYTES) -> str:
    """The MIME type of ``data`` judged by its content (magic bytes, then a full decode); never by its name.

    Raises :class:`~sandbox.errors.ImageError` naming the file and the fix when
    it is empty, too big, not one of PNG, JPEG, GIF, WebP and SVG, or damaged.
    """
    if not data:
        raise ImageError(f"image {filename!r} is empty; pass a {_KINDS} file")
    if len(data) > max_bytes:
        raise ImageError(f"image {filename!r} is {len(data):,} bytes; on-chain images must be at most {max_bytes:,} bytes "
                         "(about 20M gas): use a smaller picture, e.g. 256x256 pixels, or leave it out for generated art")
    mime = _sniff(data)
    if mime is None:
        raise ImageError(f"image {filename!r} is not {_KINDS} by its content (whatever its name says); convert it to one of those")
    if mime == "image/svg+xml":
        _check_svg(data, filename)
        return mime
    import io
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:
                if picture.width > MAX_IMAGE_SIDE or picture.height > MAX_IMAGE_SIDE:
                    raise ImageError(f"image {filename!r} is {picture.width}x{picture.height} pixels; "
                                     f"the limit is {MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE}: scale it down")
                found = _PILLOW_FORMATS.get(picture.format or "")
                picture.load()
    except ImageError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning, EOFError) as exc:
        raise ImageError(f"image {filename!r} starts like {mime} but cannot be decoded ({exc}); save it again as {_KINDS}") from None
    if found != mime:
        raise ImageError(f"image {filename!r} starts like {mime} but decodes as {found or 'something else'}; save it again as {_KINDS}")
    return mime


def image_uri_for(path_or_bytes: bytes, filename: str) -> str:
    """A ``data:`` URI for an image file's bytes (PNG, JPEG, GIF, WebP or SVG), typed by :func:`check_image`."""
    return data_uri(path_or_bytes, check_image(path_or_bytes, filename, max_bytes=max(MAX_IMAGE_BYTES, len(path_or_bytes))))


def check_text(name: str, description: str = "") -> None:
    """Refuse an empty name and names or descriptions over :data:`MAX_NAME_CHARS` / :data:`MAX_DESCRIPTION_CHARS`."""
    if not name.strip():
        raise MetadataError("token name is empty; give the NFT a name")
    if len(name) > MAX_NAME_CHARS:
        raise MetadataError(f"token name {name[:20]!r}... is {len(name):,} characters; the limit is {MAX_NAME_CHARS}: shorten it")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise MetadataError(f"description {description[:20]!r}... is {len(description):,} characters; "
                            f"the limit is {MAX_DESCRIPTION_CHARS}: shorten it")


def metadata(name: str, *, description: str = "", image: str | None = None, attributes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """ERC-721 metadata JSON; the image defaults to :func:`svg_art` of the name."""
    check_text(name, description)
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
