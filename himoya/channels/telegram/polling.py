"""Long polling, and the sweeper that both ways of running the bot need.

With ``TELEGRAM_BOT_TOKEN`` set and no ``TELEGRAM_WEBHOOK_URL``, ``manage.py start`` runs
``run_polling`` in a thread. An update is acknowledged to Telegram (by asking for the next
``offset``) only after it is stored, so stopping or crashing at any point loses nothing:
what was not stored is fetched again, and what was stored twice is recognised.

``sweep`` re-queues work whose task was lost (a crash between a commit and its task
being queued) or was due later (a retry after 429, a flood-delayed update).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connections

from himoya.channels.telegram import dispatch, inbound, outbox
from himoya.channels.telegram.models import TelegramUpdate
from himoya.channels.telegram.transport import Rejected, RetryLater, TransportError, get_transport

logger = logging.getLogger(__name__)

SWEEP_EVERY = 10.0  # seconds


def resume_offset() -> int | None:
    """The offset to ask for after a restart: past the newest update we stored."""
    newest = TelegramUpdate.objects.order_by("-update_id").values_list("update_id", flat=True).first()
    return newest + 1 if newest is not None else None


def poll_once(offset: int | None, timeout: int | None = None) -> int | None:
    """Fetch one batch of updates, store them, and return the offset that acknowledges them."""
    updates = [data for data in get_transport().get_updates(offset, timeout) if isinstance(data.get("update_id"), int)]
    if updates:
        inbound.accept_updates(updates)
        offset = max(offset or 0, *(data["update_id"] + 1 for data in updates))
    return offset


def sweep() -> dict:
    """Queue again whatever is due and has no task on its way; forget old handled updates."""
    chats = inbound.pending_chats()
    for chat_pk in chats:
        dispatch.process(chat_pk)
    sending = outbox.due_chats()
    for chat_pk in sending:
        dispatch.deliver(chat_pk)
    orphans = outbox.due_orphans()
    for pk in orphans:
        dispatch.deliver_orphan(pk)
    pruned = inbound.prune_handled()
    return {"updates": len(chats), "chats": len(sending), "orphans": len(orphans), "pruned": pruned}


def run_polling(stop: threading.Event | None = None, *, sweep_every: float = SWEEP_EVERY) -> None:
    """Poll until ``stop`` is set, sweeping now and then. Network trouble backs off, never stops it."""
    stop = stop or threading.Event()
    offset = resume_offset()
    backoff = 1.0
    last_sweep = 0.0
    logger.info("telegram long polling started")
    while not stop.is_set():
        try:
            if time.monotonic() - last_sweep >= sweep_every:
                sweep()
                last_sweep = time.monotonic()
            offset = poll_once(offset)
            backoff = 1.0
        except RetryLater as exc:
            stop.wait(exc.seconds)
        except Rejected as exc:
            # 409: a webhook is set for this bot. Polling cannot work until it is removed.
            logger.error("telegram refused getUpdates (is a webhook set?): %s", exc)
            stop.wait(30)
        except TransportError as exc:
            logger.warning("telegram polling failed, retrying in %.0fs: %s", backoff, exc)
            stop.wait(backoff)
            backoff = min(backoff * 2, 60)
        except Exception:  # noqa: BLE001 - the poller must outlive a failing database
            logger.exception("telegram polling failed")
            stop.wait(backoff)
            backoff = min(backoff * 2, 60)
        finally:
            close_old_connections()
    connections.close_all()
    logger.info("telegram long polling stopped")


def run_sweeper(stop: threading.Event | None = None, *, every: float = SWEEP_EVERY) -> None:
    """For webhook deployments: only the sweeper, forever."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            sweep()
        except Exception:  # noqa: BLE001 - try again next time
            logger.exception("telegram sweep failed")
        finally:
            close_old_connections()
        stop.wait(every)
    connections.close_all()


def start_in_thread(*, webhook: bool) -> tuple[threading.Thread, threading.Event]:
    """Run the poller (or, with a webhook, only the sweeper) in a daemon thread.

    The poller handles updates and sends answers on threads of this process; with a
    webhook, that work is left to the task workers.
    """
    stop = threading.Event()
    if not webhook:
        dispatch.use_local_threads(settings.TELEGRAM_WORKERS)
    target = run_sweeper if webhook else run_polling
    thread = threading.Thread(target=target, args=(stop,), name="telegram-bot", daemon=True)
    thread.start()
    return thread, stop
