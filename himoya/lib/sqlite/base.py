"""SQLite for the embedded default: Django's backend, with writers queued inside the process.

SQLite lets one writer at a time hold its database; another connection that wants to write
(``BEGIN IMMEDIATE``, which every ``transaction.atomic`` block uses here) waits in SQLite's
busy handler, which sleeps in steps of up to 100 ms and retries. Under the server's load
(one thread, and so one connection, per request) most of a request's time was spent in
those sleeps, and a waiting writer could sleep long after the lock had come free.

This backend queues the process's writers on a lock of its own, taken before ``BEGIN``
and given back at ``COMMIT`` or ``ROLLBACK`` (or around a single writing statement outside
a transaction): a writer waits while another writes and starts the moment it is done.
Writers in other processes (a ``db_worker`` of its own, a management command) still meet
in SQLite's busy handler, as before. In-memory databases
(the tests') are left alone.

It also keeps closed connections for reuse. Under ASGI Django serves each request in a
thread of its own and closes the request's connection at its end; opening a new one (the
file, the WAL index, some forty SQL functions registered, the ``init_command`` pragmas)
cost about as much as a small query. A connection is handed back rolled back, and
``PRAGMA foreign_keys`` is set again when it is taken.

Use it with ``ENGINE = "himoya.lib.sqlite"``; config/settings.py does so for SQLite.
"""

from __future__ import annotations

import threading
from collections import deque

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

# Connections kept per database file; more are opened when these are all in use.
POOL_SIZE = 32


class FairLock:
    """A lock handed to its waiters in the order they came. A plain ``threading.Lock`` goes
    to whichever thread runs next, so one writer (the task worker's thread among eight
    request threads) can lose many turns in a row; in order, none waits longer than the
    queue ahead of it."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float = -1) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=timeout):
            return True  # handed over by release()
        with self._mutex:
            try:
                self._waiters.remove(waiter)
            except ValueError:
                return True  # handed over just as the wait ran out
        return False

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                raise RuntimeError("release of an unheld lock")
            if self._waiters:
                self._waiters.popleft().release()  # the next waiter now holds it
            else:
                self._held = False

    def locked(self) -> bool:
        return self._held

    def waiting(self) -> int:
        """How many wait for their turn."""
        with self._mutex:
            return len(self._waiters)


_pools: dict[str, list] = {}
_locks: dict[str, FairLock] = {}
_locks_guard = threading.Lock()


def writer_lock(name: str) -> FairLock:
    """The process's lock for writers of the database file ``name``."""
    with _locks_guard:
        return _locks.setdefault(name, FairLock())


def _pool(name: str) -> list:
    with _locks_guard:
        return _pools.setdefault(name, [])


# Statements that write: outside a transaction each is one of its own, and takes its turn too.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer_lock = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._autocommit_write_in_turn)

    def _autocommit_write_in_turn(self, execute, sql, params, many, context):
        """A write outside ``transaction.atomic`` (the task worker marking a task done, an
        ``update()`` on its own) queues on the writers' lock like a transaction, rather than
        meeting them in SQLite's busy handler, where it and they would sleep."""
        lock = self._writer_lock()
        if (
            lock is None
            or self._holds_writer_lock
            or not self.autocommit
            or not sql.lstrip().upper().startswith(_WRITES)
        ):
            return execute(sql, params, many, context)
        if not lock.acquire(timeout=float(self.settings_dict["OPTIONS"].get("timeout", 5))):
            raise OperationalError("database is locked (waited for another writer of this process)")
        try:
            return execute(sql, params, many, context)
        finally:
            lock.release()

    def get_new_connection(self, conn_params):
        if not self.is_in_memory_db():
            try:
                # list.pop() and append() are atomic: no lock needed around the pool.
                conn = _pool(str(self.settings_dict["NAME"])).pop()
            except IndexError:
                pass
            else:
                conn.execute("PRAGMA foreign_keys = ON")
                return conn
        return super().get_new_connection(conn_params)

    def _writer_lock(self) -> FairLock | None:
        if self.is_in_memory_db():
            return None
        return writer_lock(str(self.settings_dict["NAME"]))

    def _start_transaction_under_autocommit(self):
        lock = self._writer_lock()
        if lock is not None and not self._holds_writer_lock:
            # As long as SQLite itself would wait (the ``timeout`` option, 5 s by default).
            timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
            if not lock.acquire(timeout=timeout):
                raise OperationalError("database is locked (waited for another writer of this process)")
            self._holds_writer_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _release_writer_lock(self) -> None:
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            self._writer_lock().release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            conn = self.connection
            if conn is not None and not self.is_in_memory_db():
                pool = _pool(str(self.settings_dict["NAME"]))
                if len(pool) < POOL_SIZE:
                    with self.wrap_database_errors:
                        if conn.in_transaction:
                            conn.rollback()
                    pool.append(conn)
                    return None
            return super()._close()
        finally:
            self._release_writer_lock()
