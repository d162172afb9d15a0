"""Outgoing messages: retried on 429 and 5xx, failed (and shown) when the bot is blocked, never lost."""

from __future__ import annotations

import time

import pytest

from himoya.cases.models import Case
from himoya.channels.telegram import inbound, polling
from himoya.channels.telegram.models import Outbound, TelegramChat, TelegramUpdate
from himoya.conversations.models import DeliveryState, Direction, Message
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

CHAT = 555000777


def _in_a_live_case(person):
    """A child who opened a live conversation, so a case is linked to the chat."""
    child = person(CHAT)
    child.says("/start")
    child.taps("lang:en")
    child.taps("m:live")
    child.says("A stranger keeps writing to me")
    return child, Case.objects.get()


def test_a_429_is_retried_after_retry_after(bot, person, fake_api):
    child = person(CHAT)
    fake_api.fail_next("sendMessage", 429, retry_after=1)
    child.says("/start")
    row = Outbound.objects.get()
    assert row.state == "queued" and row.attempts == 1
    assert fake_api.texts_to(CHAT) == []
    bot.run(polling.sweep)  # not due yet: nothing is sent early
    assert fake_api.texts_to(CHAT) == []
    time.sleep(1.05)
    bot.run(polling.sweep)
    attempts = fake_api.calls_to(CHAT, "sendMessage")
    assert [call.status for call in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert Outbound.objects.get().state == "sent"


def test_server_errors_back_off_then_give_up(bot, person, fake_api, settings):
    child = person(CHAT)
    fake_api.fail_next("sendMessage", 502, times=1)
    child.says("/start")
    row = Outbound.objects.get()
    assert row.state == "queued" and row.attempts == 1 and "Bad Gateway" in row.error
    assert 0.9 <= (row.next_attempt_at - row.created_at).total_seconds() <= 2.5
    Outbound.objects.update(next_attempt_at=row.created_at)  # as if the back-off had passed
    bot.run(polling.sweep)
    assert Outbound.objects.get().state == "sent"

    settings.TELEGRAM_SEND_MAX_ATTEMPTS = 1
    fake_api.fail_next("editMessageText", 500, times=1)
    fake_api.fail_next("answerCallbackQuery", 500, times=1)
    child.taps("lang:en")
    assert set(Outbound.objects.filter(state="failed").values_list("method", flat=True)) == {
        "editMessageText",
        "answerCallbackQuery",
    }


def test_a_reply_to_someone_who_blocked_the_bot_fails_and_the_operator_sees_it(bot, person, fake_api, operator):
    child, case = _in_a_live_case(person)
    fake_api.block(CHAT)
    console = verified_client(operator)
    bot.run(console.post, f"/en/staff/conversations/cases/{case.pk}/reply/", {"body": "Are you safe?"})
    reply = Message.objects.get(direction=Direction.OUTBOUND)
    assert reply.state == DeliveryState.FAILED
    assert TelegramChat.objects.get().blocked_at is not None
    page = console.get(f"/en/staff/cases/{case.pk}/").content.decode()
    assert "Are you safe?" in page and "Failed" in page

    # They unblock the bot and write again: replies reach them again.
    fake_api.blocked.clear()
    member = fake_api.message(CHAT)["message"]
    fake_api.push(
        {
            "my_chat_member": {
                "chat": member["chat"],
                "from": member["from"],
                "date": member["date"],
                "old_chat_member": {
                    "status": "kicked",
                    "until_date": 0,
                    "user": {"id": 1, "is_bot": True, "first_name": "B"},
                },
                "new_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
            }
        }
    )
    bot.poll()
    assert TelegramChat.objects.get().blocked_at is None
    bot.run(console.post, f"/en/staff/conversations/cases/{case.pk}/reply/", {"body": "We are here."})
    latest = Message.objects.filter(direction=Direction.OUTBOUND).latest("id")
    assert latest.body == "We are here." and latest.state == DeliveryState.SENT


def test_a_long_reply_is_split_into_messages_telegram_accepts(bot, person, fake_api, operator, settings):
    settings.MESSAGE_MAX_CHARS = 9000
    _child, case = _in_a_live_case(person)
    bot.run(verified_client(operator).post, f"/en/staff/conversations/cases/{case.pk}/reply/", {"body": "word " * 1500})
    sent = fake_api.texts_to(CHAT)[-2:]
    assert all(len(text) <= 4096 for text in sent)
    assert Message.objects.get(direction=Direction.OUTBOUND).state == DeliveryState.SENT


def test_work_whose_task_was_lost_is_picked_up_by_the_sweeper(bot, person, fake_api, settings):
    # A crash between storing and queueing the task: the queue holds nothing.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    child = person(CHAT)
    child.says("/start")
    assert TelegramUpdate.objects.filter(processed_at__isnull=True).count() == 1
    assert fake_api.texts_to(CHAT) == []
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    bot.run(polling.sweep)
    assert "Please choose your language." in fake_api.texts_to(CHAT)[-1]

    # A crash after handling, before the sending task was queued: the answer waits in the outbox.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    child.taps("lang:en")
    bot.run(inbound.process_chat, TelegramChat.objects.get().pk)
    assert Outbound.objects.filter(state="queued").count() == 2  # the tap's answer and the menu
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    bot.run(polling.sweep)
    assert not Outbound.objects.filter(state="queued").exists()
    assert "What would you like to do?" in fake_api.texts_to(CHAT)[-1]


def test_polling_acknowledges_only_what_was_stored(bot, fake_api, monkeypatch):
    for text in ("/start", "one", "two"):
        fake_api.push(fake_api.message(CHAT, text))
    real = inbound._accept
    calls = {"n": 0}

    def failing_on_the_second(data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(data)

    monkeypatch.setattr(inbound, "_accept", failing_on_the_second)
    with pytest.raises(RuntimeError):
        bot.run(polling.poll_once, None, timeout=0)
    # Nothing of the batch was stored, so nothing was acknowledged: after a restart the
    # offset comes from what is stored, and Telegram sends the batch again.
    assert not TelegramUpdate.objects.exists()
    assert polling.resume_offset() is None
    offset = bot.run(polling.poll_once, None, timeout=0)
    bot.run(polling.poll_once, offset, timeout=0)
    assert sorted(TelegramUpdate.objects.values_list("update_id", flat=True)) == [1, 2, 3]
    assert not TelegramUpdate.objects.filter(processed_at__isnull=True).exists()
    assert fake_api.confirmed_offset == 4
    assert polling.resume_offset() == 4
