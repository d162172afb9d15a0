"""Keyed hashes of reported links.

Reports are matched to each other by link, so some form of the link must be searchable.
A plain hash of ``instagram.com/<name>`` could be reversed by hashing guessed names, so
the columns hold an HMAC-SHA256 under a key derived from ``SECRET_KEY``: without the
secret, the database does not tell which links (or whose profiles) children reported.
Changing ``SECRET_KEY`` changes every key; ``manage.py index_links`` then recomputes them.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=4)
def _derived(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"himoya.links.report-link-key.v1", hashlib.sha256).digest()


def link_key(text: str) -> str:
    """The keyed hash (64 hex characters) of a normal form, anchor, handle or site."""
    return hmac.new(_derived(settings.SECRET_KEY), text.encode(), hashlib.sha256).hexdigest()
