"""Where the bot's work runs: the task queue, or threads of the polling process.

Handling a chat's updates (``inbound.process_chat``) and sending its outbox
(``outbox.deliver_chat``) are each safe to run anywhere, any number of times. By default
they are queued as tasks, which is what the webhook needs: Telegram is answered at once and
the task workers do the rest. The long-polling process instead runs them on a small pool
of its own threads (``use_local_threads``), so the bot does not wait behind the platform's
other background work, and chats are served side by side.

Work queued in a thread is not durable, and need not be: what it would do is in the
database, and the sweeper (``polling.sweep``) starts it again after a crash.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

_local: LocalThreads | None = None


def process(chat_pk: int, at=None) -> None:
    """Handle the chat's pending updates (not before ``at``)."""
    from himoya.channels.telegram import inbound, tasks

    _run("process", chat_pk, at, inbound.process_chat, tasks.process_chat)


def deliver(chat_pk: int, at=None) -> None:
    """Send the chat's queued calls (not before ``at``)."""
    from himoya.channels.telegram import outbox, tasks

    _run("deliver", chat_pk, at, outbox.deliver_chat, tasks.deliver)


def deliver_orphan(pk: int, at=None) -> None:
    from himoya.channels.telegram import outbox, tasks

    _run("orphan", pk, at, outbox.deliver_orphan, tasks.deliver_orphan)


def _run(kind: str, pk: int, at, function, task) -> None:
    if _local is not None:
        _local.submit(kind, pk, function, at)
        return
    if at is not None and at > timezone.now():
        # Deferred where the backend can; otherwise the sweeper starts it when it is due.
        if task.get_backend().supports_defer:
            task.using(run_after=at).enqueue(pk)
        return
    task.enqueue(pk)


def use_local_threads(workers: int) -> LocalThreads:
    """From now on, run the bot's work in this process, on ``workers`` threads."""
    global _local
    _local = LocalThreads(workers)
    return _local


def use_task_queue() -> None:
    global _local
    if _local is not None:
        _local.shutdown()
    _local = None


class LocalThreads:
    """A thread pool that runs each (kind, chat) at most once at a time.

    Submitting work for a chat that is already waiting does nothing; for one that is
    running, it runs once more when done (the new update may have arrived too late to be
    seen by the run in progress).
    """

    def __init__(self, workers: int):
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="telegram-work")
        self._lock = threading.Lock()
        self._state: dict[tuple[str, int], str] = {}  # "waiting" or "running" or "again"

    def submit(self, kind: str, pk: int, function, at=None) -> None:
        if at is not None:
            delay = (at - timezone.now()).total_seconds()
            if delay > 0:
                timer = threading.Timer(delay, self.submit, args=(kind, pk, function))
                timer.daemon = True
                timer.start()
                return
        key = (kind, pk)
        with self._lock:
            state = self._state.get(key)
            if state in ("waiting", "again"):
                return
            if state == "running":
                self._state[key] = "again"
                return
            self._state[key] = "waiting"
        self._pool.submit(self._work, key, function)

    def _work(self, key, function) -> None:
        while True:
            with self._lock:
                self._state[key] = "running"
            try:
                function(key[1])
            except Exception:  # noqa: BLE001 - logged; the sweeper tries again later
                logger.exception("telegram work failed", extra={"kind": key[0], "id": key[1]})
            finally:
                close_old_connections()
            with self._lock:
                if self._state.get(key) != "again":
                    del self._state[key]
                    return

    def shutdown(self) -> None:
        """Finish what is running and close every worker thread's database connection."""
        barrier = threading.Barrier(self._workers)

        def close_connection():
            # Every thread takes exactly one of these: each waits until all threads have one.
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
            connections.close_all()

        for _n in range(self._workers):
            self._pool.submit(close_connection)
        self._pool.shutdown(wait=True)
