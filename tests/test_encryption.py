"""Report text is encrypted at rest with a rotatable keyring, bound to its column, and never logged."""

from __future__ import annotations

import contextlib
import json
import logging

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from config.env import new_encryption_key
from himoya.cases.actions import add_note
from himoya.conversations.actions import receive_message, send_reply
from himoya.lib.crypto import DecryptionError, KeyError_, Keyring
from himoya.lib.logs import JsonFormatter
from himoya.reports.models import Report


def _ring(*keys: str) -> Keyring:
    return Keyring.from_text(",".join(keys))


def test_the_first_key_encrypts_and_every_key_decrypts():
    old, new = new_encryption_key(), new_encryption_key()
    before = _ring(old).encrypt("a story", "reports.Report.narrative")
    rotated = _ring(new, old)
    assert rotated.decrypt(before, "reports.Report.narrative") == "a story"
    after = rotated.encrypt("a story", "reports.Report.narrative")
    assert rotated.is_current(after) and not rotated.is_current(before)
    assert _ring(new).decrypt(after, "reports.Report.narrative") == "a story"
    with pytest.raises(DecryptionError):
        _ring(old).decrypt(after, "reports.Report.narrative")


def test_a_token_from_an_unknown_key_does_not_decrypt():
    token = _ring(new_encryption_key()).encrypt("secret", "ctx")
    with pytest.raises(DecryptionError, match="not configured"):
        _ring(new_encryption_key()).decrypt(token, "ctx")


def test_a_token_does_not_decrypt_under_another_column():
    ring = _ring(new_encryption_key())
    token = ring.encrypt("+994 50 123 45 67", "reports.Report.contact")
    with pytest.raises(DecryptionError):
        ring.decrypt(token, "reports.Report.narrative")


def test_an_altered_or_truncated_token_does_not_decrypt():
    ring = _ring(new_encryption_key())
    token = bytearray(ring.encrypt("secret", "ctx"))
    token[-1] ^= 1
    for bad in (bytes(token), bytes(token[:20]), b"", b"\x02" + bytes(token[1:])):
        with pytest.raises(DecryptionError):
            ring.decrypt(bad, "ctx")


def test_encrypting_twice_gives_different_tokens():
    ring = _ring(new_encryption_key())
    assert ring.encrypt("same", "ctx") != ring.encrypt("same", "ctx")


@pytest.mark.parametrize(
    "text",
    ["", "not base64 !!", "c2hvcnQ=", new_encryption_key()[:-4]],
)
def test_it_refuses_an_unusable_key(text):
    with pytest.raises(KeyError_):
        Keyring.from_text(text)


def test_it_refuses_the_same_key_twice():
    key = new_encryption_key()
    with pytest.raises(KeyError_, match="twice"):
        _ring(key, key)


@pytest.mark.django_db
def test_a_token_moved_to_another_column_does_not_decrypt(file_report):
    report = file_report(narrative="the narrative", contact="the contact").report
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reports_report SET contact = narrative WHERE id = %s", [report.pk])
    with pytest.raises(DecryptionError):
        Report.objects.get(pk=report.pk)


@pytest.mark.django_db
def test_rows_written_under_an_old_key_still_read_after_rotation(file_report, settings):
    old, new = new_encryption_key(), new_encryption_key()
    settings.ENCRYPTION_KEYRING = _ring(old)
    report = file_report(narrative="written before rotation").report
    settings.ENCRYPTION_KEYRING = _ring(new, old)
    assert Report.objects.get(pk=report.pk).narrative == "written before rotation"
    settings.ENCRYPTION_KEYRING = _ring(new)
    with pytest.raises(DecryptionError):
        Report.objects.get(pk=report.pk)


@pytest.mark.django_db
def test_the_database_holds_no_plaintext_of_report_text(file_report, operator, tables_containing):
    submission = file_report(narrative="NARRATIVE-6f1c sextortion threat", contact="CONTACT-93ab +994501234567")
    case = submission.case
    receive_message(case.reports.first(), "INBOUND-2d4e he wrote again", "web")
    send_reply(case, operator, "REPLY-7c0f please keep the messages")
    add_note(case, operator, "NOTE-41be called the school")
    for secret in ("NARRATIVE-6f1c", "CONTACT-93ab", "+994501234567", "INBOUND-2d4e", "REPLY-7c0f", "NOTE-41be"):
        assert tables_containing(secret) == [], secret
    # ... and the application still reads them.
    assert case.messages.count() == 2 and case.notes.get().text == "NOTE-41be called the school"


@pytest.mark.django_db
def test_raw_columns_are_tokens_not_text(file_report):
    file_report(narrative="some words", contact="+994 50 000 00 00")
    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative, contact FROM reports_report")
        for value in cursor.fetchone():
            assert bytes(value)[0] == 1  # the token's version byte
            assert settings.ENCRYPTION_KEYRING.is_current(bytes(value))


def _log_text(records: list[logging.LogRecord]) -> str:
    """Everything a log handler could write: the message, its arguments, and our JSON line."""
    formatter = JsonFormatter()
    return "\n".join(f"{record.getMessage()} {record.args!r} {formatter.format(record)}" for record in records)


@pytest.mark.django_db
def test_report_text_never_reaches_the_logs(caplog, settings, partner_token, operator, staff_client):
    settings.DEBUG = True  # database queries are logged too
    story = "LOGCANARY-5e2a my cousin sends me pictures"
    contact = "LOGCONTACT-77aa"
    _row, token = partner_token()
    with contextlib.ExitStack() as stack:
        # Every logger, including those the settings quiet down (django.request, axes...).
        for name in [None, *logging.root.manager.loggerDict]:
            stack.enter_context(caplog.at_level(logging.DEBUG, logger=name))
        web = Client()
        assert web.post("/en/report/", {"narrative": story, "contact": contact}).status_code == 302
        web.get("/en/report/done/")
        assert web.post("/en/status/case/", {"body": f"{story} again"}).status_code == 302
        refused = web.post("/en/report/", {"narrative": story, "links": "not a link"})
        assert refused.status_code == 400  # a refusal logs a warning with the request attached
        api = Client(headers={"Authorization": f"Bearer {token}"})
        body = json.dumps({"narrative": story, "language": "az", "contact": contact})
        assert api.post("/api/v1/reports", body, content_type="application/json").status_code == 201
        bad = json.dumps({"narrative": story, "language": "az", "harm": "nope"})
        assert api.post("/api/v1/reports", bad, content_type="application/json").status_code == 400
        staff = staff_client(operator)
        for report in Report.objects.all():
            assert staff.get(f"/en/staff/cases/{report.case_id}/").status_code == 200
    assert caplog.records, "nothing was logged at all: is logging captured?"
    logged = _log_text(caplog.records)
    assert "LOGCANARY" not in logged
    assert "LOGCONTACT" not in logged
