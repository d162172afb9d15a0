"""The task worker: django-tasks-db's, taking several waiting batches of reports at once.

Intake queues one ``triage_reports`` task per batch it stores, and under a crowd it stores
many small batches. Each task costs the worker the same fixed work whatever its size: taking
the task, reading the reports' matches, storing the results, marking the task done. So when
the worker takes a ``triage_reports`` task and more are waiting, it claims those too (up to
``MAX_MERGED_REPORTS`` reports in all) and triages all their reports in one pass, as one
batch, in order; then it records each task done, as django-tasks-db records a task. If the
pass fails, each task is run again on its own, so a failure is recorded on its own task.
Every other task runs as django-tasks-db runs it.
"""

from __future__ import annotations

import logging

from django.db import router
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from himoya.lib.rows import update_rows
from himoya.triage.tasks import triage_reports

logger = logging.getLogger(__name__)

# Reports triaged in one pass at most: a few intake batches, as many as the engine scores
# at its best pace per report.
MAX_MERGED_REPORTS = 64


class Worker(db_worker.Worker):
    def run_task(self, db_task_result: DBTaskResult) -> None:
        if db_task_result.task_path != triage_reports.module_path:
            return super().run_task(db_task_result)
        group = [db_task_result, *self._claim_waiting_triage(_report_count(db_task_result))]
        if len(group) == 1:
            return super().run_task(db_task_result)
        return self._run_together(group)

    def _claim_waiting_triage(self, taken: int) -> list[DBTaskResult]:
        """Waiting ``triage_reports`` tasks of this worker's queues, oldest first, claimed
        (locked as django-tasks-db locks the task it takes) while they fit in one pass."""
        waiting = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, task_path=triage_reports.module_path
        )
        if not self.process_all_queues:
            waiting = waiting.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            waiting = waiting.exclude(queue_name__in=self.excluded_queue_names)
        claimed: list[DBTaskResult] = []
        with exclusive_transaction(router.db_for_write(DBTaskResult)):
            for task_result in waiting.select_for_update(skip_locked=True)[: MAX_MERGED_REPORTS // 2]:
                taken += _report_count(task_result)
                if taken > MAX_MERGED_REPORTS:
                    break
                claimed.append(task_result)
            now = timezone.now()
            for task_result in claimed:
                task_result.status = TaskResultStatus.RUNNING
                task_result.started_at = now
                task_result.worker_ids = [*task_result.worker_ids, self.worker_id]
            update_rows(claimed, ["status", "started_at", "worker_ids"])
        return claimed

    def _run_together(self, group: list[DBTaskResult]) -> None:
        self.running_task = True
        try:
            backend = type(group[0].task.get_backend())
            for task_result in group:
                task_started.send(sender=backend, task_result=task_result.task_result)
            try:
                triage_reports.call([report_id for task_result in group for report_id in _report_ids(task_result)])
            except Exception:
                logger.exception("triage of %d waiting batches together failed; running each alone", len(group))
                for task_result in group:
                    super().run_task(task_result)
                return
            for task_result in group:
                task_result.set_successful(None)
                task_finished.send(sender=backend, task_result=task_result.task_result)
                self._run_tasks += 1
        finally:
            self.running_task = False


def _report_ids(task_result: DBTaskResult) -> list[int]:
    return list(task_result.args_kwargs["args"][0])


def _report_count(task_result: DBTaskResult) -> int:
    try:
        return len(_report_ids(task_result))
    except (KeyError, IndexError, TypeError):
        return 0
