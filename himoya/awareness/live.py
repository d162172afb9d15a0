"""Live updates of awareness sessions over WebSocket groups.

Two groups per session: ``awareness.<id>.screen`` (the presenter's and projector's views)
and ``awareness.<id>.participants`` (every pupil's phone). Messages carry aggregate counts,
approved questions and rendered activity forms — never who answered what.

Votes are not forwarded one by one. A counted vote *pokes* a coalescer in the server's
event loop, which sends the activity's tally to the screens at most once every
``AWARENESS_LIVE_INTERVAL_MS`` (the first poke after a quiet spell is sent at once).
The tally is read from the database each time, not counted in memory, so any number of
processes stay consistent: every message is the whole count as committed, and a screen
keeps the message with the highest total. Joins and questions are coalesced the same way.

From synchronous code (actions, on commit) a poke finds the server's loop through asgiref
(Django runs sync views and ``database_sync_to_async`` work in threads that know their
loop); with no loop at all (tests with the plain test client, management commands) the
message is sent at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections
from django.template.loader import render_to_string
from django.utils import translation

from himoya import realtime

logger = logging.getLogger(__name__)

QUESTIONS_SHOWN = 50


def screen_group(session_id: int) -> str:
    return f"awareness.{session_id}.screen"


def participants_group(session_id: int) -> str:
    return f"awareness.{session_id}.participants"


def _message(payload: dict) -> dict:
    return {"type": "awareness.message", "payload": payload}


# --- What is sent (synchronous: reads the database) -----------------------------------------


def tally_payload(activity_id: int) -> tuple[int, dict] | None:
    """(session id, the activity's whole tally as a screen message), or None."""
    from himoya.awareness.models import Activity
    from himoya.awareness.results import tally_of

    counted_at = time.time()  # everything committed before this moment is in the count
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None or not activity.takes_votes:
        return None
    payload = {"type": "tally", "activity": activity.pk, "counted_at": counted_at, **tally_of(activity)}
    return activity.session_id, payload


def approved_questions(session_id: int) -> list[dict]:
    from himoya.awareness.models import Question, QuestionStatus

    questions = Question.objects.filter(session_id=session_id, status=QuestionStatus.APPROVED).order_by(
        "answered", "-upvotes", "created_at", "id"
    )[:QUESTIONS_SHOWN]
    return [{"id": q.pk, "text": q.text, "votes": q.upvotes, "answered": q.answered} for q in questions]


def questions_payloads(session_id: int) -> tuple[dict, dict]:
    """(for the screens, for the pupils)."""
    from himoya.awareness.models import Question, QuestionStatus

    items = approved_questions(session_id)
    pending = Question.objects.filter(session_id=session_id, status=QuestionStatus.PENDING).count()
    return {"type": "questions", "items": items, "pending": pending}, {"type": "questions", "items": items}


def people_payload(session_id: int) -> dict:
    from himoya.awareness.models import Participant

    return {"type": "people", "count": Participant.objects.filter(session_id=session_id).count()}


def activity_payloads(session_id: int) -> tuple[dict, dict] | None:
    """(for the screens, for the pupils): what is on now, with the pupils' form rendered once
    in the session's language (a fresh form: a pupil who answered already is told so when
    they send it)."""
    from himoya.awareness.models import AwarenessSession

    session = AwarenessSession.objects.filter(pk=session_id).select_related("current_activity").first()
    if session is None:
        return None
    from himoya.awareness.views import activity_context

    activity = session.current_activity
    with translation.override(session.language):
        html = render_to_string("awareness/_activity.html", activity_context(session))
    state = activity.state if activity else None
    base = {"type": "activity", "activity": activity.pk if activity else None, "state": state, "status": session.status}
    return base, {**base, "html": html}


# --- Coalescing in the server's loop ------------------------------------------------------------


def _interval(kind: str) -> float:
    base = settings.AWARENESS_LIVE_INTERVAL_MS / 1000
    return {"tally": base, "people": max(base, 0.5), "questions": max(base, 0.3)}[kind]


_reader_pool: ThreadPoolExecutor | None = None


def _read_in_thread(function, *args):
    def run():
        try:
            return function(*args)
        finally:
            close_old_connections()

    return run


async def _read(function, *args):
    """Run a read for a live update in this process's reader thread.

    Not in the thread where the sockets' database work runs (``database_sync_to_async``):
    behind a burst of five hundred answers waiting there, the charts would stand still until
    the last one was written. With SQLite's WAL the reader does not wait for the writer.
    """
    global _reader_pool
    if _reader_pool is None:
        _reader_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="awareness-live")
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_reader_pool, _read_in_thread(function, *args))


async def _flush(kind: str, key: int) -> None:
    layer = get_channel_layer()
    if kind == "tally":
        found = await _read(tally_payload, key)
        if found:
            session_id, payload = found
            await layer.group_send(screen_group(session_id), _message(payload))
    elif kind == "people":
        payload = await _read(people_payload, key)
        await layer.group_send(screen_group(key), _message(payload))
    elif kind == "questions":
        screens, pupils = await _read(questions_payloads, key)
        await layer.group_send(screen_group(key), _message(screens))
        await layer.group_send(participants_group(key), _message(pupils))


