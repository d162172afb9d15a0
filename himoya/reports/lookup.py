"""Opening a report (and its case) with the reporter's code, rate-limited per client."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from himoya.lib import codes
from himoya.lib.counting import count
from himoya.reports.models import Report

_WINDOW_SECONDS = 3600


class TooManyAttempts(Exception):
    """The client has used up its code look-ups for now."""


def _bucket(client: str) -> str:
    return "code-lookups:" + hashlib.sha256(client.encode()).hexdigest()[:32]


def lookup_report(text: str, client: str, limit: int | None = None) -> Report | None:
    """The report a typed code opens (with its case), or None; every attempt counts against ``client``.

    ``client`` identifies the caller (an address, a partner): only its hash reaches the cache.
    ``limit`` look-ups an hour are allowed (default ``CODE_LOOKUPS_PER_HOUR``).
    """
    attempts = count(cache, _bucket(client), _WINDOW_SECONDS)
    if attempts > (limit or settings.CODE_LOOKUPS_PER_HOUR):
        raise TooManyAttempts
    code = codes.normalise(text)
    if code is None:
        return None
    return Report.objects.select_related("case").filter(code_digest=codes.digest(code)).first()
