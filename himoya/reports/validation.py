"""Checking what a reporter sends, before anything is stored.

Each check raises ``ValidationError`` with a message in the active language, so every
channel (form, API, bot) refuses bad input the same way and says why.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

# Control characters other than tab and line breaks, and the bidirectional overrides that
# can make text read differently on screen than it is stored.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINK = re.compile(
    r"""^(?:
        (?:https?://)?(?:[\w-]+\.)+[\w-]{2,}(?::\d{1,5})?(?:[/?#]\S*)?   # URL or bare domain
      | @[A-Za-z0-9_.]{3,64}                                         # a handle
    )$""",
    re.VERBOSE | re.UNICODE,
)
LINK_MAX_CHARS = 2048

_IMAGE_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png"),
    (b"\xff\xd8\xff", "JPEG", "image/jpeg"),
    (b"GIF87a", "GIF", "image/gif"),
    (b"GIF89a", "GIF", "image/gif"),
]


def _check_readable(text: str) -> None:
    """Refuse text with bytes that were not valid UTF-8 (decoded as U+FFFD) or with lone
    surrogates, which JSON can spell (``\\ud800``) but no database can store."""
    if "\ufffd" in text or _SURROGATE.search(text):
        raise ValidationError(
            _("Some characters could not be read. Please check the text and send it again."),
            code="encoding",
        )


def strip_controls(text: str) -> str:
    """``text`` without control characters and bidirectional overrides."""
    return _CONTROL.sub("", text)


def clean_text(value: str | None, *, max_chars: int, required: bool = True, empty_message: str | None = None) -> str:
    """Text without control characters, stripped; refuses undecodable or oversized text."""
    text = value or ""
    _check_readable(text)
    text = unicodedata.normalize("NFC", strip_controls(text)).strip()
    if required and not text:
        raise ValidationError(empty_message or _("Please write a few words about what happened."), code="required")
    if len(text) > max_chars:
        raise ValidationError(
            _("Please keep it under %(max)s characters (this is %(length)s).")
            % {"max": max_chars, "length": len(text)},
            code="too_long",
        )
    return text


def clean_links(values: list[str]) -> list[str]:
    """Links as given (stripped), each checked to look like a web address or a handle."""
    links: list[str] = []
    for raw in values:
        _check_readable(raw or "")
        for part in re.split(r"[\s,]+", raw or ""):
            part = _CONTROL.sub("", part).strip()
            if part and part not in links:
                links.append(part)
    if len(links) > settings.LINKS_MAX:
        raise ValidationError(
            ngettext(
                "Please add at most %(max)s link.",
                "Please add at most %(max)s links.",
                settings.LINKS_MAX,
            )
            % {"max": settings.LINKS_MAX},
            code="too_many_links",
        )
    for link in links:
        if len(link) > LINK_MAX_CHARS or not _LINK.match(link):
            raise ValidationError(
                _("“%(link)s” does not look like a web address. Please check it.") % {"link": link[:80]},
                code="bad_link",
            )
    return links


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str
    width: int
    height: int


def check_size(size: int) -> None:
    """Refuse a file over the per-picture limit (before reading it, where possible)."""
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("A picture is too large. Each picture can be up to %(mb)s MB.")
            % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )


def check_image(data: bytes) -> CheckedImage:
    """Accept only a real, fully decodable raster image of a sane size.

    The type is taken from the file's own bytes, never from its name or declared type.
    """
    check_size(len(data))
    kind = None
    for signature, fmt, content_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            kind = (fmt, content_type)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = ("WEBP", "image/webp")
    not_a_picture = ValidationError(
        _("This file is not a picture we can accept. Please send a PNG, JPEG, GIF or WebP screenshot."),
        code="not_image",
    )
    if kind is None:
        raise _refusal_for(data) or not_a_picture
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != kind[0]:
                    raise not_a_picture
                width, height = probe.size
                if width * height > settings.ATTACHMENT_MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                probe.verify()
            # verify() does not decode pixel data; loading does, and catches truncation.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This picture is too big to open safely. Please send a smaller screenshot."),
            code="too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(
            _("This picture is damaged or incomplete. Please try another one."), code="broken_image"
        ) from None
    return CheckedImage(data=data, content_type=kind[1], width=width, height=height)


# ISO base media brands of HEIF-family stills (HEIC from phones, AVIF): not decodable here.
_HEIF_BRANDS = {
    *(b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"),
    *(b"mif1", b"msf1", b"avif", b"avis"),
}
_SVG_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]", re.IGNORECASE | re.DOTALL
)


def _refusal_for(data: bytes) -> ValidationError | None:
    """A specific reason for two kinds of file people often send instead of a screenshot."""
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return ValidationError(
            _(
                "This photo is in HEIC/HEIF format (as iPhones save photos), which we cannot accept. "
                "Please send a screenshot of it, or a JPEG or PNG copy."
            ),
            code="heic",
        )
    if _SVG_START.match(data[:4096].removeprefix(b"\xef\xbb\xbf")):
        return ValidationError(
            _("This is an SVG drawing, not a picture file. Please send a PNG or JPEG screenshot of it."),
            code="svg",
        )
    return None


def check_count(count: int) -> None:
    if count > settings.ATTACHMENTS_MAX:
        raise ValidationError(
            ngettext(
                "Please add at most %(max)s picture.",
                "Please add at most %(max)s pictures.",
                settings.ATTACHMENTS_MAX,
            )
            % {"max": settings.ATTACHMENTS_MAX},
            code="too_many_images",
        )


def check_images(files: list[bytes]) -> list[CheckedImage]:
    check_count(len(files))
    return [check_image(data) for data in files]
