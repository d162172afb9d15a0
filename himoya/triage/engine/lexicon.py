"""Curated phrase lexicons, matched with Aho-Corasick on folded text.

Phrases come from the TSV files in ``himoya/triage/data/lexicons/`` and from the caller
(``extra_phrases``: what a supervisor added in the admin). Both are folded with
:func:`~himoya.triage.engine.normalize.skeleton_phrase`, so one phrase matches its
spelling variants (see that module). Matching is done on two views of the text:

* the *spaced* view, where a phrase must start at a word start and, unless it ends in
  ``*``, end at a word end;
* the *compact* view (letters with every space removed), which catches phrases typed
  with spaces inside words (``s e n d  n u d e s``, ``kill my self``). To keep it from
  finding phrases across ordinary word boundaries by accident, a compact hit must
  start at a word start, end at a word end (or be a stem), cover at least two words of
  the text, and the phrase must be at least :data:`MIN_COMPACT_LEN` letters long.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

from .normalize import Skeleton, skeleton, skeleton_phrase
from .taxonomy import HARM_CODES

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicons"
MIN_COMPACT_LEN = 7


@dataclass(frozen=True, slots=True)
class Phrase:
    """One lexicon entry. ``weight`` in (0, 1]; ``tag`` may be empty."""

    phrase: str
    harm: str
    weight: float
    tag: str = ""
    language: str = ""
    source: str = "extra"

    def __post_init__(self) -> None:
        if self.harm not in HARM_CODES:
            raise ValueError(f"unknown harm code {self.harm!r} for phrase {self.phrase!r}")
        if not 0.0 < float(self.weight) <= 1.0:
            raise ValueError(f"weight must be in (0, 1], got {self.weight!r} for {self.phrase!r}")


@dataclass(frozen=True, slots=True)
class LexiconHit:
    """A phrase found in a text. ``phrase`` is the lexicon's wording, never the text's."""

    phrase: Phrase
    view: str  # "spaced" or "compact"


@dataclass(slots=True)
class _Entry:
    key: str
    stem: bool
    phrases: list[Phrase] = field(default_factory=list)


def read_tsv(text: str, *, language: str = "", source: str = "") -> list[Phrase]:
    """Parse a lexicon file's content. Raises ``ValueError`` naming the bad line."""
    phrases: list[Phrase] = []
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#")]
    header_seen = False
    for n, line in lines:
        row = next(csv.reader(io.StringIO(line), delimiter="\t", quoting=csv.QUOTE_NONE))
        if not header_seen:
            header_seen = True
            if [c.strip() for c in row[:4]] == ["harm", "tag", "weight", "phrase"]:
                continue
        if len(row) < 4:
            raise ValueError(f"{source or 'lexicon'} line {n}: expected 4 tab-separated columns")
        harm, tag, weight, phrase = (c.strip() for c in row[:4])
        try:
            phrases.append(
                Phrase(
                    phrase=phrase,
                    harm=harm,
                    weight=float(weight),
                    tag="" if tag in ("", "-") else tag,
                    language=language,
                    source=source,
                )
            )
        except ValueError as exc:
            raise ValueError(f"{source or 'lexicon'} line {n}: {exc}") from None
    return phrases


def load_default_phrases(directory: Path = DATA_DIR) -> list[Phrase]:
    """Every phrase of every ``*.tsv`` file in ``directory`` (language = file stem)."""
    phrases: list[Phrase] = []
    for path in sorted(directory.glob("*.tsv")):
        phrases.extend(read_tsv(path.read_text(encoding="utf-8"), language=path.stem, source=path.name))
    return phrases


def coerce_phrase(item: Phrase | Mapping[str, object]) -> Phrase:
    """Accept a :class:`Phrase` or a mapping with the same keys (from the admin)."""
    if isinstance(item, Phrase):
        return item
    return Phrase(
        phrase=str(item["phrase"]),
        harm=str(item["harm"]),
        weight=float(item.get("weight", 0.6)),  # type: ignore[arg-type]
        tag=str(item.get("tag") or ""),
        language=str(item.get("language") or ""),
        source=str(item.get("source") or "extra"),
    )


class Lexicon:
    """An immutable set of phrases compiled into two Aho-Corasick automata.

    Building is O(total phrase length); matching is O(text length + hits). Safe to
    share between threads (pyahocorasick automata are read-only after ``make_automaton``).
    """

    def __init__(self, phrases: Iterable[Phrase | Mapping[str, object]]) -> None:
        entries: dict[tuple[str, bool], _Entry] = {}
        for item in phrases:
            phrase = coerce_phrase(item)
            raw = phrase.phrase.strip()
            stem = raw.endswith("*")
            key = skeleton_phrase(raw.rstrip("*"))
            if not key:
                continue  # a phrase of only punctuation/emoji can never match
            entry = entries.setdefault((key, stem), _Entry(key, stem))
            if phrase not in entry.phrases:
                entry.phrases.append(phrase)
        self._entries = list(entries.values())
        self.size = sum(len(e.phrases) for e in self._entries)

        self._spaced = ahocorasick.Automaton()
        self._compact = ahocorasick.Automaton()
        for idx, entry in enumerate(self._entries):
            spaced_key = " " + entry.key + ("" if entry.stem else " ")
            self._add(self._spaced, spaced_key, idx)
            compact_key = entry.key.replace(" ", "")
            if len(compact_key) >= MIN_COMPACT_LEN:
                self._add(self._compact, compact_key, idx)
        for automaton in (self._spaced, self._compact):
            if len(automaton):
                automaton.make_automaton()

    @staticmethod
    def _add(automaton: ahocorasick.Automaton, key: str, idx: int) -> None:
        existing = automaton.get(key, None)
        automaton.add_word(key, (existing or ()) + (idx,))

    def match(self, text: str | Skeleton) -> list[LexiconHit]:
        """Every phrase found in ``text``, each phrase once, in first-seen order."""
        skel = text if isinstance(text, Skeleton) else skeleton(text)
        found: dict[int, str] = {}
        if len(self._spaced) and self._spaced.kind == ahocorasick.AHOCORASICK:
            for _end, ids in self._spaced.iter(skel.spaced):
                for idx in ids:
                    found.setdefault(idx, "spaced")
        if len(self._compact) and self._compact.kind == ahocorasick.AHOCORASICK and skel.compact:
            for end, ids in self._compact.iter(skel.compact):
                for idx in ids:
                    if idx in found:
                        continue
                    entry = self._entries[idx]
                    length = len(entry.key.replace(" ", ""))
                    start = end - length + 1
                    if start not in skel.starts:
                        continue
                    if not entry.stem and (end + 1) not in skel.ends:
                        continue
                    # Must cross a word boundary, else the spaced view owns it.
                    if not any(start < s <= end for s in skel.starts):
                        continue
                    found[idx] = "compact"
        hits: list[LexiconHit] = []
        for idx, view in found.items():
            # The same wording may sit in two language files; report it once per
            # (harm, tag), with its highest weight.
            best: dict[tuple[str, str], Phrase] = {}
            for phrase in self._entries[idx].phrases:
                key = (phrase.harm, phrase.tag)
                if key not in best or phrase.weight > best[key].weight:
                    best[key] = phrase
            hits.extend(LexiconHit(phrase, view) for phrase in best.values())
        return hits
