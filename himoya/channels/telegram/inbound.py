"""Updates in: stored first, then handled in order, one chat at a time.

``accept_update`` is what both the webhook and the long-polling loop call with each update
Telegram sends. It keeps only what the bot understands (private messages, button taps, the
person blocking or unblocking the bot), applies the per-chat flood limit, stores the update
(encrypted; a repeated ``update_id`` is recognised and dropped) and, after commit, queues
``process_chat`` for the chat. That task handles the chat's pending updates oldest first.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone, translation

from himoya.channels.telegram import dispatch
from himoya.channels.telegram.identity import chat_key
from himoya.channels.telegram.models import State, TelegramChat, TelegramUpdate
from himoya.channels.telegram.outbox import Calls
from himoya.channels.telegram.transport import TooLarge, TransportError, get_transport
from himoya.lib import counting
from himoya.reports.validation import check_image, check_size

logger = logging.getLogger(__name__)

KINDS = ("message", "callback_query", "my_chat_member")
MAX_PER_RUN = 500
KEEP_HANDLED = timedelta(days=2)


def chat_of(data: dict) -> tuple[str, int] | None:
    """``(kind, chat id)`` of an update the bot handles, or None to ignore it.

    Only private chats with people: groups, channels, other bots and update types the bot
    does not use (edits, polls, inline queries...) are ignored.
    """
    for kind in KINDS:
        body = data.get(kind)
        if not isinstance(body, dict):
            continue
        sender = body.get("from") or {}
        if sender.get("is_bot"):
            return None
        chat = (body.get("message") or {}).get("chat") if kind == "callback_query" else body.get("chat")
        if kind == "callback_query" and not chat:
            return None  # a tap on a message sent "inline" elsewhere, not in our chat
        if not isinstance(chat, dict) or chat.get("type") != "private" or not isinstance(chat.get("id"), int):
            return None
        return kind, chat["id"]
    return None


def _flood_delay(key: str) -> tuple[datetime | None, bool, bool]:
    """``(not_before, drop, tell)`` for one more update from this chat now.

    Up to ``TELEGRAM_FLOOD_MESSAGES`` updates per ``TELEGRAM_FLOOD_SECONDS`` are handled at
    once; more wait for the next window (and the person is told once); beyond
    ``TELEGRAM_FLOOD_DROP`` in one window they are dropped.
    """
    window = settings.TELEGRAM_FLOOD_SECONDS
    bucket = int(timezone.now().timestamp() // window)
    counter = f"tg-flood:{key[:32]}:{bucket}"
    count = counting.count(cache, counter, window * 2)
    limit = settings.TELEGRAM_FLOOD_MESSAGES
    if count <= limit:
        return None, False, False
    if count > settings.TELEGRAM_FLOOD_DROP:
        return None, True, False
    not_before = datetime.fromtimestamp((bucket + 1) * window, tz=UTC)
    return not_before, False, count == limit + 1


def accept_update(data: dict) -> bool:
    """Store one update from Telegram (see the module's docstring). True if it was kept.

    Raises only when the database fails, so the webhook answers 500 and Telegram retries.
    """
    return accept_updates([data]) == 1


def accept_updates(batch: list[dict]) -> int:
    """Store a batch of updates in one transaction; how many were kept."""
    kept = 0
    with transaction.atomic():
        for data in batch:
            kept += _accept(data)
    return kept


def _accept(data: dict) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return False
    found = chat_of(data)
    if found is None:
        return False
    _kind, chat_id = found
    key = chat_key(chat_id)
    if TelegramUpdate.objects.filter(update_id=data["update_id"]).exists():
        return False
    not_before, drop, tell = _flood_delay(key)
    if drop:
        logger.warning("telegram update dropped: chat is flooding", extra={"update": data["update_id"]})
        return False
    chat = _chat_for(key, chat_id)
    try:
        with transaction.atomic():
            TelegramUpdate.objects.create(
                update_id=data["update_id"],
                chat=chat,
                payload=json.dumps(data, ensure_ascii=False),
                not_before=not_before,
            )
    except IntegrityError:
        return False  # the same update, delivered twice at once
    if tell:
        _tell_to_slow_down(chat)
    chat_pk = chat.pk
    transaction.on_commit(lambda: dispatch.process(chat_pk, not_before))
    return True


def _chat_for(key: str, chat_id: int) -> TelegramChat:
    chat = TelegramChat.objects.filter(key=key).first()
    if chat is not None:
        return chat
    try:
        with transaction.atomic():
            return TelegramChat.objects.create(key=key, chat_id=str(chat_id))
    except IntegrityError:  # created by a concurrent update from the same person
        return TelegramChat.objects.get(key=key)


def _tell_to_slow_down(chat: TelegramChat) -> None:
    from django.utils.translation import gettext as _

    with translation.override(chat.language or settings.LANGUAGE_CODE):
        text = _(
            "You are sending messages very fast. We have them all and will read them, "
            "but please wait a minute before you send more."
        )
    calls = Calls(chat)
    calls.send(text)
    calls.save()


# --- Handling, in order ---------------------------------------------------------------------------


def _pending(chat_pk: int):
    return TelegramUpdate.objects.filter(chat_id=chat_pk, processed_at__isnull=True).order_by("update_id")


def process_chat(chat_pk: int) -> int:
    """Handle the chat's pending updates, oldest first. Returns how many were handled.

    Safe to run concurrently for the same chat: each update is handled inside a
    transaction that locks the chat row and checks it is still the oldest pending one.
    Pictures are fetched from Telegram before that transaction, so no lock is held while
    waiting on the network.
    """
    from himoya.channels.telegram import flow

    handled = 0
    for _round in range(MAX_PER_RUN):
        update = _pending(chat_pk).only("pk", "not_before", "payload").first()
        if update is None:
            return handled
        if update.not_before is not None and update.not_before > timezone.now():
            dispatch.process(chat_pk, update.not_before)
            return handled
        data = json.loads(update.payload or "{}")
        picture = _prefetch_picture(chat_pk, data)
        with transaction.atomic():
            chat = TelegramChat.objects.select_for_update().filter(pk=chat_pk).first()
            if chat is None:
                return handled
            oldest = _pending(chat_pk).values_list("pk", flat=True).first()
            if oldest != update.pk:
                continue  # handled meanwhile by another worker
            try:
                with transaction.atomic():
                    flow.handle(chat, data, picture)
            except OperationalError:
                raise  # the database is busy or gone: the update stays pending and is tried again
            except Exception:  # noqa: BLE001 - one bad update must not stop the chat's others
                logger.exception("telegram update could not be handled", extra={"chat": chat_pk})
                flow.apologise(chat)
            # Handled: forget what it said (the row stays a while to recognise a repeat).
            TelegramUpdate.objects.filter(pk=update.pk).update(processed_at=timezone.now(), payload=None)
        handled += 1
    dispatch.process(chat_pk)  # more than one run's worth: carry on later
    return handled


def _prefetch_picture(chat_pk: int, data: dict):
    """A checked picture (``CheckedImage``), a ``ValidationError``, or None.

    Fetched only when the chat is writing a report, the only place pictures are kept.
    """
    message = data.get("message") or {}
    file_id, size = _picture_file(message)
    if file_id is None:
        return None
    state, language = TelegramChat.objects.filter(pk=chat_pk).values_list("state", "language").first() or (None, "")
    if state != State.REPORT_STORY:
        return None
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            if size:
                check_size(size)
            data_bytes = get_transport().download(file_id, settings.ATTACHMENT_MAX_BYTES)
            return check_image(data_bytes)
        except ValidationError as exc:
            return exc
        except TooLarge:
            try:
                check_size(settings.ATTACHMENT_MAX_BYTES + 1)
            except ValidationError as exc:
                return exc
        except TransportError:
            from django.utils.translation import gettext as _

            logger.warning("telegram picture could not be fetched", extra={"chat": chat_pk})
            return ValidationError(_("We could not get this picture. Please try sending it again."))
    return None


def _picture_file(message: dict) -> tuple[str | None, int | None]:
    """The file to fetch for a photo (the largest size under our limit) or an image document."""
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        fitting = [p for p in photos if (p.get("file_size") or 0) <= settings.ATTACHMENT_MAX_BYTES]
        best = max(fitting or photos, key=lambda p: (p.get("width", 0) * p.get("height", 0), p.get("file_size") or 0))
        return best.get("file_id"), best.get("file_size")
    document = message.get("document")
    if isinstance(document, dict) and str(document.get("mime_type", "")).startswith("image/"):
        return document.get("file_id"), document.get("file_size")
    return None, None


def prune_handled(now=None) -> int:
    """Forget handled updates after a while; the newest is kept so polling resumes after it."""
    cutoff = (now or timezone.now()) - KEEP_HANDLED
    newest = TelegramUpdate.objects.order_by("-update_id").values_list("pk", flat=True).first()
    deleted, _ = (
        TelegramUpdate.objects.filter(processed_at__lt=cutoff).exclude(pk=newest).delete() if newest else (0, None)
    )
    return deleted


def pending_chats(limit: int = 500) -> list[int]:
    """Chats with an update waiting that is due (for the sweeper)."""
    now = timezone.now()
    return list(
        TelegramUpdate.objects.filter(processed_at__isnull=True)
        .exclude(not_before__gt=now)
        .values_list("chat_id", flat=True)
        .distinct()[:limit]
    )
