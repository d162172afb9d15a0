"""Fixtures of the awareness tests: trainers, sessions with one activity of each kind,
pupils, a fresh channel layer, and a real ASGI server (HTTP + WebSocket) for browser tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from datetime import date

import pytest
from django.test import Client

from himoya import realtime
from himoya.accounts import roles
from himoya.awareness import actions
from himoya.awareness.access import cookie_name
from himoya.awareness.models import Kind
from himoya.awareness.plans import ActivityPlan
from tests.conftest import make_staff, verified_client


@pytest.fixture(autouse=True)
def _awareness_settings(settings):
    settings.AWARENESS_LIVE_INTERVAL_MS = 20
    settings.AWARENESS_RETENTION_DAYS = 30


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A new channel layer per test: the in-memory one keeps queues bound to an event loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def fresh_live_reader():
    """A new reader thread per test, and no connection left open in a worker thread: each
    belongs to one test's database (PostgreSQL cannot drop a test database still in use)."""
    yield
    _reset_live_reader()


def _reset_live_reader() -> None:
    from asgiref.sync import SyncToAsync
    from django.db import connections

    from himoya.awareness import live

    if live._reader_pool is not None:
        pool, live._reader_pool = live._reader_pool, None
        pool.submit(connections.close_all).result()
        pool.shutdown(wait=True)
    if connections["default"].vendor != "sqlite":
        SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture
def trainer(reference):
    return make_staff("tamila", roles.TRAINER)


@pytest.fixture
def trainer2(reference):
    return make_staff("timur", roles.TRAINER)


@pytest.fixture
def administrator(reference):
    return make_staff("adil", roles.ADMINISTRATOR)


@pytest.fixture
def trainer_client(trainer) -> Client:
    return verified_client(trainer)


POLL = ActivityPlan(
    kind=Kind.POLL_SINGLE, prompt="Which app do you use most?", options=["Telegram", "TikTok", "YouTube"]
)
MULTI = ActivityPlan(
    kind=Kind.POLL_MULTIPLE, prompt="What happened to you online?", options=["Mean comments", "Spam", "None"]
)
QUIZ = ActivityPlan(
    kind=Kind.QUIZ,
    prompt="Which password is strongest?",
    options=["qwerty", "purple-rain-47-bike"],
    correct=[1],
    seconds=20,
)
CLOUD = ActivityPlan(kind=Kind.WORD_CLOUD, prompt="One word about the internet", max_words=2)
RATING = ActivityPlan(kind=Kind.RATING, prompt="How safe do you feel?", scale_max=5)
QA = ActivityPlan(kind=Kind.QA, prompt="Your questions")


@pytest.fixture
def make_session(trainer):
    """``make_session(*plans, **details)``: a draft session of ``trainer`` with these activities."""

    def _make(*plans, user=None, **details):
        user = user or trainer
        fields = {
            "title": "Safe online, 8B",
            "language": "en",
            "scheduled_for": date.today(),
            "audience": "pupils_7_11",
        }
        fields.update(details)
        session = actions.create_session(user, actions.SessionDetails(**fields))
        for plan in plans or (POLL,):
            actions.add_activity(session, user, ActivityPlan(**plan.__dict__))
        return session

    return _make


@pytest.fixture
def session(make_session):
    return make_session(POLL, MULTI, QUIZ, CLOUD, RATING, QA)


@pytest.fixture
def pupil():
    """``pupil(session, nickname="")``: a joined participant and a Client carrying its cookie."""

    def _join(session, nickname: str = ""):
        participant, token = actions.join_session(session, nickname)
        client = Client()
        client.cookies[cookie_name(session)] = token
        return participant, client, token

    return _join


# --- A real ASGI server in this process, for the browser ----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def shared_test_connection(transactional_db):
    """Let server threads use this test's database connection when it is in-memory SQLite.

    An in-memory database lives only in its connection, so (as Django's LiveServerThread
    does) every thread gets the same connection; on PostgreSQL each thread connects itself.
    """
    from django.db import connections

    conn = connections["default"]
    if conn.vendor != "sqlite" or not conn.is_in_memory_db():
        yield
        return
    _forget_worker_connection()
    conn.inc_thread_sharing()
    original = connections.create_connection
    connections.create_connection = lambda alias: conn if alias == "default" else original(alias)
    try:
        with _one_transaction_at_a_time(), _one_query_at_a_time():
            yield
    finally:
        # Before the connection stops being shared: the threads that used it let go first.
        _reset_live_reader()
        del connections.create_connection
        _forget_worker_connection()
        conn.dec_thread_sharing()


@contextlib.contextmanager
def _one_transaction_at_a_time():
    """Threads sharing one connection take turns at transactions.

    A connection holds one transaction; two threads each opening one on it (a request and a
    WebSocket consumer writing at once, as live pages do) would collide. Each thread's
    outermost ``atomic`` block waits for the others' to end, as separate connections would
    wait for SQLite's write lock.
    """
    from django.db.transaction import Atomic

    turn = threading.RLock()
    depth = threading.local()
    enter, exit_ = Atomic.__enter__, Atomic.__exit__

    def serialized_enter(self):
        level = getattr(depth, "level", 0)
        if level == 0:
            turn.acquire()
        depth.level = level + 1
        try:
            return enter(self)
        except BaseException:
            _leave_turn()
            raise

    def serialized_exit(self, *exc_info):
        try:
            return exit_(self, *exc_info)
        finally:
            _leave_turn()

    def _leave_turn():
        depth.level -= 1
        if depth.level == 0:
            turn.release()

    Atomic.__enter__, Atomic.__exit__ = serialized_enter, serialized_exit
    try:
        yield
    finally:
        Atomic.__enter__, Atomic.__exit__ = enter, exit_


@contextlib.contextmanager
def _one_query_at_a_time():
    """Threads sharing one connection take turns at queries too: SQLite refuses two
    statements run at once on one connection from different threads ("API misuse")."""
    from django.db.models.sql.compiler import SQLCompiler

    turn = threading.RLock()
    execute_sql = SQLCompiler.execute_sql

    def serialized(self, *args, **kwargs):
        with turn:
            return execute_sql(self, *args, **kwargs)

    SQLCompiler.execute_sql = serialized
    try:
        yield
    finally:
        SQLCompiler.execute_sql = execute_sql


def _forget_worker_connection() -> None:
    """Drop the connection asgiref's shared worker thread (``database_sync_to_async``) keeps,
    so that thread takes this test's connection, not an earlier test's."""
    from asgiref.sync import SyncToAsync

    def forget():
        from django.db import connections

        try:
            del connections["default"]
        except AttributeError:
            pass

    SyncToAsync.single_thread_executor.submit(forget).result()


@pytest.fixture
def asgi_server(shared_test_connection, monkeypatch):
    """The platform served by uvicorn (HTTP and WebSocket) in a thread; yields its base URL."""
    import uvicorn

    # Playwright's sync API runs an event loop in the test thread; the test's ORM calls are
    # plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from channels.routing import ProtocolTypeRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config import asgi

    # As Django's live server does: static files from the source tree, no collectstatic.
    app = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(asgi.django_application),
            "websocket": asgi.application.application_mapping["websocket"],
        }
    )
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_config=None,
        access_log=False,
        ws_ping_interval=None,
    )
    server = uvicorn.Server(config)

    async def serve():
        # As `manage.py start` does: work in other threads sends through the server's loop.
        realtime.bind_server_loop(asyncio.get_running_loop())
        await server.serve()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    realtime.bind_server_loop(None)
