"""Every write about awareness sessions goes through these functions.

Trainers' actions check, write and record an audit row in one transaction; views, the
WebSocket consumers and management commands all call them. Live updates are sent after the
transaction commits (``himoya.awareness.live``).

Pupils' actions (join, vote, ask, up-vote) check what they are given, write one row and
are not audited (see ``events.py``). A vote is one INSERT guarded by the unique constraint
on (activity, participant): sent twice over a shaky connection, it still counts once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.awareness import live, screening, tally
from himoya.awareness.access import MANAGE_ALL, RUN, token_digest
from himoya.awareness.models import (
    Activity,
    ActivityState,
    AwarenessSession,
    Kind,
    Participant,
    Question,
    QuestionStatus,
    QuestionVote,
    SessionStatus,
    SessionTemplate,
    Vote,
)
from himoya.awareness.plans import ActivityPlan

NICKNAME_MAX_CHARS = 24
QUESTION_MAX_CHARS = 300
WAITING_QUESTIONS_MAX = 3  # a pupil's questions waiting for approval at one time


class Refused(Exception):
    """A pupil's action was not accepted. ``code`` says why, for the page or the socket."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# Codes of Refused, shared by the pages and the WebSocket protocol.
ALREADY = "already"  # this participant answered this activity before (the earlier answer counts)
NOT_OPEN = "not_open"  # not the activity open for answers now, or time is up
INVALID = "invalid"  # the answer does not fit the activity
SCREENED = "screened"  # the text holds personal data or abuse
ENDED = "ended"  # the session is over
FULL = "full"  # the session has as many participants as it may
TOO_MANY = "too_many"  # too many questions waiting for approval


def _check_runs(user, session: AwarenessSession) -> None:
    from django.core.exceptions import PermissionDenied

    if not user.has_perm(RUN) or (session.owner_id != user.pk and not user.has_perm(MANAGE_ALL)):
        raise PermissionDenied


# --- Trainer: sessions and activities -------------------------------------------------------


def new_join_code() -> str:
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if not AwarenessSession.objects.filter(join_code=code).exists():
            return code


@dataclass
class SessionDetails:
    title: str
    language: str
    scheduled_for: date
    audience: str
    qa_enabled: bool = True
    qa_moderated: bool = True


def create_session(user, details: SessionDetails, template: SessionTemplate | None = None) -> AwarenessSession:
    """A new draft session owned by ``user``; with ``template``, its activities copied in."""
    from django.core.exceptions import PermissionDenied

    if not user.has_perm(RUN):
        raise PermissionDenied
    with transaction.atomic():
        session = AwarenessSession.objects.create(
            title=details.title,
            language=details.language,
            scheduled_for=details.scheduled_for,
            audience=details.audience,
            qa_enabled=details.qa_enabled,
            qa_moderated=details.qa_moderated,
            owner=user,
            template_key=template.key if template else "",
            join_code=new_join_code(),
            projector_key=secrets.token_urlsafe(32),
        )
        if template is not None:
            for position, data in enumerate(template.activities):
                _create_activity(session, ActivityPlan.from_dict(data), position)
        log(Action.AWARENESS_SESSION_CREATED, actor=user, session=session.pk, template=session.template_key)
    return session


def update_session(session: AwarenessSession, user, details: SessionDetails) -> AwarenessSession:
    _check_runs(user, session)
    with transaction.atomic():
        for name in ("title", "language", "scheduled_for", "audience", "qa_enabled", "qa_moderated"):
            setattr(session, name, getattr(details, name))
        session.save(update_fields=["title", "language", "scheduled_for", "audience", "qa_enabled", "qa_moderated"])
        log(Action.AWARENESS_SESSION_CHANGED, actor=user, session=session.pk)
    transaction.on_commit(lambda: live.session_changed(session.pk))
    return session


