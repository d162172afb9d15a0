"""Activity plans: what a template or a trainer's form says an activity is, checked once.

A plan is plain data (it is what a ``SessionTemplate`` stores as JSON):
``{"kind": "quiz", "prompt": "...", "options": [...], "correct": [1], "seconds": 20}``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from himoya.awareness.models import CHOICE_KINDS, Kind

MAX_OPTIONS = 8
OPTION_MAX_CHARS = 120
PROMPT_MAX_CHARS = 300
SECONDS_RANGE = (5, 300)
SCALE_RANGE = (2, 10)
WORDS_RANGE = (1, 5)


class PlanError(ValueError):
    """The plan cannot be used; the message says why (for the trainer)."""


@dataclass
class ActivityPlan:
    kind: str
    prompt: str
    options: list[str] = field(default_factory=list)
    correct: list[int] = field(default_factory=list)
    seconds: int | None = None
    scale_max: int = 5
    max_words: int = 3

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value not in (None, [])}

    @classmethod
    def from_dict(cls, data: dict) -> ActivityPlan:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        plan = cls(**known)
        plan.check()
        return plan

    def check(self) -> None:
        """Raise PlanError when the plan is not usable; tidy what can be tidied."""
        if self.kind not in Kind.values:
            raise PlanError(f"unknown kind {self.kind!r}")
        self.prompt = (self.prompt or "").strip()
        if not self.prompt or len(self.prompt) > PROMPT_MAX_CHARS:
            raise PlanError("the prompt must have 1 to 300 characters")
        self.options = [str(o).strip() for o in self.options if str(o).strip()]
        if self.kind in CHOICE_KINDS:
            if not 2 <= len(self.options) <= MAX_OPTIONS:
                raise PlanError("a poll or quiz needs 2 to 8 answers")
            if any(len(o) > OPTION_MAX_CHARS for o in self.options):
                raise PlanError("an answer can have up to 120 characters")
        else:
            self.options = []
        if self.kind == Kind.QUIZ:
            self.correct = sorted({int(i) for i in self.correct})
            if not self.correct or any(not 0 <= i < len(self.options) for i in self.correct):
                raise PlanError("a quiz question needs its right answer among its answers")
            if self.seconds is not None:
                self.seconds = int(self.seconds)
                if not SECONDS_RANGE[0] <= self.seconds <= SECONDS_RANGE[1]:
                    raise PlanError("the time limit must be 5 to 300 seconds")
        else:
            self.correct = []
            self.seconds = None
        self.scale_max = int(self.scale_max)
        if self.kind == Kind.RATING and not SCALE_RANGE[0] <= self.scale_max <= SCALE_RANGE[1]:
            raise PlanError("a rating scale goes from 1 to between 2 and 10")
        self.max_words = int(self.max_words)
        if self.kind == Kind.WORD_CLOUD and not WORDS_RANGE[0] <= self.max_words <= WORDS_RANGE[1]:
            raise PlanError("a pupil may send 1 to 5 words")

    @property
    def multiple(self) -> bool:
        return self.kind == Kind.POLL_MULTIPLE or (self.kind == Kind.QUIZ and len(self.correct) > 1)
