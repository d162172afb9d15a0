"""Triage runs in the task worker, right after a report or message is stored."""

from __future__ import annotations

import logging

from django_tasks import task

from himoya.cases import live

logger = logging.getLogger(__name__)


@task()
def triage_report(report_id: int) -> None:
    from himoya.reports.models import Report
    from himoya.triage import actions

    report = Report.objects.select_related("case", "harm").filter(pk=report_id).first()
    if report is None:
        return
    try:
        actions.triage_report(report)
    finally:
        # The console learns of the case even if triage failed; operators still see it.
        live.announce_case(report.case_id)


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
