"""Live conversation events: what the actions announce to open pages, over the channel layer.

Two kinds of group: one per case, joined by the staff pages that show it, and one per
report, joined by that reporter's own page. Events carry ids, states and who is typing,
never message text: each consumer reads a new message from the database itself, checked
against what its socket may see, and renders it for its side. So no text passes through
the channel layer (Redis, when scaled out).
"""

from __future__ import annotations

from himoya.realtime import broadcast_many


def case_group(case_id: int) -> str:
    return f"chat.case.{case_id}"


def report_group(report_id: int) -> str:
    return f"chat.report.{report_id}"


def announce_message(case_id: int, report_id: int, message_id: int) -> None:
    """A message was stored: both sides show it."""
    event = {"type": "chat.message", "message": message_id, "report": report_id}
    broadcast_many([(case_group(case_id), event), (report_group(report_id), event)])


def announce_states(case_id: int, report_id: int, message_ids: list[int], state: str, direction: str) -> None:
    """Messages (all going ``direction``) changed delivery state: sent, delivered, read, failed."""
    if not message_ids:
        return
    event = {"type": "chat.state", "messages": message_ids, "state": state, "direction": direction, "report": report_id}
    broadcast_many([(case_group(case_id), event), (report_group(report_id), event)])
