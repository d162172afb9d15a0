"""The pages: pupils join and answer without JavaScript and without an account; trainers
plan, present, moderate and export; nobody else gets in."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from himoya.audit.models import AuditEntry
from himoya.awareness import actions
from himoya.awareness.access import cookie_name
from himoya.awareness.models import AwarenessSession, Participant, Question, QuestionStatus, SessionTemplate, Vote
from himoya.awareness.shipped import load_shipped_templates
from tests.awareness.conftest import CLOUD, POLL, QUIZ, RATING
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


# --- Pupils ----------------------------------------------------------------------------------


def test_a_pupil_types_the_code_with_spaces_and_lands_in_the_sessions_language(make_session):
    session = make_session(POLL, language="az")
    response = Client().post("/en/join/", {"code": f" {session.join_code[:4]} {session.join_code[4:]} "})
    assert response.status_code == 302
    assert response["Location"] == f"/az/join/{session.join_code}/"


def test_a_wrong_code_says_so(session):
    response = Client().post("/en/join/", {"code": "0000 0000" if session.join_code != "00000000" else "1111 1111"})
    assert response.status_code == 400
    assert b"There is no session with this code" in response.content


def test_joining_sets_a_cookie_and_stores_no_address_or_name(session):
    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.9")
    response = client.post(f"/en/join/{session.join_code}/", {"nickname": "Blue Fox"})
    assert response.status_code == 302 and response["Location"] == f"/en/s/{session.join_code}/"
    cookie = response.cookies[cookie_name(session)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    participant = Participant.objects.get()
    assert participant.nickname == "Blue Fox" and participant.token_digest != cookie.value
    fields = {f.name for f in Participant._meta.get_fields()}
    assert not fields & {"ip", "ip_address", "address", "user_agent", "name", "email", "phone"}
    assert not AuditEntry.objects.filter(detail__icontains="203.0.113.7").exists()
    # Nothing a pupil does creates a server-side session row either.
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists()


def test_a_rude_nickname_is_refused_on_the_form(session):
    response = Client().post(f"/en/join/{session.join_code}/", {"nickname": "idiot"})
    assert response.status_code == 400
    assert not Participant.objects.exists()


def test_without_the_cookie_the_pupil_is_sent_to_join(session):
    response = Client().get(f"/en/s/{session.join_code}/")
    assert response.status_code == 302 and response["Location"] == f"/en/join/{session.join_code}/"


def test_a_pupil_votes_with_a_plain_form_once(session, trainer, pupil):
    poll = actions.next_activity(session, trainer)
    _participant, client, _token = pupil(session)
    page = client.get(f"/en/s/{session.join_code}/")
    assert page.status_code == 200
    assert poll.prompt.encode() in page.content and b'name="choice"' in page.content
    assert client.post(f"/en/s/{session.join_code}/answer/{poll.pk}/", {"choice": "2"}).status_code == 302
    again = client.post(f"/en/s/{session.join_code}/answer/{poll.pk}/", {"choice": "0"}, follow=True)
    assert b"You have answered this one already" in again.content
    assert Vote.objects.get().choices == [2]
    assert b"Your answer is counted" in client.get(f"/en/s/{session.join_code}/?fragment=activity").content


@pytest.mark.parametrize(
    ("plan", "data", "stored"),
    [
        (RATING, {"value": "4"}, ("choices", [4])),
        (CLOUD, {"word": ["Games", "chat"]}, ("words", ["games", "chat"])),
        (QUIZ, {"choice": "1"}, ("correct", True)),
    ],
)
def test_every_kind_of_activity_takes_answers_without_javascript(make_session, trainer, pupil, plan, data, stored):
    session = make_session(plan)
    activity = actions.next_activity(session, trainer)
    _participant, client, _token = pupil(session)
    client.post(f"/en/s/{session.join_code}/answer/{activity.pk}/", data)
    assert getattr(Vote.objects.get(), stored[0]) == stored[1]


def test_a_pupil_asks_and_upvotes_with_plain_forms(session, trainer, pupil):
    _asker, asker_client, _t = pupil(session)
    asked = asker_client.post(f"/en/s/{session.join_code}/ask/", {"text": "How do I block someone?"}, follow=True)
    assert b"will be shown once the presenter has read it" in asked.content
    question = Question.objects.get()
    actions.moderate_question(question, trainer, "approve")
    _voter, voter_client, _t = pupil(session)
    page = voter_client.get(f"/en/s/{session.join_code}/")
    assert b"How do I block someone?" in page.content
    voter_client.post(f"/en/s/{session.join_code}/questions/{question.pk}/up/")
    voter_client.post(f"/en/s/{session.join_code}/questions/{question.pk}/up/")
    question.refresh_from_db()
    assert question.upvotes == 1


def test_pages_of_an_ended_session_say_thank_you(session, trainer, pupil):
    _participant, client, _t = pupil(session)
    actions.end_session(session, trainer)
    assert b"This session has ended" in client.get(f"/en/s/{session.join_code}/").content
    assert Client().get(f"/en/join/{session.join_code}/").status_code == 404


def test_the_pupils_page_is_in_the_sessions_language(make_session, pupil):
    session = make_session(POLL, language="ru")
    _participant, client, _t = pupil(session)
    response = client.get(f"/en/s/{session.join_code}/")
    assert response.status_code == 302 and response["Location"] == f"/ru/s/{session.join_code}/"
    assert b'lang="ru"' in client.get(f"/ru/s/{session.join_code}/").content


# --- Projector ---------------------------------------------------------------------------------


def test_the_projector_shows_the_code_and_a_qr_code_without_signing_in(session, trainer):
    actions.next_activity(session, trainer)
    response = Client().get(f"/en/screen/{session.projector_key}/")
    assert response.status_code == 200
    assert session.spaced_code.encode() in response.content
    assert b"<svg" in response.content
    assert b'id="stage-data"' in response.content


def test_a_wrong_projector_key_shows_nothing(session):
    assert Client().get("/en/screen/not-the-key/").status_code == 404


def test_a_running_quiz_does_not_show_its_answer_on_the_projector_or_the_phones(make_session, trainer, pupil):
    session = make_session(QUIZ)
    actions.next_activity(session, trainer)
    screen = Client().get(f"/en/screen/{session.projector_key}/").content
    assert b'"correct": []' in screen and b'id="chart"' not in screen
    _participant, client, _t = pupil(session)
    assert b"data-correct" not in client.get(f"/en/s/{session.join_code}/").content


# --- Trainers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["operator", "analyst", "outsider"])
def test_staff_without_the_trainer_role_are_refused(request, persona, session):
    client = verified_client(request.getfixturevalue(persona))
    assert client.get("/en/staff/awareness/").status_code == 403
    assert client.get(f"/en/staff/awareness/{session.pk}/present/").status_code == 403


def test_a_trainer_does_not_see_another_trainers_session(session, trainer2):
    client = verified_client(trainer2)
    assert client.get(f"/en/staff/awareness/{session.pk}/present/").status_code == 404
    assert session.title.encode() not in client.get("/en/staff/awareness/").content


def test_an_administrator_sees_every_session(session, administrator):
    assert verified_client(administrator).get(f"/en/staff/awareness/{session.pk}/present/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().get("/en/staff/awareness/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_a_trainer_creates_a_session_from_a_template_in_uzbek(trainer_client):
    load_shipped_templates()
    response = trainer_client.post(
        "/en/staff/awareness/new/",
        {
            "template": "safe-online-7-11",
            "title": "",
            "language": "uz",
            "scheduled_for": "2026-03-01",
            "audience": "pupils_7_11",
            "qa_enabled": "on",
            "qa_moderated": "on",
        },
    )
    assert response.status_code == 302
    session = AwarenessSession.objects.get()
    assert session.title == SessionTemplate.objects.get(key="safe-online-7-11", language="uz").title
    assert session.activities.count() == 9


def test_a_trainer_adds_a_quiz_question_and_a_bad_one_is_explained(trainer_client, make_session):
    session = make_session(POLL)
    url = f"/en/staff/awareness/{session.pk}/activities/"
    good = {"kind": "quiz", "prompt": "Safe?", "options": "Yes\nNo", "correct": "2", "seconds": "15"}
    assert trainer_client.post(url, good).status_code == 302
    quiz = session.activities.get(kind="quiz")
    assert (quiz.options, quiz.correct, quiz.seconds) == (["Yes", "No"], [1], 15)
    bad = trainer_client.post(url, {"kind": "quiz", "prompt": "Safe?", "options": "Yes\nNo", "correct": "5"})
    assert bad.status_code == 400 and b"number of the right one" in bad.content


def test_the_presenter_runs_the_session_with_buttons(trainer_client, session):
    base = f"/en/staff/awareness/{session.pk}"
    assert trainer_client.get(f"{base}/present/").status_code == 200
    trainer_client.post(f"{base}/control/next/")
    session.refresh_from_db()
    assert session.current_activity.position == 0 and session.current_activity.state == "open"
    trainer_client.post(f"{base}/control/close/")
    session.current_activity.refresh_from_db()
    assert session.current_activity.state == "closed"
    third = session.activities.get(position=2)
    trainer_client.post(f"{base}/control/show/", {"activity": third.pk})
    session.refresh_from_db()
    assert session.current_activity == third
    assert trainer_client.get(f"{base}/present/?fragment=1").status_code == 200
    assert trainer_client.post(f"{base}/control/end/").status_code == 302
    session.refresh_from_db()
    assert session.is_ended


def test_the_presenter_moderates_with_htmx(trainer_client, session, pupil):
    participant, _client, _t = pupil(session)
    question = actions.ask_question(participant, "Is my location shared in photos?")
    url = f"/en/staff/awareness/{session.pk}/questions/{question.pk}/approve/"
    response = trainer_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'id="moderation"' in response.content
    assert Question.objects.get().status == QuestionStatus.APPROVED
    assert trainer_client.post(f"/en/staff/awareness/{session.pk}/questions/{question.pk}/delete/").status_code == 404


def test_results_export_as_csv_with_counts_and_an_audit_row(trainer_client, trainer, make_session, pupil):
    session = make_session(POLL, QUIZ)
    poll = actions.next_activity(session, trainer)
    for choice in (0, 0, 2):
        actions.cast_vote(pupil(session)[0], poll, actions.Answer(choices=(choice,)))
    actions.end_session(session, trainer)
    response = trainer_client.get(f"/en/staff/awareness/{session.pk}/results.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    answers = [(r[4], r[5]) for r in rows if r[0] == "answers" and r[1] == "1"]
    assert answers == [("Telegram", "2"), ("TikTok", "0"), ("YouTube", "1"), ("total", "3")]
    assert AuditEntry.objects.filter(action="awareness.results_exported", detail__format="csv").exists()
    page = trainer_client.get(f"/en/staff/awareness/{session.pk}/results/")
    assert page.status_code == 200 and b"<svg" in page.content


def test_the_pdf_summary_has_the_charts(trainer_client, trainer, make_session, pupil):
    pytest.importorskip("weasyprint")
    session = make_session(POLL, language="az")
    poll = actions.next_activity(session, trainer)
    actions.cast_vote(pupil(session)[0], poll, actions.Answer(choices=(1,)))
    actions.end_session(session, trainer)
    response = trainer_client.get(f"/en/staff/awareness/{session.pk}/summary.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="awareness.results_exported", detail__format="pdf").exists()
