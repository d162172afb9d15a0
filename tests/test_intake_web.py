from __future__ import annotations

import re

import pytest
from django.test import Client

from himoya.audit.models import Action, AuditEntry
from himoya.cases.models import Case
from himoya.reports.models import Report

pytestmark = pytest.mark.django_db


def _post_report(client: Client, language="en", **data):
    payload = {"narrative": "A boy from school keeps sending me threats.", "harm": "", "age_group": "13_17"}
    payload.update(data)
    return client.post(f"/{language}/report/", payload)


def test_it_files_an_anonymous_report_and_shows_the_code_once(reference):
    client = Client()
    response = _post_report(client)
    assert response.status_code == 302
    done = client.get(response["Location"])
    code = re.search(r'id="case-code">([A-Z0-9-]+)<', done.content.decode()).group(1)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}", code)
    assert Report.objects.count() == 1
    assert AuditEntry.objects.filter(action=Action.REPORT_SUBMITTED).count() == 1
    # Shown once: a second visit goes to the case page instead.
    again = client.get(response["Location"])
    assert again.status_code == 302
    assert code not in client.get(again["Location"]).content.decode()


def test_the_session_row_never_holds_the_code_in_the_clear(reference):
    from django.contrib.sessions.models import Session

    client = Client()
    response = _post_report(client)
    stored = Session.objects.get().get_decoded()  # before the code is shown: the row is all there is
    done = client.get(response["Location"])
    code = re.search(r'id="case-code">([A-Z0-9-]+)<', done.content.decode()).group(1)
    assert code not in str(stored) and code.replace("-", "") not in str(stored)


def test_a_done_page_with_a_tampered_code_goes_to_the_code_form(reference):
    client = Client()
    response = _post_report(client)
    session = client.session
    session["reporter_new_code"] = "00" * 40
    session.save()
    assert client.get(response["Location"])["Location"].endswith("/case/")


def test_it_opens_the_case_with_the_code_and_takes_a_message(file_report):
    submission = file_report()
    client = Client()
    response = client.post("/az/status/", {"code": submission.code.lower().replace("-", " ")})
    assert response.status_code == 302
    page = client.get("/az/status/case/")
    assert page.status_code == 200
    response = client.post("/az/status/case/", {"body": "Bu gün yenə yazdı."})
    assert response.status_code == 302
    message = submission.case.messages.get()
    assert message.body == "Bu gün yenə yazdı."


def test_it_rejects_unknown_case_code_without_revealing_anything(reference):
    response = Client().post("/en/status/", {"code": "2222-2222-2222-2222"})
    assert response.status_code == 400
    assert "could not find a case" in response.content.decode()


def test_the_database_holds_no_plaintext_narrative(file_report, django_db_blocker):
    secret = "UNIQUE-SECRET-STORY sextortion threat from user xyz"
    file_report(narrative=secret, contact="+994 50 123 45 67", links=["https://instagram.com/my.own.account"])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative, contact, links FROM reports_report")
        narrative, contact, links = cursor.fetchone()
    assert b"UNIQUE-SECRET" not in bytes(narrative)
    assert b"123 45 67" not in bytes(contact)
    assert b"my.own.account" not in bytes(links)
    report = Report.objects.get()
    assert (report.narrative, report.links) == (secret, ["https://instagram.com/my.own.account"])


def test_a_help_now_report_is_p1_with_a_15_minute_deadline(file_report):
    submission = file_report(harm="cyberbullying", needs_help_now=True)
    case = Case.objects.get(pk=submission.case.pk)
    assert case.urgency == "P1"
    assert 14 * 60 <= (case.deadline - case.opened_at).total_seconds() <= 15 * 60
