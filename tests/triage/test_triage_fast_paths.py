"""The engine's fast paths give exactly what the plain definitions give."""

import numpy as np
import pytest
import scipy.sparse as sp

from himoya.triage.engine import features, normalize, pii
from himoya.triage.engine.langid import get_identifier

TEXTS = [
    "",
    " ",
    "a",
    "ok",
    "RT @user: you are sooooo stupid http://t.co/x #fail",
    "Mən səni görürəm, ÇALIŞIN İyi Günler",
    "Ты что, совсем тупой?? 😡😡 пиши мне на почту ivan.petrov@mail.ru",
    "Siz qayerdasiz? Ўзбекистон, Тошкент шаҳри",
    "snake_case_words and under_scores _ __",
    "s e n d  n u d e s",
    "emoji only 🙂🙃 and 𝐛𝐨𝐥𝐝 letters, Ωmega, 中文字符, עברית",
    "&amp; &#128514;&#128514; &lt;b&gt;",
    "word " * 40 + "x" * 300,
    "a b c d e f g",
    "don't tell your parents, let's meet",
]


def _sklearn_counts(texts):
    prepared = [features.model_text(t) for t in texts]
    matrix = sp.hstack(
        [features._char_vectorizer.transform(prepared), features._word_vectorizer.transform(prepared)],
        format="csr",
        dtype=np.float32,
    )
    np.log1p(matrix.data, out=matrix.data)
    return matrix


def test_hashed_counts_are_exactly_the_scikit_learn_vectorizers():
    expected = _sklearn_counts(TEXTS)
    for got in (features.raw_counts(TEXTS), features.raw_counts([normalize.clean(t) for t in TEXTS], cleaned=True)):
        assert got.shape == expected.shape
        assert got.dtype == expected.dtype
        assert np.array_equal(got.indptr, expected.indptr)
        assert np.array_equal(got.indices, expected.indices)
        assert np.array_equal(got.data, expected.data)


@pytest.mark.parametrize("text", TEXTS)
def test_hashed_counts_of_one_text_are_the_scikit_learn_vectorizers(text):
    got, expected = features.raw_counts([text]), _sklearn_counts([text])
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)


def test_weighing_is_scikit_learn_normalisation():
    from sklearn.preprocessing import normalize

    counts = features.raw_counts(TEXTS)
    idf = np.linspace(1.0, 9.0, features.N_FEATURES, dtype=np.float32)
    expected = counts.copy()
    expected.data *= idf[expected.indices]
    expected = normalize(expected, norm="l2")
    got = features.weigh(counts, idf)
    assert got.dtype == np.float32
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)
    assert got.data.any()  # the empty texts' rows stay empty, the others are not zeroed


def test_murmur_hash_matches_scikit_learn():
    from sklearn.utils import murmurhash3_32

    keys = ["", "a", "ab", "abc", "abcd", "abcde", " ж ", "şəhər", "😀x", "a longer key of many blocks"]
    encoded = [k.encode() for k in keys]
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    buffer = np.frombuffer(b"".join(encoded) + b"\0\0\0\0", dtype=np.uint8)
    got = features._murmur3(buffer, starts, lengths)
    assert got.tolist() == [murmurhash3_32(k, seed=0, positive=True) for k in keys]


@pytest.mark.parametrize("text", TEXTS + ["a" * 12000 + " &amp; end", "x &amp;" + " y" * 6000])
def test_model_text_of_a_cleaned_text_skips_nothing_that_matters(text):
    cleaned = normalize.clean(text)
    assert features.model_text(cleaned, cleaned=True) == features.model_text(text)


@pytest.mark.parametrize("text", TEXTS)
def test_skeleton_of_a_cleaned_text_is_the_same(text):
    cleaned = normalize.clean(text)
    assert normalize.skeleton(cleaned, cleaned=True) == normalize.skeleton(text)


@pytest.mark.parametrize("text", TEXTS)
def test_language_of_a_cleaned_text_is_the_same(text):
    identifier = get_identifier()
    assert identifier.identify_cleaned(normalize.clean(text)) == identifier.identify(text)


def test_phone_prefilter_keeps_numbers_and_skips_entity_digits():
    assert [p.kind for p in pii.find_personal_data("call +994 50 123 45 67 now")] == ["phone"]
    assert [p.kind for p in pii.find_personal_data("звони 8 (912) 345-67-89")] == ["phone"]
    assert pii.find_personal_data("&#128514;&#128514;&#128514; lol 2024") == []
    assert [p.kind for p in pii.find_personal_data("ул. Ленина, д. 5")] == ["address"]


def test_whitespace_folding_patterns_change_what_the_plain_ones_change():
    import random

    rng = random.Random(3)
    alphabet = " \t\n\r\x0b\x0c\x1c\x85\u00a0\u2003\u2028\u2029\u3000ab"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert normalize._SPACES_TO_FOLD_RE.sub(" ", text) == normalize._SPACES_RE.sub(" ", text)
        assert features._SPACES_TO_FOLD_RE.sub(" ", text) == features._ZWSP_RE.sub(" ", text)
