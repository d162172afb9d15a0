"""Background work of awareness sessions. Task bodies stay thin."""

from __future__ import annotations

from django_tasks import task

from himoya.awareness import purge
from himoya.awareness.models import AwarenessSession


@task()
def purge_session_task(session_id: int) -> None:
    """Runs when the session's retention period is over (enqueued with ``run_after``)."""
    session = AwarenessSession.objects.filter(pk=session_id).first()
    if session is not None:
        purge.purge_session(session)
