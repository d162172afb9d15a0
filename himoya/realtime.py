"""Sending to WebSocket groups from any thread.

In the embedded default the channel layer lives in memory inside the server's event loop;
work done in the task-worker thread must hand its messages to that loop instead of
touching the layer's queues from another thread. ``bind_server_loop`` is called once the
server's loop runs. With Redis, synchronous code sends through one long-lived event loop
of the process (its own thread), so the layer's connections are made once, not per send.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

_server_loop: asyncio.AbstractEventLoop | None = None
_sender_loop: asyncio.AbstractEventLoop | None = None
_sender_lock = threading.Lock()


def bind_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def broadcast(group: str, message: dict) -> None:
    broadcast_many([(group, message)])


def broadcast_many(messages: Iterable[tuple[str, dict]]) -> None:
    """Send each ``(group, message)`` in order, all in one trip to the channel layer."""
    messages = list(messages)
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all():
        for group, message in messages:
            await layer.group_send(group, message)

    if not isinstance(layer, InMemoryChannelLayer):
        asyncio.run_coroutine_threadsafe(send_all(), _sender()).result()
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if _server_loop is not None and _server_loop.is_running() and running is not _server_loop:
        asyncio.run_coroutine_threadsafe(send_all(), _server_loop)
        return
    if running is not None:
        # Synchronous code in a thread whose own event loop is busy (a test driving a browser,
        # for one) cannot wait on a coroutine here: send from a short-lived thread instead.
        sender = threading.Thread(target=async_to_sync(send_all))
        sender.start()
        sender.join()
        return
    async_to_sync(send_all)()


def _sender() -> asyncio.AbstractEventLoop:
    """The process's event loop for sending to a channel layer that is not in memory."""
    global _sender_loop
    with _sender_lock:
        if _sender_loop is None:
            _sender_loop = asyncio.new_event_loop()
            threading.Thread(target=_sender_loop.run_forever, name="channel-layer-sender", daemon=True).start()
        return _sender_loop


def _forget_sender() -> None:
    """A forked child has the parent's loop object but not the thread that runs it."""
    global _sender_loop
    _sender_loop = None


os.register_at_fork(after_in_child=_forget_sender)
