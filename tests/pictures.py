"""Pictures made with Pillow for the hash-list tests: detailed enough for PDQ to hash them
with high quality, different from one another, and copies that a hotline would meet."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw


def scene(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A picture with shapes at random places and colours (its own for each ``seed``)."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(24):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randrange(20, width // 2), y0 + rng.randrange(20, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
    return image


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    return encode(scene(seed, size))


def copy_of(seed: int) -> bytes:
    """What a copy passed around looks like: scaled down and saved again as JPEG."""
    image = scene(seed)
    smaller = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.Resampling.BILINEAR)
    return encode(smaller, "JPEG", quality=70)


def plain_png() -> bytes:
    """A flat picture: PDQ's quality for it is 0, too plain to match anything."""
    return encode(Image.new("RGB", (200, 200), "#808080"))


def animated_gif(frames: int = 4) -> bytes:
    images = [scene(100 + n).convert("P") for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return buffer.getvalue()


def png_with_script_in_metadata(script: str) -> bytes:
    """A valid PNG whose tEXt chunk carries a script."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", script)
    return encode(scene(7), "PNG", pnginfo=info)


def heic() -> bytes:
    """The start of an HEIC file as an iPhone writes it (an ISO media 'ftyp' box, brand heic)."""
    ftyp = b"ftyp" + b"heic" + struct.pack(">I", 0) + b"mif1heic"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + b"\x00" * 64


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!-- drawn -->\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
    )


def huge_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` pixels, small on disk, written chunk by chunk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row * 1000) for _ in range(height // 1000))
    compressed += packer.compress(row * (height % 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")


def make_bank(name: str = "Known abuse (test)", harm: str = "csam", **fields):
    """A hash list stored directly (the tests of the pages create theirs as a supervisor does)."""
    from himoya.hashes.models import HashBank
    from himoya.reference.models import HarmCategory

    return HashBank.objects.create(name=name, harm=HarmCategory.objects.get(code=harm), **fields)


def list_hash(bank, data: bytes, label: str = ""):
    """Put the PDQ hash of picture ``data`` on ``bank``."""
    from himoya.hashes.models import BankedHash
    from himoya.triage.engine.images import fingerprint

    return BankedHash.objects.create(bank=bank, pdq=fingerprint(data).pdq, label=label)
