"""Hash-list imports run in the task worker; the page follows their progress."""

from __future__ import annotations

from django.core.cache import cache
from django_tasks import task

PROGRESS_SECONDS = 3600


def progress_key(import_id: int) -> str:
    return f"hashes:import:{import_id}:progress"


@task()
def import_hashes(import_id: int) -> None:
    from himoya.hashes import actions
    from himoya.hashes.models import BankImport, ImportStatus

    job = BankImport.objects.select_related("requested_by").filter(pk=import_id, status=ImportStatus.WAITING).first()
    if job is None:
        return

    # Progress goes through the cache: the rows are saved in one transaction, which no
    # other connection can see into until it commits.
    def report(progress: actions.ImportProgress) -> None:
        cache.set(progress_key(import_id), [progress.phase, progress.done, progress.total], PROGRESS_SECONDS)

    try:
        actions.run_import(job, report)
    except Exception:
        # The rows were rolled back with their transaction; say so instead of "running" forever.
        BankImport.objects.filter(pk=import_id).update(
            status=ImportStatus.REFUSED, data=b"", errors=[{"line": 0, "code": "failed", "params": {}}], error_count=1
        )
        raise
    finally:
        cache.delete(progress_key(import_id))
