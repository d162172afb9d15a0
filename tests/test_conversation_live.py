"""The live conversation over WebSockets: the real consumers, the real ASGI stack, a real database.

A reporter's page joins by the session their case code opened; a staff page joins one case,
signed in with both factors. Messages, delivery and read states and "typing…" reach the
other side; only what each side may see.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from himoya.audit.models import Action, AuditEntry
from himoya.conversations.actions import delivery_changed, send_reply
from himoya.conversations.models import DeliveryState, Direction, Message
from himoya.lib.fields import _Encrypted
from himoya.reports.models import Report
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A new in-memory channel layer per test: its queues belong to one event loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def staff_cookie(user) -> bytes:
    return f"{settings.SESSION_COOKIE_NAME}={verified_client(user).session.session_key}".encode()


def reporter_cookie(code: str) -> bytes:
    client = Client()
    assert client.post("/en/status/", {"code": code}).status_code == 302
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def staff_socket(cookie: bytes, case_id: int, lang: str = "en") -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, f"/ws/cases/{case_id}/chat/?lang={lang}", headers=[(b"cookie", cookie), ORIGIN]
    )


def reporter_socket(cookie: bytes | None, lang: str = "en") -> WebsocketCommunicator:
    headers = [ORIGIN] + ([(b"cookie", cookie)] if cookie else [])
    return WebsocketCommunicator(application, f"/ws/conversation/?lang={lang}", headers=headers)


async def connected(communicator: WebsocketCommunicator) -> WebsocketCommunicator:
    ok, _code = await communicator.connect(timeout=10)
    assert ok
    return communicator


async def next_of(communicator: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict:
    """The next event of ``kind``, skipping others (a state change may come before a message)."""
    while True:
        event = await communicator.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


def run(scenario):
    asyncio.run(scenario())


def test_a_reply_appears_on_the_reporters_page_and_the_operator_sees_it_delivered_then_read(file_report, operator):
    submission = file_report()
    child, desk = reporter_cookie(submission.code), staff_cookie(operator)

    async def scenario():
        page = await connected(reporter_socket(child))
        console = await connected(staff_socket(desk, submission.case.pk))
        reply = await sync_to_async(send_reply)(submission.case, operator, "We read your message. You are not alone.")

        shown = await next_of(page, "message")
        assert shown["id"] == reply.pk and shown["direction"] == Direction.OUTBOUND
        assert "We read your message. You are not alone." in shown["html"]
        assert shown["status"] == "Someone from the center is working on your report."

        assert (await next_of(console, "message"))["id"] == reply.pk
        await page.send_json_to({"type": "received", "id": reply.pk})  # the page is in the background
        delivered = await next_of(console, "state")
        assert (delivered["messages"], delivered["state"], delivered["label"]) == ([reply.pk], "delivered", "Delivered")

        await page.send_json_to({"type": "seen"})
        read = await next_of(console, "state")
        assert (read["messages"], read["state"], read["label"]) == ([reply.pk], "read", "Read")
        await page.disconnect()
        await console.disconnect()

    run(scenario)
    message = Message.objects.get()
    assert message.state == DeliveryState.READ and message.delivered_at and message.read_at
    assert AuditEntry.objects.filter(action=Action.CASE_STATUS_VIEWED, case=submission.case).exists()


def test_the_reporter_writes_over_the_socket_and_the_console_shows_it_then_marks_it_seen(file_report, operator):
    submission = file_report()
    child, desk = reporter_cookie(submission.code), staff_cookie(operator)

    async def scenario():
        page = await connected(reporter_socket(child))
        console = await connected(staff_socket(desk, submission.case.pk))
        await page.send_json_to({"type": "send", "body": "  He wrote again tonight.  ", "ref": 7})
        assert await next_of(page, "sent") == {"type": "sent", "ref": 7}
        mine = await next_of(page, "message")
        assert "He wrote again tonight." in mine["html"] and ">Sent<" in mine["html"]

        arrived = await next_of(console, "message")
        assert arrived["id"] == mine["id"] and arrived["report"] == submission.report.pk
        assert "He wrote again tonight." in arrived["html"]

        await console.send_json_to({"type": "seen", "up_to": arrived["id"]})
        seen = await next_of(page, "state")
        assert (seen["messages"], seen["state"], seen["label"]) == ([mine["id"]], "read", "Seen")
        await page.disconnect()
        await console.disconnect()

    run(scenario)
    message = Message.objects.get()
    assert (message.direction, message.report_id, message.body) == (
        Direction.INBOUND,
        submission.report.pk,
        "He wrote again tonight.",
    )
    assert message.state == DeliveryState.READ
    viewed = AuditEntry.objects.filter(action=Action.CASE_VIEWED, actor=operator).get()
    assert viewed.detail == {"messages": [message.pk]}
    assert AuditEntry.objects.filter(action=Action.MESSAGE_RECEIVED, case=submission.case).count() == 1


def test_typing_reaches_the_other_side_and_is_never_stored(file_report, operator, stored_counts, monkeypatch):
    monkeypatch.setattr("himoya.conversations.consumers.TYPING_MIN_INTERVAL", 3600)
    submission = file_report()
    child, desk = reporter_cookie(submission.code), staff_cookie(operator)
    before = stored_counts()

    async def scenario():
        page = await connected(reporter_socket(child))
        console = await connected(staff_socket(desk, submission.case.pk))
        await console.send_json_to({"type": "typing", "report": submission.report.pk, "active": True})
        assert await next_of(page, "typing") == {"type": "typing", "active": True}
        await page.send_json_to({"type": "typing", "active": True})
        typing = await next_of(console, "typing")
        assert (typing["who"], typing["report"], typing["active"]) == ("reporter", submission.report.pk, True)
        # Another start within the interval is dropped; stopping always goes through.
        await page.send_json_to({"type": "typing", "active": True})
        await page.send_json_to({"type": "typing", "active": False})
        assert (await next_of(console, "typing"))["active"] is False
        assert await console.receive_nothing(timeout=0.2)
        await page.disconnect()
        await console.disconnect()

    run(scenario)
    assert stored_counts() == before


def test_a_colleague_on_the_same_case_sees_who_is_typing(file_report, operator, operator2):
    submission = file_report()
    olga, oybek = staff_cookie(operator), staff_cookie(operator2)

    async def scenario():
        first = await connected(staff_socket(olga, submission.case.pk))
        second = await connected(staff_socket(oybek, submission.case.pk))
        await first.send_json_to({"type": "typing", "report": submission.report.pk, "active": True})
        typing = await next_of(second, "typing")
        assert (typing["who"], typing["name"]) == ("operator", "olga")
        assert await first.receive_nothing(timeout=0.2)  # not echoed to the one typing
        await first.disconnect()
        await second.disconnect()

    run(scenario)


def test_a_reporters_page_hears_only_its_own_conversation(file_report, operator):
    first = file_report(narrative="A channel posts pictures of my class.")
    second = file_report(narrative="That channel posted my photo too.")
    Report.objects.filter(pk=second.report.pk).update(case=first.case)
    other = Report.objects.get(pk=second.report.pk)
    child = reporter_cookie(first.code)

    async def scenario():
        page = await connected(reporter_socket(child))
        await sync_to_async(send_reply)(first.case, operator, "FOR-THE-SECOND-REPORTER", report=other)
        assert await page.receive_nothing(timeout=0.3)
        # Asking for everything since the start brings only its own thread too.
        await page.send_json_to({"type": "sync", "after": 0})
        assert await page.receive_nothing(timeout=0.3)
        await sync_to_async(send_reply)(first.case, operator, "FOR-THE-FIRST-REPORTER", report=first.report)
        assert "FOR-THE-FIRST-REPORTER" in (await next_of(page, "message"))["html"]
        await page.disconnect()

    run(scenario)


def test_sync_brings_what_was_written_before_the_page_connected(file_report, operator):
    submission = file_report()
    earlier = send_reply(submission.case, operator, "Written while your page was closed.")
    child = reporter_cookie(submission.code)

    async def scenario():
        page = await connected(reporter_socket(child))
        await page.send_json_to({"type": "sync", "after": 0})
        event = await next_of(page, "message")
        assert event["id"] == earlier.pk and "Written while your page was closed." in event["html"]
        await page.send_json_to({"type": "sync", "after": earlier.pk})
        assert await page.receive_nothing(timeout=0.2)
        await page.disconnect()

    run(scenario)


def test_the_reporters_socket_never_decrypts_what_was_reported(file_report, monkeypatch):
    """The conversation needs the case, not the narrative, links or contact: none is opened."""
    submission = file_report(contact="+998 90 123 45 67")
    child = reporter_cookie(submission.code)
    opened = []
    original = _Encrypted.from_db_value

    def recording(field, value, expression, connection):
        opened.append(field._context)
        return original(field, value, expression, connection)

    monkeypatch.setattr(_Encrypted, "from_db_value", recording)

    async def scenario():
        page = await connected(reporter_socket(child))
        await page.send_json_to({"type": "send", "body": "Is anyone there?", "ref": 1})
        assert await next_of(page, "sent") == {"type": "sent", "ref": 1}
        assert "Is anyone there?" in (await next_of(page, "message"))["html"]
        await page.send_json_to({"type": "sync", "after": 0})
        await next_of(page, "message")
        await page.send_json_to({"type": "seen"})
        assert await page.receive_nothing(timeout=0.2)
        await page.disconnect()

    run(scenario)
    assert "conversations.Message.body" in opened  # the recording works: the message was shown
    assert not [context for context in opened if context.startswith("reports.Report.")]


def test_the_reporters_socket_needs_a_session_opened_with_a_code(file_report):
    file_report()

    async def scenario():
        for cookie in (None, f"{settings.SESSION_COOKIE_NAME}=not-a-session".encode()):
            page = reporter_socket(cookie)
            ok, code = await page.connect()
            assert not ok and code == 4403

    run(scenario)


def test_staff_sockets_need_two_factors_a_role_and_a_case_they_may_see(file_report, operator, outsider, supervisor):
    ordinary = file_report()
    restricted = file_report(harm="csam", narrative="Someone sent me pictures of a child.")
    half_signed_in = Client()
    half_signed_in.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    unverified = f"{settings.SESSION_COOKIE_NAME}={half_signed_in.session.session_key}".encode()

    async def scenario():
        refused = [
            (unverified, ordinary.case.pk),
            (await sync_to_async(staff_cookie)(outsider), ordinary.case.pk),
            (await sync_to_async(staff_cookie)(operator), restricted.case.pk),
            (await sync_to_async(staff_cookie)(operator), 999_999),
        ]
        for cookie, case_id in refused:
            ok, code = await staff_socket(cookie, case_id).connect()
            assert not ok and code == 4403
        allowed = staff_socket(await sync_to_async(staff_cookie)(supervisor), restricted.case.pk)
        assert (await allowed.connect())[0]
        await allowed.disconnect()

    run(scenario)


def test_bad_input_gets_a_translated_refusal_and_stores_nothing(file_report, settings, stored_counts):
    settings.MESSAGE_MAX_CHARS = 100
    submission = file_report(language="ru")
    child = reporter_cookie(submission.code)
    before = stored_counts()

    async def scenario():
        page = await connected(reporter_socket(child, lang="ru"))
        await page.send_to(text_data="{not json")
        await page.send_to(text_data=json.dumps(["send"]))
        await page.send_json_to({"type": "delete_everything"})
        await page.send_json_to({"type": "sync", "after": "all"})
        assert await page.receive_nothing(timeout=0.2)
        await page.send_json_to({"type": "send", "body": "   ", "ref": 1})
        empty = await next_of(page, "error")
        await page.send_json_to({"type": "send", "body": "x" * 101, "ref": 2})
        too_long = await next_of(page, "error")
        await page.send_json_to({"type": "send", "body": {"text": "hi"}, "ref": 3})
        wrong_type = await next_of(page, "error")
        await page.disconnect()
        return empty, too_long, wrong_type

    empty, too_long, wrong_type = asyncio.run(scenario())
    from django.utils import translation

    with translation.override("ru"):
        expected_empty = translation.gettext("Please write your message first.")
    assert empty == {"type": "error", "ref": 1, "errors": [expected_empty]}
    assert wrong_type["errors"] == [expected_empty]
    assert too_long["ref"] == 2 and "100" in too_long["errors"][0] and "101" in too_long["errors"][0]
    assert stored_counts() == before


def test_a_telegram_reply_shows_its_delivery_live(file_report, operator):
    submission = file_report(channel="telegram")
    desk = staff_cookie(operator)

    async def scenario():
        console = await connected(staff_socket(desk, submission.case.pk))
        # No chat follows this report, so the courier cannot deliver: the reply fails, and says so.
        reply = await sync_to_async(send_reply)(submission.case, operator, "Please block that account.")
        events = [await console.receive_json_from(timeout=5) for _ in range(2)]
        assert {event["type"] for event in events} == {"message", "state"}
        state = next(event for event in events if event["type"] == "state")
        assert (state["messages"], state["state"], state["label"]) == ([reply.pk], "failed", "Failed")
        await console.disconnect()
        return reply

    reply = asyncio.run(scenario())
    reply.refresh_from_db()
    assert reply.state == DeliveryState.FAILED


def test_a_courier_reporting_sent_updates_open_consoles(file_report, operator):
    submission = file_report(channel="telegram")
    desk = staff_cookie(operator)
    reply = Message.objects.create(
        case=submission.case,
        report=submission.report,
        direction=Direction.OUTBOUND,
        channel="telegram",
        body="Queued for Telegram.",
        author=operator,
    )

    async def scenario():
        console = await connected(staff_socket(desk, submission.case.pk))
        await sync_to_async(delivery_changed)(reply, DeliveryState.SENT)
        state = await next_of(console, "state")
        assert (state["messages"], state["state"], state["label"]) == ([reply.pk], "sent", "Sent")
        await console.disconnect()

    run(scenario)
