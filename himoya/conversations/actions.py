"""Messages between the reporter and the center."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.cases.models import Case, Status
from himoya.cases.tasks import announce_case
from himoya.conversations.models import DeliveryState, Direction, Message
from himoya.triage.tasks import triage_message

# Channels that carry replies to the reporter themselves (Telegram) register a courier here
# from their AppConfig.ready(). A reply on such a channel is stored QUEUED and handed to the
# courier inside the same transaction, so the channel can queue it durably; the channel then
# reports SENT or FAILED through ``delivery_changed``. Replies on other channels (the web
# page, which shows a reply as soon as it exists) are SENT when stored.
_couriers: dict[str, Callable[[Message], None]] = {}


def register_courier(channel: str, courier: Callable[[Message], None]) -> None:
    _couriers[channel] = courier


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
        # Triage announces the change to consoles when it has run.
        transaction.on_commit(lambda: triage_message.enqueue(message.pk))
    return message


def send_reply(case: Case, operator, text: str) -> Message:
    """An operator answers the reporter through the channel the case came from."""
    if not can_work(operator, case):
        raise PermissionDenied
    channel = case.reports.order_by("id").values_list("channel", flat=True).first()
    courier = _couriers.get(channel)
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            case=case,
            direction=Direction.OUTBOUND,
            channel=channel,
            body=text,
            author=operator,
            # The web status page shows replies as soon as they exist: stored is sent.
            state=DeliveryState.QUEUED if courier else DeliveryState.SENT,
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
        if courier:
            courier(message)
    return message


def delivery_changed(message: Message, state: str) -> None:
    """A courier reports what became of a queued reply (SENT or FAILED); consoles hear of it."""
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(state=state)
        message.state = state
        case_id = message.case_id
        transaction.on_commit(lambda: announce_case.enqueue(case_id))


def reporter_viewed(case: Case) -> int:
    """The reporter opened their case: audit it and mark the replies shown as read.

    Returns how many replies became read.
    """
    with transaction.atomic():
        log(Action.CASE_STATUS_VIEWED, label="reporter", case=case)
        return case.messages.filter(
            direction=Direction.OUTBOUND, state__in=[DeliveryState.SENT, DeliveryState.DELIVERED]
        ).update(state=DeliveryState.READ, read_at=timezone.now())
