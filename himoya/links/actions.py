"""Writes to the known-link lists, and re-indexing report links.

Each list change checks the user's permission, writes, and records the audit row in the
same transaction. Values are checked by :func:`himoya.links.listfile.check_entry`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.links import folding
from himoya.links.listfile import LineError, check_entry, read_list, write_rows
from himoya.links.models import KnownLink, ReportLink
from himoya.reference.models import HarmCategory

_BATCH = 1000


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def harm_codes() -> set[str]:
    return set(HarmCategory.objects.values_list("code", flat=True))


def add_known_link(user, *, value: str, match_type: str, harm: str, source: str = "", note: str = "") -> KnownLink:
    """Add one entry, or update the harm, source and note of the same entry already listed.

    Raises ``ValidationError`` (translated) for a value that is not a link, a bad match
    type or an unknown harm.
    """
    _require(user, "links.add_knownlink")
    normalized, match_type = check_entry(value, match_type, harm, harm_codes())
    with transaction.atomic():
        entry, created = KnownLink.objects.update_or_create(
            match_type=match_type,
            key=KnownLink.key_for(normalized),
            defaults={"value": normalized, "harm_id": harm, "source": source.strip(), "note": note.strip()},
            create_defaults={
                "value": normalized,
                "harm_id": harm,
                "source": source.strip(),
                "note": note.strip(),
                "added_by": user,
            },
        )
        log(Action.LINK_LIST_CHANGED, actor=user, entry=entry.pk, added=created, match=match_type, harm=harm)
    return entry


def delete_known_links(user, entries) -> int:
    """Delete the given entries (a queryset or list); returns how many were deleted."""
    _require(user, "links.delete_knownlink")
    ids = sorted(entry.pk for entry in entries)
    if not ids:
        return 0
    with transaction.atomic():
        deleted, _by_model = KnownLink.objects.filter(pk__in=ids).delete()
        log(Action.LINK_LIST_CHANGED, actor=user, deleted=ids[:100], count=deleted)
    return deleted


@dataclass
class ImportResult:
    """``applied``: whether anything was written (not when ``strict`` and a line was bad)."""

    added: int = 0
    updated: int = 0
    errors: list[LineError] = field(default_factory=list)
    applied: bool = True


def import_known_links(user, data: bytes, *, strict: bool = False, source: str = "") -> ImportResult:
    """Import a CSV list (see :mod:`himoya.links.listfile`).

    Good lines are added; an entry already listed (same value and match type) takes the
    file's harm, source and note. Bad lines are reported with their number and reason and
    skipped - or, with ``strict``, nothing at all is written. A file that cannot be read
    as a whole raises :class:`~himoya.links.listfile.ListFileError` and writes nothing.
    ``source`` names the list where a line names none.
    """
    _require(user, "links.add_knownlink")
    entries, errors = read_list(data, harm_codes(), default_source=source.strip())
    result = ImportResult(errors=errors)
    if strict and errors:
        result.applied = False
        return result
    rows = [
        KnownLink(
            value=e.value,
            key=KnownLink.key_for(e.value),
            match_type=e.match_type,
            harm_id=e.harm,
            source=e.source,
            note=e.note,
            added_by=user,
        )
        for e in entries
    ]
    with transaction.atomic():
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            listed = set(KnownLink.objects.filter(key__in={row.key for row in batch}).values_list("match_type", "key"))
            result.updated += sum((row.match_type, row.key) in listed for row in batch)
            KnownLink.objects.bulk_create(
                batch,
                update_conflicts=True,
                unique_fields=["match_type", "key"],
                update_fields=["value", "harm", "source", "note"],
            )
        result.added = len(rows) - result.updated
        log(
            Action.LINK_LIST_IMPORTED,
            actor=user,
            added=result.added,
            updated=result.updated,
            rejected=len(errors),
            strict=strict,
        )
    return result


def export_known_links(user) -> Iterator[str]:
    """Every entry as CSV text in the import format, a line at a time. The list can hold
    addresses of abuse material, so taking a copy is audited."""
    _require(user, "links.view_knownlink")
    with transaction.atomic():
        log(Action.LINK_LIST_EXPORTED, actor=user, entries=KnownLink.objects.count())
    return write_rows(KnownLink.objects.order_by("id").iterator(chunk_size=2000))


def index_report_links(reports) -> int:
    """Store the links of ``reports`` again from their text and link field (after a change
    of ``SECRET_KEY``, or for reports filed before links were indexed). Suggestions are not
    made again. Returns how many links were stored."""
    stored = 0
    for report in reports.iterator(chunk_size=200):
        found = folding.links_of(report.narrative, report.links)
        fold = folding.Fold([(link, folding.Keys.of(link)) for link in found])
        with transaction.atomic():
            ReportLink.objects.filter(report=report).delete()
            folding.record(fold, report)
        stored += len(fold.links)
    return stored
