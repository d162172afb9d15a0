"""Intake under load: reports from many requests stored together, in one transaction.

A report's own writes take well under a millisecond of the database's time; what costs is
around them: beginning and committing a transaction, and, on SQLite, the turn at the one
write lock that every request thread waits for while the others hold it. Under a crowd of
partners' requests, each report in a transaction of its own spent most of its time there.

:func:`submit` is ``submit_report`` for request threads. The caller prepares its report
(code, links, pictures matched against hash lists), then hands it to the process's one intake
writer, a thread that stores everything waiting, up to ``MAX_BATCH`` reports, with
``store_reports`` in one transaction (group commit), and wakes each caller with its own
submission. A lone report waits for nobody: the writer takes what is there.

If a batch fails, each of its reports is stored again alone, so one report's failure is
its own. A caller hands its database connection back before it waits; the writer keeps
its own from batch to batch (taking one from the pool costs a check with the database),
and gives it up after a failure, as a request would. Inside a
transaction the caller already holds (its writes must commit with the report), and on an
in-memory database (another thread would not see it), the caller stores its report
itself, as before.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from django.db import close_old_connections, connection

from himoya.reports.actions import NewReport, Prepared, Submission, prepare, store_reports

logger = logging.getLogger(__name__)

# Reports stored in one transaction at most: enough to carry a crowd, few enough that the
# write lock is soon free for the task worker and the console.
MAX_BATCH = 32


def submit(new: NewReport) -> Submission:
    """Store ``new`` as ``submit_report`` does, through the intake writer where it can."""
    prepared = prepare(new)
    if connection.in_atomic_block or (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        return store_reports([prepared])[0]
    # The caller's connection goes back to the pool while it waits: callers waiting for the
    # writer must never hold the connections the writer needs. It reconnects if it reads again.
    connection.close()
    return _writer().store(prepared)


class Writer:
    """A thread that stores the reports handed to it in shared transactions."""

    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[tuple[Prepared, Future]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
        self._thread.start()

    def store(self, prepared: Prepared) -> Submission:
        future: Future[Submission] = Future()
        self._waiting.put((prepared, future))
        return future.result()

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self._store(batch)

    def _store(self, batch: list[tuple[Prepared, Future]]) -> None:
        try:
            submissions = store_reports([prepared for prepared, _future in batch])
        except BaseException as exc:  # noqa: BLE001 - every caller must hear back
            # As at the end of a request: a broken connection is not used again.
            close_old_connections()
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
            else:
                logger.warning("a batch of %d reports failed; storing each alone", len(batch))
                for item in batch:
                    self._store([item])
            return
        for (_prepared, future), submission in zip(batch, submissions, strict=True):
            future.set_result(submission)


_lock = threading.Lock()
_instance: Writer | None = None


def _writer() -> Writer:
    global _instance
    with _lock:
        if _instance is None:
            _instance = Writer()
        return _instance
