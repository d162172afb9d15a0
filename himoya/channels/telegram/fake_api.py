"""A fake Telegram Bot API server for tests and benchmarks: real HTTP on loopback.

Point python-telegram-bot at it (``TELEGRAM_API_URL = fake.url``): it serves ``getMe``,
``getUpdates`` (long polling, with offsets), ``sendMessage``, ``editMessageText``,
``answerCallbackQuery``, ``deleteMessage``, ``getFile`` with file downloads,
``setWebhook``/``deleteWebhook``, records every call, and can be told to answer 429 with
``retry_after``, 5xx, or 403 "bot was blocked by the user".

It imports nothing from Django, so a benchmark can run it in a process of its own.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

BOT_ID = 700000001
JSON_PARAMS = {"reply_markup", "allowed_updates", "link_preview_options", "entities"}


@dataclass
class Call:
    method: str
    params: dict
    at: float  # time.time() when it arrived
    status: int = 200
    message_id: int | None = None  # of the message sent or edited


@dataclass
class _Fault:
    method: str
    status: int
    retry_after: int | None
    chat_id: int | None
    remaining: int


@dataclass
class FakeBotAPI:
    token: str = "123456:TEST-token_for-the-fake-api"
    host: str = "127.0.0.1"
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    # Called with each successful call to a chat, from the server's thread:
    # on_call(chat_id, method, params, message_id of the message sent or edited, or None).
    on_call: Callable[[int, str, dict, int | None], None] | None = None

    def __post_init__(self):
        self._lock = threading.Lock()
        self._updates: list[dict] = []
        self._has_updates = threading.Condition(self._lock)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._files: dict[str, bytes] = {}
        self._faults: list[_Fault] = []
        self.blocked: set[int] = set()
        self.enqueued_at: dict[int, float] = {}  # update_id -> time.time() it became available
        self.webhook: dict | None = None
        self.confirmed_offset = 0

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeBotAPI:
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = _Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-bot-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._has_updates.notify_all()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- feeding updates ---------------------------------------------------------------------

    def push(self, update: dict) -> dict:
        """Make an update available to getUpdates (it gets the next update_id if it has none)."""
        with self._lock:
            update.setdefault("update_id", next(self._update_ids))
            self._updates.append(update)
            self.enqueued_at[update["update_id"]] = time.time()
            self._has_updates.notify_all()
        return update

    def new_update_id(self) -> int:
        with self._lock:
            return next(self._update_ids)

    def pending(self) -> int:
        with self._lock:
            return len(self._updates)

    @staticmethod
    def user(chat_id: int, first_name: str = "Child", language_code: str = "en") -> dict:
        return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": language_code}

    def message(self, chat_id: int, text: str | None = None, **extra) -> dict:
        """An update with a private message from ``chat_id`` (``text``, or e.g. ``photo=...``)."""
        with self._lock:
            message_id = next(self._message_ids)
        body = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Child"},
            "from": self.user(chat_id),
        }
        if text is not None:
            body["text"] = text
            if text.startswith("/"):
                body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        body.update(extra)
        return {"message": body}

    def tap(self, chat_id: int, data: str, message_id: int = 1) -> dict:
        """An update with a button tap (callback query) on the bot's message ``message_id``."""
        with self._lock:
            query_id = str(next(self._callback_ids))
        return {
            "callback_query": {
                "id": query_id,
                "from": self.user(chat_id),
                "chat_instance": str(chat_id),
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Child"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Himoya"},
                    "text": "…",
                },
            }
        }

    def add_file(self, data: bytes, file_id: str | None = None) -> str:
        with self._lock:
            file_id = file_id or f"file-{len(self._files) + 1}"
            self._files[file_id] = data
        return file_id

    def photo(self, chat_id: int, data: bytes, caption: str | None = None, **extra) -> dict:
        """A photo message: the bytes are served by getFile and the file download."""
        file_id = self.add_file(data)
        sizes = [{"file_id": file_id, "file_unique_id": file_id, "width": 100, "height": 80, "file_size": len(data)}]
        if caption is not None:
            extra["caption"] = caption
        return self.message(chat_id, photo=sizes, **extra)

    # --- faults --------------------------------------------------------------------------------

    def fail_next(
        self, method: str, status: int = 429, *, retry_after: int | None = None, chat_id=None, times: int = 1
    ) -> None:
        with self._lock:
            self._faults.append(_Fault(method, status, retry_after, chat_id, times))

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    # --- what the bot did ------------------------------------------------------------------------

    def calls_to(self, chat_id: int, method: str | None = None) -> list[Call]:
        with self._lock:
            return [
                call
                for call in self.calls
                if _chat_of(call.params) == chat_id and (method is None or call.method == method)
            ]

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def texts_to(self, chat_id: int) -> list[str]:
        """What the chat was shown: sent and edited texts, in order, successful calls only."""
        return [
            call.params.get("text", "")
            for call in self.calls_to(chat_id)
            if call.method in ("sendMessage", "editMessageText") and call.status == 200
        ]

    def last_keyboard(self, chat_id: int) -> list[list[dict]]:
        for call in reversed(self.calls_to(chat_id)):
            markup = call.params.get("reply_markup")
            if call.status == 200 and markup:
                return markup.get("inline_keyboard", [])
        return []

    # --- serving ---------------------------------------------------------------------------------

    def _fault_for(self, method: str, params: dict) -> _Fault | None:
        chat_id = _chat_of(params)
        for fault in self._faults:
            if fault.method == method and fault.remaining > 0 and fault.chat_id in (None, chat_id):
                fault.remaining -= 1
                return fault
        return None

    def handle(self, method: str, params: dict) -> tuple[int, dict]:
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self._lock:
            fault = self._fault_for(method, params)
            chat_id = _chat_of(params)
            blocked = chat_id in self.blocked and method in ("sendMessage", "editMessageText", "deleteMessage")
            if fault is not None:
                status, body = fault.status, _error(fault.status, fault.retry_after)
            elif blocked:
                status, body = 403, _error(403, None)
            else:
                status, body = self._answer(method, params)
            result = body.get("result")
            message_id = result.get("message_id") if isinstance(result, dict) else None
            self.calls.append(Call(method, params, time.time(), status, message_id))
        if status == 200 and chat_id is not None and self.on_call is not None:
            self.on_call(chat_id, method, params, message_id)
        return status, body

    def _answer(self, method: str, params: dict) -> tuple[int, dict]:
        now = int(time.time())
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {"id": BOT_ID, "is_bot": True, "first_name": "Himoya", "username": "himoya_test_bot"},
            }
        if method in ("sendMessage", "editMessageText"):
            chat_id = _chat_of(params)
            message_id = int(params["message_id"]) if method == "editMessageText" else next(self._message_ids)
            result = {
                "message_id": message_id,
                "date": now,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Himoya"},
                "text": params.get("text", ""),
            }
            return 200, {"ok": True, "result": result}
        if method in ("answerCallbackQuery", "deleteMessage", "setWebhook", "deleteWebhook"):
            if method == "setWebhook":
                self.webhook = params
            elif method == "deleteWebhook":
                self.webhook = None
            return 200, {"ok": True, "result": True}
        if method == "getFile":
            file_id = params.get("file_id", "")
            if file_id not in self._files:
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
            return 200, {
                "ok": True,
                "result": {
                    "file_id": file_id,
                    "file_unique_id": file_id,
                    "file_size": len(self._files[file_id]),
                    "file_path": f"photos/{file_id}.bin",
                },
            }
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._lock:
            if offset:
                # Asking from `offset` confirms everything before it: Telegram forgets those.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self.confirmed_offset = max(self.confirmed_offset, offset)
            while not self._updates:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._has_updates.wait(min(left, 0.5))
            result = list(self._updates[:limit])
            self.calls.append(Call("getUpdates", params, time.time()))
        return result

    def file(self, path: str) -> bytes | None:
        file_id = path.rsplit("/", 1)[-1].removesuffix(".bin")
        with self._lock:
            return self._files.get(file_id)


