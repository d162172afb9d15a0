"""A person who floods the bot is slowed down and told so; everyone else is answered as usual."""

from __future__ import annotations

import pytest

from himoya.channels.telegram import polling
from himoya.channels.telegram.identity import chat_key
from himoya.channels.telegram.models import TelegramChat, TelegramUpdate

pytestmark = pytest.mark.django_db

FLOODER, OTHER = 555000901, 555000902


def test_a_flooding_chat_waits_is_told_once_and_does_not_delay_others(bot, fake_api, settings):
    settings.TELEGRAM_FLOOD_MESSAGES = 3
    settings.TELEGRAM_FLOOD_DROP = 6
    settings.TELEGRAM_FLOOD_SECONDS = 3600  # one window for the whole test
    for number in range(10):
        fake_api.push(fake_api.message(FLOODER, f"/start {number}"))
    fake_api.push(fake_api.message(OTHER, "/start"))
    bot.poll()

    # Everyone else is answered at once.
    assert "Please choose your language." in fake_api.texts_to(OTHER)[-1]

    # The flooder: three handled, three waiting for the next window, four dropped; told once.
    flooder = TelegramChat.objects.get(key=chat_key(FLOODER))
    updates = TelegramUpdate.objects.filter(chat=flooder)
    assert updates.count() == 6
    assert updates.filter(processed_at__isnull=False).count() == 3
    waiting = updates.filter(processed_at__isnull=True)
    assert waiting.count() == 3 and not waiting.filter(not_before__isnull=True).exists()
    told = [text for text in fake_api.texts_to(FLOODER) if "very fast" in text]
    assert len(told) == 1

    # The sweeper leaves them until their time comes, then handles them in order.
    bot.run(polling.sweep)
    assert waiting.count() == 3
    waiting.update(not_before=None)
    bot.run(polling.sweep)
    assert not updates.filter(processed_at__isnull=True).exists()