def delete_session(session: AwarenessSession, user) -> None:
    """Delete a session that was never started (a live or ended one is purged instead)."""
    _check_runs(user, session)
    if session.status != SessionStatus.DRAFT:
        raise ValueError("only a session that has not started can be deleted")
    with transaction.atomic():
        log(Action.AWARENESS_SESSION_DELETED, actor=user, session=session.pk)
        session.delete()


def _create_activity(session: AwarenessSession, plan: ActivityPlan, position: int) -> Activity:
    return Activity.objects.create(
        session=session,
        position=position,
        kind=plan.kind,
        prompt=plan.prompt,
        options=plan.options,
        correct=plan.correct,
        seconds=plan.seconds,
        scale_max=plan.scale_max,
        max_words=plan.max_words,
    )


def add_activity(session: AwarenessSession, user, plan: ActivityPlan) -> Activity:
    _check_runs(user, session)
    plan.check()
    with transaction.atomic():
        last = session.activities.aggregate(last=Max("position"))["last"]
        activity = _create_activity(session, plan, 0 if last is None else last + 1)
        log(Action.AWARENESS_SESSION_CHANGED, actor=user, session=session.pk, added=activity.pk)
    return activity


def remove_activity(activity: Activity, user) -> None:
    session = activity.session
    _check_runs(user, session)
    if activity.state != ActivityState.PENDING:
        raise ValueError("an activity that was shown keeps its answers")
    with transaction.atomic():
        log(Action.AWARENESS_SESSION_CHANGED, actor=user, session=session.pk, removed=activity.pk)
        activity.delete()


def move_activity(activity: Activity, user, step: int) -> None:
    """Swap the activity with its neighbour before (step -1) or after (step +1)."""
    session = activity.session
    _check_runs(user, session)
    with transaction.atomic():
        ordered = list(session.activities.select_for_update().order_by("position", "id"))
        index = next(i for i, a in enumerate(ordered) if a.pk == activity.pk)
        other = index + step
        if not 0 <= other < len(ordered):
            return
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        log(Action.AWARENESS_SESSION_CHANGED, actor=user, session=session.pk, moved=activity.pk)


# --- Trainer: running a session -------------------------------------------------------------


def start_session(session: AwarenessSession, user) -> AwarenessSession:
    _check_runs(user, session)
    if session.status != SessionStatus.DRAFT:
        return session
    with transaction.atomic():
        session.status = SessionStatus.LIVE
        session.started_at = timezone.now()
        session.save(update_fields=["status", "started_at"])
        log(Action.AWARENESS_SESSION_STARTED, actor=user, session=session.pk)
    # A session nobody ends is ended and purged all the same, a day after it started
    # plus the retention period.
    _schedule_purge(session, session.started_at + timedelta(days=1 + settings.AWARENESS_RETENTION_DAYS))
    transaction.on_commit(lambda: live.activity_changed(session.pk))
    return session


def _close(activity: Activity, now) -> None:
    activity.state = ActivityState.CLOSED
    activity.closed_at = now
    activity.save(update_fields=["state", "closed_at"])


def show_activity(session: AwarenessSession, user, activity: Activity) -> Activity:
    """Put ``activity`` on the screens and open it for answers (starting a quiz's timer).

    The activity shown before is closed. Showing a closed activity again shows its results
    without reopening it.
    """
    _check_runs(user, session)
    if activity.session_id != session.pk:
        raise ValueError("the activity belongs to another session")
    if session.status == SessionStatus.ENDED:
        raise ValueError("the session has ended")
    now = timezone.now()
    with transaction.atomic():
        if session.status == SessionStatus.DRAFT:
            session.status = SessionStatus.LIVE
            session.started_at = now
            session.save(update_fields=["status", "started_at"])
            log(Action.AWARENESS_SESSION_STARTED, actor=user, session=session.pk)
        for other in session.activities.filter(state=ActivityState.OPEN).exclude(pk=activity.pk):
            _close(other, now)
        if activity.state == ActivityState.PENDING:
            activity.state = ActivityState.OPEN
            activity.opened_at = now
            activity.closes_at = now + timedelta(seconds=activity.seconds) if activity.seconds else None
            activity.save(update_fields=["state", "opened_at", "closes_at"])
        session.current_activity = activity
        session.save(update_fields=["current_activity"])
        log(Action.AWARENESS_ACTIVITY_SHOWN, actor=user, session=session.pk, activity=activity.pk)
    transaction.on_commit(lambda: live.activity_changed(session.pk))
    return activity


