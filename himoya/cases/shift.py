"""What the supervisor's shift view shows, in a fixed number of queries whatever the load.

Lists are bounded (the longest deadlines-at-risk first); figures come from aggregates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from himoya.cases.models import URGENCY_ORDER, Case
from himoya.cases.queue import ROW_FIELDS, References, Row, RowMaker
from himoya.reference.models import Urgency
from himoya.shifts.models import Shift

# "About to be missed": the deadline falls within this time from now.
SOON = timedelta(minutes=30)
LIST_SIZE = 50
HELD_SHOWN = 300


@dataclass(frozen=True)
class UrgencyLine:
    urgency: str
    label: str
    open: int
    unassigned: int
    overdue: int
    soon: int


@dataclass
class Person:
    """Someone on duty, or someone off duty who still holds cases."""

    user: object
    on_duty_since: datetime | None
    held: list[Row] = field(default_factory=list)
    held_count: int = 0
    overdue_count: int = 0

    @property
    def on_duty(self) -> bool:
        return self.on_duty_since is not None


@dataclass(frozen=True)
class Worker:
    """Someone a case can be assigned to."""

    user: object
    on_duty: bool
    restricted: bool  # may work cases of restricted harms


@dataclass(frozen=True)
class Overview:
    now: datetime
    lines: list[UrgencyLine]
    people: list[Person]
    breached: list[Row]
    soon: list[Row]
    workers: list[Worker]
    median_first_response: timedelta | None
    answered_today: int

    @property
    def totals(self) -> UrgencyLine:
        return UrgencyLine(
            urgency="",
            label="",
            open=sum(line.open for line in self.lines),
            unassigned=sum(line.unassigned for line in self.lines),
            overdue=sum(line.overdue for line in self.lines),
            soon=sum(line.soon for line in self.lines),
        )


def shift_overview(user, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    cases = Case.objects.visible_to(user).open()
    median, answered = median_first_response_today(now)
    make_row = RowMaker(now, References.load(), user=user, assigning=True)
    people = _people(cases, now, make_row)
    return Overview(
        now=now,
        lines=_lines(cases, now),
        people=people,
        breached=[make_row(case) for case in _rows(cases.filter(deadline__lt=now))],
        soon=[make_row(case) for case in _rows(cases.filter(deadline__gte=now, deadline__lt=now + SOON))],
        workers=workers({person.user.pk for person in people if person.on_duty}),
        median_first_response=median,
        answered_today=answered,
    )


def _rows(cases):
    return list(cases.in_queue_order().select_related("assignee").only(*ROW_FIELDS)[:LIST_SIZE])


def _lines(cases, now: datetime) -> list[UrgencyLine]:
    rows = {
        row["urgency"]: row
        for row in cases.order_by()
        .values("urgency")
        .annotate(
            total=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            overdue=Count("id", filter=Q(deadline__lt=now)),
            soon=Count("id", filter=Q(deadline__gte=now, deadline__lt=now + SOON)),
        )
    }
    labels = dict(Urgency.choices)
    empty = {"total": 0, "unassigned": 0, "overdue": 0, "soon": 0}
    return [
        UrgencyLine(
            urgency=urgency,
            label=labels[urgency],
            open=rows.get(urgency, empty)["total"],
            unassigned=rows.get(urgency, empty)["unassigned"],
            overdue=rows.get(urgency, empty)["overdue"],
            soon=rows.get(urgency, empty)["soon"],
        )
        for urgency in URGENCY_ORDER
    ]


def _people(cases, now: datetime, make_row: RowMaker) -> list[Person]:
    """Everyone on duty, then everyone off duty who still holds open cases, with what they hold."""
    people: dict[int, Person] = {}
    for shift in Shift.objects.on_duty().select_related("user").order_by("started_at"):
        people[shift.user_id] = Person(user=shift.user, on_duty_since=shift.started_at)
    held = cases.filter(assignee__isnull=False)
    counts = held.order_by().values("assignee").annotate(n=Count("id"), overdue=Count("id", filter=Q(deadline__lt=now)))
    by_holder: dict[int, list[Row]] = defaultdict(list)
    ordered = held.select_related("assignee").order_by("assignee", "urgency", "deadline", "id")
    for case in ordered[:HELD_SHOWN]:
        by_holder[case.assignee_id].append(make_row(case))
        if case.assignee_id not in people:
            people[case.assignee_id] = Person(user=case.assignee, on_duty_since=None)
    for count in counts:
        person = people.get(count["assignee"])
        if person is not None:
            person.held_count, person.overdue_count = count["n"], count["overdue"]
            person.held = by_holder[count["assignee"]]
    return sorted(people.values(), key=lambda p: (not p.on_duty, p.user.get_username()))


def workers(on_duty: set[int]) -> list[Worker]:
    """Everyone active who may work cases, on-duty people first: the choices when reassigning."""
    wanted = Permission.objects.filter(content_type__app_label="cases", codename__in=["work_case", "view_restricted"])
    perms = {perm.codename: perm for perm in wanted}

    def holding(codename):
        perm = perms[codename]
        return Q(is_superuser=True) | Exists(
            get_user_model()
            .objects.filter(pk=OuterRef("pk"))
            .filter(Q(groups__permissions=perm) | Q(user_permissions=perm))
        )

    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(holding("work_case"))
        .annotate(restricted=holding("view_restricted"))
        .order_by("username")
    )
    found = [Worker(user=u, on_duty=u.pk in on_duty, restricted=u.restricted) for u in users]
    return sorted(found, key=lambda w: not w.on_duty)


def median_first_response_today(now: datetime) -> tuple[timedelta | None, int]:
    """Median time from opening to first reply over cases opened today (local time) and answered,
    closed ones included; and how many those are.

    Two queries on any database: how many, then the middle one or two in order.
    """
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    answered = Case.objects.filter(opened_at__gte=midnight, first_response_at__isnull=False)
    total = answered.count()
    if not total:
        return None, 0
    waits = answered.annotate(
        wait=ExpressionWrapper(F("first_response_at") - F("opened_at"), output_field=DurationField())
    ).order_by("wait")
    middle = list(waits.values_list("wait", flat=True)[(total - 1) // 2 : total // 2 + 1])
    return sum(middle, timedelta()) / len(middle), total
