"""The bot's outbox: every call to Telegram is a row first, then sent.

``Calls`` collects what one handled update (or one operator reply) wants to say and stores
it in the caller's transaction; after commit ``deliver_chat`` (a task, or a thread of the
polling process: see ``dispatch``) sends the chat's queued calls in order. A crash before
sending leaves the rows queued, and ``sweep`` (run by the poller, or by
``manage.py telegram sweep``) picks them up again.

Per call: success marks it sent; 429 waits ``retry_after`` and tries again; network
trouble and 5xx back off exponentially up to ``TELEGRAM_SEND_MAX_ATTEMPTS``; 403 (the
person blocked the bot) fails it at once, with every other queued call to that chat, and an
operator's reply shows as failed in the console.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from himoya.channels.telegram import dispatch
from himoya.channels.telegram.models import ChatCase, Method, Outbound, OutboundState, TelegramChat
from himoya.channels.telegram.transport import Blocked, Rejected, RetryLater, Temporary, get_transport
from himoya.conversations.models import DeliveryState

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # Telegram's limit on one message's text
LEASE = timedelta(seconds=60)
BATCH = 20
MAX_BACKOFF_SECONDS = 300
MAX_RETRY_AFTER_ATTEMPTS = 50  # 429s are Telegram pacing us, not failures; still, not forever


def chunks(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split a long text at line breaks or spaces where possible."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    parts.append(text)
    return parts


class Calls:
    """Calls to one chat, stored together by ``save()`` (call it inside the transaction)."""

    def __init__(self, chat: TelegramChat):
        self.chat = chat
        self.rows: list[Outbound] = []

    def _add(self, method: str, message=None, **params) -> None:
        self.rows.append(
            Outbound(chat=self.chat, method=method, payload=json.dumps(params, ensure_ascii=False), message=message)
        )

    def send(self, text: str, keyboard=None, message=None) -> None:
        parts = chunks(text)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            self._add(Method.SEND, message=message, text=part, keyboard=keyboard if last else None)

    def edit(self, message_id: int, text: str, keyboard=None) -> None:
        self._add(Method.EDIT, message_id=message_id, text=text[:TEXT_LIMIT], keyboard=keyboard)

    def answer(self, callback_query_id: str, text: str | None = None) -> None:
        self._add(Method.ANSWER, callback_query_id=callback_query_id, text=text)

    def delete(self, message_id: int) -> None:
        self._add(Method.DELETE, message_id=message_id)

    def save(self) -> None:
        if not self.rows:
            return
        Outbound.objects.bulk_create(self.rows)
        self.rows = []
        chat_pk = self.chat.pk
        transaction.on_commit(lambda: dispatch.deliver(chat_pk))


def send_orphan(chat_id: int, text: str) -> None:
    """Queue a message to a chat we no longer keep (the goodbye after deleting their data)."""
    rows = [
        Outbound(chat=None, method=Method.SEND, payload=json.dumps({"chat_id": chat_id, "text": part}))
        for part in chunks(text)
    ]
    Outbound.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: [dispatch.deliver_orphan(pk) for pk in ids])


# --- Operator replies ---------------------------------------------------------------------------


def deliver_reply(message) -> None:
    """The courier for Telegram cases (see ``conversations.actions.register_courier``).

    Runs inside ``send_reply``'s transaction: the reply and its outbox rows commit together.
    """
    from django.utils import translation
    from django.utils.translation import gettext as _

    from himoya.conversations.actions import delivery_changed

    link = ChatCase.objects.select_related("chat").filter(report_id=message.report_id).first()
    if link is None:
        # The person deleted their data (or never had a chat with us): nowhere to send it.
        delivery_changed(message, DeliveryState.FAILED)
        return
    chat = link.chat
    with translation.override(chat.language or settings.LANGUAGE_CODE):
        text = _("Message from %(center)s:\n\n%(text)s") % {"center": settings.CENTER_NAME, "text": message.body}
    calls = Calls(chat)
    calls.send(text, message=message)
    calls.save()


# --- Delivery --------------------------------------------------------------------------------------


def _take_lease(chat_pk: int) -> bool:
    now = timezone.now()
    free = Q(sending_until__isnull=True) | Q(sending_until__lt=now)
    return bool(TelegramChat.objects.filter(free, pk=chat_pk).update(sending_until=now + LEASE))


def _release_lease(chat_pk: int) -> None:
    TelegramChat.objects.filter(pk=chat_pk).update(sending_until=None)


def deliver_chat(chat_pk: int) -> None:
    """Send the chat's due calls in order. Safe to run anywhere, any number of times."""
    for _round in range(3):
        if not _take_lease(chat_pk):
            return  # someone else is sending to this chat; they look again when done
        try:
            wait_until = _send_due(chat_pk)
        finally:
            _release_lease(chat_pk)
        if wait_until is not None:
            dispatch.deliver(chat_pk, at=wait_until)
            return
        # Calls queued while we held the lease found it taken: look once more.
        if not Outbound.objects.filter(chat_id=chat_pk, state=OutboundState.QUEUED).exists():
            return


def _send_due(chat_pk: int):
    """Send queued calls in order until none is left; returns when to come back, if a call must wait."""
    chat = TelegramChat.objects.filter(pk=chat_pk).first()
    if chat is None:
        return None
    chat_id = int(chat.chat_id)
    while True:
        rows = list(Outbound.objects.filter(chat_id=chat_pk, state=OutboundState.QUEUED).order_by("id")[:BATCH])
        for row in rows:
            if row.next_attempt_at > timezone.now():
                return row.next_attempt_at
            outcome = _attempt(row, chat_id)
            if outcome == "blocked":
                _fail_all_queued(chat, "blocked")
                return None
            if outcome == "later":
                return row.next_attempt_at
        if len(rows) < BATCH:
            return None  # deliver_chat looks once more after releasing the lease


