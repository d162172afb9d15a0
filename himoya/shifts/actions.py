"""Starting and ending shifts. Each writes its audit row in the same transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases import live
from himoya.shifts.models import Shift

# Whoever may work cases may be on duty to work them.
ON_DUTY_PERMISSION = "cases.work_case"


def current_shift(user) -> Shift | None:
    return Shift.objects.on_duty().filter(user=user).first()


def start_shift(user) -> Shift:
    """Put ``user`` on duty; starting again while on duty returns the running shift."""
    if not user.has_perm(ON_DUTY_PERMISSION):
        raise PermissionDenied
    try:
        with transaction.atomic():
            shift = Shift.objects.create(user=user)
            log(Action.SHIFT_STARTED, actor=user, shift=shift.pk)
            transaction.on_commit(live.announce_shifts)
    except IntegrityError:
        # Another request started it a moment ago (the constraint allows one open shift).
        return current_shift(user)
    return shift


def end_shift(user) -> Shift | None:
    """Take ``user`` off duty; returns the ended shift, or None if they were not on duty.

    Cases ``user`` holds stay theirs: the supervisor view shows them as held by someone off duty.
    """
    with transaction.atomic():
        shift = Shift.objects.select_for_update().on_duty().filter(user=user).first()
        if shift is None:
            return None
        shift.ended_at = timezone.now()
        shift.save(update_fields=["ended_at"])
        log(Action.SHIFT_ENDED, actor=user, shift=shift.pk)
        transaction.on_commit(live.announce_shifts)
    return shift
