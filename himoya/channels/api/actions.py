"""Issuing and revoking partner tokens."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.channels.api import auth
from himoya.channels.api.models import Partner, PartnerToken


def issue_token(partner_name: str, *, label: str = "", by=None) -> tuple[PartnerToken, str]:
    """A new token for the partner (created if new). The token is returned once, never stored."""
    with transaction.atomic():
        partner, _created = Partner.objects.get_or_create(name=partner_name)
        row, token = PartnerToken.issue(partner, label=label)
        log(Action.PARTNER_TOKEN_ISSUED, actor=by, label="" if by else "system", token=row.pk, partner=partner.pk)
    return row, token


def revoke_token(row: PartnerToken, *, by=None) -> None:
    with transaction.atomic():
        PartnerToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        log(Action.PARTNER_TOKEN_REVOKED, actor=by, label="" if by else "system", token=row.pk)
        # Authentication remembers tokens for a while (auth.py): forget this one now, and
        # again once the revocation is visible to every process.
        auth.forget(row.digest)
        transaction.on_commit(lambda: auth.forget(row.digest))
