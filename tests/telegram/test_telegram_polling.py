"""`manage.py start` runs the bot by long polling when TELEGRAM_BOT_TOKEN is set."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.db import connection

from himoya.channels.telegram import dispatch, polling
from himoya.ops.management.commands import start

CHAT = 555000123


def _wait_for(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)  # the poller's threads need real commits
def test_the_poller_answers_on_its_own_threads_and_stops_cleanly(bot, fake_api, settings):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # The test database is then SQLite's shared in-memory one, whose table locks fail at
        # once instead of waiting; the platform's SQLite is a WAL file (see the benchmark).
        pytest.skip("threads need PostgreSQL or a SQLite file")
    settings.TELEGRAM_POLL_TIMEOUT = 1
    thread, stop = polling.start_in_thread(webhook=False)
    try:
        fake_api.push(fake_api.message(CHAT, "/start"))
        assert _wait_for(lambda: any("choose your language" in t for t in fake_api.texts_to(CHAT)))
        for number in range(3):
            fake_api.push(fake_api.tap(CHAT, f"lang:{['en', 'ru', 'uz'][number]}"))
        assert _wait_for(lambda: len(fake_api.calls_of("answerCallbackQuery")) == 3)
    finally:
        stop.set()
        thread.join(10)
        dispatch.use_task_queue()
    assert not thread.is_alive()
    # Every update was acknowledged: nothing is fetched twice after a restart.
    assert fake_api.confirmed_offset == polling.resume_offset()


def test_start_runs_the_bot_only_with_a_token(monkeypatch, settings):
    """No database needed: migrate, bootstrap and the server are left out."""
    started = []
    monkeypatch.setattr(start, "serve", lambda host, port: None)
    monkeypatch.setattr(start, "call_command", lambda *args, **kwargs: None)  # migrate, collectstatic
    monkeypatch.setattr(start, "bootstrap", lambda: type("Result", (), {"setup_token": None})())
    monkeypatch.setattr("himoya.channels.telegram.polling.start_in_thread", lambda webhook: started.append(webhook))
    settings.TELEGRAM_BOT_TOKEN = ""
    call_command("start", "--no-worker")
    assert started == []
    settings.TELEGRAM_BOT_TOKEN = "123456:ABC-token"
    call_command("start", "--no-worker")
    assert started == [False]
    settings.TELEGRAM_WEBHOOK_URL = "https://help.example.org/telegram/webhook"
    call_command("start", "--no-worker")
    assert started == [False, True]
    call_command("start", "--no-worker", "--no-bot")
    assert started == [False, True]
