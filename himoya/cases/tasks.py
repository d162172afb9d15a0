"""Background work about cases. Task bodies stay thin."""

from __future__ import annotations

from django_tasks import task

from himoya.cases import live


@task()
def announce_case(case_id: int) -> None:
    """Tell open consoles that a case appeared or changed."""
    live.announce_case(case_id)
