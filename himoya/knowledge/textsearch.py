"""Preparing text and queries for full-text search, without Django.

Both the stored text and the query pass through ``fold()``, so a child who types without
Azerbaijani or Russian letters still finds the article: "santaj" finds "şantaj", "elaqe"
finds "əlaqə", "елка" finds "ёлка", and Uzbek "o‘g‘il", "o'g'il" and "ogil" are one word.

Stemming: PostgreSQL stems English and Russian with its own dictionaries; SQLite's FTS5 has
a stemmer for English only (``porter``). Where the database has no stemmer for a language
(Azerbaijani and Uzbek everywhere, Russian on SQLite) a query word loses a common
inflectional ending and is matched as a prefix: "şantajdan" searches ``santaj*``,
"травли" searches ``травл*``. The index keeps whole words.
"""

from __future__ import annotations

import re
import unicodedata

# Letters a child may type as their nearest ASCII or Russian neighbour.
_FOLD = str.maketrans({"ə": "e", "ı": "i", "ё": "е", "ʻ": None, "ʼ": None, "‘": None, "’": None, "'": None, "`": None})
_WORD = re.compile(r"\w+", re.UNICODE)

# Inflectional endings, longest first, stripped from a query word before a prefix match.
_ENDINGS = {
    "ru": sorted(
        """
        иями ями ами ией иях ях ах ов ев ей ой ый ий ая яя ое ее ые ие ых их ым им ом ем ую юю
        ого его ому ему ыми ими ость ости остью ться тся ешь ете ишь ите ет ит ут ют ат ят ла ло
        ли ть ти а я о е и ы у ю ь й
        """.split(),
        key=len,
        reverse=True,
    ),
    "az": sorted(
        """
        lərindən larından lərinə larına lərini larını ların lərin lara lərə ları ləri lar lər
        dan dən nın nin nun nün ını ini unu ünü ına inə una ünə da də ya yə sı si su sü ın in un
        ün ımız imiz umuz ümüz ım im um üm ı i u ü a e
        """.split(),
        key=len,
        reverse=True,
    ),
    "uz": sorted(
        """
        laringizdan laringizga laringiz larimiz lardan larga larni larning lari lar
        ingizdan ingizga ingiz imiz ning dagi dan ga ka qa ni da ta im ing i
        """.split(),
        key=len,
        reverse=True,
    ),
}
MIN_STEM = 3
# Azerbaijani and Uzbek stack suffixes (şəkil-lər-im-i): strip up to this many in turn.
PASSES = {"az": 3, "uz": 3}


def fold(text: str) -> str:
    """Lower case, no accents, and the letters above made plain."""
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


_FOLDED_ENDINGS = {
    language: sorted({fold(e) for e in endings}, key=len, reverse=True) for language, endings in _ENDINGS.items()
}


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def light_stem(word: str, language: str) -> str:
    """``word`` (already folded) without its known endings, keeping three letters."""
    for _pass in range(PASSES.get(language, 1)):
        for ending in _FOLDED_ENDINGS.get(language, ()):
            if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
                word = word[: -len(ending)]
                break
        else:
            break
    return word


def query_terms(query: str, language: str, *, stems: bool, limit: int = 12) -> list[tuple[str, bool]]:
    """The words to look for, each with whether it is a prefix.

    ``stems``: the database stems this language itself, so words go to it whole.
    Duplicates and words beyond ``limit`` are dropped.
    """
    seen: list[tuple[str, bool]] = []
    for word in words(query):
        if len(word) < 2 and not word.isdigit():
            continue
        term = (word, False) if stems else (light_stem(word, language), True)
        if term not in seen:
            seen.append(term)
        if len(seen) == limit:
            break
    return seen
