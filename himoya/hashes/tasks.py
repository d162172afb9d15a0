"""Hash-list imports run in the task worker; the page follows their progress."""

from __future__ import annotations

from django_tasks import task

from himoya.lib.imports import ImportStatus, forget_progress, save_progress

PROGRESS = "hashes"


@task()
def import_hashes(import_id: int) -> None:
    from himoya.hashes import actions
    from himoya.hashes.models import BankImport

    job = BankImport.objects.select_related("requested_by").filter(pk=import_id, status=ImportStatus.WAITING).first()
    if job is None:
        return
    try:
        actions.run_import(job, lambda progress: save_progress(PROGRESS, import_id, progress))
    except Exception:
        # The rows were rolled back with their transaction; say so instead of "running" forever.
        BankImport.objects.filter(pk=import_id).update(
            status=ImportStatus.REFUSED, data=b"", errors=[{"line": 0, "code": "failed", "params": {}}], error_count=1
        )
        raise
    finally:
        forget_progress(PROGRESS, import_id)


@task()
def match_stored_pictures(bank_id: int, after_hash_id: int = 0) -> None:
    from himoya.hashes import rescan

    rescan.match_stored_pictures(bank_id, after_hash_id)
