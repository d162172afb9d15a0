"""Text clean-up shared by every signal.

Two levels:

* :func:`clean` makes any input safe to process: it decodes bytes leniently, drops
  control characters, zero-width and bidirectional-override characters (used to dodge
  filters and to disguise text), and applies NFKC (fullwidth, "mathematical bold" and
  similar styled letters become plain letters). Language identification and the models
  see this text.
* :func:`skeleton` folds text much further, into a lossy lower-case Latin "skeleton" used
  only for lexicon matching, so that one curated phrase matches its variants: Cyrillic
  and Latin spellings of Uzbek (and Russian typed in Latin letters), Cyrillic/Greek
  look-alike letters hidden in Latin words, Turkic letters typed without diacritics,
  leetspeak (``s3nd n00dz``), repeated letters (``pleeease``) and letters spaced out
  (``s e n d``). Phrases and texts go through the same function, so the folding only has
  to be consistent, not linguistically right.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import accumulate

# Characters that must never reach a matcher or a model: C0/C1 controls (except
# newline and tab), and every "format" character (category Cf): zero-width space and
# joiners, LRM/RLM, the bidi embeddings/overrides/isolates, BOM, soft hyphen, word
# joiner, invisible operators, tag characters. Variation selectors and the combining
# grapheme joiner are marks, not Cf, so they are listed explicitly.
_EXTRA_INVISIBLE = {0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x180E}


def _is_invisible(ch: str) -> bool:
    cp = ord(ch)
    if ch in "\n\t":
        return False
    if cp in _EXTRA_INVISIBLE or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return True
    cat = unicodedata.category(ch)
    return cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != " "


def _invisible_class() -> str:
    """A regex character class of every invisible code point (BMP + tag planes),
    built once: a regex strips them at C speed."""
    ranges: list[tuple[int, int]] = []
    for cp in list(range(0x0000, 0x10000)) + list(range(0xE0000, 0xE0200)):
        if _is_invisible(chr(cp)):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges) + "]+"


_INVISIBLE_RE = re.compile(_invisible_class())

# Unicode whitespace variants (NBSP, thin space, ideographic space, line separators).
_SPACES_RE = re.compile(r"[^\S\n]+")
# What _SPACES_RE.sub(" ", ...) changes, and only that: a run of two or more, or one
# that is not a plain space. Ordinary text then has no match at all, which is faster
# than replacing every single space by itself.
_SPACES_TO_FOLD_RE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")


def to_text(data: str | bytes | bytearray | None) -> str:
    """Decode ``data`` to ``str`` without ever raising.

    Invalid UTF-8 is replaced (U+FFFD) rather than rejected: a report with a broken
    byte is still a report.
    """
    if data is None:
        return ""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("utf-8", errors="replace")
    return str(data)


_RLO_RE = re.compile("\u202e([^\u202a-\u202e\n]*)(?:\u202c|(?=\n)|$)")


def _apply_overrides(text: str) -> str:
    """Put right-to-left-overridden runs in the order a reader sees them.

    ``"\u202eflesym llik"`` is displayed as "kill myself": the override is a way to
    show words that a filter reading the stored order never sees.
    """
    if "\u202e" not in text:
        return text
    return _RLO_RE.sub(lambda m: m.group(1)[::-1], text)


def clean(data: str | bytes | bytearray | None) -> str:
    """Return ``data`` decoded, NFKC-normalised, with invisible characters removed.

    Idempotent. Newlines survive; other whitespace runs become one space. Runs under a
    right-to-left override are reversed into their displayed order, then every bidi
    control is removed, so the result reads as it looked and is safe to show.
    """
    text = to_text(data)
    text = _apply_overrides(text)
    text = _INVISIBLE_RE.sub("", text)
    # NFKC after removing invisibles: a zero-width joiner between two letters would
    # otherwise block composition of the pair.
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.replace("\ufffd", " ")
    return _SPACES_TO_FOLD_RE.sub(" ", text).strip()


# --- skeleton ---------------------------------------------------------------------

# Cyrillic -> Latin, chosen so that Uzbek Cyrillic lands on the official Uzbek Latin
# spelling (ў = o', қ = q, ғ = g', ҳ = h, х = x, ж = j) and Russian lands on the
# common chat transliteration. Kazakh/Azerbaijani-Cyrillic letters map to their Latin
# counterparts.
_TRANSLIT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ў": "o",
    "ф": "f",
    "х": "x",
    "ҳ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ә": "e",
    "ө": "o",
    "ү": "u",
    "ұ": "u",
    "ң": "n",
    "һ": "h",
    "і": "i",
    "ї": "i",
    "є": "e",
    "ґ": "g",
    "ј": "j",
    "ѕ": "s",
    "ҷ": "j",
    "ӣ": "i",
    "ӯ": "u",
    "ҫ": "s",
    "ӑ": "a",
    "ӗ": "e",
    "ҡ": "k",
}

# Letters that *look* like Latin ones (what a filter-dodger substitutes), Cyrillic and
# Greek. Used instead of transliteration when a word mixes scripts.
_LOOKALIKE = {
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "з": "3",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ј": "j",
    "ԁ": "d",
    "һ": "h",
    "ӏ": "l",
    "ь": "b",
    "п": "n",
    "г": "r",
    "ү": "y",
    "α": "a",
    "β": "b",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "γ": "y",
    "μ": "u",
    "ω": "w",
    "σ": "o",
    "ς": "c",
    "δ": "d",
    "λ": "l",
    "π": "n",
    "θ": "o",
    "ζ": "z",
    "ξ": "e",
    "ψ": "w",
    "φ": "o",
}

# Latin letters that NFD does not decompose.
_LATIN_FOLD = {
    "ı": "i",
    "ə": "e",
    "ǝ": "e",
    "ø": "o",
    "đ": "d",
    "ł": "l",
    "æ": "ae",
    "œ": "oe",
    "ß": "ss",
    "þ": "th",
    "ð": "d",
    "ŋ": "n",
    "ʻ": "",
    "ʼ": "",
    "ʹ": "",
}

# Leetspeak digits/symbols, applied only inside words that also contain letters, so
# that amounts and phone numbers stay numbers.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "|": "l"}

# Apostrophes and their look-alikes: Uzbek o'/g' and English contractions are folded
# by deleting them (o' -> o, don't -> dont).
_APOSTROPHES_RE = re.compile("['`\u00b4\u2018\u2019\u02bb\u02bc\u02b9\u2032\u0060]")

# A token: letters, digits and the leet symbols. Everything else separates tokens.
_TOKEN_RE = re.compile(r"[^\W_]+|[@$|]+", re.UNICODE)
_WORDISH_RE = re.compile(r"(?:[^\W_]|[@$|])+", re.UNICODE)
_WORDISH_FAST_RE = re.compile(r"[\w@$|]+", re.UNICODE)

# Digraph unification, applied to the Latin form: the same sound is written several
# ways across Uzbek Latin, Turkish/Azerbaijani without diacritics and Russian
# transliteration (ш = sh = ş -> s; ч = ch = ç -> c; х = kh = h -> x; ж = zh -> j;
# қ = q -> k). Lossy on purpose.
_DIGRAPHS = (("kh", "x"), ("sh", "s"), ("ch", "c"), ("zh", "j"), ("h", "x"), ("q", "k"), ("w", "v"))
_REPEATS_RE = re.compile(r"([a-z])\1+")

_NOT_SKELETON_RE = re.compile(r"[^a-z0-9]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f\u0259]")
_GREEK = re.compile(r"[\u0370-\u03ff]")


_TRANSLIT_TABLE = str.maketrans(_TRANSLIT)
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKE)
_LATIN_FOLD_TABLE = str.maketrans(_LATIN_FOLD)
_LEET_TABLE = str.maketrans(_LEET)
_MARKS_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LEET_CHARS = frozenset(_LEET)


def _strip_marks(text: str) -> str:
    return _MARKS_RE.sub("", unicodedata.normalize("NFD", text))


def _fold_token(token: str, latin_context: bool) -> str:
    """Fold one token (already lower-case, no apostrophes) to skeleton letters."""
    if not token.isascii():
        has_cyr = bool(_CYRILLIC.search(token))
        has_greek = bool(_GREEK.search(token))
        if has_cyr or has_greek:
            has_lat = bool(_LATIN.search(token))
            # A word that mixes scripts, or an all-Cyrillic word made only of look-alike
            # letters inside Latin text, is a disguise: read it by shape.
            disguised = (
                has_lat or has_greek or (latin_context and all(ch in _LOOKALIKE for ch in token if _CYRILLIC.match(ch)))
            )
            if disguised:
                token = token.translate(_LOOKALIKE_TABLE)
            # Whatever Cyrillic is left is read by sound.
            token = token.translate(_TRANSLIT_TABLE)
        token = _strip_marks(token.translate(_LATIN_FOLD_TABLE))
    if not _LEET_CHARS.isdisjoint(token) and any(ch.isalpha() for ch in token):
        token = token.translate(_LEET_TABLE)
    for a, b in _DIGRAPHS:
        token = token.replace(a, b)
    # Runs of one letter collapse to one: "pleeease" == "please", "meet" == "met".
    return _REPEATS_RE.sub(r"\1", token)


@dataclass(frozen=True, slots=True)
class Skeleton:
    """The folded forms of one text.

    ``spaced``: tokens joined by single spaces, with a space at both ends so that
    phrase keys can demand word boundaries. ``compact``: the same letters with no
    spaces (catches ``s e n d`` and ``se nd``); ``starts``/``ends`` mark the compact
    offsets where a token starts/ends.
    """

    spaced: str
    compact: str
    starts: frozenset[int]
    ends: frozenset[int]


class _FoldCache:
    """Token -> folded token, per script context; bounded (replaced, never cleared in
    place, so a thread holding the old table is unaffected)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._tables: tuple[dict[str, str], dict[str, str]] = ({}, {})

    def table(self, latin_context: bool) -> dict[str, str]:
        if len(self._tables[0]) + len(self._tables[1]) > self.max_entries:
            self._tables = ({}, {})
        return self._tables[latin_context]


