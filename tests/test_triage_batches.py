"""Triage results of a batch of reports stored together, as if stored one after another."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from himoya.cases.models import Case
from himoya.reports.actions import NewReport, prepare, store_reports
from himoya.reports.models import Channel, Report
from himoya.triage import actions
from himoya.triage.actions import triage_reports
from himoya.triage.models import Signal

pytestmark = pytest.mark.django_db


def _file(site: str) -> list[int]:
    """Four reports: three share a link (one case), one asks for help now."""
    stored = store_reports(
        [
            prepare(NewReport(channel=Channel.API, language="en", narrative=text, links=links, needs_help_now=now))
            for text, links, now in [
                ("Someone in my class posts mean things about me.", [f"https://t.me/{site}/5"], False),
                (
                    "He wants to meet me alone and told me not to tell my parents. He asked for photos.",
                    [f"https://t.me/{site}/5"],
                    False,
                ),
                (
                    "A stranger keeps asking me to send photos and not tell my parents.",
                    [f"https://t.me/{site}/5"],
                    False,
                ),
                ("I want to hurt myself tonight.", [], True),
            ]
        ]
    )
    return [submission.report.pk for submission in stored]


def _reports(ids: list[int]) -> list[Report]:
    return list(Report.objects.select_related("case", "harm").filter(pk__in=ids).order_by("pk"))


def _outcome(ids: list[int]) -> list[tuple]:
    reports = _reports(ids)
    cases = {case.pk: case for case in Case.objects.filter(pk__in=[r.case_id for r in reports])}
    return [
        (
            report.signal.urgency,
            cases[report.case_id].urgency,
            cases[report.case_id].harm.code,
            round((cases[report.case_id].deadline - cases[report.case_id].opened_at).total_seconds()),
            sorted(report.signal.flagged),
        )
        for report in reports
    ]


def test_a_batch_ends_as_its_reports_stored_one_after_another(reference):
    alone, together = _file("alone_channel"), _file("together_channel")
    # A report triaged before (a hash list matched its picture later) has its signal replaced.
    triage_reports(_reports(together[:1]))
    for report in _reports(alone):
        triage_reports([report])
    with CaptureQueriesContext(connection) as writing:
        triage_reports(_reports(together))
    assert _outcome(together) == _outcome(alone)
    assert Signal.objects.filter(report_id__in=together).count() == 4
    # The three reports of one case: the first set its urgency, the second, more urgent, raised
    # it, the third, less urgent, did not lower it.
    first, second, third = _reports(together[:3])
    assert first.case_id == second.case_id == third.case_id
    assert first.signal.urgency > second.signal.urgency == Case.objects.get(pk=first.case_id).urgency
    assert third.signal.urgency > second.signal.urgency
    inserts = [q for q in writing.captured_queries if q["sql"].startswith('INSERT INTO "triage_signal"')]
    assert len(inserts) == 1
    # The cases that changed (two of them: the one three reports share, and the one asking for
    # help now), in one statement.
    updates = [q for q in writing.captured_queries if 'UPDATE "cases_case"' in q["sql"]]
    assert len(updates) == 1


def test_a_case_an_operator_corrected_does_not_move(reference):
    ids = _file("corrected_channel")
    case = Case.objects.get(pk=_reports(ids)[3].case_id)
    Case.objects.filter(pk=case.pk).update(triage_overridden=True, urgency="P4")
    triage_reports(_reports(ids))
    assert Case.objects.get(pk=case.pk).urgency == "P4"
    assert Signal.objects.filter(report_id__in=ids).count() == 4


def test_when_the_batch_cannot_be_stored_each_report_is_stored_alone(reference, monkeypatch):
    ids = _file("fallback_channel")

    def refuse(results):
        raise RuntimeError("the batch failed")

    store = actions._store

    def fail_one(case, result, urgency, reasons, *, since, report=None, message=None):
        if report is not None and report.pk == ids[2]:
            raise RuntimeError("this report failed")
        return store(case, result, urgency, reasons, since=since, report=report, message=message)

    monkeypatch.setattr(actions, "_store_reports", refuse)
    monkeypatch.setattr(actions, "_store", fail_one)
    with pytest.raises(RuntimeError, match="this report failed"):
        triage_reports(_reports(ids))
    assert sorted(Signal.objects.filter(report_id__in=ids).values_list("report_id", flat=True)) == [
        ids[0],
        ids[1],
        ids[3],
    ]
