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
from himoya.reports.models import Report
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
    wanted = {
        column: {getattr(keys, column.removesuffix("_key")) for _link, keys in found} - {""}
        for column in _SIMILAR_COLUMNS
    }
    same, similar = _open_cases(certain, wanted)
    fold = Fold(found)
    if same and not keep_apart:
        fold.case = Case.objects.select_for_update().filter(pk=same[0], status__in=_OPEN).first()
    for case_id in same:
        if fold.case is None or case_id != fold.case.pk:
            fold.similar[case_id] = Similarity.SAME_LINK
    for column, reason in _SIMILAR_COLUMNS.items():
        if not wanted[column] or len(fold.similar) >= MAX_SUGGESTIONS:
            continue
        for case_id in similar[column]:
            if (fold.case is None or case_id != fold.case.pk) and len(fold.similar) < MAX_SUGGESTIONS:
                fold.similar.setdefault(case_id, reason)
    return fold


# Columns of weaker likeness, strongest first, and what a match on each suggests.
_SIMILAR_COLUMNS = {
    "anchor_key": Similarity.SAME_ACCOUNT,
    "handle_key": Similarity.SAME_HANDLE,
    "site_key": Similarity.SAME_SITE,
}


def _open_cases(certain: list[str], wanted: dict[str, set[str]]) -> tuple[list[int], dict[str, list[int]]]:
    """Open cases holding any of the ``certain`` link keys (all of them, in id order), and per
    column of ``wanted`` the most recent open cases holding one of its keys (at most
    ``MAX_SUGGESTIONS + 1``, newest first).

    One statement for every question: intake asks it for each report, and building the four
    queries through the ORM cost more than all of the rest of storing the report.
    """
    if not certain and not any(wanted.values()):
        return [], {column: [] for column in wanted}
    links, reports, cases = ReportLink._meta.db_table, Report._meta.db_table, Case._meta.db_table
    qn = connection.ops.quote_name
    source = (
        f"FROM {qn(links)} l JOIN {qn(reports)} r ON r.{qn('id')} = l.{qn('report_id')} "
        f"JOIN {qn(cases)} c ON c.{qn('id')} = r.{qn('case_id')} "
        f"WHERE c.{qn('status')} IN (%s, %s)"
    )
    parts: list[str] = []
    params: list = []
    tags = [("key", certain, None)] + [
        (column, sorted(values), MAX_SUGGESTIONS + 1) for column, values in wanted.items()
    ]
    for tag, (column, values, limit) in enumerate(tags):
        if not values:
            continue
        marks = ", ".join(["%s"] * len(values))
        inner = f"SELECT DISTINCT r.{qn('case_id')} AS case_id {source} AND l.{qn(column)} IN ({marks})"
        if limit is not None:
            inner += f" ORDER BY r.{qn('case_id')} DESC LIMIT {int(limit)}"
        # Only quoted names and integers are formatted in; every value is a parameter.
        parts.append(f"SELECT {tag} AS tag, case_id FROM ({inner}) AS s{tag}")  # noqa: S608
        params += [*(status.value for status in _OPEN), *values]
    found: dict[int, list[int]] = {tag: [] for tag in range(len(tags))}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for tag, case_id in cursor.fetchall():
            found[tag].append(case_id)
    same = sorted(found[0])
    similar = {column: sorted(found[tag], reverse=True) for tag, (column, _values, _limit) in enumerate(tags) if tag}
    return same, similar


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
