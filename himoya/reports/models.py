from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.fields import EncryptedBinaryField, EncryptedJSONField, EncryptedTextField


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    TELEGRAM = "telegram", _("Telegram")
    API = "api", _("Partner API")
    PHONE = "phone", _("Phone call")


class AgeGroup(models.TextChoices):
    UNDER_8 = "under_8", _("Under 8")
    CHILD = "8_12", _("8–12 years")
    TEEN = "13_17", _("13–17 years")
    ADULT = "adult", _("18 or older")
    UNKNOWN = "unknown", _("Prefer not to say")


class ReporterRole(models.TextChoices):
    CHILD = "child", _("A child or young person, about myself")
    FRIEND = "friend", _("A child or young person, about someone else")
    PARENT = "parent", _("A parent or relative")
    TEACHER = "teacher", _("A teacher or school worker")
    OTHER = "other", _("Someone else")


class Report(models.Model):
    """What came in through one channel. Several reports can make one case."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="reports")
    # SHA-256 of the reporter's case code (himoya.lib.codes); the code itself is not kept.
    # The code belongs to the report, so it keeps working when the report joins, leaves or
    # is merged with another case.
    code_digest = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=8)
    narrative = EncryptedTextField()
    links = EncryptedJSONField(default=list, blank=True)
    harm = models.ForeignKey(
        "reference.HarmCategory",
        verbose_name=_("harm chosen by the reporter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN)
    reporter_role = models.CharField(max_length=10, choices=ReporterRole.choices, blank=True)
    region = models.ForeignKey("reference.Region", null=True, blank=True, on_delete=models.PROTECT)
    contact = EncryptedTextField(null=True, blank=True)
    needs_help_now = models.BooleanField(default=False)
    partner = models.ForeignKey(
        "partner_api.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    partner_reference = models.CharField(max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["received_at", "id"]
        permissions = [("enter_report", "Can enter reports taken by phone")]


class Attachment(models.Model):
    """An uploaded image, stored encrypted and never served to the public."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    data = EncryptedBinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
