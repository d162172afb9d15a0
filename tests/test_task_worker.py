"""The task worker triages waiting batches of reports together, each task recorded on its own."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from himoya.ops import worker
from himoya.reports.actions import NewReport, prepare, store_reports
from himoya.reports.models import Channel
from himoya.triage import actions
from himoya.triage.models import Signal

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(reference, settings):
    """Three batches stored by intake, each with its triage task waiting in the database."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return [
        [
            submission.report.pk
            for submission in store_reports(
                [
                    prepare(NewReport(channel=Channel.API, language="en", narrative=f"Batch {batch}, report {n}."))
                    for n in range(3)
                ]
            )
        ]
        for batch in range(3)
    ]


@pytest.fixture
def passes(monkeypatch):
    """The reports of each pass of triage, in the order triaged."""
    seen: list[list[int]] = []
    triage = actions.triage_reports

    def recording(reports):
        seen.append([report.pk for report in reports])
        return triage(reports)

    monkeypatch.setattr(actions, "triage_reports", recording)
    return seen


def _work() -> None:
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


def test_waiting_batches_are_triaged_in_one_pass_and_each_task_is_recorded_done(queued, passes):
    _work()
    assert passes == [[pk for batch in queued for pk in batch]]
    assert DBTaskResult.objects.successful().count() == 3
    assert set(Signal.objects.values_list("report_id", flat=True)) == {pk for batch in queued for pk in batch}


def test_a_pass_takes_no_more_than_its_share_of_reports(queued, passes, monkeypatch):
    monkeypatch.setattr(worker, "MAX_MERGED_REPORTS", 6)
    _work()
    assert passes == [queued[0] + queued[1], queued[2]]
    assert DBTaskResult.objects.successful().count() == 3


def test_when_the_pass_fails_each_task_runs_alone_and_only_the_bad_one_fails(queued, passes, monkeypatch):
    bad = queued[1][1]
    triage = actions.triage_reports

    def failing(reports):
        if any(report.pk == bad for report in reports):
            raise RuntimeError("this report cannot be triaged")
        return triage(reports)

    monkeypatch.setattr(actions, "triage_reports", failing)
    _work()
    assert DBTaskResult.objects.successful().count() == 2
    failed = DBTaskResult.objects.failed().get()
    assert failed.args_kwargs["args"][0] == queued[1]
    assert set(Signal.objects.values_list("report_id", flat=True)) == set(queued[0] + queued[2])
