"""The trained harm classifiers at run time, and how their outputs map to the taxonomy.

Files (in ``himoya/triage/data/models/`` unless another directory is given):

* ``harm_models.skops`` — the per-set scikit-learn ``LogisticRegression`` estimators
  (sparse, pruned float32 weights), the quantised IDF vector, and the models learnt
  from operator corrections, if any. Saved with skops, never pickle: loading it cannot
  run code, and only the types listed in :data:`TRUSTED_TYPES` are accepted.
* ``meta.json`` — thresholds, scores, seed, date, data digests (written by training).
* ``MODEL_CARD.md`` — the human-readable card.

At load time every estimator's weights are stacked into one sparse matrix, so scoring a
batch of texts against all models is one sparse product.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from . import features

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "models"
MODEL_FILE = "harm_models.skops"
META_FILE = "meta.json"
CORRECTIONS = "corrections"
ENCODER_HEADS = "encoder_heads"

# Types a model file may contain besides what skops trusts by default. Anything else
# makes loading fail loudly (a tampered or foreign file).
TRUSTED_TYPES = [
    "numpy.dtype",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.preprocessing._label.LabelBinarizer",
]

# The language whose borderline texts the sentence encoder re-reads (it is English-only).
ENCODER_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Source:
    """How one model output becomes evidence for one harm.

    The probability of ``classes`` (summed) under model ``model`` is recalibrated so
    that the threshold learnt for ``key`` becomes 0.5, then multiplied by ``factor``
    and by the language gate (:data:`LANGUAGE_GATES`).
    """

    key: str
    model: str
    classes: tuple[str, ...]
    harm: str
    factor: float
    label: str


SOURCES: tuple[Source, ...] = (
    Source(
        "en_hate:hate",
        "en_hate",
        ("hate",),
        "hate_speech",
        1.0,
        "English hate-speech model (Davidson tweets), class hate",
    ),
    Source(
        "en_hate:abusive",
        "en_hate",
        ("hate", "offensive"),
        "cyberbullying",
        1.0,
        "English offensive-language model (Davidson tweets), hate or offensive",
    ),
    # "other_cyberbullying" is left out on purpose: in that set it cannot be told from
    # "not_cyberbullying" (both are mostly ordinary tweets), and counting it made
    # "thank you, have a nice day" look like bullying.
    Source(
        "en_cyberbullying:any",
        "en_cyberbullying",
        ("age", "ethnicity", "gender", "religion"),
        "cyberbullying",
        1.0,
        "English cyberbullying model (Wang tweets), age, ethnicity, gender or religion bullying",
    ),
    Source(
        "en_cyberbullying:identity",
        "en_cyberbullying",
        ("ethnicity", "religion"),
        "hate_speech",
        0.8,
        "English cyberbullying model (Wang tweets), ethnicity or religion",
    ),
    Source("en_spam:spam", "en_spam", ("spam",), "scam", 1.0, "English SMS spam model, spam"),
    Source(
        "en_suicide:suicide", "en_suicide", ("suicide",), "self_harm", 1.0, "English suicidal-ideation model (tweets)"
    ),
    Source("ru_toxic:toxic", "ru_toxic", ("toxic",), "cyberbullying", 1.0, "Russian toxic-comment model"),
    Source(
        "tr_offensive:offensive",
        "tr_offensive",
        ("offensive",),
        "cyberbullying",
        1.0,
        "Turkish offensive-language model (OffensEval 2020)",
    ),
)

# How much each model is trusted on text in a given language ("lang" or "lang-Script";
# "*" for any other language). A model scores text in a language it never saw from its
# intercept and a few shared n-grams, which is noise: gate it out. Azerbaijani is close
# enough to Turkish for its insults to carry; Uzbek much less so, and Uzbek chat in
# Cyrillic is full of Russian swearing.
LANGUAGE_GATES: dict[str, dict[str, float]] = {
    "en": {"en_hate": 1.0, "en_cyberbullying": 1.0, "en_spam": 1.0, "en_suicide": 1.0},
    "ru": {"ru_toxic": 1.0},
    "tr": {"tr_offensive": 1.0},
    "az": {"tr_offensive": 0.7},
    "uz-Cyrl": {"ru_toxic": 0.5, "tr_offensive": 0.3},
    "uz": {"tr_offensive": 0.3},
    "und": {},
    "*": {
        "en_hate": 0.5,
        "en_cyberbullying": 0.5,
        "en_spam": 0.5,
        "en_suicide": 0.5,
        "ru_toxic": 0.5,
        "tr_offensive": 0.5,
    },
}


def gates_for(language: str, script: str | None) -> Mapping[str, float]:
    """The gate table row for a detected language and script."""
    if script and f"{language}-{script}" in LANGUAGE_GATES:
        return LANGUAGE_GATES[f"{language}-{script}"]
    return LANGUAGE_GATES.get(language, LANGUAGE_GATES["*"])


def prior_shift(p: float, threshold: float) -> float:
    """Recalibrate probability ``p`` so that ``threshold`` maps to 0.5.

    This is Bayes' rule for a change of class prior (odds multiplied by a constant), so
    the result is still a probability - under the prior at which the F1-optimal
    decision is "more likely than not" - and the order of texts is unchanged.
    """
    threshold = min(max(threshold, 1e-3), 1 - 1e-3)
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    k = (1 - threshold) / threshold
    return p * k / (p * k + (1 - p))


def harm_gap(proba: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """How far, in log-probability plus decision offsets, each row's first class (a set's
    harmful class) is from the likeliest other class, either way."""
    logp = np.log(np.clip(proba, 1e-9, 1.0)) + offsets
    return np.abs(logp[:, 0] - logp[:, 1:].max(axis=1))


@dataclass(frozen=True, slots=True)
class EncoderHead:
    """A second reading, by the sentence encoder (:mod:`.encoder`), of the texts one set's
    n-gram model finds borderline.

    Borderline: the set's harmful class (its first) is within ``band`` of the likeliest
    other class, in log-probability plus the set's decision offsets ``nb_offsets``, on
    either side. (Texts torn between two harmless readings - most ordinary English,
    to Davidson's model - are not asked about: the encoder is costly.) For those texts
    the model's probabilities ``p`` are blended with a logistic regression on the
    sentence embedding ``q`` (``coef``, ``intercept``): ``p ** (1 - weight) * q ** weight``,
    normalised; ``offsets`` are the decision offsets of the blend. Training chooses all
    of these on its hold-out (:func:`.training.fit_encoder_head`).
    """

    model: str
    coef: np.ndarray  # (classes, encoder dimensions)
    intercept: np.ndarray  # (classes,)
    weight: float
    band: float
    nb_offsets: np.ndarray
    offsets: np.ndarray

    def borderline(self, proba: np.ndarray) -> np.ndarray:
        """Which rows of ``proba`` (the model's probabilities, in its class order) to re-read."""
        return harm_gap(proba, self.nb_offsets) <= self.band

    def blend(self, proba: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        """The blended probabilities for rows of ``proba`` and their sentence embeddings."""
        z = np.asarray(embeddings, dtype=np.float64) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        logq = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        mixed = (1.0 - self.weight) * np.log(np.clip(proba, 1e-9, 1.0)) + self.weight * logq
        mixed = np.exp(mixed - mixed.max(axis=1, keepdims=True))
        return mixed / mixed.sum(axis=1, keepdims=True)

    def to_payload(self) -> dict[str, object]:
        return {
            "model": self.model,
            "coef": np.asarray(self.coef, dtype=np.float64),
            "intercept": np.asarray(self.intercept, dtype=np.float64),
            "weight": float(self.weight),
            "band": float(self.band),
            "nb_offsets": [float(v) for v in self.nb_offsets],
            "offsets": [float(v) for v in self.offsets],
        }

    @classmethod
    def from_payload(cls, item: Mapping[str, object]) -> EncoderHead:
        return cls(
            model=str(item["model"]),
            coef=np.asarray(item["coef"], dtype=np.float64),
            intercept=np.asarray(item["intercept"], dtype=np.float64),
            weight=float(item["weight"]),  # type: ignore[arg-type]
            band=float(item["band"]),  # type: ignore[arg-type]
            nb_offsets=np.asarray(item["nb_offsets"], dtype=np.float64),
            offsets=np.asarray(item["offsets"], dtype=np.float64),
        )


def save_bundle(
    path: Path,
    *,
    models: Mapping[str, object],
    classes: Mapping[str, Sequence[str]],
    idf_codes: np.ndarray,
    corrections: Mapping[str, object],
    encoder_heads: Sequence[EncoderHead] = (),
) -> None:
    """Write the model file (skops, deflate-compressed).

    The archive is re-packed with fixed timestamps and sorted entries so that the same
    weights always give the same bytes (no spurious diffs in git after a retrain).
    """
    import io

    import skops.io as sio

    payload = {
        "format": 1,
        "features_version": features.FEATURES_VERSION,
        "n_features": features.N_FEATURES,
        "idf_codes": np.asarray(idf_codes, dtype=np.uint8),
        "models": dict(models),
        "classes": {k: list(v) for k, v in classes.items()},
        CORRECTIONS: dict(corrections),
        ENCODER_HEADS: [head.to_payload() for head in encoder_heads],
    }
    buffer = io.BytesIO()
    sio.dump(payload, buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src:
        files = {name: src.read(name) for name in src.namelist()}
    # skops names objects and array files after id(), which changes every run: number
    # them in order of appearance instead, so equal weights give equal bytes.
    schema = files.pop("schema.json").decode("utf-8")
    renumber: dict[str, str] = {}
    for match in _SKOPS_ID_RE.finditer(schema):
        renumber.setdefault(match.group(1), str(len(renumber) + 1))
    schema = _SKOPS_ID_RE.sub(lambda m: m.group(0).replace(m.group(1), renumber[m.group(1)]), schema)
    renamed = {}
    for name, data in files.items():
        stem, _, ext = name.partition(".")
        renamed[f"{renumber.get(stem, stem)}.{ext}"] = data
    renamed["schema.json"] = schema.encode("utf-8")
    with zipfile.ZipFile(path, "w") as dst:
        for name in sorted(renamed):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, renamed[name], compresslevel=9)


_SKOPS_ID_RE = re.compile(r'(?:"__id__": |"file": ")(\d+)')


@dataclass(frozen=True, slots=True)
class _Block:
    name: str
    classes: tuple[str, ...]
    start: int
    stop: int
    binary: bool


class ModelBundle:
    """All harm classifiers, stacked. Immutable after construction; thread-safe."""

    def __init__(self, payload: Mapping[str, object], meta: Mapping[str, object]) -> None:
        if (
            payload.get("features_version") != features.FEATURES_VERSION
            or payload.get("n_features") != features.N_FEATURES
        ):
            raise ValueError(
                "model file was trained with another feature function "
                f"(version {payload.get('features_version')}); retrain with `python -m himoya.triage train`"
            )
        self.meta = dict(meta)
        self.idf = features.dequantize_idf(np.asarray(payload["idf_codes"]))
        columns: list[sp.csr_matrix] = []
        intercepts: list[float] = []
        blocks: list[_Block] = []
        models = payload["models"]
        classes = payload["classes"]
        assert isinstance(models, dict) and isinstance(classes, dict)
        col = 0
        entries: list[tuple[str, object, tuple[str, ...]]] = [
            (n, m, tuple(classes[n])) for n, m in sorted(models.items())
        ]
        corrections = payload.get(CORRECTIONS) or {}
        assert isinstance(corrections, dict)
        entries += [(f"{CORRECTIONS}:{code}", m, (code, "rest")) for code, m in sorted(corrections.items())]
        for name, est, cls in entries:
            # A binary LogisticRegression (one row, label 1 = cls[0]) or a
            # OneVsRestClassifier (one binary regression per class, in cls order).
            subs = getattr(est, "estimators_", None) or [est]
            coef = sp.vstack([sp.csr_matrix(e.coef_, dtype=np.float32) for e in subs], format="csr")
            intercept = np.concatenate([np.asarray(e.intercept_, dtype=np.float64).ravel() for e in subs])
            binary = len(subs) == 1
            columns.append(coef)
            intercepts.extend(intercept.tolist())
            blocks.append(_Block(name, cls, col, col + coef.shape[0], binary))
            col += coef.shape[0]
        self.weights = (
            sp.vstack(columns, format="csr").T.tocsr()
            if columns
            else sp.csr_matrix((features.N_FEATURES, 0), dtype=np.float32)
        )
        self.intercepts = np.asarray(intercepts, dtype=np.float64)
        self.blocks = tuple(blocks)
        calibration = self.meta.get("calibration") or {}
        assert isinstance(calibration, dict)
        self.calibration: dict[str, float] = {str(k): float(v) for k, v in calibration.items()}
        heads = payload.get(ENCODER_HEADS) or []
        assert isinstance(heads, list)
        self.encoder_heads: dict[str, EncoderHead] = {
            head.model: head for head in (EncoderHead.from_payload(item) for item in heads)
        }
        self.classes: dict[str, tuple[str, ...]] = {b.name: b.classes for b in self.blocks}

    @property
    def model_names(self) -> list[str]:
        return [b.name for b in self.blocks]

    def predict(self, texts: Sequence[str], *, cleaned: bool = False) -> list[dict[str, dict[str, float]]]:
        """For each text: {model name: {class: probability}}. Empty texts are fine.

        ``cleaned=True``: the texts are already the output of :func:`.normalize.clean`.
        """
        if not texts:
            return []
        x = features.weigh(features.raw_counts(texts, cleaned=cleaned), self.idf)
        scores = np.asarray((x @ self.weights).todense(), dtype=np.float64) + self.intercepts
        out: list[dict[str, dict[str, float]]] = [{} for _ in texts]
        for block in self.blocks:
            part = scores[:, block.start : block.stop]
            sig = 1.0 / (1.0 + np.exp(-np.clip(part, -50, 50)))
            if block.binary:
                probs = np.column_stack([sig[:, 0], 1.0 - sig[:, 0]])
            else:  # one-vs-rest: normalised sigmoids, as scikit-learn does
                probs = sig / np.clip(sig.sum(axis=1, keepdims=True), 1e-12, None)
            for row, values in zip(out, probs.tolist(), strict=True):
                row[block.name] = dict(zip(block.classes, values, strict=True))
        return out


def load_bundle(model_dir: Path | None = None) -> ModelBundle | None:
    """Load the model file from ``model_dir``; ``None`` if there is none there.

    Raises ``ValueError`` if the file holds a type outside :data:`TRUSTED_TYPES`.
    """
    import skops.io as sio

    directory = Path(model_dir) if model_dir is not None else MODEL_DIR
    path = directory / MODEL_FILE
    if not path.is_file():
        return None
    untrusted = sio.get_untrusted_types(file=path)
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ValueError(f"{path} contains unexpected types {unexpected}; refusing to load")
    payload = sio.load(path, trusted=untrusted)
    meta_path = directory / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    return ModelBundle(payload, meta)
