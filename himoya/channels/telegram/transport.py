"""The Bot API behind a small synchronous interface, over python-telegram-bot.

The rest of the bot is ordinary (synchronous) Django code running in web requests, task
workers and the polling thread. PTB's ``Bot`` is asynchronous, so one ``BotTransport`` per
process runs it on its own event loop in a daemon thread and every call waits for its
result there; all threads share one HTTP connection pool.

Errors are reduced to what the outbox must decide on: ``Blocked`` (403: the person blocked
the bot), ``RetryLater`` (429, with Telegram's ``retry_after``), ``Temporary`` (network
trouble, 5xx) and ``Rejected`` (any other refusal; retrying would not help).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.signals import setting_changed

logger = logging.getLogger(__name__)

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; opt in now (_translate
# reads either).
os.environ.setdefault("PTB_TIMEDELTA", "true")

CALL_TIMEOUT = 60.0  # seconds a caller waits for one call, beyond PTB's own timeouts


class TransportError(Exception):
    pass


class Blocked(TransportError):
    """The person blocked the bot or closed their account (HTTP 403)."""


class RetryLater(TransportError):
    def __init__(self, seconds: float):
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class Temporary(TransportError):
    """The network or Telegram failed; the same call may well work later."""


class Rejected(TransportError):
    """Telegram refused the call (bad request, message gone, query too old...)."""


class TooLarge(TransportError):
    """A file is larger than we accept."""


def _markup(keyboard: list[list[list]] | None):
    """Our JSON keyboard (rows of ``[label, callback_data]`` or ``[label, None, url]``) for PTB."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    if keyboard is None:
        return None
    rows = []
    for row in keyboard:
        buttons = []
        for button in row:
            label, data, *rest = button
            if data is None:
                buttons.append(InlineKeyboardButton(label, url=rest[0]))
            else:
                buttons.append(InlineKeyboardButton(label, callback_data=data))
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)


