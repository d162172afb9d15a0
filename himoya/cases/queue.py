"""What the operators' queue shows: filtered open cases, most urgent first, one page at a time.

The queue must answer in well under a second with 100,000 open cases, so it never loads more
than one page of rows: the rows come in index order (``case_queue_order``), and the counts
per urgency come from one aggregate query. The number of queries does not depend on the
number of cases (tests/test_queue_queries.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from himoya.cases.models import URGENCY_ORDER, Case, Status
from himoya.reference.models import HarmCategory, Region, Urgency
from himoya.reports.models import Channel

PAGE_SIZE = 100
# Deep pages are for finding an old case; filters are the better tool, so the offset is capped.
MAX_PAGE = 50

ALL_OPEN = ""
MINE = "mine"
UNASSIGNED = "unassigned"


class QuickSelect(forms.Select):
    """A select written in Python, not one template per option: the region list alone has
    about a hundred options, and the template widget made it the slowest part of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) in chosen else "", label) for key, label in self.choices),
        )
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, final_attrs, options)


class QueueFilter(forms.Form):
    """The queue's filters, read from the query string. Every field is optional.

    Harms and regions are read once to list them; a chosen one is checked against that list,
    so filtering costs no query of its own.
    """

    urgency = forms.ChoiceField(label=_("Urgency"), required=False, widget=QuickSelect)
    harm = forms.ChoiceField(label=_("Harm"), required=False, widget=QuickSelect)
    language = forms.ChoiceField(label=_("Language"), required=False, widget=QuickSelect)
    channel = forms.ChoiceField(label=_("Channel"), required=False, widget=QuickSelect)
    region = forms.ChoiceField(label=_("Region"), required=False, widget=QuickSelect)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=QuickSelect)
    who = forms.ChoiceField(label=_("Held by"), required=False, widget=QuickSelect)
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, data, *, user):
        super().__init__(data)
        harms = HarmCategory.objects.all()
        if not user.has_perm("cases.view_restricted"):
            harms = harms.filter(restricted=False)
        harms = list(harms)
        regions = list(Region.objects.all())
        self.references = References.of(harms, regions)
        self.harm_ids = {harm.code: harm.pk for harm in harms}
        harm_names = {harm.code: self.references.harms[harm.pk][0] for harm in harms}
        regions = [region for region in regions if region.active]
        self.region_ids = {region.code: region.pk for region in regions}
        self.fields["urgency"].choices = [("", _("Any urgency")), *Urgency.choices]
        self.fields["harm"].choices = [("", _("Any harm")), *harm_names.items()]
        self.fields["language"].choices = [("", _("Any language")), *settings.LANGUAGES]
        self.fields["channel"].choices = [("", _("Any channel")), *Channel.choices]
        self.fields["region"].choices = [
            ("", _("Any region")),
            *((region.code, self.references.regions[region.pk]) for region in regions),
        ]
        self.fields["status"].choices = [
            (ALL_OPEN, _("All open")),
            (Status.NEW, Status.NEW.label),
            (Status.OPEN, Status.OPEN.label),
            (Status.CLOSED, Status.CLOSED.label),
        ]
        self.fields["who"].choices = [
            (ALL_OPEN, _("Anyone")),
            (MINE, _("Me")),
            (UNASSIGNED, _("Nobody")),
        ]

    def clean_harm(self):
        code = self.cleaned_data["harm"]
        return self.harm_ids[code] if code else None

    def clean_region(self):
        code = self.cleaned_data["region"]
        return self.region_ids[code] if code else None

    def values(self) -> dict:
        """The filters that are valid; a bad value is reported and left out, never a failure."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value not in (None, "")}


@dataclass(frozen=True)
class References:
    """Names of harms and regions in the page's language, read once for a whole page."""

    harms: dict[int, tuple[str, bool]]  # id: (name, restricted)
    regions: dict[int, str]

    @classmethod
    def of(cls, harms, regions) -> References:
        return cls(
            harms={harm.pk: (harm.name(), harm.restricted) for harm in harms},
            regions={region.pk: region.name() for region in regions},
        )

    @classmethod
    def load(cls) -> References:
        return cls.of(HarmCategory.objects.all(), Region.objects.all())


# What a row shows; the rest of the case (and the harm's and region's JSON names) stays unread.
ROW_FIELDS = ["status", "urgency", "harm", "language", "channel", "region", "deadline", "assignee__username"]


@dataclass(frozen=True)
class UrgencyCount:
    urgency: str
    label: str
    total: int
    overdue: int


@dataclass(frozen=True)
class Row:
    """One case as the lists show it, every text worked out here once.

    A page of 100 rows must render in a few milliseconds; template tags per row (translations,
    choice labels, URLs, date formats) would cost more than all the queries of the page.
    """

    pk: int
    css: str
    reference: str
    url: str
    claim_url: str
    urgency: str
    urgency_label: str
    harm: str
    restricted: bool
    language: str
    channel: str
    region: str
    status: str
    closed: bool
    overdue: bool
    deadline_epoch: int
    deadline_iso: str
    deadline_text: str
    countdown: str
    mine: bool
    holder: str
    held_by: str
    # Only for the shift view, where each row has its own reassign form.
    assign_url: str = ""
    assign_label: str = ""


def url_maker(name: str):
    """``pk -> URL`` of a view taking one ``pk``: reversed once, then filled in per row."""
    marker = 987654321
    pattern = reverse(name, args=[marker]).replace(str(marker), "{}")
    return pattern.format


