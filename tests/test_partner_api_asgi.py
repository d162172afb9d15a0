"""The partner API as the server runs it: through the ASGI application, whose /api/ requests
are served whole on a pool of threads (himoya/lib/asgi.py), and SQLite's queued writers."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from channels.testing import HttpCommunicator
from django.db import connection

from config.asgi import application
from himoya.audit.models import Action, AuditEntry
from himoya.lib import codes
from himoya.lib.sqlite import base as sqlite_base
from himoya.reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)


async def _call(method: str, path: str, token: str | None, body: dict | None = None):
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    communicator = HttpCommunicator(
        application, method, path, body=json.dumps(body).encode() if body else b"", headers=headers
    )
    response = await communicator.get_response(timeout=10)
    return response["status"], dict(response["headers"]), json.loads(response["body"] or b"null")


def test_reports_filed_at_once_are_each_stored_with_their_audit_row(partner_token):
    _row, token = partner_token()
    body = {"narrative": "Someone posts my photos.", "language": "az", "links": ["https://t.me/somebody/5"]}

    async def many():
        if connection.vendor == "sqlite":
            # The tests' in-memory SQLite refuses a second writer outright (it has no busy
            # wait): one after another here; the file database's queue is tested below.
            return [await _call("POST", "/api/v1/reports", token, body) for _ in range(12)]
        return await asyncio.gather(*(_call("POST", "/api/v1/reports", token, body) for _ in range(12)))

    answers = asyncio.run(many())
    assert [status for status, _headers, _body in answers] == [201] * 12
    digests = {codes.digest(body["code"]) for _status, _headers, body in answers}
    assert Report.objects.filter(code_digest__in=digests).count() == 12
    assert (
        AuditEntry.objects.filter(action=Action.REPORT_SUBMITTED, case__reports__code_digest__in=digests)
        .distinct()
        .count()
        == 12
    )
    # Same link: the first report opened a case, the others joined it.
    assert Report.objects.filter(code_digest__in=digests).values("case").distinct().count() == 1


def test_errors_and_status_answer_in_json_through_the_pool(partner_token):
    _row, token = partner_token()
    status, headers, body = asyncio.run(_call("POST", "/api/v1/reports", None, {"narrative": "x", "language": "az"}))
    assert status == 401 and body["message"] == "A valid partner token is required."
    assert headers[b"Content-Type"].startswith(b"application/json")
    status, _headers, body = asyncio.run(_call("POST", "/api/v1/reports", token, {"narrative": " ", "language": "az"}))
    assert status == 400 and body["field"] == "narrative"
    status, _headers, created = asyncio.run(
        _call("POST", "/api/v1/reports", token, {"narrative": "A stranger asks for photos.", "language": "ru"})
    )
    assert status == 201
    status, _headers, body = asyncio.run(_call("GET", f"/api/v1/reports/{created['code']}", token))
    assert status == 200 and body["status"] == "new"


def test_the_pool_keeps_the_secure_headers_and_the_partners_language_and_sets_no_cookie(partner_token):
    # The pool's own middleware (settings.API_MIDDLEWARE) leaves out browser sessions and
    # sign-in, not the protective headers nor the language of errors.
    _row, token = partner_token()

    async def call(path: str, language: bytes):
        headers = [
            (b"host", b"127.0.0.1"),
            (b"accept-language", language),
            (b"authorization", f"Bearer {token}".encode()),
        ]
        response = await HttpCommunicator(application, "GET", path, headers=headers).get_response(timeout=10)
        return response["status"], dict(response["headers"]), response["body"]

    for path in ("/api/v1/reports/ABCD-EFGH-JKLM-NPQR", "/api/docs", "/api/openapi.json"):
        _status, headers, _body = asyncio.run(call(path, b"ru"))
        assert headers[b"X-Content-Type-Options"] == b"nosniff", path
        assert headers[b"X-Frame-Options"] == b"DENY", path
        assert b"default-src 'self'" in headers[b"Content-Security-Policy"], path
        assert b"Set-Cookie" not in headers, path
    unknown = "/api/v1/reports/ABCD-EFGH-JKLM-NPQR"
    (status_ru, _h, body_ru), (status_en, _h, body_en) = (
        asyncio.run(call(unknown, b"ru")),
        asyncio.run(call(unknown, b"en")),
    )
    assert status_ru == status_en == 404
    assert json.loads(body_ru)["message"] != json.loads(body_en)["message"]
    status, _headers, body = asyncio.run(call("/api/docs", b"en"))
    assert status == 200 and b"swagger" in body.lower()


def test_other_paths_are_served_by_djangos_asgi_handler():
    communicator = HttpCommunicator(application, "GET", "/healthz", headers=[(b"host", b"127.0.0.1")])
    response = asyncio.run(communicator.get_response(timeout=10))
    assert response["status"] == 200


def test_writers_of_a_sqlite_file_take_turns_and_connections_are_reused(tmp_path, settings):
    """A file database (the embedded default): the process's writers queue on one lock, held
    from BEGIN to COMMIT or ROLLBACK, and closed connections are kept for the next thread."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    from django.db.utils import ConnectionHandler

    handler = ConnectionHandler(
        {"default": {"ENGINE": "himoya.lib.sqlite", "NAME": str(tmp_path / "t.sqlite3"), "OPTIONS": {"timeout": 5}}}
    )
    first = handler["default"]
    with first.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE t (n INTEGER)")
    lock = sqlite_base.writer_lock(str(tmp_path / "t.sqlite3"))
    first.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert lock.locked()
    first.cursor().execute("INSERT INTO t VALUES (1)")
    first.rollback()
    first.set_autocommit(True)
    assert not lock.locked()
    raw = first.connection
    first.close()
    assert raw in sqlite_base._pools[str(tmp_path / "t.sqlite3")]

    done = []

    def writer(n):
        own = ConnectionHandler(handler.settings)["default"]
        for _ in range(20):
            own.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
            own.cursor().execute("INSERT INTO t VALUES (%s)", [n])
            own.commit()
            own.set_autocommit(True)
        own.close()
        done.append(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(done) == [0, 1, 2, 3]
    with first.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone()[0] == 80
    assert not lock.locked()
    first.close()


def test_a_write_outside_a_transaction_waits_its_turn_and_a_read_does_not(tmp_path):
    """A single writing statement in autocommit (the task worker marking a task done) queues
    on the writers' lock rather than in SQLite's busy handler; reads never queue."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    from django.db.utils import ConnectionHandler

    name = str(tmp_path / "t.sqlite3")
    settings = {"default": {"ENGINE": "himoya.lib.sqlite", "NAME": name, "OPTIONS": {"timeout": 5}}}
    first = ConnectionHandler(settings)["default"]
    with first.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE t (n INTEGER)")
    first.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    first.cursor().execute("INSERT INTO t VALUES (1)")
    finished = {}

    def other(statement: str) -> None:
        own = ConnectionHandler(settings)["default"]
        own.cursor().execute(statement)
        finished[statement] = time.monotonic()
        own.close()

    read = threading.Thread(target=other, args=("SELECT count(*) FROM t",))
    write = threading.Thread(target=other, args=("INSERT INTO t VALUES (2)",))
    read.start()
    write.start()
    read.join(5)
    time.sleep(0.3)
    assert "SELECT count(*) FROM t" in finished
    assert "INSERT INTO t VALUES (2)" not in finished  # waiting for the transaction's COMMIT
    assert sqlite_base.writer_lock(name).waiting() == 1  # in the process's queue, not SQLite's
    committed_at = time.monotonic()
    first.commit()
    first.set_autocommit(True)
    write.join(5)
    assert finished["INSERT INTO t VALUES (2)"] >= committed_at
    with first.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone()[0] == 2
    assert not sqlite_base.writer_lock(name).locked()
    first.close()


def test_the_reference_cache_follows_changes(reference):
    from himoya.reference.models import Region
    from himoya.reports import known

    region = Region.objects.filter(active=True).first()
    assert known.regions.active(region.code) == region
    region.active = False
    region.save(update_fields=["active"])
    assert known.regions.active(region.code) is None
    assert known.regions.get(region.code) == region


def test_the_writer_lock_goes_to_waiters_in_the_order_they_came():
    lock = sqlite_base.FairLock()
    assert lock.acquire()
    order = []

    def waiter(n):
        assert lock.acquire(timeout=10)
        order.append(n)
        lock.release()

    threads = []
    for n in range(5):
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        threads.append(thread)
        while len(lock._waiters) < n + 1:  # each waits before the next comes
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4]
    assert not lock.locked()
    assert lock.acquire(timeout=0) and not sqlite_base.FairLock().locked()
    assert not _other_thread_acquires(lock, timeout=0.05)
    lock.release()


def _other_thread_acquires(lock, timeout) -> bool:
    result = []
    thread = threading.Thread(target=lambda: result.append(lock.acquire(timeout=timeout)))
    thread.start()
    thread.join(5)
    return result[0]
