"""Writes to the known-link lists, and re-indexing report links.

Each list change checks the user's permission, writes, and records the audit row in the
same transaction. Values are checked by :func:`himoya.links.listfile.check_entry`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.lib.imports import ImportProgress, ImportStatus
from himoya.links import folding
from himoya.links.listfile import LineError, ListFileError, check_entry, check_lines, read_file, write_rows
from himoya.links.models import KnownLink, LinkImport, ReportLink
from himoya.reference.models import HarmCategory

_BATCH = 1000
Progress = Callable[[ImportProgress], None]
ERRORS_KEPT = 500


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


def import_known_links(
    user, data: bytes, *, strict: bool = False, source: str = "", progress: Progress | None = None
) -> ImportResult:
    """Import a CSV list (see :mod:`himoya.links.listfile`).

    Good lines are added; an entry already listed (same value and match type) takes the
    file's harm, source and note. Bad lines are reported with their number and reason and
    skipped - or, with ``strict``, nothing at all is written. A file that cannot be read
    as a whole raises :class:`~himoya.links.listfile.ListFileError` and writes nothing.
    ``source`` names the list where a line names none. ``progress(ImportProgress)`` is
    told how far the checking and then the saving have come.
    """
    _require(user, "links.add_knownlink")
    report = progress or (lambda _progress: None)
    file = read_file(data)
    total = len(file.rows)
    report(ImportProgress("checking", 0, total))
    entries, errors = check_lines(
        file, harm_codes(), source.strip(), progress=lambda n: report(ImportProgress("checking", n, total))
    )
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
            report(ImportProgress("saving", start, len(rows)))
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


def start_import(user, *, file_name: str, data: bytes, strict: bool = False, source: str = "") -> LinkImport:
    """Keep an uploaded list and have the worker check and apply it (see :func:`run_import`).

    A file that cannot be read at all is refused at once with :class:`ListFileError`, and
    nothing is kept. Line problems will be written in the language active now.
    """
    from himoya.links.tasks import import_links

    _require(user, "links.add_knownlink")
    read_file(data)
    with transaction.atomic():
        job = LinkImport.objects.create(
            requested_by=user,
            file_name=file_name[:200],
            data=data,
            strict=strict,
            source=source.strip(),
            language=translation.get_language() or "en",
        )
        transaction.on_commit(lambda: import_links.enqueue(job.pk))
    return job


def run_import(job: LinkImport, progress: Progress | None = None) -> LinkImport:
    """Apply an uploaded list with :func:`import_known_links` and keep what came of it."""
    LinkImport.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    with translation.override(job.language):
        try:
            result = import_known_links(
                job.requested_by, bytes(job.data), strict=job.strict, source=job.source, progress=progress
            )
        except ListFileError as exc:
            result = ImportResult(errors=[LineError(0, str(exc))], applied=False)
    job.status = ImportStatus.DONE if result.applied else ImportStatus.REFUSED
    job.added, job.updated = result.added, result.updated
    job.error_count = len(result.errors)
    job.errors = [{"line": error.line, "text": error.message} for error in result.errors[:ERRORS_KEPT]]
    job.data = b""
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "added", "updated", "error_count", "errors", "data", "finished_at"])
    return job


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
        fold = folding.Fold(folding.found_links(report.narrative, report.links))
        with transaction.atomic():
            ReportLink.objects.filter(report=report).delete()
            folding.record([fold], [report])
        stored += len(fold.links)
    return stored
