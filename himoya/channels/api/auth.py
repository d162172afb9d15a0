from __future__ import annotations

import time
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from ninja.security import HttpBearer

from himoya.channels.api.models import Partner, PartnerToken

# Recording every use would make each request a write; a minute's precision is enough.
_LAST_USED_PRECISION = timedelta(minutes=1)
# A token found in the database is remembered in the cache (Redis when configured, so every
# process) for this long. Revoking or deleting a token forgets it at once (below and in
# ``actions.revoke_token``); the limit only bounds a change made behind the models' back.
CACHE_SECONDS = 60
# Each process also remembers, for this long, the tokens it has just found valid: a crowd of
# one partner's requests then costs no trip to the cache each. Revoking a token in one
# process forgets it there at once; in the others it works for at most this long.
LOCAL_SECONDS = 5
_local: dict[str, tuple[float, tuple]] = {}


def cache_key(digest: str) -> str:
    return f"partner-token:{digest}"


def forget(digest: str) -> None:
    _local.pop(digest, None)
    cache.delete(cache_key(digest))


class PartnerTokenAuth(HttpBearer):
    """``Authorization: Bearer hmy_…``; the request's partner lands on ``request.auth``."""

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        digest = PartnerToken.hash(token)
        key = cache_key(digest)
        now = timezone.now()
        moment = time.monotonic()
        remembered = _local.get(digest)
        known = remembered[1] if remembered and remembered[0] > moment else cache.get(key)
        changed = known is None
        if known is None:
            row = PartnerToken.objects.active().select_related("partner").filter(digest=digest).first()
            if row is None:
                return None
            known = (row.pk, row.partner, row.last_used_at)
        token_id, partner, last_used_at = known
        if last_used_at is None or now - last_used_at > _LAST_USED_PRECISION:
            with transaction.atomic():  # on SQLite: in the queue of writers, not the busy handler
                PartnerToken.objects.filter(pk=token_id).update(last_used_at=now)
            known, changed = (token_id, partner, now), True
        if changed:
            cache.set(key, known, CACHE_SECONDS)
        if changed or not remembered or remembered[0] <= moment:
            _local[digest] = (moment + LOCAL_SECONDS, known)
        return partner


@receiver([post_save, post_delete], sender=PartnerToken)
def _token_changed(sender, instance, **kwargs):
    forget(instance.digest)


@receiver([post_save, post_delete], sender=Partner)
def _partner_changed(sender, instance, **kwargs):
    for digest in PartnerToken.objects.filter(partner_id=instance.pk).values_list("digest", flat=True):
        forget(digest)
