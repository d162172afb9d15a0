"""The bot against a fake Bot API server on loopback, driven the way a person uses Telegram.

``person(chat_id)`` types and taps; each action is fetched by the real long-polling code
(``polling.poll_once``) through python-telegram-bot, stored, handled and answered. Tasks
run immediately (``ImmediateBackend``), so when an action returns the bot has answered.
A task that fails fails the test.

Most tests run inside a transaction that is rolled back (fast on PostgreSQL too), where
nothing commits: ``bot.run(...)`` runs what an action queues "on commit" as it would run
after a real commit. The journey test runs with real commits.
"""

from __future__ import annotations

import io

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished
from PIL import Image

from himoya.channels.telegram import polling
from himoya.channels.telegram.fake_api import FakeBotAPI
from himoya.channels.telegram.transport import reset_transport

WEBHOOK_SECRET = "webhook-secret-for-tests_only"


def png(width: int = 120, height: int = 90, colour=(200, 30, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def fake_api():
    api = FakeBotAPI().start()
    yield api
    api.stop()


@pytest.fixture
def failed_tasks():
    failures = []

    def _record(sender, task_result, **kwargs):
        if task_result.status == TaskResultStatus.FAILED:
            failures.append("\n".join(error.traceback for error in task_result.errors))

    task_finished.connect(_record)
    yield failures
    task_finished.disconnect(_record)


@pytest.fixture
def bot(settings, fake_api, reference, failed_tasks, django_capture_on_commit_callbacks):
    """The bot configured against the fake server; ``bot.poll()`` fetches and handles updates."""
    settings.TELEGRAM_BOT_TOKEN = fake_api.token
    settings.TELEGRAM_API_URL = fake_api.url
    settings.TELEGRAM_POLL_TIMEOUT = 0
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    driver = BotDriver(fake_api, django_capture_on_commit_callbacks)
    yield driver
    reset_transport()
    assert not failed_tasks, failed_tasks[0]


class BotDriver:
    def __init__(self, api: FakeBotAPI, capture):
        self.api = api
        self.offset = None
        self._capture = capture

    def run(self, function, *args, **kwargs):
        """Call ``function``, then run what it queued on commit (and what that queued, ...)."""
        with self._capture(execute=True):
            return function(*args, **kwargs)

    def poll(self) -> None:
        while self.api.pending():
            before = self.offset
            self.offset = self.run(polling.poll_once, self.offset, timeout=0)
            if self.offset == before:
                break
        # Confirm what was fetched, as the next long poll would.
        self.run(polling.poll_once, self.offset, timeout=0)


@pytest.fixture
def person(bot, fake_api):
    def _make(chat_id: int = 555000111) -> Person:
        return Person(bot, fake_api, chat_id)

    return _make


class Person:
    """Someone in a private chat with the bot."""

    def __init__(self, bot: BotDriver, api: FakeBotAPI, chat_id: int):
        self.bot, self.api, self.chat_id = bot, api, chat_id

    def _act(self, update: dict) -> list[str]:
        seen = len(self.api.texts_to(self.chat_id))
        self.api.push(update)
        self.bot.poll()
        return self.api.texts_to(self.chat_id)[seen:]

    def says(self, text: str, **extra) -> list[str]:
        """Send a message; returns what the bot showed in answer."""
        return self._act(self.api.message(self.chat_id, text, **extra))

    def sends_photo(self, data: bytes, caption: str | None = None) -> list[str]:
        return self._act(self.api.photo(self.chat_id, data, caption))

    def buttons(self) -> list[dict]:
        return [button for row in self.api.last_keyboard(self.chat_id) for button in row]

    def taps(self, label: str) -> list[str]:
        """Tap the button (on the latest keyboard) whose callback data or label matches."""
        message_id, keyboard = self._latest_keyboard()
        for row in keyboard:
            for button in row:
                if button.get("callback_data") == label or label in button.get("text", ""):
                    return self._act(self.api.tap(self.chat_id, button["callback_data"], message_id))
        raise AssertionError(f"no button {label!r} in {[b.get('text') for r in keyboard for b in r]}")

    def taps_data(self, data: str, message_id: int = 1) -> list[str]:
        """Tap a button by its data, as on an old message further up the chat."""
        return self._act(self.api.tap(self.chat_id, data, message_id))

    def _latest_keyboard(self):
        for call in reversed(self.api.calls_to(self.chat_id)):
            markup = call.params.get("reply_markup")
            if call.status == 200 and markup and call.method in ("sendMessage", "editMessageText"):
                return call.message_id, markup.get("inline_keyboard", [])
        raise AssertionError("the bot has shown no buttons")
