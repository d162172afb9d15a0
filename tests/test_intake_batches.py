"""Intake stores reports in batches (group commit): one transaction for the reports waiting,
each report as if stored on its own, one bad report failing alone."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from django_tasks_db.models import DBTaskResult

from himoya.audit.models import Action, AuditEntry
from himoya.cases.models import Case
from himoya.links.models import PossibleDuplicate, Similarity
from himoya.reference.models import Region
from himoya.reports import intake
from himoya.reports.actions import NewReport, prepare, store_reports
from himoya.reports.models import Channel, Report

CHANNEL = "https://t.me/BlueWhaleGame"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _new(narrative: str = "A channel dares children to hurt themselves.", **extra) -> NewReport:
    return NewReport(channel=Channel.API, language="en", narrative=narrative, **extra)


@pytest.mark.django_db
def test_a_batch_folds_as_if_its_reports_came_one_after_another(reference, database_queue):
    batch = [
        prepare(_new(links=[CHANNEL])),
        prepare(_new(links=["https://www.instagram.com/some.account/"])),
        prepare(_new("Still there, please look.", links=["t.me/bluewhalegame/"])),  # the first one's channel
        prepare(_new("No link, just what happened.")),
        prepare(_new("Another post of the same channel.", links=["https://t.me/BlueWhaleGame/9"])),
    ]
    first, other, again, plain, post = store_reports(batch)

    assert again.case.pk == first.case.pk  # folded into the case the batch opened
    assert len({first.case.pk, other.case.pk, plain.case.pk, post.case.pk}) == 4
    assert first.case.reports.count() == 2
    # A post of the same account is only suggested, and it sees the case opened before it.
    assert PossibleDuplicate.objects.filter(case=post.case, other=first.case, reason=Similarity.SAME_ACCOUNT).exists()
    assert AuditEntry.objects.filter(action=Action.REPORT_SUBMITTED).count() == 5
    assert AuditEntry.objects.filter(action=Action.REPORT_FOLDED, case=first.case).count() == 1
    # The folded report's history reads in order: submitted, then folded.
    history = [
        e.action for e in AuditEntry.objects.order_by("created_at", "id") if e.detail.get("report") == again.report.pk
    ]
    assert history == [Action.REPORT_SUBMITTED, Action.REPORT_FOLDED]
    # Each reporter has a code of their own; one triage task takes the batch, in order.
    assert len({submission.code for submission in (first, other, again, plain, post)}) == 5
    task = DBTaskResult.objects.get()
    assert task.task_path == "himoya.triage.tasks.triage_reports"
    assert task.args_kwargs["args"] == [[s.report.pk for s in (first, other, again, plain, post)]]


@pytest.mark.django_db
def test_a_batch_is_stored_whole_or_not_at_all(reference, database_queue):
    unsaved = Region(code="XX-00", country="AZ", names={"en": "Nowhere"})
    with pytest.raises(ValueError, match="unsaved related object"):
        store_reports([prepare(_new()), prepare(_new(region=unsaved))])
    assert not Report.objects.exists()
    assert not Case.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.REPORT_SUBMITTED).exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_writer_stores_the_others_when_one_report_of_a_batch_fails(reference):
    writer = intake.Writer()
    unsaved = Region(code="XX-00", country="AZ", names={"en": "Nowhere"})
    items = [(prepare(_new(f"Report {n}.", region=unsaved if n == 1 else None)), Future()) for n in range(3)]

    writer._store(items)

    with pytest.raises(ValueError, match="unsaved related object"):
        items[1][1].result(timeout=0)
    stored = [future.result(timeout=0) for n, (_prepared, future) in enumerate(items) if n != 1]
    assert sorted(Report.objects.values_list("narrative", flat=True)) == ["Report 0.", "Report 2."]
    assert {submission.report.pk for submission in stored} == set(Report.objects.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_writer_keeps_its_connection_from_batch_to_batch(reference):
    writer = intake.Writer()
    opened = []

    def count(sender, connection, **kwargs):
        if threading.current_thread() is writer._thread:
            opened.append(connection)

    connection_created.connect(count)
    try:
        for number in range(3):
            writer.store(prepare(_new(f"Report {number}.")))
    finally:
        connection_created.disconnect(count)
    assert len(opened) == 1
    assert Report.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_many_callers_at_once_each_get_their_own_stored_report(reference):
    writer = intake.Writer()
    results: dict[int, object] = {}

    def call(number: int) -> None:
        results[number] = writer.store(prepare(_new(f"Report number {number}.")))
        connection.close()

    threads = [threading.Thread(target=call, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 24
    for number, submission in results.items():
        report = Report.objects.get(pk=submission.report.pk)
        assert report.narrative == f"Report number {number}."
        assert report.case_id == submission.case.pk
    assert AuditEntry.objects.filter(action=Action.REPORT_SUBMITTED).count() == 24


@pytest.mark.django_db
def test_inside_a_transaction_the_caller_stores_its_report_itself(reference, database_queue):
    submission = intake.submit(_new())
    assert connection.in_atomic_block
    assert Report.objects.get().pk == submission.report.pk
