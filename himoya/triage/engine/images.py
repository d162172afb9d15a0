"""Fingerprints of a picture: the PDQ perceptual hash with its quality, and exact digests.

PDQ (Meta's photo hash, the one hotlines exchange through ThreatExchange and HMA) gives
256 bits that change little when a picture is re-encoded, resized or lightly edited, so
copies are found by Hamming distance. Its *quality* (0-100) says how much detail the hash
rests on: flat or nearly blank pictures hash alike, so a match counts only above a
minimum quality (HMA uses 50).

The hex form is the one ``python-threatexchange`` writes (``pdq_hasher.pdq_from_bytes``):
64 lowercase hex digits, most significant bit first, so hashes move between Himoya and
other hotlines' lists unchanged. Decoding safety (size, pixel limit, truncation) is
checked before this module sees the bytes; it assumes a readable raster image.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image

PDQ_BYTES = 32
PDQ_HEX_CHARS = 64
# PDQ filters the picture down to 64x64 anyway; beyond this many pixels an integer box
# reduction first changes a hash by a bit or two at most and saves most of the time.
HASH_MAX_PIXELS = 2048 * 2048


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What is kept about one picture. ``pdq`` is 32 bytes; ``frames`` > 1 for animations
    (the hash is of the first frame, the one a still thumbnail shows)."""

    pdq: bytes
    quality: int
    md5: str
    sha256: str
    width: int
    height: int
    format: str
    frames: int

    @property
    def pdq_hex(self) -> str:
        return self.pdq.hex()


def fingerprint(data: bytes) -> Fingerprint:
    """Hash a picture from its file bytes. Raises ``ValueError`` if it cannot be decoded."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            frames = getattr(image, "n_frames", 1)
            width, height = image.size
            pdq, quality = pdq_of_image(image)
            fmt = image.format or ""
    except (OSError, SyntaxError, EOFError) as exc:
        raise ValueError(f"not a readable picture: {exc.__class__.__name__}") from None
    return Fingerprint(
        pdq=pdq,
        quality=quality,
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        format=fmt,
        frames=frames,
    )


def pdq_of_image(image: Image.Image) -> tuple[bytes, int]:
    """PDQ hash (32 bytes) and quality of the current frame of ``image``."""
    factor = 1
    while (image.width // factor) * (image.height // factor) > HASH_MAX_PIXELS:
        factor += 1
    frame = image.convert("RGB")
    if factor > 1:
        frame = frame.reduce(factor)
    return pdq_of_array(np.asarray(frame))


def pdq_of_array(rgb: np.ndarray) -> tuple[bytes, int]:
    """PDQ hash (32 bytes) and quality of an ``(height, width, 3)`` uint8 RGB array."""
    bits, quality = pdqhash.compute(rgb)
    return np.packbits(bits.astype(np.uint8)).tobytes(), int(quality)


def still(data: bytes, max_edge: int) -> tuple[bytes, str]:
    """A re-encoded still of the first frame, no larger than ``max_edge`` pixels a side:
    ``(bytes, content type)``. Nothing of the original file but its pixels survives (no
    metadata, no text chunks, no further frames), so nothing in it can play or run."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        frame = image.convert("RGBA" if has_alpha else "RGB")
    frame.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    if has_alpha:
        frame.save(out, format="PNG", optimize=False)
        return out.getvalue(), "image/png"
    frame.save(out, format="JPEG", quality=85)
    return out.getvalue(), "image/jpeg"


def fitted(width: int, height: int, max_edge: int) -> tuple[int, int]:
    """The size :func:`still` gives a ``width`` x ``height`` picture (never enlarged)."""
    scale = min(1.0, max_edge / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def parse_hex(text: str) -> bytes:
    """32 bytes from 64 hex digits; ``ValueError`` naming what is wrong otherwise."""
    text = text.strip()
    if len(text) != PDQ_HEX_CHARS:
        raise ValueError("length")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError("hex") from None


def distance(a: bytes, b: bytes) -> int:
    """Hamming distance between two hashes of equal length."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()
