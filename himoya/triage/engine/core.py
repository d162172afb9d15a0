"""The triage engine: text in, language + harm scores + urgency + reasons out.

How a harm's score is made (all evidence on one scale, 0.5 = "decide yes"):

* **model** - each trained model output mapped to a harm (:data:`.models.SOURCES`),
  recalibrated so its learnt threshold sits at 0.5, times the language gate. Several
  models speaking to the same harm are correlated (they read the same words): only the
  strongest counts.
* **lexicon** - phrase hits; variants of one aspect (same harm and tag) do not add up,
  only the heaviest counts; different aspects (secrecy + a meeting) are independent.
* **reporter** - the harm the reporter chose: :data:`REPORTER_WEIGHT`, enough to flag on
  its own (we would rather over-triage a child's own report; an operator corrects).
* **hash** - an image matched a known-abuse hash list: the list's harm (``csam`` by
  default) at 0.99.
* **link** - a link matched a known-link list (the platform passes the matches in): the
  list's harm at 0.9, once per harm; a link imitating a well-known site: ``scam`` at 0.3.
* **corrections** - models learnt from operators' corrections, if trained.

Independent pieces combine by noisy-OR: ``1 - prod(1 - e)``. A harm is *flagged* when
its score reaches its threshold (0.5 unless configured).

The engine never logs or returns the input text; reasons quote lexicon phrases and
model names only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import links as links_mod
from .encoder import SentenceEncoder, load_encoder
from .langid import LanguageGuess, LanguageIdentifier, get_identifier
from .lexicon import Lexicon, LexiconHit, Phrase, load_default_phrases
from .models import CORRECTIONS, ENCODER_LANGUAGE, SOURCES, ModelBundle, gates_for, load_bundle, prior_shift
from .normalize import clean, skeleton, to_text
from .pii import PersonalData, find_personal_data, redact
from .taxonomy import AGE_GROUPS, HARM_CODES
from .urgency import Context, UrgencyRules

REPORTER_WEIGHT = 0.5
HASH_WEIGHT = 0.99
KNOWN_LINK_WEIGHT = 0.9
# A look-alike address is a warning sign of phishing, not enough to flag on its own.
LOOKALIKE_WEIGHT = 0.3
# Model evidence below this is not worth an operator's attention as a reason.
MIN_MODEL_REASON = 0.2
# The lexicons read this much of a text; the models read features.MAX_MODEL_CHARS.
MAX_LEXICON_CHARS = 200_000


@dataclass(frozen=True, slots=True)
class TriageInput:
    """One thing to triage.

    ``text`` may be ``str`` or raw ``bytes`` (decoded leniently). ``harm`` is the
    reporter's own choice (a taxonomy code) and ``age_group`` one of
    :data:`.taxonomy.AGE_GROUPS`; unknown values are ignored, with a reason saying so.
    ``hash_match`` says an attached image matched a known-abuse hash list;
    ``hash_match_label`` names the list(s) for the reason, and ``hash_match_harm`` the
    taxonomy code the list is about (``csam`` when not given). ``known_links``: the
    input's links that matched known-link lists (:class:`.links.KnownLinkMatch`).
    """

    text: str | bytes = ""
    harm: str | None = None
    age_group: str | None = None
    links: tuple[str, ...] = ()
    hash_match: bool = False
    hash_match_label: str = ""
    hash_match_harm: str | None = None
    known_links: tuple[links_mod.KnownLinkMatch, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a score or the urgency is what it is. ``detail`` is operator-readable
    English; it never contains the input text beyond a matched lexicon phrase."""

    signal: str  # lexicon | model | reporter | age | hash | link | rule | input
    harm: str | None
    detail: str
    weight: float

    def to_dict(self) -> dict[str, object]:
        return {"signal": self.signal, "harm": self.harm, "detail": self.detail, "weight": round(self.weight, 4)}


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The engine's answer. ``harms`` has every taxonomy code."""

    language: str
    language_confidence: float
    script: str | None
    harms: dict[str, float]
    flagged: list[str]
    urgency: str
    deadline_minutes: int
    reasons: list[Reason]
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    personal_data: list[PersonalData] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The CLI's JSON shape (without ``id``)."""
        return {
            "language": self.language,
            "language_confidence": round(self.language_confidence, 4),
            "script": self.script,
            "harms": {k: round(v, 4) for k, v in self.harms.items()},
            "flagged": list(self.flagged),
            "urgency": self.urgency,
            "deadline_minutes": self.deadline_minutes,
            "reasons": [r.to_dict() for r in self.reasons],
            "tags": list(self.tags),
            "links": list(self.links),
            "personal_data": [p.to_dict() for p in self.personal_data],
        }


