"""Deleting what pupils sent, a set time after a session ends.

What is deleted: participants (their tokens and nicknames), their answers, questions and
up-votes. What stays: the session's title, date, audience and language, each activity's
frozen tally (word-cloud words fewer than three pupils typed are dropped) and the session's
aggregate figures, which feed the statistics.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.awareness.models import AwarenessSession, SessionStatus


def purge_session(session: AwarenessSession, now=None) -> bool:
    """Delete the session's pupil data if its time has come; True if it was purged now.

    A session still live a day after it started (nobody ended it) is ended first.
    """
    from himoya.awareness.actions import end_session

    now = now or timezone.now()
    if session.purged_at is not None:
        return False
    if session.status != SessionStatus.ENDED:
        started = session.started_at or session.created_at
        if session.status == SessionStatus.LIVE and started + timedelta(days=1) <= now:
            end_session(session)
            session.refresh_from_db()
        else:
            return False
    if session.purge_after is None or session.purge_after > now:
        return False
    with transaction.atomic():
        session = AwarenessSession.objects.select_for_update().get(pk=session.pk)
        if session.purged_at is not None:
            return False
        # Frozen at the end already; the figures are kept as they were.
        session.questions.all().delete()
        session.participants.all().delete()  # their answers and up-votes go with them
        session.purged_at = now
        session.save(update_fields=["purged_at"])
        log(Action.AWARENESS_SESSION_PURGED, label="system", session=session.pk)
    return True


def purge_due(now=None) -> int:
    """Purge every session whose time has come; how many were purged."""
    now = now or timezone.now()
    due = AwarenessSession.objects.filter(purged_at__isnull=True).exclude(status=SessionStatus.DRAFT)
    stale_start = now - timedelta(days=1)
    due = due.filter(purge_after__lte=now) | due.filter(status=SessionStatus.LIVE, started_at__lte=stale_start)
    return sum(purge_session(session, now) for session in due.distinct())


def retention() -> timedelta:
    return timedelta(days=settings.AWARENESS_RETENTION_DAYS)
