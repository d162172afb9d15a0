"""Urgency P1-P4 from data-driven rules (``himoya/triage/data/urgency.json``).

A rule is ``{"id", "urgency", "if": {conditions}, "because"}``. All of a rule's
conditions must hold; every matching rule proposes its urgency and the most urgent
wins; if none matches, the ``default``. Then younger children move up
``age.raise_levels[age_group]`` levels when any harm is flagged or was chosen by the
reporter, never past ``age.ceiling`` (age alone does not make a P1).

Conditions:

* ``hash_match``: bool - an attached image matched a known-abuse hash list;
* ``flagged_any``: harm codes, at least one flagged;
* ``tags_any``: lexicon tags (``grooming:meeting``...), at least one matched;
* ``reporter_harm_in``: harm codes, the reporter chose one of them;
* ``age_in``: age groups;
* ``min_score``: ``{harm: score}``, every listed harm at least that score.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .taxonomy import AGE_GROUPS, DEFAULT_DEADLINES_MINUTES, HARM_CODES, URGENCIES

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "urgency.json"
_CONDITIONS = {"hash_match", "flagged_any", "tags_any", "reporter_harm_in", "age_in", "min_score"}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    urgency: str
    conditions: Mapping[str, object]
    because: str


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules can look at."""

    flagged: frozenset[str]
    tags: frozenset[str]
    scores: Mapping[str, float]
    reporter_harm: str | None
    age_group: str | None
    hash_match: bool


@dataclass(frozen=True, slots=True)
class Decision:
    urgency: str
    rule: Rule | None
    age_levels: int  # how many levels age moved it up
    before_age: str


