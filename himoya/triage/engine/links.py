"""Links in reports: found in any text, written one way, and described.

Forty reports of the same dangerous channel should fold into one case, so links are
compared in a *normal form* in which one place is written one way:

* the scheme, ``www.``/``m.``/``mobile.`` prefixes, default ports, the fragment, a trailing
  slash and tracking parameters (``utm_*``, ``fbclid``, ``igshid``, ``si``...) are dropped;
  other query parameters are sorted;
* the host is lower-cased and IDNA-mapped and kept in its Unicode form (``пример.рф``);
  :attr:`Link.ascii` gives the ASCII (punycode) form a platform's takedown form wants;
* percent-escapes of ordinary characters are decoded, so ``/%D0%BF`` and ``/п`` are one path;
* platforms are read: ``telegram.me/x``, ``t.me/s/x``, ``x.t.me`` and ``@x`` where the text
  speaks of Telegram are all ``t.me/x``; account names on Telegram, Instagram, TikTok,
  YouTube, VK, X and Facebook are case-insensitive, so lower-cased; ``youtu.be/ID`` and
  ``youtube.com/shorts/ID`` are ``youtube.com/watch?v=ID``; ``twitter.com`` is ``x.com``;
  redirect wrappers (``vk.com/away.php?to=``, ``l.facebook.com/l.php?u=``...) are unwrapped;
* short links whose target cannot be known without opening them (``vm.tiktok.com/…``,
  ``bit.ly/…``, ``data/links/shorteners.txt``) are kept as written and marked ``short``.

An ``@name`` in text is a *handle*: ``t.me/name`` when the words around it name Telegram
(``instagram.com/name`` for Instagram, and so on), else just ``@name``; an ``@`` inside an
e-mail address is never one. A bare domain (``example.uz`` without ``http://``) counts when
its last label is a top-level domain in ``data/links/tlds.txt``; a few top-level domains
that are also everyday words or file extensions (``.in``, ``.no``, ``.py``...) count only
with a path, so "ok.so" and "main.py" are not links.

A host that imitates a well-known site (``data/links/wellknown.txt``) is marked
``lookalike_of``: letters of another alphabet that look the same (``gооgle.com`` with
Cyrillic о), a digit for a letter (``paypa1.com``), one letter off (``instagam.com``), or
the name with words added (``paypal-login.com``, ``paypal.com.example.ru``).

Nothing here imports Django or reads the network.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, unquote

import idna

from .normalize import clean

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "links"

# Kinds of link.
URL = "url"
DOMAIN = "domain"  # a whole site: a host with no path
HANDLE = "handle"  # an @name in text

# How a known-link list entry matches (see match_candidates).
MATCH_EXACT = "exact"
MATCH_PREFIX = "prefix"
MATCH_DOMAIN = "domain"

MAX_LINK_CHARS = 2048
# Links taken from one text: a report is about a few places, a pasted spam list is not.
MAX_LINKS = 200
MAX_TEXT_CHARS = 200_000

_HOST_PREFIX_RE = re.compile(r"^(?:www\d{0,3}|m|mobile|touch|mbasic)\.")
_HOST_ALIASES = {
    "telegram.me": "t.me",
    "telegram.dog": "t.me",
    "twitter.com": "x.com",
    "fb.com": "facebook.com",
    "instagr.am": "instagram.com",
    "vk.ru": "vk.com",
    "vkontakte.ru": "vk.com",
    "music.youtube.com": "youtube.com",
    "discordapp.com": "discord.com",
}
PLATFORMS = {
    "t.me": "telegram",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "vm.tiktok.com": "tiktok",
    "vt.tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "vk.com": "vk",
    "vk.cc": "vk",
    "x.com": "x",
    "t.co": "x",
    "facebook.com": "facebook",
    "fb.me": "facebook",
    "wa.me": "whatsapp",
    "chat.whatsapp.com": "whatsapp",
    "whatsapp.com": "whatsapp",
    "discord.gg": "discord",
    "discord.com": "discord",
    "snapchat.com": "snapchat",
    "threads.net": "threads",
    "twitch.tv": "twitch",
    "ok.ru": "ok",
    "likee.video": "likee",
}
# Where an "@name" is written as a link on each platform.
_HANDLE_URL = {
    "telegram": "t.me/{}",
    "instagram": "instagram.com/{}",
    "tiktok": "tiktok.com/@{}",
    "youtube": "youtube.com/@{}",
    "x": "x.com/{}",
    "vk": "vk.com/{}",
    "threads": "threads.net/@{}",
}
# Words that say which platform an @name belongs to (English, Russian, Azerbaijani, Uzbek).
_PLATFORM_WORDS = [
    ("telegram", r"telegra\w*|teleqram\w*|телеграм\w*|телега\w*|\btg\b|\bтг\b"),
    ("instagram", r"instagram\w*|\binsta(?:da|ga|dan|de|ya)?\b|инстаграм\w*|\bинст(?:а|е|у|ы|ой)\b"),
    ("tiktok", r"tik\s?tok\w*|тик\s?ток\w*"),
    ("youtube", r"you\s?tube\w*|yutub\w*|ютуб\w*"),
    ("x", r"twitter\w*|твиттер\w*"),
    ("vk", r"\bvk\b|\bвк\b|вконтакте\w*|vkontakte\w*"),
    ("threads", r"\bthreads\b"),
]
_PLATFORM_WORDS_RE = re.compile("|".join(f"(?P<{name}>{words})" for name, words in _PLATFORM_WORDS), re.IGNORECASE)
_CONTEXT_BEFORE = 40
_CONTEXT_AFTER = 25
_BREAK_RE = re.compile(r"[.!?;\n@]")

# Account names: what each platform accepts (lower-cased before the check).
_NAME_RE = {
    "telegram": re.compile(r"[a-z][a-z0-9_]{3,31}"),
    "instagram": re.compile(r"[a-z0-9._]{1,30}"),
    "tiktok": re.compile(r"[a-z0-9._]{2,24}"),
    "youtube": re.compile(r"[a-z0-9._-]{3,30}"),
    "x": re.compile(r"[a-z0-9_]{1,15}"),
    "vk": re.compile(r"[a-z0-9._]{2,32}"),
    "facebook": re.compile(r"[a-z0-9.]{5,50}"),
    "threads": re.compile(r"[a-z0-9._]{1,30}"),
    "snapchat": re.compile(r"[a-z0-9._-]{3,15}"),
    "twitch": re.compile(r"[a-z0-9_]{3,25}"),
}
# First path segments that are a platform's own pages, not an account.
_RESERVED = {
    "telegram": {"share", "proxy", "socks", "setlanguage", "addstickers", "addemoji", "addtheme", "bg", "iv", "login"},
    "instagram": {"explore", "accounts", "direct", "about", "developer", "legal", "web", "challenge", "reels"},
    "tiktok": {"foryou", "explore", "discover", "following", "friends", "live", "login", "upload", "tag", "music"},
    "youtube": {"feed", "results", "watch", "playlist", "shorts", "embed", "live", "v", "channel", "c", "user"},
    "x": {"home", "explore", "search", "i", "intent", "share", "hashtag", "settings", "notifications", "messages"},
    "vk": {"feed", "im", "friends", "groups", "search", "login", "settings", "video", "music", "away.php", "wall"},
    "facebook": {"groups", "watch", "share", "events", "pages", "people", "profile.php", "permalink.php", "story.php"},
    "threads": set(),
    "snapchat": {"add", "discover", "spotlight"},
    "twitch": {"directory", "videos", "search"},
}
# Query parameters that say who shared a link, not where it leads.
_TRACKING_RE = re.compile(
    r"(?i)^(?:utm_\w+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|ysclid|igshid|igsh|si|mc_cid|mc_eid|ref|ref_src"
    r"|ref_url|_hsenc|_hsmi|mkt_tok|feature|spm|share_id|_ga|_gl|vero_id|oly_enc_id|oly_anon_id|__twitter_impression)$"
)
# Query parameters a platform's link needs; all others are dropped on that platform.
_PLATFORM_QUERY = {
    "vk": {"w", "z"},
    "facebook": {"id", "story_fbid", "v", "fbid", "set"},
    "youtube": {"v", "list"},
}
# Wrappers that send the visitor on to the link in a parameter: (host, path) -> parameter.
_REDIRECTS = {
    ("vk.com", "/away.php"): "to",
    ("away.vk.com", "/away.php"): "to",
    ("l.facebook.com", "/l.php"): "u",
    ("lm.facebook.com", "/l.php"): "u",
    ("facebook.com", "/l.php"): "u",
    ("l.instagram.com", ""): "u",
    ("google.com", "/url"): "q",
    ("youtube.com", "/redirect"): "q",
    ("t.me", "/share/url"): "url",
    ("t.me", "/share"): "url",
}
# Top-level domains that are also everyday words or file extensions: a bare "ok.so" or
# "main.py" is not taken for a link unless a path follows.
_WORDLIKE_TLDS = frozenset(
    "as at be do in is it me my no so to us how now new one you got run win zip mov py rs sh ps".split()
)
# Second-level labels under which a country's registrations sit (example.co.uk, site.gov.uz).
_SECOND_LEVEL = frozenset("co com net org gov edu ac gob go or ne mil int nic biz info name sch ltd plc".split())

_DEFANG_RE = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]{0,15}):(//)?")
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_LABEL_RE = re.compile(r"^[^\W_](?:[\w-]{0,61}[^\W_])?$")
_ASCII_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PORT_RE = re.compile(r"^(.*):(\d{1,5})$")
_ESCAPES_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_KEEP_ESCAPED = frozenset("/?#%&=+")
# Characters a URL may not hold as they are (RFC 3986): always written escaped.
_UNSAFE = frozenset('<>"`{}|\\^')
_MAYBE_UNSAFE_RE = re.compile(r'[<>"`{}|\\^]|[^\x21-\x7e]')
_TRAILING = ".,;:!?…»\"'”’"
_CLOSERS = {")": "(", "]": "[", "}": "{"}

_TEXT_LINK_RE = re.compile(
    r"(?i)(?:\b(?:https?|hxxps?)://|\btg://|\bwww\d{0,3}\.)[^\s<>\"'`«»]+"
    r"|(?<![\w@.\-/])(?:[^\W_][\w-]{0,62}\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})(?::\d{1,5})?(?:[/?#][^\s<>\"'`«»]*)?"
)
# What every match of _TEXT_LINK_RE holds (a scheme, "www.", or a dot before a letter): a
# text without any, most of them, is passed over at a fraction of the pattern's cost.
_MAY_HOLD_LINK_RE = re.compile(r"(?i)://|www\d{0,3}\.|\.[^\W\d_]")
_TEXT_HANDLE_RE = re.compile(r"(?<![\w@.+\-/])@([A-Za-z0-9_][A-Za-z0-9_.]{1,30}[A-Za-z0-9_])(?![\w@]|\.[^\W_])")


@dataclass(frozen=True, slots=True)
class Link:
    """One link, as found and as compared.

    ``normalized`` is the comparable form (see the module docstring); ``original`` what was
    written. ``kind`` is ``url``, ``domain`` (a host alone) or ``handle`` (an ``@name``).
    ``platform`` (``telegram``, ``instagram``...) and ``handle`` (the account name) are set
    when the link names an account on a platform. ``short``: a shortener or share link,
    kept as written. ``specific``: the link names one page, post or account, not a whole
    platform (``youtube.com`` alone is not specific). ``anchor``: the account or site
    section the link belongs to (``t.me/name`` for ``t.me/name/123``). ``site``: the
    registrable domain when it belongs to one owner (not a platform, shortener or
    well-known site), else empty. ``lookalike_of``: the well-known domain the host imitates;
    ``mixed_script``: a label of the host mixes Latin, Cyrillic or Greek letters.
    """

    normalized: str
    original: str
    kind: str
    platform: str | None = None
    handle: str | None = None
    short: bool = False
    specific: bool = False
    anchor: str = ""
    site: str = ""
    ascii_host: str = ""
    lookalike_of: str | None = None
    mixed_script: bool = False

    @property
    def host(self) -> str:
        """The host in Unicode form, empty for a bare ``@name``."""
        return "" if self.normalized.startswith("@") else domain(self.normalized)

    @property
    def ascii(self) -> str:
        """The normal form with the host in ASCII (punycode) and the rest percent-encoded."""
        if not self.ascii_host:
            return self.normalized
        rest = self.normalized[len(self.host) :]
        return self.ascii_host + quote(rest, safe="/?#[]@!$&'()*+,;=:-._~%")


@dataclass(frozen=True, slots=True)
class KnownLinkMatch:
    """A link of the input matched an entry of a known-link list (the platform finds these)."""

    entry: str  # the list entry, in normal form
    match_type: str  # exact | prefix | domain
    harm: str  # taxonomy code the list gives
    source: str = ""  # whose list

    def describe(self) -> str:
        """Operator-readable English naming the list and the entry (list data, never report text)."""
        source = f' "{self.source}"' if self.source else ""
        return f"a link matches the known-link list{source}: {self.entry} ({self.match_type} match)"


# --- data --------------------------------------------------------------------------------


def _read_lines(name: str) -> list[str]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@cache
def top_level_domains() -> frozenset[str]:
    """Top-level domains in lower-case ASCII (IDN ones as ``xn--…``)."""
    return frozenset(line.lower() for line in _read_lines("tlds.txt"))


@cache
def shorteners() -> frozenset[str]:
    return frozenset(line.lower() for line in _read_lines("shorteners.txt"))


@cache
def well_known() -> tuple[str, ...]:
    """Well-known domains, in file order (the first a host imitates is the one named)."""
    return tuple(dict.fromkeys(line.lower() for line in _read_lines("wellknown.txt")))


@cache
def _well_known_set() -> frozenset[str]:
    return frozenset(well_known())


# --- normal form -------------------------------------------------------------------------


def normalize_link(link: str) -> str | None:
    """The normal form of ``link`` (see the module docstring), or ``None`` if it is not a
    plausible web link or handle."""
    found = describe_link(link)
    return found.normalized if found else None


def describe_link(raw: str, context: str = "") -> Link | None:
    """``raw`` read as one link; ``context`` is the text around it, which says which
    platform an ``@name`` is on. ``None`` if it is not a plausible link. Never raises."""
    text = _trim(clean(raw))
    if not text or len(text) > MAX_LINK_CHARS:
        return None
    if text.startswith("@"):
        return _handle(text[1:], raw, _platform_named(context, len(context)))
    return _url(text, raw, bare=False)


def extract_links(text: str, extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Normal forms of the links in ``extra`` and in ``text``, each once, in that order."""
    return [link.normalized for link in find_links(text, extra)]


