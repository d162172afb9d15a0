"""Who a chat is, without storing who it is.

A chat is found by a keyed hash (HMAC-SHA256) of its Telegram id; the id itself, needed to
answer, is kept only encrypted (``TelegramChat.chat_id``). The hash key comes from
``TELEGRAM_ID_KEY``, or is derived from ``SECRET_KEY`` when that is not set (then changing
the secret key makes the bot forget every chat's language and open report).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=4)
def _derived(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"himoya.telegram.chat-key.v1", hashlib.sha256).digest()


def chat_key(chat_id: int | str) -> str:
    """The stable, non-reversible name of a Telegram chat (64 hex characters)."""
    key = _derived(settings.TELEGRAM_ID_KEY or settings.SECRET_KEY)
    return hmac.new(key, str(int(chat_id)).encode(), hashlib.sha256).hexdigest()
