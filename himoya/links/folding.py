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

from himoya.audit.log import audit_entry
from himoya.audit.models import Action
from himoya.cases.models import Case, Status
from himoya.lib.rows import insert_rows
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


def found_links(narrative: str, links: list[str]) -> list[tuple[Link, Keys]]:
    """The report's links (``links_of``) with their keys: what ``decide`` compares."""
    return [(link, Keys.of(link)) for link in links_of(narrative, links)]


def key_set(found: list[tuple[Link, Keys]]) -> set[tuple[str, str]]:
    """Every (column, key) a report's links would be found by. Two reports sharing none cannot
    change each other's fold: ``decide`` may take them together."""
    return {
        (column, value)
        for _link, keys in found
        for column, value in (("key", keys.key), ("anchor", keys.anchor), ("handle", keys.handle), ("site", keys.site))
        if value
    }


def certain_keys(found: list[tuple[Link, Keys]]) -> list[str]:
    """Keys of the links that name a specific place: those a report folds on."""
    return sorted({keys.key for link, keys in found if link.specific and link.host})


def decide(reports: list[tuple[list[tuple[Link, Keys]], bool]]) -> list[Fold]:
    """For each report, given as its ``found_links`` and whether intake keeps it apart, the
    open case it belongs to: as if each were decided and stored in turn, provided no two of
    them share a key (``key_set``). Call inside the transaction that stores the reports, once
    it holds ``lock`` on the ``certain_keys`` of every report it will store: on PostgreSQL a
    lock per link until the commit, so two reports of one new link arriving together cannot
    both open a case."""
    asked = []
    for found, _apart in reports:
        wanted = {
            column: {getattr(keys, column.removesuffix("_key")) for _link, keys in found} - {""}
            for column in _SIMILAR_COLUMNS
        }
        asked.append((certain_keys(found), wanted))
    answers = _open_cases(asked)
    joining = {
        same[0] for (same, _similar), (_found, apart) in zip(answers, reports, strict=True) if same and not apart
    }
    open_cases = Case.objects.select_for_update().filter(status__in=_OPEN).in_bulk(joining) if joining else {}
    folds = []
    for (found, apart), (_certain, wanted), (same, similar) in zip(reports, asked, answers, strict=True):
        fold = Fold(found)
        if same and not apart:
            fold.case = open_cases.get(same[0])
        for case_id in same:
            if fold.case is None or case_id != fold.case.pk:
                fold.similar[case_id] = Similarity.SAME_LINK
        for column, reason in _SIMILAR_COLUMNS.items():
            if not wanted[column] or len(fold.similar) >= MAX_SUGGESTIONS:
                continue
            for case_id in similar[column]:
                if (fold.case is None or case_id != fold.case.pk) and len(fold.similar) < MAX_SUGGESTIONS:
                    fold.similar.setdefault(case_id, reason)
        folds.append(fold)
    return folds


# Columns of weaker likeness, strongest first, and what a match on each suggests.
_SIMILAR_COLUMNS = {
    "anchor_key": Similarity.SAME_ACCOUNT,
    "handle_key": Similarity.SAME_HANDLE,
    "site_key": Similarity.SAME_SITE,
}