class RowMaker:
    """Builds the rows of one page, with labels and names looked up once per page, not per row."""

    def __init__(self, now: datetime, references: References, *, user=None, assigning: bool = False):
        self.now = now
        self.references = references
        self.user_pk = user.pk if user is not None else None
        self.assigning = assigning
        self.urgency_labels = {value: str(label) for value, label in Urgency.choices}
        self.status_labels = {value: str(label) for value, label in Status.choices}
        self.channel_labels = {value: str(label) for value, label in Channel.choices}
        self.left = gettext("%(time)s left")
        self.late = gettext("late by %(time)s")
        self.held_by = gettext("Held by %(name)s")
        self.assign_label = gettext("Assign %(case)s to")
        self.datetime_format = get_format("SHORT_DATETIME_FORMAT")
        self.detail_url = url_maker("cases:detail")
        self.claim_url = url_maker("cases:queue_claim")
        self.assign_url = url_maker("cases:assign")

    def __call__(self, case: Case) -> Row:
        closed = case.status == Status.CLOSED
        overdue = not closed and case.deadline < self.now
        holder = case.assignee.get_username() if case.assignee_id is not None else ""
        mine = case.assignee_id is not None and case.assignee_id == self.user_pk
        css = f"queue-row urgency-{case.urgency}"
        if overdue:
            css += " overdue"
        if holder and not mine:
            css += " held"
        harm, restricted = self.references.harms.get(case.harm_id, ("", True))
        local_deadline = timezone.localtime(case.deadline)
        return Row(
            pk=case.pk,
            css=css,
            reference=case.reference,
            url=self.detail_url(case.pk),
            claim_url=self.claim_url(case.pk),
            urgency=case.urgency,
            urgency_label=self.urgency_labels.get(case.urgency, case.urgency),
            harm=harm,
            restricted=restricted,
            language=case.language,
            channel=self.channel_labels.get(case.channel, case.channel),
            region=self.references.regions.get(case.region_id, ""),
            status=self.status_labels.get(case.status, case.status),
            closed=closed,
            overdue=overdue,
            deadline_epoch=int(case.deadline.timestamp()),
            deadline_iso=local_deadline.isoformat(timespec="minutes"),
            deadline_text=dateformat.format(local_deadline, self.datetime_format),
            countdown=""
            if closed
            else (self.late if overdue else self.left) % {"time": time_left(case.deadline, self.now)},
            mine=mine,
            holder=holder,
            held_by=self.held_by % {"name": holder} if holder and not mine else "",
            assign_url=self.assign_url(case.pk) if self.assigning else "",
            assign_label=self.assign_label % {"case": case.reference} if self.assigning else "",
        )


@dataclass(frozen=True)
class QueuePage:
    rows: list[Row]
    counts: list[UrgencyCount]
    total: int
    page: int
    has_next: bool
    now: datetime

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def filtered(user, values: dict) -> QuerySet[Case]:
    """Cases ``user`` may see that match the filters (restricted harms stay hidden)."""
    cases = Case.objects.visible_to(user)
    status = values.get("status", ALL_OPEN)
    cases = cases.open() if status == ALL_OPEN else cases.filter(status=status)
    for name, column in (
        ("urgency", "urgency"),
        ("language", "language"),
        ("channel", "channel"),
        ("harm", "harm_id"),
        ("region", "region_id"),
    ):
        if name in values:
            cases = cases.filter(**{column: values[name]})
    who = values.get("who", ALL_OPEN)
    if who == MINE:
        cases = cases.filter(assignee=user)
    elif who == UNASSIGNED:
        cases = cases.filter(assignee__isnull=True)
    return cases


def counts_by_urgency(cases: QuerySet[Case], now: datetime) -> list[UrgencyCount]:
    """How many cases of each urgency, and how many of those are past their deadline: one query."""
    overdue = Q(deadline__lt=now) & ~Q(status=Status.CLOSED)
    rows = {
        row["urgency"]: row
        for row in cases.order_by().values("urgency").annotate(total=Count("id"), overdue=Count("id", filter=overdue))
    }
    labels = dict(Urgency.choices)
    return [
        UrgencyCount(
            urgency=urgency,
            label=labels[urgency],
            total=rows.get(urgency, {}).get("total", 0),
            overdue=rows.get(urgency, {}).get("overdue", 0),
        )
        for urgency in URGENCY_ORDER
    ]


def queue_page(user, values: dict, references: References, now: datetime | None = None) -> QueuePage:
    now = now or timezone.now()
    cases = filtered(user, values)
    counts = counts_by_urgency(cases, now)
    if values.get("status") == Status.CLOSED:
        ordered = cases.order_by("-closed_at", "-id")
    else:
        ordered = cases.in_queue_order()
    page = values.get("page", 1)
    start = (page - 1) * PAGE_SIZE
    # One row more than shown tells whether there is a next page, without counting again.
    cases = list(ordered.select_related("assignee").only(*ROW_FIELDS)[start : start + PAGE_SIZE + 1])
    make_row = RowMaker(now, references, user=user)
    return QueuePage(
        rows=[make_row(case) for case in cases[:PAGE_SIZE]],
        counts=counts,
        total=sum(count.total for count in counts),
        page=page,
        has_next=len(cases) > PAGE_SIZE,
        now=now,
    )


def time_left(deadline: datetime, now: datetime) -> str:
    """The countdown as the page first shows it (then static/himoya/live-queue.js ticks it)."""
    return clock(abs(deadline - now))


def clock(duration: timedelta) -> str:
    """H:MM:SS, the same in every language."""
    seconds = int(duration / timedelta(seconds=1))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
