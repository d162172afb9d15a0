"""Text -> sparse feature vectors for the harm classifiers.

Stateless by design (hashing, no fitted vocabulary): the same function serves training
and inference, the model files hold only weights, and a text in a language or script
never seen in training still gets features.

Features: character n-grams (1-5, within word boundaries) of a normalised text, plus
word unigrams to trigrams, each hashed into its own space; log-scaled counts weighted by
an inverse document frequency learnt at training time (the one fitted object, stored
with the models), rows L2-normalised. Character n-grams carry across sources and languages: they see stems
under Turkic and Russian suffixes, leetspeak, misspellings and transliteration. The
normalisation removes what is specific to a source rather than to a harm (user
handles, URLs, retweet markers, HTML entities, digits, letter stretching) and folds
Turkic letters to ASCII (typed either way in chat).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from .normalize import clean

# Bump when the feature function changes: model files record the version they were
# trained with, and the engine refuses a mismatch rather than scoring garbage.
FEATURES_VERSION = 2

# 2**20 + 2**19 rather than half that: the six sets fill 640,000 of 786,432 buckets at
# the smaller size, and the collisions cost Turkish about half a macro-F1 point. The
# shipped weights are pruned, so only the IDF vector grows (1.5 MB of uint8).
CHAR_FEATURES = 2**20
WORD_FEATURES = 2**19
N_FEATURES = CHAR_FEATURES + WORD_FEATURES

# Longest text the models look at. Harm signals in a report sit in its first pages;
# hashing a megabyte would cost a second for no gain.
MAX_MODEL_CHARS = 5000

_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_HANDLE_RE = re.compile(r"@\w+")
_RT_RE = re.compile(r"(?i)^\s*rt\b[\s:]*")
_DIGITS_RE = re.compile(r"\d")
_STRETCH_RE = re.compile(r"(\w)\1{2,}")
_ZWSP_RE = re.compile(r"\s+")

# Turkic letters folded to their ASCII base after case folding. Turkish and Azerbaijani
# chat is often typed without them ("calisin" for "çalışın"), and casefold() leaves a
# combining dot on "İ" ("i̇") and keeps dotless "ı" apart from "i": folding makes both
# spellings the same n-grams, so what the Turkish model learns also reaches
# Azerbaijani written either way (measured: same or slightly better OffensEval CV).
_TURKIC_FOLD = str.maketrans(
    {"ı": "i", "\u0307": None, "ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u", "ə": "e", "â": "a", "î": "i", "û": "u"}
)


def model_text(text: str) -> str:
    """Normalise one text for the classifiers (also used by training)."""
    text = clean(html.unescape(text[: MAX_MODEL_CHARS * 2]))[:MAX_MODEL_CHARS]
    text = text.casefold().translate(_TURKIC_FOLD)
    text = _URL_RE.sub(" url ", text)
    text = _EMAIL_RE.sub(" email ", text)
    text = _HANDLE_RE.sub(" @user ", text)
    text = _RT_RE.sub("", text)
    text = _DIGITS_RE.sub("0", text)
    text = _STRETCH_RE.sub(r"\1\1", text)
    return _ZWSP_RE.sub(" ", text).strip()


_char_vectorizer = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(1, 5),
    n_features=CHAR_FEATURES,
    alternate_sign=False,
    norm=None,
    lowercase=False,
    dtype=np.float32,
)
_word_vectorizer = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 3),
    token_pattern=r"(?u)\b\w+\b",
    n_features=WORD_FEATURES,
    alternate_sign=False,
    norm=None,
    lowercase=False,
    dtype=np.float32,
)


def raw_counts(texts: Sequence[str], *, normalised: bool = False) -> sp.csr_matrix:
    """Log-scaled hashed counts, (len(texts), N_FEATURES) float32 CSR, not weighted.

    A pure function of the texts; pass ``normalised=True`` if they already went
    through :func:`model_text`.
    """
    prepared = list(texts) if normalised else [model_text(t) for t in texts]
    chars = _char_vectorizer.transform(prepared)
    words = _word_vectorizer.transform(prepared)
    matrix = sp.hstack([chars, words], format="csr", dtype=np.float32)
    np.log1p(matrix.data, out=matrix.data)
    return matrix


def document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    """How many rows of ``counts`` have each feature (int64, length N_FEATURES)."""
    return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.int64)


def idf_from_df(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's ``TfidfTransformer``."""
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


IDF_STEP = 0.05


def quantize_idf(idf: np.ndarray) -> np.ndarray:
    """uint8 codes (0.05 steps) - a quarter of the size, and it compresses well."""
    return np.clip(np.rint((idf - 1.0) / IDF_STEP), 0, 255).astype(np.uint8)


def dequantize_idf(codes: np.ndarray) -> np.ndarray:
    return (1.0 + codes.astype(np.float32) * IDF_STEP).astype(np.float32)


def weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Apply ``idf`` and L2-normalise rows (returns a new matrix)."""
    weighted = counts.copy()
    weighted.data *= idf[weighted.indices]
    return l2_normalize(weighted, norm="l2", copy=False)