@dataclass(frozen=True, slots=True)
class UrgencyRules:
    """Validated rules. Build with :meth:`from_mapping` or :meth:`load`."""

    rules: tuple[Rule, ...]
    default: str = "P4"
    deadlines_minutes: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_DEADLINES_MINUTES))
    age_raise: Mapping[str, int] = field(default_factory=dict)
    age_ceiling: str = "P2"
    # Each rule's conditions with their values converted once (see _compile).
    _compiled: tuple[tuple[tuple[str, object], ...] | None, ...] = field(
        init=False, repr=False, compare=False, default=()
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", tuple(_compile(rule.conditions) for rule in self.rules))

    @classmethod
    def load(cls, path: Path = RULES_FILE) -> UrgencyRules:
        return cls.from_mapping(json.loads(Path(path).read_text(encoding="utf-8")))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> UrgencyRules:
        """Validate and build; raises ``ValueError`` naming the first problem."""
        rules: list[Rule] = []
        raw_rules = data.get("rules", [])
        if not isinstance(raw_rules, list):
            raise ValueError("'rules' must be a list")
        for i, raw in enumerate(raw_rules):
            if not isinstance(raw, dict):
                raise ValueError(f"rule {i} must be an object")
            rid = str(raw.get("id") or f"rule_{i}")
            urgency = raw.get("urgency")
            if urgency not in URGENCIES:
                raise ValueError(f"rule {rid}: urgency must be one of {URGENCIES}")
            cond = raw.get("if", {})
            if not isinstance(cond, dict) or not cond:
                raise ValueError(f"rule {rid}: 'if' must be a non-empty object")
            unknown = set(cond) - _CONDITIONS
            if unknown:
                raise ValueError(f"rule {rid}: unknown condition(s) {sorted(unknown)}")
            for key in ("flagged_any", "reporter_harm_in"):
                for code in cond.get(key, []):
                    if code not in HARM_CODES:
                        raise ValueError(f"rule {rid}: unknown harm code {code!r}")
            for group in cond.get("age_in", []):
                if group not in AGE_GROUPS:
                    raise ValueError(f"rule {rid}: unknown age group {group!r}")
            rules.append(Rule(rid, str(urgency), dict(cond), str(raw.get("because") or rid)))
        default = str(data.get("default", "P4"))
        if default not in URGENCIES:
            raise ValueError("'default' must be P1..P4")
        deadlines = dict(DEFAULT_DEADLINES_MINUTES)
        raw_deadlines = data.get("deadlines_minutes", {})
        if isinstance(raw_deadlines, dict):
            deadlines.update({str(k): int(v) for k, v in raw_deadlines.items()})
        age = data.get("age", {})
        age = age if isinstance(age, dict) else {}
        raise_levels = age.get("raise_levels", {})
        ceiling = str(age.get("ceiling", "P2"))
        if ceiling not in URGENCIES:
            raise ValueError("'age.ceiling' must be P1..P4")
        return cls(tuple(rules), default, deadlines, {str(k): int(v) for k, v in dict(raise_levels).items()}, ceiling)

    def with_deadlines(self, deadlines: Mapping[str, int] | None) -> UrgencyRules:
        """A copy with some deadlines (minutes) overridden."""
        if not deadlines:
            return self
        merged = dict(self.deadlines_minutes)
        for key, value in deadlines.items():
            if key not in URGENCIES or int(value) <= 0:
                raise ValueError(f"bad deadline {key}={value!r}")
            merged[key] = int(value)
        return UrgencyRules(self.rules, self.default, merged, self.age_raise, self.age_ceiling)

    def decide(self, ctx: Context) -> Decision:
        """The urgency for ``ctx`` and the rule that set it (``None``: default)."""
        best: Rule | None = None
        for rule, compiled in zip(self.rules, self._compiled, strict=True):
            holds = _holds(rule.conditions, ctx) if compiled is None else _holds_compiled(compiled, ctx)
            if holds and (best is None or rule.urgency < best.urgency):
                best = rule
        urgency = best.urgency if best else self.default
        levels = self.age_raise.get(ctx.age_group or "", 0)
        any_harm = bool(ctx.flagged) or bool(ctx.reporter_harm and ctx.reporter_harm != "other")
        raised = urgency
        if levels > 0 and any_harm and urgency > self.age_ceiling:
            index = max(URGENCIES.index(urgency) - levels, URGENCIES.index(self.age_ceiling))
            raised = URGENCIES[index]
        return Decision(raised, best, URGENCIES.index(urgency) - URGENCIES.index(raised), urgency)


def _holds(cond: Mapping[str, object], ctx: Context) -> bool:
    for key, want in cond.items():
        if key == "hash_match":
            if bool(want) != ctx.hash_match:
                return False
        elif key == "flagged_any":
            if not ctx.flagged.intersection(_strs(want)):
                return False
        elif key == "tags_any":
            if not ctx.tags.intersection(_strs(want)):
                return False
        elif key == "reporter_harm_in":
            if ctx.reporter_harm not in _strs(want):
                return False
        elif key == "age_in":
            if ctx.age_group not in _strs(want):
                return False
        elif key == "min_score":
            if not isinstance(want, dict) or any(ctx.scores.get(h, 0.0) < float(v) for h, v in want.items()):
                return False
    return True


_SETS = ("flagged_any", "tags_any", "reporter_harm_in", "age_in")


def _compile(cond: Mapping[str, object]) -> tuple[tuple[str, object], ...] | None:
    """``cond`` with its values as :func:`_holds` reads them, converted once; ``None``
    if a value does not convert (then :func:`_holds` reads it, as it always did)."""
    compiled: list[tuple[str, object]] = []
    try:
        for key, want in cond.items():
            if key == "hash_match":
                compiled.append((key, bool(want)))
            elif key in _SETS:
                compiled.append((key, frozenset(_strs(want))))
            elif key == "min_score":
                scores = tuple((h, float(v)) for h, v in want.items()) if isinstance(want, dict) else None
                compiled.append((key, scores))
    except (TypeError, ValueError):
        return None
    return tuple(compiled)


def _holds_compiled(cond: tuple[tuple[str, object], ...], ctx: Context) -> bool:
    """:func:`_holds` on the output of :func:`_compile`."""
    for key, want in cond:
        if key == "hash_match":
            if want != ctx.hash_match:
                return False
        elif key == "flagged_any":
            if ctx.flagged.isdisjoint(want):  # type: ignore[arg-type]
                return False
        elif key == "tags_any":
            if ctx.tags.isdisjoint(want):  # type: ignore[arg-type]
                return False
        elif key == "reporter_harm_in":
            if ctx.reporter_harm not in want:  # type: ignore[operator]
                return False
        elif key == "age_in":
            if ctx.age_group not in want:  # type: ignore[operator]
                return False
        elif key == "min_score":
            if want is None or any(ctx.scores.get(h, 0.0) < v for h, v in want):  # type: ignore[attr-defined]
                return False
    return True


def _strs(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, Sequence):
        return {str(v) for v in value}
    return set()