def close_activity(activity: Activity, user) -> Activity:
    """Stop taking answers and show the results (with a quiz's right answer). Idempotent."""
    session = activity.session
    _check_runs(user, session)
    if activity.state != ActivityState.OPEN:
        return activity
    with transaction.atomic():
        _close(activity, timezone.now())
        log(Action.AWARENESS_ACTIVITY_CLOSED, actor=user, session=session.pk, activity=activity.pk)
    transaction.on_commit(lambda: live.activity_changed(session.pk))
    return activity


def next_activity(session: AwarenessSession, user) -> Activity | None:
    """Show the first activity after the current one that was not shown yet."""
    current = session.current_activity
    following = session.activities.filter(state=ActivityState.PENDING)
    if current is not None:
        following = following.filter(position__gte=current.position).exclude(pk=current.pk)
    activity = following.order_by("position", "id").first()
    if activity is None:
        if current is not None:
            close_activity(current, user)
        return None
    return show_activity(session, user, activity)


def end_session(session: AwarenessSession, user=None) -> AwarenessSession:
    """Close the session: no more joining or answers; results frozen; purge scheduled.

    ``user`` None means the system (a session nobody ended, ended by the purge).
    """
    if user is not None:
        _check_runs(user, session)
    if session.status == SessionStatus.ENDED:
        return session
    from himoya.awareness.results import freeze_results

    now = timezone.now()
    with transaction.atomic():
        for activity in session.activities.filter(state=ActivityState.OPEN):
            _close(activity, now)
        session.status = SessionStatus.ENDED
        session.ended_at = now
        session.purge_after = now + timedelta(days=settings.AWARENESS_RETENTION_DAYS)
        session.save(update_fields=["status", "ended_at", "purge_after"])
        freeze_results(session)
        log(Action.AWARENESS_SESSION_ENDED, actor=user, label="" if user else "system", session=session.pk)
    _schedule_purge(session, session.purge_after)
    transaction.on_commit(lambda: live.session_ended(session.pk))
    return session


def _schedule_purge(session: AwarenessSession, when) -> None:
    from django_tasks import default_task_backend

    from himoya.awareness.tasks import purge_session_task

    if default_task_backend.supports_defer:
        pk = session.pk
        transaction.on_commit(lambda: purge_session_task.using(run_after=when).enqueue(pk))


def set_moderation(session: AwarenessSession, user, moderated: bool) -> None:
    _check_runs(user, session)
    with transaction.atomic():
        session.qa_moderated = moderated
        session.save(update_fields=["qa_moderated"])
        log(Action.AWARENESS_SESSION_CHANGED, actor=user, session=session.pk, qa_moderated=moderated)


MODERATION = {"approve", "hide", "answer", "unanswer"}


def moderate_question(question: Question, user, decision: str) -> Question:
    session = question.session
    _check_runs(user, session)
    if decision not in MODERATION:
        raise ValueError(decision)
    with transaction.atomic():
        if decision == "approve":
            question.status = QuestionStatus.APPROVED
        elif decision == "hide":
            question.status = QuestionStatus.HIDDEN
        elif decision == "answer":
            question.status = QuestionStatus.APPROVED
            question.answered = True
        else:
            question.answered = False
        question.save(update_fields=["status", "answered"])
        log(
            Action.AWARENESS_QUESTION_MODERATED,
            actor=user,
            session=session.pk,
            question=question.pk,
            decision=decision,
        )
    transaction.on_commit(lambda: live.questions_changed(session.pk))
    return question


