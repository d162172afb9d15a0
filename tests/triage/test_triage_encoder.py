"""The English sentence encoder (numpy MiniLM) and the heads that re-read borderline texts."""

from __future__ import annotations

import numpy as np
import pytest

from himoya.triage.engine import TriageEngine, TriageInput
from himoya.triage.engine.encoder import MAX_TOKENS, SentenceEncoder, encoder_text, load_encoder, model_dir
from himoya.triage.engine.models import EncoderHead

needs_encoder = pytest.mark.skipif(model_dir() is None, reason="requirements-encoder.txt is not installed")


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    loaded = load_encoder()
    assert loaded is not None
    return loaded


# Token ids from Hugging Face's own tokenizer (tokenizers, the package's tokenizer.json).
@needs_encoder
@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("Hello, World! naïve café", [101, 7592, 1010, 2088, 999, 15743, 7668, 102]),
        (
            "you're a b!tch lmaooo #smh",
            [101, 2017, 1005, 2128, 1037, 1038, 999, 22975, 2232, 1048, 2863, 9541, 2080, 1001, 15488, 2232, 102],
        ),
        ("日本語 and Ünïcödé", [101, 1864, 1876, 1950, 1998, 27260, 102]),
        ("unbelievablyfrustratingly", [101, 4895, 8671, 2666, 3567, 6321, 19699, 19966, 15172, 2135, 102]),
    ],
)
def test_word_pieces_are_berts(encoder, text, ids):
    assert encoder.tokenizer.encode(text) == ids


@needs_encoder
def test_long_texts_are_cut_to_the_models_length(encoder):
    ids = encoder.tokenizer.encode("word " * 1000)
    assert len(ids) == MAX_TOKENS and ids[0] == encoder.tokenizer.cls and ids[-1] == encoder.tokenizer.sep


def test_the_encoder_reads_no_handles_links_or_retweet_markers():
    assert encoder_text("RT @someone: look &amp; see https://t.co/x") == "@user: look & see"
    assert len(encoder_text("word " * 200_000)) < 2001  # a megabyte is not walked through


@needs_encoder
def test_sentences_with_the_same_meaning_are_closer(encoder):
    a, b, c = encoder.encode(["I love you so much", "I adore you", "the stock market fell today"])
    assert np.allclose(np.linalg.norm([a, b, c], axis=1), 1.0, atol=1e-5)
    assert a @ b > 0.5 > a @ c


@needs_encoder
def test_a_batch_encodes_each_text_as_alone(encoder):
    texts = ["short", "a somewhat longer sentence about a bully at school", "", "🙂🙂", "x" * 5000]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.abs(together - alone).max() < 1e-4
    assert np.isfinite(together).all()


def head(weight: float, band: float = 0.5) -> EncoderHead:
    coef = np.asarray([[4.0, 0.0], [0.0, 4.0], [-4.0, -4.0]])  # class 0 along axis 0, class 1 along axis 1
    return EncoderHead("m", coef, np.zeros(3), weight, band, np.zeros(3), np.zeros(3))


def test_a_heads_blend_moves_the_models_probabilities_towards_the_encoders():
    proba = np.asarray([[0.45, 0.45, 0.10]])
    towards_first = np.asarray([[1.0, 0.0]])
    assert np.allclose(head(0.0).blend(proba, towards_first), proba)
    blended = head(0.3).blend(proba, towards_first)
    assert blended.sum() == pytest.approx(1.0) and blended[0, 0] > 0.6 > blended[0, 1]


def test_only_texts_near_the_harmful_class_are_borderline():
    proba = np.asarray([[0.45, 0.44, 0.11], [0.44, 0.45, 0.11], [0.9, 0.05, 0.05], [0.3, 0.3, 0.4], [0.02, 0.49, 0.49]])
    assert head(0.3, band=0.1).borderline(proba).tolist() == [True, True, False, False, False]


class CountingEncoder:
    """The real encoder, counting the texts it is asked about."""

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner = inner
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        return self.inner.encode(texts)


@needs_encoder
def test_the_engine_rereads_borderline_english_and_nothing_else(engine, encoder):
    if not engine.bundle.encoder_heads:
        pytest.skip("the committed models have no encoder head")
    spy = CountingEncoder(encoder)
    ours = TriageEngine(
        lexicon=engine.lexicon, rules=engine.rules, bundle=engine.bundle, identifier=engine.identifier, encoder=spy
    )
    texts = [
        "this bitch is a hoe lol",
        "those people are trash and should go back where they came from",
        "we had a lovely picnic in the park today",
        "Sen bir salaksın, seni herkese rezil edeceğim",
        "Ты тупой урод, все над тобой смеются",
    ]
    results = ours.triage_many([TriageInput(text=t) for t in texts])
    plain = engine.bundle.predict(texts)
    head = engine.bundle.encoder_heads["en_hate"]
    classes = engine.bundle.classes["en_hate"]
    expected = [
        t
        for t, r, p in zip(texts, results, plain, strict=True)
        if r.language == "en" and head.borderline(np.asarray([[p["en_hate"][c] for c in classes]]))[0]
    ]
    assert spy.seen == expected
    for text, result in zip(texts, results, strict=True):
        noted = any("sentence encoder" in r.detail for r in result.reasons)
        assert not noted or text in expected
    # Without the encoder the same engine answers from the n-gram models alone.
    alone = TriageEngine(lexicon=engine.lexicon, rules=engine.rules, bundle=engine.bundle, identifier=engine.identifier)
    assert alone.encoder is None
    assert [r.language for r in alone.triage_many(texts)] == [r.language for r in results]


@needs_encoder
def test_a_borderline_english_text_says_it_was_read_again(engine):
    if not engine.bundle.encoder_heads:
        pytest.skip("the committed models have no encoder head")
    head = engine.bundle.encoder_heads["en_hate"]
    classes = engine.bundle.classes["en_hate"]
    candidates = [
        "these hoes aint loyal",
        "he called them all faggots",
        "you are such a retard",
        "white trash everywhere in this town",
        "that nigga crazy",
        "i hate those people",
    ]
    plain = engine.bundle.predict(candidates)
    borderline = [
        t
        for t, p in zip(candidates, plain, strict=True)
        if head.borderline(np.asarray([[p["en_hate"][c] for c in classes]]))[0]
    ]
    assert borderline, "none of the candidate lines is borderline for the committed model"
    result = engine.triage(borderline[0])
    assert result.language == "en"
    assert any("read again by the sentence encoder" in r.detail for r in result.reasons if r.signal == "model")
