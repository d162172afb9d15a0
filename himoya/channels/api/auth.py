from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer

from himoya.channels.api.models import PartnerToken

# Recording every use would make each request a write; a minute's precision is enough.
_LAST_USED_PRECISION = timedelta(minutes=1)


class PartnerTokenAuth(HttpBearer):
    """``Authorization: Bearer hmy_…``; the request's partner lands on ``request.auth``."""

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        row = PartnerToken.objects.active().select_related("partner").filter(digest=PartnerToken.hash(token)).first()
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > _LAST_USED_PRECISION:
            PartnerToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.partner
