"""The live conversation over WebSockets: one consumer for staff on a case page, one for the
reporter on their own conversation page.

Both join groups (``conversations.live``) that carry ids, states and typing signals. A
consumer told of a new message reads it from the database itself, limited to what its
socket may see (the case, for staff; the reporter's own report, for the reporter), and
sends it rendered in the page's language. Message text is never logged.

What a page sends (JSON objects with a ``type``):

* ``typing`` {report?, active}: the other side shows "typing…"; never stored. Pages send it
  at most every few seconds while someone types; the server drops more than one a second.
* ``seen`` {up_to?}: the page, in front, showed the other side's messages; they become read.
* ``received`` {id} (reporter only): the page got a reply while in the background; it is
  delivered. (A page in front says ``seen`` instead: one write per reply, not two.)
* ``sync`` {after}: send every message after id ``after`` (on each (re)connect, so nothing
  stored while the socket was down, or before it joined, is missed).
* ``send`` {body, ref} (reporter only): a message, validated like the form; answered with
  ``sent`` {ref} or ``error`` {ref, errors}.
"""

from __future__ import annotations

import functools
import json
import time
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from himoya.accounts.sockets import verified_staff
from himoya.cases.access import can_work
from himoya.cases.models import STATUS_FOR_REPORTER, Case
from himoya.channels.web.forms import MessageForm
from himoya.channels.web.views import SESSION_REPORT
from himoya.conversations import live
from himoya.conversations.actions import operator_read, receive_message, reporter_received, reporter_viewed
from himoya.conversations.models import DeliveryState, Direction, Message
from himoya.reports.models import Channel, Report

FORBIDDEN = 4403
TYPING_MIN_INTERVAL = 1.0  # seconds between typing signals forwarded from one socket
SYNC_LIMIT = 200  # messages sent back for one sync; a page further behind reloads
SENDS_PER_MINUTE = 30  # reporter messages one socket may send
ENCRYPTED_REPORT_FIELDS = ("narrative", "links", "contact")  # never needed by a conversation socket


