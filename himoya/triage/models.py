"""What triage concluded for each report and message, phrases staff add, and corrections."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.fields import EncryptedTextField
from himoya.reference.models import Urgency


class Signal(models.Model):
    """The engine's output for one report or one incoming message.

    ``reasons`` may quote a matched phrase from the child's text, so it is encrypted
    like the text itself (JSON inside the token).
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="signals")
    report = models.OneToOneField(
        "reports.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="signal"
    )
    message = models.OneToOneField(
        "conversations.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="signal"
    )
    language = models.CharField(max_length=8)
    language_confidence = models.FloatField()
    harms = models.JSONField(help_text="Probability for every harm code.")
    flagged = models.JSONField(default=list)
    urgency = models.CharField(max_length=2, choices=Urgency.choices)
    reasons_json = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("view_agreement", "Can see how often operators agree with triage")]

    @property
    def top_harm(self) -> str | None:
        """The flagged harm with the highest probability, if any was flagged."""
        if not self.flagged:
            return None
        return max(self.flagged, key=lambda code: self.harms.get(code, 0.0))

    @property
    def reasons(self) -> list[dict]:
        return json.loads(self.reasons_json)


class LexiconPhrase(models.Model):
    """A phrase a supervisor adds to the triage lexicons, live without a deploy."""

    phrase = models.CharField(_("phrase"), max_length=200)
    harm = models.ForeignKey("reference.HarmCategory", on_delete=models.PROTECT, to_field="code", db_column="harm")
    language = models.CharField(_("language"), max_length=8, blank=True, help_text=_("Empty: any language."))
    weight = models.FloatField(_("weight"), default=0.6, help_text=_("How strongly a match counts, from 0.05 to 1."))
    tag = models.SlugField(
        _("tag"), max_length=40, blank=True, help_text=_("Optional rule tag, e.g. meeting, images, intent.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lexicon phrase")
        verbose_name_plural = _("lexicon phrases")
        constraints = [models.UniqueConstraint(fields=["phrase", "harm", "language"], name="unique_lexicon_phrase")]

    def __str__(self) -> str:
        return self.phrase


class Correction(models.Model):
    """An operator's correction of harm or urgency: a labelled example for retraining.

    The text is the case's first narrative at the time, encrypted like the original.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="corrections")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    language = models.CharField(max_length=8)
    predicted_harm = models.CharField(max_length=40, blank=True)
    harm_before = models.CharField(max_length=40)
    harm_after = models.CharField(max_length=40)
    urgency_before = models.CharField(max_length=2)
    urgency_after = models.CharField(max_length=2)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
