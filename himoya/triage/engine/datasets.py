"""Readers for the public labelled sets the harm models are trained on.

Each set lives in its own folder under the data directory (``../shared/datasets`` from
the repository root), byte for byte as published; see that folder's README. Nothing
here downloads anything, and nothing from these sets is committed: only the models
trained on them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .taxonomy import HARM_CODES


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """Texts with string labels. ``test`` is the set's own held-out split, if any."""

    name: str
    texts: list[str]
    labels: list[str]
    classes: tuple[str, ...]
    test_texts: list[str] = field(default_factory=list)
    test_labels: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SetInfo:
    """What the model card says about a set."""

    name: str
    folder: str
    language: str
    description: str
    licence: str
    source: str


SETS: dict[str, SetInfo] = {
    "en_hate": SetInfo(
        "en_hate",
        "en-hate-offensive",
        "en",
        "Davidson et al. 2017, hate speech / offensive / neither, English tweets",
        "MIT",
        "t-davidson/hate-speech-and-offensive-language @cb50f7e data/labeled_data.csv",
    ),
    "en_cyberbullying": SetInfo(
        "en_cyberbullying",
        "en-cyberbullying",
        "en",
        "Wang et al. 2020 cyberbullying tweets (age, ethnicity, gender, religion, other, not)",
        "none stated in the repository; published by its authors for research",
        "PanchamiVaradaraju/Cyberbullying-detection-in-Social-Media-Comments @96269d4",
    ),
    "en_spam": SetInfo(
        "en_spam",
        "en-sms-spam",
        "en",
        "Almeida & Gomez Hidalgo SMS Spam Collection (stand-in for scams)",
        "described by its authors as free to use",
        "hamzaaacodes/sms-spam-collection @f3e73e1",
    ),
    "en_suicide": SetInfo(
        "en_suicide",
        "en-suicidal-tweets",
        "en",
        "tweets labelled for suicidal ideation",
        "none stated",
        "mrinmoyxb/Suicidal-Tweet-Detection-NLP-Model @57529d7",
    ),
    "ru_toxic": SetInfo(
        "ru_toxic",
        "ru-toxic-comments",
        "ru",
        "Russian Language Toxic Comments (2ch, pikabu), split 80/10/10",
        "not verified",
        "Sapushiro/russian-toxic-comments-classification @648a35a",
    ),
    "tr_offensive": SetInfo(
        "tr_offensive",
        "tr-offensive",
        "tr",
        "OffensEval 2020 Turkish (Coltekin 2020), training part",
        "CC BY",
        "shaoncsecu/JAK-OffensEval @3ec8cc3",
    ),
}


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1 (``Weâ\\x80\\x99ve`` -> ``We've``) where that is what
    happened; leave any other text alone."""
    if "â" not in text and "Ã" not in text and "Ð" not in text:
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _csv_rows(path: Path, delimiter: str = ",") -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh, delimiter=delimiter)


def _tsv_rows(path: Path) -> Iterator[dict[str, str]]:
    # These TSVs are not quoted: a '"' is an ordinary character.
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)


def load_set(name: str, data_dir: Path) -> LabelledSet:
    """Read one set. Raises ``FileNotFoundError`` if its folder is missing."""
    info = SETS[name]
    folder = Path(data_dir) / info.folder
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} not found")
    texts: list[str] = []
    labels: list[str] = []
    test_texts: list[str] = []
    test_labels: list[str] = []
    if name == "en_hate":
        names = {"0": "hate", "1": "offensive", "2": "neither"}
        for row in _csv_rows(folder / "labeled_data.csv"):
            texts.append(row["tweet"])
            labels.append(names[row["class"]])
        classes: tuple[str, ...] = ("hate", "offensive", "neither")
    elif name == "en_cyberbullying":
        for row in _csv_rows(folder / "cyberbullying_tweets.csv"):
            texts.append(fix_mojibake(row["tweet_text"]))
            labels.append(row["cyberbullying_type"].strip())
        classes = ("age", "ethnicity", "gender", "religion", "other_cyberbullying", "not_cyberbullying")
    elif name == "en_spam":
        for row in _tsv_rows(folder / "SMSSpamCollection"):
            texts.append(row["SMS"])
            labels.append(row["Label"].strip())
        classes = ("spam", "ham")
    elif name == "en_suicide":
        with zipfile.ZipFile(folder / "suicide_tweets.zip") as archive:
            member = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
            raw = archive.read(member).decode("utf-8", errors="replace")
        for row in csv.DictReader(io.StringIO(raw)):
            if not row.get("Tweet"):
                continue
            texts.append(fix_mojibake(row["Tweet"]))
            labels.append("suicide" if row["Suicide"].strip().startswith("Potential") else "not")
        classes = ("suicide", "not")
    elif name == "ru_toxic":
        # The set's own split: train+val to learn, test held out for the benchmark.
        for split in ("train", "val"):
            for row in _csv_rows(folder / f"{split}.csv"):
                texts.append(row["comment"])
                labels.append("toxic" if row["labels"].strip().startswith("1") else "clean")
        for row in _csv_rows(folder / "test.csv"):
            test_texts.append(row["comment"])
            test_labels.append("toxic" if row["labels"].strip().startswith("1") else "clean")
        classes = ("toxic", "clean")
    elif name == "tr_offensive":
        for row in _tsv_rows(folder / "offenseval-tr-training-v1.tsv"):
            texts.append(row["tweet"])
            labels.append("offensive" if row["subtask_a"].strip() == "OFF" else "not")
        classes = ("offensive", "not")
    else:  # pragma: no cover - SETS and this function are edited together
        raise KeyError(name)
    return LabelledSet(name, texts, labels, classes, test_texts, test_labels)


def load_corrections(path: Path) -> list[tuple[str, str]]:
    """Read operator corrections: JSON lines ``{"text": ..., "harm": ...}``.

    ``harm`` is a taxonomy code, or ``"none"`` for "not harmful". Lines that are blank,
    not JSON, or carry an unknown code are skipped (counted in the model card), so one
    bad export line cannot stop a retrain.
    """
    pairs: list[tuple[str, str]] = []
    with Path(path).open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(item, dict):
                continue
            text, harm = item.get("text"), item.get("harm")
            if not isinstance(text, str) or not text.strip() or not isinstance(harm, str):
                continue
            if harm != "none" and harm not in HARM_CODES:
                continue
            pairs.append((text, harm))
    return pairs
