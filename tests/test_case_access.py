"""Who may see and work which case, and the audit trail every look and every change leaves."""

from __future__ import annotations

import io

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from PIL import Image

from himoya.audit.models import Action, AuditEntry
from himoya.cases import actions
from himoya.cases.models import Case, Note, Status
from himoya.conversations.actions import send_reply
from himoya.conversations.models import Message
from himoya.reports.validation import check_image

pytestmark = pytest.mark.django_db


def _detail(case) -> str:
    return f"/en/staff/cases/{case.pk}/"


def _audit(case, action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(case=case, action=action))


@pytest.fixture
def case(file_report):
    return file_report().case


@pytest.fixture
def restricted_case(file_report):
    return file_report(harm="csam").case


@pytest.fixture
def attachment(file_report, images):
    submission = file_report(images=[check_image(images.png(12, 8))])
    return submission.report.attachments.get()


@pytest.fixture
def break_audit():
    """``break_audit()``: from now on, every insert into the audit table fails in the database."""

    def _break():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ "
                    "BEGIN RAISE EXCEPTION 'audit unavailable'; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditentry "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditentry "
                    "BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END"
                )
        # Both are undone with the test's transaction.

    return _break


def test_an_operator_sees_the_queue_and_opens_a_case(case, operator, staff_client):
    client = staff_client(operator)
    queue = client.get("/en/staff/cases/")
    assert queue.status_code == 200
    assert _detail(case) in queue.content.decode()
    assert client.get(_detail(case)).status_code == 200


def test_an_operator_works_a_case_through_the_console(case, operator, staff_client):
    client = staff_client(operator)
    assert client.post(f"{_detail(case)}claim/").status_code == 302
    assert (
        client.post(f"/en/staff/conversations/cases/{case.pk}/reply/", {"body": "We are here to help."}).status_code
        == 302
    )
    assert client.post(f"{_detail(case)}note/", {"text": "Called the school."}).status_code == 302
    assert client.post(f"{_detail(case)}close/", {"outcome": "advice_given"}).status_code == 302
    case.refresh_from_db()
    assert (case.assignee, case.status, case.outcome) == (operator, Status.CLOSED, "advice_given")
    assert client.post(f"{_detail(case)}reopen/").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.OPEN
    assert case.messages.get().body == "We are here to help."
    assert case.notes.get().text == "Called the school."
    for action in (
        Action.CASE_CLAIMED,
        Action.MESSAGE_SENT,
        Action.NOTE_ADDED,
        Action.CASE_CLOSED,
        Action.CASE_REOPENED,
    ):
        [entry] = _audit(case, action)
        assert entry.actor == operator


def test_an_outsider_gets_403_on_the_queue_and_cases(case, outsider, staff_client):
    client = staff_client(outsider)
    assert client.get("/en/staff/cases/").status_code == 403
    assert client.get(_detail(case)).status_code == 403
    assert client.post(f"{_detail(case)}claim/").status_code == 403
    assert not _audit(case, Action.CASE_VIEWED)


def test_an_analyst_cannot_open_or_work_a_case(case, analyst, staff_client):
    client = staff_client(analyst)
    assert client.get(_detail(case)).status_code == 403
    assert client.post(f"{_detail(case)}claim/").status_code == 403
    assert client.post(f"{_detail(case)}note/", {"text": "x"}).status_code == 403
    case.refresh_from_db()
    assert case.assignee is None
    assert not Note.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(case):
    response = Client().get(_detail(case))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/")


def test_a_restricted_case_does_not_exist_for_an_operator(restricted_case, case, operator, staff_client):
    client = staff_client(operator)
    queue = client.get("/en/staff/cases/").content.decode()
    assert _detail(case) in queue
    assert _detail(restricted_case) not in queue
    assert client.get(_detail(restricted_case)).status_code == 404
    assert client.post(f"{_detail(restricted_case)}claim/").status_code == 404
    assert (
        client.post(f"/en/staff/conversations/cases/{restricted_case.pk}/reply/", {"body": "hello"}).status_code == 404
    )
    restricted_case.refresh_from_db()
    assert restricted_case.assignee is None
    assert not Message.objects.exists()
    assert not _audit(restricted_case, Action.CASE_VIEWED)


