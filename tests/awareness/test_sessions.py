"""Running a session: activities in order, answers counted once, quiz timing, Q&A, the end,
the purge and the figures that remain."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from himoya.audit.models import AuditEntry
from himoya.awareness import actions, stats
from himoya.awareness.actions import Answer, Refused
from himoya.awareness.models import (
    ActivityState,
    AwarenessSession,
    Participant,
    Question,
    QuestionStatus,
    SessionStatus,
    Vote,
)
from himoya.awareness.purge import purge_due
from himoya.awareness.results import leaderboard, tally_of
from tests.awareness.conftest import CLOUD, POLL, QUIZ, RATING

pytestmark = pytest.mark.django_db


def _activities(session):
    return list(session.activities.order_by("position"))


def test_a_new_session_gets_an_eight_digit_code_and_an_audit_row(session, trainer):
    assert session.join_code.isdigit() and len(session.join_code) == 8
    assert len(session.projector_key) >= 40
    entry = AuditEntry.objects.get(action="awareness.session_created")
    assert entry.actor == trainer and entry.detail["session"] == session.pk


def test_only_trainers_create_sessions(operator):
    with pytest.raises(PermissionDenied):
        actions.create_session(operator, actions.SessionDetails("x", "en", date.today(), "parents"))


def test_another_trainer_cannot_run_my_session(session, trainer2):
    with pytest.raises(PermissionDenied):
        actions.next_activity(session, trainer2)


def test_next_shows_activities_in_order_and_closes_the_one_before(session, trainer):
    first, second = _activities(session)[:2]
    assert actions.next_activity(session, trainer) == first
    session.refresh_from_db()
    assert session.status == SessionStatus.LIVE and session.current_activity == first
    actions.next_activity(session, trainer)
    first.refresh_from_db()
    session.refresh_from_db()
    assert first.state == ActivityState.CLOSED
    assert session.current_activity == second
    assert AuditEntry.objects.filter(action="awareness.activity_shown").count() == 2


def test_moving_activities_changes_their_order(make_session, trainer):
    session = make_session(POLL, QUIZ, RATING)
    poll, quiz, rating = _activities(session)
    actions.move_activity(rating, trainer, -1)
    assert [a.pk for a in _activities(session)] == [poll.pk, rating.pk, quiz.pk]
    actions.move_activity(poll, trainer, -1)  # already first: nothing moves
    assert [a.pk for a in _activities(session)] == [poll.pk, rating.pk, quiz.pk]


def test_an_answer_counts_once_however_often_it_is_sent(session, trainer, pupil):
    poll = actions.next_activity(session, trainer)
    participant, _client, _token = pupil(session)
    actions.cast_vote(participant, poll, Answer(choices=(1,)))
    with pytest.raises(Refused) as refused:
        actions.cast_vote(participant, poll, Answer(choices=(2,)))
    assert refused.value.code == actions.ALREADY
    assert Vote.objects.get().choices == [1]


def test_answers_are_refused_before_opening_and_after_closing(session, trainer, pupil):
    poll, multi = _activities(session)[:2]
    participant, _client, _token = pupil(session)
    with pytest.raises(Refused, match=actions.NOT_OPEN):
        actions.cast_vote(participant, poll, Answer(choices=(0,)))
    actions.show_activity(session, trainer, poll)
    actions.close_activity(poll, trainer)
    with pytest.raises(Refused, match=actions.NOT_OPEN):
        actions.cast_vote(participant, poll, Answer(choices=(0,)))


@pytest.mark.parametrize(
    ("position", "answer"),
    [
        (0, Answer(choices=(0, 1))),  # two answers to a one-answer poll
        (0, Answer(choices=(7,))),  # no such option
        (0, Answer()),
        (4, Answer(value=6)),  # off a 1–5 scale
        (3, Answer(words=("a", "b", "c"))),  # three words where two are allowed
        (3, Answer(words=("  ",))),
    ],
)
def test_answers_that_do_not_fit_are_refused(session, trainer, pupil, position, answer):
    activity = _activities(session)[position]
    actions.show_activity(session, trainer, activity)
    participant, _client, _token = pupil(session)
    activity.refresh_from_db()
    with pytest.raises(Refused, match=actions.INVALID):
        actions.cast_vote(participant, activity, answer)


def test_a_quiz_scores_right_answers_by_speed_and_stops_at_the_time_limit(make_session, trainer, pupil):
    session = make_session(QUIZ)
    quiz = actions.next_activity(session, trainer)
    fast, _c, _t = pupil(session, "Fox")
    wrong, _c, _t = pupil(session, "Owl")
    late, _c, _t = pupil(session, "Cat")
    actions.cast_vote(fast, quiz, Answer(choices=(1,)))
    actions.cast_vote(wrong, quiz, Answer(choices=(0,)))
    quiz.closes_at = timezone.now() - timedelta(seconds=2)  # the timer ran out
    with pytest.raises(Refused, match=actions.NOT_OPEN):
        actions.cast_vote(late, quiz, Answer(choices=(1,)))
    right = Vote.objects.get(participant=fast)
    assert right.correct and 950 <= right.points <= 1000
    assert Vote.objects.get(participant=wrong).points == 0
    assert [(s.name, s.right) for s in leaderboard(session)] == [("Fox", 1)]


def test_word_cloud_words_are_normalised_and_screened(make_session, trainer, pupil):
    session = make_session(CLOUD)
    cloud = actions.next_activity(session, trainer)
    first, _c, _t = pupil(session)
    second, _c, _t = pupil(session)
    actions.cast_vote(first, cloud, Answer(words=("Games ", "privacy")))
    with pytest.raises(Refused, match=actions.SCREENED):
        actions.cast_vote(second, cloud, Answer(words=("+994 50 123 45 67",)))
    actions.cast_vote(second, cloud, Answer(words=("GAMES",)))
    assert tally_of(cloud)["words"] == [["games", 2], ["privacy", 1]]


def test_a_nickname_with_abuse_or_personal_data_is_refused(session):
    for nickname in ("idiot", "@ali_2011"):
        with pytest.raises(Refused, match=actions.SCREENED):
            actions.join_session(session, nickname)
    participant, token = actions.join_session(session, "  Blue   Fox ")
    assert participant.nickname == "Blue Fox"
    assert token not in participant.token_digest


def test_no_one_joins_an_ended_session(session, trainer):
    actions.end_session(session, trainer)
    with pytest.raises(Refused, match=actions.ENDED):
        actions.join_session(session)


def test_a_full_session_refuses_more_pupils(session, settings):
    settings.AWARENESS_MAX_PARTICIPANTS = 1
    actions.join_session(session)
    with pytest.raises(Refused, match=actions.FULL):
        actions.join_session(session)


def test_questions_wait_for_approval_in_a_moderated_session(session, pupil):
    participant, _c, _t = pupil(session)
    question = actions.ask_question(participant, "How do I report a fake account?")
    assert question.status == QuestionStatus.PENDING and question.flags == []


def test_questions_show_at_once_when_the_session_says_so_unless_the_filter_holds_them(make_session, pupil):
    session = make_session(POLL, qa_moderated=False)
    participant, _c, _t = pupil(session)
    clean = actions.ask_question(participant, "How do I report a fake account?")
    held = actions.ask_question(participant, "Write to me: ali.k@mail.ru")
    rude = actions.ask_question(participant, "why is the presenter such an idiot")
    assert clean.status == QuestionStatus.APPROVED
    assert (held.status, held.flags) == (QuestionStatus.PENDING, ["personal_data"])
    assert (rude.status, rude.flags) == (QuestionStatus.PENDING, ["abuse"])


def test_a_pupil_may_not_flood_the_moderation_queue(session, pupil):
    participant, _c, _t = pupil(session)
    for n in range(actions.WAITING_QUESTIONS_MAX):
        actions.ask_question(participant, f"Question number {n}?")
    with pytest.raises(Refused, match=actions.TOO_MANY):
        actions.ask_question(participant, "One more?")


def test_moderation_approves_answers_and_hides_with_an_audit_row(session, trainer, pupil):
    participant, _c, _t = pupil(session)
    question = actions.ask_question(participant, "Can strangers see my stories?")
    actions.moderate_question(question, trainer, "approve")
    actions.moderate_question(question, trainer, "answer")
    question.refresh_from_db()
    assert (question.status, question.answered) == (QuestionStatus.APPROVED, True)
    actions.moderate_question(question, trainer, "hide")
    assert Question.objects.get().status == QuestionStatus.HIDDEN
    assert AuditEntry.objects.filter(action="awareness.question_moderated").count() == 3


def test_an_upvote_counts_once_and_only_on_shown_questions(session, trainer, pupil):
    asker, _c, _t = pupil(session)
    voter, _c, _t = pupil(session)
    question = actions.ask_question(asker, "Is a private account enough?")
    with pytest.raises(Refused, match=actions.INVALID):
        actions.upvote_question(voter, question)
    actions.moderate_question(question, trainer, "approve")
    question.refresh_from_db()
    assert actions.upvote_question(voter, question) is True
    assert actions.upvote_question(voter, question) is False
    question.refresh_from_db()
    assert question.upvotes == 1


def test_the_question_text_is_stored_encrypted(session, pupil, tables_containing):
    participant, _c, _t = pupil(session)
    actions.ask_question(participant, "Someone in 8B keeps sending me messages")
    assert tables_containing("keeps sending me messages") == []


def test_ending_freezes_results_and_figures(make_session, trainer, pupil):
    session = make_session(POLL, RATING)
    poll = actions.next_activity(session, trainer)
    for choice in (0, 2, 2):
        participant, _c, _t = pupil(session)
        actions.cast_vote(participant, poll, Answer(choices=(choice,)))
    actions.end_session(session, trainer)
    session.refresh_from_db()
    poll.refresh_from_db()
    assert session.status == SessionStatus.ENDED
    assert session.purge_after == session.ended_at + timedelta(days=30)
    assert poll.results["counts"] == [1, 0, 2]
    assert session.figures["participants"] == 3 and session.figures["answers"] == 3


def test_the_purge_deletes_everything_pupils_sent_and_keeps_the_figures(make_session, trainer, pupil):
    session = make_session(POLL, CLOUD)
    poll, cloud = _activities(session)
    actions.show_activity(session, trainer, poll)
    participants = [pupil(session, f"P{n}")[0] for n in range(4)]
    for participant in participants:
        actions.cast_vote(participant, poll, Answer(choices=(0,)))
    actions.show_activity(session, trainer, cloud)
    for n, participant in enumerate(participants):
        actions.cast_vote(participant, cloud, Answer(words=("games", f"name{n}")))
    actions.ask_question(participants[0], "How do I block someone?")
    actions.end_session(session, trainer)

    assert purge_due() == 0  # not yet
    assert purge_due(now=timezone.now() + timedelta(days=31)) == 1

    session.refresh_from_db()
    assert session.purged_at is not None
    assert not Participant.objects.exists() and not Vote.objects.exists() and not Question.objects.exists()
    assert session.figures["answers"] == 8
    poll.refresh_from_db()
    cloud.refresh_from_db()
    assert tally_of(poll)["counts"] == [4, 0, 0]
    # A word only one pupil typed (it could be a name) does not outlive the session.
    assert tally_of(cloud)["words"] == [["games", 4]]
    assert AuditEntry.objects.filter(action="awareness.session_purged").count() == 1


def test_a_session_nobody_ended_is_ended_a_day_later_and_purged_after_the_retention(session, trainer, pupil):
    actions.start_session(session, trainer)
    pupil(session)
    later = timezone.now() + timedelta(days=2)
    assert purge_due(now=later) == 0
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED
    assert purge_due(now=later + timedelta(days=31)) == 1


def test_a_draft_session_can_be_deleted_but_not_a_started_one(make_session, trainer):
    draft = make_session(POLL)
    actions.delete_session(draft, trainer)
    assert not AwarenessSession.objects.filter(pk=draft.pk).exists()
    started = make_session(POLL)
    actions.start_session(started, trainer)
    with pytest.raises(ValueError):
        actions.delete_session(started, trainer)


def test_statistics_count_ended_sessions_by_audience(make_session, trainer, pupil):
    pupils_session = make_session(POLL)
    parents_session = make_session(POLL, audience="parents", language="ru")
    for session, n in ((pupils_session, 3), (parents_session, 2)):
        poll = actions.next_activity(session, trainer)
        for _ in range(n):
            actions.cast_vote(pupil(session)[0], poll, Answer(choices=(0,)))
        actions.end_session(session, trainer)
    make_session(POLL)  # not held: not counted
    today = date.today()
    total = stats.session_figures(today, today)
    assert (total["sessions"], total["participants"], total["answers"]) == (2, 5, 5)
    by_audience = stats.session_figures(today, today, by="audience")
    assert by_audience["parents"]["participants"] == 2
    assert by_audience["pupils_7_11"]["participants"] == 3


def test_answers_written_together_follow_the_same_rules_as_one_by_one(make_session, trainer, pupil):
    session = make_session(POLL, RATING)
    poll, rating = _activities(session)
    actions.show_activity(session, trainer, poll)
    first, second, third = (pupil(session)[0] for _ in range(3))
    actions.cast_vote(third, poll, Answer(choices=(0,)))
    results = actions.cast_votes(
        [
            (first, poll.pk, Answer(choices=(1,))),
            (first, poll.pk, Answer(choices=(2,))),  # the same pupil twice in one batch
            (second, poll.pk, Answer(choices=(9,))),  # no such option
            (third, poll.pk, Answer(choices=(2,))),  # answered before
            (second, rating.pk, Answer(value=3)),  # not open
            (second, 10**9, Answer(choices=(0,))),  # no such activity
            (second, poll.pk, Answer(choices=(2,))),
        ]
    )
    outcome = [r.code if isinstance(r, Refused) else "counted" for r in results]
    assert outcome == ["counted", "already", "invalid", "already", "not_open", "invalid", "counted"]
    assert sorted(Vote.objects.values_list("participant_id", "choices")) == sorted(
        [(first.pk, [1]), (second.pk, [2]), (third.pk, [0])]
    )
