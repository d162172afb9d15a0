"""The staff queue hears about new and changed cases over a WebSocket."""

from __future__ import annotations

import asyncio
import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from config.asgi import application
from himoya.realtime import broadcast
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)


def _cookie_for(user, verified=True) -> str:
    if verified:
        client = verified_client(user)
        key = client.session.session_key
    else:
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.save()
        key = session.session_key
    return f"{settings.SESSION_COOKIE_NAME}={key}"


async def _connect(cookie: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, "/ws/queue/", headers=[(b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1")]
    )


def test_it_pushes_a_new_case_to_a_verified_operator(operator, file_report):
    cookie = _cookie_for(operator)

    async def scenario():
        communicator = await _connect(cookie)
        connected, _ = await communicator.connect()
        assert connected
        submission = await sync_to_async(file_report)()
        event = await communicator.receive_json_from(timeout=5)
        assert event == {"case": submission.case.pk}
        await communicator.disconnect()

    asyncio.run(scenario())


def test_it_refuses_a_session_without_the_second_factor(operator):
    cookie = _cookie_for(operator, verified=False)

    async def scenario():
        communicator = await _connect(cookie)
        connected, code = await communicator.connect()
        assert not connected
        assert code == 4403

    asyncio.run(scenario())


def test_it_refuses_staff_without_a_role(outsider):
    cookie = _cookie_for(outsider)

    async def scenario():
        communicator = await _connect(cookie)
        connected, _ = await communicator.connect()
        assert not connected

    asyncio.run(scenario())


def test_a_broadcast_from_a_thread_whose_event_loop_is_busy_still_arrives():
    layer = get_channel_layer()

    async def listen_then_send_synchronously():
        channel = await layer.new_channel()
        await layer.group_add("busy-loop", channel)
        broadcast("busy-loop", {"type": "case.changed", "case": 7})
        return await asyncio.wait_for(layer.receive(channel), 5)

    assert asyncio.run(listen_then_send_synchronously()) == {"type": "case.changed", "case": 7}


def test_a_triaged_batch_announces_each_of_its_cases_in_order(operator, file_report):
    from himoya.triage.tasks import triage_reports

    first, second = file_report(), file_report()
    cookie = _cookie_for(operator)

    async def scenario():
        communicator = await _connect(cookie)
        connected, _ = await communicator.connect()
        assert connected
        await sync_to_async(triage_reports.call)([first.report.pk, second.report.pk])
        events = [await communicator.receive_json_from(timeout=5) for _ in range(2)]
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return events

    assert asyncio.run(scenario()) == [{"case": first.case.pk}, {"case": second.case.pk}]


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_process_sends_through_a_loop_of_its_own():
    """The parent's sender thread does not exist in a child: the child must start its own."""
    from himoya import realtime

    loop = realtime._sender()
    assert realtime._sender() is loop
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report whether it got a new, running loop, then leave at once
        child_loop = realtime._sender()
        ok = child_loop is not loop and _wait_running(child_loop)
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    assert answer == b"1"


def _wait_running(loop, seconds=5.0):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if loop.is_running():
            return True
        time.sleep(0.01)
    return False
