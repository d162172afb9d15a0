"""Folding a new report into the open case that already holds its link.

The rule (docs/links.md):

* **Certain** - one of the report's links names a specific place (a path, a post, an
  account: not ``youtube.com`` alone, not a bare ``@name``) and that exact normal form is
  already in an open case: the report joins that case (the oldest, if several). The
  reporter keeps their own code and conversation, which belong to the report.
* **Less certain** - another link of the same account or site section (``t.me/x/5`` and
  ``t.me/x/9``), the same user name on another platform or as a bare ``@name``, or the same
  website of one owner: a new case is opened and a :class:`PossibleDuplicate` points
  to each such open case, for an operator to merge or not.
* A report intake keeps apart - the reporter asked for help now, a picture matched a hash
  list, or the chosen harm has restricted access - is never folded: it opens its own case
  (its own deadline, its own place in the queue, its own access), and a certain match is
  only suggested. Any other report folds whatever its urgency: triage of the new report
  can raise the case's urgency and bring its deadline closer, never lower them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.models import Case, Status
from himoya.links.keys import link_key
from himoya.links.models import PossibleDuplicate, ReportLink, Similarity
from himoya.triage.engine.links import Link, find_links

# Cases offered as possible duplicates of one report, most recent first.
MAX_SUGGESTIONS = 5
# Links kept per report: enough for any real report, bounded for a pasted list.
MAX_REPORT_LINKS = 50

_OPEN = [Status.NEW, Status.OPEN]


@dataclass(frozen=True)
class Keys:
    key: str
    anchor: str
    handle: str
    site: str

    @classmethod
    def of(cls, link: Link) -> Keys:
        return cls(
            key=link_key(link.normalized),
            anchor=link_key(link.anchor) if link.specific and link.host else "",
            handle=link_key(link.handle) if link.handle else "",
            site=link_key(link.site) if link.site else "",
        )


@dataclass
class Fold:
    """What intake decided for one new report's links."""

    links: list[tuple[Link, Keys]]
    case: Case | None = None  # the open case the report joins; None: open a new one
    similar: dict[int, str] = field(default_factory=dict)  # case id -> Similarity


def links_of(narrative: str, links: list[str]) -> list[Link]:
    """The links kept for a report: those of its link field, then those of its text."""
    return find_links(narrative, links)[:MAX_REPORT_LINKS]


def decide(narrative: str, links: list[str], *, keep_apart: bool = False) -> Fold:
    """Read the report's links and find the open case it belongs to. Call inside the
    transaction that stores the report; on PostgreSQL it holds a lock per link until then,
    so two reports of one new link arriving together cannot both open a case."""
    found = [(link, Keys.of(link)) for link in links_of(narrative, links)]
    certain = sorted({keys.key for link, keys in found if link.specific and link.host})
    _lock(certain)
    open_links = ReportLink.objects.filter(report__case__status__in=_OPEN)
    same = sorted(set(open_links.filter(key__in=certain).values_list("report__case_id", flat=True)))
    fold = Fold(found)
    if same and not keep_apart:
        fold.case = Case.objects.select_for_update().filter(pk=same[0], status__in=_OPEN).first()
    for case_id in same:
        if fold.case is None or case_id != fold.case.pk:
            fold.similar[case_id] = Similarity.SAME_LINK
    for column, reason in (
        ("anchor_key", Similarity.SAME_ACCOUNT),
        ("handle_key", Similarity.SAME_HANDLE),
        ("site_key", Similarity.SAME_SITE),
    ):
        wanted = {getattr(keys, column.removesuffix("_key")) for _link, keys in found} - {""}
        if not wanted or len(fold.similar) >= MAX_SUGGESTIONS:
            continue
        case_ids = (
            open_links.filter(**{f"{column}__in": wanted})
            .values_list("report__case_id", flat=True)
            .distinct()
            .order_by("-report__case_id")[: MAX_SUGGESTIONS + 1]
        )
        for case_id in case_ids:
            if (fold.case is None or case_id != fold.case.pk) and len(fold.similar) < MAX_SUGGESTIONS:
                fold.similar.setdefault(case_id, reason)
    return fold


def record(fold: Fold, report) -> None:
    """Store the report's links and the suggestions, and audit a fold. Same transaction as
    the report."""
    ReportLink.objects.bulk_create(
        ReportLink(
            report=report,
            key=keys.key,
            anchor_key=keys.anchor,
            handle_key=keys.handle,
            site_key=keys.site,
            original=link.original,
            normalized=link.normalized,
            kind=link.kind,
            platform=link.platform or "",
            short=link.short,
            specific=link.specific,
            lookalike_of=link.lookalike_of or "",
            mixed_script=link.mixed_script,
        )
        for link, keys in fold.links
    )
    PossibleDuplicate.objects.bulk_create(
        [
            PossibleDuplicate(case_id=report.case_id, other_id=other, report=report, reason=reason)
            for other, reason in fold.similar.items()
        ],
        ignore_conflicts=True,
    )
    if fold.case is not None:
        log(Action.REPORT_FOLDED, label="system", case=fold.case, report=report.pk, rule=Similarity.SAME_LINK.value)


def _lock(keys: list[str]) -> None:
    """Serialise intake of reports with the same links (SQLite already writes one at a time)."""
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        for key in keys:  # sorted by the caller: two reports take shared locks in one order
            lock_id = int.from_bytes(bytes.fromhex(key)[:8], "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