def deliver_orphan(pk: int) -> None:
    now = timezone.now()
    claimed = Outbound.objects.filter(
        pk=pk, chat__isnull=True, state=OutboundState.QUEUED, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return
    row = Outbound.objects.get(pk=pk)
    payload = row.get_payload()
    if _attempt(row, int(payload["chat_id"])) == "later":
        dispatch.deliver_orphan(pk, at=row.next_attempt_at)


def _attempt(row: Outbound, chat_id: int) -> str:
    """Make one call; record its outcome on the row. Returns "sent", "later", "failed" or "blocked"."""
    payload = row.get_payload()
    transport = get_transport()
    row.attempts += 1
    try:
        if row.method == Method.SEND:
            transport.send_message(chat_id, payload["text"], payload.get("keyboard"))
        elif row.method == Method.EDIT:
            try:
                transport.edit_message_text(chat_id, payload["message_id"], payload["text"], payload.get("keyboard"))
            except Rejected as exc:
                if "not modified" in str(exc):
                    pass  # the same text again (a double tap): nothing to change
                else:
                    # Too old to edit, or gone: say it in a new message instead.
                    transport.send_message(chat_id, payload["text"], payload.get("keyboard"))
        elif row.method == Method.ANSWER:
            transport.answer_callback_query(payload["callback_query_id"], payload.get("text"))
        elif row.method == Method.DELETE:
            transport.delete_message(chat_id, payload["message_id"])
    except RetryLater as exc:
        row.next_attempt_at = timezone.now() + timedelta(seconds=max(exc.seconds, 0.5))
        if row.attempts >= MAX_RETRY_AFTER_ATTEMPTS:
            return _finish(row, OutboundState.FAILED, "flood control, too many times")
        row.error = f"429 retry after {exc.seconds}s"
        row.save(update_fields=["attempts", "next_attempt_at", "error"])
        logger.info("telegram asked to wait", extra={"outbound": row.pk, "seconds": exc.seconds})
        return "later"
    except Temporary as exc:
        if row.attempts >= settings.TELEGRAM_SEND_MAX_ATTEMPTS:
            return _finish(row, OutboundState.FAILED, f"gave up: {exc}")
        backoff = min(2 ** (row.attempts - 1), MAX_BACKOFF_SECONDS) * random.uniform(1.0, 1.5)
        row.next_attempt_at = timezone.now() + timedelta(seconds=backoff)
        row.error = str(exc)[:200]
        row.save(update_fields=["attempts", "next_attempt_at", "error"])
        logger.warning("telegram call failed, will retry", extra={"outbound": row.pk, "attempts": row.attempts})
        return "later"
    except Blocked as exc:
        _finish(row, OutboundState.FAILED, f"blocked: {exc}")
        return "blocked"
    except Rejected as exc:
        if row.method in (Method.ANSWER, Method.DELETE):
            # A callback answered too late or a message already gone: nothing anyone can do.
            return _finish(row, OutboundState.SENT, f"ignored: {exc}")
        logger.warning("telegram refused a call", extra={"outbound": row.pk, "method": row.method})
        return _finish(row, OutboundState.FAILED, str(exc))
    return _finish(row, OutboundState.SENT, "")


def _finish(row: Outbound, state: str, error: str) -> str:
    from himoya.conversations.actions import delivery_changed

    row.state = state
    row.error = error[:200]
    row.payload = None
    row.sent_at = timezone.now() if state == OutboundState.SENT else None
    fields = ["attempts", "state", "error", "payload", "sent_at"]
    if row.message_id is None:
        row.save(update_fields=fields)
    else:
        with transaction.atomic():
            row.save(update_fields=fields)
            delivery_changed(row.message, DeliveryState.SENT if state == OutboundState.SENT else DeliveryState.FAILED)
    return "sent" if state == OutboundState.SENT else "failed"


def _fail_all_queued(chat: TelegramChat, reason: str) -> None:
    """The person blocked the bot: nothing queued for them can arrive."""
    from himoya.conversations.actions import delivery_changed

    with transaction.atomic():
        TelegramChat.objects.filter(pk=chat.pk).update(blocked_at=timezone.now())
        queued = list(Outbound.objects.filter(chat=chat, state=OutboundState.QUEUED).select_related("message"))
        Outbound.objects.filter(pk__in=[row.pk for row in queued]).update(
            state=OutboundState.FAILED, error=reason, payload=None
        )
        for message in {row.message for row in queued if row.message is not None}:
            delivery_changed(message, DeliveryState.FAILED)
    logger.info("telegram chat blocked the bot", extra={"chat": chat.pk})


def due_chats(limit: int = 500) -> list[int]:
    """Chats with a queued call that is due (for the sweeper)."""
    return list(
        Outbound.objects.filter(state=OutboundState.QUEUED, next_attempt_at__lte=timezone.now(), chat__isnull=False)
        .values_list("chat_id", flat=True)
        .distinct()[:limit]
    )


def due_orphans(limit: int = 500) -> list[int]:
    return list(
        Outbound.objects.filter(
            state=OutboundState.QUEUED, next_attempt_at__lte=timezone.now(), chat__isnull=True
        ).values_list("id", flat=True)[:limit]
    )
