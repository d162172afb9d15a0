"""Uploaded lists that the task worker checks and applies, and the progress their page shows.

The rows are saved in one transaction, which no other connection can see into until it
commits, so progress goes through the cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _

PROGRESS_SECONDS = 3600


class ImportStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    RUNNING = "running", _("Checking and saving")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused: nothing imported")


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
