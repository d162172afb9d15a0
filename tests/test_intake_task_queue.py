"""With the database task queue, a report's triage task is written in the report's own
transaction: it exists exactly when the report does."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from himoya.reports.actions import NewReport, submit_report
from himoya.reports.models import Channel, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _new() -> NewReport:
    return NewReport(channel=Channel.API, language="en", narrative="A stranger asks my son for photos.")


def test_the_triage_task_is_queued_with_the_report(reference, database_queue):
    submission = submit_report(_new())
    task = DBTaskResult.objects.get()
    assert task.task_path == "himoya.triage.tasks.triage_reports"
    assert task.args_kwargs == {"args": [[submission.report.pk]], "kwargs": {}}


def test_no_task_is_left_when_the_report_is_rolled_back(reference, database_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit_report(_new())
        raise RuntimeError("the caller's transaction fails after the report")
    assert not Report.objects.exists()
    assert not DBTaskResult.objects.exists()
