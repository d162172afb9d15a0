"""A case can hold several reports; each reporter keeps a private conversation by their own code."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from himoya.conversations.actions import send_reply
from himoya.conversations.models import Message
from himoya.reports.models import Report


def _open(code: str) -> Client:
    client = Client()
    assert client.post("/en/status/", {"code": code}).status_code == 302
    return client


def test_two_reporters_of_one_case_each_see_only_their_own_conversation(file_report, operator):
    first = file_report(narrative="A channel posts pictures of my class.")
    second = file_report(narrative="That channel posted my photo too.")
    Report.objects.filter(pk=second.report.pk).update(case=first.case)
    case = first.case

    send_reply(case, operator, "REPLY-FOR-FIRST we are looking at it", report=first.report)
    send_reply(case, operator, "REPLY-FOR-SECOND please keep the link", report=Report.objects.get(pk=second.report.pk))

    first_page = _open(first.code).get("/en/status/case/").content.decode()
    second_client = _open(second.code)
    second_page = second_client.get("/en/status/case/").content.decode()
    assert "REPLY-FOR-FIRST" in first_page and "REPLY-FOR-SECOND" not in first_page
    assert "REPLY-FOR-SECOND" in second_page and "REPLY-FOR-FIRST" not in second_page

    second_client.post("/en/status/case/", {"body": "Thank you, I kept it."})
    message = Message.objects.get(direction="in")
    assert (message.case_id, message.report_id) == (case.pk, second.report.pk)
    assert "Thank you, I kept it." not in _open(first.code).get("/en/status/case/").content.decode()


def test_a_reply_cannot_go_to_a_reporter_of_another_case(file_report, operator):
    first = file_report()
    other = file_report()
    with pytest.raises(PermissionDenied):
        send_reply(first.case, operator, "misdirected", report=other.report)
    assert not Message.objects.exists()
