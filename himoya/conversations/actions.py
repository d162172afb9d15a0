"""Messages between the reporter and the center, their delivery states, and canned replies.

Every stored message and every change of state is announced after commit to the pages that
show the conversation (``conversations.live``), whichever channel or page caused it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.cases.actions import CaseRefused
from himoya.cases.models import Case, Status
from himoya.cases.tasks import announce_case
from himoya.conversations import live
from himoya.conversations.models import CannedReply, DeliveryState, Direction, Message
from himoya.triage.tasks import triage_message

# Channels that carry replies to the reporter themselves (Telegram) register a courier here
# from their AppConfig.ready(). A reply on such a channel is stored QUEUED and handed to the
# courier inside the same transaction, so the channel can queue it durably; the channel then
# reports SENT or FAILED through ``delivery_changed``. Replies on other channels (the web
# page, which shows a reply as soon as it exists) are SENT when stored.
_couriers: dict[str, Callable[[Message], None]] = {}


def register_courier(channel: str, courier: Callable[[Message], None]) -> None:
    _couriers[channel] = courier


def _announce(function, *args) -> None:
    """Tell open pages after commit. Robust: what was written stays written if the channel
    layer fails, and a page that missed an event catches up when it next syncs."""

    def announce() -> None:
        function(*args)

    transaction.on_commit(announce, robust=True)


def receive_message(report, text: str, channel: str) -> Message:
    """Store a message the reporter of ``report`` sent (already validated) in their
    conversation. A closed case reopens."""
    from himoya.cases.actions import reopen_case

    case = report.case
    if case.status == Status.CLOSED:
        reopen_case(case)
    with transaction.atomic():
        message = Message.objects.create(
            case=case,
            report=report,
            direction=Direction.INBOUND,
            channel=channel,
            body=text,
            language=report.language,
            state=DeliveryState.DELIVERED,
            delivered_at=timezone.now(),
        )
        log(Action.MESSAGE_RECEIVED, label="reporter", case=case, message=message.pk)
        # Triage announces the change to the queue when it has run; the conversation now.
        _announce(live.announce_message, case.pk, report.pk, message.pk)
        transaction.on_commit(lambda: triage_message.enqueue(message.pk))
    return message


def send_reply(case: Case, operator, text: str, report=None, language: str = "") -> Message:
    """An operator answers one reporter of the case through the channel they reported by.

    ``report`` chooses the conversation; without it, the case's first reporter. ``language``
    is the one the operator wrote in (default: the reporter's). Raises ``CaseRefused`` for a
    case merged into another: its conversations live on there.
    """
    if not can_work(operator, case):
        raise PermissionDenied
    if case.merged_into_id is not None:
        raise CaseRefused(
            _("This case was merged into %(ref)s. Work on that case.") % {"ref": f"#{case.merged_into_id}"}
        )
    if report is None:
        report = case.reports.order_by("id").first()
    elif report.case_id != case.pk:
        raise PermissionDenied
    channel = report.channel
    courier = _couriers.get(channel)
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            case=case,
            report=report,
            direction=Direction.OUTBOUND,
            channel=channel,
            body=text,
            language=language or report.language,
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
        log(Action.MESSAGE_SENT, actor=operator, case=case, message=message.pk, language=message.language)
        # Announced before the courier can announce a state of it: pages show a message first.
        _announce(live.announce_message, case.pk, report.pk, message.pk)
        if courier:
            courier(message)
    return message


def delivery_changed(message: Message, state: str) -> None:
    """A courier reports what became of a queued reply (SENT or FAILED); consoles hear of it."""
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(state=state)
        message.state = state
        case_id, report_id, message_id = message.case_id, message.report_id, message.pk
        transaction.on_commit(lambda: announce_case.enqueue(case_id))
        _announce(live.announce_states, case_id, report_id, [message_id], state, Direction.OUTBOUND)


def _advance(messages, state: str, **stamps) -> list[int]:
    """Move ``messages`` (a queryset, filtered to the states it may leave) to ``state``; their ids.

    The UPDATE repeats the filter, so a message moved on meanwhile (read before it was
    marked delivered) is not moved back.
    """
    ids = list(messages.values_list("pk", flat=True))
    if ids:
        messages.filter(pk__in=ids).update(state=state, **stamps)
    return ids


def reporter_received(report, message_id: int) -> bool:
    """The reporter's open page received reply ``message_id``: it is delivered. True if it changed."""
    with transaction.atomic():
        ids = _advance(
            report.messages.filter(pk=message_id, direction=Direction.OUTBOUND, state=DeliveryState.SENT),
            DeliveryState.DELIVERED,
            delivered_at=timezone.now(),
        )
        _announce(live.announce_states, report.case_id, report.pk, ids, DeliveryState.DELIVERED, Direction.OUTBOUND)
    return bool(ids)


def reporter_viewed(report) -> int:
    """The reporter opened their conversation (or their open page showed new replies): audit
    it and mark the replies shown as read.

    Returns how many replies became read.
    """
    now = timezone.now()
    with transaction.atomic():
        log(Action.CASE_STATUS_VIEWED, label="reporter", case=report.case, report=report.pk)
        ids = _advance(
            report.messages.filter(
                direction=Direction.OUTBOUND, state__in=[DeliveryState.SENT, DeliveryState.DELIVERED]
            ),
            DeliveryState.READ,
            read_at=now,
            # A reply read on the page it first reached was delivered then too.
            delivered_at=Coalesce(F("delivered_at"), Value(now)),
        )
        _announce(live.announce_states, report.case_id, report.pk, ids, DeliveryState.READ, Direction.OUTBOUND)
    return len(ids)


def operator_read(case: Case, user, up_to: int) -> int:
    """A staff page showed the case's reporter messages up to id ``up_to``: the center has read them.

    Recorded as a view of the case, naming the messages. Returns how many became read.
    """
    if not user.has_perm("cases.view_case") or not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        unread = case.messages.filter(direction=Direction.INBOUND, state=DeliveryState.DELIVERED, pk__lte=up_to)
        by_report: dict[int, list[int]] = {}
        for message_id, report_id in unread.values_list("pk", "report_id"):
            by_report.setdefault(report_id, []).append(message_id)
        if not by_report:
            return 0
        ids = [pk for pks in by_report.values() for pk in pks]
        Message.objects.filter(pk__in=ids, state=DeliveryState.DELIVERED).update(
            state=DeliveryState.READ, read_at=timezone.now()
        )
        log(Action.CASE_VIEWED, actor=user, case=case, messages=ids)
        for report_id, pks in by_report.items():
            _announce(live.announce_states, case.pk, report_id, pks, DeliveryState.READ, Direction.INBOUND)
    return len(ids)


# --- Canned replies --------------------------------------------------------------------------


def save_canned_reply(reply: CannedReply, user) -> CannedReply:
    """Create or change a canned reply (a supervisor's edit); shipped ones are then kept as edited."""
    creating = reply.pk is None
    if not user.has_perm("conversations.add_cannedreply" if creating else "conversations.change_cannedreply"):
        raise PermissionDenied
    with transaction.atomic():
        reply.updated_by = user
        reply.edited = True
        reply.save()
        log(
            Action.CANNED_REPLY_CHANGED,
            actor=user,
            reply=reply.pk,
            created=creating,
            language=reply.language,
            harm=reply.harm.code if reply.harm else None,
            active=reply.active,
        )
    return reply