def in_db_thread(function):
    """Run ``function`` on the server loop's pool of threads, not on the one thread that
    thread-sensitive code shares: a write waiting for SQLite's lock, or a slow page, must not
    hold up every other conversation's messages behind it.

    Afterwards a PostgreSQL connection goes back to its pool. An SQLite connection stays
    open in its pool thread for the next event (opening one, with its pragmas, cost more
    than the queries an event makes), unless it is in a bad state."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            _release_connections()

    return sync_to_async(run, thread_sensitive=False)


def _release_connections() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "sqlite" and connection.connection is not None and not connection.needs_rollback:
            if not connection.get_autocommit() or not connection.is_usable():
                connection.close()
            continue
        connection.close_if_unusable_or_obsolete()


class _ChatConsumer(AsyncWebsocketConsumer):
    """JSON in and out; anything that is not a JSON object with a known ``type`` is ignored."""

    group = ""
    actions: tuple[str, ...] = ()

    def _page_language(self) -> str:
        wanted = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[0]
        return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    async def _join(self, group: str) -> None:
        self.group = group
        self.language = self._page_language()
        self.last_typing = float("-inf")
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            content = json.loads(text_data or "")
        except ValueError:
            return
        if not isinstance(content, dict) or content.get("type") not in self.actions:
            return
        await getattr(self, "on_" + content["type"])(content)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))

    def _typing_allowed(self, content: dict) -> bool:
        """Stopping is always forwarded; starting at most once a second."""
        if content.get("active") is False:
            return True
        now = time.monotonic()
        if now - self.last_typing < TYPING_MIN_INTERVAL:
            return False
        self.last_typing = now
        return True

    @staticmethod
    def _int(value) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    def _render(self, template: str, context: dict) -> str:
        with translation.override(self.language):
            return render_to_string(template, {"CENTER_NAME": settings.CENTER_NAME, **context})

    def _state_label(self, state: str) -> str:
        with translation.override(self.language):
            return str(DeliveryState(state).label)


# --- Staff ------------------------------------------------------------------------------------------


class StaffChatConsumer(_ChatConsumer):
    """``ws/cases/<pk>/chat/``: the conversations of one case, for staff who may see it."""

    actions = ("typing", "seen", "sync")

    async def connect(self):
        self.case_id = self.scope["url_route"]["kwargs"]["pk"]
        self.user = self.scope.get("user")
        access = await in_db_thread(self._access)()
        if access is None:
            await self.close(code=FORBIDDEN)
            return
        self.may_work, self.report_ids = access
        await self._join(live.case_group(self.case_id))

    def _access(self) -> tuple[bool, set[int]] | None:
        """None if the user may not see the case; otherwise whether they may work it, and its reports."""
        if not (verified_staff(self.user, self.scope.get("session")) and self.user.has_perm("cases.view_case")):
            return None
        case = Case.objects.visible_to(self.user).select_related("harm").filter(pk=self.case_id).first()
        if case is None:
            return None
        return can_work(self.user, case) and case.merged_into_id is None, self._reports()

    def _reports(self) -> set[int]:
        return set(Report.objects.filter(case_id=self.case_id).values_list("pk", flat=True))

    async def on_typing(self, content):
        report_id = self._int(content.get("report"))
        if not self.may_work or report_id is None or not self._typing_allowed(content):
            return
        if report_id not in self.report_ids:
            # A report may have joined the case since the page opened (a merge): look once more.
            self.report_ids = await in_db_thread(self._reports)()
            if report_id not in self.report_ids:
                return
        active = content.get("active") is not False
        await self.channel_layer.group_send(
            live.report_group(report_id), {"type": "chat.typing", "who": "operator", "active": active}
        )
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "chat.typing",
                "who": "operator",
                "report": report_id,
                "name": self.user.get_username(),
                "active": active,
                "sender": self.channel_name,
            },
        )

    async def on_seen(self, content):
        up_to = self._int(content.get("up_to"))
        if up_to is not None:
            await in_db_thread(self._read)(up_to)

    def _read(self, up_to: int) -> None:
        case = Case.objects.filter(pk=self.case_id).first()
        if case is None:
            return
        try:
            operator_read(case, self.user, up_to)
        except PermissionDenied:
            pass

    async def on_sync(self, content):
        after = self._int(content.get("after"))
        if after is None:
            return
        for event in await in_db_thread(self._messages)(after=after):
            await self.send_json(event)

    def _messages(self, *, after: int | None = None, pk: int | None = None) -> list[dict]:
        """New messages of the case, rendered for staff; none once the case is out of the user's sight."""
        if not Case.objects.visible_to(self.user).filter(pk=self.case_id).exists():
            return []
        messages = Message.objects.filter(case_id=self.case_id).select_related("author")
        messages = messages.filter(pk=pk) if pk is not None else messages.filter(pk__gt=after)[:SYNC_LIMIT]
        return [
            {
                "type": "message",
                "id": message.pk,
                "report": message.report_id,
                "direction": message.direction,
                "html": self._render("conversations/_staff_message.html", {"message": message}),
            }
            for message in messages
        ]

    async def chat_message(self, event):
        for message in await in_db_thread(self._messages)(pk=event["message"]):
            await self.send_json(message)

    async def chat_state(self, event):
        await self.send_json(
            {
                "type": "state",
                "messages": event["messages"],
                "state": event["state"],
                "label": self._state_label(event["state"]),
            }
        )

    async def chat_typing(self, event):
        if event.get("sender") == self.channel_name:
            return
        await self.send_json(
            {
                "type": "typing",
                "who": event["who"],
                "report": event["report"],
                "name": event.get("name", ""),
                "active": event["active"],
            }
        )


# --- The reporter -----------------------------------------------------------------------------------


