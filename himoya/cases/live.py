"""Live updates to staff consoles (WebSocket group ``queue``).

Messages carry ids only, never report text; a console that receives one fetches what it
needs through the normal, access-checked views.
"""

from __future__ import annotations

from collections.abc import Iterable

from himoya.realtime import broadcast

QUEUE_GROUP = "queue"


def announce_case(case_id: int) -> None:
    broadcast(QUEUE_GROUP, {"type": "case.changed", "case": case_id})


def announce_cases(case_ids: Iterable[int]) -> None:
    """Several cases changed (a triaged batch): one message for all of them."""
    case_ids = list(case_ids)
    if case_ids:
        broadcast(QUEUE_GROUP, {"type": "cases.changed", "cases": case_ids})


def announce_alert(case_id: int) -> None:
    """An urgent case went unclaimed past its deadline: consoles show the alert at once."""
    broadcast(QUEUE_GROUP, {"type": "case.alerted", "case": case_id})


def announce_shifts() -> None:
    """Someone started or ended a shift: the supervisor view redraws who is on."""
    broadcast(QUEUE_GROUP, {"type": "shifts.changed"})
