from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.fields import EncryptedTextField
from himoya.reports.models import Channel


class Direction(models.TextChoices):
    INBOUND = "in", _("From the reporter")
    OUTBOUND = "out", _("To the reporter")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    """One message between the reporter and the center, in either direction."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="messages")
    # The thread: which reporter of the case this message is to or from. A case that holds
    # several reports has one conversation per reporter, and each sees only their own.
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    body = EncryptedTextField()
    # The language the message is written in: the reporter's for what they send, the one the
    # operator chose for a reply. Pages mark each message with it (screen readers switch voice).
    language = models.CharField(max_length=8, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]


class CannedReply(models.Model):
    """A ready-made answer operators insert into a reply, in one language, for one harm or any.

    Shipped replies carry a ``key`` and are loaded at bootstrap (``conversations.loader``);
    once a supervisor edits one here (``edited``), later loads leave it alone.
    """

    key = models.SlugField(max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=8)
    harm = models.ForeignKey(
        "reference.HarmCategory",
        verbose_name=_("harm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: offered for every harm."),
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    active = models.BooleanField(_("offered to operators"), default=True)
    edited = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["language", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "language"], condition=~models.Q(key=""), name="unique_shipped_canned_reply"
            )
        ]

    def __str__(self) -> str:
        return self.title