class ReporterChatConsumer(_ChatConsumer):
    """``ws/conversation/``: the reporter's own conversation, the report their session unlocked
    with its code (the web channel keeps its id in the session). No other group is ever joined."""

    actions = ("typing", "received", "seen", "sync", "send")

    async def connect(self):
        self.report = await in_db_thread(self._unlocked_report)()
        if self.report is None:
            await self.close(code=FORBIDDEN)
            return
        self.case_id = self.report.case_id  # kept current as messages are read (a merge moves the report)
        self.sent_at: list[float] = []
        await self._join(live.report_group(self.report.pk))

    def _unlocked_report(self) -> Report | None:
        session = self.scope.get("session")
        report_id = session.get(SESSION_REPORT) if session else None
        if not isinstance(report_id, int):
            return None
        return Report.objects.defer(*ENCRYPTED_REPORT_FIELDS).filter(pk=report_id).first()

    def _fresh_report(self) -> Report:
        """The report as it is now (a merge or split may have moved it to another case),
        without what the conversation never needs: the encrypted narrative, links, contact."""
        report = (
            Report.objects.select_related("case").defer(*ENCRYPTED_REPORT_FIELDS).filter(pk=self.report.pk).first()
            or self.report
        )
        self.case_id = report.case_id
        return report

    async def on_typing(self, content):
        if not self._typing_allowed(content):
            return
        await self.channel_layer.group_send(
            live.case_group(self.case_id),
            {
                "type": "chat.typing",
                "who": "reporter",
                "report": self.report.pk,
                "active": content.get("active") is not False,
            },
        )

    async def on_received(self, content):
        """The page got a reply while hidden (another tab in front): delivered, not yet read."""
        message_id = self._int(content.get("id"))
        if message_id is not None:
            await in_db_thread(lambda: reporter_received(self._fresh_report(), message_id))()

    async def on_seen(self, content):
        await in_db_thread(self._seen)()

    def _seen(self) -> None:
        unread = Message.objects.filter(
            report_id=self.report.pk,
            direction=Direction.OUTBOUND,
            state__in=[DeliveryState.SENT, DeliveryState.DELIVERED],
        )
        if unread.exists():
            reporter_viewed(self._fresh_report())

    async def on_sync(self, content):
        after = self._int(content.get("after"))
        if after is None:
            return
        for event in await in_db_thread(self._messages)(after=after):
            await self.send_json(event)

    async def on_send(self, content):
        ref = content.get("ref")
        now = time.monotonic()
        self.sent_at = [t for t in self.sent_at if now - t < 60]
        if len(self.sent_at) >= SENDS_PER_MINUTE:
            with translation.override(self.language):
                errors = [_("You are sending messages very quickly. Please wait a minute and send again.")]
        else:
            errors = await in_db_thread(self._store)(content.get("body"))
        if errors:
            await self.send_json({"type": "error", "ref": ref, "errors": errors})
            return
        self.sent_at.append(now)
        await self.send_json({"type": "sent", "ref": ref})

    def _store(self, body) -> list[str]:
        """Validate and store the reporter's message as the form does; the errors, translated, or []."""
        with translation.override(self.language):
            form = MessageForm({"body": body if isinstance(body, str) else ""})
            if not form.is_valid():
                return [str(error) for errors in form.errors.values() for error in errors]
        receive_message(self._fresh_report(), form.cleaned_data["body"], Channel.WEB)
        return []

    def _messages(self, *, after: int | None = None, pk: int | None = None) -> list[dict]:
        # A message moves with its report when cases merge or split: its case is the report's.
        messages = Message.objects.filter(report_id=self.report.pk).select_related("case")
        messages = messages.filter(pk=pk) if pk is not None else messages.filter(pk__gt=after)[:SYNC_LIMIT]
        events = []
        for message in messages:
            self.case_id = message.case_id
            with translation.override(self.language):
                status = str(STATUS_FOR_REPORTER[message.case.status])
            events.append(
                {
                    "type": "message",
                    "id": message.pk,
                    "direction": message.direction,
                    "status": status,
                    "html": self._render("conversations/_reporter_message.html", {"message": message}),
                }
            )
        return events

    async def chat_message(self, event):
        for message in await in_db_thread(self._messages)(pk=event["message"]):
            await self.send_json(message)

    async def chat_state(self, event):
        if event["direction"] != Direction.INBOUND:
            return  # the reporter is shown whether the center has seen their messages, nothing more
        with translation.override(self.language):
            label = _("Seen") if event["state"] == DeliveryState.READ else _("Sent")
        await self.send_json({"type": "state", "messages": event["messages"], "state": event["state"], "label": label})

    async def chat_typing(self, event):
        if event["who"] == "operator":
            await self.send_json({"type": "typing", "active": event["active"]})