def record_export(session: AwarenessSession, user, kind: str) -> None:
    _check_runs(user, session)
    with transaction.atomic():
        log(Action.AWARENESS_RESULTS_EXPORTED, actor=user, session=session.pk, format=kind)


# --- Pupils ------------------------------------------------------------------------------------


def join_session(session: AwarenessSession, nickname: str = "") -> tuple[Participant, str]:
    """A new participant; returns it and the token for its cookie (shown once, stored hashed)."""
    if session.status == SessionStatus.ENDED:
        raise Refused(ENDED)
    nickname = " ".join((nickname or "").split())[:NICKNAME_MAX_CHARS]
    if nickname and not screening.screen(nickname, session.language).clean:
        raise Refused(SCREENED)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        count = session.participants.count()
        if count >= settings.AWARENESS_MAX_PARTICIPANTS:
            raise Refused(FULL)
        participant = Participant.objects.create(
            session=session, token_digest=token_digest(token), nickname=nickname, number=count + 1
        )
    transaction.on_commit(lambda: live.people_changed(session.pk))
    return participant, token


@dataclass(frozen=True)
class Answer:
    """What a pupil sent for one activity: option indexes, a rating, or words."""

    choices: tuple[int, ...] = ()
    value: int | None = None
    words: tuple[str, ...] = ()


def _clean_answer(activity: Activity, answer: Answer, participant: Participant) -> tuple[list[int], list[str]]:
    if activity.is_choice:
        choices = sorted(set(answer.choices))
        multiple = activity.kind == Kind.POLL_MULTIPLE or (activity.kind == Kind.QUIZ and len(activity.correct) > 1)
        if not choices or any(not 0 <= c < len(activity.options) for c in choices):
            raise Refused(INVALID)
        if not multiple and len(choices) != 1:
            raise Refused(INVALID)
        return choices, []
    if activity.kind == Kind.RATING:
        if answer.value is None or not 1 <= answer.value <= activity.scale_max:
            raise Refused(INVALID)
        return [answer.value], []
    if activity.kind == Kind.WORD_CLOUD:
        words = []
        for word in answer.words:
            word = tally.normalise_word(word)
            if word and word not in words:
                words.append(word)
        if not words or len(words) > activity.max_words:
            raise Refused(INVALID)
        language = participant.session.language
        if any(not screening.screen(word, language).clean for word in words):
            raise Refused(SCREENED)
        return [], words
    raise Refused(INVALID)


def _prepare_vote(participant: Participant, activity: Activity, answer: Answer, now) -> Vote:
    """The unsaved Vote for ``answer``, checked and scored; raises Refused."""
    if activity.session_id != participant.session_id:
        raise Refused(INVALID)
    if not activity.accepting(now):
        raise Refused(NOT_OPEN)
    choices, words = _clean_answer(activity, answer, participant)
    correct = None
    points = 0
    if activity.kind == Kind.QUIZ:
        correct = tally.is_right(choices, activity.correct)
        elapsed = (now - activity.opened_at).total_seconds() if activity.opened_at else None
        points = tally.quiz_points(correct, elapsed, activity.seconds)
    return Vote(
        activity=activity, participant=participant, choices=choices, words=words, correct=correct, points=points
    )


def _insert(vote: Vote) -> Vote:
    try:
        # One INSERT in its own (sub)transaction: the write lock is held for it alone, and a
        # duplicate leaves any caller's transaction usable.
        with transaction.atomic():
            vote.save(force_insert=True)
    except IntegrityError:
        raise Refused(ALREADY) from None
    return vote


def cast_vote(participant: Participant, activity: Activity, answer: Answer) -> Vote:
    """Count ``answer``: once, only while the activity is open, only if it fits.

    ``activity`` should be freshly read (its state decides). Raises Refused.
    """
    vote = _insert(_prepare_vote(participant, activity, answer, timezone.now()))
    transaction.on_commit(lambda: live.vote_counted(activity.pk))
    return vote