def find_links(text: str, extra: tuple[str, ...] | list[str] = ()) -> list[Link]:
    """Links given in ``extra`` (a report's link field) and found in ``text``, each once
    (by normal form), in that order; at most :data:`MAX_LINKS`."""
    seen: dict[str, Link] = {}
    for raw in extra:
        link = describe_link(str(raw))
        if link is not None:
            seen.setdefault(link.normalized, link)
    for link in _scan(clean(text)[:MAX_TEXT_CHARS]):
        if len(seen) >= MAX_LINKS:
            break
        seen.setdefault(link.normalized, link)
    return list(seen.values())[:MAX_LINKS]


def domain(normalized: str) -> str:
    """The host part of a normalised link (with its port, if any)."""
    return normalized.split("/", 1)[0].split("?", 1)[0]


def registrable_domain(host: str) -> str:
    """The part of ``host`` one owner registered: ``a.b.example.com`` -> ``example.com``,
    ``x.example.co.uk`` -> ``example.co.uk`` (approximate: no public-suffix list)."""
    labels = host.split(":", 1)[0].split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def match_candidates(link: Link) -> dict[str, list[str]]:
    """The list entries that would match ``link``, per match type.

    ``exact``: the normal form. ``prefix``: the normal form cut after the host and after
    each path segment (an entry ``t.me/name`` matches ``t.me/name/5`` but not
    ``t.me/names``), and the whole. ``domain``: the host and each parent domain with at
    least two labels (``a.example.com``, ``example.com``).
    """
    if not link.host:
        return {MATCH_EXACT: [link.normalized], MATCH_PREFIX: [], MATCH_DOMAIN: []}
    host = link.host
    rest = link.normalized[len(host) :]
    path, _, query = rest.partition("?")
    prefixes = [host]
    cut = host
    for segment in path.split("/")[1:]:
        cut = f"{cut}/{segment}"
        prefixes.append(cut)
    if query:
        prefixes.append(link.normalized)
    bare_host = host.split(":", 1)[0]
    labels = bare_host.split(".")
    domains = [bare_host] if _IPV4_RE.match(bare_host) else [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return {MATCH_EXACT: [link.normalized], MATCH_PREFIX: prefixes, MATCH_DOMAIN: domains}


# --- reading text ------------------------------------------------------------------------


def _scan(text: str) -> list[Link]:
    """Links and handles of ``text`` in order of appearance."""
    found: list[tuple[int, Link]] = []
    spans: list[tuple[int, int]] = []
    for match in _TEXT_LINK_RE.finditer(text) if _MAY_HOLD_LINK_RE.search(text) else ():
        candidate = _trim(match.group())
        bare = not re.match(r"(?i)(?:https?|hxxps?|tg)://|www\d{0,3}\.", candidate)
        if bare and text[match.end() : match.end() + 1] == "@":
            continue  # the name part of an e-mail address
        link = _url(candidate, match.group(), bare=bare)
        if link is not None:
            found.append((match.start(), link))
            spans.append((match.start(), match.end()))
    for match in _TEXT_HANDLE_RE.finditer(text) if "@" in text else ():
        name = match.group(1)
        if any(start <= match.start() < end for start, end in spans):
            continue
        if "." in name and name.rsplit(".", 1)[1].lower() in top_level_domains():
            continue  # "@gmail.com": the end of an e-mail address, not a user name
        platform = _platform_named(text, match.start(), match.end())
        link = _handle(name, match.group(), platform)
        if link is not None:
            found.append((match.start(), link))
    found.sort(key=lambda item: item[0])
    return [link for _start, link in found]


def _platform_named(text: str, start: int, end: int | None = None) -> str | None:
    """The platform named nearest to ``text[start:end]`` in the same sentence, a few words
    away at most, with no other handle in between."""
    end = start if end is None else end
    window_start = max(0, start - _CONTEXT_BEFORE)
    window = text[window_start : end + _CONTEXT_AFTER]
    best: tuple[int, str] | None = None
    for match in _PLATFORM_WORDS_RE.finditer(window):
        word_start, word_end = window_start + match.start(), window_start + match.end()
        between = text[word_end:start] if word_end <= start else text[end:word_start]
        if word_start < end and word_end > start or _BREAK_RE.search(between):
            continue
        if best is None or len(between) < best[0]:
            best = (len(between), match.lastgroup or "")
    return best[1] if best else None


def _trim(text: str) -> str:
    """``text`` without surrounding quotes, brackets and sentence punctuation."""
    text = text.strip().strip("<>\"'“”«»")
    while text:
        last = text[-1]
        if last in _TRAILING:
            text = text[:-1]
        elif last in _CLOSERS and text.count(last) > text.count(_CLOSERS[last]):
            text = text[:-1]
        else:
            break
    return text.lstrip("([{")


# --- one link ----------------------------------------------------------------------------


def _handle(name: str, original: str, platform: str | None) -> Link | None:
    name = name.strip().rstrip(".").lower()
    if platform in _HANDLE_URL and _NAME_RE[platform].fullmatch(name):
        link = _url(_HANDLE_URL[platform].format(name), original, bare=False)
        if link is not None:
            return replace(link, kind=HANDLE)
    if not re.fullmatch(r"[a-z0-9_][a-z0-9_.]{1,30}[a-z0-9_]", name):
        return None
    normalized = "@" + name
    return Link(normalized, original, HANDLE, handle=name, specific=True, anchor=normalized)


def _url(text: str, original: str, *, bare: bool, depth: int = 0) -> Link | None:
    text = _DEFANG_RE.sub(".", text)
    scheme = _SCHEME_RE.match(text)
    if scheme:
        name = scheme.group(1).lower()
        if name == "tg":
            return _telegram_scheme(text, original)
        if name in ("http", "https", "hxxp", "hxxps"):
            text = text[scheme.end() :]
        elif scheme.group(2) or "." not in name:
            return None  # ftp://, mailto:, javascript: ...
    text = text.lstrip("/")
    netloc, rest = _split_netloc(text)
    parsed = _parse_host(netloc)
    if parsed is None:
        return None
    host, ascii_host, port = parsed
    path, _, query = rest.partition("#")[0].partition("?")
    if bare:
        # "scared.Then" is two sentences; "ok.so" and "main.py" are words and a file.
        written_tld = netloc.split(":", 1)[0].rstrip(".").rsplit(".", 1)[-1]
        if not (written_tld.islower() or written_tld.isupper()):
            return None
        tld = ascii_host.rsplit(".", 1)[-1]
        if tld in _WORDLIKE_TLDS and not path.strip("/") and not _known_host(_canonical_host(host)):
            return None
    return _build(host, ascii_host, port, path, query, original, depth)


def _telegram_scheme(text: str, original: str) -> Link | None:
    """``tg://resolve?domain=name`` is Telegram's own way of writing ``t.me/name``."""
    query = text.partition("?")[2]
    params = dict(_query_pairs(query))
    if params.get("domain"):
        post = f"/{params['post']}" if params.get("post", "").isdigit() else ""
        return _url(f"t.me/{params['domain']}{post}", original, bare=False)
    return None


def _split_netloc(text: str) -> tuple[str, str]:
    for index, char in enumerate(text):
        if char in "/?#":
            return text[:index], text[index:]
    return text, ""


def _parse_host(netloc: str) -> tuple[str, str, int | None] | None:
    """(Unicode host, ASCII host, port) or ``None`` if ``netloc`` cannot be a public host."""
    netloc = netloc.rpartition("@")[2]  # user:password@ is not part of the place
    port = None
    with_port = _PORT_RE.match(netloc)
    if with_port and not netloc.endswith("]"):
        netloc, port = with_port.group(1), int(with_port.group(2))
        if port > 65535:
            return None
    host = netloc.rstrip(".")
    if host.startswith("[") and host.endswith("]") and ":" in host:
        return host.lower(), host.lower(), port
    if _IPV4_RE.match(host):
        return (host, host, port) if all(int(part) <= 255 for part in host.split(".")) else None
    if not host or len(host) > 253 or "." not in host:
        return None
    converted = _idna(host)
    if converted is None:
        return None
    unicode_host, ascii_host = converted
    if ascii_host.rsplit(".", 1)[-1].lower() not in top_level_domains():
        return None
    return unicode_host, ascii_host, port


def _idna(host: str) -> tuple[str, str] | None:
    """(Unicode form, ASCII form) of ``host``, both lower-case, or ``None`` if invalid."""
    lowered = host.lower()
    if lowered.isascii() and "xn--" not in lowered:
        labels = lowered.split(".")
        return (lowered, lowered) if all(_ASCII_LABEL_RE.match(label) for label in labels) else None
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
        return idna.decode(ascii_host), ascii_host
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    # IDNA 2008 refuses symbols (emoji domains) that registries under IDNA 2003 still serve.
    labels = unicodedata.normalize("NFKC", lowered).split(".")
    if not all(_LABEL_RE.match(label) or _valid_emoji_label(label) for label in labels):
        return None
    try:
        ascii_host = ".".join(label.encode("idna").decode("ascii") for label in labels)
        unicode_host = ".".join(label.encode("ascii").decode("idna") for label in ascii_host.split("."))
    except (UnicodeError, ValueError):
        return None
    return unicode_host, ascii_host


def _valid_emoji_label(label: str) -> bool:
    return 0 < len(label) <= 63 and not any(ch.isspace() or ch in "/?#@:" for ch in label)


def _known_host(host: str) -> bool:
    return host in PLATFORMS or host in shorteners() or _is_well_known(host)


def is_whole_platform(host: str) -> bool:
    """Whether ``host`` is a platform, a shortener or a well-known site itself: a list
    entry for all of it would match countless unrelated reports."""
    return host in PLATFORMS or host in shorteners() or host in _well_known_set()


def _is_well_known(host: str) -> bool:
    """Whether ``host`` is a well-known site or one of its subdomains."""
    labels = host.split(":", 1)[0].split(".")
    known = _well_known_set()
    return any(".".join(labels[i:]) in known for i in range(len(labels) - 1))


def _canonical_host(host: str) -> str:
    while _HOST_PREFIX_RE.match(host) and host.count(".") >= 2:
        host = host.split(".", 1)[1]
    if host.endswith(".t.me") and host.count(".") == 2:
        return host
    return _HOST_ALIASES.get(host, host)


class _Parts(NamedTuple):
    """A link on a platform, read: where it leads and whose it is."""

    host: str
    path: str
    pairs: list[tuple[str, str]]
    handle: str | None
    anchor: str | None  # None: the link is its own anchor
    specific: bool
    short: bool = False


def _build(
    host: str, ascii_host: str, port: int | None, path: str, query: str, original: str, depth: int
) -> Link | None:
    host = _canonical_host(host)
    ascii_host = host if host.isascii() else ".".join(ascii_host.split(".")[-len(host.split(".")) :])
    if host.endswith(".t.me") and host.count(".") == 2:  # name.t.me is t.me/name
        path = "/" + host.split(".", 1)[0] + path
        host = ascii_host = "t.me"
    pairs = [(k, v) for k, v in _query_pairs(query) if not _TRACKING_RE.match(k)]
    if host in shorteners():
        path = _decode(path)  # a short code is kept as written: no dot segments, no case folding
    else:
        path = _clean_path(path)
        wrapped = _REDIRECTS.get((host, path))
        target = _raw_param(query, wrapped) if wrapped and depth < 3 else None
        inner = _url(_trim(target), original, bare=False, depth=depth + 1) if target else None
        if inner is not None:
            return inner
    platform = PLATFORMS.get(host)
    parts = _parts(platform, host, path, pairs)
    netloc = parts.host if port in (None, 80, 443) else f"{parts.host}:{port}"
    normalized = netloc + parts.path
    if parts.pairs:
        normalized += "?" + "&".join(f"{k}={v}" if v else k for k, v in sorted(parts.pairs))
    if _trim(normalized) != normalized:  # an escaped "." or ")" at the end stays escaped
        normalized = normalized[:-1] + "".join(f"%{byte:02X}" for byte in normalized[-1].encode())
    if len(normalized) > MAX_LINK_CHARS:
        return None
    generic = not platform and not parts.short and not _is_well_known(parts.host)
    is_ip = bool(_IPV4_RE.match(parts.host)) or parts.host.startswith("[")
    lookalike, mixed = _lookalike(parts.host)
    return Link(
        normalized=normalized,
        original=original,
        kind=URL if (parts.path or parts.pairs) else DOMAIN,
        platform=platform,
        handle=parts.handle,
        short=parts.short,
        specific=parts.specific,
        anchor=normalized if parts.anchor is None else parts.anchor,
        site=registrable_domain(parts.host) if generic and not is_ip else "",
        ascii_host=(ascii_host if parts.host == host else parts.host) + (netloc[len(parts.host) :]),
        lookalike_of=lookalike,
        mixed_script=mixed,
    )


def _parts(platform: str | None, host: str, path: str, pairs: list[tuple[str, str]]) -> _Parts:
    if host in shorteners():
        path = path.rstrip("/")
        return _Parts(host, path, [], None, None, bool(path), short=True)
    if platform is None:
        segment = path.strip("/").split("/", 1)[0]
        specific = bool(path) or bool(pairs)
        return _Parts(host, path, pairs, None, f"{host}/{segment}" if segment else host, specific)
    pairs = [(k, v) for k, v in pairs if k in _PLATFORM_QUERY.get(platform, set())]
    segments = [s for s in path.split("/") if s]
    reader = _PLATFORM_READERS.get(platform)
    found = reader(host, segments, dict(pairs)) if reader is not None else None
    if found is not None:
        return found
    if not segments:
        return _Parts(host, "", pairs, None, None if pairs else host, bool(pairs))
    first = segments[0].lower()
    reserved = _RESERVED.get(platform, set())
    name_re = _NAME_RE.get(platform)
    if name_re and first not in reserved and name_re.fullmatch(first):
        rest = "/".join(segments[1:])
        return _Parts(host, f"/{first}" + (f"/{rest}" if rest else ""), pairs, first, f"{host}/{first}", True)
    specific = len(segments) > 1 or first not in reserved or bool(pairs)
    return _Parts(host, "/" + "/".join(segments), pairs, None, None if specific else host, specific)


def _raw_param(query: str, name: str) -> str | None:
    """The fully decoded value of parameter ``name`` (a link a redirect wrapper carries)."""
    for part in query.split("&"):
        key, _, value = part.partition("=")
        if key == name and value:
            return unquote(value)
    return None


def _query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((_decode(key), _decode(value)))
    return pairs


def _decode(text: str) -> str:
    """Percent-escapes of ordinary characters decoded; the rest kept, upper-cased."""

    def one_run(match: re.Match) -> str:
        run = match.group()
        try:
            decoded = bytes.fromhex(run.replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return run.upper()
        return "".join(quote(ch, safe="") if ch in _KEEP_ESCAPED or _unsafe(ch) else ch for ch in decoded)

    text = _ESCAPES_RE.sub(one_run, text)
    if not _MAYBE_UNSAFE_RE.search(text):
        return text
    return "".join(quote(ch, safe="") if _unsafe(ch) else ch for ch in text)


def _unsafe(ch: str) -> bool:
    return ch in _UNSAFE or ch.isspace() or not ch.isprintable()


def _clean_path(path: str) -> str:
    """Escapes decoded, repeated slashes and ``.``/``..`` segments resolved, no trailing slash."""
    path = re.sub(r"/{2,}", "/", _decode(path))
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    return ("/" + "/".join(out)).rstrip("/") if out else ""


# Readers of platforms whose links are not simply /<account>/...: each returns None to
# fall back to that reading.


def _telegram(host, segments, params) -> _Parts | None:
    if not segments:
        return None
    if segments[0].lower() == "s" and len(segments) > 1:  # the web preview of a channel
        segments = segments[1:]
    first = segments[0]
    if first.lower() == "joinchat" and len(segments) > 1:
        first = "+" + segments[1]
    if first.startswith("+"):  # an invitation: its code is case-sensitive
        return _Parts(host, f"/{first}", [], None, None, True)
    if first.lower() == "c" and len(segments) > 1:  # a post in a private channel
        return _Parts(host, "/" + "/".join(segments), [], None, f"t.me/c/{segments[1]}", True)
    name = first.lower()
    if name not in _RESERVED["telegram"] and _NAME_RE["telegram"].fullmatch(name):
        post = f"/{segments[1]}" if len(segments) > 1 and segments[1].isdigit() else ""
        return _Parts(host, f"/{name}{post}", [], name, f"t.me/{name}", True)
    return None


_VIDEO_ID_RE = re.compile(r"[A-Za-z0-9_-]{6,20}")


def _youtube(host, segments, params) -> _Parts | None:
    video = None
    if host == "youtu.be" and segments:
        video = segments[0]
    elif len(segments) > 1 and segments[0].lower() in ("shorts", "embed", "live", "v"):
        video = segments[1]
    elif segments[:1] == ["watch"]:
        video = params.get("v")
    if video and _VIDEO_ID_RE.fullmatch(video):
        return _Parts("youtube.com", "/watch", [("v", video)], None, None, True, short=host == "youtu.be")
    if not segments:
        return None
    first = segments[0]
    rest = "/".join(segments[2:])
    if first.startswith("@") and _NAME_RE["youtube"].fullmatch(first[1:].lower()):
        name = first[1:].lower()
        more = "/".join(segments[1:])
        return _Parts(host, f"/@{name}" + (f"/{more}" if more else ""), [], name, f"youtube.com/@{name}", True)
    if first.lower() in ("c", "user") and len(segments) > 1:
        kind, name = first.lower(), segments[1].lower()
        path = f"/{kind}/{name}" + (f"/{rest}" if rest else "")
        return _Parts(host, path, [], name, f"youtube.com/{kind}/{name}", True)
    if first.lower() == "channel" and len(segments) > 1:  # channel ids are case-sensitive
        path = f"/channel/{segments[1]}" + (f"/{rest}" if rest else "")
        return _Parts(host, path, [], None, f"youtube.com/channel/{segments[1]}", True)
    if first.lower() == "playlist" and params.get("list"):
        return _Parts(host, "/playlist", [("list", params["list"])], None, None, True)
    return None


def _tiktok(host, segments, params) -> _Parts | None:
    if segments and segments[0].lower() == "t" and len(segments) > 1:  # a share link
        return _Parts(host, f"/t/{segments[1]}", [], None, None, True, short=True)
    if segments and segments[0].startswith("@") and _NAME_RE["tiktok"].fullmatch(segments[0][1:].lower()):
        name = segments[0][1:].lower()
        rest = "/".join(segments[1:])
        return _Parts(host, f"/@{name}" + (f"/{rest}" if rest else ""), [], name, f"tiktok.com/@{name}", True)
    return None


def _instagram(host, segments, params) -> _Parts | None:
    if not segments:
        return None
    first = segments[0].lower()
    if first in ("p", "reel", "reels", "tv") and len(segments) > 1:  # one post: ids are case-sensitive
        return _Parts(host, f"/p/{segments[1]}", [], None, None, True)
    if first == "stories" and len(segments) > 1:
        name = segments[1].lower()
        path = "/stories/" + "/".join([name, *segments[2:]])
        return _Parts(host, path, [], name, f"instagram.com/{name}", True)
    return None


def _threads(host, segments, params) -> _Parts | None:
    if segments and segments[0].startswith("@") and _NAME_RE["threads"].fullmatch(segments[0][1:].lower()):
        name = segments[0][1:].lower()
        rest = "/".join(segments[1:])
        return _Parts(host, f"/@{name}" + (f"/{rest}" if rest else ""), [], name, f"threads.net/@{name}", True)
    return None


def _vk(host, segments, params) -> _Parts | None:
    wall = re.fullmatch(r"wall(-?)(\d+)_(\d+)", segments[0]) if segments else None
    if wall:  # a post: wall-1_2 is on group 1's wall, wall1_2 on user 1's
        owner = f"club{wall.group(2)}" if wall.group(1) else f"id{wall.group(2)}"
        return _Parts(host, f"/{segments[0]}", [], owner, f"vk.com/{owner}", True)
    return None


def _facebook(host, segments, params) -> _Parts | None:
    if segments[:1] == ["profile.php"] and params.get("id", "").isdigit():
        return _Parts(host, "/profile.php", [("id", params["id"])], None, None, True)
    if len(segments) > 1 and segments[0].lower() == "groups":
        group = segments[1].lower()
        rest = "/".join(segments[2:])
        return _Parts(host, f"/groups/{group}" + (f"/{rest}" if rest else ""), [], None, f"{host}/groups/{group}", True)
    return None


def _discord(host, segments, params) -> _Parts | None:
    if host == "discord.com" and len(segments) > 1 and segments[0].lower() == "invite":
        segments = segments[1:]
    elif host == "discord.com":
        return None
    if segments:  # invitation codes are case-sensitive
        return _Parts("discord.gg", f"/{segments[0]}", [], None, None, True)
    return None


def _whatsapp(host, segments, params) -> _Parts | None:
    if host == "wa.me" and segments:
        number = re.sub(r"\D", "", unquote(segments[0]))
        if number:
            return _Parts(host, f"/{number}", [], number, None, True)
    if host == "chat.whatsapp.com" and segments:  # group invitations are case-sensitive
        return _Parts(host, f"/{segments[0]}", [], None, None, True)
    return None


_PLATFORM_READERS = {
    "telegram": _telegram,
    "youtube": _youtube,
    "tiktok": _tiktok,
    "instagram": _instagram,
    "threads": _threads,
    "vk": _vk,
    "facebook": _facebook,
    "discord": _discord,
    "whatsapp": _whatsapp,
}


# --- look-alikes -------------------------------------------------------------------------

# Letters and digits that look like (or are read as) Latin letters, and letters that look
# like each other (i, l and 1 in many fonts): both sides of a comparison are folded alike.
_SHAPES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "с": "c",
        "ԁ": "d",
        "е": "e",
        "ё": "e",
        "һ": "h",
        "н": "h",
        "і": "l",
        "ї": "l",
        "ј": "j",
        "к": "k",
        "ӏ": "l",
        "м": "m",
        "п": "n",
        "о": "o",
        "р": "p",
        "ԛ": "q",
        "г": "r",
        "ѕ": "s",
        "т": "t",
        "у": "y",
        "ү": "y",
        "ѵ": "v",
        "ԝ": "w",
        "х": "x",
        "ь": "b",
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "l",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "ω": "w",
        "ς": "c",
        "ı": "l",
        "i": "l",
        "1": "l",
        "|": "l",
        "!": "l",
        "0": "o",
        "3": "e",
        "5": "s",
        "$": "s",
        "@": "a",
        "-": "",
    }
)
_SCRIPTS = (
    ("latin", re.compile(r"[a-zA-Z\u00c0-\u024f]")),
    ("cyrillic", re.compile(r"[\u0400-\u052f]")),
    ("greek", re.compile(r"[\u0370-\u03ff]")),
)


