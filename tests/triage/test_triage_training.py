"""Training on small synthetic sets: deterministic files, corrections learnt, card written."""

import json
from pathlib import Path

import pytest

from himoya.triage.engine import TriageEngine
from himoya.triage.engine.training import train

HAM = [
    "see you at lunch",
    "ok thanks mum",
    "where are you now",
    "home in ten minutes",
    "can you call me later",
    "love you, sleep well",
]
SPAM = [
    "WIN a free prize now, text CLAIM to 80088",
    "URGENT! your account won cash, call 0906",
    "free entry to win 1000 cash, reply WIN",
]


def make_data(root: Path) -> Path:
    folder = root / "data" / "en-sms-spam"
    folder.mkdir(parents=True)
    rows = ["Label\tSMS"]
    for i in range(8):
        rows += [f"ham\t{t} {i}" for t in HAM] + [f"spam\t{t} {i}" for t in SPAM]
    (folder / "SMSSpamCollection").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root / "data"


def corrections_file(root: Path) -> Path:
    lines = [{"text": f"the purple fox game again {i}", "harm": "dangerous_challenge"} for i in range(8)]
    lines += [{"text": f"nice weather today {i}", "harm": "none"} for i in range(8)]
    path = root / "corrections.jsonl"
    path.write_text(
        "\n".join(json.dumps(x) for x in lines) + "\nnot json\n" + json.dumps({"text": "x", "harm": "bogus"}) + "\n"
    )
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, dict]:
    """Models trained once for this module: the small spam set plus corrections."""
    root = tmp_path_factory.mktemp("training")
    meta = train(make_data(root), root / "a", corrections=corrections_file(root), seed=1, log=None)
    return root, meta


def test_training_is_deterministic_and_writes_a_card(trained):
    root, meta = trained
    train(root / "data", root / "b", corrections=root / "corrections.jsonl", seed=1, log=None)
    assert (root / "a" / "harm_models.skops").read_bytes() == (root / "b" / "harm_models.skops").read_bytes()
    assert meta["missing_sets"] == ["en_hate", "en_cyberbullying", "en_suicide", "ru_toxic", "tr_offensive"]
    card = (root / "a" / "MODEL_CARD.md").read_text()
    assert "en_spam" in card and "seed 1" in card and "licence" in card


def test_trained_models_load_into_the_engine(trained):
    root, _ = trained
    engine = TriageEngine.load(model_dir=root / "a")
    assert engine.bundle is not None
    assert engine.bundle.model_names == ["en_spam", "corrections:dangerous_challenge"]
    assert "scam" in engine.triage("WIN a free prize now, text CLAIM to 80088").flagged


def test_operator_corrections_are_learnt(trained):
    root, meta = trained
    assert meta["corrections"]["lines"] == 16 and meta["corrections"]["models"] == ["dangerous_challenge"]
    engine = TriageEngine.load(model_dir=root / "a", default_lexicons=False)
    result = engine.triage("they play the purple fox game")
    assert "dangerous_challenge" in result.flagged
    assert any("corrections" in r.detail for r in result.reasons)


def test_nb_svm_weights_are_stored_as_the_logistic_rows_the_engine_scores():
    import numpy as np

    from himoya.triage.engine import features
    from himoya.triage.engine.training import calibrated_estimator, class_probabilities, fit_margins, fit_platt

    texts = [f"{t} {i}" for i in range(8) for t in HAM + SPAM]
    labels = ["ham" if t in HAM else "spam" for i in range(8) for t in HAM + SPAM]
    counts = features.raw_counts(texts)
    idf = features.idf_from_df(features.document_frequency(counts), len(texts))
    x = features.weigh(counts, idf)
    for classes, y in ((("spam", "ham"), labels), (("spam", "ham", "other"), labels[:-3] + ["other"] * 3)):
        margins = fit_margins(x, y, classes, 0.5, seed=1)
        platt = fit_platt(margins.decision(x), y, classes)
        proba = class_probabilities(calibrated_estimator(margins, platt, classes), x)
        sig = 1.0 / (1.0 + np.exp(-(np.asarray([a for a, _ in platt]) * margins.decision(x) + [b for _, b in platt])))
        expected = np.column_stack([sig[:, 0], 1 - sig[:, 0]]) if len(classes) == 2 else sig / sig.sum(1, keepdims=True)
        assert np.allclose(proba, expected, atol=1e-5)
        assert (proba.argmax(1) == [classes.index(label) for label in y]).mean() > 0.9