def _open_cases(
    asked: list[tuple[list[str], dict[str, set[str]]]],
) -> list[tuple[list[int], dict[str, list[int]]]]:
    """For each report's ``(certain, wanted)``: the open cases holding any of its ``certain``
    link keys (all of them, in id order), and per column of ``wanted`` the most recent open
    cases holding one of its keys (at most ``MAX_SUGGESTIONS + 1``, newest first).

    One statement for every question of every report, asked per key: which open cases hold
    it (for the weaker columns, only the newest few: a report's newest few are among those of
    its keys). Intake asks these for each report, a batch of reports at a time, so the
    statement has one part per column whatever the number of reports: a part per question
    took the database longer to plan than to answer.
    """
    columns = ["key", *_SIMILAR_COLUMNS]
    limit = int(MAX_SUGGESTIONS + 1)
    qn = connection.ops.quote_name
    links, reports, cases = (qn(model._meta.db_table) for model in (ReportLink, Report, Case))
    joins = (
        f"FROM {links} l JOIN {reports} r ON r.{qn('id')} = l.{qn('report_id')} "
        f"JOIN {cases} c ON c.{qn('id')} = r.{qn('case_id')} WHERE c.{qn('status')} IN (%s, %s)"
    )
    open_statuses = [status.value for status in _OPEN]
    postgres = connection.vendor == "postgresql"
    parts: list[str] = []
    params: list = []
    for offset, column in enumerate(columns):
        values = sorted({value for certain, wanted in asked for value in (certain if offset == 0 else wanted[column])})
        if not values:
            continue
        if postgres:
            # Each key looked up on its own (LATERAL), through the index on its column: as one
            # join, the planner of a young database (no statistics yet) scans whole tables.
            # LIMIT, or OFFSET 0, keeps it from merging the lookup back into one join.
            last = f"ORDER BY r.{qn('case_id')} DESC LIMIT {limit}" if offset else "OFFSET 0"
            parts.append(
                f"SELECT {offset} AS col, q.value, s.case_id FROM (VALUES {', '.join(['(%s)'] * len(values))}) "  # noqa: S608
                f"AS q(value) CROSS JOIN LATERAL (SELECT DISTINCT r.{qn('case_id')} AS case_id {joins} "
                f"AND l.{qn(column)} = q.value {last}) AS s"
            )
            params += [*values, *open_statuses]
        else:  # SQLite: no LATERAL; it looks each key of the list up through the index
            parts.append(
                f"SELECT {offset} AS col, l.{qn(column)} AS value, r.{qn('case_id')} AS case_id {joins} "
                f"AND l.{qn(column)} IN ({', '.join(['%s'] * len(values))})"
            )
            params += [*open_statuses, *values]
    if parts and not postgres:
        # Each case once per key; of the weaker columns, the newest few per key.
        parts = [
            "SELECT col, value, case_id FROM (SELECT col, value, case_id, "  # noqa: S608
            "ROW_NUMBER() OVER (PARTITION BY col, value ORDER BY case_id DESC) AS n "
            f"FROM ({' UNION '.join(parts)}) AS m) AS ranked WHERE col = 0 OR n <= {limit}"
        ]
    found: dict[tuple[int, str], list[int]] = {}
    if parts:
        with connection.cursor() as cursor:
            # Only quoted names and integers are formatted in; every value is a parameter.
            cursor.execute(" UNION ALL ".join(parts), params)
            for offset, value, case_id in cursor.fetchall():
                found.setdefault((offset, value), []).append(case_id)

    def holding(offset: int, values) -> set[int]:
        return {case_id for value in values for case_id in found.get((offset, value), ())}

    return [
        (
            sorted(holding(0, certain)),
            {
                column: sorted(holding(offset, wanted[column]), reverse=True)[:limit]
                for offset, column in enumerate(columns[1:], start=1)
            },
        )
        for certain, wanted in asked
    ]


def record(folds: list[Fold], reports: list) -> None:
    """Store each report's links and suggestions, and audit the folds. Same transaction as
    the reports."""
    insert_rows(
        [
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
            for fold, report in zip(folds, reports, strict=True)
            for link, keys in fold.links
        ]
    )
    PossibleDuplicate.objects.bulk_create(
        [
            PossibleDuplicate(case_id=report.case_id, other_id=other, report=report, reason=reason)
            for fold, report in zip(folds, reports, strict=True)
            for other, reason in fold.similar.items()
        ],
        ignore_conflicts=True,
    )
    insert_rows(
        [
            audit_entry(
                Action.REPORT_FOLDED, label="system", case=fold.case, report=report.pk, rule=Similarity.SAME_LINK.value
            )
            for fold, report in zip(folds, reports, strict=True)
            if fold.case is not None
        ]
    )


def lock(keys: list[str]) -> None:
    """Serialise intake of reports with the same links (SQLite already writes one at a time)."""
    if connection.vendor != "postgresql" or not keys:
        return
    lock_ids = [int.from_bytes(bytes.fromhex(key)[:8], "big", signed=True) for key in keys]
    with connection.cursor() as cursor:
        # In one statement, one lock after another in the order given (``unnest`` reads the
        # array in order): the caller sorts the keys, so two batches take shared locks in
        # one order and never wait for each other in a circle.
        cursor.execute("SELECT pg_advisory_xact_lock(id) FROM unnest(%s::bigint[]) AS id", [lock_ids])
