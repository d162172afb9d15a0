"""Link extraction and normalisation.

Forty reports of the same dangerous channel should fold into one case: the platform
compares links in their normal form, so that ``HTTPS://WWW.Example.com/x/?utm_source=a``
and ``example.com/x`` are the same link. The form is: scheme dropped, host lower-cased
and IDNA-decoded, ``www.``/``m.``/``mobile.`` dropped, default port dropped, trailing
slash dropped, tracking parameters (``utm_*``, ``fbclid``, ``igshid``, ``si``...)
removed, remaining query parameters sorted, fragment dropped.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from .normalize import clean

_LINK_RE = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"'`]+"
    r"|\b(?:[a-z0-9-]{1,63}\.)+(?:com|net|org|ru|az|uz|tr|me|io|info|xyz|site|online|link|ly|gg|tv|app|co)\b(?:/[^\s<>\"'`]*)?"
)
_TRACKING = re.compile(r"(?i)^(?:utm_\w+|fbclid|gclid|yclid|igshid|igsh|si|mc_cid|mc_eid|ref|ref_src|s|feature)$")
_STRIP_HOST_PREFIXES = ("www.", "m.", "mobile.")
_TRAILING_PUNCT = ".,;:!?)]}»\"'"


def normalize_link(link: str) -> str | None:
    """The normal form of ``link`` (see module docstring), or ``None`` if it is not a
    plausible web link."""
    link = clean(link).strip().rstrip(_TRAILING_PUNCT)
    if not link:
        return None
    if "://" not in link:
        link = "http://" + link
    try:
        parts = urlsplit(link)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    try:
        host = host.encode("ascii").decode("idna") if host.startswith("xn--") or ".xn--" in host else host
    except UnicodeError:
        pass
    host = host.lower()
    for prefix in _STRIP_HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    out = netloc + path
    if query:
        out += "?" + urlencode(sorted(query))
    return out


def extract_links(text: str, extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Normalised links found in ``text`` plus those given in ``extra``, de-duplicated,
    in order of appearance."""
    seen: dict[str, None] = {}
    for raw in list(extra) + [m.group() for m in _LINK_RE.finditer(clean(text)[:200_000])]:
        norm = normalize_link(raw)
        if norm:
            seen.setdefault(norm, None)
    return list(seen)


def domain(normalized: str) -> str:
    """The host part of a normalised link."""
    return normalized.split("/", 1)[0].split("?", 1)[0]
