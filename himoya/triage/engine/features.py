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
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

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
# The runs _ZWSP_RE.sub(" ", ...) actually changes (see normalize._SPACES_TO_FOLD_RE).
_SPACES_TO_FOLD_RE = re.compile(r"\s{2,}|[^\S ]")

# Turkic letters folded to their ASCII base after case folding. Turkish and Azerbaijani
# chat is often typed without them ("calisin" for "çalışın"), and casefold() leaves a
# combining dot on "İ" ("i̇") and keeps dotless "ı" apart from "i": folding makes both
# spellings the same n-grams, so what the Turkish model learns also reaches
# Azerbaijani written either way (measured: same or slightly better OffensEval CV).
_TURKIC_FOLD = str.maketrans(
    {"ı": "i", "\u0307": None, "ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u", "ə": "e", "â": "a", "î": "i", "û": "u"}
)

# The same as (letter, replacement) pairs: no replacement contains a folded letter, so
# replacing them one after the other is the same as translating.
_TURKIC_FOLD_PAIRS = tuple((chr(k), v or "") for k, v in _TURKIC_FOLD.items())


def model_text(text: str, *, cleaned: bool = False) -> str:
    """Normalise one text for the classifiers (also used by training).

    ``cleaned=True`` says ``text`` is already the output of :func:`.normalize.clean`
    (as the engine's texts are), so the second clean-up can be skipped where it could
    not change anything: no HTML entity to unescape and nothing cut off.
    """
    head = text[: MAX_MODEL_CHARS * 2]
    if not (cleaned and len(head) == len(text) and "&" not in text):
        head = clean(html.unescape(head))
    text = head[:MAX_MODEL_CHARS]
    text = text.casefold()
    if not text.isascii():  # the folded letters are all non-ASCII
        for letter, folded in _TURKIC_FOLD_PAIRS:  # str.translate with a dict is slower
            text = text.replace(letter, folded)
    # Each pattern runs only where it can match (the text is case-folded already).
    if "://" in text or "www." in text:
        text = _URL_RE.sub(" url ", text)
    if "@" in text:
        text = _EMAIL_RE.sub(" email ", text)
        text = _HANDLE_RE.sub(" @user ", text)
    text = _RT_RE.sub("", text)
    text = _DIGITS_RE.sub("0", text)
    text = _STRETCH_RE.sub(r"\1\1", text)
    return _SPACES_TO_FOLD_RE.sub(" ", text).strip()


# The feature function is defined by these two scikit-learn vectorizers (and the
# models were trained on their output); :func:`raw_counts` computes exactly the same
# matrix faster (see there), and the tests hold it to these.
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


def raw_counts(texts: Sequence[str], *, normalised: bool = False, cleaned: bool = False) -> sp.csr_matrix:
    """Log-scaled hashed counts, (len(texts), N_FEATURES) float32 CSR, not weighted.

    A pure function of the texts; pass ``normalised=True`` if they already went
    through :func:`model_text`, ``cleaned=True`` if through :func:`.normalize.clean`
    (see :func:`model_text`).

    The result is exactly ``hstack([_char_vectorizer.transform(t), _word_vectorizer.transform(t)])``
    with ``log1p`` applied (sorted indices, duplicates summed), computed for the whole
    batch at once: the n-grams are byte ranges of two strings (the batch's distinct
    words, each padded with spaces as ``char_wb`` does; its word tokens joined by
    spaces) and :func:`_murmur3` hashes them all in a few numpy operations, where
    scikit-learn builds and hashes one Python string per n-gram - which was a third of
    the engine's time per text.
    """
    prepared = list(texts) if normalised else [model_text(t, cleaned=cleaned) for t in texts]
    n_rows = len(prepared)
    vocabulary: dict[str, int] = {}
    word_ids: list[int] = []
    words_per_row: list[int] = []
    tokens: list[str] = []
    tokens_per_row: list[int] = []
    for text in prepared:
        words = text.split()
        word_ids.extend([vocabulary.setdefault(w, len(vocabulary)) for w in words])
        words_per_row.append(len(words))
        row_tokens = _WORD_TOKEN_RE.findall(text)
        tokens.extend(row_tokens)
        tokens_per_row.append(len(row_tokens))
    rows_c, cols_c = _char_wb_columns(list(vocabulary), np.asarray(word_ids, np.int64), words_per_row)
    rows_w, cols_w = _word_columns(tokens, tokens_per_row)
    keys = np.concatenate([rows_c * N_FEATURES + cols_c, rows_w * N_FEATURES + (cols_w + CHAR_FEATURES)])
    keys, counts = np.unique(keys, return_counts=True)  # sorted: by row, then column
    rows = keys // N_FEATURES
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    index_dtype = np.int32 if len(keys) <= np.iinfo(np.int32).max else np.int64
    matrix = sp.csr_matrix(
        (
            np.log1p(counts.astype(np.float32)),
            (keys - rows * N_FEATURES).astype(index_dtype),
            indptr.astype(index_dtype),
        ),
        shape=(n_rows, N_FEATURES),
        dtype=np.float32,
    )
    matrix.has_sorted_indices = True
    return matrix


_WORD_TOKEN_RE = re.compile(r"(?u)\b\w+\b")
_MAX_CHAR_N = 5  # _char_vectorizer.ngram_range
_MAX_WORD_N = 3  # _word_vectorizer.ngram_range


