"""Counting answers and scoring quiz questions. No Django: plain values in, plain values out."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

WORD_MAX_CHARS = 30
WORDS_SHOWN = 60
QUIZ_MAX_POINTS = 1000
QUIZ_MIN_POINTS = 500  # a right answer at the last second still earns this much

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = ".,;:!?\"'«»“”„()[]{}-–—…"


def normalise_word(text: str) -> str:
    """One word-cloud entry as it is counted: NFC, trimmed, lower case, single spaces.

    "Privacy ", "privacy" and "PRIVACY!" are the same entry.
    """
    text = unicodedata.normalize("NFC", str(text))
    text = _SPACES.sub(" ", text).strip().strip(_EDGE_PUNCTUATION).strip()
    return text.casefold()[:WORD_MAX_CHARS]


def count_choices(rows: Iterable[Sequence[int]], options: int) -> list[int]:
    """How many answers picked each option (a multiple-choice answer counts for each pick)."""
    counts = [0] * options
    for choices in rows:
        for index in set(choices):
            if 0 <= index < options:
                counts[index] += 1
    return counts


def count_ratings(rows: Iterable[Sequence[int]], scale_max: int) -> tuple[list[int], float | None]:
    """Counts of 1..scale_max, and the average (None with no answers)."""
    counts = [0] * scale_max
    total = 0
    n = 0
    for choices in rows:
        if choices and 1 <= choices[0] <= scale_max:
            counts[choices[0] - 1] += 1
            total += choices[0]
            n += 1
    return counts, (round(total / n, 2) if n else None)


def count_words(rows: Iterable[Sequence[str]], limit: int = WORDS_SHOWN) -> list[tuple[str, int]]:
    """The most frequent words, most frequent first, ties in alphabetical order."""
    counter: Counter[str] = Counter()
    for words in rows:
        counter.update(set(words))
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def suppress_small(words: Iterable[tuple[str, int]], minimum: int) -> list[tuple[str, int]]:
    """Only words at least ``minimum`` pupils typed: what is kept after a session's purge,
    so a word only one child wrote (a name, a nickname) does not outlive the session."""
    return [(word, n) for word, n in words if n >= minimum]


def is_right(choices: Sequence[int], correct: Sequence[int]) -> bool:
    return bool(correct) and set(choices) == set(correct)


def quiz_points(right: bool, elapsed_s: float | None, limit_s: int | None) -> int:
    """Points for a quiz answer: nothing when wrong; when right, the full points without a
    time limit, otherwise from ``QUIZ_MAX_POINTS`` down to ``QUIZ_MIN_POINTS`` as the time runs out."""
    if not right:
        return 0
    if not limit_s or elapsed_s is None:
        return QUIZ_MAX_POINTS
    remaining = max(0.0, min(1.0, 1 - elapsed_s / limit_s))
    return round(QUIZ_MIN_POINTS + (QUIZ_MAX_POINTS - QUIZ_MIN_POINTS) * remaining)


def size_class(count: int, top: int, steps: int = 6) -> int:
    """A word's size step (1..steps) in a word cloud, by its count against the top count."""
    if top <= 0:
        return 1
    return max(1, min(steps, 1 + round((steps - 1) * count / top)))
