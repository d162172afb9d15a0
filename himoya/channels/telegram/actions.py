"""Writes the bot makes on a person's behalf. Call inside the transaction of the update.

Reports go through ``reports.actions.submit_report`` and messages through
``conversations.actions.receive_message``, exactly like the web channel's; what is
Telegram's own is the link between a chat and its cases, and forgetting it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.models import Case, Status
from himoya.channels.telegram.models import ChatCase, Outbound, OutboundState, State, TelegramChat
from himoya.conversations.models import DeliveryState
from himoya.reference.models import HarmCategory, Region
from himoya.reports.actions import NewReport, Submission, submit_report
from himoya.reports.models import AgeGroup, Channel, Report
from himoya.reports.validation import CheckedImage, clean_text

logger = logging.getLogger(__name__)


def file_draft(chat: TelegramChat) -> Submission:
    """File the report composed in the chat's draft; the chat then follows the new case.

    Raises ``ValidationError`` (in the active language) if the story is empty or too long.
    """
    draft = chat.get_draft()
    narrative = clean_text("\n\n".join(draft.get("parts", [])), max_chars=settings.NARRATIVE_MAX_CHARS)
    harm = HarmCategory.objects.filter(code=draft.get("harm") or "", active=True).first()
    region = Region.objects.filter(code=draft.get("region") or "", active=True).first()
    age = draft.get("age") if draft.get("age") in AgeGroup.values else AgeGroup.UNKNOWN
    pictures = list(chat.draft_pictures.all())
    submission = submit_report(
        NewReport(
            channel=Channel.TELEGRAM,
            language=chat.language or settings.LANGUAGE_CODE,
            narrative=narrative,
            links=list(draft.get("links", [])),
            harm=harm,
            age_group=age,
            region=region,
            images=[
                CheckedImage(data=p.data, content_type=p.content_type, width=p.width, height=p.height) for p in pictures
            ],
        )
    )
    chat.draft_pictures.all().delete()
    _follow(chat, submission.report)
    chat.set_draft(None)
    chat.state = State.MENU
    return submission


def open_live_case(chat: TelegramChat, text: str) -> Submission:
    """ "I need to talk to someone now": the first message opens an urgent case."""
    submission = submit_report(
        NewReport(
            channel=Channel.TELEGRAM,
            language=chat.language or settings.LANGUAGE_CODE,
            narrative=text,
            needs_help_now=True,
        )
    )
    _follow(chat, submission.report)
    return submission


def _follow(chat: TelegramChat, report: Report) -> None:
    ChatCase.objects.create(chat=chat, report=report)
    chat.report = report


def open_case_of(chat: TelegramChat) -> Case | None:
    """The case the chat follows, if it is not closed."""
    if chat.report_id is None:
        return None
    return Case.objects.filter(reports=chat.report_id).exclude(status=Status.CLOSED).first()


def erase_chat(chat: TelegramChat) -> list[int]:
    """Forget this person: the chat (its encrypted id, language, draft, pictures, pending
    updates and outbox) and the contact details on their reports.

    What stays is the record the center must keep: reports and messages, which never held
    the Telegram identity, and the audit trail. Replies still queued for them fail, and the
    console shows it. Returns the ids of the cases that were linked.
    """
    from himoya.conversations.actions import delivery_changed

    with transaction.atomic():
        links = list(ChatCase.objects.filter(chat=chat).select_related("report__case"))
        case_ids = [link.report.case_id for link in links]
        Report.objects.filter(pk__in=[link.report_id for link in links]).update(contact=None)
        queued = Outbound.objects.filter(chat=chat, state=OutboundState.QUEUED, message__isnull=False)
        for row in queued.select_related("message"):
            delivery_changed(row.message, DeliveryState.FAILED)
        for case in [link.report.case for link in links] or [None]:
            log(Action.REPORTER_DATA_ERASED, label="reporter", case=case, channel=Channel.TELEGRAM)
        chat.delete()  # cascades to the links, updates, outbox and draft pictures
    logger.info("telegram chat erased", extra={"cases": len(case_ids)})
    return case_ids