def cast_votes(items: list[tuple[Participant, int, Answer]]) -> list[Vote | Refused]:
    """Count many answers at once, with the same rules and results as ``cast_vote`` one by one.

    For a busy server: the answers that arrived together on its sockets are written in one
    transaction (one read of the activities, one check for earlier answers, one multi-row
    INSERT) instead of a transaction each. Returns a Vote or a Refused per item, in order.
    """
    now = timezone.now()
    activities = {a.pk: a for a in Activity.objects.filter(pk__in={activity_id for _p, activity_id, _a in items})}
    results: list[Vote | Refused | None] = [None] * len(items)
    prepared: list[tuple[int, Vote]] = []
    seen: set[tuple[int, int]] = set()
    for index, (participant, activity_id, answer) in enumerate(items):
        activity = activities.get(activity_id)
        try:
            if activity is None:
                raise Refused(INVALID)
            vote = _prepare_vote(participant, activity, answer, now)
            if (activity.pk, participant.pk) in seen:
                raise Refused(ALREADY)
        except Refused as refused:
            results[index] = refused
            continue
        seen.add((activity.pk, participant.pk))
        prepared.append((index, vote))
    if prepared:
        try:
            with transaction.atomic():
                earlier = set(
                    Vote.objects.filter(
                        activity_id__in={v.activity_id for _i, v in prepared},
                        participant_id__in={v.participant_id for _i, v in prepared},
                    ).values_list("activity_id", "participant_id")
                )
                fresh = [(i, v) for i, v in prepared if (v.activity_id, v.participant_id) not in earlier]
                Vote.objects.bulk_create([v for _i, v in fresh])
        except IntegrityError:
            # Another process counted one of these between the check and the INSERT: the
            # whole batch was rolled back, so go one by one.
            for index, vote in prepared:
                try:
                    results[index] = _insert(vote)
                except Refused as refused:
                    results[index] = refused
        else:
            for index, vote in prepared:
                results[index] = Refused(ALREADY) if (vote.activity_id, vote.participant_id) in earlier else vote
        for activity_id in {v.activity_id for _i, v in prepared}:
            transaction.on_commit(lambda activity_id=activity_id: live.vote_counted(activity_id))
    return results


def ask_question(participant: Participant, text: str) -> Question:
    session = participant.session
    if session.status == SessionStatus.ENDED:
        raise Refused(ENDED)
    if not session.qa_enabled:
        raise Refused(NOT_OPEN)
    text = " ".join((text or "").split())
    if not text or len(text) > QUESTION_MAX_CHARS:
        raise Refused(INVALID)
    waiting = Question.objects.filter(participant=participant, status=QuestionStatus.PENDING).count()
    if waiting >= WAITING_QUESTIONS_MAX:
        raise Refused(TOO_MANY)
    flags = screening.screen(text, session.language).flags
    status = QuestionStatus.PENDING if (session.qa_moderated or flags) else QuestionStatus.APPROVED
    question = Question.objects.create(session=session, participant=participant, text=text, flags=flags, status=status)
    transaction.on_commit(lambda: live.questions_changed(session.pk))
    return question


def upvote_question(participant: Participant, question: Question) -> bool:
    """Add the participant's up-vote; False when they had up-voted it already."""
    if question.session_id != participant.session_id or question.status != QuestionStatus.APPROVED:
        raise Refused(INVALID)
    if participant.session.status == SessionStatus.ENDED:
        raise Refused(ENDED)
    try:
        with transaction.atomic():
            QuestionVote.objects.create(question=question, participant=participant)
            Question.objects.filter(pk=question.pk).update(upvotes=F("upvotes") + 1)
    except IntegrityError:
        return False
    transaction.on_commit(lambda: live.questions_changed(question.session_id))
    return True
