"""Screening what pupils type: nicknames, questions and word-cloud words.

Two questions are asked of every text: does it carry **personal data** (a phone number, an
e-mail or web address, a social-media handle, a long number such as an ID, "my name is…"),
and is it **abusive** (insults, slurs, sexual words)? A flagged question waits for the
trainer's approval even in a session that shows questions at once; a flagged nickname or
word is refused and the pupil is asked for another.

The triage engine (``himoya.triage.engine``) owns text analysis for the platform. This
module is the one seam between it and the awareness app:

* If the engine offers ``screen(text, language)`` (returning an object with boolean
  ``personal_data`` and ``abuse`` attributes), that is used as it is.
* Otherwise the check is built here from the engine's public parts: personal data from
  ``find_personal_data`` (phone numbers in the region's formats, e-mails, card numbers,
  street addresses) plus the classroom patterns below (web addresses, @handles, long
  numbers, "my name is…"); abuse from its phrase matcher (``Lexicon``, which sees through
  capitals, l33t, spaced letters and Cyrillic/Latin spellings) over the phrase list in
  ``awareness/data/screening/abuse.tsv``.
* If the engine cannot be imported at all, the patterns below and a plain lower-case
  whole-word match of the same list are used, so the awareness app never depends on it.

Nothing here logs or stores the text; callers keep only the reason codes.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

ABUSE_FILE = Path(__file__).resolve().parent / "data" / "screening" / "abuse.tsv"

PERSONAL_DATA = "personal_data"
ABUSE = "abuse"


@dataclass(frozen=True)
class Screening:
    personal_data: bool = False
    abuse: bool = False

    @property
    def flags(self) -> list[str]:
        return [code for code, on in ((PERSONAL_DATA, self.personal_data), (ABUSE, self.abuse)) if on]

    @property
    def clean(self) -> bool:
        return not (self.personal_data or self.abuse)


# --- Personal data -------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(https?://|www\.)\S+|\b[\w-]+\.(com|ru|az|uz|org|net|me|io|tv|gg|link|xyz)(/\S*)?\b", re.I)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{3,}")
# Seven digits or more, possibly split by spaces, dots, dashes or brackets: phone numbers,
# ID and card numbers. A class ("7B"), a school number or a year stays under it.
_LONG_NUMBER = re.compile(r"(?:\+?\d[\s().-]{0,2}){7,}")
_NAME_INTRO = re.compile(
    r"\b(my name is|i am called|call me|меня зовут|моё имя|мое имя|мою фамилию|mənim adım|adım|"
    r"mening ismim|ismim|mening otim|otim|menyu zovut)\s+\w",
    re.I | re.UNICODE,
)
_ADDRESS = re.compile(
    r"\b(i live (at|on|in)|my address|я живу на|мой адрес|ünvanım|mən .{0,20}yaşayıram|manzilim|"
    r"men .{0,20}yashayman)\b",
    re.I | re.UNICODE,
)


@functools.cache
def _engine_pii():
    """The engine's ``find_personal_data`` (phones by region, e-mails, cards, addresses), or None."""
    try:
        from himoya.triage.engine import find_personal_data
    except ImportError:
        return None
    return find_personal_data


def has_personal_data(text: str) -> bool:
    """The engine's detector, plus what matters in a classroom that it does not look for:
    web addresses, social-media handles, long numbers, "my name is…"."""
    find = _engine_pii()
    if find is not None:
        try:
            if find(text):
                return True
        except Exception:  # noqa: BLE001 - the patterns below still run
            logger.exception("triage engine find_personal_data() failed")
    return any(pattern.search(text) for pattern in (_EMAIL, _URL, _HANDLE, _LONG_NUMBER, _NAME_INTRO, _ADDRESS))


# --- Abuse -----------------------------------------------------------------------------------


def _read_phrases() -> list[str]:
    phrases = []
    for line in ABUSE_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("harm\t"):
            continue
        phrases.append(line.split("\t")[-1].strip())
    return phrases


class _PlainMatcher:
    """Whole words, lower case; ``*`` lets the last word continue."""

    def __init__(self, phrases: list[str]) -> None:
        parts = []
        for phrase in phrases:
            stem = phrase.endswith("*")
            body = re.escape(phrase.rstrip("*").casefold()).replace(r"\ ", r"\s+")
            parts.append(body + (r"\w*" if stem else "") + r"(?!\w)")
        self._pattern = re.compile(r"(?<!\w)(" + "|".join(parts) + ")", re.UNICODE)

    def __call__(self, text: str) -> bool:
        return bool(self._pattern.search(text.casefold()))


@functools.cache
def _abuse_matcher():
    try:
        from himoya.triage.engine.lexicon import Lexicon, read_tsv
    except ImportError:  # the engine is not installed here: plain matching still works
        return _PlainMatcher(_read_phrases())
    lexicon = Lexicon(read_tsv(ABUSE_FILE.read_text(encoding="utf-8"), source=ABUSE_FILE.name))
    return lambda text: bool(lexicon.match(text))


def has_abuse(text: str) -> bool:
    return _abuse_matcher()(text)


# --- Entry point --------------------------------------------------------------------------------


@functools.cache
def _engine_screen():
    """The engine's own ``screen`` when it has one, else None."""
    try:
        engine = importlib.import_module("himoya.triage.engine")
    except ImportError:
        return None
    screen = getattr(engine, "screen", None)
    return screen if callable(screen) else None


def screen(text: str, language: str = "") -> Screening:
    text = text or ""
    engine_screen = _engine_screen()
    if engine_screen is not None:
        try:
            result = engine_screen(text, language)
            return Screening(personal_data=bool(result.personal_data), abuse=bool(result.abuse))
        except Exception:  # noqa: BLE001 - a broken engine must not stop a class: fall back
            logger.exception("triage engine screen() failed; using the awareness filter")
    return Screening(personal_data=has_personal_data(text), abuse=has_abuse(text))
