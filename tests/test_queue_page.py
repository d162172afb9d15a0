"""The operators' queue: order, filters, counts, deadlines, who holds what, claiming from a row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from himoya.audit.models import Action, AuditEntry
from himoya.cases.actions import claim_case, close_case
from himoya.cases.models import Case, Status
from himoya.reference.models import Region
from himoya.reports.models import Channel

pytestmark = pytest.mark.django_db

QUEUE = "/en/staff/cases/"


@pytest.fixture
def make_case(file_report):
    """``make_case(urgency, minutes_left, **report)``: a reported case with this urgency and deadline."""

    def _make(urgency: str = "P3", minutes_left: float = 60, **report):
        case = file_report(**report).case
        Case.objects.filter(pk=case.pk).update(
            urgency=urgency, deadline=timezone.now() + timedelta(minutes=minutes_left)
        )
        case.refresh_from_db()
        return case

    return _make


def _rows(response) -> list[int]:
    """Case ids in the order the queue's table lists them."""
    import re

    return [int(pk) for pk in re.findall(r'<tr class="queue-row[^"]*" data-case="(\d+)"', response.content.decode())]


def test_the_queue_lists_the_most_urgent_first_then_the_nearest_deadline(make_case, operator, staff_client):
    p3_soon = make_case("P3", 5)
    p1_late = make_case("P1", 30)
    p2 = make_case("P2", 1)
    p1_first = make_case("P1", 2)
    closed = make_case("P1", 1)
    close_case(closed, operator, "advice_given")
    response = staff_client(operator).get(QUEUE)
    assert response.status_code == 200
    assert _rows(response) == [p1_first.pk, p1_late.pk, p2.pk, p3_soon.pk]


def test_the_page_shows_counts_per_urgency_with_how_many_are_overdue(make_case, operator, staff_client):
    make_case("P1", -5)
    make_case("P1", 10)
    make_case("P2", -1)
    page = staff_client(operator).get(QUEUE).content.decode()
    counts = page.split('class="urgency-counts"')[1].split("</ul>")[0]
    assert (
        'P1 — immediate danger:</span> <span class="count-total">2</span> <strong class="overdue-count">1 overdue'
        in counts
    )
    assert 'P2 — urgent:</span> <span class="count-total">1</span> <strong class="overdue-count">1 overdue' in counts
    assert 'P4 — routine:</span> <span class="count-total">0</span></li>' in counts


def test_an_overdue_case_says_so_in_words_and_a_live_countdown_for_the_rest(make_case, operator, staff_client):
    late = make_case("P2", -90)
    due = make_case("P2", 45)
    page = staff_client(operator).get(QUEUE).content.decode()
    late_row = page.split(f'data-case="{late.pk}"')[1].split("</tr>")[0]
    due_row = page.split(f'data-case="{due.pk}"')[1].split("</tr>")[0]
    assert "overdue" in page.split(f'data-case="{late.pk}"')[0].rsplit("<tr", 1)[1]
    assert '<strong class="overdue-label">Overdue</strong>' in late_row
    assert "late by 1:30:" in late_row
    assert '<strong class="overdue-label" hidden>' in due_row
    assert "0:44:" in due_row and " left" in due_row
    assert f'data-deadline="{int(due.deadline.timestamp())}"' in due_row


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("harm=scam", {"scam"}),
        ("language=ru", {"ru"}),
        ("channel=telegram", {"telegram"}),
        ("region=AZ-BA", {"baku"}),
        ("urgency=P1", {"p1"}),
        ("status=open", {"mine"}),
        ("who=mine", {"mine"}),
        ("who=unassigned", {"scam", "ru", "telegram", "baku", "p1"}),
        ("status=closed", {"closed"}),
        ("harm=scam&language=ru", set()),
    ],
)
def test_each_filter_narrows_the_queue(query, matches, make_case, operator, operator2, staff_client):
    baku = Region.objects.get(code="AZ-BA")
    cases = {
        "scam": make_case(harm="scam"),
        "ru": make_case(language="ru"),
        "telegram": make_case(channel=Channel.TELEGRAM),
        "baku": make_case(region=baku),
        "p1": make_case("P1"),
        "mine": make_case(),
        "closed": make_case(),
    }
    claim_case(cases["mine"], operator)
    close_case(cases["closed"], operator2, "advice_given")
    response = staff_client(operator).get(f"{QUEUE}?{query}")
    assert response.status_code == 200
    assert set(_rows(response)) == {cases[name].pk for name in matches}


def test_a_new_case_takes_its_channel_and_region_from_the_report(file_report):
    baku = Region.objects.get(code="AZ-BA")
    case = file_report(channel=Channel.TELEGRAM, region=baku).case
    case.refresh_from_db()
    assert (case.channel, case.region) == (Channel.TELEGRAM, baku)


