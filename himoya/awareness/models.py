"""Awareness sessions: a trainer's ordered activities, the pupils who join, their answers.

Nothing here identifies a child. A participant is a random token kept in a cookie (only
its SHA-256 is stored) and an optional nickname; no name, account or address is asked
for or stored. Everything participants sent is deleted ``AWARENESS_RETENTION_DAYS`` after
the session ends (``purge.purge_session``); the session's aggregate figures stay.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.fields import EncryptedTextField


class Audience(models.TextChoices):
    PUPILS_1_4 = "pupils_1_4", _("Pupils, grades 1–4")
    PUPILS_5_6 = "pupils_5_6", _("Pupils, grades 5–6")
    PUPILS_7_11 = "pupils_7_11", _("Pupils, grades 7–11")
    PARENTS = "parents", _("Parents")
    TEACHERS = "teachers", _("Teachers")
    MIXED = "mixed", _("Mixed audience")


class Kind(models.TextChoices):
    POLL_SINGLE = "poll_single", _("Poll, one answer")
    POLL_MULTIPLE = "poll_multiple", _("Poll, several answers")
    WORD_CLOUD = "word_cloud", _("Word cloud")
    RATING = "rating", _("Rating scale")
    QUIZ = "quiz", _("Quiz question")
    QA = "qa", _("Questions and answers")


CHOICE_KINDS = {Kind.POLL_SINGLE, Kind.POLL_MULTIPLE, Kind.QUIZ}
VOTING_KINDS = CHOICE_KINDS | {Kind.WORD_CLOUD, Kind.RATING}


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Not started")
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")


class ActivityState(models.TextChoices):
    PENDING = "pending", _("Not shown yet")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")


class QuestionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Shown")
    HIDDEN = "hidden", _("Hidden")


class SessionTemplate(models.Model):
    """A reusable plan: title, audience and activities in one language.

    Shipped templates (``shipped=True``) are loaded from ``awareness/data/templates`` at
    every start and kept in step with those files; trainers' own templates are not touched.
    """

    key = models.SlugField(max_length=80)
    language = models.CharField(_("language"), max_length=8)
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    description = models.TextField(_("description"), blank=True)
    activities = models.JSONField(default=list)
    shipped = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session template")
        verbose_name_plural = _("session templates")
        ordering = ["title", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="awareness_template_key_language")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class AwarenessSession(models.Model):
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=8)
    scheduled_for = models.DateField(_("date"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    template_key = models.SlugField(max_length=80, blank=True)
    # Eight digits, typed on a phone's number pad; unique while the row exists.
    join_code = models.CharField(max_length=8, unique=True)
    # Opens the projector view without signing in (a school's PC by the projector).
    projector_key = models.CharField(max_length=43, unique=True)
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    qa_enabled = models.BooleanField(_("pupils may ask questions"), default=True)
    qa_moderated = models.BooleanField(_("questions wait for approval"), default=True)
    current_activity = models.ForeignKey(
        "awareness.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # Aggregate figures for statistics, computed when the session ends; kept after the purge.
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("awareness session")
        verbose_name_plural = _("awareness sessions")
        ordering = ["-scheduled_for", "-id"]
        permissions = [
            ("run_session", _("Can create and run awareness sessions")),
            ("manage_all_sessions", _("Can see and run every trainer's awareness sessions")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.status == SessionStatus.LIVE

    @property
    def is_ended(self) -> bool:
        return self.status == SessionStatus.ENDED

    @property
    def spaced_code(self) -> str:
        return f"{self.join_code[:4]} {self.join_code[4:]}"

    @property
    def screen_group(self) -> str:
        return f"awareness.{self.pk}.screen"

    @property
    def participants_group(self) -> str:
        return f"awareness.{self.pk}.participants"


class Activity(models.Model):
    session = models.ForeignKey(AwarenessSession, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    prompt = models.CharField(_("question or prompt"), max_length=300)
    options = models.JSONField(default=list, blank=True)
    correct = models.JSONField(default=list, blank=True)  # option indexes, for a quiz
    seconds = models.PositiveSmallIntegerField(_("time limit (seconds)"), null=True, blank=True)
    scale_max = models.PositiveSmallIntegerField(_("highest rating"), default=5)
    max_words = models.PositiveSmallIntegerField(_("words per pupil"), default=3)
    state = models.CharField(max_length=10, choices=ActivityState.choices, default=ActivityState.PENDING)
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The final tally, frozen when the session ends, so results outlive the purge.
    results = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["session", "position", "id"]

    def __str__(self) -> str:
        return self.prompt

    @property
    def takes_votes(self) -> bool:
        return self.kind in VOTING_KINDS

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def multiple(self) -> bool:
        """Several answers may be picked (a poll that says so, a quiz with several right ones)."""
        return self.kind == Kind.POLL_MULTIPLE or (self.kind == Kind.QUIZ and len(self.correct) > 1)

    @property
    def scale_values(self) -> range:
        return range(1, self.scale_max + 1)

    @property
    def word_slots(self) -> range:
        return range(1, self.max_words + 1)

    def accepting(self, now=None) -> bool:
        """Open for answers now. A quiz's time limit is enforced here, with a grace second
        for the answer's trip over a slow connection."""
        if self.state != ActivityState.OPEN:
            return False
        if self.closes_at is not None:
            from datetime import timedelta

            return (now or timezone.now()) <= self.closes_at + timedelta(seconds=1)
        return True

    def is_closed(self, now=None) -> bool:
        return self.state == ActivityState.CLOSED or (
            self.state == ActivityState.OPEN and self.closes_at is not None and not self.accepting(now)
        )


class Participant(models.Model):
    session = models.ForeignKey(AwarenessSession, on_delete=models.CASCADE, related_name="participants")
    token_digest = models.CharField(max_length=64, unique=True)
    nickname = models.CharField(max_length=24, blank=True)
    number = models.PositiveIntegerField(default=0)  # 1, 2, 3… within the session, for "Guest 7"
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.nickname:
            return self.nickname
        return str(_("Guest %(number)s") % {"number": self.number})


class Vote(models.Model):
    """One participant's answer to one activity. The unique constraint is what makes a vote
    count exactly once, however often a phone on a bad connection sends it."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    choices = models.JSONField(default=list, blank=True)  # option indexes, or [rating]
    words = models.JSONField(default=list, blank=True)  # word cloud, normalised
    correct = models.BooleanField(null=True)
    points = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["activity", "participant"], name="awareness_one_vote")]


class Question(models.Model):
    session = models.ForeignKey(AwarenessSession, on_delete=models.CASCADE, related_name="questions")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    text = EncryptedTextField()
    status = models.CharField(max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.PENDING)
    # Why the filter held it back: "personal_data", "abuse". Codes only, never the text.
    flags = models.JSONField(default=list, blank=True)
    answered = models.BooleanField(default=False)
    upvotes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-upvotes", "created_at", "id"]
        indexes = [models.Index(fields=["session", "status"])]


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "participant"], name="awareness_one_upvote")]
