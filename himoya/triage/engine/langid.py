"""Language identification for short chat lines.

Built on py3langid's bundled naive-Bayes model (142 languages, Uzbek in Latin and
Cyrillic script, Azerbaijani, Turkish), with two things added for this deployment:

* a **prior**: a Safe Internet Center in Azerbaijan/Uzbekistan receives text in the
  five supported languages far more often than in any of the other 137. The model's
  posterior is multiplied by a prior that puts ``target_mass`` (default 0.9) of the
  probability on the supported languages, spread evenly, and the rest evenly on the
  others. On a three-word line this stops look-alike neighbours (Tajik for Uzbek
  Cyrillic, Bulgarian/Ukrainian for Russian, Nigerian Pidgin for English) from winning
  on a handful of n-grams; on long text the evidence outweighs the prior.
* **text preparation**: URLs, e-mail addresses, @handles, hashtags' ``#``, digits and
  emoji carry no language; they are removed before scoring, and a text with no letter
  left is ``und`` with confidence 0.

The model is loaded once per process (about 0.5 s) and shared.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .normalize import clean
from .taxonomy import LANGUAGES, UNDETERMINED

_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+|@\w+")
# The same without the alternatives that need an "@" (trying them at every word is
# most of the cost): what _URL_RE finds in a text with no "@".
_WEB_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_NON_LETTER_RE = re.compile(r"[^\w\s'’ʻʼ‘`-]|[\d_]+", re.UNICODE)

# Only the first part of a very long text is scored: language does not change every
# page, and scoring is linear in length.
MAX_CHARS = 2000


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """``language`` is an ISO 639-1 code or ``und``; ``script`` an ISO 15924 code
    (``Latn``, ``Cyrl``, ``Arab``...) or ``None`` when there is no letter."""

    language: str
    confidence: float
    script: str | None


# The scripts that matter here, by code point range; other letters are looked up by
# name (slow, but rare in this deployment).
_SCRIPT_RES = (
    ("Latn", re.compile(r"[A-Za-z\u00c0-\u024f\u0259\u1e00-\u1eff]")),
    ("Cyrl", re.compile(r"[\u0400-\u052f]")),
    ("Arab", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
)
_SCRIPT_PREFIXES = (
    ("GREEK", "Grek"),
    ("ARMENIAN", "Armn"),
    ("GEORGIAN", "Geor"),
    ("HEBREW", "Hebr"),
    ("DEVANAGARI", "Deva"),
    ("HANGUL", "Hang"),
    ("HIRAGANA", "Jpan"),
    ("KATAKANA", "Jpan"),
    ("CJK", "Hani"),
    ("THAI", "Thai"),
)


def dominant_script(text: str) -> str | None:
    """The ISO 15924 code of the script most letters of ``text`` are written in."""
    if text.isascii():  # the common case: only A-Z can be letters
        return "Latn" if _SCRIPT_RES[0][1].search(text) else None
    counts: dict[str, int] = {}
    known = 0
    for code, pattern in _SCRIPT_RES:
        n = len(pattern.findall(text))
        if n:
            counts[code] = n
            known += n
    letters = sum(map(str.isalpha, text))
    if letters > known:
        for ch in text:
            if ch.isalpha() and not any(p.match(ch) for _, p in _SCRIPT_RES):
                name = unicodedata.name(ch, "")
                code = next((c for prefix, c in _SCRIPT_PREFIXES if name.startswith(prefix)), "Zyyy")
                counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: kv[1])[0]


def prepare(text: str) -> str:
    """Remove what carries no language (links, handles, digits, emoji, symbols)."""
    text = text[: MAX_CHARS * 2]
    text = (_URL_RE if "@" in text else _WEB_RE).sub(" ", text)
    text = _NON_LETTER_RE.sub(" ", text)
    return " ".join(text.split())[:MAX_CHARS]


class LanguageIdentifier:
    """Thread-safe wrapper; create one per process (see :func:`get_identifier`)."""

    def __init__(self, targets: tuple[str, ...] = LANGUAGES, target_mass: float = 0.9) -> None:
        from py3langid.langid import MODEL_FILE
        from py3langid.langid import LanguageIdentifier as _Model

        self._model = _Model.from_model_file(MODEL_FILE, norm_probs=True)
        classes = list(self._model.nb_classes)
        self._classes = classes
        n_target = sum(1 for c in set(classes) if c in targets)
        n_other = len(set(classes)) - n_target
        prior = np.array(
            [target_mass / n_target if c in targets else (1 - target_mass) / max(n_other, 1) for c in classes],
            dtype=np.float64,
        )
        self._prior = prior / prior.sum()
        first: dict[str, int] = {}
        self._duplicates: list[tuple[int, int]] = []  # (first column of a label, a later one)
        for i, c in enumerate(classes):
            if first.setdefault(c, i) != i:
                self._duplicates.append((first[c], i))

    def identify(self, text: str) -> LanguageGuess:
        """Guess the language of ``text``; never raises."""
        return self.identify_cleaned(clean(text))

    def identify_cleaned(self, text: str) -> LanguageGuess:
        """:meth:`identify` for a text that is already the output of :func:`.normalize.clean`."""
        return self.identify_many_cleaned([text])[0]

    def identify_many_cleaned(self, texts: Sequence[str]) -> list[LanguageGuess]:
        """:meth:`identify_cleaned` for a batch: the texts are scored in one sparse product.

        The same naive-Bayes scores as py3langid's own ``_decide`` (log1p of each n-gram's
        count times the per-language table, plus the prior, tempered by the square root of
        the length in bytes, softmax, aliased labels folded), computed for every text at once.
        """
        guesses: list[LanguageGuess | None] = [None] * len(texts)
        rows: list[int] = []
        scripts: list[str | None] = []
        encoded: list[bytes] = []
        for i, text in enumerate(texts):
            prepared = prepare(text)
            script = dominant_script(prepared)
            # For ASCII, "a letter" is A-Z, which dominant_script has just looked for.
            if script is None if prepared.isascii() else not any(ch.isalpha() for ch in prepared):
                guesses[i] = LanguageGuess(UNDETERMINED, 0.0, None)
                continue
            rows.append(i)
            scripts.append(script)
            encoded.append(self._model._encode(prepared))
        if rows:
            for i, script, posterior in zip(rows, scripts, self._posteriors(encoded), strict=True):
                guesses[i] = self._guess(posterior, script)
        return guesses  # type: ignore[return-value]

    def _posteriors(self, encoded: list[bytes]) -> np.ndarray:
        """Rows of per-label posteriors (model probabilities times the deployment prior)."""
        model = self._model
        nextmove, rowbase, output = model.tk_nextmove, model._rowbase, model.tk_output
        features: list[int] = []
        indptr = [0]
        for data in encoded:
            state = 0
            for byte in data:  # py3langid's DFA walk over the bytes, as in its visit_counts
                state = nextmove[rowbase[state] + byte]
                feature = output[state]
                if feature >= 0:
                    features.append(feature)
            indptr.append(len(features))
        n_classes = len(self._classes)
        scores = np.zeros((len(encoded), n_classes), dtype=np.float32)
        if features:
            # Only the table rows this batch uses, so the product stays small.
            used, columns = np.unique(np.asarray(features, dtype=np.intp), return_inverse=True)
            counts = sp.csr_matrix(
                (np.ones(len(features), dtype=np.float32), columns.ravel(), np.asarray(indptr)),
                shape=(len(encoded), len(used)),
            )
            counts.sum_duplicates()
            np.log1p(counts.data, out=counts.data)
            scores = np.asarray(counts @ model.nb_ptc[used].astype(np.float32), dtype=np.float32)
            scores += model.nb_pc
        # A text with no n-gram of the model's scores zero everywhere (uniform), as in py3langid.
        lengths = np.diff(np.asarray(indptr))
        scores[lengths == 0] = 0.0
        scores *= (1.0 / np.sqrt(np.maximum([len(data) for data in encoded], 1))).astype(np.float32)[:, None]
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        for first, dupe in model._alias_pairs:
            scores[:, first] += scores[:, dupe]
            scores[:, dupe] = 0.0
        posterior = scores.astype(np.float64) * self._prior
        # Duplicate labels (uz appears twice: Latin and Cyrillic models) are summed
        # into the first; the zero left behind changes neither the total nor the best.
        for first, dupe in self._duplicates:
            posterior[:, first] += posterior[:, dupe]
            posterior[:, dupe] = 0.0
        return posterior

    def _guess(self, posterior: np.ndarray, script: str | None) -> LanguageGuess:
        total = float(posterior.sum()) or 1.0
        best = int(posterior.argmax())
        lang = self._classes[best]
        if lang == "uzs":  # Southern Uzbek (Arabic script) is still Uzbek to an operator.
            lang = "uz"
        return LanguageGuess(lang, round(float(posterior[best]) / total, 4), script)


_shared: LanguageIdentifier | None = None
_shared_lock = threading.Lock()


def get_identifier() -> LanguageIdentifier:
    """The process-wide identifier, loaded on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LanguageIdentifier()
        return _shared
