"""Known-link list imports run in the task worker; the page follows their progress."""

from __future__ import annotations

from django_tasks import task

from himoya.lib.imports import ImportStatus, forget_progress, save_progress

PROGRESS = "links"


@task()
def import_links(import_id: int) -> None:
    from himoya.links import actions
    from himoya.links.models import LinkImport

    job = LinkImport.objects.select_related("requested_by").filter(pk=import_id, status=ImportStatus.WAITING).first()
    if job is None:
        return
    try:
        actions.run_import(job, lambda progress: save_progress(PROGRESS, import_id, progress))
    except Exception:
        # The rows were rolled back with their transaction; say so instead of "running" forever.
        LinkImport.objects.filter(pk=import_id).update(status=ImportStatus.REFUSED, data=b"", error_count=1, errors=[])
        raise
    finally:
        forget_progress(PROGRESS, import_id)
