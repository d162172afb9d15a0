"""Results of a session: tallies, the quiz leaderboard, frozen results and figures.

While a session's answers exist, tallies are counted from them; after the purge the
results frozen into ``Activity.results`` and ``AwarenessSession.figures`` are what remains.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from himoya.awareness import tally
from himoya.awareness.models import (
    Activity,
    ActivityState,
    AwarenessSession,
    Kind,
    Participant,
    QuestionStatus,
    Vote,
)

# A word fewer pupils than this typed is dropped from results kept after the purge.
WORD_MIN_KEPT = 3
LEADERBOARD_SIZE = 10


def tally_of(activity: Activity) -> dict:
    """The activity's tally: ``total`` answers and, by kind, ``counts`` (per option or per
    rating 1..N), ``average`` (rating), ``words`` ([word, count], most frequent first)."""
    if activity.results and not Vote.objects.filter(activity=activity).exists():
        return dict(activity.results)  # purged: what was frozen
    votes = Vote.objects.filter(activity=activity)
    result: dict = {"kind": activity.kind, "total": 0}
    if activity.is_choice:
        rows = list(votes.values_list("choices", flat=True))
        result["counts"] = tally.count_choices(rows, len(activity.options))
        result["total"] = len(rows)
        if activity.kind == Kind.QUIZ:
            result["correct"] = list(activity.correct)
    elif activity.kind == Kind.RATING:
        rows = list(votes.values_list("choices", flat=True))
        result["counts"], result["average"] = tally.count_ratings(rows, activity.scale_max)
        result["total"] = len(rows)
    elif activity.kind == Kind.WORD_CLOUD:
        rows = list(votes.values_list("words", flat=True))
        result["words"] = [list(item) for item in tally.count_words(rows)]
        result["total"] = len(rows)
    return result


def result_rows(activity: Activity, result: dict, mine: list | None = None) -> list[dict]:
    """Rows to show a tally as a list: label, count, percent, right answer, the pupil's own."""
    total = result.get("total") or 0
    mine = mine or []
    rows = []
    if activity.kind == Kind.WORD_CLOUD:
        items = [(word, count, False, word in mine) for word, count in (result.get("words") or [])[:10]]
    elif activity.kind == Kind.RATING:
        counts = result.get("counts") or []
        items = [(str(value), count, False, value in mine) for value, count in enumerate(counts, start=1)]
    else:
        counts = result.get("counts") or [0] * len(activity.options)
        correct = set(result.get("correct") or activity.correct)
        items = [
            (option, counts[i] if i < len(counts) else 0, i in correct, i in mine)
            for i, option in enumerate(activity.options)
        ]
    for label, count, right, own in items:
        percent = round(100 * count / total) if total else 0
        rows.append({"label": label, "count": count, "percent": percent, "right": right, "mine": own})
    return rows


@dataclass(frozen=True)
class Standing:
    rank: int
    name: str
    points: int
    right: int


def leaderboard(session: AwarenessSession, size: int = LEADERBOARD_SIZE) -> list[Standing]:
    """The quiz's best participants by points: nicknames (or "Guest N") only."""
    rows = (
        Participant.objects.filter(session=session, votes__activity__kind=Kind.QUIZ)
        .annotate(points=Sum("votes__points"), right=Count("votes", filter=Q(votes__correct=True)))
        .filter(points__gt=0)
        .order_by("-points", "joined_at", "id")[:size]
    )
    return [Standing(rank, p.display_name, p.points, p.right) for rank, p in enumerate(rows, start=1)]


def freeze_results(session: AwarenessSession) -> None:
    """Store each activity's tally and the session's figures. Call inside the end/purge transaction."""
    answers = 0
    quiz_answers = 0
    quiz_right = 0
    shown = 0
    for activity in session.activities.all():
        if activity.state != ActivityState.PENDING:
            shown += 1
        if not activity.takes_votes:
            continue
        result = tally_of(activity)
        if "words" in result:
            result["words"] = [list(w) for w in tally.suppress_small(result["words"], WORD_MIN_KEPT)]
        activity.results = result
        activity.save(update_fields=["results"])
        answers += result["total"]
        if activity.kind == Kind.QUIZ:
            quiz_answers += result["total"]
            quiz_right += Vote.objects.filter(activity=activity, correct=True).count()
    questions = session.questions.aggregate(
        asked=Count("id"),
        shown=Count("id", filter=Q(status=QuestionStatus.APPROVED)),
        answered=Count("id", filter=Q(answered=True)),
    )
    session.figures = {
        "participants": session.participants.count(),
        "activities_shown": shown,
        "answers": answers,
        "quiz_answers": quiz_answers,
        "quiz_right": quiz_right,
        "questions_asked": questions["asked"],
        "questions_shown": questions["shown"],
        "questions_answered": questions["answered"],
    }
    session.save(update_fields=["figures"])


def current_figures(session: AwarenessSession) -> dict:
    """The figures as they are now (frozen ones once the session has ended)."""
    if session.figures:
        return dict(session.figures)
    answers = Vote.objects.filter(activity__session=session).count()
    questions = session.questions.aggregate(
        asked=Count("id"),
        shown=Count("id", filter=Q(status=QuestionStatus.APPROVED)),
        answered=Count("id", filter=Q(answered=True)),
    )
    return {
        "participants": session.participants.count(),
        "answers": answers,
        "questions_asked": questions["asked"],
        "questions_shown": questions["shown"],
        "questions_answered": questions["answered"],
    }
