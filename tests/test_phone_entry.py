"""An operator enters a report taken by phone and reads the case code to the caller."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from himoya.audit.models import Action, AuditEntry
from himoya.reports.models import Channel, Report

pytestmark = pytest.mark.django_db

URL = "/en/staff/reports/new/"


def _call(**fields):
    return {"language": "ru", "narrative": "Звонила мама: сыну угрожают в игре.", "harm": "", **fields}


def test_an_operator_enters_a_phone_report_and_sees_the_code(operator, staff_client):
    client = staff_client(operator)
    assert client.get(URL).status_code == 200
    response = client.post(URL, _call(contact="+998 90 123 45 67", needs_help_now="on"))
    assert response.status_code == 200
    report = Report.objects.get()
    assert report.channel == Channel.PHONE
    assert report.entered_by == operator
    assert report.language == "ru"
    assert report.contact == "+998 90 123 45 67"
    assert report.case.urgency == "P1"
    code = re.search(r'class="case-code"><strong>([A-Z0-9-]+)</strong>', response.content.decode()).group(1)
    [entry] = AuditEntry.objects.filter(action=Action.REPORT_SUBMITTED)
    assert entry.actor == operator and entry.case == report.case
    # The caller can use the code read to them.
    caller = Client()
    assert caller.post("/ru/status/", {"code": code}).status_code == 302
    assert caller.get("/ru/status/case/").status_code == 200


def test_a_phone_report_can_carry_a_screenshot(operator, staff_client, images):
    upload = SimpleUploadedFile("shot.png", images.png(), "image/png")
    response = staff_client(operator).post(URL, _call(screenshots=[upload]))
    assert response.status_code == 200
    assert Report.objects.get().attachments.count() == 1


def test_an_empty_phone_report_is_refused(operator, staff_client, stored_counts):
    before = stored_counts()
    response = staff_client(operator).post(URL, _call(narrative="  "))
    assert response.status_code == 400
    assert "Please write a few words about what happened." in response.content.decode()
    assert stored_counts() == before


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
def test_staff_without_the_permission_cannot_enter_reports(persona, staff_client, request):
    client = staff_client(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, _call()).status_code == 403
    assert not Report.objects.exists()


def test_the_public_cannot_enter_phone_reports(reference):
    response = Client().post(URL, _call())
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/")
    assert not Report.objects.exists()
