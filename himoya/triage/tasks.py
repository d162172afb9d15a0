"""Triage runs in the task worker, right after a report or message is stored."""

from __future__ import annotations

from django_tasks import task

from himoya.cases import live


@task()
def triage_report(report_id: int) -> None:
    _triage_reports([report_id])


@task()
def triage_reports(report_ids: list[int]) -> None:
    """The reports intake stored in one transaction, in order."""
    _triage_reports(report_ids)


def _triage_reports(report_ids: list[int]) -> None:
    from himoya.reports.models import Report
    from himoya.triage import actions

    reports = list(Report.objects.select_related("case", "harm").filter(pk__in=report_ids).order_by("pk"))
    try:
        actions.triage_reports(reports)
    finally:
        # The consoles learn of the cases even if triage failed; operators still see them.
        live.announce_cases(dict.fromkeys(report.case_id for report in reports))


@task()
def triage_message(message_id: int) -> None:
    from himoya.conversations.models import Message
    from himoya.triage import actions

    message = Message.objects.select_related("case").filter(pk=message_id).first()
    if message is None:
        return
    try:
        actions.triage_message(message)
    finally:
        live.announce_case(message.case_id)