def test_a_supervisor_sees_and_works_a_restricted_case(restricted_case, supervisor, staff_client):
    client = staff_client(supervisor)
    assert _detail(restricted_case) in client.get("/en/staff/cases/").content.decode()
    assert client.get(_detail(restricted_case)).status_code == 200
    assert client.post(f"{_detail(restricted_case)}claim/").status_code == 302
    restricted_case.refresh_from_db()
    assert restricted_case.assignee == supervisor


def test_the_actions_themselves_refuse_a_restricted_case_to_an_operator(restricted_case, operator):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.claim_case(restricted_case, operator)
    with pytest.raises(PermissionDenied):
        send_reply(restricted_case, operator, "hello")


def test_every_view_of_a_case_is_audited(case, operator, supervisor, staff_client):
    staff_client(operator).get(_detail(case))
    staff_client(operator).get(_detail(case))
    staff_client(supervisor).get(_detail(case))
    viewers = [entry.actor for entry in _audit(case, Action.CASE_VIEWED)]
    assert sorted(user.username for user in viewers) == ["olga", "olga", "samira"]


def test_a_case_is_not_shown_if_its_view_cannot_be_audited(case, operator, staff_client, break_audit):
    client = staff_client(operator)
    break_audit()
    with pytest.raises(DatabaseError):
        client.get(_detail(case))


def _close(case, user):
    return actions.close_case(case, user, "advice_given")


def _reopen(case, user):
    return actions.reopen_case(case, user)


CHANGES = {
    "claim": (lambda case, user: actions.claim_case(case, user), lambda case: case.assignee_id is None),
    "reply": (lambda case, user: send_reply(case, user, "Hello"), lambda case: not case.messages.exists()),
    "note": (lambda case, user: actions.add_note(case, user, "n"), lambda case: not case.notes.exists()),
    "close": (_close, lambda case: case.status == Status.NEW and case.closed_at is None),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_is_undone_when_its_audit_row_cannot_be_written(change, case, operator, break_audit):
    act, unchanged = CHANGES[change]
    break_audit()
    with pytest.raises(DatabaseError):
        act(Case.objects.get(pk=case.pk), operator)
    assert unchanged(Case.objects.get(pk=case.pk))


def test_a_reopen_is_undone_when_its_audit_row_cannot_be_written(case, operator, break_audit):
    _close(case, operator)
    break_audit()
    with pytest.raises(DatabaseError):
        _reopen(Case.objects.get(pk=case.pk), operator)
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_an_attachment_is_served_to_staff_who_may_work_the_case_and_audited(attachment, operator, staff_client):
    response = staff_client(operator).get(f"/en/staff/cases/attachments/{attachment.pk}/")
    assert response.status_code == 200
    # A re-encoded still of the picture (see docs/images.md), never the file as uploaded.
    assert response.content != attachment.data
    assert Image.open(io.BytesIO(response.content)).size == (attachment.width, attachment.height)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    [entry] = _audit(attachment.report.case, Action.ATTACHMENT_VIEWED)
    assert entry.actor == operator
    assert entry.detail == {"attachment": attachment.pk}


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
def test_an_attachment_is_refused_to_staff_without_the_case(persona, attachment, staff_client, request):
    response = staff_client(request.getfixturevalue(persona)).get(f"/en/staff/cases/attachments/{attachment.pk}/")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=Action.ATTACHMENT_VIEWED).exists()


def test_an_attachment_of_a_restricted_case_does_not_exist_for_an_operator(
    file_report, images, operator, supervisor, staff_client
):
    row = file_report(harm="csam", images=[check_image(images.png())]).report.attachments.get()
    assert staff_client(operator).get(f"/en/staff/cases/attachments/{row.pk}/").status_code == 404
    assert staff_client(supervisor).get(f"/en/staff/cases/attachments/{row.pk}/").status_code == 200


def test_an_attachment_is_never_served_to_the_public(attachment):
    url = f"/en/staff/cases/attachments/{attachment.pk}/"
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/")
    # Not even to the reporter who sent it, holding their case open.
    reporter = Client()
    session = reporter.session
    session["reporter_report"] = attachment.report_id
    session.save()
    page = reporter.get("/en/status/case/")
    assert page.status_code == 200
    assert url not in page.content.decode()
    assert reporter.get(url).status_code == 302
    assert not AuditEntry.objects.filter(action=Action.ATTACHMENT_VIEWED).exists()


def test_a_missing_attachment_is_404(operator, staff_client):
    assert staff_client(operator).get("/en/staff/cases/attachments/999999/").status_code == 404