def _noisy_or(values: Iterable[float]) -> float:
    remaining = 1.0
    for v in values:
        remaining *= 1.0 - min(max(v, 0.0), 1.0)
    return 1.0 - remaining


class TriageEngine:
    """Thread-safe once built; build once per process with :meth:`load`."""

    def __init__(
        self,
        *,
        lexicon: Lexicon,
        rules: UrgencyRules,
        bundle: ModelBundle | None,
        identifier: LanguageIdentifier,
        thresholds: Mapping[str, float] | None = None,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.rules = rules
        self.bundle = bundle
        self.identifier = identifier
        self.encoder = encoder if bundle is not None and bundle.encoder_heads else None
        self.thresholds = {h: 0.5 for h in HARM_CODES}
        for harm, value in (thresholds or {}).items():
            if harm not in HARM_CODES or not 0.0 < float(value) <= 1.0:
                raise ValueError(f"bad threshold {harm}={value!r}")
            self.thresholds[harm] = float(value)

    @classmethod
    def load(
        cls,
        model_dir: Path | str | None = None,
        extra_phrases: Iterable[Phrase | Mapping[str, object]] = (),
        urgency_rules: UrgencyRules | Mapping[str, object] | Path | str | None = None,
        deadlines: Mapping[str, int] | None = None,
        *,
        thresholds: Mapping[str, float] | None = None,
        default_lexicons: bool = True,
        models: bool = True,
    ) -> TriageEngine:
        """Build an engine from the committed data files plus what the caller adds.

        ``extra_phrases``: :class:`.lexicon.Phrase` objects or mappings with keys
        ``phrase``, ``harm``, ``weight`` (default 0.6), ``tag``, ``language`` - what a
        supervisor added in the admin. ``urgency_rules``: replaces the rules file (a
        mapping in the file's format, a path, or :class:`UrgencyRules`).
        ``deadlines``: minutes per urgency, overriding the rules' own. ``models=False``
        runs on lexicons and rules only (and so does a directory with no model file).
        Raises ``ValueError`` on bad phrases, rules, deadlines or thresholds.
        """
        phrases: list[Phrase | Mapping[str, object]] = list(load_default_phrases()) if default_lexicons else []
        phrases.extend(extra_phrases)
        if urgency_rules is None:
            rules = UrgencyRules.load()
        elif isinstance(urgency_rules, UrgencyRules):
            rules = urgency_rules
        elif isinstance(urgency_rules, Mapping):
            rules = UrgencyRules.from_mapping(urgency_rules)
        else:
            rules = UrgencyRules.load(Path(urgency_rules))
        rules = rules.with_deadlines(deadlines)
        bundle = load_bundle(Path(model_dir) if model_dir is not None else None) if models else None
        return cls(
            lexicon=Lexicon(phrases),
            rules=rules,
            bundle=bundle,
            identifier=get_identifier(),
            thresholds=thresholds,
            # Only a model file with encoder heads needs it; without its package the
            # heads are skipped and the n-gram models answer alone.
            encoder=load_encoder() if bundle is not None and bundle.encoder_heads else None,
        )

    # -- public API -----------------------------------------------------------------

    def triage(self, item: TriageInput | str | bytes) -> TriageResult:
        """Triage one input. Never raises on any text."""
        return self.triage_many([item])[0]

    def triage_many(self, items: Sequence[TriageInput | str | bytes]) -> list[TriageResult]:
        """Triage a batch (models score the whole batch in one product: faster)."""
        inputs = [i if isinstance(i, TriageInput) else TriageInput(text=i) for i in items]
        # Cleaned once here; every stage below is told so and does not clean again.
        texts = [clean(to_text(i.text)) for i in inputs]
        guesses = self.identifier.identify_many_cleaned(texts)
        predictions = self.bundle.predict(texts, cleaned=True) if self.bundle is not None else [{} for _ in texts]
        reread = self._reread(texts, guesses, predictions)
        return [
            self._one(i, t, g, p, r) for i, t, g, p, r in zip(inputs, texts, guesses, predictions, reread, strict=True)
        ]

    def find_personal_data(self, text: str) -> list[PersonalData]:
        """Personal-data spans of ``text`` (see :mod:`.pii`)."""
        return find_personal_data(text)

    def redact(self, text: str) -> str:
        """``text`` with personal data replaced by ``[kind]``."""
        return redact(text)

    # -- internals ------------------------------------------------------------------

    def _reread(
        self, texts: Sequence[str], guesses: Sequence[LanguageGuess], predictions: list[dict[str, dict[str, float]]]
    ) -> list[set[str]]:
        """Replace, in ``predictions``, the outputs of models with an encoder head for the
        English texts they find borderline; per text, the models re-read."""
        reread: list[set[str]] = [set() for _ in texts]
        if self.encoder is None or self.bundle is None:
            return reread
        for name, head in self.bundle.encoder_heads.items():
            classes = self.bundle.classes.get(name)
            rows = [i for i, g in enumerate(guesses) if g.language == ENCODER_LANGUAGE and name in predictions[i]]
            if not classes or not rows:
                continue
            proba = np.asarray([[predictions[i][name][c] for c in classes] for i in rows])
            picked = head.borderline(proba)
            if not picked.any():
                continue
            chosen = [rows[j] for j in np.flatnonzero(picked)]
            blended = head.blend(proba[picked], self.encoder.encode([texts[i] for i in chosen]))
            for i, values in zip(chosen, blended.tolist(), strict=True):
                predictions[i][name] = dict(zip(classes, values, strict=True))
                reread[i].add(name)
        return reread

    def _one(
        self,
        item: TriageInput,
        text: str,
        guess: LanguageGuess,
        prediction: Mapping[str, Mapping[str, float]],
        reread: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> TriageResult:
        evidence: dict[str, list[float]] = {h: [] for h in HARM_CODES}
        reasons: list[Reason] = []

        if len(text) > MAX_LEXICON_CHARS:
            reasons.append(
                Reason(
                    "input",
                    None,
                    f"text is {len(text):,} characters; phrases were looked for in the first {MAX_LEXICON_CHARS:,}",
                    0.0,
                )
            )
        elif not text:
            reasons.append(Reason("input", None, "no text to read", 0.0))

        # Models: per harm, the strongest source counts.
        gates = gates_for(guess.language, guess.script)
        model_best: dict[str, float] = {}
        for source in SOURCES:
            gate = gates.get(source.model, 0.0)
            probs = prediction.get(source.model)
            if gate <= 0.0 or not probs:
                continue
            p = sum(probs.get(c, 0.0) for c in source.classes)
            threshold = self.bundle.calibration.get(source.key, 0.5) if self.bundle else 0.5
            e = prior_shift(p, threshold) * source.factor * gate
            if e >= MIN_MODEL_REASON:
                gate_note = "" if gate == 1.0 else f", weighted x{gate:g} for text in {guess.language}"
                if source.model in reread:
                    gate_note += ", borderline there, so read again by the sentence encoder"
                reasons.append(Reason("model", source.harm, f"{source.label}: {e:.2f}{gate_note}", e))
            model_best[source.harm] = max(model_best.get(source.harm, 0.0), e)
        for name, probs in prediction.items():
            if not name.startswith(CORRECTIONS + ":"):
                continue
            code = name.split(":", 1)[1]
            e = probs.get(code, 0.0)
            if e >= MIN_MODEL_REASON:
                reasons.append(Reason("model", code, f"model learnt from operators' corrections: {e:.2f}", e))
            model_best[code] = max(model_best.get(code, 0.0), e)
        for harm, e in model_best.items():
            evidence[harm].append(e)

        # Lexicons: the heaviest phrase per (harm, tag).
        hits = (
            self.lexicon.match(skeleton(text[:MAX_LEXICON_CHARS], cleaned=len(text) <= MAX_LEXICON_CHARS))
            if text
            else []
        )
        best_hit: dict[tuple[str, str], LexiconHit] = {}
        for hit in hits:
            key = (hit.phrase.harm, hit.phrase.tag)
            if key not in best_hit or hit.phrase.weight > best_hit[key].phrase.weight:
                best_hit[key] = hit
        for hit in hits:
            counted = best_hit[(hit.phrase.harm, hit.phrase.tag)] is hit
            where = f" ({hit.phrase.language} lexicon)" if hit.phrase.language else " (added phrase)"
            spaced = ", spelled with spaces" if hit.view == "compact" else ""
            note = "" if counted else "; a heavier phrase of the same kind already counts"
            reasons.append(
                Reason(
                    "lexicon",
                    hit.phrase.harm,
                    f'matched phrase "{hit.phrase.phrase}"{where}{spaced}{note}',
                    hit.phrase.weight if counted else 0.0,
                )
            )
        for (harm, _tag), hit in best_hit.items():
            evidence[harm].append(hit.phrase.weight)
        tags = sorted({h.phrase.tag for h in hits if h.phrase.tag})

        # The reporter's own choice, the age group, a hash match.
        reporter_harm = item.harm if item.harm in HARM_CODES else None
        if item.harm and reporter_harm is None:
            reasons.append(
                Reason("reporter", None, "the reporter's harm choice is not a taxonomy code and was ignored", 0.0)
            )
        if reporter_harm:
            evidence[reporter_harm].append(REPORTER_WEIGHT)
            reasons.append(Reason("reporter", reporter_harm, f"the reporter chose {reporter_harm}", REPORTER_WEIGHT))
        age_group = item.age_group if item.age_group in AGE_GROUPS else None
        if item.age_group and age_group is None:
            reasons.append(Reason("age", None, "the age group is not one the engine knows and was ignored", 0.0))
        if item.hash_match:
            hash_harm = item.hash_match_harm if item.hash_match_harm in HARM_CODES else "csam"
            named = f": {item.hash_match_label}" if item.hash_match_label else ""
            evidence[hash_harm].append(HASH_WEIGHT)
            reasons.append(
                Reason("hash", hash_harm, f"an attached image matches a known-abuse hash list{named}", HASH_WEIGHT)
            )

        found_links = links_mod.find_links(text, tuple(str(x) for x in item.links))
        reasons.extend(_link_reasons(item.known_links, found_links, evidence))

        harms = {h: round(_noisy_or(evidence[h]), 4) if evidence[h] else 0.0 for h in HARM_CODES}
        flagged = sorted(
            (h for h in HARM_CODES if harms[h] >= self.thresholds[h]), key=lambda h: (-harms[h], HARM_CODES.index(h))
        )

        decision = self.rules.decide(
            Context(frozenset(flagged), frozenset(tags), harms, reporter_harm, age_group, bool(item.hash_match))
        )
        if decision.rule is not None:
            rule_harm = next(
                (h for h in flagged if h in _strs(decision.rule.conditions.get("flagged_any"))), reporter_harm
            )
            reasons.append(
                Reason(
                    "rule",
                    rule_harm,
                    f"{decision.before_age} by rule '{decision.rule.id}': {decision.rule.because}",
                    1.0,
                )
            )
        else:
            reasons.append(Reason("rule", None, f"{decision.before_age}: no urgency rule matched", 0.0))
        if decision.age_levels:
            reasons.append(
                Reason(
                    "age",
                    None,
                    f"reporter age group {age_group}: urgency raised from {decision.before_age} to {decision.urgency}",
                    float(decision.age_levels),
                )
            )

        return TriageResult(
            language=guess.language,
            language_confidence=guess.confidence,
            script=guess.script,
            harms=harms,
            flagged=flagged,
            urgency=decision.urgency,
            deadline_minutes=int(self.rules.deadlines_minutes[decision.urgency]),
            reasons=reasons,
            tags=tags,
            links=[link.normalized for link in found_links],
            personal_data=find_personal_data(to_text(item.text)),
        )


def _link_reasons(
    known: Sequence[links_mod.KnownLinkMatch], found: Sequence[links_mod.Link], evidence: dict[str, list[float]]
) -> list[Reason]:
    """Reasons for known-link matches and look-alike addresses; each harm counts once
    (several entries matching one report are the same evidence)."""
    reasons = []
    counted: set[str] = set()
    for match in known:
        if match.harm not in HARM_CODES:
            continue
        weight = 0.0 if match.harm in counted else KNOWN_LINK_WEIGHT
        if weight:
            evidence[match.harm].append(weight)
            counted.add(match.harm)
        reasons.append(Reason("link", match.harm, match.describe(), weight))
    for index, target in enumerate(dict.fromkeys(link.lookalike_of for link in found if link.lookalike_of)):
        weight = 0.0 if index else LOOKALIKE_WEIGHT
        if weight:
            evidence["scam"].append(weight)
        reasons.append(Reason("link", "scam", f"a link's address imitates {target}", weight))
    return reasons


def _strs(value: object) -> set[str]:
    if isinstance(value, (list, tuple, set)):
        return {str(v) for v in value}
    return set()
