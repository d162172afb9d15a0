"""Triage inside the platform: every report and message gets signals; cases follow."""

from __future__ import annotations

import io
import json

import pytest
from django.db import connection

from himoya.audit.models import Action, AuditEntry
from himoya.cases.models import Case
from himoya.conversations.actions import receive_message
from himoya.reference.models import HarmCategory
from himoya.reports.models import Channel
from himoya.triage.actions import correct_triage, export_corrections
from himoya.triage.models import Correction, LexiconPhrase, Signal
from himoya.triage.service import get_engine, phrases_changed
from tests.conftest import committed, verified_client

pytestmark = pytest.mark.django_db

SEXTORTION = "He is blackmailing me: pay or I'll post my photos to everyone by tonight."


def test_a_new_report_is_triaged_and_its_case_follows(file_report):
    submission = file_report(narrative=SEXTORTION, harm=None)
    signal = Signal.objects.get(report=submission.report)
    case = Case.objects.get(pk=submission.case.pk)
    assert "sextortion" in signal.flagged
    assert set(signal.harms) >= {"sextortion", "grooming", "self_harm", "other"}
    assert signal.urgency == "P1" and case.urgency == "P1"
    assert case.harm.code == "sextortion"  # the reporter chose nothing, triage filled it in
    assert (case.deadline - case.opened_at).total_seconds() == 15 * 60
    assert any(reason["harm"] == "sextortion" for reason in signal.reasons)


def test_the_reporter_choice_stays_when_triage_flags_something_else(file_report):
    submission = file_report(narrative=SEXTORTION, harm="cyberbullying")
    case = Case.objects.get(pk=submission.case.pk)
    assert case.harm.code == "cyberbullying"
    assert case.urgency == "P1"


def test_asking_for_help_now_makes_it_p1_with_the_reason_shown(file_report):
    submission = file_report(narrative="Someone wrote a rude comment under my video.", needs_help_now=True)
    signal = Signal.objects.get(report=submission.report)
    assert signal.urgency == "P1"
    assert signal.reasons[0]["detail"] == "The reporter asked for help now."


def test_a_message_can_raise_urgency_but_never_lower_it(file_report):
    submission = file_report(narrative="A classmate keeps calling me names in the group chat.", harm="cyberbullying")
    case = Case.objects.get(pk=submission.case.pk)
    assert case.urgency in ("P3", "P4")
    with committed():
        receive_message(case.reports.first(), "I can't take it anymore, I want to kill myself tonight.", Channel.WEB)
    case.refresh_from_db()
    assert case.urgency == "P1"
    before = case.deadline
    with committed():
        receive_message(case.reports.first(), "ok thanks", Channel.WEB)
    case.refresh_from_db()
    assert case.urgency == "P1" and case.deadline == before
    assert Signal.objects.filter(case=case, message__isnull=False).count() == 2


def test_a_correction_is_kept_encrypted_audited_and_exported(file_report, operator):
    submission = file_report(narrative=SEXTORTION, harm=None)
    case = Case.objects.get(pk=submission.case.pk)
    correction = correct_triage(case, operator, harm=HarmCategory.objects.get(code="scam"), urgency="P3")
    case.refresh_from_db()
    assert (case.harm.code, case.urgency, case.triage_overridden) == ("scam", "P3", True)
    assert correction.predicted_harm == "sextortion"
    assert AuditEntry.objects.filter(case=case, action=Action.TRIAGE_CORRECTED, actor=operator).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM triage_correction")
        assert b"blackmailing me" not in bytes(cursor.fetchone()[0])
    # Triage no longer moves a corrected case.
    with committed():
        receive_message(case.reports.first(), "I want to kill myself", Channel.WEB)
    case.refresh_from_db()
    assert case.urgency == "P3"
    out = io.StringIO()
    assert export_corrections(out) == 1
    assert json.loads(out.getvalue()) == {"text": SEXTORTION, "harm": "scam", "language": "en"}
    assert Correction.objects.count() == 1


def test_an_unchanged_correction_records_nothing(file_report, operator):
    case = Case.objects.get(pk=file_report().case.pk)
    assert correct_triage(case, operator, harm=case.harm, urgency=case.urgency) is None
    assert not Correction.objects.exists()


def test_a_phrase_added_by_a_supervisor_is_used_without_a_restart(file_report):
    text = "they keep sending the zorbulox link to everyone in class"
    before = get_engine()
    assert "dangerous_challenge" not in Signal.objects.get(report=file_report(narrative=text, harm=None).report).flagged
    LexiconPhrase.objects.create(phrase="zorbulox", harm_id="dangerous_challenge", weight=0.9)
    phrases_changed()
    after = get_engine()
    assert after is not before
    assert (after.bundle, after.identifier, after.encoder) == (before.bundle, before.identifier, before.encoder)
    signal = Signal.objects.get(report=file_report(narrative=text, harm=None).report)
    assert "dangerous_challenge" in signal.flagged
    assert any("zorbulox" in reason["detail"] for reason in signal.reasons)


def test_operators_see_signals_and_reasons_on_the_case_page(file_report, operator):
    submission = file_report(narrative=SEXTORTION, harm=None)
    page = verified_client(operator).get(f"/en/staff/cases/{submission.case.pk}/").content.decode()
    assert "Triage" in page and "sextortion" in page


def test_supervisors_see_agreement_per_harm_and_operators_do_not(file_report, operator, supervisor):
    submission = file_report(narrative=SEXTORTION, harm=None)
    correct_triage(
        Case.objects.get(pk=submission.case.pk), operator, harm=HarmCategory.objects.get(code="scam"), urgency="P3"
    )
    file_report(narrative=SEXTORTION, harm=None)
    page = verified_client(supervisor).get("/en/staff/triage/agreement/")
    assert page.status_code == 200
    assert "50%" in page.content.decode()
    assert verified_client(operator).get("/en/staff/triage/agreement/").status_code == 403
