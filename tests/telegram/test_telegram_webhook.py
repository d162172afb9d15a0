"""The production webhook: Telegram's secret-token header checked, answered at once."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from himoya.channels.telegram.models import TelegramChat, TelegramUpdate
from tests.telegram.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db

CHAT = 555000888
URL = "/telegram/webhook"


@pytest.fixture
def post(bot):
    """POST an update to the webhook as Telegram would (``secret=None``: without the header)."""

    def _post(update, secret=WEBHOOK_SECRET, body=None):
        headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
        data = body if body is not None else json.dumps(update)
        return bot.run(Client().post, URL, data=data, content_type="application/json", **headers)

    return _post


def test_an_update_with_the_right_secret_is_stored_and_answered(post, bot, fake_api):
    update = fake_api.message(CHAT, "/start")
    update["update_id"] = 9001
    response = post(update)
    assert response.status_code == 200
    assert TelegramUpdate.objects.get().processed_at is not None
    assert "Please choose your language." in fake_api.texts_to(CHAT)[-1]


def test_a_wrong_or_missing_secret_is_refused(post, bot, fake_api):
    update = fake_api.message(CHAT, "/start")
    update["update_id"] = 9002
    assert post(update, secret="not-the-secret").status_code == 403
    assert post(update, secret=None).status_code == 403
    assert not TelegramUpdate.objects.exists() and not TelegramChat.objects.exists()
    assert fake_api.calls_of("sendMessage") == []


def test_the_webhook_is_off_without_a_secret(post, bot, fake_api, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    update = fake_api.message(CHAT, "/start")
    update["update_id"] = 9003
    assert post(update, secret="").status_code == 404
    assert Client().get(URL).status_code == 405


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": {"message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private"}}},
        {"update_id": 2, "inline_query": {"id": "1", "from": {"id": CHAT}, "query": "x", "offset": ""}},
        {"update_id": 3, "poll": {"id": "p", "question": "?", "options": []}},
        {"update_id": 4, "channel_post": {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "channel"}}},
        {"update_id": 5, "something_new_telegram_adds": {"x": 1}},
        {"update_id": 6},
        {"not": "an update"},
    ],
)
def test_unknown_update_types_are_ignored_with_200(post, bot, fake_api, update):
    assert post(update).status_code == 200
    assert not TelegramUpdate.objects.exists()
    assert fake_api.calls_of("sendMessage") == []


def test_a_body_that_is_not_json_is_a_bad_request(post):
    assert post(None, body="{not json").status_code == 400


def test_the_same_update_sent_twice_is_handled_once(post, bot, fake_api):
    update = fake_api.message(CHAT, "/start")
    update["update_id"] = 9004
    assert post(update).status_code == 200
    assert post(update).status_code == 200
    assert TelegramUpdate.objects.count() == 1
    assert len(fake_api.calls_to(CHAT, "sendMessage")) == 1


def test_set_webhook_registers_the_address_and_the_secret(bot, fake_api, settings):
    from django.core.management import call_command

    settings.TELEGRAM_WEBHOOK_URL = "https://help.example.org/telegram/webhook"
    call_command("telegram", "set-webhook")
    assert fake_api.webhook["url"] == "https://help.example.org/telegram/webhook"
    assert fake_api.webhook["secret_token"] == WEBHOOK_SECRET
    assert fake_api.webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
