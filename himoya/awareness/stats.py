"""Aggregate figures of awareness sessions, for the statistics (C7).

Only ended sessions count, from their frozen figures, so the numbers are the same before
and after pupils' data is purged. No figure here can identify a child: they are counts of
sessions, participants, answers and questions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from himoya.awareness.models import AwarenessSession, SessionStatus

FIGURES = (
    "participants",
    "answers",
    "quiz_answers",
    "quiz_right",
    "questions_asked",
    "questions_shown",
    "questions_answered",
)


def session_figures(start: date, end: date, by: str | None = None) -> dict:
    """Totals for sessions held from ``start`` to ``end`` (inclusive).

    ``by`` ("audience", "language", "month" or None) splits the totals:
    ``{"sessions": n, "participants": n, ...}`` or ``{key: {...}, ...}``.
    """
    sessions = AwarenessSession.objects.filter(
        status=SessionStatus.ENDED, scheduled_for__gte=start, scheduled_for__lte=end
    ).only("scheduled_for", "audience", "language", "figures")
    groups: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("sessions", *FIGURES), 0))
    for session in sessions:
        if by == "audience":
            key = session.audience
        elif by == "language":
            key = session.language
        elif by == "month":
            key = session.scheduled_for.strftime("%Y-%m")
        else:
            key = "all"
        row = groups[key]
        row["sessions"] += 1
        for name in FIGURES:
            row[name] += int(session.figures.get(name, 0))
    if by is None:
        return dict(groups.get("all", dict.fromkeys(("sessions", *FIGURES), 0)))
    return {key: dict(value) for key, value in sorted(groups.items())}
