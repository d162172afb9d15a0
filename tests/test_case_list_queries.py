"""The staff queue costs the same number of queries with 1 case as with 30."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from himoya.cases.actions import claim_case, close_case

pytestmark = pytest.mark.django_db

HARMS = ["cyberbullying", "grooming", "scam", "sextortion", "privacy", None]


def _fill(file_report, operators, count: int) -> None:
    for n in range(count):
        case = file_report(harm=HARMS[n % len(HARMS)], language=["en", "ru", "az"][n % 3]).case
        if n % 3 == 0:
            claim_case(case, operators[n % len(operators)])
        if n % 5 == 0:
            close_case(case, operators[0], "advice_given")


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "who=mine", "status=closed"])
def test_the_case_list_does_not_grow_queries_with_cases(
    query, file_report, operator, operator2, staff_client, django_assert_max_num_queries
):
    client = staff_client(operator)
    path = f"/en/staff/cases/?{query}"
    _fill(file_report, [operator, operator2], 1)
    _queries(client, path)  # warm caches (permissions, content types)
    few = _queries(client, path)
    _fill(file_report, [operator, operator2], 30)
    page = None
    with django_assert_max_num_queries(few):
        page = client.get(path)
    assert page.status_code == 200
    assert page.content.decode().count('href="/en/staff/cases/') >= 5


def test_the_case_page_does_not_grow_queries_with_its_history(
    file_report, operator, staff_client, images, django_assert_max_num_queries
):
    from himoya.cases.actions import add_note
    from himoya.conversations.actions import receive_message, send_reply
    from himoya.reports.models import Attachment, Report
    from himoya.reports.validation import check_image

    # The first report has a screenshot too, so the baseline already pays what pictures cost once.
    first = file_report(images=[check_image(images.png())]).report
    case = first.case
    client = staff_client(operator)
    path = f"/en/staff/cases/{case.pk}/"
    _queries(client, path)
    few = _queries(client, path)
    picture = images.png()
    for n in range(10):
        receive_message(case.reports.first(), f"message {n}", "web")
        send_reply(case, operator, f"reply {n}")
        add_note(case, operator, f"note {n}")
        # A further report joined to the case, with a screenshot.
        more = Report.objects.create(
            case=case, channel="web", language="en", narrative=f"report {n}", code_digest=f"{n:064x}"
        )
        Attachment.objects.create(
            report=more, content_type="image/png", size=len(picture), width=40, height=30, sha256="x", data=picture
        )
    with django_assert_max_num_queries(few):
        page = client.get(path)
    assert page.content.decode().count('src="/en/staff/cases/attachments/') == 11
