"""Messages between the reporter and the center."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.cases.models import Case, Status
from himoya.cases.tasks import announce_case
from himoya.conversations.models import DeliveryState, Direction, Message


def receive_message(case: Case, text: str, channel: str) -> Message:
    """Store a message the reporter sent (already validated). A closed case reopens."""
    from himoya.cases.actions import reopen_case

    if case.status == Status.CLOSED:
        reopen_case(case)
    with transaction.atomic():
        message = Message.objects.create(
            case=case,
            direction=Direction.INBOUND,
            channel=channel,
            body=text,
            state=DeliveryState.DELIVERED,
            delivered_at=timezone.now(),
        )
        log(Action.MESSAGE_RECEIVED, label="reporter", case=case, message=message.pk)
        transaction.on_commit(lambda: announce_case.enqueue(case.pk))
    return message


def send_reply(case: Case, operator, text: str) -> Message:
    """An operator answers the reporter through the channel the case came from."""
    if not can_work(operator, case):
        raise PermissionDenied
    channel = case.reports.order_by("id").values_list("channel", flat=True).first()
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            case=case,
            direction=Direction.OUTBOUND,
            channel=channel,
            body=text,
            author=operator,
            # The web status page shows replies as soon as they exist: stored is sent.
            state=DeliveryState.SENT,
        )
        fields = ["updated_at"]
        if case.first_response_at is None:
            case.first_response_at = now
            fields.append("first_response_at")
        if case.status == Status.NEW:
            case.status = Status.OPEN
            fields.append("status")
        case.save(update_fields=fields)
        log(Action.MESSAGE_SENT, actor=operator, case=case, message=message.pk)
    return message


def reporter_viewed(case: Case) -> int:
    """The reporter opened their case: audit it and mark the replies shown as read.

    Returns how many replies became read.
    """
    with transaction.atomic():
        log(Action.CASE_STATUS_VIEWED, label="reporter", case=case)
        return case.messages.filter(
            direction=Direction.OUTBOUND, state__in=[DeliveryState.SENT, DeliveryState.DELIVERED]
        ).update(state=DeliveryState.READ, read_at=timezone.now())