def _flush_sync(kind: str, key: int) -> None:
    if kind == "tally":
        found = tally_payload(key)
        if found:
            realtime.broadcast(screen_group(found[0]), _message(found[1]))
    elif kind == "people":
        realtime.broadcast(screen_group(key), _message(people_payload(key)))
    elif kind == "questions":
        screens, pupils = questions_payloads(key)
        realtime.broadcast_many([(screen_group(key), _message(screens)), (participants_group(key), _message(pupils))])


class Coalescer:
    """At most one flush per key per interval, the first one at once; a poke during a flush
    makes another flush follow it, so the last change is always sent. Lives in one loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._scheduled: set[tuple[str, int]] = set()
        self._running: set[tuple[str, int]] = set()
        self._again: set[tuple[str, int]] = set()
        self._last: dict[tuple[str, int], float] = {}

    def poke(self, kind: str, key: int) -> None:
        item = (kind, key)
        if item in self._running:
            self._again.add(item)
            return
        if item in self._scheduled:
            return
        self._scheduled.add(item)
        delay = max(0.0, self._last.get(item, -1e9) + _interval(kind) - self.loop.time())
        # A fresh context: a poke from inside a database call must not hand that call's
        # context (asgiref's "in a sync thread" marker) to the flush it schedules.
        self.loop.call_later(delay, self._start, item, context=contextvars.Context())

    def _start(self, item: tuple[str, int]) -> None:
        self._scheduled.discard(item)
        self._running.add(item)
        self.loop.create_task(self._run(item), context=contextvars.Context())

    async def _run(self, item: tuple[str, int]) -> None:
        try:
            await _flush(*item)
        except Exception:  # noqa: BLE001 - one failed update must not stop the next ones
            logger.exception("awareness live update failed", extra={"kind": item[0]})
        finally:
            self._last[item] = self.loop.time()
            self._running.discard(item)
            if len(self._last) > 1000:
                horizon = self.loop.time() - 60
                self._last = {k: v for k, v in self._last.items() if v > horizon}
            if item in self._again:
                self._again.discard(item)
                self.poke(*item)


class VoteBatcher:
    """Writes the answers arriving together on this process's sockets in one transaction.

    No waiting to fill a batch: while one batch is written, the answers that arrive queue
    up and make the next. At a trickle every answer is its own batch; in a burst (a hall
    answering the moment the question appears) hundreds go in one INSERT. Lives in one loop.
    """

    MAX = 500

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._queue: list[tuple[object, int, object, asyncio.Future]] = []
        self._running = False

    async def submit(self, participant, activity_id: int, answer):
        """The Vote, or the Refused, for this answer (as ``actions.cast_vote``)."""
        future = self.loop.create_future()
        self._queue.append((participant, activity_id, answer, future))
        if not self._running:
            self._running = True
            self.loop.create_task(self._drain(), context=contextvars.Context())
        return await future

    async def _drain(self) -> None:
        from himoya.awareness.actions import cast_votes

        try:
            while self._queue:
                batch, self._queue = self._queue[: self.MAX], self._queue[self.MAX :]
                try:
                    results = await database_sync_to_async(cast_votes)([item[:3] for item in batch])
                except Exception as exc:  # noqa: BLE001 - each waiting socket hears of it
                    for *_item, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (*_item, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._running = False


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, VoteBatcher] = weakref.WeakKeyDictionary()


def batcher() -> VoteBatcher:
    """This event loop's VoteBatcher (call from async code)."""
    loop = asyncio.get_running_loop()
    found = _batchers.get(loop)
    if found is None:
        found = _batchers[loop] = VoteBatcher(loop)
    return found


_coalescers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Coalescer] = weakref.WeakKeyDictionary()


def _coalescer(loop: asyncio.AbstractEventLoop) -> Coalescer:
    found = _coalescers.get(loop)
    if found is None:
        found = _coalescers[loop] = Coalescer(loop)
    return found


def _server_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid():
        loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
        if loop is not None and loop.is_running():
            return loop
    return None


def poke(kind: str, key: int) -> None:
    """Ask for an update of ``kind`` ("tally", "people", "questions") about ``key``."""
    loop = _server_loop()
    if loop is None:
        _flush_sync(kind, key)
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        _coalescer(loop).poke(kind, key)
    else:
        loop.call_soon_threadsafe(lambda: _coalescer(loop).poke(kind, key), context=contextvars.Context())


# --- Called by the actions, after commit ------------------------------------------------------


def vote_counted(activity_id: int) -> None:
    poke("tally", activity_id)


def people_changed(session_id: int) -> None:
    poke("people", session_id)


def questions_changed(session_id: int) -> None:
    poke("questions", session_id)


def activity_changed(session_id: int) -> None:
    """The activity on screen changed (or its state did): sent at once, not coalesced."""
    found = activity_payloads(session_id)
    if found is None:
        return
    screens, pupils = found
    realtime.broadcast_many(
        [(screen_group(session_id), _message(screens)), (participants_group(session_id), _message(pupils))]
    )


def session_changed(session_id: int) -> None:
    activity_changed(session_id)


def session_ended(session_id: int) -> None:
    activity_changed(session_id)