# Words repeat: folding each distinct one once is most of the skeleton's saving.
_fold_cache = _FoldCache(100_000)


def _tokens(text: str, *, cleaned: bool = False) -> list[str]:
    text = (text if cleaned else clean(text)).casefold()
    text = _APOSTROPHES_RE.sub("", text)
    if text.isascii():
        latin_context = _LATIN.search(text) is not None
    else:
        latin_context = len(_LATIN.findall(text)) > len(_CYRILLIC.findall(text))
    cache = _fold_cache.table(latin_context)
    if "_" in text:
        raws = _WORDISH_RE.findall(text)
    else:  # the same tokens: _WORDISH_RE is this class without "_", and a lot slower
        raws = _WORDISH_FAST_RE.findall(text)
    tokens = []
    for raw in raws:
        folded = cache.get(raw)
        if folded is None:
            folded = _fold_token(raw, latin_context)
            # Folding may leave separators (e.g. "ts"), never spaces, but a token can
            # become empty (a lone soft sign).
            if not folded.isalnum() or not folded.isascii():
                folded = _NOT_SKELETON_RE.sub("", folded)
            cache[raw] = folded
        if folded:
            tokens.append(folded)
    return tokens


def _join_spaced_letters(tokens: list[str]) -> tuple[list[str], set[int]]:
    """Join runs of 3+ one-letter tokens: ``s e n d`` -> ``send``.

    Two one-letter words in a row are common in real text ("a i"), three rarely are.
    Returns the tokens and the indexes of the joined ones (whose every letter is a
    word boundary for the compact view: the writer put spaces there).
    """
    out: list[str] = []
    joined: set[int] = set()
    run: list[str] = []
    for tok in tokens + [""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if len(run) >= 3:
            joined.add(len(out))
            out.append(_REPEATS_RE.sub(r"\1", "".join(run)))
        else:
            out.extend(run)
        run = []
        if tok:
            out.append(tok)
    return out, joined


# Three one-letter tokens in a row: the only thing _join_spaced_letters changes.
_SPACED_RUN_RE = re.compile(r"(?<![^ ])[A-Za-z] [A-Za-z] [A-Za-z](?![^ ])")


def skeleton(text: str | bytes | None, *, cleaned: bool = False) -> Skeleton:
    """Fold ``text`` for lexicon matching (see the module docstring).

    ``cleaned=True`` says ``text`` is already the output of :func:`clean`.
    """
    tokens = _tokens(to_text(text), cleaned=cleaned)
    joined_text = " ".join(tokens)
    if not _SPACED_RUN_RE.search(joined_text):
        if not tokens:
            return Skeleton(" ", "", frozenset(), frozenset())
        ends = list(accumulate(map(len, tokens)))
        return Skeleton(f" {joined_text} ", "".join(tokens), frozenset([0, *ends[:-1]]), frozenset(ends))
    tokens, joined = _join_spaced_letters(tokens)
    starts: set[int] = set()
    ends_set: set[int] = set()
    pos = 0
    for i, tok in enumerate(tokens):
        if i in joined:
            starts.update(range(pos, pos + len(tok)))
            ends_set.update(range(pos + 1, pos + len(tok) + 1))
        starts.add(pos)
        pos += len(tok)
        ends_set.add(pos)
    spaced = " " + " ".join(tokens) + " " if tokens else " "
    return Skeleton(spaced, "".join(tokens), frozenset(starts), frozenset(ends_set))


def skeleton_phrase(phrase: str) -> str:
    """Fold a lexicon phrase the same way as texts; returns space-joined tokens."""
    tokens, _ = _join_spaced_letters(_tokens(phrase))
    return " ".join(tokens)
