"""The webhook Telegram calls in production: checked, stored, answered at once.

Handling happens in the task worker (``tasks.process_chat``), so Telegram's request is
answered in milliseconds whatever the bot then has to do.
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from himoya.channels.telegram.inbound import accept_update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@csrf_exempt
@require_POST
def webhook(request):
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not (settings.TELEGRAM_BOT_TOKEN and secret):
        return HttpResponseNotFound()
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponseForbidden()
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    # Anything we do not handle (unknown update types, groups) is acknowledged and ignored,
    # or Telegram would send it again and again.
    accept_update(data)
    return HttpResponse(status=200)
