"""Referring a case to a partner organisation, and recording the partner's answer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.cases.models import Case
from himoya.referrals.models import PartnerOrganisation, Referral


class ReferralError(Exception):
    """The referral cannot be made or answered as asked. ``str()`` is a translated message for staff."""


def refer_case(case: Case, user, partner: PartnerOrganisation, sent: str) -> Referral:
    """Record that ``user`` passed the case to ``partner`` with the text ``sent`` (validated).

    The center sends the referral by the partner's own route (e-mail, portal, letter); this
    keeps what was sent and when, so the answer can be chased.
    """
    if not can_work(user, case):
        raise PermissionDenied
    if not partner.active:
        raise ReferralError(_("This organisation is no longer in the directory. Choose another."))
    with transaction.atomic():
        referral = Referral.objects.create(case=case, partner=partner, sent=sent, sent_by=user)
        log(Action.CASE_REFERRED, actor=user, case=case, referral=referral.pk, partner=partner.pk, kind=partner.kind)
    return referral


def record_answer(referral: Referral, user, answer: str) -> Referral:
    """Keep the partner's answer to a referral. A referral is answered once.

    The conditional UPDATE makes two operators recording at the same moment safe: one wins.
    """
    if not can_work(user, referral.case):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        pending = Referral.objects.filter(pk=referral.pk, answered_at__isnull=True)
        if not pending.update(answer=answer, answered_at=now, answered_by=user):
            raise ReferralError(_("This referral has an answer already."))
        log(Action.REFERRAL_ANSWERED, actor=user, case=referral.case, referral=referral.pk)
    referral.refresh_from_db()
    return referral