def _utf8_offsets(text: str) -> np.ndarray:
    """Byte offset in ``text.encode()`` of every character, and the length at the end."""
    if text.isascii():
        return np.arange(len(text) + 1, dtype=np.int64)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    sizes = 1 + (cps >= 0x80).astype(np.int64) + (cps >= 0x800) + (cps >= 0x10000)
    offsets = np.zeros(len(cps) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each c in ``counts``, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _buckets(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """scikit-learn's bucket for a murmur hash (``abs`` of the signed value, mod n)."""
    signed = hashes.view(np.int32).astype(np.int64)
    buckets = np.abs(signed) % n_features
    buckets[signed == -(2**31)] = (2**31 - 1 - (n_features - 1)) % n_features
    return buckets


def _char_wb_columns(
    vocabulary: list[str], word_ids: np.ndarray, words_per_row: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every ``char_wb`` n-gram of the batch, duplicates included.

    scikit-learn's ``_char_wb_ngrams`` pads each word as " word " (length L) and takes,
    for n = 1..5, the n-grams starting at 0..L-n (none when n > L).
    """
    rows_of_words = np.repeat(np.arange(len(words_per_row), dtype=np.int64), words_per_row)
    if not vocabulary:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    padded = " " + "  ".join(vocabulary) + " "
    offsets = _utf8_offsets(padded)
    buffer = np.frombuffer(padded.encode("utf-8") + b"\0\0\0\0", dtype=np.uint8)
    lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary)) + 2
    first = np.cumsum(lengths) - lengths  # first character of each padded word
    # Every n's n-grams, word after word: their byte ranges, hashed in one call.
    per_word = [np.maximum(lengths - n + 1, 0) for n in range(1, _MAX_CHAR_N + 1)]
    starts = [np.repeat(first, count) + _ramp(count) for count in per_word]
    byte_starts = np.concatenate([offsets[s] for s in starts])
    byte_ends = np.concatenate([offsets[s + n] for n, s in enumerate(starts, start=1)])
    hashed = _buckets(_murmur3(buffer, byte_starts, byte_ends - byte_starts), CHAR_FEATURES)
    rows, cols = [], []
    for count, columns in zip(per_word, np.split(hashed, np.cumsum([len(s) for s in starts])[:-1]), strict=True):
        # Every occurrence of a word takes its word's run of them.
        run = count[word_ids]
        where = np.repeat(np.cumsum(count)[word_ids] - run, run) + _ramp(run)
        cols.append(columns[where])
        rows.append(np.repeat(rows_of_words, run))
    return np.concatenate(rows), np.concatenate(cols)


def _word_columns(tokens: list[str], tokens_per_row: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(row, column - CHAR_FEATURES) of every word 1- to 3-gram of the batch.

    With every token of the batch joined by single spaces, the n-gram "t_i ... t_i+n-1"
    (scikit-learn joins tokens with a space) is the span from token i's start to token
    i+n-1's end, as long as both are in the same row.
    """
    if not tokens:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    joined = " ".join(tokens)
    offsets = _utf8_offsets(joined)
    buffer = np.frombuffer(joined.encode("utf-8") + b"\0\0\0\0", dtype=np.uint8)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    first = np.cumsum(lengths + 1) - (lengths + 1)
    last = first + lengths
    per_row = np.asarray(tokens_per_row, dtype=np.int64)
    row_of = np.repeat(np.arange(len(per_row), dtype=np.int64), per_row)
    left_in_row = np.repeat(per_row, per_row) - _ramp(per_row)  # tokens from here to the row's end
    kept = [np.nonzero(left_in_row >= n)[0] for n in range(1, _MAX_WORD_N + 1)]
    every_start = np.concatenate(kept)  # each n-gram's first token, n after n
    byte_starts = offsets[first[every_start]]
    byte_ends = np.concatenate([offsets[last[ok + n - 1]] for n, ok in enumerate(kept, start=1)])
    columns = _buckets(_murmur3(buffer, byte_starts, byte_ends - byte_starts), WORD_FEATURES)
    return row_of[every_start], columns


_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _murmur3(buffer: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """MurmurHash3_x86_32, seed 0 (what scikit-learn's hashing uses), of
    ``buffer[start:start + length]`` for every pair, as uint32. ``buffer`` (uint8)
    must have 3 bytes of padding after the last range."""
    h = np.zeros(len(start), dtype=np.uint32)
    blocks = length >> 2
    for j in range(int(blocks.max()) if len(start) else 0):
        sel = np.nonzero(blocks > j)[0]
        p = start[sel] + 4 * j
        k = (
            buffer[p].astype(np.uint32)
            | (buffer[p + 1].astype(np.uint32) << np.uint32(8))
            | (buffer[p + 2].astype(np.uint32) << np.uint32(16))
            | (buffer[p + 3].astype(np.uint32) << np.uint32(24))
        )
        k *= _C1
        k = _rotl(k, 15)
        k *= _C2
        mixed = _rotl(h[sel] ^ k, 13)
        h[sel] = mixed * np.uint32(5) + np.uint32(0xE6546B64)
    tail = length & 3
    sel = np.nonzero(tail)[0]
    if len(sel):
        t = tail[sel]
        p = start[sel] + 4 * blocks[sel]
        k = buffer[p].astype(np.uint32)
        k |= np.where(t >= 2, buffer[p + 1], 0).astype(np.uint32) << np.uint32(8)
        k |= np.where(t >= 3, buffer[p + 2], 0).astype(np.uint32) << np.uint32(16)
        k *= _C1
        k = _rotl(k, 15)
        k *= _C2
        h[sel] ^= k
    h ^= length.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


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
    # What sklearn.preprocessing.normalize does, less its argument checks (a third of the
    # time of weighing one text).
    inplace_csr_row_normalize_l2(weighted)
    return weighted
