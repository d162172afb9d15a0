"""Personal-data detection, for redaction in exports and statistics.

Finds phone numbers (``phonenumbers``: Azerbaijani, Uzbek, Russian and Turkish
national formats, and any number written internationally with ``+``), e-mail
addresses, payment card numbers (13-19 digits passing the Luhn check) and street
addresses where a street word and a house number make one recognisable (en, ru, az,
uz, tr). Spans index the text exactly as given, so ``redact(text)`` can cut them out.

Precision matters more than recall for addresses (a false "address" hides harmless
words from an analyst); recall matters more for phones, e-mails and cards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers.phonenumberutil import _PLUS_CHARS, _VALID_PUNCTUATION
from phonenumbers.phonenumberutil import _REGEX_FLAGS as _PHONE_REGEX_FLAGS

REGIONS: tuple[str, ...] = ("AZ", "UZ", "RU", "TR")

# Scanning for phones is the slow part (pure Python); skip texts without enough digits.
_MIN_PHONE_DIGITS = 7
MAX_SCAN_CHARS = 200_000


@dataclass(frozen=True, slots=True)
class PersonalData:
    """``kind`` is one of ``phone``, ``email``, ``card``, ``address``."""

    kind: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end}


_DIGIT_RE = re.compile(r"\d")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[a-zA-Z]{2,24}\b")
_CARD_RE = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")

# A street word next to a house number, in any order the five languages use.
_STREET_WORDS = (
    r"street|st\.|str\.|avenue|ave\.|road|rd\.|lane|"
    r"улица|ул\.|проспект|пр-т|просп\.|переулок|пер\.|дом|д\.|кв\.|"
    r"küçəsi|küç\.|prospekti|pr\.|döngəsi|ev|mənzil|"
    r"ko['‘’ʻ`]?chasi|ko['‘’ʻ`]?ch\.|mahallasi|mavzesi|uy|xonadon|"
    r"кўчаси|маҳалласи|"
    r"sokak|sokağı|sok\.|cadde|caddesi|cad\.|mahallesi|mah\.|daire|no:"
)
_ADDRESS_RE = re.compile(
    rf"(?:\b[\w'‘’ʻ`.-]{{2,40}}\s+){{0,2}}(?<!\w)(?:{_STREET_WORDS})\s*,?\s*(?:№\s*)?\d{{1,4}}[a-zа-я]?\b(?:\s*[,/-]\s*\d{{1,4}}\b)?"
    rf"|(?<!\w)(?:улица|ул\.|проспект|просп\.|переулок|пер\.|küç\.|pr\.)\s*[\w'‘’ʻ`-]{{2,40}}\s*,?\s*(?:д\.|дом|№)?\s*\d{{1,4}}\b"
    rf"|\b\d{{1,4}}[a-z]?\s+[\w'‘’ʻ`-]{{2,40}}\s+(?:street|st\.|avenue|ave\.|road|rd\.|lane)(?!\w)",
    re.IGNORECASE,
)

# Every address pattern above has a street word where this looks for one: a quick
# search for it spares most texts the full pattern.
_STREET_WORD_RE = re.compile(rf"(?<!\w)(?:{_STREET_WORDS})", re.IGNORECASE)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# A phone number is digits with at most phonenumbers' punctuation between them (its
# matcher's own character classes and flags), and every valid number has 7 digits or
# more, counting an "x", which its parser may read as a keypad 9. Only a run of these
# characters with that many can hold one: most texts with seven digits have none
# (tweets full of "&#128514;"), and the matcher is the slowest part of the engine.
_PHONE_RUN_RE = re.compile(f"[{_VALID_PUNCTUATION}{_PLUS_CHARS}\\d]+", _PHONE_REGEX_FLAGS)
_PHONE_DIGIT_RE = re.compile(r"[\dxX]")


def _phones(text: str) -> Iterable[tuple[int, int]]:
    if len(_DIGIT_RE.findall(text)) < _MIN_PHONE_DIGITS:
        return
    if not any(len(_PHONE_DIGIT_RE.findall(m.group())) >= _MIN_PHONE_DIGITS for m in _PHONE_RUN_RE.finditer(text)):
        return
    for region in REGIONS:
        # Leniency.VALID: the number must be a real, assignable number for the region.
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            yield match.start, match.end


def _cards(text: str) -> Iterable[tuple[int, int]]:
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits) and len(set(digits)) > 1:
            yield m.start(), m.end()


def find_personal_data(text: str) -> list[PersonalData]:
    """Non-overlapping personal-data spans in ``text``, in order. Never raises.

    Where two kinds overlap (a card number can also parse as a phone number) the
    longer span wins, then the kind listed first: card, email, phone, address.
    """
    if not text:
        return []
    text = text[:MAX_SCAN_CHARS]
    # Every kind but e-mail needs a digit, and an e-mail needs an "@": most chat has
    # neither, and then no pattern need run.
    has_digit = _DIGIT_RE.search(text) is not None
    has_at = "@" in text
    if not (has_digit or has_at):
        return []
    candidates: list[PersonalData] = []
    if has_digit:
        candidates += [PersonalData("card", s, e) for s, e in _cards(text)]
    if has_at:
        candidates += [PersonalData("email", m.start(), m.end()) for m in _EMAIL_RE.finditer(text)]
    if has_digit:
        candidates += [PersonalData("phone", s, e) for s, e in _phones(text)]
        if _STREET_WORD_RE.search(text):
            candidates += [PersonalData("address", m.start(), m.end()) for m in _ADDRESS_RE.finditer(text)]
    rank = {"card": 0, "email": 1, "phone": 2, "address": 3}
    candidates.sort(key=lambda p: (-(p.end - p.start), rank[p.kind], p.start))
    chosen: list[PersonalData] = []
    for cand in candidates:
        if all(cand.end <= c.start or cand.start >= c.end for c in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda p: p.start)


def redact(text: str, spans: Sequence[PersonalData] | None = None, placeholder: str = "[{kind}]") -> str:
    """``text`` with every personal-data span replaced by ``placeholder`` (which may
    use ``{kind}``). Pass ``spans`` to reuse a previous :func:`find_personal_data`."""
    spans = find_personal_data(text) if spans is None else sorted(spans, key=lambda p: p.start)
    out: list[str] = []
    pos = 0
    for span in spans:
        if span.start < pos:
            continue
        out.append(text[pos : span.start])
        out.append(placeholder.format(kind=span.kind))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
