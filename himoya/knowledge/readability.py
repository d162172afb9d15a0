"""Readability of the starter articles: sentence length everywhere, a reading-ease score where one exists.

- English: Flesch reading ease, 206.835 − 1.015 × (words per sentence) − 84.6 × (syllables per word).
  90–100 is easy for an 11-year-old, 60–70 plain English for 13–15-year-olds.
- Russian: Oborneva's adaptation of the same formula, 206.835 − 1.3 × (words per sentence)
  − 60.1 × (syllables per word), read on the same scale.
- Azerbaijani and Uzbek have no validated formula; we report sentence and word length only.

Each list item and heading counts as a sentence (that is how a child reads it). Placeholders
for contacts are left out. Run ``python -m himoya.knowledge.readability`` for the table in
docs/knowledge.md. Nothing here needs Django.
"""

from __future__ import annotations

import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from himoya.knowledge.rendering import PLACEHOLDER, plain_text

ARTICLES = Path(__file__).parent / "data" / "articles"

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”)]*\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['’‘ʼ`-][^\W\d_]+)*|\d+")
_VOWELS = {
    "ru": set("аеёиоуыэюя"),
    "az": set("aeəıioöuü"),
    "uz": set("aeiou"),
}


@dataclass(frozen=True)
class Measure:
    sentences: int
    words: int
    syllables: int
    longest_sentence: int
    ease: float | None  # Flesch (en) or Oborneva (ru); None where no formula exists

    @property
    def words_per_sentence(self) -> float:
        return self.words / max(1, self.sentences)

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / max(1, self.words)


def english_syllables(word: str) -> int:
    """Syllables of an English word by vowel groups, with the usual silent-e corrections."""
    word = word.lower().strip("'’")
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    groups = re.findall(r"[aeiouy]{1,2}", word)
    return max(1, len(groups))


def syllables(word: str, language: str) -> int:
    if language == "en":
        return english_syllables(word)
    if word.isdigit():
        return len(word)
    vowels = _VOWELS.get(language, set("aeiou"))
    return max(1, sum(1 for ch in word.lower() if ch in vowels))


def sentences(markdown: str) -> list[list[str]]:
    """The article's sentences, each as its list of words."""
    text = PLACEHOLDER.sub("", markdown)
    out = []
    for block in plain_text(text).splitlines():
        for sentence in _SENTENCE_END.split(block):
            found = _WORD.findall(sentence)
            if found:
                out.append(found)
    return out


def measure(markdown: str, language: str) -> Measure:
    parts = sentences(markdown)
    words = [word for sentence in parts for word in sentence]
    count = sum(syllables(word, language) for word in words)
    n_sent, n_words = max(1, len(parts)), max(1, len(words))
    ease = None
    if language == "en":
        ease = 206.835 - 1.015 * n_words / n_sent - 84.6 * count / n_words
    elif language == "ru":
        ease = 206.835 - 1.3 * n_words / n_sent - 60.1 * count / n_words
    return Measure(
        sentences=len(parts),
        words=len(words),
        syllables=count,
        longest_sentence=max((len(s) for s in parts), default=0),
        ease=ease,
    )


def measure_file(path: Path) -> Measure:
    text = path.read_text(encoding="utf-8")
    _header, _sep, body = text[4:].partition("\n---\n")
    summary = re.search(r"^summary:(.*)$", _header, re.M)
    return measure((summary.group(1).strip() + "\n\n" if summary else "") + body, path.parent.name)


def table(root: Path = ARTICLES) -> str:
    """A Markdown table: per language and audience, the mean and worst figures."""
    rows = [
        "| language | audience | articles | words (mean) | words per sentence (mean) | longest sentence | "
        "reading ease (mean) | reading ease (lowest) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for language in ("en", "ru", "az", "uz"):
        for audience in ("child", "parent"):
            paths = sorted((root / language).glob(f"*-{audience}.md"))
            if not paths:
                continue
            found = [measure_file(path) for path in paths]
            eases = [m.ease for m in found if m.ease is not None]
            rows.append(
                f"| {language} | {audience} | {len(found)} | {statistics.mean(m.words for m in found):.0f} | "
                f"{statistics.mean(m.words_per_sentence for m in found):.1f} | "
                f"{max(m.longest_sentence for m in found)} | "
                + (f"{statistics.mean(eases):.0f} | {min(eases):.0f} |" if eases else "— | — |")
            )
    return "\n".join(rows)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        for name in sys.argv[1:]:
            m = measure_file(Path(name))
            ease = f"{m.ease:.0f}" if m.ease is not None else "—"
            print(f"{name}: ease {ease}, {m.words_per_sentence:.1f} words/sentence, longest {m.longest_sentence}")
    else:
        print(table())