def _chat_of(params: dict) -> int | None:
    value = params.get("chat_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _error(status: int, retry_after: int | None) -> dict:
    descriptions = {
        429: f"Too Many Requests: retry after {retry_after}",
        403: "Forbidden: bot was blocked by the user",
        400: "Bad Request: message to edit not found",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    body = {"ok": False, "error_code": status, "description": descriptions.get(status, "Error")}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client closing its keep-alive connection (at shutdown) is not worth a traceback.
        pass


class _Handler(BaseHTTPRequestHandler):
    api: FakeBotAPI
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def _params(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        if "json" in kind and raw:
            return json.loads(raw)
        # Parameters may come in the query string, the form body, or both.
        query = self.path.partition("?")[2]
        params = {key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()}
        params.update({key: values[-1] for key, values in parse_qs(raw.decode(), keep_blank_values=True).items()})
        for key in JSON_PARAMS & params.keys():
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
        return params

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - the base class's name
        self._dispatch(self._params())

    def do_GET(self):  # noqa: N802
        prefix = f"/file/bot{self.api.token}/"
        path = unquote(self.path)
        if path.startswith(prefix):
            data = self.api.file(path[len(prefix) :])
            if data is None:
                self._reply(404, b"not found", "text/plain")
            else:
                self._reply(200, data, "application/octet-stream")
            return
        self._dispatch({})

    def _dispatch(self, params: dict) -> None:
        prefix = f"/bot{self.api.token}/"
        path = unquote(self.path)
        if not path.startswith(prefix):
            self._reply(401, json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode())
            return
        method = path[len(prefix) :].split("?")[0]
        status, body = self.api.handle(method, params)
        self._reply(status, json.dumps(body).encode())