@pytest.mark.parametrize("query", ["harm=no-such-harm", "page=0", "page=abc", "region=XX", "status=lost", "who=boss"])
def test_a_bad_filter_value_is_explained_not_a_failure(query, make_case, operator, staff_client):
    case = make_case()
    response = staff_client(operator).get(f"{QUEUE}?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert _rows(response) == [case.pk]


def test_a_case_held_by_someone_else_shows_who_and_offers_no_claim(make_case, operator, operator2, staff_client):
    held = make_case()
    free = make_case()
    claim_case(held, operator2)
    page = staff_client(operator).get(QUEUE).content.decode()
    held_row = page.split(f'data-case="{held.pk}"')[1].split("</tr>")[0]
    free_row = page.split(f'data-case="{free.pk}"')[1].split("</tr>")[0]
    assert "Held by oybek" in held_row
    assert "data-claim" not in held_row
    assert "data-claim" in free_row
    assert " held" in page.split(f'data-case="{held.pk}"')[0].rsplit("<tr", 1)[1]


def test_claiming_from_a_row_opens_the_case_and_is_audited(make_case, operator, staff_client):
    case = make_case()
    response = staff_client(operator).post(f"/en/staff/cases/{case.pk}/take/", {"next": QUEUE})
    assert response.status_code == 302
    assert response["Location"] == f"/en/staff/cases/{case.pk}/"
    case.refresh_from_db()
    assert (case.assignee, case.status) == (operator, Status.OPEN)
    assert AuditEntry.objects.filter(case=case, action=Action.CASE_CLAIMED, actor=operator).count() == 1


def test_claiming_a_case_already_taken_says_who_has_it_and_changes_nothing(
    make_case, operator, operator2, staff_client
):
    case = make_case()
    assert staff_client(operator2).post(f"/en/staff/cases/{case.pk}/take/").status_code == 302
    response = staff_client(operator).post(
        f"/en/staff/cases/{case.pk}/take/", {"next": f"{QUEUE}?who=unassigned"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{QUEUE}?who=unassigned"
    assert f"{case.reference} is already held by oybek." in response.content.decode()
    case.refresh_from_db()
    assert case.assignee == operator2
    assert AuditEntry.objects.filter(case=case, action=Action.CASE_CLAIMED).count() == 1


def test_the_claim_form_does_not_redirect_elsewhere(make_case, operator, operator2, staff_client):
    case = make_case()
    claim_case(case, operator2)
    response = staff_client(operator).post(f"/en/staff/cases/{case.pk}/take/", {"next": "https://evil.example/"})
    assert response["Location"] == QUEUE


def test_a_get_cannot_claim(make_case, operator, staff_client):
    case = make_case()
    assert staff_client(operator).get(f"/en/staff/cases/{case.pk}/take/").status_code == 405
    case.refresh_from_db()
    assert case.assignee is None


def test_operators_do_not_see_restricted_cases_supervisors_do(make_case, operator, supervisor, staff_client):
    hidden = make_case(harm="csam")
    shown = make_case()
    operator_page = staff_client(operator).get(QUEUE)
    assert _rows(operator_page) == [shown.pk]
    assert 'value="csam"' not in operator_page.content.decode()
    assert staff_client(operator).get(f"{QUEUE}?harm=csam").status_code == 200
    assert staff_client(operator).post(f"/en/staff/cases/{hidden.pk}/take/").status_code == 404
    assert set(_rows(staff_client(supervisor).get(QUEUE))) == {hidden.pk, shown.pk}


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
def test_staff_without_case_access_get_nothing(persona, request, make_case, staff_client):
    case = make_case()
    client = staff_client(request.getfixturevalue(persona))
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}alerts/").status_code == 403
    assert client.post(f"/en/staff/cases/{case.pk}/take/").status_code == 403
    case.refresh_from_db()
    assert case.assignee is None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_the_queue_shows_one_page_at_a_time(make_case, operator, staff_client, monkeypatch):
    from himoya.cases import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    cases = [make_case("P2", minutes) for minutes in range(1, 8)]
    client = staff_client(operator)
    first = client.get(f"{QUEUE}?urgency=P2")
    assert _rows(first) == [case.pk for case in cases[:3]]
    assert "Showing 1–3 of 7" in first.content.decode()
    assert 'href="?urgency=P2&amp;page=2" rel="next"' in first.content.decode()
    third = client.get(f"{QUEUE}?urgency=P2&page=3")
    assert _rows(third) == [cases[6].pk]
    assert 'rel="next"' not in third.content.decode()


def test_the_live_refresh_gets_the_list_alone(make_case, operator, staff_client):
    make_case()
    response = staff_client(operator).get(f"{QUEUE}?who=unassigned", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and 'class="queue"' in page


def test_the_dark_theme_choice_is_rendered_from_the_first_paint(operator, staff_client):
    client = staff_client(operator)
    assert 'class="staff"' in client.get(QUEUE).content.decode()
    client.cookies["himoya_theme"] = "dark"
    assert 'class="staff theme-dark"' in client.get(QUEUE).content.decode()
    client.cookies["himoya_theme"] = "light"
    assert 'class="staff theme-light"' in client.get(QUEUE).content.decode()
    client.cookies["himoya_theme"] = '"><script>'
    assert 'class="staff"' in client.get(QUEUE).content.decode()


def test_opening_the_queue_or_the_shift_is_audited_but_live_redraws_are_not(operator, supervisor):
    from tests.conftest import verified_client

    staff_client = verified_client(operator)
    assert staff_client.get(QUEUE, {"urgency": "P1", "language": "uz"}).status_code == 200
    entry = AuditEntry.objects.get(action=Action.QUEUE_VIEWED)
    assert entry.detail == {"page": "queue", "filters": {"urgency": "P1", "language": "uz"}}
    staff_client.get(QUEUE, {"urgency": "P1"}, headers={"HX-Request": "true"})
    assert AuditEntry.objects.filter(action=Action.QUEUE_VIEWED).count() == 1
    verified_client(supervisor).get("/en/staff/cases/shift/")
    shift = AuditEntry.objects.filter(action=Action.QUEUE_VIEWED).latest("id")
    assert shift.actor == supervisor and shift.detail == {"page": "shift", "filters": {}}
