"""Uploaded lists that the task worker checks and applies, and the progress their page shows.

The rows are saved in one transaction, which no other connection can see into until it
commits, so progress goes through the cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PROGRESS_SECONDS = 3600


class ImportStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    RUNNING = "running", _("Checking and saving")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused: nothing imported")


class ImportJob(models.Model):
    """One uploaded file waiting for the worker, then what came of it."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    # The file waits here for the worker and is emptied once read.
    data = models.BinaryField(default=b"")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.WAITING)
    added = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first problems found; what each holds is the subclass's to say.
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REFUSED)


@dataclass(frozen=True)
class ImportProgress:
    phase: str = ""  # "checking" | "saving"
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None


def _key(kind: str, job_id: int) -> str:
    return f"{kind}:import:{job_id}:progress"


def save_progress(kind: str, job_id: int, progress: ImportProgress) -> None:
    cache.set(_key(kind, job_id), [progress.phase, progress.done, progress.total], PROGRESS_SECONDS)


def read_progress(kind: str, job_id: int) -> ImportProgress:
    return ImportProgress(*(cache.get(_key(kind, job_id)) or ()))


def forget_progress(kind: str, job_id: int) -> None:
    cache.delete(_key(kind, job_id))