def test_turkic_letters_are_folded_so_both_spellings_share_features():
    from himoya.triage.engine.features import model_text

    assert model_text("ÇALIŞIN İyi Günler") == model_text("calisin iyi gunler") == "calisin iyi gunler"
    assert model_text("Mən səni görürəm") == "men seni gorurem"


def test_full_class_balance_is_sklearns_balanced_weighting_and_none_leaves_the_classes_as_they_come():
    import numpy as np
    from sklearn.svm import LinearSVC

    from himoya.triage.engine import features
    from himoya.triage.engine.training import _scale_columns, fit_margins, nb_ratio

    texts = [f"{t} {i}" for i in range(8) for t in HAM + SPAM] + [f"{t} extra" for t in HAM * 4]
    labels = ["ham" if t in HAM else "spam" for i in range(8) for t in HAM + SPAM] + ["ham"] * (4 * len(HAM))
    counts = features.raw_counts(texts)
    x = features.weigh(counts, features.idf_from_df(features.document_frequency(counts), len(texts)))
    positive = np.asarray(labels) == "spam"
    ratio = nb_ratio(x, positive)
    reference = LinearSVC(C=0.5, class_weight="balanced", max_iter=5000, random_state=1)
    reference.fit(_scale_columns(x, ratio.astype(np.float32)), positive.astype(np.int8))

    full = fit_margins(x, labels, ("spam", "ham"), 0.5, seed=1, balance=1.0)
    none = fit_margins(x, labels, ("spam", "ham"), 0.5, seed=1, balance=0.0)
    assert np.allclose(full.coef[0], reference.coef_.ravel() * ratio, atol=1e-6)
    assert not np.allclose(none.coef[0], full.coef[0], atol=1e-3)
    # Unbalanced, the rarer class (spam) is pushed further from being predicted.
    assert none.decision(x)[:, 0].mean() < full.decision(x)[:, 0].mean()


def test_an_encoder_head_is_kept_when_the_embeddings_know_what_the_words_do_not():
    import numpy as np

    from himoya.triage.engine import features
    from himoya.triage.engine.datasets import LabelledSet
    from himoya.triage.engine.training import fit_set

    rng = np.random.RandomState(3)
    classes = ("hate", "offensive", "neither")
    vocab = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    labels = [classes[i % 3] for i in range(300)]
    # Words: a weak hint for "neither" only. Embeddings: each class along its own axis.
    texts = [" ".join(rng.choice(vocab, 6)) + (" calm" if y == "neither" else "") for y in labels]
    encoded = np.zeros((300, 8), np.float32)
    for i, y in enumerate(labels):
        encoded[i, classes.index(y)] = 1.0
    encoded += rng.normal(0, 0.3, encoded.shape).astype(np.float32)
    data = LabelledSet("en_hate", texts, labels, classes, [], [])
    counts = features.raw_counts(texts)
    idf = features.idf_from_df(features.document_frequency(counts), len(texts))

    plain = fit_set(data, counts, idf, 1)
    with_head = fit_set(data, counts, idf, 1, encoded=encoded)
    assert plain.encoder_head is None and with_head.encoder_head is not None
    assert 0.0 < with_head.encoder_head.weight <= 1.0
    assert with_head.scores["holdout"]["macro_f1"] > plain.scores["holdout"]["macro_f1"]
    x = features.weigh(counts, idf)
    _, alone = with_head.predict(x)  # no embeddings given: the n-gram model's own decisions
    proba, reread = with_head.predict(x, encoded)
    assert np.allclose(proba.sum(1), 1.0)
    assert (reread == np.asarray(labels)).mean() > (alone == np.asarray(labels)).mean()