class BotTransport:
    """python-telegram-bot's ``Bot`` on a private event loop, callable from any thread."""

    def __init__(self, token: str, api_url: str, *, poll_timeout: int = 30, pool_size: int = 64):
        from telegram import Bot
        from telegram.request import HTTPXRequest

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="telegram-transport", daemon=True)
        self._thread.start()
        # A local (loopback) API server, such as the tests' fake, must not go through a proxy.
        loopback = api_url.startswith(("http://127.", "http://localhost", "http://[::1]"))
        extra = {"trust_env": False} if loopback else None
        # A request's headers and body leave in separate writes; with Nagle's algorithm on,
        # each call would wait for the server's delayed ACK (40 ms on Linux).
        no_delay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        request = HTTPXRequest(
            connection_pool_size=pool_size,
            connect_timeout=5.0,
            read_timeout=15.0,
            write_timeout=15.0,
            pool_timeout=15.0,
            socket_options=no_delay,
            httpx_kwargs=extra,
        )
        # getUpdates gets its own connection: a long poll must not hold one of the others.
        self._updates_request = updates_request = HTTPXRequest(
            connection_pool_size=1, read_timeout=10.0, socket_options=no_delay, httpx_kwargs=extra
        )
        self.poll_timeout = poll_timeout
        self.bot = Bot(
            token,
            base_url=f"{api_url}/bot",
            base_file_url=f"{api_url}/file/bot",
            request=request,
            get_updates_request=updates_request,
        )
        self._initialized = False
        self._init_lock = threading.Lock()

    # --- plumbing ---------------------------------------------------------------------------

    def _run(self, coro, timeout: float = CALL_TIMEOUT):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _call(self, make_coro, timeout: float = CALL_TIMEOUT):
        from telegram import error

        if not self._initialized:
            with self._init_lock:
                if not self._initialized:
                    try:
                        self._run(self.bot.initialize())
                    except error.TelegramError as exc:
                        raise _translate(exc) from exc
                    self._initialized = True
        try:
            return self._run(make_coro(), timeout)
        except error.TelegramError as exc:
            raise _translate(exc) from exc
        except TimeoutError as exc:
            raise Temporary("the call did not finish in time") from exc

    def close(self) -> None:
        if self._initialized:
            try:
                self._run(self.bot.shutdown(), timeout=10)
            except Exception:  # noqa: BLE001 - closing is best effort
                logger.warning("telegram transport did not shut down cleanly")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    # --- the calls the bot makes ------------------------------------------------------------

    def get_me(self) -> dict:
        return self._call(lambda: self.bot.get_me()).to_dict()

    def send_message(self, chat_id: int, text: str, keyboard=None) -> int:
        message = self._call(
            lambda: self.bot.send_message(
                chat_id, text, reply_markup=_markup(keyboard), link_preview_options=_no_preview()
            )
        )
        return message.message_id

    def edit_message_text(self, chat_id: int, message_id: int, text: str, keyboard=None) -> None:
        self._call(
            lambda: self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=_markup(keyboard),
                link_preview_options=_no_preview(),
            )
        )

    def answer_callback_query(self, callback_query_id: str, text: str | None = None) -> None:
        self._call(lambda: self.bot.answer_callback_query(callback_query_id, text=text))

    def delete_message(self, chat_id: int, message_id: int) -> None:
        self._call(lambda: self.bot.delete_message(chat_id, message_id))

    def download(self, file_id: str, max_bytes: int) -> bytes:
        """The file's bytes; ``TooLarge`` when Telegram says (or it turns out) it is over ``max_bytes``."""

        async def fetch():
            telegram_file = await self.bot.get_file(file_id)
            if telegram_file.file_size and telegram_file.file_size > max_bytes:
                raise TooLarge(f"{telegram_file.file_size} bytes")
            return bytes(await telegram_file.download_as_bytearray())

        data = self._call(fetch)
        if len(data) > max_bytes:
            raise TooLarge(f"{len(data)} bytes")
        return data

    def get_updates(self, offset: int | None, timeout: int | None = None) -> list[dict]:
        """Updates as Telegram sent them. They are not parsed here: one that PTB cannot read
        must not stop the poller, so it is stored like any other and the handler skips it."""
        timeout = self.poll_timeout if timeout is None else timeout
        params = {"timeout": timeout, "allowed_updates": json.dumps(ALLOWED_UPDATES)}
        if offset is not None:
            params["offset"] = offset
        url = f"{self.bot.base_url}/getUpdates?{urlencode(params)}"
        updates = self._call(
            lambda: self._updates_request.post(url, read_timeout=timeout + 10.0),
            timeout=timeout + CALL_TIMEOUT,
        )
        return [update for update in updates if isinstance(update, dict)]

    def set_webhook(self, url: str, secret: str) -> None:
        self._call(lambda: self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))

    def delete_webhook(self) -> None:
        self._call(lambda: self.bot.delete_webhook(drop_pending_updates=False))


# What the bot asks Telegram to send it; everything else is never delivered.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def _no_preview():
    from telegram import LinkPreviewOptions

    # Links in our messages (advice articles) should not unfold into large previews.
    return LinkPreviewOptions(is_disabled=True)


def _translate(exc) -> TransportError:
    from telegram import error

    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, error.RetryAfter):
        wait = exc.retry_after  # seconds, or a timedelta once PTB_TIMEDELTA is the default
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RetryLater(seconds)
    if isinstance(exc, error.Forbidden):
        return Blocked(str(exc))
    if isinstance(exc, error.NetworkError):  # includes TimedOut and 5xx answers
        return Temporary(str(exc))
    return Rejected(str(exc))


# --- the process's transport --------------------------------------------------------------------

_transport: Any = None
_lock = threading.Lock()


def get_transport():
    """The process-wide transport, built from the settings on first use."""
    global _transport
    if _transport is None:
        with _lock:
            if _transport is None:
                if not settings.TELEGRAM_BOT_TOKEN:
                    raise TransportError("TELEGRAM_BOT_TOKEN is not set")
                _transport = BotTransport(
                    settings.TELEGRAM_BOT_TOKEN,
                    settings.TELEGRAM_API_URL,
                    poll_timeout=settings.TELEGRAM_POLL_TIMEOUT,
                )
    return _transport


def reset_transport() -> None:
    """Close the transport; the next call builds a new one (after a settings change)."""
    global _transport
    with _lock:
        old, _transport = _transport, None
    if old is not None:
        old.close()


def _on_setting_changed(setting, **kwargs):
    if setting.startswith("TELEGRAM_"):
        reset_transport()


setting_changed.connect(_on_setting_changed)
