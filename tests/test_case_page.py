"""The case page: everything about a case in one place, and the actions an operator takes there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from himoya.audit.models import Action, AuditEntry
from himoya.cases import actions
from himoya.cases.models import Case, Outcome, Status
from himoya.conversations.actions import receive_message, send_reply
from himoya.reference.models import HarmCategory
from himoya.referrals.actions import record_answer, refer_case
from himoya.referrals.loader import load_partner_directory
from himoya.referrals.models import PartnerOrganisation
from himoya.reports.models import Channel
from himoya.reports.validation import check_image
from himoya.triage.models import Correction

pytestmark = pytest.mark.django_db


def _page(case) -> str:
    return f"/en/staff/cases/{case.pk}/"


def _flash(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def full_case(file_report, images, operator):
    """A case of two reports (merged), with messages both ways, a picture, a note and an answered referral."""
    first = file_report(
        "A boy from my school posts my photos with insults.",
        links=["https://www.instagram.com/insults_7b/"],
        images=[check_image(images.png(40, 30))],
        contact="+994 50 000 00 00",
    )
    second = file_report("My daughter is mocked in a Telegram group.", links=["https://t.me/mock_group"])
    receive_message(first.report, "He posted another one today.", Channel.WEB)
    send_reply(first.case, operator, "Thank you. Please do not reply to him.")
    case = actions.merge_cases(first.case, second.case, operator)
    actions.add_note(case, operator, "Called the school counsellor.")
    load_partner_directory(["AZ"])
    referral = refer_case(
        case, operator, PartnerOrganisation.objects.get(code="az-education"), "Letter to the ministry."
    )
    record_answer(referral, operator, "The school will hold a meeting.")
    return Case.objects.get(pk=case.pk)


def test_the_page_shows_every_report_message_signal_link_picture_note_referral_and_the_history(
    full_case, operator, staff_client
):
    page = staff_client(operator).get(_page(full_case)).content.decode()
    for text in (
        "A boy from my school posts my photos with insults.",
        "My daughter is mocked in a Telegram group.",
        "+994 50 000 00 00",
        "He posted another one today.",
        "Thank you. Please do not reply to him.",
        "https://www.instagram.com/insults_7b/",
        "https://t.me/mock_group",
        "Called the school counsellor.",
        "Letter to the ministry.",
        "The school will hold a meeting.",
    ):
        assert escape(text) in page, text
    for signal in full_case.signals.all():
        for reason in signal.reasons:
            assert escape(reason["detail"]) in page
    # Pictures are there, blurred until the operator opens them.
    attachment = full_case.reports.first().attachments.get()
    assert f'src="/en/staff/cases/attachments/{attachment.pk}/"' in page
    assert "blurred" in page
    for action in ("Cases merged", "Note added", "Case referred to a partner", "Partner&#x27;s answer recorded"):
        assert action in page


def test_the_page_opens_with_a_summary_and_groups_the_actions(full_case, operator, staff_client):
    response = staff_client(operator).get(_page(full_case))
    page = response.content.decode()
    head = page[page.index('<header class="case-head">') : page.index("</header>", page.index("case-head"))]
    for fact in (full_case.reference, full_case.harm.name(), full_case.get_status_display(), "Deadline", "Reports"):
        assert fact in head
    side = page[page.index('<aside class="case-side"') :]
    for heading in (
        "Correct harm and urgency",
        "Add a note",
        "Refer to a partner",
        "Takedown notice",
        "Merge with another case",
        "Close the case",
    ):
        assert f">{heading}</h3>" in side


def test_the_page_costs_the_same_queries_however_many_reports_and_referrals_it_has(file_report, operator, staff_client):
    def case_with(n: int) -> Case:
        case = file_report(links=[f"https://t.me/first_of_{n}"]).case
        for i in range(n - 1):
            case = actions.merge_cases(case, file_report(links=[f"https://t.me/more_{n}_{i}"]).case, operator)
        load_partner_directory(["AZ"])
        for partner in PartnerOrganisation.objects.all()[:n]:
            refer_case(case, operator, partner, "sent")
        return Case.objects.get(pk=case.pk)

    client = staff_client(operator)
    small, large = case_with(1), case_with(4)
    client.get(_page(small))  # warm up what is cached per process
    with CaptureQueriesContext(connection) as few:
        assert client.get(_page(small)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(_page(large)).status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_a_correction_of_harm_and_urgency_is_recorded_as_a_correction(file_report, operator, staff_client):
    case = file_report().case
    harm = HarmCategory.objects.get(code="cyberstalking")
    response = staff_client(operator).post(f"{_page(case)}correct/", {"harm": harm.pk, "urgency": "P1"}, follow=True)
    assert "Harm and urgency updated." in _flash(response)
    case.refresh_from_db()
    assert (case.harm, case.urgency, case.triage_overridden) == (harm, "P1", True)
    correction = Correction.objects.get()
    assert (correction.harm_before, correction.harm_after, correction.urgency_after) == (
        "cyberbullying",
        "cyberstalking",
        "P1",
    )
    assert AuditEntry.objects.filter(case=case, action=Action.TRIAGE_CORRECTED, actor=operator).exists()


def test_an_operator_closes_changes_the_outcome_and_reopens(file_report, operator, staff_client):
    case = file_report().case
    client = staff_client(operator)
    response = client.post(f"{_page(case)}close/", {"outcome": Outcome.ADVICE_GIVEN}, follow=True)
    assert "Case closed." in _flash(response)
    assert f'action="/en/staff/cases/{case.pk}/outcome/"' in response.content.decode()
    response = client.post(f"{_page(case)}outcome/", {"outcome": Outcome.CONTENT_REMOVED}, follow=True)
    assert "Outcome changed." in _flash(response)
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.CONTENT_REMOVED)
    changes = AuditEntry.objects.filter(case=case, action__in=[Action.CASE_CLOSED, Action.CASE_OUTCOME_CHANGED])
    assert [(entry.action, entry.detail) for entry in changes.order_by("id")] == [
        (Action.CASE_CLOSED, {"outcome": "advice_given"}),
        (Action.CASE_OUTCOME_CHANGED, {"outcome": "content_removed", "previous": "advice_given"}),
    ]
    response = client.post(f"{_page(case)}reopen/", follow=True)
    assert "Case reopened." in _flash(response)
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.OPEN, "")


def test_the_outcome_of_an_open_case_is_set_by_closing_it(file_report, operator, staff_client):
    case = file_report().case
    response = staff_client(operator).post(f"{_page(case)}outcome/", {"outcome": Outcome.REFERRED}, follow=True)
    assert "Only a closed case has an outcome to change. Close the case to set one." in _flash(response)
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.NEW, "")


@pytest.mark.parametrize("url", ["close", "outcome"])
@pytest.mark.parametrize(
    ("outcome", "error"), [("", "Choose an outcome."), ("lost", "Choose an outcome from the list.")]
)
def test_a_bad_outcome_gets_a_clear_error_and_changes_nothing(file_report, operator, staff_client, url, outcome, error):
    case = file_report().case
    response = staff_client(operator).post(f"{_page(case)}{url}/", {"outcome": outcome}, follow=True)
    assert response.status_code == 200
    assert error in _flash(response)
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.NEW, "")
    assert not AuditEntry.objects.filter(action=Action.CASE_CLOSED).exists()


def test_once_referred_the_close_form_suggests_the_referred_outcome(full_case, operator, staff_client):
    page = staff_client(operator).get(_page(full_case)).content.decode()
    assert '<option value="referred" selected>' in page


def test_a_note_too_long_or_empty_gets_a_clear_error(file_report, operator, staff_client):
    case = file_report().case
    client = staff_client(operator)
    assert "Write a note first." in _flash(client.post(f"{_page(case)}note/", {"text": " "}, follow=True))
    response = client.post(f"{_page(case)}note/", {"text": "x" * 20_001}, follow=True)
    assert "Please keep it under 20000 characters (this is 20001)." in _flash(response)
    assert not case.notes.exists()


def test_a_post_to_a_case_that_does_not_exist_is_404(operator, staff_client):
    client = staff_client(operator)
    for action in ("merge", "split", "refer", "takedown", "outcome", "note"):
        assert client.post(f"/en/staff/cases/999999/{action}/", {}).status_code == 404


def test_the_case_page_refuses_get_on_actions(file_report, operator, staff_client):
    case = file_report().case
    for action in ("merge", "split", "refer", "takedown", "outcome"):
        assert staff_client(operator).get(f"{_page(case)}{action}/").status_code == 405