def _skeleton(text: str) -> str:
    """How ``text`` looks, folded: look-alike letters and digits to one Latin letter."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_SHAPES)
    return text.replace("rn", "m").replace("vv", "w")


def _brand_label(host: str) -> str:
    return registrable_domain(host).split(".", 1)[0]


def _mixed_script(host: str) -> bool:
    for label in host.split("."):
        if sum(1 for _name, pattern in _SCRIPTS if pattern.search(label)) > 1:
            return True
    return False


@lru_cache(maxsize=4096)
def _lookalike(host: str) -> tuple[str | None, bool]:
    """(the well-known domain ``host`` imitates or ``None``, whether a label mixes scripts).

    Every rule is a lookup in :func:`_lookalike_index`, so the cost does not grow with the
    list; when several domains fit, the first in the file is named.
    """
    mixed = _mixed_script(host)
    if _IPV4_RE.match(host) or host.startswith("[") or _is_well_known(host):
        return None, mixed
    bare = host.split(":", 1)[0]
    label = _brand_label(bare)
    label_skeleton = _skeleton(label)
    index = _lookalike_index()
    found = list(index.by_skeleton.get(_skeleton(bare), ()))  # gооgle.com, paypa1.com
    found += index.by_brand.get(label_skeleton, ())  # g00gle.ru
    tokens = [token for token in re.split(r"[.-]", bare) if token]
    for token in tokens:  # paypal-login.com
        if len(skeleton := _skeleton(token)) >= 6:
            found += index.by_brand.get(skeleton, ())
    for start in range(len(tokens) - 2):  # paypal.com.example.ru, vk.com-login.xyz
        for size in (2, 3):
            if start + size < len(tokens) and (run := ".".join(tokens[start : start + size])) in _well_known_set():
                found.append(run)
    for size in (len(label_skeleton) - 1, len(label_skeleton), len(label_skeleton) + 1):  # instagam.com
        found += [known for known, brand in index.by_length.get(size, ()) if _one_edit(label_skeleton, brand)]
    # The same name under another top-level domain (google.ru) is the brand's, or not, but no disguise.
    found = [known for known in found if _brand_label(known) != label]
    return (min(found, key=index.order.__getitem__) if found else None), mixed


@dataclass(frozen=True)
class _LookalikeIndex:
    order: dict[str, int]  # domain -> position in the file
    by_skeleton: dict[str, list[str]]  # skeleton of the whole domain -> domains
    by_brand: dict[str, list[str]]  # skeleton of the brand label -> domains
    by_length: dict[int, list[tuple[str, str]]]  # length -> (domain, brand skeleton), brands of 6 or more


@cache
def _lookalike_index() -> _LookalikeIndex:
    index = _LookalikeIndex({}, {}, {}, {})
    for position, known in enumerate(well_known()):
        brand = _skeleton(_brand_label(known))
        index.order[known] = position
        index.by_skeleton.setdefault(_skeleton(known), []).append(known)
        index.by_brand.setdefault(brand, []).append(known)
        if len(brand) >= 6:
            index.by_length.setdefault(len(brand), []).append((known, brand))
    return index


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by exactly one insertion, deletion, substitution or
    swap of neighbouring letters."""
    if a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
