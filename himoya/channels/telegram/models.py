"""What the bot keeps: one row per chat, the updates it has not handled yet, and its outbox.

Everything is in the database so that long polling and the webhook share one handler, and
a restart (or a crash) between receiving an update and answering it loses nothing.
"""

from __future__ import annotations

import json

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.fields import EncryptedBinaryField, EncryptedTextField


class State(models.TextChoices):
    """Where a chat is in the bot's conversation."""

    NEW = "new", _("New")
    LANGUAGE = "language", _("Choosing a language")
    MENU = "menu", _("At the menu")
    REPORT_HARM = "report_harm", _("Report: what happened")
    REPORT_STORY = "report_story", _("Report: in their own words")
    REPORT_AGE = "report_age", _("Report: age group")
    REPORT_REGION = "report_region", _("Report: region")
    REPORT_CONFIRM = "report_confirm", _("Report: checking the summary")
    LIVE = "live", _("Talking to the center")
    STATUS_CODE = "status_code", _("Typing a case code")
    DELETE_CONFIRM = "delete_confirm", _("Asked to delete their data")


class TelegramChat(models.Model):
    """One person talking to the bot (private chats only)."""

    # HMAC-SHA256 of the Telegram chat id (himoya.channels.telegram.identity); the id is
    # never stored in clear.
    key = models.CharField(max_length=64, unique=True)
    chat_id = EncryptedTextField()
    language = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEW)
    # The report being composed, as JSON; it holds the child's own words, so it is encrypted.
    draft = EncryptedTextField(null=True, blank=True)
    # The report whose conversation their free messages go to: the last one they reported
    # or opened with its code. Its case is the one they follow.
    report = models.ForeignKey("reports.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    blocked_at = models.DateTimeField(null=True, blank=True)
    # Only one worker sends to a chat at a time, so its messages arrive in order.
    sending_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Telegram chat")
        verbose_name_plural = _("Telegram chats")

    def __str__(self) -> str:
        return f"telegram chat {self.pk}"

    @property
    def case(self):
        return self.report.case if self.report_id else None

    @property
    def case_id(self) -> int | None:
        return self.case.pk if self.report_id else None

    def get_draft(self) -> dict:
        return json.loads(self.draft) if self.draft else {}

    def set_draft(self, draft: dict | None) -> None:
        self.draft = json.dumps(draft, ensure_ascii=False) if draft is not None else None


class ChatCase(models.Model):
    """A report made through this chat: operator replies in its conversation are sent here."""

    chat = models.ForeignKey(TelegramChat, on_delete=models.CASCADE, related_name="case_links")
    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="telegram_link")
    created_at = models.DateTimeField(default=timezone.now)


class TelegramUpdate(models.Model):
    """An update from Telegram, stored before it is acknowledged and handled in order per chat.

    The payload (which holds the sender's identity and words) is dropped once handled; the
    row stays a while so a repeated delivery of the same update is recognised.
    """

    update_id = models.BigIntegerField(unique=True)
    chat = models.ForeignKey(TelegramChat, on_delete=models.CASCADE, related_name="updates")
    payload = EncryptedTextField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    # A flooding chat's updates wait until its window has passed.
    not_before = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["chat", "update_id"], condition=Q(processed_at__isnull=True), name="tg_update_pending"
            ),
        ]


class OutboundState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Method(models.TextChoices):
    SEND = "sendMessage", "sendMessage"
    EDIT = "editMessageText", "editMessageText"
    ANSWER = "answerCallbackQuery", "answerCallbackQuery"
    DELETE = "deleteMessage", "deleteMessage"


class Outbound(models.Model):
    """One call to the Bot API waiting to be made: the bot's durable outbox.

    Calls to a chat are made in ``id`` order. A call with no chat (the goodbye after a
    person deleted their data) carries its own encrypted chat id in the payload.
    """

    chat = models.ForeignKey(TelegramChat, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox")
    method = models.CharField(max_length=24, choices=Method.choices)
    # Parameters as JSON (text, buttons, message ids). Dropped once the call is done: it
    # may hold a case code, which is shown once and never kept.
    payload = EncryptedTextField(null=True, blank=True)
    # The operator's reply this call delivers, whose delivery state follows it.
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="telegram_calls"
    )
    state = models.CharField(max_length=10, choices=OutboundState.choices, default=OutboundState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["chat", "id"], condition=Q(state="queued"), name="tg_outbound_queued"),
            models.Index(fields=["next_attempt_at"], condition=Q(state="queued"), name="tg_outbound_due"),
        ]

    def get_payload(self) -> dict:
        return json.loads(self.payload) if self.payload else {}


class DraftPicture(models.Model):
    """A screenshot sent while composing a report: checked, encrypted, and filed with it."""

    chat = models.ForeignKey(TelegramChat, on_delete=models.CASCADE, related_name="draft_pictures")
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    data = EncryptedBinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
